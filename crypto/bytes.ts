/** Byte-string helpers shared by the crypto core (RFC 9497 §1.1 notation: I2OSP, ‖). */
import { bytesToHex } from '@noble/hashes/utils.js';
import { ParameterError } from './errors.js';

export type Rng = (length: number) => Uint8Array;

/**
 * The system's CSPRNG (Web Crypto `getRandomValues`, a global in Node), filling the array it
 * returns in place: no second copy of the random bytes is left for the garbage collector, as
 * `new Uint8Array(randomBytes(n))` leaves one (the Buffer) that a caller zeroing its array never
 * reaches. The default `Rng` wherever randomness becomes a secret (blinds, nonces, keys).
 */
export const systemRng: Rng = (length) => {
  const out = new Uint8Array(length);
  // getRandomValues fills at most 65,536 bytes per call.
  for (let at = 0; at < length; at += 65_536) globalThis.crypto.getRandomValues(out.subarray(at, Math.min(length, at + 65_536)));
  return out;
};

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const p of parts) length += p.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/** I2OSP(value, length): big-endian, fixed width; refuses values that do not fit. */
export function i2osp(value: number, length: number): Uint8Array {
  if (!Number.isInteger(value) || value < 0 || value >= 2 ** (8 * length)) {
    throw new ParameterError('i2osp', `value ${value} does not fit in ${length} bytes`);
  }
  const out = new Uint8Array(length);
  for (let i = length - 1, v = value; i >= 0; i--, v = Math.floor(v / 256)) out[i] = v & 0xff;
  return out;
}

/** I2OSP(len(x), 2) ‖ x, the length-prefixed framing RFC 9497 uses in every transcript. */
export function lengthPrefixed(x: Uint8Array): Uint8Array {
  return concatBytes(i2osp(x.length, 2), x);
}

export const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

export function toHex(bytes: Uint8Array): string {
  return bytesToHex(bytes);
}

export function fromHex(hex: string, field = 'hex'): Uint8Array {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) {
    throw new ParameterError(field, 'expected an even-length hexadecimal string');
  }
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** Equality in time independent of where the inputs differ (lengths are public). */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/** True if every byte is zero (the identity's encoding, the zero scalar); time independent of where. */
export function isAllZero(bytes: Uint8Array): boolean {
  let acc = 0;
  for (const b of bytes) acc |= b;
  return acc === 0;
}

/** Overwrite a secret buffer once it is no longer needed (best effort in a GC'd runtime). */
export function wipe(...buffers: Uint8Array[]): void {
  for (const b of buffers) b.fill(0);
}
