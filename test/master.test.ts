/**
 * Master half file (client/master.ts): sealed at rest under scrypt(passphrase) or a raw key,
 * atomic 0600 writes, strict parsing, env unlock. Real files in a temp dir, real scrypt/GCM.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmod, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DEFAULT_SCRYPT,
  MASTER_FORMAT,
  MasterError,
  createMasterFile,
  loadMaster,
  unlockFromEnv,
  type MasterErrorCode,
} from '../client/master.js';
import { deterministicRng } from './helpers/rng.js';

let dir: string;
let n = 0;
const fresh = (): string => join(dir, `master-${n++}.json`);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'splitkey-master-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const KEY = Uint8Array.from({ length: 32 }, (_, i) => i + 1);
const OTHER_KEY = Uint8Array.from({ length: 32 }, (_, i) => 200 - i);
const PASS = 'correct horse battery staple';

async function expectMasterError(p: Promise<unknown>, code: MasterErrorCode, match?: RegExp | string): Promise<MasterError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(MasterError);
  const me = err as MasterError;
  expect(me.code).toBe(code);
  if (match) expect(me.message).toMatch(match);
  return me;
}

async function readJson(path: string): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
}

async function writeJson(path: string, obj: unknown): Promise<void> {
  await writeFile(path, JSON.stringify(obj), { mode: 0o600 });
}

describe('createMasterFile / loadMaster', () => {
  it('round-trips with a passphrase (scrypt N=2^15, r=8, p=1)', async () => {
    const path = fresh();
    const rng = deterministicRng('master-pass');
    const expected = deterministicRng('master-pass')(32); // the first 32 bytes drawn are the master half
    await createMasterFile(path, { passphrase: PASS }, rng);
    const master = await loadMaster(path, { passphrase: PASS });
    expect(master).toEqual(expected);
    const json = await readJson(path);
    expect(json.format).toBe(MASTER_FORMAT);
    expect(json.kdf).toBe('scrypt');
    expect(json.scrypt).toEqual({ N: 2 ** 15, r: 8, p: 1 });
    expect(DEFAULT_SCRYPT).toEqual({ N: 2 ** 15, r: 8, p: 1 });
    expect(Buffer.from(json.salt as string, 'base64')).toHaveLength(16);
    expect(Buffer.from(json.nonce as string, 'base64')).toHaveLength(12);
    expect(Buffer.from(json.sealed as string, 'base64')).toHaveLength(48);
    // The master half is never in the file.
    const text = await readFile(path, 'utf8');
    expect(text).not.toContain(Buffer.from(expected).toString('base64'));
    expect(text).not.toContain(Buffer.from(expected).toString('hex'));
  });

  it('round-trips with a raw key and returns random 32 bytes by default', async () => {
    const a = fresh();
    const b = fresh();
    await createMasterFile(a, { key: KEY });
    await createMasterFile(b, { key: KEY });
    const ma = await loadMaster(a, { key: KEY });
    const mb = await loadMaster(b, { key: KEY });
    expect(ma).toHaveLength(32);
    expect(ma).not.toEqual(mb);
    const json = await readJson(a);
    expect(Object.keys(json).sort()).toEqual(['format', 'kdf', 'nonce', 'sealed']);
    expect(json.kdf).toBe('raw');
  });

  it('normalizes the passphrase (NFC)', async () => {
    const path = fresh();
    await createMasterFile(path, { passphrase: 'caf\u00e9 au lait, s.v.p.' });
    const m1 = await loadMaster(path, { passphrase: 'caf\u00e9 au lait, s.v.p.' });
    const m2 = await loadMaster(path, { passphrase: 'cafe\u0301 au lait, s.v.p.' });
    expect(m2).toEqual(m1);
  });

  it('writes mode 0600 and leaves no temp file', async () => {
    const path = fresh();
    const old = process.umask(0o000);
    try {
      await createMasterFile(path, { key: KEY });
    } finally {
      process.umask(old);
    }
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('refuses to overwrite unless asked, and overwrite replaces atomically', async () => {
    const path = fresh();
    await createMasterFile(path, { key: KEY });
    const before = await loadMaster(path, { key: KEY });
    const original = await readFile(path, 'utf8');
    await expectMasterError(createMasterFile(path, { key: KEY }), 'MASTER_EXISTS', /already exists/);
    await expectMasterError(createMasterFile(path, { passphrase: PASS }, { overwrite: false }), 'MASTER_EXISTS');
    expect(await readFile(path, 'utf8')).toBe(original);
    expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);

    await createMasterFile(path, { key: OTHER_KEY }, { overwrite: true });
    const after = await loadMaster(path, { key: OTHER_KEY });
    expect(after).not.toEqual(before);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
  });

  it('wrong passphrase → MASTER_LOCKED, message names it and holds no bytes', async () => {
    const path = fresh();
    await createMasterFile(path, { passphrase: PASS });
    const master = await loadMaster(path, { passphrase: PASS });
    const err = await expectMasterError(loadMaster(path, { passphrase: 'Correct horse battery staple' }), 'MASTER_LOCKED', /wrong passphrase/);
    const text = await readFile(path, 'utf8');
    const json = JSON.parse(text) as Record<string, string>;
    for (const secret of [Buffer.from(master).toString('hex'), Buffer.from(master).toString('base64'), PASS, json.sealed!, json.salt!]) {
      expect(err.message).not.toContain(secret);
    }
  });

  it('wrong key → MASTER_LOCKED', async () => {
    const path = fresh();
    await createMasterFile(path, { key: KEY });
    await expectMasterError(loadMaster(path, { key: OTHER_KEY }), 'MASTER_LOCKED', /wrong key/);
  });

  it('unlock kind that does not match the file → MASTER_LOCKED', async () => {
    const p1 = fresh();
    const p2 = fresh();
    await createMasterFile(p1, { key: KEY });
    await createMasterFile(p2, { passphrase: PASS });
    await expectMasterError(loadMaster(p1, { passphrase: PASS }), 'MASTER_LOCKED', /SPLITKEY_MASTER_KEY/);
    await expectMasterError(loadMaster(p2, { key: KEY }), 'MASTER_LOCKED', /SPLITKEY_MASTER_PASSPHRASE/);
  });

  it('caller mistakes throw TypeError/RangeError', async () => {
    const path = fresh();
    await expect(createMasterFile(path, { key: new Uint8Array(31) })).rejects.toThrow(RangeError);
    await expect(createMasterFile(path, { passphrase: '' })).rejects.toThrow(RangeError);
    await expect(createMasterFile(path, {} as never)).rejects.toThrow(TypeError);
  });

  it('missing file → MASTER_IO naming the path', async () => {
    const path = join(dir, 'nope.json');
    await expectMasterError(loadMaster(path, { key: KEY }), 'MASTER_IO', path);
  });

  describe('tampered files', () => {
    let passFile: string;
    let keyFile: string;
    let passJson: Record<string, unknown>;
    let keyJson: Record<string, unknown>;

    beforeAll(async () => {
      passFile = fresh();
      keyFile = fresh();
      await createMasterFile(passFile, { passphrase: PASS });
      await createMasterFile(keyFile, { key: KEY });
      passJson = await readJson(passFile);
      keyJson = await readJson(keyFile);
    });

    const flipB64 = (s: string, at = 0): string => {
      const b = Buffer.from(s, 'base64');
      b[at] = b[at]! ^ 0x01;
      return b.toString('base64');
    };

    // Valid shape, wrong content: authentication fails.
    const lockedCases: [string, (j: Record<string, unknown>) => Record<string, unknown>, 'pass' | 'key'][] = [
      ['sealed byte flipped', (j) => ({ ...j, sealed: flipB64(j.sealed as string) }), 'key'],
      ['sealed tag flipped', (j) => ({ ...j, sealed: flipB64(j.sealed as string, 47) }), 'pass'],
      ['nonce flipped', (j) => ({ ...j, nonce: flipB64(j.nonce as string) }), 'key'],
      ['salt flipped', (j) => ({ ...j, salt: flipB64(j.salt as string) }), 'pass'],
      ['scrypt.N lowered (in AAD)', (j) => ({ ...j, scrypt: { N: 2 ** 14, r: 8, p: 1 } }), 'pass'],
      ['scrypt.p raised (in AAD)', (j) => ({ ...j, scrypt: { N: 2 ** 15, r: 8, p: 2 } }), 'pass'],
    ];
    for (const [name, mutate, which] of lockedCases) {
      it(`${name} → MASTER_LOCKED`, async () => {
        const path = fresh();
        await writeJson(path, mutate(which === 'pass' ? passJson : keyJson));
        const unlock = which === 'pass' ? { passphrase: PASS } : { key: KEY };
        await expectMasterError(loadMaster(path, unlock), 'MASTER_LOCKED', /wrong (passphrase|key)/);
      });
    }

    it('kdf swapped scrypt → raw (key-sealed file relabelled) → fails', async () => {
      // A passphrase file relabelled as raw (salt/scrypt removed) does not open with any key.
      const path = fresh();
      const { salt: _s, scrypt: _p, ...rest } = passJson;
      await writeJson(path, { ...rest, kdf: 'raw' });
      await expectMasterError(loadMaster(path, { key: KEY }), 'MASTER_LOCKED');
    });

    // Malformed: MASTER_FORMAT naming the field.
    const formatCases: [string, string | ((j: Record<string, unknown>) => unknown), string, 'pass' | 'key'][] = [
      ['not JSON', '{"format": ', 'json', 'key'],
      ['an array', '[]', 'json', 'key'],
      ['wrong format', (j) => ({ ...j, format: 'splitkey-master/v2' }), 'format', 'key'],
      ['missing format', ({ format: _f, ...j }) => j, 'format', 'key'],
      ['unknown kdf', (j) => ({ ...j, kdf: 'argon2id' }), 'kdf', 'key'],
      ['unknown field', (j) => ({ ...j, extra: 1 }), 'extra', 'key'],
      ['nonce too short', (j) => ({ ...j, nonce: Buffer.alloc(11).toString('base64') }), 'nonce', 'key'],
      ['nonce not base64', (j) => ({ ...j, nonce: '!!!!' }), 'nonce', 'key'],
      ['nonce not a string', (j) => ({ ...j, nonce: 12 }), 'nonce', 'key'],
      ['sealed too long', (j) => ({ ...j, sealed: Buffer.alloc(49).toString('base64') }), 'sealed', 'key'],
      ['sealed missing', ({ sealed: _s, ...j }) => j, 'sealed', 'key'],
      ['salt with kdf raw', (j) => ({ ...j, salt: Buffer.alloc(16).toString('base64') }), 'salt', 'key'],
      ['salt missing', ({ salt: _s, ...j }) => j, 'salt', 'pass'],
      ['salt too short', (j) => ({ ...j, salt: Buffer.alloc(8).toString('base64') }), 'salt', 'pass'],
      ['scrypt missing', ({ scrypt: _s, ...j }) => j, 'scrypt', 'pass'],
      ['scrypt.N not a power of two', (j) => ({ ...j, scrypt: { N: 30000, r: 8, p: 1 } }), 'scrypt.N', 'pass'],
      ['scrypt.N huge (DoS)', (j) => ({ ...j, scrypt: { N: 2 ** 24, r: 8, p: 1 } }), 'scrypt.N', 'pass'],
      ['scrypt.r zero', (j) => ({ ...j, scrypt: { N: 2 ** 15, r: 0, p: 1 } }), 'scrypt.r', 'pass'],
      ['scrypt.p string', (j) => ({ ...j, scrypt: { N: 2 ** 15, r: 8, p: '1' } }), 'scrypt.p', 'pass'],
      ['scrypt extra field', (j) => ({ ...j, scrypt: { N: 2 ** 15, r: 8, p: 1, dkLen: 64 } }), 'scrypt.dkLen', 'pass'],
    ];
    for (const [name, mutate, field, which] of formatCases) {
      it(`${name} → MASTER_FORMAT (${field})`, async () => {
        const path = fresh();
        if (typeof mutate === 'string') await writeFile(path, mutate, { mode: 0o600 });
        else await writeJson(path, mutate(which === 'pass' ? passJson : keyJson));
        const unlock = which === 'pass' ? { passphrase: PASS } : { key: KEY };
        const err = await expectMasterError(loadMaster(path, unlock), 'MASTER_FORMAT');
        expect(err.field).toBe(field);
        expect(err.message).toContain(field);
      });
    }

    it('oversized file → MASTER_FORMAT', async () => {
      const path = fresh();
      await writeFile(path, ' '.repeat(100_000), { mode: 0o600 });
      await expectMasterError(loadMaster(path, { key: KEY }), 'MASTER_FORMAT', /too large/);
    });

    it('a file other users may read or write → MASTER_FORMAT (mode), naming the fix; a short passphrase is refused when sealing', async () => {
      const path = fresh();
      await createMasterFile(path, { key: KEY });
      for (const mode of [0o644, 0o640, 0o602]) {
        await chmod(path, mode);
        const err = await expectMasterError(loadMaster(path, { key: KEY }), 'MASTER_FORMAT', new RegExp(`mode ${mode.toString(8)}\\): chmod 600 `));
        expect(err.field).toBe('mode');
      }
      await chmod(path, 0o600);
      expect(await loadMaster(path, { key: KEY })).toHaveLength(32);
      await expect(createMasterFile(fresh(), { passphrase: 'eleven char' })).rejects.toThrow(/at least 12 characters to seal a master half \(got 11\)/);
    });
  });
});

describe('unlockFromEnv', () => {
  it('passphrase from SPLITKEY_MASTER_PASSPHRASE', () => {
    expect(unlockFromEnv({ SPLITKEY_MASTER_PASSPHRASE: PASS })).toEqual({ passphrase: PASS });
  });

  it('key from SPLITKEY_MASTER_KEY (64 hex, either case, surrounding space trimmed)', () => {
    const hex = Buffer.from(KEY).toString('hex');
    expect(unlockFromEnv({ SPLITKEY_MASTER_KEY: hex })).toEqual({ key: KEY });
    expect(unlockFromEnv({ SPLITKEY_MASTER_KEY: ` ${hex.toUpperCase()}\n` })).toEqual({ key: KEY });
  });

  it('neither → MASTER_LOCKED naming both variables; empty counts as unset', () => {
    for (const env of [{}, { SPLITKEY_MASTER_PASSPHRASE: '' }, { SPLITKEY_MASTER_KEY: '' }]) {
      let err: unknown;
      try {
        unlockFromEnv(env);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(MasterError);
      expect((err as MasterError).code).toBe('MASTER_LOCKED');
      expect((err as MasterError).message).toMatch(/SPLITKEY_MASTER_PASSPHRASE.*SPLITKEY_MASTER_KEY/);
    }
  });

  it('both set → MASTER_LOCKED (ambiguous)', () => {
    expect(() =>
      unlockFromEnv({ SPLITKEY_MASTER_PASSPHRASE: PASS, SPLITKEY_MASTER_KEY: Buffer.from(KEY).toString('hex') }),
    ).toThrow(/only one/);
  });

  it('malformed key → MASTER_FORMAT without echoing the value', () => {
    const bad = 'zz' + Buffer.from(KEY).toString('hex').slice(2);
    for (const value of [bad, Buffer.from(KEY).toString('hex').slice(2), Buffer.from(KEY).toString('base64')]) {
      let err: unknown;
      try {
        unlockFromEnv({ SPLITKEY_MASTER_KEY: value });
      } catch (e) {
        err = e;
      }
      expect((err as MasterError).code).toBe('MASTER_FORMAT');
      expect((err as MasterError).field).toBe('SPLITKEY_MASTER_KEY');
      expect((err as MasterError).message).not.toContain(value);
    }
  });

  it('defaults to process.env and unlocks a real file', async () => {
    const path = fresh();
    await createMasterFile(path, { key: KEY });
    const saved = { p: process.env.SPLITKEY_MASTER_PASSPHRASE, k: process.env.SPLITKEY_MASTER_KEY };
    try {
      delete process.env.SPLITKEY_MASTER_PASSPHRASE;
      process.env.SPLITKEY_MASTER_KEY = Buffer.from(KEY).toString('hex');
      const master = await loadMaster(path, unlockFromEnv());
      expect(master).toHaveLength(32);
    } finally {
      if (saved.p === undefined) delete process.env.SPLITKEY_MASTER_PASSPHRASE;
      else process.env.SPLITKEY_MASTER_PASSPHRASE = saved.p;
      if (saved.k === undefined) delete process.env.SPLITKEY_MASTER_KEY;
      else process.env.SPLITKEY_MASTER_KEY = saved.k;
    }
  });
});
