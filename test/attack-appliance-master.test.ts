/**
 * Adversarial review: the sealed master half (client/master.ts) against a thief of the appliance
 * disk (reads the file) and someone who can edit or replace it. Real scrypt, real AES-GCM, real
 * files; nothing mocked.
 *
 * M1 (resisted) weaker scrypt parameters, another salt/nonce, a kdf swap, a flipped bit, a file
 *    sealed by the attacker under its own passphrase: all refused; nothing unseals to a value the
 *    attacker chose.
 * M2 (resisted) hostile parameters that would cost gigabytes / absurd work are refused before
 *    scrypt runs; a huge file is refused before it is read; errors never echo the passphrase.
 * M3 (resisted) creation does not write through a planted symlink (path or temp name) and the
 *    file is 0600 whatever the umask.
 * M4 loading does not refuse a sealed master file readable by other uids (0644), so a copy or a
 *    restore with loose permissions hands every local user an offline-guessable file (N = 2^15).
 * M5 `createMasterFile` seals under a one-character passphrase: with N = 2^15, r = 8 a thief of
 *    the disk tries the whole space of short passphrases offline.
 */
import { chmod, lstat, mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMasterFile, loadMaster, MasterError } from '../client/master.js';

let dir: string;
const PASS = 'appliance passphrase, long enough';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'splitkey-attack-master-'));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

const code = async (p: Promise<unknown>) => {
  try {
    await p;
    return 'OK';
  } catch (e) {
    return e instanceof MasterError ? `${e.code}:${e.field ?? ''}:${e.message}` : `other:${String(e)}`;
  }
};

describe('attack: sealed master half', () => {
  it('M1 (resisted): edited parameters, swapped salt/nonce/kdf, flipped bits and an attacker-sealed file never load', async () => {
    const path = join(dir, 'm1.json');
    await createMasterFile(path, { passphrase: PASS });
    const good = await loadMaster(path, { passphrase: PASS });
    const orig = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
    const variants: Record<string, unknown>[] = [
      { ...orig, scrypt: { N: 2, r: 1, p: 1 } }, // downgrade to trivial work
      { ...orig, scrypt: { N: 2 ** 14, r: 8, p: 1 } },
      { ...orig, salt: Buffer.alloc(16).toString('base64') },
      { ...orig, nonce: Buffer.alloc(12).toString('base64') },
      { format: orig.format, kdf: 'raw', nonce: orig.nonce, sealed: orig.sealed },
      { ...orig, sealed: (() => { const b = Buffer.from(orig.sealed as string, 'base64'); b[0]! ^= 1; return b.toString('base64'); })() },
      { ...orig, format: 'splitkey-master/v0' },
    ];
    for (const v of variants) {
      await writeFile(path, JSON.stringify(v));
      const r = await code(loadMaster(path, { passphrase: PASS }));
      expect(r).not.toBe('OK');
      expect(r).not.toContain(PASS);
    }
    // The attacker swaps in a file sealed with ITS passphrase (and its own, known master half).
    const evil = join(dir, 'evil.json');
    await createMasterFile(evil, { passphrase: 'attacker chosen words' });
    await writeFile(path, await readFile(evil));
    expect(await code(loadMaster(path, { passphrase: PASS }))).toMatch(/^MASTER_LOCKED/);
    // A raw-key file sealed under a key the attacker picked, offered to an appliance unlocked by passphrase.
    await createMasterFile(join(dir, 'evil-raw.json'), { key: new Uint8Array(32) });
    await writeFile(path, await readFile(join(dir, 'evil-raw.json')));
    expect(await code(loadMaster(path, { passphrase: PASS }))).toMatch(/^MASTER_LOCKED:kdf/);
    good.fill(0);
  }, 60_000);

  it('M2 (resisted): absurd scrypt parameters and oversized files are refused before any work', async () => {
    const path = join(dir, 'm2.json');
    await createMasterFile(path, { passphrase: PASS });
    const orig = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
    for (const sc of [{ N: 2 ** 30, r: 8, p: 1 }, { N: 2 ** 20, r: 32, p: 1 }, { N: 2 ** 15, r: 8, p: 1000 }, { N: 3, r: 8, p: 1 }, { N: 2 ** 15, r: 8, p: 1, x: 1 }]) {
      await writeFile(path, JSON.stringify({ ...orig, scrypt: sc }));
      const t0 = Date.now();
      expect(await code(loadMaster(path, { passphrase: PASS }))).toMatch(/^MASTER_FORMAT:scrypt/);
      expect(Date.now() - t0).toBeLessThan(1000);
    }
    await writeFile(path, ' '.repeat(10 * 2 ** 20));
    expect(await code(loadMaster(path, { passphrase: PASS }))).toMatch(/^MASTER_FORMAT:file/);
  }, 60_000);

  it('M3 (resisted): creation never writes through a planted symlink and the file is 0600', async () => {
    const victim = join(dir, 'victim.txt');
    await writeFile(victim, 'do not touch');
    const path = join(dir, 'm3.json');
    await symlink(victim, path);
    expect(await code(createMasterFile(path, { passphrase: PASS }))).toMatch(/^MASTER_EXISTS/);
    expect(await readFile(victim, 'utf8')).toBe('do not touch');
    const fresh = join(dir, 'm3b.json');
    const old = process.umask(0);
    try {
      await createMasterFile(fresh, { passphrase: PASS });
    } finally {
      process.umask(old);
    }
    expect((await stat(fresh)).mode & 0o777).toBe(0o600);
    expect((await lstat(fresh)).isFile()).toBe(true);
  }, 30_000);

  it('M4: a sealed master file readable by other uids is refused (like ssh refuses an unprotected key)', async () => {
    const path = join(dir, 'm4.json');
    await createMasterFile(path, { passphrase: PASS });
    await chmod(path, 0o644); // e.g. restored from a backup or copied with cp
    const r = await code(loadMaster(path, { passphrase: PASS }));
    console.log(`M4: loading a 0644 master file -> ${r.slice(0, 80)}`);
    expect(r).not.toBe('OK');
  }, 30_000);

  it('M5: a trivially guessable passphrase is refused when sealing', async () => {
    const path = join(dir, 'm5.json');
    const r = await code(createMasterFile(path, { passphrase: 'a' }));
    console.log(`M5: sealing under passphrase "a" -> ${r.slice(0, 80)}`);
    expect(r).not.toBe('OK');
  }, 30_000);
});
