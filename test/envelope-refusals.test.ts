/**
 * Envelope format (docs/envelope.md): every refusal names its field and what arrived, at the
 * exact limits of § Limits; an Aead or rng that misbehaves is refused rather than trusted; and the
 * DEK does not outlive the call that used it (the Aead is a parameter, so a recording one shows
 * which key buffers it was handed). The format's happy paths and tampering are in envelope.test.ts.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { utf8ToBytes } from '@noble/hashes/utils.js';
import { describe, expect, it } from 'vitest';
import { nodeAesGcm } from '../client/aead-node.js';
import {
  EnvelopeError,
  MAX_SEGMENTS,
  MAX_SEGMENT_SIZE,
  buildSegmentNonce,
  ciphertextLength,
  countSegments,
  createHeader,
  decodeHeader,
  encodeHeader,
  locateRange,
  openAll,
  openRange,
  openSegment,
  plaintextLength,
  rewrapHeader,
  sealAll,
  sealSegment,
  segmentOffset,
  unwrapDek,
  wrapDek,
  type Aead,
  type EnvelopeErrorCode,
  type EnvelopeHeader,
  type HeaderParams,
} from '../crypto/envelope.js';
import { deterministicRng } from './helpers/rng.js';

const SEG = 1024;
const FULL = SEG + 16;
const key = sha256(utf8ToBytes('resource key'));
const key2 = sha256(utf8ToBytes('resource key 2'));
const params: HeaderParams = { keyName: 'acme/disks', keyVersion: 1, resourceId: utf8ToBytes('vol-1'), segmentSize: SEG };

/** `fn` must throw an EnvelopeError with this code, field and detail. */
function refused(fn: () => unknown, code: EnvelopeErrorCode, field: string, detail: string | RegExp): void {
  let error: unknown;
  try {
    fn();
  } catch (e) {
    error = e;
  }
  expect(error, `expected ${code} ${field}`).toBeInstanceOf(EnvelopeError);
  const e = error as EnvelopeError;
  expect(e.name).toBe('EnvelopeError');
  expect([e.code, e.field]).toEqual([code, field]);
  if (typeof detail === 'string') expect(e.message).toBe(`envelope ${field}: ${detail}`);
  else expect(e.message).toMatch(detail);
}

function header(over: Partial<EnvelopeHeader> = {}): EnvelopeHeader {
  return { ...createHeader(params, key, nodeAesGcm, deterministicRng('h')).header, ...over };
}

/** An Aead that records every key and plaintext it is handed. */
function recordingAead(inner: Aead = nodeAesGcm) {
  const keys: Uint8Array[] = [];
  const plaintexts: Uint8Array[] = [];
  const aead: Aead = {
    seal: (k, nonce, plaintext, aad) => (keys.push(k), plaintexts.push(plaintext), inner.seal(k, nonce, plaintext, aad)),
    open: (k, nonce, ciphertext, aad) => (keys.push(k), inner.open(k, nonce, ciphertext, aad)),
  };
  return { aead, keys, plaintexts };
}

describe('header fields: the field and the limit in every refusal', () => {
  it('encodeHeader', () => {
    const h = header();
    refused(() => encodeHeader({ ...h, version: 2 }), 'UNSUPPORTED_VERSION', 'version', 'expected 1, got 2');
    refused(() => encodeHeader({ ...h, keyName: '' }), 'BAD_FIELD', 'keyName', 'expected 1..255 bytes, got 0');
    refused(() => encodeHeader({ ...h, keyName: 'a'.repeat(256) }), 'BAD_FIELD', 'keyName', 'expected 1..255 bytes, got 256');
    refused(() => encodeHeader({ ...h, keyName: 7 as unknown as string }), 'BAD_FIELD', 'keyName', 'expected a string');
    refused(() => encodeHeader({ ...h, keyName: 'acme/\ud800' }), 'BAD_FIELD', 'keyName', 'not well-formed Unicode');
    refused(() => encodeHeader({ ...h, keyVersion: 0 }), 'BAD_FIELD', 'keyVersion', 'expected an integer in 1..4294967295, got 0');
    refused(() => encodeHeader({ ...h, keyVersion: 2 ** 32 }), 'BAD_FIELD', 'keyVersion', /got 4294967296$/);
    refused(() => encodeHeader({ ...h, resourceId: new Uint8Array(0) }), 'BAD_FIELD', 'resourceId', 'expected 1..65535 bytes, got 0');
    refused(() => encodeHeader({ ...h, resourceId: 'vol' as unknown as Uint8Array }), 'BAD_FIELD', 'resourceId', 'expected a Uint8Array');
    refused(() => encodeHeader({ ...h, segmentSize: MAX_SEGMENT_SIZE + 1 }), 'BAD_FIELD', 'segmentSize', `expected an integer in 1024..${MAX_SEGMENT_SIZE}, got ${MAX_SEGMENT_SIZE + 1}`);
    refused(() => encodeHeader({ ...h, noncePrefix: new Uint8Array(6) }), 'BAD_FIELD', 'noncePrefix', 'expected 7 bytes, got 6');
    refused(() => encodeHeader({ ...h, wrappedDek: new Uint8Array(59) }), 'BAD_FIELD', 'wrappedDek', 'expected 60 bytes, got 59');
    // The limits themselves are accepted.
    const edge = { ...h, keyName: 'a'.repeat(255), keyVersion: 2 ** 32 - 1, resourceId: new Uint8Array(65535), segmentSize: MAX_SEGMENT_SIZE };
    expect(decodeHeader(encodeHeader(edge)).header).toEqual(edge);
  });

  it('decodeHeader names the field it was reading when the bytes run out', () => {
    const bytes = encodeHeader(header());
    const k = 'acme/disks'.length;
    const cuts: [number, string, string][] = [
      [0, 'magic', 'need 4 bytes at offset 0, have 0'],
      [4, 'version', 'need 1 bytes at offset 4, have 0'],
      [6, 'keyName length', 'need 2 bytes at offset 5, have 1'],
      [7 + k - 1, 'keyName', `need ${k} bytes at offset 7, have ${k - 1}`],
      [7 + k + 3, 'keyVersion', `need 4 bytes at offset ${7 + k}, have 3`],
      [7 + k + 4, 'resourceId length', `need 2 bytes at offset ${11 + k}, have 0`],
      [13 + k + 2, 'resourceId', `need 5 bytes at offset ${13 + k}, have 2`],
      [18 + k, 'segmentSize', `need 4 bytes at offset ${18 + k}, have 0`],
      [22 + k + 6, 'noncePrefix', `need 7 bytes at offset ${22 + k}, have 6`],
      [bytes.length - 1, 'wrappedDek', `need 60 bytes at offset ${29 + k}, have 59`],
    ];
    for (const [cut, field, detail] of cuts) refused(() => decodeHeader(bytes.subarray(0, cut)), 'TRUNCATED', field, detail);
    refused(() => decodeHeader(Uint8Array.of(0x53, 0x50, 0x4c, 0x4c, 1)), 'BAD_MAGIC', 'magic', 'not a splitkey envelope');
    expect(() => decodeHeader([...bytes] as unknown as Uint8Array)).toThrow(new TypeError('envelope: expected a Uint8Array'));
  });

  it('decodeHeader checks every length and range it reads', () => {
    const bytes = encodeHeader(header());
    const k = 'acme/disks'.length;
    const at = (offset: number, ...values: number[]) => {
      const out = bytes.slice();
      out.set(values, offset);
      return out;
    };
    refused(() => decodeHeader(at(4, 2)), 'UNSUPPORTED_VERSION', 'version', 'expected 1, got 2');
    refused(() => decodeHeader(at(5, 0, 0)), 'BAD_FIELD', 'keyName length', 'expected an integer in 1..255, got 0');
    refused(() => decodeHeader(at(5, 1, 0)), 'BAD_FIELD', 'keyName length', 'expected an integer in 1..255, got 256');
    refused(() => decodeHeader(at(7, 0xff)), 'BAD_FIELD', 'keyName', 'invalid UTF-8');
    refused(() => decodeHeader(at(7 + k, 0, 0, 0, 0)), 'BAD_FIELD', 'keyVersion', 'expected an integer in 1..4294967295, got 0');
    refused(() => decodeHeader(at(11 + k, 0, 0)), 'BAD_FIELD', 'resourceId length', 'expected an integer in 1..65535, got 0');
    refused(() => decodeHeader(at(18 + k, 0, 0, 3, 0xff)), 'BAD_FIELD', 'segmentSize', /got 1023$/);
    refused(() => decodeHeader(at(18 + k, 1, 0, 0, 1)), 'BAD_FIELD', 'segmentSize', /got 16777217$/);
  });
});

describe('keys, rng and Aead are checked, not trusted', () => {
  it('keys must be 32-byte Uint8Arrays, named by role', () => {
    const h = header();
    const dek = new Uint8Array(32).fill(1);
    const short = new Uint8Array(31);
    const notBytes = [...key] as unknown as Uint8Array;
    expect(() => unwrapDek(h, short, nodeAesGcm)).toThrow(new RangeError('resourceKey: expected 32 bytes, got 31'));
    expect(() => unwrapDek(h, notBytes, nodeAesGcm)).toThrow(new TypeError('resourceKey: expected a Uint8Array'));
    expect(() => wrapDek(h, short, key, nodeAesGcm, deterministicRng('w'))).toThrow(new RangeError('dek: expected 32 bytes, got 31'));
    expect(() => wrapDek(h, dek, short, nodeAesGcm, deterministicRng('w'))).toThrow(new RangeError('resourceKey: expected 32 bytes, got 31'));
    expect(() => createHeader(params, short, nodeAesGcm, deterministicRng('c'))).toThrow(new RangeError('resourceKey: expected 32 bytes, got 31'));
    expect(() => rewrapHeader(h, key, 2, short, nodeAesGcm, deterministicRng('r'))).toThrow(new RangeError('newResourceKey: expected 32 bytes, got 31'));
    refused(() => rewrapHeader(h, key, 2 ** 32, key2, nodeAesGcm, deterministicRng('r')), 'BAD_FIELD', 'keyVersion', /got 4294967296$/);
    expect(() => sealSegment(nodeAesGcm, short, h, 0, true, new Uint8Array(1))).toThrow(new RangeError('dek: expected 32 bytes, got 31'));
    expect(() => openSegment(nodeAesGcm, short, h, 0, true, new Uint8Array(17))).toThrow(new RangeError('dek: expected 32 bytes, got 31'));
    refused(() => createHeader({ ...params, resourceId: new Uint8Array(0) }, key, nodeAesGcm, deterministicRng('c')), 'BAD_FIELD', 'resourceId', 'expected 1..65535 bytes, got 0');
  });

  it('an rng that returns the wrong number of bytes or no Uint8Array is refused, naming what was drawn', () => {
    const h = header();
    const dek = new Uint8Array(32).fill(1);
    expect(() => wrapDek(h, dek, key, nodeAesGcm, (n) => new Uint8Array(n - 1))).toThrow(new RangeError('rng for wrap nonce: expected 12 bytes'));
    expect(() => wrapDek(h, dek, key, nodeAesGcm, (n) => new Uint8Array(n + 1))).toThrow(RangeError);
    expect(() => wrapDek(h, dek, key, nodeAesGcm, (n) => new Array(n).fill(0) as unknown as Uint8Array)).toThrow(RangeError);
    expect(() => createHeader(params, key, nodeAesGcm, (n) => new Uint8Array(n === 32 ? 31 : n))).toThrow(new RangeError('rng for dek: expected 32 bytes'));
    expect(() => createHeader(params, key, nodeAesGcm, (n) => new Uint8Array(n === 7 ? 8 : n))).toThrow(new RangeError('rng for nonce prefix: expected 7 bytes'));
    // What the rng returned is copied, so the caller's buffer is not the DEK.
    const drawn: Uint8Array[] = [];
    const { dek: made } = createHeader(params, key, nodeAesGcm, (n) => {
      const out = new Uint8Array(n).fill(9);
      drawn.push(out);
      return out;
    });
    expect(made).not.toBe(drawn[0]);
    expect([...made]).toEqual([...drawn[0]!]);
  });

  it('an Aead that seals to the wrong length, or opens the DEK to the wrong length, is refused', () => {
    const h = header();
    const long: Aead = { ...nodeAesGcm, seal: (k, n, p, a) => Uint8Array.from([...nodeAesGcm.seal(k, n, p, a), 0]) };
    expect(() => wrapDek(h, new Uint8Array(32), key, long, deterministicRng('w'))).toThrow(new RangeError('aead.seal: expected 48 bytes, got 49'));
    const shortOpen: Aead = { ...nodeAesGcm, open: (k, n, c, a) => nodeAesGcm.open(k, n, c, a).subarray(1) };
    refused(() => unwrapDek(h, key, shortOpen), 'BAD_FIELD', 'wrappedDek', 'unwrapped key has 31 bytes');
    refused(() => unwrapDek(h, key2, nodeAesGcm), 'WRONG_KEY', 'wrappedDek', 'does not open: wrong resource key or modified header');
    refused(() => unwrapDek({ ...h, wrappedDek: h.wrappedDek.subarray(1) }, key, nodeAesGcm), 'BAD_FIELD', 'wrappedDek', 'expected 60 bytes, got 59');
  });
});

describe('the DEK does not outlive the call', () => {
  it('sealAll, openAll and rewrapHeader wipe every DEK they handed the Aead', () => {
    const plaintext = new Uint8Array(2 * SEG + 5).fill(3);
    const sealing = recordingAead();
    const envelope = sealAll(params, key, plaintext, sealing.aead, deterministicRng('wipe'));
    const deks = sealing.keys.filter((k) => k !== key);
    expect(deks.length).toBeGreaterThan(0);
    for (const d of deks) expect(d.every((b) => b === 0)).toBe(true);

    const opening = recordingAead();
    expect([...openAll(envelope, key, opening.aead)]).toEqual([...plaintext]);
    const opened = opening.keys.filter((k) => k !== key);
    expect(opened.length).toBe(3);
    for (const d of opened) expect(d.every((b) => b === 0)).toBe(true);

    const rewrapping = recordingAead();
    const { header: h } = decodeHeader(envelope);
    const moved = rewrapHeader(h, key, 2, key2, rewrapping.aead, deterministicRng('rw'));
    expect(rewrapping.plaintexts).toHaveLength(1);
    expect(rewrapping.plaintexts[0]!.every((b) => b === 0)).toBe(true);
    expect(unwrapDek(moved, key2, nodeAesGcm).some((b) => b !== 0)).toBe(true);
  });
});

describe('segments', () => {
  const made = () => {
    const { header: h, dek } = createHeader(params, key, nodeAesGcm, deterministicRng('segments'));
    return { h, dek };
  };

  it('length refusals name the segment and the expected size', () => {
    const { h, dek } = made();
    expect(() => sealSegment(nodeAesGcm, dek, h, 0, false, new Uint8Array(SEG - 1))).toThrow(new RangeError(`segment 0: expected ${SEG} bytes, got ${SEG - 1}`));
    expect(() => sealSegment(nodeAesGcm, dek, h, 3, true, new Uint8Array(0))).toThrow(new RangeError(`segment 3 (last): expected 1..${SEG} bytes, got 0`));
    expect(() => sealSegment(nodeAesGcm, dek, h, 0, true, new Uint8Array(SEG + 1))).toThrow(new RangeError(`segment 0 (last): expected 0..${SEG} bytes, got ${SEG + 1}`));
    expect(() => sealSegment(nodeAesGcm, dek, h, -1, true, new Uint8Array(1))).toThrow(new RangeError(`segment index: expected an integer in 0..${MAX_SEGMENTS - 1}, got -1`));
    refused(() => openSegment(nodeAesGcm, dek, h, 2, true, new Uint8Array(16)), 'TRUNCATED', 'segment 2', 'expected at least 17 bytes, got 16');
    refused(() => openSegment(nodeAesGcm, dek, h, 2, false, new Uint8Array(FULL + 1)), 'BAD_FIELD', 'segment 2', `expected at most ${FULL} bytes, got ${FULL + 1}`);
    refused(() => openSegment(nodeAesGcm, dek, h, 2, false, new Uint8Array(FULL)), 'AUTH_FAILED', 'segment 2', 'authentication failed');
    expect(() => buildSegmentNonce(new Uint8Array(8), 0, true)).toThrow(EnvelopeError);
    refused(() => buildSegmentNonce(new Uint8Array(8), 0, true), 'BAD_FIELD', 'noncePrefix', 'expected 7 bytes, got 8');
  });

  it('a tampered full-size last segment fails authentication; only an intact non-last one means "cut short"', () => {
    const { h, dek } = made();
    const last = sealSegment(nodeAesGcm, dek, h, 1, true, new Uint8Array(SEG).fill(5));
    expect([...openSegment(nodeAesGcm, dek, h, 1, true, last)]).toEqual([...new Uint8Array(SEG).fill(5)]);
    const tampered = last.slice();
    tampered[10]! ^= 1;
    refused(() => openSegment(nodeAesGcm, dek, h, 1, true, tampered), 'AUTH_FAILED', 'segment 1', 'authentication failed');
    const middle = sealSegment(nodeAesGcm, dek, h, 1, false, new Uint8Array(SEG).fill(5));
    refused(() => openSegment(nodeAesGcm, dek, h, 1, true, middle), 'TRUNCATED', 'segment 1', 'is not the last segment: data after it is missing');
  });
});

describe('geometry at the limits (docs/envelope.md § Limits)', () => {
  it('body lengths: the largest accepted, one segment more refused; fragments and empty bodies', () => {
    expect(plaintextLength(MAX_SEGMENTS * FULL, SEG)).toBe(MAX_SEGMENTS * SEG);
    refused(() => plaintextLength((MAX_SEGMENTS + 1) * FULL, SEG), 'BAD_FIELD', 'body', `${MAX_SEGMENTS + 1} segments exceed the limit of ${MAX_SEGMENTS}`);
    refused(() => plaintextLength(0, SEG), 'TRUNCATED', 'body', 'no segments');
    refused(() => plaintextLength(FULL + 16, SEG), 'TRUNCATED', 'body', 'ends with a 16-byte fragment of a segment');
    expect(plaintextLength(FULL + 17, SEG)).toBe(SEG + 1);
    expect(() => plaintextLength(-1, SEG)).toThrow(new RangeError('bodyLength: expected a non-negative safe integer, got -1'));
    expect(() => plaintextLength(FULL, MAX_SEGMENT_SIZE + 1)).toThrow(new RangeError(`segmentSize: expected an integer in 1024..${MAX_SEGMENT_SIZE}, got ${MAX_SEGMENT_SIZE + 1}`));
    expect(plaintextLength(MAX_SEGMENT_SIZE + 16, MAX_SEGMENT_SIZE)).toBe(MAX_SEGMENT_SIZE);
  });

  it('plaintext lengths: segment counts and ciphertext lengths', () => {
    expect(countSegments(MAX_SEGMENTS * SEG, SEG)).toBe(MAX_SEGMENTS);
    expect(() => countSegments(MAX_SEGMENTS * SEG + 1, SEG)).toThrow(new RangeError(`plaintextLength ${MAX_SEGMENTS * SEG + 1} needs ${MAX_SEGMENTS + 1} segments, limit ${MAX_SEGMENTS}`));
    expect(() => countSegments(1.5, SEG)).toThrow(new RangeError('plaintextLength: expected a non-negative safe integer, got 1.5'));
    expect(ciphertextLength(MAX_SEGMENTS * SEG, SEG)).toBe(MAX_SEGMENTS * FULL);
    // Lengths stay exact: a total past 2^53 - 1 is refused, not rounded.
    expect(() => ciphertextLength(Number.MAX_SAFE_INTEGER, MAX_SEGMENT_SIZE)).toThrow(/^ciphertextLength: expected a non-negative safe integer, got /);
  });

  it('segment offsets: 0..MAX_SEGMENTS (one past the last segment is the end of the data)', () => {
    expect(segmentOffset(MAX_SEGMENTS, SEG)).toBe(MAX_SEGMENTS * FULL);
    for (const bad of [-1, 1.5, MAX_SEGMENTS + 1]) {
      expect(() => segmentOffset(bad, SEG)).toThrow(new RangeError(`segment index: expected an integer in 0..${MAX_SEGMENTS}, got ${bad}`));
    }
    expect(() => segmentOffset(1, 1023)).toThrow(RangeError);
    expect(() => segmentOffset(MAX_SEGMENTS, MAX_SEGMENT_SIZE)).toThrow(/^segment offset: expected a non-negative safe integer, got /);
  });

  it('ranges: empty ranges read nothing, ranges past the last possible segment are refused', () => {
    for (const offset of [0, 5, SEG, 3 * SEG + 7]) {
      const r = locateRange(offset, 0, SEG);
      expect([r.segmentCount, r.cipherLength, r.length]).toEqual([0, 0, 0]);
    }
    const lastPossible = locateRange((MAX_SEGMENTS - 1) * SEG, SEG, SEG);
    expect([lastPossible.firstIndex, lastPossible.segmentCount]).toEqual([MAX_SEGMENTS - 1, 1]);
    for (const [offset, length] of [[(MAX_SEGMENTS - 1) * SEG, 2 * SEG], [MAX_SEGMENTS * SEG, 1]] as const) {
      expect(() => locateRange(offset, length, SEG)).toThrow(new RangeError(`range ${offset}+${length} lies beyond segment ${MAX_SEGMENTS - 1}`));
    }
    expect(() => locateRange(-1, 1, SEG)).toThrow(new RangeError('plainOffset: expected a non-negative safe integer, got -1'));
    expect(() => locateRange(0, -1, SEG)).toThrow(new RangeError('length: expected a non-negative safe integer, got -1'));
  });

  it('openRange names the segment a range ends in and a range that ends past the plaintext', () => {
    const { header: h, dek } = createHeader(params, key, nodeAesGcm, deterministicRng('range'));
    const body = sealAll(params, key, new Uint8Array(SEG + 10).fill(1), nodeAesGcm, deterministicRng('range')).subarray(encodeHeader(h).length);
    const past = locateRange(SEG, 2 * SEG, SEG);
    expect(() => openRange(nodeAesGcm, dek, h, past, body.subarray(past.cipherOffset), 2)).toThrow(new RangeError('range ends in segment 2, data has 2 segments'));
    const tail = locateRange(SEG + 5, 6, SEG);
    expect(() => openRange(nodeAesGcm, dek, h, tail, body.subarray(tail.cipherOffset), 2)).toThrow(new RangeError('range 5+6 ends past the end of the plaintext'));
    expect([...openRange(nodeAesGcm, dek, h, locateRange(SEG + 5, 5, SEG), body.subarray(FULL), 2)]).toEqual([1, 1, 1, 1, 1]);
  });
});
