/**
 * Verifiable dealings: the one building block of DKG, proactive refresh and resharing
 * (DESIGN.md "Key lifecycle"). A dealer picks a polynomial g of degree t-1 whose constant term is
 * prescribed by the operation, publishes Feldman commitments G_m = g_m·G, and sends receiver j the
 * share g(j). Every receiver checks its share against the commitments and the commitments'
 * constant against what the operation requires:
 *
 *   dkg      g(0) random              G_0 anything but the identity  (joint Feldman / Pedersen DKG)
 *   refresh  g(0) = 0                 G_0 = identity                 (Herzberg et al. proactive SS)
 *   reshare  g(0) = λ_i·k_i           G_0 = λ_i·pk_i                 (Desmedt–Jajodia redistribution)
 *
 * Combining the qualified dealers' shares gives each receiver its new share, and summing their
 * commitments gives the new Feldman commitments (refresh adds the old ones).
 */
import type { Rng } from './bytes.js';
import { concatBytes, fromHex, i2osp, lengthPrefixed, utf8 } from './bytes.js';
import { ParameterError, VerifyError } from './errors.js';
import type { Element, Group, Scalar } from './group.js';
import { IDENTITY, elementsEqual, randomScalar, scalarFromBigint } from './group.js';
import { sha512 } from '@noble/hashes/sha2.js';
import {
  checkCommitments,
  checkIndices,
  commitPolynomial,
  evaluatePolynomial,
  lagrangeCoefficients,
  publicShare,
  randomPolynomial,
} from './shamir.js';

export type DealingKind = 'dkg' | 'refresh' | 'reshare';

export interface Dealing {
  commitments: Element[];
  /** Share for every receiver index. Secret. */
  shares: Map<number, Scalar>;
}

/** The Lagrange coefficient at 0 of `index` within the dealer set (reshare). */
export function dealerWeight(group: Group, dealers: readonly number[], index: number): Scalar {
  const lambdas = lagrangeCoefficients(group, dealers);
  const at = dealers.indexOf(index);
  if (at < 0) throw new ParameterError('dealers', `dealer ${index} is not in the dealer set`);
  return lambdas[at]!;
}

/** Deal a fresh polynomial for the operation; `oldShare` is required for reshare. */
export function createDealing(
  group: Group,
  params: { kind: DealingKind; t: number; receivers: readonly number[]; dealers?: readonly number[]; self?: number; oldShare?: Scalar },
  rng: Rng,
): Dealing {
  const { kind, t, receivers } = params;
  checkIndices(receivers, undefined, 'receivers');
  if (!Number.isInteger(t) || t < 1 || t > receivers.length) throw new ParameterError('t', `must be in [1, ${receivers.length}]`);
  let constant: Scalar;
  if (kind === 'dkg') constant = randomScalar(group, rng);
  else if (kind === 'refresh') constant = scalarFromBigint(0n);
  else {
    if (!params.oldShare || !params.dealers || params.self === undefined) throw new ParameterError('reshare', 'needs dealers, self and the old share');
    constant = group.scalarMul(dealerWeight(group, params.dealers, params.self), params.oldShare);
  }
  const coefficients = randomPolynomial(group, t, constant, rng);
  const shares = new Map(receivers.map((j) => [j, evaluatePolynomial(group, coefficients, j)] as const));
  const commitments = commitPolynomial(group, coefficients);
  for (const c of coefficients) c.fill(0);
  return { commitments, shares };
}

/**
 * Check a dealer's commitments against what the operation prescribes for G_0; returns the
 * decoded commitments. For reshare, `expectedConstant` is λ_i·pk_i of the dealer.
 */
export function checkDealingCommitments(
  group: Group,
  kind: DealingKind,
  commitments: readonly Uint8Array[],
  t: number,
  dealer: number,
  expectedConstant?: Element,
): Element[] {
  const C = checkCommitments(group, commitments, t, { allowZeroSecret: kind === 'refresh' });
  const field = `dealer[${dealer}].commitments[0]`;
  if (kind === 'refresh' && !elementsEqual(C[0]!, IDENTITY)) throw new VerifyError(field, 'a refresh polynomial must have a zero constant term');
  if (kind === 'reshare' && (!expectedConstant || !elementsEqual(C[0]!, expectedConstant))) {
    throw new VerifyError(field, "does not commit to the dealer's weighted old share (λ_i·pk_i)");
  }
  return C;
}

/** λ_i·pk_i for every reshare dealer, computed from the old version's public shares. */
export function reshareConstant(group: Group, dealers: readonly number[], dealer: number, oldPublicShare: Element): Element {
  return group.mul(dealerWeight(group, dealers, dealer), oldPublicShare);
}

/** Receiver side: g(j)·G must equal Σ_m j^m·G_m. Throws VerifyError naming the dealer. */
export function verifyDealtShare(group: Group, commitments: readonly Element[], dealer: number, receiver: number, share: Scalar): void {
  const expected = publicShare(group, commitments, receiver);
  const actual = share.every((b) => b === 0) ? IDENTITY : group.mulBase(share);
  if (!elementsEqual(expected, actual)) {
    throw new VerifyError(`dealer[${dealer}]`, `share for receiver ${receiver} does not match the dealer's commitments`);
  }
}

/** Sum of commitment vectors (all of length t), optionally on top of a base vector (refresh). */
export function sumCommitments(group: Group, vectors: readonly (readonly Element[])[], base?: readonly Element[]): Element[] {
  const t = (base ?? vectors[0])!.length;
  const out: Element[] = [];
  for (let m = 0; m < t; m++) {
    let acc = base ? base[m]! : IDENTITY;
    for (const v of vectors) {
      if (v.length !== t) throw new ParameterError('commitments', 'vectors of different lengths');
      if (!elementsEqual(v[m]!, IDENTITY)) acc = elementsEqual(acc, IDENTITY) ? v[m]! : group.add(acc, v[m]!);
    }
    out.push(acc);
  }
  return out;
}

/** Receiver's new share: Σ of the qualified dealers' shares, plus the old share for refresh. */
export function combineDealtShares(group: Group, shares: readonly Scalar[], oldShare?: Scalar): Scalar {
  let acc = oldShare ?? scalarFromBigint(0n);
  for (const s of shares) acc = group.scalarAdd(acc, s);
  return acc;
}

/** The public parameters a transcript binds (crypto/lifecycle.ts OperationParams, without the session's messages). */
export interface TranscriptParams {
  sessionId: string;
  kind: DealingKind;
  keyName: string;
  version: number;
  t: number;
  receivers: readonly number[];
  dealers: readonly number[];
  epoch: number;
  old?: { t: number; nodeIndices: readonly number[]; commitments: readonly string[]; epoch: number; lineage?: readonly string[] };
  retire?: readonly number[];
  /** Nodes that take part only to hold the session's place (crypto/lifecycle.ts OperationParams.witnesses). */
  witnesses?: readonly number[];
  /** The node lists and minThresholds the session is counted against and creates its record under (OperationParams.quorum, nextQuorum). */
  quorum?: { nodes: readonly number[]; minThreshold: number };
  nextQuorum?: { nodes: readonly number[]; minThreshold: number };
}

const u16list = (xs: readonly number[]): Uint8Array[] => [i2osp(xs.length, 2), ...xs.map((x) => i2osp(x, 2))];
const u64 = (x: number): Uint8Array => {
  if (!Number.isSafeInteger(x) || x < 0) throw new ParameterError('epoch', `must be an integer in [0, 2^53), got ${x}`);
  return i2osp(x, 8);
};

/**
 * Everything public that all participants must agree on before committing, hashed: every
 * parameter of the session (key, version, session, kind, epoch, t, n, receivers, dealers, the old
 * version's threshold, nodes, commitments, epoch and lineage, the retire list) and the qualified dealers'
 * commitments. Every field has a fixed width or a length prefix, so the encoding is unambiguous.
 */
export function transcriptHash(input: TranscriptParams & { qualified: readonly number[]; dealings: ReadonlyMap<number, readonly Element[]> }): Uint8Array {
  const old = input.old;
  const parts: Uint8Array[] = [
    utf8('splitkey/v2/lifecycle-transcript'),
    lengthPrefixed(utf8(input.sessionId)),
    lengthPrefixed(utf8(input.kind)),
    lengthPrefixed(utf8(input.keyName)),
    i2osp(input.version, 4),
    u64(input.epoch),
    i2osp(input.t, 2),
    ...u16list(input.receivers),
    ...u16list(input.dealers),
    i2osp(old ? 1 : 0, 1),
  ];
  if (old) {
    parts.push(i2osp(old.t, 2), ...u16list(old.nodeIndices), u64(old.epoch), i2osp(old.commitments.length, 2));
    for (const c of old.commitments) {
      if (c !== c.toLowerCase()) throw new ParameterError('old.commitments', 'must be lowercase hex');
      parts.push(lengthPrefixed(fromHex(c, 'old.commitments')));
    }
    const lineage = old.lineage ?? [];
    parts.push(i2osp(lineage.length, 2));
    for (const d of lineage) {
      if (d !== d.toLowerCase()) throw new ParameterError('old.lineage', 'must be lowercase hex');
      parts.push(lengthPrefixed(fromHex(d, 'old.lineage')));
    }
  }
  parts.push(...u16list(input.retire ?? []));
  parts.push(...u16list(input.qualified));
  for (const d of input.qualified) {
    const C = input.dealings.get(d);
    if (!C) throw new ParameterError('dealings', `no commitments from qualified dealer ${d}`);
    parts.push(i2osp(d, 2), i2osp(C.length, 2), ...C.map((c) => lengthPrefixed(c)));
  }
  // Witnesses last, marked, and only when there are any: a session without them hashes as before
  // (every section above has its length fixed by what precedes it, so this suffix is unambiguous).
  const witnesses = input.witnesses ?? [];
  if (witnesses.length > 0) parts.push(lengthPrefixed(utf8('witnesses')), ...u16list(witnesses));
  // Likewise the quorum universes, each marked, when given.
  for (const [label, u] of [['quorum', input.quorum], ['next-quorum', input.nextQuorum]] as const) {
    if (u) parts.push(lengthPrefixed(utf8(label)), ...u16list(u.nodes), i2osp(u.minThreshold, 2));
  }
  return sha512(concatBytes(...parts)).subarray(0, 32);
}

/**
 * A short public digest of one dealer's commitment vector. Receivers report the digest of what
 * they were delivered, so that a dealer who sent different commitments to different receivers
 * (equivocation) is named by comparing digests with its broadcast commitments.
 */
export function commitmentsDigest(commitments: readonly Uint8Array[]): Uint8Array {
  return sha512(concatBytes(utf8('splitkey/v1/commitments-digest'), i2osp(commitments.length, 2), ...commitments.map((c) => lengthPrefixed(c)))).subarray(0, 32);
}
