/**
 * Envelope format: a header binding (key name, key version, resource id) to a random data key
 * (DEK) wrapped under the resource key, followed by the data in AES-256-GCM segments (STREAM
 * construction). Implements DESIGN.md § "Envelope format"; the byte layout, nonce and AAD
 * construction, limits and security notes are specified in docs/envelope.md.
 *
 * Pure code: no I/O. The AEAD and the randomness source are parameters.
 * @module
 */
import { sha256 } from '@noble/hashes/sha2.js';

// ---------------------------------------------------------------------------------------------
// Injected primitives
// ---------------------------------------------------------------------------------------------

/**
 * AES-256-GCM: 32-byte key, 12-byte nonce, 16-byte tag appended to the ciphertext.
 * `open` must throw (anything) when authentication fails and must not return partial plaintext.
 */
export interface Aead {
  seal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Uint8Array;
  open(key: Uint8Array, nonce: Uint8Array, ciphertext: Uint8Array, aad: Uint8Array): Uint8Array;
}

/** Returns `n` cryptographically random bytes. */
export type Rng = (n: number) => Uint8Array;

// ---------------------------------------------------------------------------------------------
// Constants (docs/envelope.md § Byte layout, § Limits)
// ---------------------------------------------------------------------------------------------

export const MAGIC: Uint8Array = Uint8Array.of(0x53, 0x50, 0x4c, 0x4b); // "SPLK"
export const FORMAT_VERSION = 1;
export const KEY_LENGTH = 32;
export const AEAD_NONCE_LENGTH = 12;
export const TAG_LENGTH = 16;
export const NONCE_PREFIX_LENGTH = 7;
/** wrap nonce (12) ‖ AES-256-GCM(resourceKey, DEK) (32 + 16). */
export const WRAPPED_DEK_LENGTH = AEAD_NONCE_LENGTH + KEY_LENGTH + TAG_LENGTH;
export const MIN_KEY_NAME_LENGTH = 1;
export const MAX_KEY_NAME_LENGTH = 255;
export const MIN_RESOURCE_ID_LENGTH = 1;
export const MAX_RESOURCE_ID_LENGTH = 65535;
export const MIN_KEY_VERSION = 1;
export const MAX_KEY_VERSION = 0xffff_ffff;
export const MIN_SEGMENT_SIZE = 1024;
export const MAX_SEGMENT_SIZE = 16 * 1024 * 1024;
export const DEFAULT_SEGMENT_SIZE = 65536;
/** Segment indices are u32, so a file has at most 2^32 segments. */
export const MAX_SEGMENTS = 2 ** 32;
/** Bytes of the header that do not depend on the key name and resource id lengths. */
export const FIXED_HEADER_LENGTH = 4 + 1 + 2 + 4 + 2 + 4 + NONCE_PREFIX_LENGTH + WRAPPED_DEK_LENGTH;

const LAST_FLAG = 0x01;
const NOT_LAST_FLAG = 0x00;

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

export type EnvelopeErrorCode =
  | 'BAD_MAGIC' // not a splitkey envelope
  | 'UNSUPPORTED_VERSION' // format version this code does not read
  | 'TRUNCATED' // data ends early: header cut short, or no segment carries the last flag
  | 'BAD_FIELD' // a header field (or the body length) is out of range or malformed
  | 'AUTH_FAILED' // a segment failed authentication (tampered, reordered, spliced)
  | 'WRONG_KEY'; // the wrapped DEK did not open: wrong resource key or a modified header

/** A failure to parse or authenticate an envelope. Never carries key material. */
export class EnvelopeError extends Error {
  override readonly name = 'EnvelopeError';
  readonly code: EnvelopeErrorCode;
  /** The header field or the part of the envelope that failed, e.g. `keyName`, `segment 3`. */
  readonly field: string;

  constructor(code: EnvelopeErrorCode, field: string, detail: string) {
    super(`envelope ${field}: ${detail}`);
    this.code = code;
    this.field = field;
  }
}

// ---------------------------------------------------------------------------------------------
// Header
// ---------------------------------------------------------------------------------------------

/** What the caller chooses when creating an envelope. */
export interface HeaderParams {
  keyName: string;
  keyVersion: number;
  resourceId: Uint8Array;
  /** Plaintext bytes per segment, MIN_SEGMENT_SIZE..MAX_SEGMENT_SIZE; default 65536. */
  segmentSize?: number;
}

/** The decoded header. `wrappedDek` is wrap nonce (12) ‖ GCM ciphertext + tag (48). */
export interface EnvelopeHeader {
  version: number;
  keyName: string;
  keyVersion: number;
  resourceId: Uint8Array;
  segmentSize: number;
  noncePrefix: Uint8Array;
  wrappedDek: Uint8Array;
}

/** Header without the wrapped DEK: the part the wrap AAD covers. */
export type UnwrappedHeader = Omit<EnvelopeHeader, 'wrappedDek'>;

const utf8Encoder = new TextEncoder();
// fatal: reject invalid UTF-8; ignoreBOM: keep a leading U+FEFF so decoding is lossless.
const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function checkRange(value: number, min: number, max: number, field: string): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new EnvelopeError('BAD_FIELD', field, `expected an integer in ${min}..${max}, got ${value}`);
  }
}

function checkLength(bytes: Uint8Array, min: number, max: number, field: string): void {
  if (!(bytes instanceof Uint8Array)) {
    throw new EnvelopeError('BAD_FIELD', field, 'expected a Uint8Array');
  }
  if (bytes.length < min || bytes.length > max) {
    const want = min === max ? `${min}` : `${min}..${max}`;
    throw new EnvelopeError('BAD_FIELD', field, `expected ${want} bytes, got ${bytes.length}`);
  }
}

function encodeKeyName(keyName: string): Uint8Array {
  if (typeof keyName !== 'string') {
    throw new EnvelopeError('BAD_FIELD', 'keyName', 'expected a string');
  }
  const bytes = utf8Encoder.encode(keyName);
  // TextEncoder silently replaces lone surrogates with U+FFFD; refuse instead of renaming the key.
  if (utf8Decoder.decode(bytes) !== keyName) {
    throw new EnvelopeError('BAD_FIELD', 'keyName', 'not well-formed Unicode');
  }
  checkLength(bytes, MIN_KEY_NAME_LENGTH, MAX_KEY_NAME_LENGTH, 'keyName');
  return bytes;
}

function checkVersion(version: number): void {
  if (version !== FORMAT_VERSION) {
    throw new EnvelopeError('UNSUPPORTED_VERSION', 'version', `expected ${FORMAT_VERSION}, got ${version}`);
  }
}

function checkKey(key: Uint8Array, title: string): void {
  if (!(key instanceof Uint8Array)) throw new TypeError(`${title}: expected a Uint8Array`);
  if (key.length !== KEY_LENGTH) {
    throw new RangeError(`${title}: expected ${KEY_LENGTH} bytes, got ${key.length}`);
  }
}

function drawRandom(rng: Rng, n: number, title: string): Uint8Array {
  const out = rng(n);
  if (!(out instanceof Uint8Array) || out.length !== n) {
    throw new RangeError(`rng for ${title}: expected ${n} bytes`);
  }
  return Uint8Array.from(out);
}

/** Big-endian writer over a buffer of known size. */
class ByteWriter {
  readonly bytes: Uint8Array;
  private readonly view: DataView;
  private pos = 0;

  constructor(length: number) {
    this.bytes = new Uint8Array(length);
    this.view = new DataView(this.bytes.buffer);
  }
  u8(v: number): void {
    this.view.setUint8(this.pos, v);
    this.pos += 1;
  }
  u16(v: number): void {
    this.view.setUint16(this.pos, v);
    this.pos += 2;
  }
  u32(v: number): void {
    this.view.setUint32(this.pos, v);
    this.pos += 4;
  }
  raw(b: Uint8Array): void {
    this.bytes.set(b, this.pos);
    this.pos += b.length;
  }
}

/** Big-endian reader that reports truncation with the field being read. */
class ByteReader {
  private readonly view: DataView;
  pos = 0;

  constructor(private readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  private need(n: number, field: string): void {
    if (this.bytes.length - this.pos < n) {
      throw new EnvelopeError(
        'TRUNCATED',
        field,
        `need ${n} bytes at offset ${this.pos}, have ${this.bytes.length - this.pos}`,
      );
    }
  }
  u8(field: string): number {
    this.need(1, field);
    return this.view.getUint8(this.pos++);
  }
  u16(field: string): number {
    this.need(2, field);
    const v = this.view.getUint16(this.pos);
    this.pos += 2;
    return v;
  }
  u32(field: string): number {
    this.need(4, field);
    const v = this.view.getUint32(this.pos);
    this.pos += 4;
    return v;
  }
  raw(n: number, field: string): Uint8Array {
    this.need(n, field);
    const out = this.bytes.slice(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
}

/**
 * Validates every field except `wrappedDek` and returns the encoded key name.
 * Same checks for encoding (caller bugs) and decoding (untrusted bytes).
 */
function checkUnwrappedHeader(h: UnwrappedHeader): Uint8Array {
  checkVersion(h.version);
  const keyName = encodeKeyName(h.keyName);
  checkRange(h.keyVersion, MIN_KEY_VERSION, MAX_KEY_VERSION, 'keyVersion');
  checkLength(h.resourceId, MIN_RESOURCE_ID_LENGTH, MAX_RESOURCE_ID_LENGTH, 'resourceId');
  checkRange(h.segmentSize, MIN_SEGMENT_SIZE, MAX_SEGMENT_SIZE, 'segmentSize');
  checkLength(h.noncePrefix, NONCE_PREFIX_LENGTH, NONCE_PREFIX_LENGTH, 'noncePrefix');
  return keyName;
}

/**
 * Encodes magic … noncePrefix (everything before the wrapped DEK). With `omitKeyVersion` the
 * key version field is left out: that form is hashed into the segment AAD.
 */
function encodeHeaderPrefix(h: UnwrappedHeader, omitKeyVersion: boolean, extra: number): ByteWriter {
  const keyName = checkUnwrappedHeader(h);
  const length =
    FIXED_HEADER_LENGTH - WRAPPED_DEK_LENGTH - (omitKeyVersion ? 4 : 0) + keyName.length + h.resourceId.length;
  const w = new ByteWriter(length + extra);
  w.raw(MAGIC);
  w.u8(h.version);
  w.u16(keyName.length);
  w.raw(keyName);
  if (!omitKeyVersion) w.u32(h.keyVersion);
  w.u16(h.resourceId.length);
  w.raw(h.resourceId);
  w.u32(h.segmentSize);
  w.raw(h.noncePrefix);
  return w;
}

/** Returns the exact header bytes (docs/envelope.md § Byte layout). Throws EnvelopeError on a bad field. */
export function encodeHeader(header: EnvelopeHeader): Uint8Array {
  checkLength(header.wrappedDek, WRAPPED_DEK_LENGTH, WRAPPED_DEK_LENGTH, 'wrappedDek');
  const w = encodeHeaderPrefix(header, false, WRAPPED_DEK_LENGTH);
  w.raw(header.wrappedDek);
  return w.bytes;
}

/**
 * Parses a header from the start of `bytes` (which may continue with the segments).
 * Strict: magic, version, every length and range is checked; too few bytes → TRUNCATED.
 * Authenticity is only established by `unwrapDek`.
 */
export function decodeHeader(bytes: Uint8Array): { header: EnvelopeHeader; headerLength: number } {
  if (!(bytes instanceof Uint8Array)) throw new TypeError('envelope: expected a Uint8Array');
  const r = new ByteReader(bytes);
  const magic = r.raw(MAGIC.length, 'magic');
  if (!magic.every((b, i) => b === MAGIC[i])) {
    throw new EnvelopeError('BAD_MAGIC', 'magic', 'not a splitkey envelope');
  }
  const version = r.u8('version');
  checkVersion(version);
  const keyNameLength = r.u16('keyName length');
  checkRange(keyNameLength, MIN_KEY_NAME_LENGTH, MAX_KEY_NAME_LENGTH, 'keyName length');
  const keyNameBytes = r.raw(keyNameLength, 'keyName');
  let keyName: string;
  try {
    keyName = utf8Decoder.decode(keyNameBytes);
  } catch {
    throw new EnvelopeError('BAD_FIELD', 'keyName', 'invalid UTF-8');
  }
  const keyVersion = r.u32('keyVersion');
  checkRange(keyVersion, MIN_KEY_VERSION, MAX_KEY_VERSION, 'keyVersion');
  const resourceIdLength = r.u16('resourceId length');
  checkRange(resourceIdLength, MIN_RESOURCE_ID_LENGTH, MAX_RESOURCE_ID_LENGTH, 'resourceId length');
  const resourceId = r.raw(resourceIdLength, 'resourceId');
  const segmentSize = r.u32('segmentSize');
  checkRange(segmentSize, MIN_SEGMENT_SIZE, MAX_SEGMENT_SIZE, 'segmentSize');
  const noncePrefix = r.raw(NONCE_PREFIX_LENGTH, 'noncePrefix');
  const wrappedDek = r.raw(WRAPPED_DEK_LENGTH, 'wrappedDek');
  const header: EnvelopeHeader = {
    version,
    keyName,
    keyVersion,
    resourceId,
    segmentSize,
    noncePrefix,
    wrappedDek,
  };
  return { header, headerLength: r.pos };
}

/** Length in bytes of the encoded header. */
export function measureHeader(header: UnwrappedHeader): number {
  return FIXED_HEADER_LENGTH + encodeKeyName(header.keyName).length + header.resourceId.length;
}

// ---------------------------------------------------------------------------------------------
// DEK wrapping
// ---------------------------------------------------------------------------------------------

/**
 * Wraps `dek` under `resourceKey`: wrapNonce(12, random) ‖ GCM(resourceKey, wrapNonce, dek,
 * AAD = header bytes magic … noncePrefix). Returns the 60-byte `wrappedDek` field.
 */
export function wrapDek(
  header: UnwrappedHeader,
  dek: Uint8Array,
  resourceKey: Uint8Array,
  aead: Aead,
  rng: Rng,
): Uint8Array {
  checkKey(dek, 'dek');
  checkKey(resourceKey, 'resourceKey');
  const aad = encodeHeaderPrefix(header, false, 0).bytes;
  const nonce = drawRandom(rng, AEAD_NONCE_LENGTH, 'wrap nonce');
  const sealed = aead.seal(resourceKey, nonce, dek, aad);
  if (sealed.length !== KEY_LENGTH + TAG_LENGTH) {
    throw new RangeError(`aead.seal: expected ${KEY_LENGTH + TAG_LENGTH} bytes, got ${sealed.length}`);
  }
  const out = new Uint8Array(WRAPPED_DEK_LENGTH);
  out.set(nonce, 0);
  out.set(sealed, AEAD_NONCE_LENGTH);
  return out;
}

/**
 * Recovers the DEK. Fails with WRONG_KEY if `resourceKey` is not the key it was wrapped under
 * or if any header field was changed (all of them are in the wrap AAD).
 */
export function unwrapDek(header: EnvelopeHeader, resourceKey: Uint8Array, aead: Aead): Uint8Array {
  checkKey(resourceKey, 'resourceKey');
  checkLength(header.wrappedDek, WRAPPED_DEK_LENGTH, WRAPPED_DEK_LENGTH, 'wrappedDek');
  const aad = encodeHeaderPrefix(header, false, 0).bytes;
  const nonce = header.wrappedDek.subarray(0, AEAD_NONCE_LENGTH);
  const sealed = header.wrappedDek.subarray(AEAD_NONCE_LENGTH);
  let dek: Uint8Array;
  try {
    dek = aead.open(resourceKey, nonce, sealed, aad);
  } catch {
    throw new EnvelopeError('WRONG_KEY', 'wrappedDek', 'does not open: wrong resource key or modified header');
  }
  if (dek.length !== KEY_LENGTH) {
    dek.fill(0);
    throw new EnvelopeError('BAD_FIELD', 'wrappedDek', `unwrapped key has ${dek.length} bytes`);
  }
  return dek;
}

/** Draws a fresh DEK and nonce prefix and returns the header with the DEK wrapped under `resourceKey`. */
export function createHeader(
  params: HeaderParams,
  resourceKey: Uint8Array,
  aead: Aead,
  rng: Rng,
): { header: EnvelopeHeader; dek: Uint8Array } {
  checkLength(params.resourceId, MIN_RESOURCE_ID_LENGTH, MAX_RESOURCE_ID_LENGTH, 'resourceId');
  const unwrapped: UnwrappedHeader = {
    version: FORMAT_VERSION,
    keyName: params.keyName,
    keyVersion: params.keyVersion,
    resourceId: Uint8Array.from(params.resourceId),
    segmentSize: params.segmentSize ?? DEFAULT_SEGMENT_SIZE,
    noncePrefix: new Uint8Array(NONCE_PREFIX_LENGTH),
  };
  checkUnwrappedHeader(unwrapped); // fail on bad params before drawing randomness
  checkKey(resourceKey, 'resourceKey');
  const dek = drawRandom(rng, KEY_LENGTH, 'dek');
  unwrapped.noncePrefix = drawRandom(rng, NONCE_PREFIX_LENGTH, 'nonce prefix');
  const wrappedDek = wrapDek(unwrapped, dek, resourceKey, aead, rng);
  return { header: { ...unwrapped, wrappedDek }, dek };
}

/**
 * Moves a header to another key version: unwraps the DEK with the old resource key and wraps it
 * under the new one. Only `keyVersion` and `wrappedDek` change, so the segments stay valid.
 */
export function rewrapHeader(
  header: EnvelopeHeader,
  oldResourceKey: Uint8Array,
  newKeyVersion: number,
  newResourceKey: Uint8Array,
  aead: Aead,
  rng: Rng,
): EnvelopeHeader {
  checkRange(newKeyVersion, MIN_KEY_VERSION, MAX_KEY_VERSION, 'keyVersion');
  checkKey(newResourceKey, 'newResourceKey');
  const dek = unwrapDek(header, oldResourceKey, aead);
  try {
    const unwrapped: UnwrappedHeader = {
      version: header.version,
      keyName: header.keyName,
      keyVersion: newKeyVersion,
      resourceId: Uint8Array.from(header.resourceId),
      segmentSize: header.segmentSize,
      noncePrefix: Uint8Array.from(header.noncePrefix),
    };
    return { ...unwrapped, wrappedDek: wrapDek(unwrapped, dek, newResourceKey, aead, rng) };
  } finally {
    dek.fill(0);
  }
}

// ---------------------------------------------------------------------------------------------
// Segments (STREAM)
// ---------------------------------------------------------------------------------------------

/**
 * Segment AAD: SHA-256 over the immutable header part, i.e. the header bytes magic … noncePrefix
 * with the key version field left out (so rewrapping does not invalidate segments).
 */
export function computeSegmentAad(header: UnwrappedHeader): Uint8Array {
  return sha256(encodeHeaderPrefix(header, true, 0).bytes);
}

/** nonce = noncePrefix(7) ‖ u32 BE index ‖ 0x01 if last else 0x00. */
export function buildSegmentNonce(noncePrefix: Uint8Array, index: number, isLast: boolean): Uint8Array {
  checkLength(noncePrefix, NONCE_PREFIX_LENGTH, NONCE_PREFIX_LENGTH, 'noncePrefix');
  checkIndex(index);
  const nonce = new Uint8Array(AEAD_NONCE_LENGTH);
  nonce.set(noncePrefix, 0);
  new DataView(nonce.buffer).setUint32(NONCE_PREFIX_LENGTH, index);
  nonce[AEAD_NONCE_LENGTH - 1] = isLast ? LAST_FLAG : NOT_LAST_FLAG;
  return nonce;
}

function checkIndex(index: number): void {
  if (!Number.isInteger(index) || index < 0 || index >= MAX_SEGMENTS) {
    throw new RangeError(`segment index: expected an integer in 0..${MAX_SEGMENTS - 1}, got ${index}`);
  }
}

function checkSegmentSize(segmentSize: number): void {
  if (!Number.isInteger(segmentSize) || segmentSize < MIN_SEGMENT_SIZE || segmentSize > MAX_SEGMENT_SIZE) {
    throw new RangeError(
      `segmentSize: expected an integer in ${MIN_SEGMENT_SIZE}..${MAX_SEGMENT_SIZE}, got ${segmentSize}`,
    );
  }
}

/**
 * Encrypts segment `index`. A non-last segment must hold exactly `segmentSize` bytes; the last
 * one 1..segmentSize bytes, or 0 only when it is segment 0 (the empty file). `aad` is
 * `computeSegmentAad(header)`, which a caller sealing many segments computes once.
 */
export function sealSegment(
  aead: Aead,
  dek: Uint8Array,
  header: EnvelopeHeader,
  index: number,
  isLast: boolean,
  plaintext: Uint8Array,
  aad: Uint8Array = computeSegmentAad(header),
): Uint8Array {
  checkKey(dek, 'dek');
  checkIndex(index);
  const size = header.segmentSize;
  if (isLast) {
    const min = index === 0 ? 0 : 1;
    if (plaintext.length < min || plaintext.length > size) {
      throw new RangeError(`segment ${index} (last): expected ${min}..${size} bytes, got ${plaintext.length}`);
    }
  } else if (plaintext.length !== size) {
    throw new RangeError(`segment ${index}: expected ${size} bytes, got ${plaintext.length}`);
  }
  const nonce = buildSegmentNonce(header.noncePrefix, index, isLast);
  return aead.seal(dek, nonce, plaintext, aad);
}

/**
 * Decrypts and authenticates segment `index`. Fails with AUTH_FAILED on any tampering, and with
 * TRUNCATED when a segment expected to be last turns out to be a non-last one (the data was cut
 * at a segment boundary) or is too short to be a segment at all. `aad` as for `sealSegment`.
 */
export function openSegment(
  aead: Aead,
  dek: Uint8Array,
  header: EnvelopeHeader,
  index: number,
  isLast: boolean,
  ciphertext: Uint8Array,
  aad: Uint8Array = computeSegmentAad(header),
): Uint8Array {
  checkKey(dek, 'dek');
  checkIndex(index);
  const field = `segment ${index}`;
  const full = header.segmentSize + TAG_LENGTH;
  const min = isLast ? (index === 0 ? TAG_LENGTH : TAG_LENGTH + 1) : full;
  if (ciphertext.length < min) {
    throw new EnvelopeError('TRUNCATED', field, `expected at least ${min} bytes, got ${ciphertext.length}`);
  }
  if (ciphertext.length > full) {
    throw new EnvelopeError('BAD_FIELD', field, `expected at most ${full} bytes, got ${ciphertext.length}`);
  }
  const tryOpen = (last: boolean): Uint8Array | undefined => {
    try {
      return aead.open(dek, buildSegmentNonce(header.noncePrefix, index, last), ciphertext, aad);
    } catch {
      return undefined;
    }
  };
  const plaintext = tryOpen(isLast);
  if (plaintext !== undefined) return plaintext;
  if (isLast && ciphertext.length === full) {
    const notLast = tryOpen(false);
    if (notLast !== undefined) {
      notLast.fill(0);
      throw new EnvelopeError('TRUNCATED', field, 'is not the last segment: data after it is missing');
    }
  }
  throw new EnvelopeError('AUTH_FAILED', field, 'authentication failed');
}

// ---------------------------------------------------------------------------------------------
// Geometry (docs/envelope.md § Limits, § Random access)
// ---------------------------------------------------------------------------------------------

function checkByteCount(n: number, title: string): void {
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new RangeError(`${title}: expected a non-negative safe integer, got ${n}`);
  }
}

/** Number of segments for `plaintextLength` bytes: max(1, ceil(length / segmentSize)). */
export function countSegments(plaintextLength: number, segmentSize: number): number {
  checkByteCount(plaintextLength, 'plaintextLength');
  checkSegmentSize(segmentSize);
  const n = Math.max(1, Math.ceil(plaintextLength / segmentSize));
  if (n > MAX_SEGMENTS) {
    throw new RangeError(`plaintextLength ${plaintextLength} needs ${n} segments, limit ${MAX_SEGMENTS}`);
  }
  return n;
}

/** Length of the segment data (everything after the header) for `plaintextLength` bytes. */
export function ciphertextLength(plaintextLength: number, segmentSize: number): number {
  const n = countSegments(plaintextLength, segmentSize);
  const total = plaintextLength + n * TAG_LENGTH;
  checkByteCount(total, 'ciphertextLength');
  return total;
}

/**
 * Inverse of `ciphertextLength`: the plaintext length for segment data of `bodyLength` bytes.
 * Lengths no writer produces (empty, or a fragment of ≤ 16 bytes after full segments) → TRUNCATED.
 */
export function plaintextLength(bodyLength: number, segmentSize: number): number {
  checkByteCount(bodyLength, 'bodyLength');
  checkSegmentSize(segmentSize);
  if (bodyLength === 0) throw new EnvelopeError('TRUNCATED', 'body', 'no segments');
  if (bodyLength === TAG_LENGTH) return 0; // the empty file: one empty last segment
  const full = segmentSize + TAG_LENGTH;
  const fullSegments = Math.floor(bodyLength / full);
  const rest = bodyLength - fullSegments * full;
  if (rest > 0 && rest <= TAG_LENGTH) {
    throw new EnvelopeError('TRUNCATED', 'body', `ends with a ${rest}-byte fragment of a segment`);
  }
  const n = fullSegments + (rest > 0 ? 1 : 0);
  if (n > MAX_SEGMENTS) {
    throw new EnvelopeError('BAD_FIELD', 'body', `${n} segments exceed the limit of ${MAX_SEGMENTS}`);
  }
  return bodyLength - n * TAG_LENGTH;
}

/** Offset of segment `index` relative to the end of the header. */
export function segmentOffset(index: number, segmentSize: number): number {
  if (!Number.isInteger(index) || index < 0 || index > MAX_SEGMENTS) {
    throw new RangeError(`segment index: expected an integer in 0..${MAX_SEGMENTS}, got ${index}`);
  }
  checkSegmentSize(segmentSize);
  const offset = index * (segmentSize + TAG_LENGTH);
  checkByteCount(offset, 'segment offset');
  return offset;
}

/** Where plaintext bytes [plainOffset, plainOffset + length) live in the segment data. */
export interface SegmentRange {
  /** First segment index to read. */
  firstIndex: number;
  /** Number of consecutive segments to read (0 when length is 0). */
  segmentCount: number;
  /** Offset of the first segment, relative to the end of the header. */
  cipherOffset: number;
  /** Bytes to read from cipherOffset, assuming full segments: the file's last segment may end sooner. */
  cipherLength: number;
  /** Plaintext bytes to drop from the start of the first decrypted segment. */
  skip: number;
  /** Plaintext bytes wanted. */
  length: number;
}

/**
 * Maps a plaintext range to the segments that hold it, so they can be read and opened alone.
 * Whether the range's last segment is the file's last one (and so shorter, with the last flag)
 * follows from the body length: see `plaintextLength` and `countSegments`.
 */
export function locateRange(plainOffset: number, length: number, segmentSize: number): SegmentRange {
  checkByteCount(plainOffset, 'plainOffset');
  checkByteCount(length, 'length');
  checkSegmentSize(segmentSize);
  const firstIndex = Math.floor(plainOffset / segmentSize);
  const skip = plainOffset - firstIndex * segmentSize;
  const segmentCount = length === 0 ? 0 : Math.floor((plainOffset + length - 1) / segmentSize) - firstIndex + 1;
  if (firstIndex + segmentCount > MAX_SEGMENTS) {
    throw new RangeError(`range ${plainOffset}+${length} lies beyond segment ${MAX_SEGMENTS - 1}`);
  }
  return {
    firstIndex,
    segmentCount,
    cipherOffset: segmentOffset(firstIndex, segmentSize),
    cipherLength: segmentCount * (segmentSize + TAG_LENGTH),
    skip,
    length,
  };
}

/**
 * Opens the segments of `range` from `ciphertext` (the bytes read at range.cipherOffset, which
 * may stop early at the end of the data) and returns exactly the requested plaintext.
 * `totalSegments` is countSegments(plaintextLength(bodyLength)), so the file's last segment is
 * opened with the last flag.
 */
export function openRange(
  aead: Aead,
  dek: Uint8Array,
  header: EnvelopeHeader,
  range: SegmentRange,
  ciphertext: Uint8Array,
  totalSegments: number,
): Uint8Array {
  if (range.segmentCount === 0) return new Uint8Array(0);
  const lastWanted = range.firstIndex + range.segmentCount - 1;
  if (lastWanted >= totalSegments) {
    throw new RangeError(`range ends in segment ${lastWanted}, data has ${totalSegments} segments`);
  }
  const full = header.segmentSize + TAG_LENGTH;
  const out = new Uint8Array(range.segmentCount * header.segmentSize);
  const aad = computeSegmentAad(header);
  let filled = 0;
  try {
    for (let k = 0; k < range.segmentCount; k++) {
      const index = range.firstIndex + k;
      const chunk = ciphertext.subarray(k * full, (k + 1) * full);
      const plain = openSegment(aead, dek, header, index, index === totalSegments - 1, chunk, aad);
      out.set(plain, filled);
      filled += plain.length;
      plain.fill(0);
    }
    if (range.skip + range.length > filled) {
      throw new RangeError(`range ${range.skip}+${range.length} ends past the end of the plaintext`);
    }
    return out.slice(range.skip, range.skip + range.length);
  } finally {
    out.fill(0);
  }
}

// ---------------------------------------------------------------------------------------------
// Whole-buffer convenience (tests, small objects). Streaming lives in client/.
// ---------------------------------------------------------------------------------------------

/** Encrypts `plaintext` into segment data (no header). */
export function sealSegments(aead: Aead, dek: Uint8Array, header: EnvelopeHeader, plaintext: Uint8Array): Uint8Array {
  const size = header.segmentSize;
  const n = countSegments(plaintext.length, size);
  const out = new Uint8Array(ciphertextLength(plaintext.length, size));
  const aad = computeSegmentAad(header);
  for (let i = 0; i < n; i++) {
    const part = plaintext.subarray(i * size, Math.min((i + 1) * size, plaintext.length));
    out.set(sealSegment(aead, dek, header, i, i === n - 1, part, aad), i * (size + TAG_LENGTH));
  }
  return out;
}

/** Decrypts segment data (no header); every segment is authenticated before any plaintext is returned. */
export function openSegments(aead: Aead, dek: Uint8Array, header: EnvelopeHeader, body: Uint8Array): Uint8Array {
  const size = header.segmentSize;
  const length = plaintextLength(body.length, size);
  const n = countSegments(length, size);
  const full = size + TAG_LENGTH;
  const out = new Uint8Array(length);
  const aad = computeSegmentAad(header);
  try {
    for (let i = 0; i < n; i++) {
      const plain = openSegment(aead, dek, header, i, i === n - 1, body.subarray(i * full, (i + 1) * full), aad);
      out.set(plain, i * size);
      plain.fill(0);
    }
  } catch (err) {
    out.fill(0);
    throw err;
  }
  return out;
}

/** Creates a header and encrypts `plaintext`: returns header ‖ segments. */
export function sealAll(
  params: HeaderParams,
  resourceKey: Uint8Array,
  plaintext: Uint8Array,
  aead: Aead,
  rng: Rng,
): Uint8Array {
  const { header, dek } = createHeader(params, resourceKey, aead, rng);
  try {
    const head = encodeHeader(header);
    const body = sealSegments(aead, dek, header, plaintext);
    const out = new Uint8Array(head.length + body.length);
    out.set(head, 0);
    out.set(body, head.length);
    return out;
  } finally {
    dek.fill(0);
  }
}

/** Decodes, unwraps and decrypts a whole envelope. */
export function openAll(envelope: Uint8Array, resourceKey: Uint8Array, aead: Aead): Uint8Array {
  const { header, headerLength } = decodeHeader(envelope);
  const dek = unwrapDek(header, resourceKey, aead);
  try {
    return openSegments(aead, dek, header, envelope.subarray(headerLength));
  } finally {
    dek.fill(0);
  }
}
