/** Shamir sharing with Feldman commitments: splitting, share checks, Lagrange, and refusals. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  IDENTITY,
  MAX_NODES,
  ParameterError,
  checkThreshold,
  commitPolynomial,
  evaluatePolynomial,
  randomPolynomial,
  VerifyError,
  checkCommitments,
  checkIndices,
  combinePartials,
  interpolateSecret,
  lagrangeCoefficients,
  lagrangeIntegerWeights,
  loadGroup,
  publicShare,
  scalarFromBigint,
  scalarToBigint,
  splitSecret,
  verifyShare,
  GROUP_ORDER,
  GENERATOR,
} from '../crypto/index.js';
import { deterministicRng } from './helpers/rng.js';

const group = await loadGroup('sodium');
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('splitSecret / verifyShare / publicShare', () => {
  const secret = scalarFromBigint(0x1234567890abcdefn);
  // Split inside each test, so that mutation testing attributes the work to the test.
  const split = () => splitSecret(group, secret, 3, 5, deterministicRng(1));

  it('gives n shares at indices 1..n and t commitments, C_0 = k·G', () => {
    const { shares, commitments } = split();
    expect(shares.map((s) => s.index)).toEqual([1, 2, 3, 4, 5]);
    expect(commitments).toHaveLength(3);
    expect(hex(commitments[0]!)).toBe(hex(group.mulBase(secret)));
  });

  it('every share verifies and pk_i = k_i·G', () => {
    const { shares, commitments } = split();
    for (const s of shares) {
      expect(() => verifyShare(group, s, commitments)).not.toThrow();
      expect(hex(publicShare(group, commitments, s.index))).toBe(hex(group.mulBase(s.value)));
    }
  });

  it('a tampered share is named', () => {
    const { shares, commitments } = split();
    const bad = { index: 4, value: group.scalarAdd(shares[3]!.value, scalarFromBigint(1n)) };
    expect(() => verifyShare(group, bad, commitments)).toThrow(VerifyError);
    expect(() => verifyShare(group, bad, commitments)).toThrow(/share\[4\]/);
  });

  it('any t shares interpolate the secret, t-1 do not', () => {
    const { shares, commitments } = split();
    expect(scalarToBigint(interpolateSecret(group, [shares[0]!, shares[2]!, shares[4]!]))).toBe(0x1234567890abcdefn);
    expect(scalarToBigint(interpolateSecret(group, shares))).toBe(0x1234567890abcdefn);
    expect(scalarToBigint(interpolateSecret(group, [shares[0]!, shares[1]!]))).not.toBe(0x1234567890abcdefn);
  });

  it('Lagrange coefficients at 0 sum to 1 and combine elements like scalars', () => {
    const { shares, commitments } = split();
    const lambdas = lagrangeCoefficients(group, [1, 3, 5]);
    const sum = lambdas.reduce((acc, l) => (acc + scalarToBigint(l)) % GROUP_ORDER, 0n);
    expect(sum).toBe(1n);
    const partials = [shares[0]!, shares[2]!, shares[4]!].map((s) => ({ index: s.index, element: group.mul(s.value, GENERATOR) }));
    expect(hex(combinePartials(group, partials))).toBe(hex(commitments[0]!));
  });
});

describe('lagrangeIntegerWeights', () => {
  it('W_i / D equals λ_i for any set of distinct indices, D > 0, in lowest terms', () => {
    const gcd = (a: bigint, b: bigint): bigint => (b === 0n ? (a < 0n ? -a : a) : gcd(b, a % b));
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: 255 }), { minLength: 1, maxLength: 12 }), (set) => {
        const { weights, denominator } = lagrangeIntegerWeights(set);
        expect(denominator > 0n).toBe(true);
        expect(weights.reduce(gcd, denominator)).toBe(1n);
        const lambdas = lagrangeCoefficients(group, set);
        const dInv = group.scalarInvert(scalarFromBigint(denominator));
        weights.forEach((w, i) => expect(hex(group.scalarMul(scalarFromBigint(w), dInv))).toBe(hex(lambdas[i]!)));
      }),
      { numRuns: 200 },
    );
  });

  it('gives the small integers of a small set, and refuses what lagrangeCoefficients refuses', () => {
    expect(lagrangeIntegerWeights([1, 2, 3])).toEqual({ weights: [3n, -3n, 1n], denominator: 1n });
    expect(lagrangeIntegerWeights([1, 2, 4])).toEqual({ weights: [8n, -6n, 1n], denominator: 3n });
    expect(lagrangeIntegerWeights([7])).toEqual({ weights: [1n], denominator: 1n });
    expect(() => lagrangeIntegerWeights([2, 2])).toThrow(/twice/);
    expect(() => lagrangeIntegerWeights([0, 1])).toThrow(ParameterError);
    // Node indices only: the integers grow with t²·log(index) bits (a slow call on 53-bit indices).
    expect(() => lagrangeIntegerWeights([1, 256])).toThrow(/exceeds n = 255/);
  });
});

describe('refusals', () => {
  const rng = deterministicRng(2);
  it('t < 1, t > n, n < 1', () => {
    expect(() => splitSecret(group, scalarFromBigint(5n), 0, 3, rng)).toThrow(ParameterError);
    expect(() => splitSecret(group, scalarFromBigint(5n), 4, 3, rng)).toThrow(/exceeds/);
    expect(() => splitSecret(group, scalarFromBigint(5n), 1, 0, rng)).toThrow(ParameterError);
  });

  it('index 0, duplicates, above n, non-integers', () => {
    expect(() => checkIndices([1, 0, 2])).toThrow(/index 0/);
    expect(() => checkIndices([1, 2, 2])).toThrow(/twice/);
    expect(() => checkIndices([1, 6], 5)).toThrow(/exceeds n/);
    expect(() => checkIndices([1.5])).toThrow(/integer/);
    expect(() => checkIndices([-1])).toThrow(/out of range/);
    expect(() => lagrangeCoefficients(group, [2, 2])).toThrow(/twice/);
    expect(() => lagrangeCoefficients(group, [0, 1])).toThrow(/index 0/);
    expect(() => publicShare(group, [GENERATOR], 0)).toThrow(/index 0/);
  });

  it('commitment vectors must have exactly t entries', () => {
    const { commitments } = splitSecret(group, scalarFromBigint(5n), 3, 5, rng);
    expect(() => checkCommitments(group, commitments, 3)).not.toThrow();
    expect(() => checkCommitments(group, commitments.slice(0, 2), 3)).toThrow(/exactly t = 3/);
    expect(() => checkCommitments(group, [...commitments, GENERATOR], 3)).toThrow(/exactly t = 3/);
  });

  it('an identity C_0 is accepted only for zero-secret (refresh) polynomials', () => {
    const { commitments } = splitSecret(group, scalarFromBigint(5n), 2, 3, rng);
    const zero = [new Uint8Array(32), commitments[1]!];
    expect(() => checkCommitments(group, zero, 2)).toThrow(/identity/);
    expect(() => checkCommitments(group, zero, 2, { allowZeroSecret: true })).not.toThrow();
  });
});

/** f(x) over the integers mod the order, straight from the definition Σ a_j·x^j. */
function referenceEval(coefficients: bigint[], x: bigint): bigint {
  return coefficients.reduce((acc, a, j) => (acc + a * x ** BigInt(j)) % GROUP_ORDER, 0n);
}

describe('polynomials and commitments against their definitions', () => {
  const coefficient = fc.bigInt({ min: 0n, max: GROUP_ORDER - 1n });

  it('evaluatePolynomial is Σ a_j·x^j and publicShare is f(i)·G (zero coefficients included)', () => {
    fc.assert(
      fc.property(fc.array(coefficient, { minLength: 1, maxLength: 5 }), fc.integer({ min: 1, max: 255 }), fc.nat(4), (coeffs, x, zeroAt) => {
        if (zeroAt < coeffs.length) coeffs[zeroAt] = 0n;
        const a = coeffs.map(scalarFromBigint);
        const fx = referenceEval(coeffs, BigInt(x));
        expect(scalarToBigint(evaluatePolynomial(group, a, x))).toBe(fx);
        const C = commitPolynomial(group, a);
        expect(C.map(hex)).toEqual(coeffs.map((c) => hex(c === 0n ? IDENTITY : group.mulBase(scalarFromBigint(c)))));
        expect(hex(publicShare(group, C, x))).toBe(hex(fx === 0n ? IDENTITY : group.mulBase(scalarFromBigint(fx))));
      }),
      { numRuns: 60 },
    );
  });

  it('randomPolynomial keeps the constant, draws t-1 coefficients from rng, refuses t < 1', () => {
    const constant = scalarFromBigint(77n);
    const drawn: Uint8Array[] = [];
    const rng = (n: number) => {
      const out = new Uint8Array(n).fill(drawn.length + 1);
      drawn.push(out.slice());
      return out;
    };
    const poly = randomPolynomial(group, 3, constant, rng);
    expect(poly).toHaveLength(3);
    expect(poly[0]).toBe(constant);
    expect(poly.slice(1).map(hex)).toEqual(drawn.map((d) => hex(group.reduceWide(d))));
    expect(randomPolynomial(group, 1, constant, rng)).toEqual([constant]);
    for (const t of [0, -1, 1.5, Number.NaN]) {
      expect(() => randomPolynomial(group, t, constant, rng)).toThrow(`t: must be an integer ≥ 1, got ${t}`);
    }
  });

  it('splitSecret leaves the secret as it was; t = n and t = 1 work', () => {
    const secret = scalarFromBigint(0xdeadbeefn);
    const { shares } = splitSecret(group, secret, 4, 4, deterministicRng('t=n'));
    expect(scalarToBigint(secret)).toBe(0xdeadbeefn);
    expect(scalarToBigint(interpolateSecret(group, shares))).toBe(0xdeadbeefn);
    const one = splitSecret(group, secret, 1, 3, deterministicRng('t=1'));
    expect(one.shares.map((s) => scalarToBigint(s.value))).toEqual([0xdeadbeefn, 0xdeadbeefn, 0xdeadbeefn]);
    expect(one.commitments).toHaveLength(1);
  });

  it('a zero share checks against identity commitments (a refresh polynomial of degree 0)', () => {
    const zero = { index: 2, value: scalarFromBigint(0n) };
    expect(() => verifyShare(group, zero, [IDENTITY])).not.toThrow();
    expect(() => verifyShare(group, zero, [GENERATOR])).toThrow('share[2]: does not match the Feldman commitments');
    expect(() => verifyShare(group, { index: 2, value: scalarFromBigint(1n) }, [IDENTITY])).toThrow(VerifyError);
    expect(() => verifyShare(group, { index: 0, value: scalarFromBigint(1n) }, [GENERATOR])).toThrow(/index 0/);
  });

  it('Lagrange interpolation recovers f(0) from any t points of random polynomials', () => {
    fc.assert(
      fc.property(fc.array(coefficient, { minLength: 1, maxLength: 4 }), fc.uniqueArray(fc.integer({ min: 1, max: 40 }), { minLength: 4, maxLength: 4 }), (coeffs, xs) => {
        const a = coeffs.map(scalarFromBigint);
        const points = xs.slice(0, coeffs.length).map((x) => ({ index: x, value: evaluatePolynomial(group, a, x) }));
        expect(scalarToBigint(interpolateSecret(group, points))).toBe(coeffs[0]);
        const lambdas = lagrangeCoefficients(group, points.map((p) => p.index));
        lambdas.forEach((l, i) => {
          const xi = BigInt(points[i]!.index);
          const others = points.filter((_, j) => j !== i).map((p) => BigInt(p.index));
          const num = others.reduce((acc, xj) => (acc * xj) % GROUP_ORDER, 1n);
          const den = others.reduce((acc, xj) => (acc * (((xj - xi) % GROUP_ORDER) + GROUP_ORDER)) % GROUP_ORDER, 1n);
          expect((scalarToBigint(l) * den) % GROUP_ORDER).toBe(num);
        });
      }),
      { numRuns: 40 },
    );
  });
});

describe('parameter checks name the field and the limit', () => {
  it('checkThreshold: 1 ≤ t ≤ n ≤ 255, integers', () => {
    expect(MAX_NODES).toBe(255);
    expect(() => checkThreshold(1, 1)).not.toThrow();
    expect(() => checkThreshold(255, 255)).not.toThrow();
    expect(() => checkThreshold(3, 256)).toThrow('n: must be an integer in [1, 255], got 256');
    expect(() => checkThreshold(1, 0)).toThrow('n: must be an integer in [1, 255], got 0');
    expect(() => checkThreshold(1, 2.5)).toThrow(/^n: /);
    expect(() => checkThreshold(0, 3)).toThrow('t: must be an integer ≥ 1, got 0');
    expect(() => checkThreshold(1.5, 3)).toThrow('t: must be an integer ≥ 1, got 1.5');
    expect(() => checkThreshold(4, 3)).toThrow('t: threshold 4 exceeds the number of nodes 3');
    expect(() => checkThreshold(3, 3)).not.toThrow();
  });

  it('checkIndices: the field name, n itself allowed, huge indices refused', () => {
    expect(() => checkIndices([5], 5)).not.toThrow();
    expect(() => checkIndices([300])).not.toThrow();
    expect(() => checkIndices([1, 6], 5, 'receivers')).toThrow('receivers: index 6 exceeds n = 5');
    expect(() => checkIndices([2 ** 253])).toThrow(`index: index ${2 ** 253} is out of range`);
    expect(() => checkIndices([3, -2])).toThrow('index: index -2 is out of range');
    expect(() => checkIndices([Number.NaN])).toThrow('index: must be an integer, got NaN');
    expect(() => checkIndices([4, 4], undefined, 'dealers')).toThrow('dealers: index 4 appears twice');
    expect(() => checkIndices([0])).toThrow('index: index 0 is the secret itself and never a share index');
  });

  it('checkCommitments: an identity is allowed only as C_0 and only for zero secrets; returns the entries', () => {
    const C = commitPolynomial(group, [scalarFromBigint(3n), scalarFromBigint(4n)]);
    expect(checkCommitments(group, C, 2).map(hex)).toEqual(C.map(hex));
    expect(() => checkCommitments(group, [C[0]!, IDENTITY], 2, { allowZeroSecret: true })).toThrow('commitments[1]: is the identity element');
    expect(checkCommitments(group, [IDENTITY, C[1]!], 2, { allowZeroSecret: true }).map(hex)).toEqual([hex(IDENTITY), hex(C[1]!)]);
    expect(() => checkCommitments(group, [IDENTITY, C[1]!], 2, { allowZeroSecret: false })).toThrow('commitments[0]: is the identity element');
    expect(() => checkCommitments(group, [new Uint8Array(31), C[1]!], 2, { allowZeroSecret: true })).toThrow('commitments[0]: expected 32 bytes, got 31');
    expect(() => checkCommitments(group, C, 3)).toThrow('commitments: expected exactly t = 3 entries, got 2');
  });

  it('interpolateSecret and combinePartials refuse empty sets', () => {
    expect(() => interpolateSecret(group, [])).toThrow('shares: need at least one share');
    expect(() => combinePartials(group, [])).toThrow('partials: need at least one partial evaluation');
    expect(hex(combinePartials(group, [{ index: 1, element: GENERATOR }]))).toBe(hex(GENERATOR));
  });
});
