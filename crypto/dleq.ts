/**
 * Discrete-log equivalence proofs, RFC 9497 §2.2: a batched proof that the same secret k links
 * A→B (B = k·A) and every C[i]→D[i] (D[i] = k·C[i]). Serialized as c ‖ s (64 bytes, §2.2.1).
 *
 * In splitkey A = G, B = pk_i (a node's public share), C = blinded elements, D = evaluations.
 */
import type { Rng } from './bytes.js';
import { concatBytes, lengthPrefixed, utf8 } from './bytes.js';
import { DeserializeError, ParameterError } from './errors.js';
import type { Element, Group, Scalar } from './group.js';
import { GENERATOR, SCALAR_LENGTH, decodeScalar, elementsEqual, randomScalar } from './group.js';
import type { Suite } from './suite.js';

export const PROOF_LENGTH = 2 * SCALAR_LENGTH;

export interface Proof {
  c: Scalar;
  s: Scalar;
}

const CHALLENGE = utf8('Challenge');
const COMPOSITE = utf8('Composite');

function checkBatch(C: Element[], D: Element[]): void {
  if (C.length === 0) throw new ParameterError('batch', 'must hold at least one element');
  if (C.length !== D.length) {
    throw new ParameterError('batch', `${C.length} blinded elements but ${D.length} evaluated elements`);
  }
  if (C.length > 0xffff) throw new ParameterError('batch', 'more than 65535 elements');
}

/**
 * ComputeComposites (§2.2.1): M = Σ d_i·C[i], Z = Σ d_i·D[i], with d_i hashed from the transcript.
 * Each sum is one multi-scalar multiplication over public weights and elements, so it may run in
 * variable time (the native backend's bucket method: 2–3× faster than pairing the terms in
 * constant-time double-scalar multiplications at a batch of 256).
 */
export function computeComposites(
  suite: Suite,
  B: Element,
  C: Element[],
  D: Element[],
  k?: Scalar,
): { M: Element; Z: Element } {
  const { group } = suite;
  const d = compositeWeights(suite, B, C, D);
  const M = group.multiScalarMulVartime(d, C);
  // ComputeCompositesFast: the prover knows k, so Z = k·M (constant time: k is the node's share).
  const Z = k !== undefined ? group.mul(k, M) : group.multiScalarMulVartime(d, D);
  return { M, Z };
}

function compositeWeights(suite: Suite, B: Element, C: Element[], D: Element[]): Scalar[] {
  const seed = suite.hash(concatBytes(lengthPrefixed(B), lengthPrefixed(suite.seedDst)));
  const seedPart = lengthPrefixed(seed);
  const out: Scalar[] = [];
  for (let i = 0; i < C.length; i++) {
    const transcript = concatBytes(
      seedPart,
      new Uint8Array([i >> 8, i & 0xff]),
      lengthPrefixed(C[i]!),
      lengthPrefixed(D[i]!),
      COMPOSITE,
    );
    out.push(suite.hashToScalar(transcript));
  }
  return out;
}

function challenge(suite: Suite, B: Element, M: Element, Z: Element, t2: Element, t3: Element): Scalar {
  const transcript = concatBytes(
    lengthPrefixed(B),
    lengthPrefixed(M),
    lengthPrefixed(Z),
    lengthPrefixed(t2),
    lengthPrefixed(t3),
    CHALLENGE,
  );
  return suite.hashToScalar(transcript);
}

/**
 * GenerateProof (§2.2.1) for B = k·A and D[i] = k·C[i]. `rng` supplies the nonce r
 * (see `randomScalar`: tests inject the RFC's r as `r ‖ 0^32`).
 */
export function generateProof(
  suite: Suite,
  k: Scalar,
  A: Element,
  B: Element,
  C: Element[],
  D: Element[],
  rng: Rng,
): Uint8Array {
  checkBatch(C, D);
  const { group } = suite;
  const { M, Z } = computeComposites(suite, B, C, D, k);
  const r = randomScalar(group, rng);
  const t2 = mulPoint(group, r, A);
  const t3 = group.mul(r, M);
  const c = challenge(suite, B, M, Z, t2, t3);
  const s = group.scalarSub(r, group.scalarMul(c, k));
  r.fill(0);
  return concatBytes(c, s);
}

/** Split and validate a serialized proof: 64 bytes, both halves canonical scalars. */
export function decodeProof(bytes: Uint8Array, field = 'proof'): Proof {
  if (!(bytes instanceof Uint8Array)) throw new DeserializeError(field, 'expected a byte string');
  if (bytes.length !== PROOF_LENGTH) {
    throw new DeserializeError(field, `expected ${PROOF_LENGTH} bytes, got ${bytes.length}`);
  }
  return {
    c: decodeScalar(bytes.subarray(0, SCALAR_LENGTH), `${field}.c`),
    s: decodeScalar(bytes.subarray(SCALAR_LENGTH), `${field}.s`),
  };
}

/** k·P, through the faster fixed-base path when P is the generator (A = G in splitkey). */
function mulPoint(group: Group, k: Scalar, P: Element): Element {
  return elementsEqual(P, GENERATOR) ? group.mulBase(k) : group.mul(k, P);
}

/**
 * VerifyProof (§2.2.2). Returns false for a proof that does not verify; throws
 * DeserializeError for one that is malformed (wrong length, scalar not below the order).
 */
export function verifyProof(
  suite: Suite,
  A: Element,
  B: Element,
  C: Element[],
  D: Element[],
  proof: Uint8Array,
): boolean {
  checkBatch(C, D);
  const { c, s } = decodeProof(proof);
  const { group } = suite;
  const { M, Z } = computeComposites(suite, B, C, D);
  // Everything here is public (the proof, the elements, pk_i), so t2 = s·G + c·B may run in
  // variable time; t3 = s·M + c·Z is one double-scalar multiplication.
  const t2 = elementsEqual(A, GENERATOR) ? group.mulBaseAddVartime(s, c, B) : group.multiScalarMul([s, c], [A, B]);
  const t3 = group.multiScalarMul([s, c], [M, Z]);
  const expected = challenge(suite, B, M, Z, t2, t3);
  return elementsEqual(expected, c);
}
