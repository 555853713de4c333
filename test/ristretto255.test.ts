/**
 * ristretto255 itself (RFC 9496), backend against backend: libdecaf's 255-bit instance is used as
 * ristretto255 by the native backend, so its encoding, decoding (every rejection rule of §4.3.1)
 * and one-way map (§4.3.4, through RFC 9380 hash_to_ristretto255) must match @noble/curves and
 * libsodium byte for byte — on the generator's first multiples (Appendix A.1, whose first three
 * encodings are pinned here), on thousands of random and crafted 32-byte strings, and on random
 * hash inputs.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GENERATOR, IDENTITY, scalarFromBigint, type Group } from '../crypto/index.js';
import { nobleGroup } from '../crypto/group-noble.js';
import { backends, sodiumGroup } from './helpers/backends.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const P_FIELD = 2n ** 255n - 19n;
const le32 = (v: bigint) => Uint8Array.from({ length: 32 }, (_, i) => Number((v >> BigInt(8 * i)) & 0xffn));
const fromLe = (b: Uint8Array) => b.reduceRight((acc, x) => (acc << 8n) | BigInt(x), 0n);

describe('RFC 9496 Appendix A.1: multiples of the generator', () => {
  const pinned = [
    '0000000000000000000000000000000000000000000000000000000000000000',
    'e2f2ae0a6abc4e71a884a961c500515f58e30b6aa582dd8db6a65945e08d2d76',
    '6a493210f7499cd17fecb510ae0cea23a110e8d5b901f8acadd3095c73a3b919',
    '94741f5d5d52755ece4f23f044ee27d5d1ea1e2bd196b462166b16152a9d0259',
  ];
  for (const group of backends) {
    it(`${group.name}: i·G for i = 0..15 by repeated addition and by scalar multiplication`, () => {
      let acc = IDENTITY;
      const reference: string[] = [];
      for (let i = 0; i < 16; i++) {
        reference.push(hex(acc));
        if (i > 0) {
          expect(hex(group.mulBase(scalarFromBigint(BigInt(i))))).toBe(hex(acc));
          expect(hex(group.mul(scalarFromBigint(BigInt(i)), GENERATOR))).toBe(hex(acc));
        }
        acc = group.add(acc, GENERATOR);
      }
      expect(reference.slice(0, pinned.length)).toEqual(pinned);
      let n = IDENTITY;
      for (let i = 0; i < 16; i++, n = nobleGroup.add(n, GENERATOR)) expect(reference[i]).toBe(hex(n));
    });
  }
});

/** Crafted encodings: each rejection rule of RFC 9496 §4.3.1 and its neighbours. */
function craftedEncodings(): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let d = 0n; d < 40n; d++) {
    out.push(le32(P_FIELD + d - 20n)); // around p: s ≥ p is non-canonical
    out.push(le32(2n ** 255n - 1n - d)); // top of the 255-bit range
  }
  for (let i = 1; i < 16; i++) {
    const e = nobleGroup.mulBase(scalarFromBigint(BigInt(i)));
    const s = fromLe(e);
    out.push(le32(P_FIELD - s)); // the negative of a valid s
    out.push(le32(s + P_FIELD < 2n ** 256n ? s + P_FIELD : s)); // s + p: non-canonical, maybe 256 bits
    const top = e.slice();
    top[31]! |= 0x80; // bit 255 set
    out.push(top);
    for (let bit = 0; bit < 8; bit++) {
      const flipped = e.slice();
      flipped[bit * 4]! ^= 1 << bit;
      out.push(flipped);
    }
  }
  return out;
}

function verdicts(group: Group, encodings: Uint8Array[]): string {
  return encodings.map((e) => (group.isCanonicalElement(e) ? '1' : '0')).join('');
}

describe('RFC 9496 §4.3.1 decoding: every backend accepts and refuses the same strings', () => {
  it('crafted encodings around p, negative s, bit 255 and bit flips of valid points', () => {
    const crafted = craftedEncodings();
    const expected = verdicts(nobleGroup, crafted);
    expect(expected).toContain('1');
    expect(expected).toContain('0');
    for (const group of backends) expect(verdicts(group, crafted), group.name).toBe(expected);
  });

  it('random strings, and random strings with the sign bit and bit 255 cleared', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ minLength: 32, maxLength: 32 }), { minLength: 64, maxLength: 64 }), (raw) => {
        const cleared = raw.map((r) => {
          const c = r.slice();
          c[0]! &= 0xfe;
          c[31]! &= 0x7f;
          return c;
        });
        const all = [...raw, ...cleared];
        const expected = verdicts(nobleGroup, all);
        for (const group of backends) expect(verdicts(group, all), group.name).toBe(expected);
        // Whatever decodes also survives a round trip through every backend's arithmetic.
        for (const e of all.filter((x) => nobleGroup.isCanonicalElement(x))) {
          for (const group of backends) expect(hex(group.add(e, IDENTITY))).toBe(hex(e));
        }
      }),
      { numRuns: 30 },
    );
  });
});

describe('RFC 9380 hash_to_ristretto255 (RFC 9496 §4.3.4 one-way map)', () => {
  it('every backend maps random messages under random DSTs to the same element as libsodium', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.uint8Array({ minLength: 1, maxLength: 64 }), (msg, dst) => {
        const expected = hex(sodiumGroup.hashToGroup(msg, dst));
        for (const group of backends) expect(hex(group.hashToGroup(msg, dst)), group.name).toBe(expected);
      }),
      { numRuns: 1000 },
    );
  });
});
