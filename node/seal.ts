/**
 * Sealing of shares at rest: AES-256-GCM under the node's 32-byte seal key, with associated data
 * that binds each sealed share to its slot (key name, version, node index, epoch), so a sealed
 * share copied to another slot does not open.
 *
 * The seal key comes from a key file (32 raw bytes or 64 hex characters), an environment
 * variable (64 hex characters), or a passphrase stretched with scrypt (salt kept in the store).
 */
import { createCipheriv, createDecipheriv, randomBytes, scrypt } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { systemRng } from '../crypto/bytes.js';

export const SEAL_KEY_LENGTH = 32;
const NONCE_LENGTH = 12;
const TAG_LENGTH = 16;
/** scrypt cost: N = 2^15, r = 8, p = 1 (≈ 32 MiB, ≈ 0.1 s) — RFC 7914 interactive-login strength. */
const SCRYPT = { N: 1 << 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };

export type SealSource =
  | { keyFile: string }
  | { keyEnv: string }
  | { passphraseEnv: string }
  | { passphraseFile: string };

export class SealError extends Error {
  readonly code = 'SEAL_ERROR';
  constructor(message: string) {
    super(message);
    this.name = 'SealError';
  }
}

function parseKeyMaterial(raw: Buffer, where: string): Uint8Array {
  if (raw.length === SEAL_KEY_LENGTH) return new Uint8Array(raw);
  const text = raw.toString('utf8').trim();
  if (/^[0-9a-fA-F]{64}$/.test(text)) return new Uint8Array(Buffer.from(text, 'hex'));
  throw new SealError(`${where}: expected 32 raw bytes or 64 hexadecimal characters`);
}

/** Whether the source needs a salt (passphrase sources) — the store keeps it. */
export const needsSalt = (source: SealSource): boolean => 'passphraseEnv' in source || 'passphraseFile' in source;

/** Resolve the seal key. `salt` is required for passphrase sources. */
export async function loadSealKey(source: SealSource, salt?: Uint8Array): Promise<Uint8Array> {
  if ('keyFile' in source) return parseKeyMaterial(await readFile(source.keyFile), `seal key file ${source.keyFile}`);
  if ('keyEnv' in source) {
    const value = process.env[source.keyEnv];
    if (!value) throw new SealError(`environment variable ${source.keyEnv} (seal key) is not set`);
    return parseKeyMaterial(Buffer.from(value), `environment variable ${source.keyEnv}`);
  }
  const passphrase =
    'passphraseEnv' in source ? process.env[source.passphraseEnv] : (await readFile(source.passphraseFile, 'utf8')).replace(/\r?\n$/, '');
  if (!passphrase) throw new SealError('the seal passphrase is empty or not set');
  if (!salt) throw new SealError('a passphrase seal needs a salt');
  return new Promise((resolve, reject) =>
    scrypt(passphrase, salt, SEAL_KEY_LENGTH, SCRYPT, (err, key) => (err ? reject(new SealError(`scrypt failed: ${err.message}`)) : resolve(new Uint8Array(key)))),
  );
}

export const newSalt = (): Uint8Array => systemRng(16);

/** nonce(12) ‖ ciphertext ‖ tag(16). */
export function seal(key: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Uint8Array {
  const nonce = randomBytes(NONCE_LENGTH);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(aad);
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return new Uint8Array(Buffer.concat([nonce, body, cipher.getAuthTag()]));
}

/** Opens a sealed blob or throws SealError (never says more than "does not authenticate"). */
export function open(key: Uint8Array, sealed: Uint8Array, aad: Uint8Array): Uint8Array {
  if (sealed.length < NONCE_LENGTH + TAG_LENGTH) throw new SealError('sealed data is truncated');
  const nonce = sealed.subarray(0, NONCE_LENGTH);
  const body = sealed.subarray(NONCE_LENGTH, sealed.length - TAG_LENGTH);
  const tag = sealed.subarray(sealed.length - TAG_LENGTH);
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, nonce);
    decipher.setAAD(aad);
    decipher.setAuthTag(tag);
    return new Uint8Array(Buffer.concat([decipher.update(body), decipher.final()]));
  } catch {
    throw new SealError('sealed data does not authenticate (wrong seal key, wrong slot, or corrupted)');
  }
}
