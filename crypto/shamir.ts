/**
 * Shamir secret sharing over the ristretto255 scalar field with Feldman commitments
 * (DESIGN.md "Cryptography"): f of degree t-1, f(0) = k, node i holds k_i = f(i);
 * C_j = a_j·G, pk_i = Σ_j i^j·C_j. Lagrange interpolation at 0 combines scalars (tests, resharing)
 * or group elements (partial evaluations Z_i = k_i·B).
 *
 * Every index is an integer in [1, n]; 0 and duplicates are refused (the known attacks on
 * threshold libraries that accepted them), as are commitment vectors whose length is not t.
 */
import type { Rng } from './bytes.js';
import { ParameterError, VerifyError } from './errors.js';
import type { Element, Group, Scalar } from './group.js';
import { GROUP_ORDER, IDENTITY, decodeElement, elementsEqual, randomScalar, scalarFromBigint } from './group.js';

/** The largest number of nodes a key version may have (indices travel as u16 in transcripts). */
export const MAX_NODES = 255;

export interface Share {
  index: number;
  value: Scalar;
}

export interface PartialEvaluation {
  index: number;
  element: Element;
}

export function checkThreshold(t: number, n: number): void {
  if (!Number.isInteger(n) || n < 1 || n > MAX_NODES) {
    throw new ParameterError('n', `must be an integer in [1, ${MAX_NODES}], got ${n}`);
  }
  if (!Number.isInteger(t) || t < 1) throw new ParameterError('t', `must be an integer ≥ 1, got ${t}`);
  if (t > n) throw new ParameterError('t', `threshold ${t} exceeds the number of nodes ${n}`);
}

/** Index rules: integers, never 0, never ≥ the group order, never above n, never repeated. */
export function checkIndices(indices: readonly number[], n?: number, field = 'index'): void {
  const seen = new Set<number>();
  for (const i of indices) {
    if (!Number.isInteger(i)) throw new ParameterError(field, `must be an integer, got ${i}`);
    if (i === 0) throw new ParameterError(field, 'index 0 is the secret itself and never a share index');
    if (i < 0 || BigInt(i) >= GROUP_ORDER) throw new ParameterError(field, `index ${i} is out of range`);
    if (n !== undefined && i > n) throw new ParameterError(field, `index ${i} exceeds n = ${n}`);
    if (seen.has(i)) throw new ParameterError(field, `index ${i} appears twice`);
    seen.add(i);
  }
}

/** A random polynomial of degree t-1 with the given constant term (coefficients a_0..a_{t-1}). */
export function randomPolynomial(group: Group, t: number, constant: Scalar, rng: Rng): Scalar[] {
  if (!Number.isInteger(t) || t < 1) throw new ParameterError('t', `must be an integer ≥ 1, got ${t}`);
  const coefficients = [constant];
  for (let j = 1; j < t; j++) coefficients.push(randomScalar(group, rng));
  return coefficients;
}

/** f(x) by Horner's rule, in the backend's (constant-time, for sodium) scalar arithmetic. */
export function evaluatePolynomial(group: Group, coefficients: readonly Scalar[], x: number): Scalar {
  const xs = scalarFromBigint(BigInt(x));
  // A copy: with t = 1 the result would otherwise be the caller's constant itself, and wiping
  // the coefficients afterwards (createDealing does) would wipe every share with it.
  let acc: Scalar = coefficients[coefficients.length - 1]!.slice();
  for (let j = coefficients.length - 2; j >= 0; j--) acc = group.scalarAdd(group.scalarMul(acc, xs), coefficients[j]!);
  return acc;
}

/** Feldman commitments C_j = a_j·G. A zero coefficient (refresh polynomials) commits to the identity. */
export function commitPolynomial(group: Group, coefficients: readonly Scalar[]): Element[] {
  return coefficients.map((a) => (a.every((b) => b === 0) ? IDENTITY : group.mulBase(a)));
}

/** Split `secret` into n shares at threshold t, with the Feldman commitments. */
export function splitSecret(
  group: Group,
  secret: Scalar,
  t: number,
  n: number,
  rng: Rng,
): { shares: Share[]; commitments: Element[] } {
  checkThreshold(t, n);
  const coefficients = randomPolynomial(group, t, secret, rng);
  const shares: Share[] = [];
  for (let i = 1; i <= n; i++) shares.push({ index: i, value: evaluatePolynomial(group, coefficients, i) });
  const commitments = commitPolynomial(group, coefficients);
  for (const a of coefficients.slice(1)) a.fill(0);
  return { shares, commitments };
}

/**
 * Validate a commitment vector: exactly t entries, each a canonical element; only C_0 may be the
 * identity, and only when `allowZeroSecret` (zero-secret refresh polynomials).
 */
export function checkCommitments(
  group: Group,
  commitments: readonly Uint8Array[],
  t: number,
  opts: { allowZeroSecret?: boolean } = {},
): Element[] {
  if (commitments.length !== t) {
    throw new ParameterError('commitments', `expected exactly t = ${t} entries, got ${commitments.length}`);
  }
  return commitments.map((c, j) =>
    j === 0 && opts.allowZeroSecret && elementsEqual(c, IDENTITY) ? c : decodeElement(group, c, `commitments[${j}]`),
  );
}

/** pk_i = Σ_j i^j·C_j (identity commitments contribute nothing). */
export function publicShare(group: Group, commitments: readonly Element[], index: number): Element {
  checkIndices([index]);
  let acc = IDENTITY;
  let power = 1n;
  const x = BigInt(index);
  for (const C of commitments) {
    if (!elementsEqual(C, IDENTITY)) acc = group.add(acc, group.mul(scalarFromBigint(power), C));
    power = (power * x) % GROUP_ORDER;
  }
  return acc;
}

/** Feldman check: share·G = Σ_j i^j·C_j. Throws VerifyError naming the index if not. */
export function verifyShare(group: Group, share: Share, commitments: readonly Element[]): void {
  checkIndices([share.index]);
  const expected = publicShare(group, commitments, share.index);
  const actual = share.value.every((b) => b === 0) ? IDENTITY : group.mulBase(share.value);
  if (!elementsEqual(expected, actual)) {
    throw new VerifyError(`share[${share.index}]`, 'does not match the Feldman commitments');
  }
}

/** Lagrange coefficients at 0 for the given index set: λ_i = Π_{j≠i} x_j / (x_j − x_i). */
export function lagrangeCoefficients(group: Group, indices: readonly number[]): Scalar[] {
  checkIndices(indices);
  const xs = indices.map((i) => scalarFromBigint(BigInt(i)));
  return xs.map((xi, a) => {
    let num = scalarFromBigint(1n);
    let den = scalarFromBigint(1n);
    xs.forEach((xj, b) => {
      if (a === b) return;
      num = group.scalarMul(num, xj);
      den = group.scalarMul(den, group.scalarSub(xj, xi));
    });
    return group.scalarMul(num, group.scalarInvert(den));
  });
}

/**
 * The Lagrange coefficients at 0 as integer fractions over one common denominator:
 * λ_i = weights[i] / denominator, with denominator > 0 and no common factor left. For a few
 * nodes with small indices every weight has a few bits (indices 1, 2, 3 give 3, −3, 1 over 1),
 * which lets the client form Σ W_i·Z_i[j] with a handful of additions (crypto/threshold.ts
 * `combineUnblind`). Public values only. Indices up to MAX_NODES.
 */
export function lagrangeIntegerWeights(indices: readonly number[]): { weights: bigint[]; denominator: bigint } {
  // Node indices only (1..MAX_NODES): the integers grow with t²·log(index) bits.
  checkIndices(indices, MAX_NODES);
  const xs = indices.map(BigInt);
  const abs = (v: bigint): bigint => (v < 0n ? -v : v);
  const gcd = (a: bigint, b: bigint): bigint => {
    for (a = abs(a), b = abs(b); b !== 0n; ) [a, b] = [b, a % b];
    return a;
  };
  const fractions = xs.map((xi, a) => {
    let num = 1n;
    let den = 1n;
    xs.forEach((xj, b) => {
      if (a === b) return;
      num *= xj;
      den *= xj - xi;
    });
    return { num, den };
  });
  const denominator = fractions.reduce((l, { den }) => (l / gcd(l, den)) * abs(den), 1n);
  const weights = fractions.map(({ num, den }) => num * (denominator / den));
  const common = weights.reduce(gcd, denominator);
  return { weights: weights.map((w) => w / common), denominator: denominator / common };
}

/** f(0) from t or more shares (used in tests and by resharing, never on the evaluation path). */
export function interpolateSecret(group: Group, shares: readonly Share[]): Scalar {
  if (shares.length === 0) throw new ParameterError('shares', 'need at least one share');
  const lambdas = lagrangeCoefficients(group, shares.map((s) => s.index));
  let acc = scalarFromBigint(0n);
  shares.forEach((s, i) => (acc = group.scalarAdd(acc, group.scalarMul(lambdas[i]!, s.value))));
  return acc;
}

/** Z = Σ λ_i·Z_i over exactly the partials given (the caller picks t of them). */
export function combinePartials(group: Group, partials: readonly PartialEvaluation[]): Element {
  if (partials.length === 0) throw new ParameterError('partials', 'need at least one partial evaluation');
  const lambdas = lagrangeCoefficients(group, partials.map((p) => p.index));
  let acc = IDENTITY;
  partials.forEach((p, i) => (acc = group.add(acc, group.mul(lambdas[i]!, p.element))));
  return acc;
}
