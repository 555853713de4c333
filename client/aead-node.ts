/**
 * AES-256-GCM for the envelope format (DESIGN.md § "Envelope format", docs/envelope.md) on
 * node:crypto (OpenSSL, hardware AES): the fast path the client injects into crypto/envelope.
 * Byte-identical to @noble/ciphers `gcm` (checked in test/envelope.test.ts).
 * @module
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { AEAD_NONCE_LENGTH, KEY_LENGTH, TAG_LENGTH, type Aead } from '../crypto/envelope.js';

function checkBytes(value: Uint8Array, length: number | undefined, title: string): void {
  if (!(value instanceof Uint8Array)) throw new TypeError(`aes-256-gcm ${title}: expected a Uint8Array`);
  if (length !== undefined && value.length !== length) {
    throw new RangeError(`aes-256-gcm ${title}: expected ${length} bytes, got ${value.length}`);
  }
}

function joinBytes(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let pos = 0;
  for (const p of parts) {
    out.set(p, pos);
    pos += p.length;
  }
  return out;
}

/** AES-256-GCM, 32-byte key, 12-byte nonce, 16-byte tag appended. Returns plain Uint8Arrays. */
export const nodeAesGcm: Aead = {
  seal(key, nonce, plaintext, aad) {
    checkBytes(key, KEY_LENGTH, 'key');
    checkBytes(nonce, AEAD_NONCE_LENGTH, 'nonce');
    checkBytes(plaintext, undefined, 'plaintext');
    checkBytes(aad, undefined, 'aad');
    const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_LENGTH });
    cipher.setAAD(aad);
    const body = cipher.update(plaintext);
    const tail = cipher.final();
    return joinBytes([body, tail, cipher.getAuthTag()]);
  },

  open(key, nonce, ciphertext, aad) {
    checkBytes(key, KEY_LENGTH, 'key');
    checkBytes(nonce, AEAD_NONCE_LENGTH, 'nonce');
    checkBytes(ciphertext, undefined, 'ciphertext');
    checkBytes(aad, undefined, 'aad');
    if (ciphertext.length < TAG_LENGTH) {
      throw new RangeError(`aes-256-gcm ciphertext: expected at least ${TAG_LENGTH} bytes, got ${ciphertext.length}`);
    }
    const split = ciphertext.length - TAG_LENGTH;
    const decipher = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_LENGTH });
    decipher.setAAD(aad);
    decipher.setAuthTag(ciphertext.subarray(split));
    const body = decipher.update(ciphertext.subarray(0, split));
    try {
      decipher.final(); // throws on a bad tag; only then is `body` released
    } catch {
      body.fill(0);
      throw new Error('aes-256-gcm: authentication failed');
    }
    // A plain Uint8Array view of node:crypto's buffer: no copy of every segment on the bulk path.
    return new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
  },
};
