/**
 * The native backend's variable-time multi-scalar multiplication (bucket method, for the DLEQ
 * composites) equals the constant-time multiScalarMul and an independent oracle (P_i = a_i·G, so
 * Σ w_i·P_i = (Σ w_i·a_i)·G) for adversarial weights at every window boundary, and refuses bad
 * input without crashing (written by an adversarial review of the change).
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  GENERATOR,
  GROUP_ORDER,
  IDENTITY,
  createSuite,
  generateProof,
  loadGroup,
  scalarFromBigint,
  scalarToBigint,
  verifyProof,
  type Group,
} from '../crypto/index.js';
import { nobleGroup as noble } from '../crypto/group-noble.js';
import { loadNativeBinding } from '../crypto/native-addon.js';

const L = GROUP_ORDER;
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const h = (s: string) => createHash('sha512').update(s).digest();
const rndBig = (s: string) => BigInt('0x' + h(s).toString('hex')) % L;
const le32 = (v: bigint) => {
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) out[i] = Number((v >> BigInt(8 * i)) & 0xffn);
  return out;
};
const mod = (v: bigint) => ((v % L) + L) % L;

let native: Group;
try {
  native = await loadGroup('native');
} catch {
  native = undefined as unknown as Group;
}
const d = native ? describe : describe.skip;

/** Weight families: values as bigints (possibly ≥ L: passed raw, both paths reduce). */
function weightFamilies(n: number): Record<string, bigint[]> {
  const all = (v: bigint) => Array.from({ length: n }, () => v);
  const digitMax = (c: number) => {
    // every c-bit digit = 2^c − 1 below bit 252 (canonical: < 2^252 < L)
    let v = 0n;
    for (let b = 0; b + c <= 252; b += c) v |= ((1n << BigInt(c)) - 1n) << BigInt(b);
    return v;
  };
  return {
    random: Array.from({ length: n }, (_, i) => rndBig(`r${n}/${i}`)),
    orderMinus1: all(L - 1n),
    twoPow252: all(1n << 252n),
    twoPow252Minus1: all((1n << 252n) - 1n),
    top_bit_plus_low: Array.from({ length: n }, (_, i) => (1n << 252n) + BigInt(i)),
    allOnes256_raw: all((1n << 256n) - 1n), // non-canonical: reduced in C
    order_raw: all(L), // non-canonical, ≡ 0
    orderPlus1_raw: all(L + 1n), // non-canonical, ≡ 1
    zero: all(0n),
    one: all(1n),
    repeated: all(rndBig(`rep${n}`)),
    digitMax4: all(digitMax(4)),
    digitMax5: all(digitMax(5)),
    digitMax6: all(digitMax(6)),
    digitMax7: all(digitMax(7)),
    mixed: Array.from({ length: n }, (_, i) =>
      [0n, 1n, L - 1n, 1n << 252n, (1n << 252n) - 1n, (1n << 253n) - 1n, rndBig(`m${i}`), 127n, 1n << 126n][i % 9]!,
    ),
    singleNonZero: Array.from({ length: n }, (_, i) => (i === n - 1 ? L - 1n : 0n)),
  };
}

/** Points P_i = a_i·G with known a_i; some repeated, some negated, some the identity. */
function pointsFor(n: number): { a: bigint[]; P: Uint8Array[] } {
  const a = Array.from({ length: n }, (_, i) => {
    if (i % 11 === 3) return 0n; // identity
    if (i % 13 === 5) return 7n; // repeated point
    if (i % 17 === 6 && i > 0) return mod(-rndBig(`a${n}/${i - 1}`)); // negation of a neighbour's scalar
    return rndBig(`a${n}/${i}`);
  });
  const P = a.map((x) => (x === 0n ? IDENTITY : native.mulBase(scalarFromBigint(x))));
  return { a, P };
}

const oracle = (w: bigint[], a: bigint[]) => {
  const s = mod(w.reduce((acc, wi, i) => acc + wi * a[i]!, 0n));
  return s === 0n ? IDENTITY : native.mulBase(scalarFromBigint(s));
};

d('native multiScalarMulVartime', () => {
  const sizes = [1, 2, 15, 16, 17, 31, 63, 64, 65, 127, 191, 192, 193, 255, 256, 767, 768, 769, 1024, 1100];

  it('equals the oracle and the constant-time path for adversarial weights at every window boundary', () => {
    for (const n of sizes) {
      const { a, P } = pointsFor(n);
      for (const [name, w] of Object.entries(weightFamilies(n))) {
        const W = w.map(le32);
        const got = hex(native.multiScalarMulVartime(W, P));
        expect(got, `${n} terms, ${name} (oracle)`).toBe(hex(oracle(w, a)));
        expect(got, `${n} terms, ${name} (constant time)`).toBe(hex(native.multiScalarMul(W, P)));
      }
    }
  }, 120_000);

  it('matches noble on random inputs (independent library)', () => {
    for (const n of [16, 40, 64, 100]) {
      const P = Array.from({ length: n }, (_, i) => noble.hashToGroup(h(`p${i}`), new TextEncoder().encode('dst')));
      const W = Array.from({ length: n }, (_, i) => scalarFromBigint(rndBig(`nw${n}/${i}`)));
      expect(hex(native.multiScalarMulVartime(W, P))).toBe(hex(noble.multiScalarMul(W, P)));
    }
  }, 60_000);

  it('P and −P with equal weights cancel to the identity; all-zero weights give the identity', () => {
    for (const n of [16, 64, 192, 768]) {
      const P: Uint8Array[] = [];
      const W: Uint8Array[] = [];
      for (let i = 0; i < n / 2; i++) {
        const x = rndBig(`c${i}`);
        P.push(native.mulBase(scalarFromBigint(x)), native.mulBase(scalarFromBigint(L - x)));
        const wi = scalarFromBigint(rndBig(`cw${i}`));
        W.push(wi, wi);
      }
      expect(hex(native.multiScalarMulVartime(W, P))).toBe(hex(IDENTITY));
      expect(hex(native.multiScalarMulVartime(W.map(() => new Uint8Array(32)), P))).toBe(hex(IDENTITY));
    }
  });

  it('refuses non-canonical points (first, middle, last) without crashing, leaking or corrupting later calls', () => {
    const p = (1n << 255n) - 19n;
    const bad = {
      ff: new Uint8Array(32).fill(0xff),
      p: le32(p), // s = p: not reduced
      pPlus2: le32(p + 2n),
      negative: le32(1n), // s = 1 is "negative" (odd)
      highBit: (() => {
        const g = Uint8Array.from(GENERATOR);
        g[31]! |= 0x80;
        return g;
      })(),
      notOnCurve: le32(2n), // even, canonical field element, but not a valid ristretto encoding
    };
    for (const [name, enc] of Object.entries(bad)) expect(native.isCanonicalElement(enc), name).toBe(false);
    for (const n of [1, 15, 16, 17, 64, 193, 1024]) {
      const { P } = pointsFor(n);
      const W = Array.from({ length: n }, (_, i) => scalarFromBigint(rndBig(`bw${i}`)));
      for (const [name, enc] of Object.entries(bad)) {
        for (const at of new Set([0, n >> 1, n - 1])) {
          const Q = P.slice();
          Q[at] = enc;
          expect(() => native.multiScalarMulVartime(W, Q), `${n} terms, ${name} at ${at}`).toThrow(/canonical/);
        }
      }
      expect(hex(native.multiScalarMulVartime(W, P))).toBe(hex(native.multiScalarMul(W, P)));
    }
    // Error path frees its buffers: 1500 failures at 1024 terms would leak ~430 MB of C memory
    // (points, digits). The raw binding is called with buffers packed once, so that the JS
    // garbage of packing (and when the collector runs, under load) does not move RSS.
    const { P } = pointsFor(1024);
    P[1023] = bad.ff;
    const raw = loadNativeBinding().binding!;
    const packedW = new Uint8Array(1024 * 32);
    const packedP = new Uint8Array(1024 * 32);
    for (let i = 0; i < 1024; i++) {
      packedW.set(scalarFromBigint(BigInt(i + 1)), i * 32);
      packedP.set(P[i]!, i * 32);
    }
    const before = process.memoryUsage().rss;
    let thrown = 0;
    for (let i = 0; i < 1500; i++) {
      try {
        raw.multiScalarMulVartime(packedW, packedP);
      } catch {
        thrown++;
      }
    }
    expect(thrown).toBe(1500);
    expect(process.memoryUsage().rss - before).toBeLessThan(100 * 1024 * 1024);
  }, 60_000);

  it('the raw binding refuses malformed arguments with a JS error', () => {
    const b = loadNativeBinding().binding!;
    const f = b.multiScalarMulVartime as unknown as (...args: unknown[]) => Uint8Array;
    const w16 = new Uint8Array(16 * 32).fill(1);
    const p16 = new Uint8Array(16 * 32);
    for (let i = 0; i < 16; i++) p16.set(GENERATOR, i * 32);
    expect(hex(f(w16, p16))).toBe(hex(b.multiScalarMul(w16, p16)));
    expect(() => f(w16)).toThrow();
    expect(() => f(w16, p16, p16)).toThrow();
    expect(() => f(w16, p16.subarray(32))).toThrow();
    expect(() => f(w16.subarray(1), p16.subarray(1))).toThrow();
    expect(() => f(new Uint8Array(0), new Uint8Array(0))).toThrow();
    expect(() => f(new Float64Array(64), p16)).toThrow();
    expect(() => f('x', p16)).toThrow();
    // below 16 terms (the short-weight or constant-time pair path): the same sum
    expect(hex(f(w16.subarray(0, 64), p16.subarray(0, 64)))).toBe(hex(b.multiScalarMul(w16.subarray(0, 64), p16.subarray(0, 64))));
    // a view at a non-zero offset inside a larger buffer
    const big = new Uint8Array(17 * 32 + 5);
    big.set(w16, 5);
    expect(hex(f(big.subarray(5, 5 + 16 * 32), p16))).toBe(hex(b.multiScalarMul(w16, p16)));
  });

  it('a DLEQ proof over 300 elements made on native verifies on noble and vice versa', () => {
    const sn = createSuite(native);
    const sb = createSuite(noble);
    const k = scalarFromBigint(rndBig('k'));
    const B = native.mulBase(k);
    const C = Array.from({ length: 300 }, (_, i) => native.mulBase(scalarFromBigint(rndBig(`C${i}`))));
    const D = C.map((c) => native.mul(k, c));
    let ctr = 0;
    const rng = (len: number) => Uint8Array.from(h(`rng${ctr++}`).subarray(0, len));
    const pn = generateProof(sn, k, GENERATOR, B, C, D, rng);
    const pb = generateProof(sb, k, GENERATOR, B, C, D, rng);
    expect(verifyProof(sb, GENERATOR, B, C, D, pn)).toBe(true);
    expect(verifyProof(sn, GENERATOR, B, C, D, pb)).toBe(true);
    expect(verifyProof(sn, GENERATOR, B, C, D, pn)).toBe(true);
    const D2 = D.slice();
    D2[299] = native.mulBase(scalarFromBigint(scalarToBigint(k) + 1n));
    expect(verifyProof(sn, GENERATOR, B, C, D2, pn)).toBe(false);
  }, 60_000);
});
