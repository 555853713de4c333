/**
 * RFC 9497 §3.2.1 and §3.3.1 edges that the Appendix A vectors do not reach: input length limits,
 * InvalidInputError when an input hashes to the identity, the blinding round trip, and
 * DeriveKeyPair's seed check and counter loop. The identity and zero-scalar cases cannot be
 * reached with SHA-512, so they are driven through a suite whose hash is replaced (the suite is a
 * parameter of every function, like rng).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DeserializeError,
  IDENTITY,
  InvalidInputError,
  MAX_INPUT_LENGTH,
  MODE_OPRF,
  MODE_VOPRF,
  ParameterError,
  blind,
  blindEvaluate,
  createSuite,
  deriveKeyPair,
  evaluate,
  finalize,
  finalizeHash,
  fromHex,
  loadGroup,
  scalarFromBigint,
  scalarIsZero,
  unblind,
  type Mode,
  type Suite,
} from '../crypto/index.js';
import { rfcSuite } from './helpers/rfc-vectors.js';
import { backends } from './helpers/backends.js';
import { deterministicRng } from './helpers/rng.js';

const sodium = await loadGroup('sodium');
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('a suite made here reproduces RFC 9497 Appendix A.1 Evaluate', () => {
  it('OPRF and VOPRF, first vector of each (contextString and DSTs from createSuite)', () => {
    for (const mode of [MODE_OPRF, MODE_VOPRF] as Mode[]) {
      const data = rfcSuite(mode);
      const suite = createSuite(sodium, mode);
      expect(suite.mode).toBe(mode);
      const v = data.vectors[0]!;
      expect(hex(evaluate(suite, fromHex(data.skSm), fromHex(v.Input)))).toBe(v.Output);
      expect(hex(deriveKeyPair(suite, fromHex(data.seed), fromHex(data.keyInfo)).skS)).toBe(data.skSm);
    }
  });
});

describe('input length (Finalize frames the input with two bytes)', () => {
  it('65535 bytes are accepted, 65536 refused by blind, evaluate and finalize with the field named', () => {
    const suite = createSuite(sodium);
    const k = scalarFromBigint(42n);
    const max = new Uint8Array(MAX_INPUT_LENGTH).fill(1);
    const over = new Uint8Array(MAX_INPUT_LENGTH + 1).fill(1);
    const b = blind(suite, max, deterministicRng('max'));
    const [Z] = blindEvaluate(suite, k, [b.blindedElement]);
    expect(hex(finalize(suite, max, b.blind, Z!))).toBe(hex(evaluate(suite, k, max)));
    for (const call of [() => blind(suite, over, deterministicRng('over')), () => evaluate(suite, k, over), () => finalize(suite, over, b.blind, Z!)]) {
      expect(call).toThrow(ParameterError);
      expect(call).toThrow('input: at most 65535 bytes, got 65536');
    }
    expect(() => evaluate(suite, k, 'abc' as unknown as Uint8Array)).toThrow('input: expected a byte string');
    expect(() => blind(suite, [1, 2] as unknown as Uint8Array, deterministicRng('x'))).toThrow(ParameterError);
  });

  it('the empty input is a valid input', () => {
    const suite = createSuite(sodium);
    const b = blind(suite, new Uint8Array(0), deterministicRng('empty'));
    const [Z] = blindEvaluate(suite, scalarFromBigint(5n), [b.blindedElement]);
    expect(hex(finalize(suite, new Uint8Array(0), b.blind, Z!))).toBe(hex(evaluate(suite, scalarFromBigint(5n), new Uint8Array(0))));
  });
});

describe('blinding', () => {
  it('blind is r·HashToGroup(x) with r from rng, and unblind undoes it, on every backend', () => {
    for (const group of backends) {
      const suite = createSuite(group);
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 32 }), fc.bigInt({ min: 1n, max: 2n ** 200n }), (input, r) => {
          const scalar = scalarFromBigint(r);
          const padded = new Uint8Array(64);
          padded.set(scalar);
          const b = blind(suite, input, () => padded.slice());
          expect(hex(b.blind)).toBe(hex(scalar));
          const P = suite.hashToGroup(input);
          expect(hex(b.blindedElement)).toBe(hex(group.mul(scalar, P)));
          expect(hex(unblind(suite, b.blind, b.blindedElement))).toBe(hex(P));
        }),
        { numRuns: 10 },
      );
    }
  });

  it('finalizeHash is SHA-512(len ‖ input ‖ len ‖ N ‖ "Finalize") (RFC 9497 §3.3.1)', () => {
    const suite = createSuite(sodium);
    const N = suite.hashToGroup(Uint8Array.of(1));
    const expected = sodium.sha512(Uint8Array.from([0, 2, 9, 8, 0, 32, ...N, ...Buffer.from('Finalize')]));
    expect(hex(finalizeHash(suite, Uint8Array.of(9, 8), N))).toBe(hex(expected));
  });
});

/** The real suite with its hash-to-group or hash-to-scalar replaced. */
function rigged(over: Partial<Suite>): Suite {
  return { ...createSuite(sodium), ...over };
}

describe('InvalidInputError (§3.3.1): an input that hashes to the identity', () => {
  it('is refused by blind and evaluate before any other work', () => {
    const suite = rigged({ hashToGroup: () => IDENTITY.slice() });
    let asked = 0;
    const rng = (n: number) => (asked++, new Uint8Array(n).fill(1));
    for (const call of [() => blind(suite, Uint8Array.of(1), rng), () => evaluate(suite, scalarFromBigint(3n), Uint8Array.of(1))]) {
      expect(call).toThrow(InvalidInputError);
      expect(call).toThrow('input hashes to the identity element');
    }
    expect(asked).toBe(0);
  });
});

describe('DeriveKeyPair (§3.2.1)', () => {
  const seed = new Uint8Array(32).fill(0xa3);

  it('refuses a seed that is not 32 bytes', () => {
    const suite = createSuite(sodium);
    for (const bad of [new Uint8Array(31), new Uint8Array(33), new Uint8Array(0)]) {
      expect(() => deriveKeyPair(suite, bad, Uint8Array.of(1))).toThrow(DeserializeError);
      expect(() => deriveKeyPair(suite, bad, Uint8Array.of(1))).toThrow(`seed: expected 32 bytes, got ${bad.length}`);
    }
    expect(() => deriveKeyPair(suite, 'x'.repeat(32) as unknown as Uint8Array, Uint8Array.of(1))).toThrow(/^seed: /);
    expect(() => deriveKeyPair(suite, undefined as unknown as Uint8Array, Uint8Array.of(1))).toThrow('seed: expected 32 bytes, got undefined');
  });

  it('hashes seed ‖ len ‖ info ‖ counter with the DeriveKeyPair DST, retrying from counter 0 while the scalar is zero', () => {
    const real = createSuite(sodium);
    const seen: Uint8Array[] = [];
    const zerosFirst = (zeros: number): Suite =>
      rigged({
        hashToScalar: (msg, dst) => {
          seen.push(msg);
          expect(Buffer.from(dst!).toString()).toBe(`DeriveKeyPair${Buffer.from(real.contextString).toString('latin1')}`);
          return seen.length <= zeros ? new Uint8Array(32) : real.hashToScalar(msg, dst);
        },
      });
    const info = Uint8Array.of(7, 7, 7);
    const expectedMsg = (counter: number) => Uint8Array.from([...seed, 0, 3, 7, 7, 7, counter]);
    const first = deriveKeyPair(zerosFirst(0), seed, info);
    expect(seen.map(hex)).toEqual([hex(expectedMsg(0))]);
    seen.length = 0;
    const third = deriveKeyPair(zerosFirst(2), seed, info);
    expect(seen.map(hex)).toEqual([0, 1, 2].map((c) => hex(expectedMsg(c))));
    expect(hex(third.pkS)).toBe(hex(sodium.mulBase(third.skS)));
    expect(hex(third.skS)).not.toBe(hex(first.skS));
    expect(scalarIsZero(third.skS)).toBe(false);
  });

  it('gives up after 256 zero scalars (DeriveKeyPairError)', () => {
    let calls = 0;
    const counters: number[] = [];
    const suite = rigged({
      hashToScalar: (msg) => {
        calls++;
        counters.push(msg[msg.length - 1]!);
        return new Uint8Array(32);
      },
    });
    expect(() => deriveKeyPair(suite, seed, new Uint8Array(0))).toThrow(ParameterError);
    expect(calls).toBe(256);
    expect(counters[0]).toBe(0);
    expect(counters[255]).toBe(255);
    expect(() => deriveKeyPair(suite, seed, new Uint8Array(0))).toThrow('seed: DeriveKeyPairError: no non-zero scalar in 256 attempts');
  });
});
