/** Shamir sharing with Feldman commitments: splitting, share checks, Lagrange, and refusals. */
import { describe, expect, it } from 'vitest';
import {
  ParameterError,
  VerifyError,
  checkCommitments,
  checkIndices,
  combinePartials,
  interpolateSecret,
  lagrangeCoefficients,
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
  const { shares, commitments } = splitSecret(group, secret, 3, 5, deterministicRng(1));

  it('gives n shares at indices 1..n and t commitments, C_0 = k·G', () => {
    expect(shares.map((s) => s.index)).toEqual([1, 2, 3, 4, 5]);
    expect(commitments).toHaveLength(3);
    expect(hex(commitments[0]!)).toBe(hex(group.mulBase(secret)));
  });

  it('every share verifies and pk_i = k_i·G', () => {
    for (const s of shares) {
      expect(() => verifyShare(group, s, commitments)).not.toThrow();
      expect(hex(publicShare(group, commitments, s.index))).toBe(hex(group.mulBase(s.value)));
    }
  });

  it('a tampered share is named', () => {
    const bad = { index: 4, value: group.scalarAdd(shares[3]!.value, scalarFromBigint(1n)) };
    expect(() => verifyShare(group, bad, commitments)).toThrow(VerifyError);
    expect(() => verifyShare(group, bad, commitments)).toThrow(/share\[4\]/);
  });

  it('any t shares interpolate the secret, t-1 do not', () => {
    expect(scalarToBigint(interpolateSecret(group, [shares[0]!, shares[2]!, shares[4]!]))).toBe(0x1234567890abcdefn);
    expect(scalarToBigint(interpolateSecret(group, shares))).toBe(0x1234567890abcdefn);
    expect(scalarToBigint(interpolateSecret(group, [shares[0]!, shares[1]!]))).not.toBe(0x1234567890abcdefn);
  });

  it('Lagrange coefficients at 0 sum to 1 and combine elements like scalars', () => {
    const lambdas = lagrangeCoefficients(group, [1, 3, 5]);
    const sum = lambdas.reduce((acc, l) => (acc + scalarToBigint(l)) % GROUP_ORDER, 0n);
    expect(sum).toBe(1n);
    const partials = [shares[0]!, shares[2]!, shares[4]!].map((s) => ({ index: s.index, element: group.mul(s.value, GENERATOR) }));
    expect(hex(combinePartials(group, partials))).toBe(hex(commitments[0]!));
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
