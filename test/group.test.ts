/**
 * The ristretto255 backends (noble, libsodium wasm and, when built, libdecaf native) agree byte for
 * byte on random inputs, including the multi-point operations.
 */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  GENERATOR,
  GROUP_ORDER,
  IDENTITY,
  ParameterError,
  decodeElement,
  decodeScalar,
  elementsEqual,
  defaultBackend,
  loadGroup,
  randomScalar,
  scalarFromBigint,
  scalarIsZero,
  scalarToBigint,
} from '../crypto/index.js';
import { nobleGroup } from '../crypto/group-noble.js';

import { backends, fastBackends, nativeGroup, sodiumGroup as sodium } from './helpers/backends.js';

const noble = nobleGroup;

describe('constants', () => {
  it('GROUP_ORDER and GENERATOR are noble\'s order and base point; loadGroup(\'noble\') is the reference backend', async () => {
    const { ristretto255 } = await import('@noble/curves/ed25519.js');
    expect(GROUP_ORDER).toBe(ristretto255.Point.Fn.ORDER);
    expect(hex(GENERATOR)).toBe(hex(ristretto255.Point.BASE.toBytes()));
    expect(await loadGroup('noble')).toBe(nobleGroup);
  });
});
const seed64 = fc.uint8Array({ minLength: 64, maxLength: 64 });
const scalarOf = (bytes: Uint8Array) => noble.reduceWide(bytes);
const nonZeroScalar = seed64.map(scalarOf).filter((s) => s.some((b) => b !== 0));
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

for (const fast of fastBackends) {
describe(`${fast.name} is byte-identical to noble`, () => {
  it('base and variable-base multiplication, add, sub', () => {
    fc.assert(
      fc.property(nonZeroScalar, nonZeroScalar, (a, b) => {
        const P = noble.mulBase(a);
        expect(hex(fast.mulBase(a))).toBe(hex(P));
        expect(hex(fast.mul(b, P))).toBe(hex(noble.mul(b, P)));
        const Q = noble.mulBase(b);
        expect(hex(fast.add(P, Q))).toBe(hex(noble.add(P, Q)));
        expect(hex(fast.sub(P, Q))).toBe(hex(noble.sub(P, Q)));
      }),
      { numRuns: 100 },
    );
  });

  it('multi-scalar multiplication and a·G + b·P, zero weights and the identity included', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(seed64.map(scalarOf), nonZeroScalar), { minLength: 1, maxLength: 7 }), (terms) => {
        const weights = terms.map(([w]) => w);
        const points = terms.map(([, p]) => noble.mulBase(p));
        expect(hex(fast.multiScalarMul(weights, points))).toBe(hex(noble.multiScalarMul(weights, points)));
        const [a, b] = [weights[0]!, weights[weights.length - 1]!];
        expect(hex(fast.mulBaseAddVartime(a, b, points[0]!))).toBe(hex(noble.mulBaseAddVartime(a, b, points[0]!)));
      }),
      { numRuns: 100 },
    );
    const P = noble.mulBase(scalarFromBigint(7n));
    const one = scalarFromBigint(1n);
    const minusOne = scalarFromBigint(-1n);
    const zero = new Uint8Array(32);
    expect(hex(fast.multiScalarMul([one, minusOne], [P, P]))).toBe(hex(IDENTITY));
    expect(hex(fast.multiScalarMul([zero], [P]))).toBe(hex(IDENTITY));
    expect(hex(fast.mulBaseAddVartime(zero, zero, P))).toBe(hex(IDENTITY));
    expect(hex(fast.mulBaseAddVartime(one, minusOne, GENERATOR))).toBe(hex(IDENTITY));
    expect(hex(fast.multiScalarMul([], []))).toBe(hex(IDENTITY));
    expect(() => fast.multiScalarMul([one], [P, P])).toThrow(ParameterError);
  });

  it('variable-time multi-scalar multiplication (public weights) equals the constant-time sum at every size, on the bucket path too', () => {
    const rnd = (i: number) => scalarOf(createHash('sha512').update(`w${i}`).digest());
    const minusOne = scalarFromBigint(-1n);
    const zero = new Uint8Array(32);
    // Around the bucket method's threshold (16 terms) and its window changes (64, 192), with
    // extreme digits (order − 1, zero), one repeated weight (one bucket), a repeated point and (native:
    // libsodium's k·P refuses it) the identity.
    for (const n of [1, 2, 15, 16, 17, 63, 64, 65, 191, 192, 300]) {
      const points = Array.from({ length: n }, (_, i) => (i === 3 && fast.name === 'native' ? IDENTITY : i === 5 ? noble.mulBase(rnd(1000)) : noble.mulBase(rnd(1000 + i))));
      for (const weights of [
        Array.from({ length: n }, (_, i) => (i % 7 === 0 ? minusOne : i % 5 === 0 ? zero : rnd(i))),
        Array.from({ length: n }, () => rnd(42)),
        Array.from({ length: n }, () => minusOne),
      ]) {
        const expected = n <= 17 ? noble.multiScalarMul(weights, points) : fast.multiScalarMul(weights, points);
        expect(hex(fast.multiScalarMulVartime(weights, points)), `${n} terms`).toBe(hex(expected));
      }
    }
    expect(hex(fast.multiScalarMulVartime(Array.from({ length: 20 }, () => zero), Array.from({ length: 20 }, () => GENERATOR)))).toBe(hex(IDENTITY));
    expect(hex(fast.multiScalarMulVartime([], []))).toBe(hex(IDENTITY));
    expect(() => fast.multiScalarMulVartime([zero], [GENERATOR, GENERATOR])).toThrow(ParameterError);
    const bad = Array.from({ length: 20 }, (_, i) => (i === 19 ? new Uint8Array(32).fill(0xff) : GENERATOR));
    expect(() => fast.multiScalarMulVartime(Array.from({ length: 20 }, () => rnd(1)), bad)).toThrow();
  });

  it('short public weights (the integer Lagrange path): the variable-time sum and mulSum equal the constant-time sums', () => {
    const rnd = (i: number) => scalarOf(createHash('sha512').update(`s${i}`).digest());
    const k = rnd(7);
    // Short positive and negative weights (−w is taken when shorter), right at and past the
    // 64-bit short path, mixed with a full-size weight (then the other paths), and zero.
    const families: bigint[][] = [
      [3n, -3n, 1n],
      [1n],
      [-1n],
      [0n, 5n],
      [2n ** 64n - 1n, -(2n ** 64n - 1n), 1n],
      [2n ** 64n, 3n],
      [-(2n ** 64n), 3n],
      [12345n, -678n, 90n, -1n, 0n, 2n ** 40n],
      [scalarToBigint(rnd(1)), 3n],
      Array.from({ length: 20 }, (_, i) => BigInt(i * 37 - 300)),
      Array.from({ length: 20 }, (_, i) => (i === 7 ? scalarToBigint(rnd(2)) : BigInt(i + 1))),
    ];
    for (const ints of families) {
      const weights = ints.map(scalarFromBigint);
      const points = ints.map((_, i) => noble.mulBase(rnd(100 + i)));
      const label = ints.map(String).join(',');
      expect(hex(fast.multiScalarMulVartime(weights, points)), label).toBe(hex(noble.multiScalarMul(weights, points)));
      const expected = noble.multiScalarMul(weights.map((w) => noble.scalarMul(k, w)), points);
      expect(hex(fast.mulSum(k, weights, points)), label).toBe(hex(expected));
      expect(hex(noble.mulSum(k, weights, points)), label).toBe(hex(expected));
    }
    // A sum that cancels to the identity stays the identity after the multiplication.
    const P = noble.mulBase(rnd(3));
    expect(hex(fast.mulSum(k, [scalarFromBigint(2n), scalarFromBigint(-1n)], [P, noble.add(P, P)]))).toBe(hex(IDENTITY));
    expect(() => fast.mulSum(k, [], [])).toThrow(ParameterError);
    expect(() => fast.mulSum(k, [k], [P, P])).toThrow(ParameterError);
    expect(() => fast.mulSum(k, [k], [new Uint8Array(32).fill(0xff)])).toThrow();
  });

  it('hash-to-group, hash-to-scalar (any DST, up to an oversize one) and SHA-512', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.uint8Array({ minLength: 1, maxLength: 300 }), (msg, dst) => {
        expect(hex(fast.hashToGroup(msg, dst))).toBe(hex(noble.hashToGroup(msg, dst)));
        expect(hex(fast.hashToScalar(msg, dst))).toBe(hex(noble.hashToScalar(msg, dst)));
        expect(hex(fast.sha512(msg))).toBe(hex(noble.sha512(msg)));
        expect(hex(fast.sha512(msg))).toBe(createHash('sha512').update(msg).digest('hex'));
      }),
      { numRuns: 200 },
    );
  });

  it('scalar arithmetic', () => {
    fc.assert(
      fc.property(seed64, nonZeroScalar, (wide, b) => {
        const a = fast.reduceWide(wide);
        expect(hex(a)).toBe(hex(noble.reduceWide(wide)));
        expect(hex(fast.scalarAdd(a, b))).toBe(hex(noble.scalarAdd(a, b)));
        expect(hex(fast.scalarSub(a, b))).toBe(hex(noble.scalarSub(a, b)));
        expect(hex(fast.scalarMul(a, b))).toBe(hex(noble.scalarMul(a, b)));
        expect(hex(fast.scalarNeg(a))).toBe(hex(noble.scalarNeg(a)));
        expect(hex(fast.scalarInvert(b))).toBe(hex(noble.scalarInvert(b)));
        expect((scalarToBigint(fast.scalarInvert(b)) * scalarToBigint(b)) % GROUP_ORDER).toBe(1n);
      }),
      { numRuns: 200 },
    );
  });

  it('randomScalar takes s ‖ 0^32 to s and never returns zero', () => {
    const s = scalarFromBigint(123456789n);
    const padded = new Uint8Array(64);
    padded.set(s);
    expect(hex(randomScalar(fast, () => padded.slice()))).toBe(hex(s));
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
    expect(hex(fast.mulBase(one))).toBe(hex(GENERATOR));
    expect(() => fast.mul(new Uint8Array(32), GENERATOR)).toThrow(/zero/);
    expect(() => noble.mulBase(new Uint8Array(32))).toThrow(/zero/);
  });
});

}

describe('decoding, scalars and randomScalar on every backend', () => {
  const ORDER_MINUS_1 = scalarFromBigint(GROUP_ORDER - 1n);

  for (const group of backends) {
    it(`${group.name}: the identity is canonical and decodeElement names it; bad lengths are named`, () => {
      expect(group.isCanonicalElement(IDENTITY)).toBe(true);
      expect(group.isCanonicalElement(GENERATOR)).toBe(true);
      expect(() => decodeElement(group, IDENTITY, 'pkS')).toThrow('pkS: is the identity element');
      expect(() => decodeElement(group, new Uint8Array(31), 'pkS')).toThrow('pkS: expected 32 bytes, got 31');
      expect(() => decodeElement(group, [...GENERATOR] as unknown as Uint8Array, 'pkS')).toThrow('pkS: expected a byte string');
      expect(() => decodeElement(group, Uint8Array.of(2, ...new Uint8Array(31)), 'pkS')).toThrow('pkS: not a canonical ristretto255 encoding');
      expect(decodeElement(group, GENERATOR, 'pkS')).toBe(GENERATOR);
      // The backend itself refuses other lengths: not canonical, and named where a batch is packed.
      for (const n of [0, 31, 33]) expect(group.isCanonicalElement(new Uint8Array(n).fill(n === 33 ? 0 : 2))).toBe(false);
      expect(group.isCanonicalElement(GENERATOR.subarray(0, 31))).toBe(false);
      expect(() => group.multiScalarMul([scalarFromBigint(3n)], [GENERATOR.subarray(0, 31)])).toThrow(group.name === 'native' ? /points: expected 32 bytes, got 31/ : /./);
    });

    it(`${group.name}: zero scalars are refused where the result would be the identity or undefined`, () => {
      const zero = new Uint8Array(32);
      expect(() => group.mul(zero, GENERATOR)).toThrow('mul: scalar is zero');
      expect(() => group.mulBase(zero)).toThrow('mulBase: scalar is zero');
      expect(() => group.scalarInvert(zero)).toThrow('scalarInvert: scalar is zero');
      expect(() => group.mul(zero, GENERATOR)).toThrow(ParameterError);
      expect(hex(group.mul(scalarFromBigint(1n), GENERATOR))).toBe(hex(GENERATOR));
      expect(hex(group.scalarInvert(ORDER_MINUS_1))).toBe(hex(ORDER_MINUS_1));
    });

    it(`${group.name}: randomScalar wipes the rng output, refuses short or non-byte output and gives up after 8 zeros`, () => {
      const given: Uint8Array[] = [];
      const rng = (n: number) => {
        const out = new Uint8Array(n).fill(7);
        given.push(out);
        return out;
      };
      const s = randomScalar(group, rng);
      expect(hex(s)).toBe(hex(group.reduceWide(new Uint8Array(64).fill(7))));
      expect(given).toHaveLength(1);
      expect(given[0]!.every((b) => b === 0)).toBe(true);
      expect(() => randomScalar(group, (n) => new Uint8Array(n - 1).fill(1))).toThrow('rng: must return the number of bytes requested');
      expect(() => randomScalar(group, (n) => new Uint8Array(n + 1).fill(1))).toThrow(ParameterError);
      expect(() => randomScalar(group, (n) => Array.from({ length: n }, () => 1) as unknown as Uint8Array)).toThrow(/rng/);
      let calls = 0;
      expect(() => randomScalar(group, (n) => (calls++, new Uint8Array(n)))).toThrow('rng: returned zero scalars repeatedly');
      expect(calls).toBe(8);
      // The order itself reduces to zero, so it is retried too; the 8th attempt still counts.
      calls = 0;
      const orderWide = new Uint8Array(64);
      orderWide.set(scalarFromBigint(GROUP_ORDER - 1n));
      orderWide[0]! += 1;
      const sevenZeros = (n: number) => (++calls < 8 ? orderWide.slice() : Uint8Array.from({ length: n }, (_, i) => (i === 0 ? 5 : 0)));
      expect(scalarToBigint(randomScalar(group, sevenZeros))).toBe(5n);
    });
  }

  it('decodeScalar: below the order, optionally non-zero, names the field', () => {
    expect(hex(decodeScalar(ORDER_MINUS_1, 'skS'))).toBe(hex(ORDER_MINUS_1));
    expect(() => decodeScalar(scalarFromBigint(0n), 'skS', { nonZero: true })).toThrow('skS: scalar is zero');
    expect(scalarToBigint(decodeScalar(scalarFromBigint(0n), 'skS'))).toBe(0n);
    expect(scalarToBigint(decodeScalar(scalarFromBigint(1n), 'skS', { nonZero: true }))).toBe(1n);
    const order = new Uint8Array(32);
    order.set(ORDER_MINUS_1);
    order[0]! += 1;
    expect(() => decodeScalar(order, 'skS')).toThrow('skS: scalar is not below the group order');
    expect(() => decodeScalar(new Uint8Array(33), 'skS')).toThrow('skS: expected 32 bytes, got 33');
  });

  it('scalarFromBigint reduces any integer into [0, order); scalarIsZero, elementsEqual', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(GROUP_ORDER * 3n), max: GROUP_ORDER * 3n }), (v) => {
        const expected = ((v % GROUP_ORDER) + GROUP_ORDER) % GROUP_ORDER;
        expect(scalarToBigint(scalarFromBigint(v))).toBe(expected);
      }),
    );
    expect(scalarToBigint(scalarFromBigint(-1n))).toBe(GROUP_ORDER - 1n);
    expect(scalarToBigint(scalarFromBigint(GROUP_ORDER))).toBe(0n);
    expect(scalarIsZero(new Uint8Array(32))).toBe(true);
    expect(scalarIsZero(scalarFromBigint(1n << 250n))).toBe(false);
    expect(elementsEqual(GENERATOR, GENERATOR.slice())).toBe(true);
    expect(elementsEqual(GENERATOR, IDENTITY)).toBe(false);
    expect(elementsEqual(GENERATOR, GENERATOR.subarray(0, 31))).toBe(false);
    expect(elementsEqual(IDENTITY.subarray(0, 31), IDENTITY)).toBe(false);
  });

  it('loadGroup picks the backend by name, native by default where built, sodium otherwise', async () => {
    expect((await loadGroup('noble')).name).toBe('noble');
    expect(await loadGroup('sodium')).toBe(sodium);
    const forced = process.env.SPLITKEY_BACKEND === 'sodium' || process.env.SPLITKEY_BACKEND === 'wasm';
    const expected = forced || !nativeGroup ? 'sodium' : 'native';
    expect(defaultBackend()).toBe(expected);
    expect((await loadGroup()).name).toBe(expected);
    if (nativeGroup) expect(await loadGroup('native')).toBe(nativeGroup);
    else await expect(loadGroup('native')).rejects.toThrow(/native backend unavailable/);
    expect(IDENTITY.every((b) => b === 0) && IDENTITY.length === 32).toBe(true);
  });
});
