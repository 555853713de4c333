/** DESIGN.md step 6: the resource key's HKDF and its unambiguous, length-prefixed info encoding. */
import fc from 'fast-check';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { describe, expect, it } from 'vitest';
import {
  MASTER_HALF_LENGTH,
  MAX_KEY_NAME_LENGTH,
  MAX_RESOURCE_ID_LENGTH,
  ParameterError,
  RESOURCE_KEY_LENGTH,
  checkKeyName,
  checkResourceId,
  checkVersion,
  deriveResourceKey,
  resourceKeyInfo,
  toHex,
  utf8,
} from '../crypto/index.js';

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
    // A wiped (all-zero) master half would give a key whoever holds the nodes can compute.
    expect(() => deriveResourceKey(new Uint8Array(32), out, 'acme/x', 1, utf8('id'))).toThrow(/masterHalf: is all zero/);
    expect(() => deriveResourceKey(master, out.subarray(1), 'acme/x', 1, utf8('id'))).toThrow(/oprfOutput/);
    expect(() => deriveResourceKey(master, out, 'no-tenant', 1, utf8('id'))).toThrow(ParameterError);
    expect(() => deriveResourceKey(master, out, 'acme/x', 0, utf8('id'))).toThrow(/version/);
    expect(() => deriveResourceKey(master, out, 'acme/x', 1, new Uint8Array(0))).toThrow(/resourceId/);
    expect(() => deriveResourceKey(master, out, 'acme/x', 1, new Uint8Array(65536))).toThrow(/resourceId/);
  });
});

describe('field checks (DESIGN.md: key names are tenant/label)', () => {
  it('key names: tenant of 1..63, then "/"-separated segments of [a-z0-9._-] starting with [a-z0-9], no "..", at most 255 bytes', () => {
    const good = ['a/b', '0/x', 'acme/disks', 'a.b_c-d/x.y_z-1/sub/dir', `a${'b'.repeat(62)}/x`, 'acme/9', 'acme/a.b', `a/${'x'.repeat(253)}`];
    const bad = [
      'Acme/x', 'acme/X', 'acme', '/x', 'acme/', '.acme/x', '-a/x', '_a/x', `a${'b'.repeat(63)}/x`, 'acme//x', 'acme/x/', 'acme/.hidden',
      'acme/-', 'acme/x y', 'acme/é', 'acme/x\n', ' acme/x', 'acme/x ', 'a b/x', 'acme/x!', 'ac\\me/x', 'acme/a..b', 'a..b/x',
      `a/${'x'.repeat(254)}`, '',
    ];
    for (const name of good) expect(() => checkKeyName(name), name).not.toThrow();
    for (const name of bad) {
      expect(() => checkKeyName(name), JSON.stringify(name)).toThrow(ParameterError);
      expect(() => checkKeyName(name), JSON.stringify(name)).toThrow(/^keyName: must look like tenant\/label \(.*at most 255 bytes\), got "/);
    }
    expect(() => checkKeyName(42 as unknown as string, 'name')).toThrow(/^name: .*, got number$/);
    // Not a string, even one that prints as a good name.
    expect(() => checkKeyName({ toString: () => 'acme/x' } as unknown as string)).toThrow(/, got object$/);
    expect(() => checkKeyName('Acme/x', 'name')).toThrow(/, got "Acme\/x"$/);
    // A long name is quoted cut short: 77 characters of its JSON form, then an ellipsis.
    expect(() => checkKeyName(`A/${'x'.repeat(100)}`)).toThrow(new RegExp(`, got "A/x{74}…"$`));
    expect(() => checkKeyName(`A/${'x'.repeat(76)}`)).toThrow(new RegExp(`, got "A/x{76}"$`)); // exactly 80 characters quoted: whole
    expect(MAX_KEY_NAME_LENGTH).toBe(255);
  });

  it('versions: integers in [1, 2^32-1]', () => {
    for (const v of [1, 2 ** 32 - 1]) expect(() => checkVersion(v)).not.toThrow();
    for (const v of [0, -1, 2 ** 32, 1.5, Number.NaN]) expect(() => checkVersion(v)).toThrow(`version: must be an integer in [1, 2^32-1], got ${v}`);
    expect(() => checkVersion(0, 'toVersion')).toThrow(/^toVersion: /);
    expect([...resourceKeyInfo('a/b', 2 ** 32 - 1, Uint8Array.of(1)).subarray(5, 9)]).toEqual([255, 255, 255, 255]);
  });

  it('resource ids: byte strings of 1..65535 bytes', () => {
    expect(MAX_RESOURCE_ID_LENGTH).toBe(65535);
    for (const n of [1, 65535]) expect(() => checkResourceId(new Uint8Array(n))).not.toThrow();
    for (const n of [0, 65536]) expect(() => checkResourceId(new Uint8Array(n))).toThrow(`resourceId: must be 1..65535 bytes, got ${n}`);
    expect(() => checkResourceId('id' as unknown as Uint8Array)).toThrow('resourceId: expected a byte string');
    expect(() => checkResourceId(new Uint8Array(0), 'id')).toThrow(/^id: /);
  });

  it('deriveResourceKey: halves of exactly 32 and 64 bytes, byte strings only', () => {
    expect([MASTER_HALF_LENGTH, RESOURCE_KEY_LENGTH]).toEqual([32, 32]);
    expect(deriveResourceKey(master, out, 'acme/x', 1, utf8('id'))).toHaveLength(32);
    expect(() => deriveResourceKey(new Uint8Array(33), out, 'acme/x', 1, utf8('id'))).toThrow('masterHalf: expected 32 bytes');
    expect(() => deriveResourceKey([...master] as unknown as Uint8Array, out, 'acme/x', 1, utf8('id'))).toThrow('masterHalf: expected 32 bytes');
    expect(() => deriveResourceKey(master, new Uint8Array(65), 'acme/x', 1, utf8('id'))).toThrow('oprfOutput: expected 64 bytes');
    expect(() => deriveResourceKey(master, [...out] as unknown as Uint8Array, 'acme/x', 1, utf8('id'))).toThrow('oprfOutput: expected 64 bytes');
    // The inputs are left as they were.
    expect(master.every((b) => b === 0x11) && out.every((b) => b === 0x22)).toBe(true);
  });
});
