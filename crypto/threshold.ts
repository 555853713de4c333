/**
 * Threshold VOPRF evaluation (DESIGN.md "Cryptography", steps 3–5): a node evaluates a batch of
 * blinded elements with its share k_i and proves it with one batched DLEQ proof against
 * pk_i = k_i·G; the client verifies each node's answer, then combines t verified answers with
 * Lagrange coefficients at 0. The combination equals BlindEvaluate(k, ·) of RFC 9497.
 */
import type { Rng } from './bytes.js';
import { generateProof, verifyProof } from './dleq.js';
import { DeserializeError, ParameterError, VerifyError } from './errors.js';
import type { Element } from './group.js';
import { GENERATOR, decodeElement } from './group.js';
import { blindEvaluate } from './oprf.js';
import type { Share } from './shamir.js';
import { combinePartials } from './shamir.js';
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

/** Combine t verified answers position by position: Z[j] = Σ λ_i·Z_i[j]. */
export function combineResponses(suite: Suite, responses: readonly PartialResponse[]): Element[] {
  if (responses.length === 0) throw new ParameterError('responses', 'need at least one response');
  const size = responses[0]!.evaluatedElements.length;
  const out: Element[] = [];
  for (let j = 0; j < size; j++) {
    out.push(combinePartials(suite.group, responses.map((r) => ({ index: r.index, element: r.evaluatedElements[j]! }))));
  }
  return out;
}
