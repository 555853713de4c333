/**
 * Threshold VOPRF evaluation (DESIGN.md "Cryptography", steps 3–5): a node evaluates a batch of
 * blinded elements with its share k_i and proves it with one batched DLEQ proof against
 * pk_i = k_i·G; the client verifies each node's answer, then combines t verified answers with
 * Lagrange coefficients at 0. The combination equals BlindEvaluate(k, ·) of RFC 9497.
 */
import { isAllZero, type Rng } from './bytes.js';
import { generateProof, verifyProof } from './dleq.js';
import { DeserializeError, ParameterError, VerifyError } from './errors.js';
import type { Element, Group, Scalar } from './group.js';
import { GENERATOR, decodeElement, scalarFromBigint } from './group.js';
import { blind, blindEvaluate } from './oprf.js';
import type { Share } from './shamir.js';
import { MAX_NODES, lagrangeCoefficients, lagrangeIntegerWeights } from './shamir.js';
import type { Suite } from './suite.js';

/** One node's answer to one batch. */
export interface PartialResponse {
  index: number;
  evaluatedElements: Element[];
  proof: Uint8Array;
}

/** Node side: Z_i[j] = k_i·B[j] and one proof over the batch. Blinded elements are validated. */
export function evaluatePartial(suite: Suite, share: Share, publicShare: Element, blindedElements: Uint8Array[], rng: Rng): PartialResponse {
  const evaluatedElements = blindEvaluate(suite, share.value, blindedElements);
  const proof = generateProof(suite, share.value, GENERATOR, publicShare, blindedElements, evaluatedElements, rng);
  return { index: share.index, evaluatedElements, proof };
}

/**
 * Client side: check one node's answer against its pk_i. Throws VerifyError whose field names the
 * node (`node[3]`) when the answer is malformed or its proof fails — the node is then reported,
 * never used.
 */
export function verifyPartial(
  suite: Suite,
  publicShare: Element,
  blindedElements: Element[],
  response: { index: number; evaluatedElements: Uint8Array[]; proof: Uint8Array },
): PartialResponse {
  const who = `node[${response.index}]`;
  if (response.evaluatedElements.length !== blindedElements.length) {
    throw new VerifyError(who, `returned ${response.evaluatedElements.length} elements for ${blindedElements.length} inputs`);
  }
  let evaluated: Element[];
  try {
    evaluated = response.evaluatedElements.map((e, j) => decodeElement(suite.group, e, `evaluatedElements[${j}]`));
    if (!verifyProof(suite, GENERATOR, publicShare, blindedElements, evaluated, response.proof)) {
      throw new VerifyError(who, 'DLEQ proof does not verify against its public share');
    }
  } catch (e) {
    if (e instanceof DeserializeError) throw new VerifyError(who, `malformed answer: ${e.message}`);
    throw e;
  }
  return { index: response.index, evaluatedElements: evaluated, proof: response.proof };
}

/** The number of elements every answer holds (the same for all, at least one answer). */
function responseSize(responses: readonly PartialResponse[]): { size: number } {
  if (responses.length === 0) throw new ParameterError('responses', 'need at least one response');
  const size = responses[0]!.evaluatedElements.length;
  for (const r of responses) {
    if (r.evaluatedElements.length !== size) throw new ParameterError('responses', 'answers hold different numbers of elements');
  }
  return { size };
}

/** Lagrange coefficients at 0 for the responding nodes, once per batch (inversions are costly). */
function responseLambdas(suite: Suite, responses: readonly PartialResponse[]): { lambdas: Scalar[]; size: number } {
  const { size } = responseSize(responses);
  return { lambdas: lagrangeCoefficients(suite.group, responses.map((r) => r.index)), size };
}

/** Σ_i w_i·P_i as one multi-scalar multiplication (constant time in the weights). */
function weightedSum(group: Group, weights: readonly Scalar[], points: readonly Element[]): Element {
  return group.multiScalarMul(weights, points);
}

/**
 * Combine t verified answers position by position: Z[j] = Σ λ_i·Z_i[j]. The coefficients are
 * computed once for the batch; the result equals `combinePartials` at every position.
 */
export function combineResponses(suite: Suite, responses: readonly PartialResponse[]): Element[] {
  const { lambdas, size } = responseLambdas(suite, responses);
  const out: Element[] = [];
  for (let j = 0; j < size; j++) out.push(weightedSum(suite.group, lambdas, responses.map((r) => r.evaluatedElements[j]!)));
  return out;
}

/**
 * RFC 9497 Blind of every input, keeping only the inverses r⁻¹ (what the combination needs): the
 * blinds are zeroed here, also those already drawn when a later input is refused.
 */
export function blindInverted(suite: Suite, inputs: readonly Uint8Array[], rng: Rng): { blinded: Element[]; inverses: Scalar[] } {
  const blinds: Scalar[] = [];
  const blinded: Element[] = [];
  try {
    for (const x of inputs) {
      const b = blind(suite, x, rng);
      blinds.push(b.blind);
      blinded.push(b.blindedElement);
    }
    return { blinded, inverses: invertBlinds(suite.group, blinds) };
  } finally {
    for (const r of blinds) r.fill(0);
  }
}

/**
 * r⁻¹ for every blind with one field inversion (Montgomery's trick): prefix products, one
 * inversion, then a backward pass. Throws on a zero blind.
 */
export function invertBlinds(group: Group, blinds: readonly Scalar[]): Scalar[] {
  if (blinds.length === 0) return [];
  const prefix: Scalar[] = [blinds[0]!];
  for (let j = 1; j < blinds.length; j++) prefix.push(group.scalarMul(prefix[j - 1]!, blinds[j]!));
  let inv = group.scalarInvert(prefix[blinds.length - 1]!);
  const out: Scalar[] = new Array<Scalar>(blinds.length);
  for (let j = blinds.length - 1; j > 0; j--) {
    out[j] = group.scalarMul(inv, prefix[j - 1]!);
    const next = group.scalarMul(inv, blinds[j]!);
    inv.fill(0);
    inv = next;
  }
  out[0] = inv;
  for (const p of prefix.slice(1)) p.fill(0);
  return out;
}

/**
 * The weights of one node's answer in a combine-and-unblind: w[j] = λ·r_j⁻¹ for every position,
 * with λ that node's Lagrange coefficient at 0 for the responding set.
 */
export function unblindWeights(group: Group, lambda: Scalar, inverses: readonly Scalar[]): Scalar[] {
  return inverses.map((inv) => group.scalarMul(lambda, inv));
}

/** One node's share of the combination, position by position: W[j] = w[j]·Z_i[j]. */
export function scaleElements(group: Group, weights: readonly Scalar[], elements: readonly Element[]): Element[] {
  if (weights.length !== elements.length) throw new ParameterError('weights', `${weights.length} weights for ${elements.length} elements`);
  return elements.map((e, j) => group.mul(weights[j]!, e));
}

/**
 * Sum the scaled answers of the responding nodes position by position: N[j] = Σ_i W_i[j]. With
 * the weights of `unblindWeights` this is the unblinded element RFC 9497 Finalize hashes; an
 * identity result is refused as Finalize would refuse it.
 */
export function sumScaled(group: Group, scaled: readonly (readonly Element[])[]): Element[] {
  if (scaled.length === 0) throw new ParameterError('responses', 'need at least one response');
  const size = scaled[0]!.length;
  if (scaled.some((s) => s.length !== size)) throw new ParameterError('responses', 'answers hold different numbers of elements');
  const out: Element[] = [];
  for (let j = 0; j < size; j++) {
    let N = scaled[0]![j]!;
    for (let i = 1; i < scaled.length; i++) N = group.add(N, scaled[i]![j]!);
    if (isAllZero(N)) throw new DeserializeError('evaluatedElement', 'is the identity element');
    out.push(N);
  }
  return out;
}

/**
 * Combine and unblind in one pass: N[j] = r_j⁻¹·Σ_i λ_i·Z_i[j]. N[j] is the unblinded element
 * that RFC 9497 Finalize hashes (`finalizeHash`); the result is identical to `finalize` after
 * `combineResponses`, including the refusal of an identity evaluation.
 *
 * With λ_i = W_i / D over integers (`lagrangeIntegerWeights`), each position is one
 * `group.mulSum`: N[j] = (r_j·D)⁻¹ · Σ_i W_i·Z_i[j] (when every |W_i| < 2^64, as for any 3 of
 * up to 255 nodes; otherwise one constant-time `multiScalarMul` over λ_i·r_j⁻¹). On `native` the sum runs in variable time
 * on public values (the answers Z_i[j] cross the network, W_i follows from the responding
 * indices and has a few bits, so it costs a handful of additions) and only the multiplication by
 * (r_j·D)⁻¹ — which holds the inverse of the client's secret blind, with which and the blinded
 * element a node saw anyone could unblind the input — is a full constant-time one. `sodium` and
 * `noble` run it as one constant-time multi-scalar multiplication over the weights (r_j·D)⁻¹·W_i.
 *
 * The client splits the same computation across its proof-check threads when it has them and the
 * backend has no fast `mulSum` (`scaleElements` per node next to each proof check, then `sumScaled`).
 */
export function combineUnblind(suite: Suite, responses: readonly PartialResponse[], blinds: readonly Scalar[]): Element[] {
  const { size } = responseSize(responses);
  if (blinds.length !== size) throw new ParameterError('blinds', `${blinds.length} blinds for ${size} elements`);
  const inverses = invertBlinds(suite.group, blinds);
  try {
    return combineUnblindInverted(suite, responses, inverses);
  } finally {
    for (const inv of inverses) inv.fill(0);
  }
}

/** `combineUnblind` with the blinds already inverted (`invertBlinds`), as a client that keeps them has them; `inverses` is left as it was. */
export function combineUnblindInverted(suite: Suite, responses: readonly PartialResponse[], inverses: readonly Scalar[]): Element[] {
  const { group } = suite;
  const { size } = responseSize(responses);
  if (inverses.length !== size) throw new ParameterError('blinds', `${inverses.length} blinds for ${size} elements`);
  const indices = responses.map((r) => r.index);
  // Long integer weights (many nodes, large indices) would make the variable-time sum cost more
  // than it saves: then one constant-time sum over the weights λ_i·r_j⁻¹ instead.
  const integer = indices.every((i) => Number.isInteger(i) && i >= 1 && i <= MAX_NODES) ? lagrangeIntegerWeights(indices) : undefined;
  const short = integer !== undefined && integer.weights.every((w) => (w < 0n ? -w : w) < SHORT_WEIGHT_BOUND);
  const W = short ? integer.weights.map(scalarFromBigint) : undefined;
  const lambdas = short ? undefined : lagrangeCoefficients(group, indices);
  const Dinv = short ? group.scalarInvert(scalarFromBigint(integer.denominator)) : undefined;
  const out: Element[] = [];
  for (let j = 0; j < size; j++) {
    const points = responses.map((r) => r.evaluatedElements[j]!);
    const secrets = W ? [group.scalarMul(inverses[j]!, Dinv!)] : lambdas!.map((lambda) => group.scalarMul(lambda, inverses[j]!));
    try {
      const N = W ? group.mulSum(secrets[0]!, W, points) : group.multiScalarMul(secrets, points);
      if (isAllZero(N)) throw new DeserializeError('evaluatedElement', 'is the identity element');
      out.push(N);
    } finally {
      for (const k of secrets) k.fill(0);
    }
  }
  return out;
}

/** Integer Lagrange weights below this take the `mulSum` path (the addon's short-weight sum: 64 bits). */
const SHORT_WEIGHT_BOUND = 1n << 64n;
