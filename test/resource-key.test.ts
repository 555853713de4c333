/** DESIGN.md step 6: the resource key's HKDF and its unambiguous, length-prefixed info encoding. */
import fc from 'fast-check';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { describe, expect, it } from 'vitest';
import { ParameterError, deriveResourceKey, resourceKeyInfo, toHex, utf8 } from '../crypto/index.js';

const master = new Uint8Array(32).fill(0x11);
const out = new Uint8Array(64).fill(0x22);
const label = fc.stringMatching(/^[a-z0-9][a-z0-9._-]{0,19}$/).filter((l) => !l.includes('..'));
const triple = fc.record({
  name: label.map((l) => `acme/${l}`),
  version: fc.integer({ min: 1, max: 2 ** 32 - 1 }),
  id: fc.uint8Array({ minLength: 1, maxLength: 40 }),
});

describe('resource key', () => {
  it('is HKDF-SHA256(master ‖ out, "splitkey/v1/resource-key", len‖name ‖ u32 version ‖ len‖id)', () => {
    const info = Uint8Array.from([0, 10, ...utf8('acme/disks'), 0, 0, 0, 7, 0, 3, 1, 2, 3]);
    expect(toHex(resourceKeyInfo('acme/disks', 7, Uint8Array.of(1, 2, 3)))).toBe(toHex(info));
    const expected = hkdf(sha256, Uint8Array.from([...master, ...out]), utf8('splitkey/v1/resource-key'), info, 32);
    expect(toHex(deriveResourceKey(master, out, 'acme/disks', 7, Uint8Array.of(1, 2, 3)))).toBe(toHex(expected));
  });

  it('different (name, version, id) never share an info string — no concatenation collisions', () => {
    // The classic collision: name "a/b" + id "c" vs name "a/bc" + id "" cannot both encode alike.
    expect(toHex(resourceKeyInfo('acme/ab', 1, utf8('c')))).not.toBe(toHex(resourceKeyInfo('acme/a', 1, utf8('bc'))));
    fc.assert(
      fc.property(triple, triple, (a, b) => {
        fc.pre(a.name !== b.name || a.version !== b.version || toHex(a.id) !== toHex(b.id));
        expect(toHex(resourceKeyInfo(a.name, a.version, a.id))).not.toBe(toHex(resourceKeyInfo(b.name, b.version, b.id)));
      }),
      { numRuns: 300 },
    );
  });

  it('depends on both halves', () => {
    const k = toHex(deriveResourceKey(master, out, 'acme/x', 1, utf8('id')));
    expect(toHex(deriveResourceKey(new Uint8Array(32).fill(0x12), out, 'acme/x', 1, utf8('id')))).not.toBe(k);
    expect(toHex(deriveResourceKey(master, new Uint8Array(64).fill(0x23), 'acme/x', 1, utf8('id')))).not.toBe(k);
  });

  it('refuses bad fields by name', () => {
    expect(() => deriveResourceKey(master.subarray(1), out, 'acme/x', 1, utf8('id'))).toThrow(/masterHalf/);
    expect(() => deriveResourceKey(master, out.subarray(1), 'acme/x', 1, utf8('id'))).toThrow(/oprfOutput/);
    expect(() => deriveResourceKey(master, out, 'no-tenant', 1, utf8('id'))).toThrow(ParameterError);
    expect(() => deriveResourceKey(master, out, 'acme/x', 0, utf8('id'))).toThrow(/version/);
    expect(() => deriveResourceKey(master, out, 'acme/x', 1, new Uint8Array(0))).toThrow(/resourceId/);
    expect(() => deriveResourceKey(master, out, 'acme/x', 1, new Uint8Array(65536))).toThrow(/resourceId/);
  });
});
