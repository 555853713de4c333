/** The two ristretto255 backends (noble, libsodium) agree byte for byte on random inputs. */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GENERATOR, loadGroup, nobleGroup, randomScalar, scalarFromBigint, scalarToBigint, GROUP_ORDER } from '../crypto/index.js';

const sodium = await loadGroup('sodium');
const noble = nobleGroup;
const seed64 = fc.uint8Array({ minLength: 64, maxLength: 64 });
const scalarOf = (bytes: Uint8Array) => noble.reduceWide(bytes);
const nonZeroScalar = seed64.map(scalarOf).filter((s) => s.some((b) => b !== 0));
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('group backends are byte-identical', () => {
  it('base and variable-base multiplication, add, sub', () => {
    fc.assert(
      fc.property(nonZeroScalar, nonZeroScalar, (a, b) => {
        const P = noble.mulBase(a);
        expect(hex(sodium.mulBase(a))).toBe(hex(P));
        expect(hex(sodium.mul(b, P))).toBe(hex(noble.mul(b, P)));
        const Q = noble.mulBase(b);
        expect(hex(sodium.add(P, Q))).toBe(hex(noble.add(P, Q)));
        expect(hex(sodium.sub(P, Q))).toBe(hex(noble.sub(P, Q)));
      }),
      { numRuns: 100 },
    );
  });

  it('hash-to-group, hash-to-scalar (any DST, up to an oversize one) and SHA-512', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.uint8Array({ minLength: 1, maxLength: 300 }), (msg, dst) => {
        expect(hex(sodium.hashToGroup(msg, dst))).toBe(hex(noble.hashToGroup(msg, dst)));
        expect(hex(sodium.hashToScalar(msg, dst))).toBe(hex(noble.hashToScalar(msg, dst)));
        expect(hex(sodium.sha512(msg))).toBe(hex(noble.sha512(msg)));
        expect(hex(sodium.sha512(msg))).toBe(createHash('sha512').update(msg).digest('hex'));
      }),
      { numRuns: 200 },
    );
  });

  it('scalar arithmetic', () => {
    fc.assert(
      fc.property(seed64, nonZeroScalar, (wide, b) => {
        const a = sodium.reduceWide(wide);
        expect(hex(a)).toBe(hex(noble.reduceWide(wide)));
        expect(hex(sodium.scalarAdd(a, b))).toBe(hex(noble.scalarAdd(a, b)));
        expect(hex(sodium.scalarSub(a, b))).toBe(hex(noble.scalarSub(a, b)));
        expect(hex(sodium.scalarMul(a, b))).toBe(hex(noble.scalarMul(a, b)));
        expect(hex(sodium.scalarNeg(a))).toBe(hex(noble.scalarNeg(a)));
        expect(hex(sodium.scalarInvert(b))).toBe(hex(noble.scalarInvert(b)));
        expect((scalarToBigint(sodium.scalarInvert(b)) * scalarToBigint(b)) % GROUP_ORDER).toBe(1n);
      }),
      { numRuns: 200 },
    );
  });

  it('randomScalar takes s ‖ 0^32 to s and never returns zero', () => {
    const s = scalarFromBigint(123456789n);
    const padded = new Uint8Array(64);
    padded.set(s);
    expect(hex(randomScalar(sodium, () => padded.slice()))).toBe(hex(s));
    let calls = 0;
    const zeroThenOne = (n: number) => {
      const out = new Uint8Array(n);
      if (calls++ > 0) out[0] = 1;
      return out;
    };
    expect(scalarToBigint(randomScalar(noble, zeroThenOne))).toBe(1n);
  });

  it('the generator and zero-scalar refusals', () => {
    const one = scalarFromBigint(1n);
    expect(hex(sodium.mulBase(one))).toBe(hex(GENERATOR));
    expect(() => sodium.mul(new Uint8Array(32), GENERATOR)).toThrow(/zero/);
    expect(() => noble.mulBase(new Uint8Array(32))).toThrow(/zero/);
  });
});
