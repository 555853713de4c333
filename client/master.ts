/**
 * The appliance's master half (DESIGN.md § "splitkey — design": a 32-byte secret that the
 * customer's appliance holds, sealed at rest). It is never written unsealed: the file holds it
 * under AES-256-GCM with a key from scrypt(passphrase) or a raw 32-byte seal key.
 *
 * File format (JSON, mode 0600, written atomically):
 *
 * ```json
 * { "format": "splitkey-master/v1", "kdf": "scrypt", "salt": "<b64>", "scrypt": { "N": 32768, "r": 8, "p": 1 },
 *   "nonce": "<b64 12 bytes>", "sealed": "<b64 48 bytes>" }
 * { "format": "splitkey-master/v1", "kdf": "raw", "nonce": "…", "sealed": "…" }
 * ```
 *
 * `sealed = AES-256-GCM(sealKey, nonce, masterHalf, AAD)` where AAD is the format string and the
 * KDF parameters (`splitkey-master/v1\nkdf=scrypt\nN=32768\nr=8\np=1\nsalt=<b64>` or
 * `splitkey-master/v1\nkdf=raw`), so neither can be swapped without failing authentication.
 * Passphrases are Unicode-normalized (NFC) before scrypt.
 * @module
 */
import { randomBytes, scrypt } from 'node:crypto';
import { link, open, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Rng } from '../crypto/envelope.js';
import { nodeAesGcm } from './aead-node.js';
import { errnoText, syncDir } from './fs-util.js';
import { systemRng } from '../crypto/bytes.js';

export const MASTER_FORMAT = 'splitkey-master/v1';
export const MASTER_LENGTH = 32;
/** scrypt parameters for new files: N = 2^15, r = 8, p = 1 (≈ 32 MiB, ~0.1 s). */
export const DEFAULT_SCRYPT = Object.freeze({ N: 2 ** 15, r: 8, p: 1 });

const SALT_LENGTH = 16;
const NONCE_LENGTH = 12;
const SEALED_LENGTH = MASTER_LENGTH + 16;
const MAX_FILE_BYTES = 64 * 1024;
/** Bounds accepted when loading (a hostile file must not make us allocate gigabytes). */
const SCRYPT_MAX_MEMORY = 1024 * 1024 * 1024; // 128·N·r ≤ 1 GiB
const SCRYPT_MAX_P = 16;
const SCRYPT_MAX_R = 32;

export const ENV_PASSPHRASE = 'SPLITKEY_MASTER_PASSPHRASE';
export const ENV_KEY = 'SPLITKEY_MASTER_KEY';

/** How the master file is unlocked: a passphrase (scrypt) or a raw 32-byte seal key. */
export type MasterUnlock = { passphrase: string } | { key: Uint8Array };

export type MasterErrorCode =
  | 'MASTER_LOCKED' // no / wrong passphrase or key (or a modified file: GCM cannot tell them apart)
  | 'MASTER_FORMAT' // the file (or an environment variable) is malformed; `field` names what
  | 'MASTER_EXISTS' // createMasterFile refused to overwrite an existing file
  | 'MASTER_IO'; // the file could not be read or written

/** A failure to create, load or unlock the master half. Never carries secret bytes. */
export class MasterError extends Error {
  override readonly name = 'MasterError';
  constructor(
    readonly code: MasterErrorCode,
    /** The file field or variable at fault, when there is one. */
    readonly field: string | undefined,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface CreateMasterOptions {
  /** Replace an existing file (atomically). Default false: an existing file is an error. */
  overwrite?: boolean;
  /** Randomness for the master half, salt and nonce. Default node:crypto randomBytes. */
  rng?: Rng;
}

interface ScryptParams {
  N: number;
  r: number;
  p: number;
}

interface MasterFile {
  format: typeof MASTER_FORMAT;
  kdf: 'scrypt' | 'raw';
  salt?: string;
  scrypt?: ScryptParams;
  nonce: string;
  sealed: string;
}

const defaultRng: Rng = systemRng;

function draw(rng: Rng, n: number, title: string): Uint8Array {
  const out = rng(n);
  if (!(out instanceof Uint8Array) || out.length !== n) throw new RangeError(`rng for ${title}: expected ${n} bytes`);
  return Uint8Array.from(out);
}

function b64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/** Strict base64: only the canonical encoding of the decoded bytes is accepted. */
function fromB64(value: unknown, field: string, min: number, max: number): Uint8Array {
  if (typeof value !== 'string') throw formatError(field, 'expected a base64 string');
  const bytes = Buffer.from(value, 'base64');
  if (bytes.toString('base64') !== value) throw formatError(field, 'not canonical base64');
  if (bytes.length < min || bytes.length > max) {
    throw formatError(field, `expected ${min === max ? min : `${min}..${max}`} bytes, got ${bytes.length}`);
  }
  return new Uint8Array(bytes);
}

function formatError(field: string, detail: string): MasterError {
  return new MasterError('MASTER_FORMAT', field, `master file field "${field}": ${detail}`);
}

function ioError(op: string, path: string, cause: unknown): MasterError {
  return new MasterError('MASTER_IO', undefined, `cannot ${op} master file ${path}: ${errnoText(cause)}`, { cause });
}

/** The shortest passphrase `createMasterFile` seals under (characters, after NFC). */
export const MIN_PASSPHRASE_CHARS = 12;

function checkUnlock(unlock: MasterUnlock): 'passphrase' | 'key' {
  if (unlock === null || typeof unlock !== 'object') throw new TypeError('unlock: expected { passphrase } or { key }');
  if ('passphrase' in unlock) {
    if (typeof unlock.passphrase !== 'string') throw new TypeError('unlock.passphrase: expected a string');
    if (unlock.passphrase.length === 0) throw new RangeError('unlock.passphrase: must not be empty');
    return 'passphrase';
  }
  if ('key' in unlock) {
    if (!(unlock.key instanceof Uint8Array)) throw new TypeError('unlock.key: expected a Uint8Array');
    if (unlock.key.length !== MASTER_LENGTH) {
      throw new RangeError(`unlock.key: expected ${MASTER_LENGTH} bytes, got ${unlock.key.length}`);
    }
    return 'key';
  }
  throw new TypeError('unlock: expected { passphrase } or { key }');
}

function checkScrypt(value: unknown): ScryptParams {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw formatError('scrypt', 'expected an object { N, r, p }');
  }
  const obj = value as Record<string, unknown>;
  for (const k of Object.keys(obj)) {
    if (k !== 'N' && k !== 'r' && k !== 'p') throw formatError(`scrypt.${k}`, 'unknown field');
  }
  const int = (k: 'N' | 'r' | 'p', min: number, max: number): number => {
    const v = obj[k];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      throw formatError(`scrypt.${k}`, `expected an integer in ${min}..${max}`);
    }
    return v;
  };
  const N = int('N', 2, 2 ** 30);
  if ((N & (N - 1)) !== 0) throw formatError('scrypt.N', 'expected a power of two');
  const r = int('r', 1, SCRYPT_MAX_R);
  const p = int('p', 1, SCRYPT_MAX_P);
  if (128 * N * r > SCRYPT_MAX_MEMORY) throw formatError('scrypt.N', 'needs more than 1 GiB of memory (128·N·r)');
  return { N, r, p };
}

/** Associated data: the format and every KDF parameter, so none of them can be swapped. */
function buildAad(kdf: 'scrypt' | 'raw', salt?: Uint8Array, params?: ScryptParams): Uint8Array {
  const lines = [MASTER_FORMAT, `kdf=${kdf}`];
  if (kdf === 'scrypt' && salt && params) {
    lines.push(`N=${params.N}`, `r=${params.r}`, `p=${params.p}`, `salt=${b64(salt)}`);
  }
  return new Uint8Array(Buffer.from(lines.join('\n'), 'utf8'));
}

function scryptKey(passphrase: string, salt: Uint8Array, params: ScryptParams): Promise<Uint8Array> {
  const password = Buffer.from(passphrase.normalize('NFC'), 'utf8');
  return new Promise((resolve, reject) => {
    scrypt(
      password,
      salt,
      32,
      { N: params.N, r: params.r, p: params.p, maxmem: 256 * params.N * params.r + 16 * 1024 * 1024 },
      (err, key) => {
        password.fill(0);
        if (err) reject(err);
        else {
          const out = new Uint8Array(key);
          key.fill(0);
          resolve(out);
        }
      },
    );
  });
}

/**
 * Creates a new master half (32 random bytes) and writes it, sealed, to `path`: mode 0600,
 * atomically (temp file in the same directory, fsync, then link/rename). Refuses to replace an
 * existing file unless `overwrite` is set. Returns nothing: load it with `loadMaster`.
 * The third argument may be an `Rng` (shorthand for `{ rng }`) or the options.
 */
export async function createMasterFile(
  path: string,
  unlock: MasterUnlock,
  options: Rng | CreateMasterOptions = {},
): Promise<void> {
  const opts: CreateMasterOptions = typeof options === 'function' ? { rng: options } : options;
  const rng = opts.rng ?? defaultRng;
  const kind = checkUnlock(unlock);
  if (kind === 'passphrase') {
    // Checked when sealing only (a file sealed before this rule still opens): a thief of the disk
    // guesses offline at scrypt's cost, so a short passphrase falls quickly.
    const chars = [...(unlock as { passphrase: string }).passphrase.normalize('NFC')].length;
    if (chars < MIN_PASSPHRASE_CHARS) {
      throw new RangeError(`unlock.passphrase: at least ${MIN_PASSPHRASE_CHARS} characters to seal a master half (got ${chars}); a few random words, or a raw key (SPLITKEY_MASTER_KEY)`);
    }
  }

  const master = draw(rng, MASTER_LENGTH, 'master half');
  let sealKey: Uint8Array | undefined;
  let file: MasterFile;
  try {
    let aad: Uint8Array;
    let salt: Uint8Array | undefined;
    if (kind === 'passphrase') {
      salt = draw(rng, SALT_LENGTH, 'salt');
      const params = { ...DEFAULT_SCRYPT };
      sealKey = await scryptKey((unlock as { passphrase: string }).passphrase, salt, params);
      aad = buildAad('scrypt', salt, params);
    } else {
      sealKey = Uint8Array.from((unlock as { key: Uint8Array }).key);
      aad = buildAad('raw');
    }
    const nonce = draw(rng, NONCE_LENGTH, 'nonce');
    const sealed = nodeAesGcm.seal(sealKey, nonce, master, aad);
    file =
      kind === 'passphrase'
        ? {
            format: MASTER_FORMAT,
            kdf: 'scrypt',
            salt: b64(salt!),
            scrypt: { ...DEFAULT_SCRYPT },
            nonce: b64(nonce),
            sealed: b64(sealed),
          }
        : { format: MASTER_FORMAT, kdf: 'raw', nonce: b64(nonce), sealed: b64(sealed) };
  } finally {
    master.fill(0);
    sealKey?.fill(0);
  }
  const text = `${JSON.stringify(file, null, 2)}\n`;

  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  let tmpExists = false;
  try {
    let fh;
    try {
      fh = await open(tmp, 'wx', 0o600);
      tmpExists = true;
    } catch (err) {
      throw ioError('create', path, err);
    }
    try {
      await fh.chmod(0o600); // explicit, whatever the umask
      await fh.writeFile(text, 'utf8');
      await fh.sync();
    } catch (err) {
      throw ioError('write', path, err);
    } finally {
      await fh.close();
    }
    if (opts.overwrite) {
      try {
        await rename(tmp, path);
        tmpExists = false;
      } catch (err) {
        throw ioError('replace', path, err);
      }
    } else {
      // link() fails atomically if `path` exists: no check-then-rename race.
      try {
        await link(tmp, path);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'EEXIST') {
          throw new MasterError('MASTER_EXISTS', undefined, `master file ${path} already exists (refusing to overwrite)`);
        }
        // Filesystems without hard links: fall back to check + rename.
        if (await exists(path)) {
          throw new MasterError('MASTER_EXISTS', undefined, `master file ${path} already exists (refusing to overwrite)`);
        }
        try {
          await rename(tmp, path);
          tmpExists = false;
        } catch (err2) {
          throw ioError('create', path, err2);
        }
      }
    }
    await syncDir(dir);
  } finally {
    if (tmpExists) await unlink(tmp).catch(() => undefined);
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

async function readMasterText(path: string): Promise<string> {
  let fh;
  try {
    fh = await open(path, 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new MasterError('MASTER_IO', undefined, `master file ${path} does not exist (create one first)`, {
        cause: err,
      });
    }
    throw ioError('open', path, err);
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new MasterError('MASTER_FORMAT', 'file', `master file ${path} is not a regular file`);
    // Like ssh with a private key: a sealed master half others may read is open to offline guessing.
    if ((st.mode & 0o066) !== 0) {
      throw new MasterError('MASTER_FORMAT', 'mode', `master file ${path} may be read or written by other users (mode ${(st.mode & 0o777).toString(8)}): chmod 600 ${path}`);
    }
    if (st.size > MAX_FILE_BYTES) {
      throw new MasterError('MASTER_FORMAT', 'file', `master file ${path} is too large (${st.size} bytes)`);
    }
    return await fh.readFile('utf8');
  } catch (err) {
    if (err instanceof MasterError) throw err;
    throw ioError('read', path, err);
  } finally {
    await fh.close();
  }
}

/** Parses and validates the file; every error names the field. */
function parseMasterFile(text: string): { kdf: 'scrypt' | 'raw'; salt?: Uint8Array; params?: ScryptParams; nonce: Uint8Array; sealed: Uint8Array } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw formatError('json', 'not valid JSON');
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw formatError('json', 'expected an object');
  const obj = json as Record<string, unknown>;
  const allowed = new Set(['format', 'kdf', 'salt', 'scrypt', 'nonce', 'sealed']);
  for (const k of Object.keys(obj)) if (!allowed.has(k)) throw formatError(k, 'unknown field');
  if (obj.format !== MASTER_FORMAT) throw formatError('format', `expected "${MASTER_FORMAT}"`);
  const kdf = obj.kdf;
  if (kdf !== 'scrypt' && kdf !== 'raw') throw formatError('kdf', 'expected "scrypt" or "raw"');
  let salt: Uint8Array | undefined;
  let params: ScryptParams | undefined;
  if (kdf === 'scrypt') {
    salt = fromB64(obj.salt, 'salt', 16, 64);
    params = checkScrypt(obj.scrypt);
  } else {
    if (obj.salt !== undefined) throw formatError('salt', 'not allowed with kdf "raw"');
    if (obj.scrypt !== undefined) throw formatError('scrypt', 'not allowed with kdf "raw"');
  }
  const nonce = fromB64(obj.nonce, 'nonce', NONCE_LENGTH, NONCE_LENGTH);
  const sealed = fromB64(obj.sealed, 'sealed', SEALED_LENGTH, SEALED_LENGTH);
  return { kdf, salt, params, nonce, sealed };
}

/**
 * Reads and unseals the master half. Wrong passphrase or key (or a modified file) →
 * MasterError MASTER_LOCKED; malformed file → MASTER_FORMAT naming the field; unreadable → MASTER_IO.
 * The caller owns the returned 32 bytes and should zero them when done.
 */
export async function loadMaster(path: string, unlock: MasterUnlock): Promise<Uint8Array> {
  const kind = checkUnlock(unlock);
  const f = parseMasterFile(await readMasterText(path));
  if (f.kdf === 'scrypt' && kind !== 'passphrase') {
    throw new MasterError(
      'MASTER_LOCKED',
      'kdf',
      `master file ${path} is sealed with a passphrase (kdf "scrypt") but a key was given; set ${ENV_PASSPHRASE}`,
    );
  }
  if (f.kdf === 'raw' && kind !== 'key') {
    throw new MasterError(
      'MASTER_LOCKED',
      'kdf',
      `master file ${path} is sealed with a raw key (kdf "raw") but a passphrase was given; set ${ENV_KEY}`,
    );
  }
  const sealKey =
    f.kdf === 'scrypt'
      ? await scryptKey((unlock as { passphrase: string }).passphrase, f.salt!, f.params!)
      : Uint8Array.from((unlock as { key: Uint8Array }).key);
  try {
    let master: Uint8Array;
    try {
      master = nodeAesGcm.open(sealKey, f.nonce, f.sealed, buildAad(f.kdf, f.salt, f.params));
    } catch {
      const what = f.kdf === 'scrypt' ? 'wrong passphrase' : 'wrong key';
      throw new MasterError('MASTER_LOCKED', undefined, `cannot unlock master file ${path}: ${what} (or the file was modified)`);
    }
    if (master.length !== MASTER_LENGTH) {
      master.fill(0);
      throw formatError('sealed', `unsealed to ${master.length} bytes`);
    }
    return master;
  } finally {
    sealKey.fill(0);
  }
}

/**
 * Reads the unlock secret from the environment: `SPLITKEY_MASTER_PASSPHRASE` (a passphrase) or
 * `SPLITKEY_MASTER_KEY` (64 hex digits, a raw 32-byte key). Empty values count as unset.
 * Neither set, or both → MASTER_LOCKED; a malformed key → MASTER_FORMAT (the value is never echoed).
 */
export function unlockFromEnv(env: NodeJS.ProcessEnv | Record<string, string | undefined> = process.env): MasterUnlock {
  const passphrase = env[ENV_PASSPHRASE];
  const keyHex = env[ENV_KEY];
  const havePass = typeof passphrase === 'string' && passphrase.length > 0;
  const haveKey = typeof keyHex === 'string' && keyHex.trim().length > 0;
  if (havePass && haveKey) {
    throw new MasterError('MASTER_LOCKED', undefined, `both ${ENV_PASSPHRASE} and ${ENV_KEY} are set; set only one`);
  }
  if (havePass) return { passphrase: passphrase };
  if (haveKey) {
    const hex = keyHex.trim();
    if (!/^[0-9a-fA-F]{64}$/.test(hex)) {
      throw new MasterError('MASTER_FORMAT', ENV_KEY, `${ENV_KEY} must be 64 hex digits (32 bytes)`);
    }
    return { key: new Uint8Array(Buffer.from(hex, 'hex')) };
  }
  throw new MasterError(
    'MASTER_LOCKED',
    undefined,
    `master half is locked: set ${ENV_PASSPHRASE} (passphrase) or ${ENV_KEY} (64 hex digits)`,
  );
}
