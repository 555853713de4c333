/**
 * Adversarial review of combine-and-unblind with integer Lagrange weights (Group.mulSum, native
 * sum_vartime, lagrangeIntegerWeights): results against an independent oracle (P_i = a_i·G, so
 * k·Σ w_i·P_i = (k·Σ w_i·a_i)·G) at every bit-length boundary of the short path and of the −w
 * choice, raw weights ≥ the order, the identity and repeated points, every path of the addon
 * (short double-and-add, constant-time pairs, bucket); the integer weights exactly (all power
 * sums, sets of up to 255 indices); combineUnblind where the weights are not short (the fallback
 * paths) on every backend; bad points anywhere in the list refused without leaking.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  GROUP_ORDER,
  GENERATOR,
  IDENTITY,
  DeserializeError,
  ParameterError,
  combineUnblind,
  createSuite,
  lagrangeIntegerWeights,
  scalarFromBigint,
  type Group,
  type PartialResponse,
} from '../crypto/index.js';
import { nobleGroup as noble } from '../crypto/group-noble.js';
import { loadNativeBinding } from '../crypto/native-addon.js';
import { backends, nativeGroup } from './helpers/backends.js';

const L = GROUP_ORDER;
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const h = (s: string) => createHash('sha512').update(s).digest();
const rnd = (s: string) => 1n + (BigInt('0x' + h(s).toString('hex')) % (L - 1n));
const mod = (v: bigint) => ((v % L) + L) % L;
/** Raw little-endian 32 bytes, NOT reduced (values ≥ L reach the addon as they are). */
const le32 = (v: bigint) => {
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) out[i] = Number((v >> BigInt(8 * i)) & 0xffn);
  return out;
};
const G = (s: bigint) => (mod(s) === 0n ? IDENTITY : noble.mulBase(scalarFromBigint(s)));

const d = nativeGroup ? describe : describe.skip;

d('native mulSum and multiScalarMulVartime against an oracle', () => {
  const native = nativeGroup as Group;
  // a_i: some zero (identity points), some repeated, some opposite.
  const a = Array.from({ length: 70 }, (_, i) => (i % 9 === 4 ? 0n : i % 7 === 2 ? 7n : i % 11 === 6 ? L - 7n : rnd(`a${i}`)));
  const P = a.map(G);
  const check = (label: string, k: bigint, w: bigint[]) => {
    const n = w.length;
    const S = w.reduce((acc, wi, i) => acc + wi * a[i]!, 0n);
    const W = w.map(le32);
    expect(hex(native.multiScalarMulVartime(W, P.slice(0, n))), `vartime ${label}`).toBe(hex(G(S)));
    expect(hex(native.mulSum(le32(k), W, P.slice(0, n))), `mulSum ${label}`).toBe(hex(G(mod(k) * mod(S))));
  };

  it('bit-length boundaries of the short path and of the −w choice, raw weights, every path', () => {
    const edges: bigint[] = [0n, 1n, 2n, L - 1n, L - 2n, L, L + 1n, 2n * L - 1n, (1n << 256n) - 1n, (L - 1n) / 2n, (L + 1n) / 2n];
    for (const b of [1, 7, 8, 9, 63, 64, 65, 127, 128, 200, 252, 253]) {
      for (const dlt of [-1n, 0n, 1n]) {
        const v = (1n << BigInt(b)) + dlt;
        edges.push(v, mod(-v));
      }
    }
    const ks = [1n, L - 1n, rnd('k'), (1n << 256n) - 1n];
    for (const n of [1, 2, 3, 15, 16, 17, 65]) {
      for (const [e, v] of edges.entries()) {
        // v last among small weights (short unless v is long), and v in every position
        check(`${n} terms, edge ${v} last`, ks[e % ks.length]!, Array.from({ length: n }, (_, i) => (i === n - 1 ? v : BigInt(i % 5) + 1n)));
        if (n <= 17) check(`${n} terms, all ${v}`, ks[(e + 1) % ks.length]!, Array.from({ length: n }, () => v));
      }
      check(`${n} terms, zeros`, rnd('k0'), Array.from({ length: n }, () => 0n));
      check(`${n} terms, random`, rnd('k1'), Array.from({ length: n }, (_, i) => rnd(`w${n}/${i}`)));
      check(`${n} terms, short signed`, rnd('k2'), Array.from({ length: n }, (_, i) => mod(BigInt(i * 37 - 300))));
    }
    // k = 0 (not refused by mulSum): the identity, as on the generic backends
    expect(hex(native.mulSum(le32(0n), [le32(3n)], [GENERATOR]))).toBe(hex(IDENTITY));
    expect(hex(noble.mulSum(scalarFromBigint(0n), [scalarFromBigint(3n)], [GENERATOR]))).toBe(hex(IDENTITY));
  }, 120_000);

  it('refuses a bad point first, in the middle or last, for every path, and frees what it allocated', () => {
    const ff = new Uint8Array(32).fill(0xff);
    for (const n of [1, 3, 17, 70]) {
      for (const w of [(i: number) => BigInt(i + 1), (i: number) => rnd(`b${i}`)]) {
        const W = Array.from({ length: n }, (_, i) => le32(w(i)));
        for (const at of new Set([0, n >> 1, n - 1])) {
          const Q = P.slice(0, n);
          Q[at] = ff;
          expect(() => native.mulSum(le32(5n), W, Q), `${n} terms at ${at}`).toThrow(/canonical/);
        }
        expect(hex(native.mulSum(le32(5n), W, P.slice(0, n)))).toBe(hex(native.mulSum(le32(5n), W, P.slice(0, n))));
      }
    }
    expect(() => native.mulSum(le32(5n), [], [])).toThrow(ParameterError);
    expect(() => native.mulSum(le32(5n), [le32(1n)], [GENERATOR, GENERATOR])).toThrow(ParameterError);
    const raw = loadNativeBinding().binding!;
    const f = raw.mulSum as unknown as (...args: unknown[]) => Uint8Array;
    expect(() => f(le32(1n).subarray(1), le32(1n), GENERATOR)).toThrow();
    expect(() => f(le32(1n), le32(1n))).toThrow();
    expect(() => f(le32(1n), new Uint8Array(0), new Uint8Array(0))).toThrow();
    // 1500 failures at 1024 terms, the bad point last: ~400 MB of C memory if the error path leaked.
    const n = 1024;
    const packedW = new Uint8Array(n * 32);
    const packedP = new Uint8Array(n * 32);
    for (let i = 0; i < n; i++) {
      packedW.set(scalarFromBigint(rnd(`lw${i}`)), i * 32);
      packedP.set(P[i % P.length]!, i * 32);
    }
    packedP.set(ff, (n - 1) * 32);
    const k = le32(rnd('lk'));
    const before = process.memoryUsage().rss;
    let thrown = 0;
    for (let i = 0; i < 1500; i++) {
      try {
        raw.mulSum(k, packedW, packedP);
      } catch {
        thrown++;
      }
    }
    expect(thrown).toBe(1500);
    expect(process.memoryUsage().rss - before).toBeLessThan(100 * 1024 * 1024);
  }, 60_000);
});

describe('lagrangeIntegerWeights is exact for sets of up to 255 indices', () => {
  it('Σ W_i·x_i^e = D for e = 0 and 0 for 0 < e < t, over the integers; D > 0, lowest terms', () => {
    const gcd = (x: bigint, y: bigint): bigint => {
      for (x = x < 0n ? -x : x, y = y < 0n ? -y : y; y !== 0n; ) [x, y] = [y, x % y];
      return x;
    };
    const sets: number[][] = [
      Array.from({ length: 255 }, (_, i) => i + 1),
      Array.from({ length: 254 }, (_, i) => 255 - i),
      Array.from({ length: 128 }, (_, i) => 2 * i + 1),
      [255, 1, 128, 2, 254],
      [200, 201, 255],
    ];
    for (let t = 1; t <= 255; t += 23) sets.push(Array.from({ length: t }, (_, i) => 1 + ((i * 97 + t * 13) % 255)));
    for (const set of sets) {
      expect(new Set(set).size).toBe(set.length);
      const { weights: W, denominator: D } = lagrangeIntegerWeights(set);
      expect(D > 0n).toBe(true);
      expect(W.reduce(gcd, D)).toBe(1n);
      expect(mod(D)).not.toBe(0n);
      const x = set.map(BigInt);
      const pw = x.map(() => 1n);
      for (let e = 0; e < set.length; e++) {
        let sum = 0n;
        for (let i = 0; i < set.length; i++) {
          sum += W[i]! * pw[i]!;
          pw[i]! *= x[i]!;
        }
        expect(sum, `${set.length} indices, power ${e}`).toBe(e === 0 ? D : 0n);
      }
    }
  });
});

describe('combineUnblind where the integer weights are not short (fallback paths), every backend', () => {
  for (const group of backends) {
    it(`${group.name}: N[j] = f(0)·H(x_j) for spread index sets; identity and mismatched sizes refused`, () => {
      const suite = createSuite(group);
      const sizes = group.name === 'noble' ? [1, 3, 9, 16] : [1, 3, 9, 15, 16, 17, 40, 255];
      for (const t of sizes) {
        const coeffs = Array.from({ length: t }, (_, i) => rnd(`c${t}/${i}`));
        const f = (x: number) => coeffs.reduce((acc, c, i) => mod(acc + c * BigInt(x) ** BigInt(i)), 0n);
        // spread indices give weights far beyond 64 bits from t ≈ 6 on
        const idx = Array.from({ length: t }, (_, i) => 255 - ((i * 97) % 255));
        expect(new Set(idx).size).toBe(t);
        const H = [0, 1].map((j) => noble.hashToGroup(h(`x${t}/${j}`), new TextEncoder().encode('dst')));
        const r = H.map((_, j) => scalarFromBigint(rnd(`r${t}/${j}`)));
        const B = H.map((p, j) => group.mul(r[j]!, p));
        const responses: PartialResponse[] = idx.map((i) => ({
          index: i,
          evaluatedElements: B.map((b) => group.mul(scalarFromBigint(f(i)), b)),
          proof: new Uint8Array(64),
        }));
        const N = combineUnblind(suite, responses, r);
        N.forEach((n, j) => expect(hex(n), `${t} nodes, position ${j}`).toBe(hex(noble.mul(scalarFromBigint(coeffs[0]!), H[j]!))));
      }
      // nodes 1, 2, 3 (weights 3, −3, 1) answering P, 2P, 3P: the sum is the identity
      const P = noble.hashToGroup(h('p'), new TextEncoder().encode('dst'));
      const cancel = [1, 2, 3].map((i) => ({ index: i, evaluatedElements: [group.mul(scalarFromBigint(BigInt(i)), P)], proof: new Uint8Array(64) }));
      const three = scalarFromBigint(3n);
      expect(() => combineUnblind(suite, cancel, [three])).toThrow(DeserializeError);
      expect(() => combineUnblind(suite, cancel, [three, three])).toThrow(ParameterError);
      expect(() => combineUnblind(suite, [cancel[0]!, { ...cancel[1]!, evaluatedElements: [P, P] }], [three])).toThrow(ParameterError);
      expect(() => combineUnblind(suite, [], [three])).toThrow(ParameterError);
    }, 120_000);
  }
});
