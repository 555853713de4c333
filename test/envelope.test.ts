/**
 * Envelope format (DESIGN.md § "Envelope format", docs/envelope.md): byte layout, STREAM
 * segments, DEK wrapping and rewrap, and every tampering the format promises to catch.
 * Real AES-GCM throughout: node:crypto (client fast path) cross-checked against @noble/ciphers.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { gcm } from '@noble/ciphers/aes.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, concatBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import { nodeAesGcm } from '../client/aead-node.js';
import {
  DEFAULT_SEGMENT_SIZE,
  EnvelopeError,
  MAX_SEGMENTS,
  MAX_SEGMENT_SIZE,
  buildSegmentNonce,
  ciphertextLength,
  computeSegmentAad,
  countSegments,
  createHeader,
  decodeHeader,
  encodeHeader,
  locateRange,
  measureHeader,
  openAll,
  openRange,
  openSegment,
  openSegments,
  plaintextLength,
  rewrapHeader,
  sealAll,
  sealSegment,
  sealSegments,
  segmentOffset,
  unwrapDek,
  wrapDek,
  type Aead,
  type EnvelopeErrorCode,
  type EnvelopeHeader,
  type HeaderParams,
  type Rng,
} from '../crypto/envelope.js';

const nobleAesGcm: Aead = {
  seal: (key, nonce, plaintext, aad) => gcm(key, nonce, aad).encrypt(plaintext),
  open: (key, nonce, ciphertext, aad) => gcm(key, nonce, aad).decrypt(ciphertext),
};

/** Deterministic rng: SHA-256(seed ‖ u32 counter) blocks. */
function makeRng(seed: string): Rng {
  let counter = 0;
  let pool = new Uint8Array(0);
  return (n) => {
    while (pool.length < n) {
      const block = new Uint8Array(4);
      new DataView(block.buffer).setUint32(0, counter++);
      pool = concatBytes(pool, sha256(concatBytes(utf8ToBytes(seed), block)));
    }
    const out = pool.slice(0, n);
    pool = pool.slice(n);
    return out;
  };
}

function makeBytes(n: number, seed = 'data'): Uint8Array {
  return makeRng(seed)(n);
}

const SEG = 1024;
const FULL = SEG + 16;
const resourceKey = sha256(utf8ToBytes('resource key v1'));
const resourceKeyV2 = sha256(utf8ToBytes('resource key v2'));
const otherKey = sha256(utf8ToBytes('some other key'));
const params: HeaderParams = {
  keyName: 'acme/disks',
  keyVersion: 1,
  resourceId: utf8ToBytes('vol-0001'),
  segmentSize: SEG,
};

function seal(plaintext: Uint8Array, seed = 'rng', aead: Aead = nodeAesGcm): Uint8Array {
  return sealAll(params, resourceKey, plaintext, aead, makeRng(seed));
}

function splitEnvelope(envelope: Uint8Array): { header: EnvelopeHeader; head: Uint8Array; body: Uint8Array } {
  const { header, headerLength } = decodeHeader(envelope);
  return { header, head: envelope.subarray(0, headerLength), body: envelope.subarray(headerLength) };
}

/** Runs `fn`, which must throw an EnvelopeError with one of `codes`; returns the error. */
function expectEnvelopeError(fn: () => unknown, codes: readonly EnvelopeErrorCode[]): EnvelopeError {
  let result: unknown;
  try {
    result = fn();
  } catch (err) {
    expect(err).toBeInstanceOf(EnvelopeError);
    const e = err as EnvelopeError;
    expect(codes, `${e.code}: ${e.message}`).toContain(e.code);
    expect(e.message).toContain(e.field);
    return e;
  }
  throw new Error(`expected EnvelopeError ${codes.join('|')}, got a result of ${String(result).length} chars`);
}

function flipBit(bytes: Uint8Array, bit: number): Uint8Array {
  const out = Uint8Array.from(bytes);
  out[bit >> 3]! ^= 1 << (bit & 7);
  return out;
}

describe('AES-256-GCM: node:crypto vs @noble/ciphers', () => {
  it('seal is byte-identical and each opens the other', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ minLength: 12, maxLength: 12 }),
        fc.uint8Array({ maxLength: 300 }),
        fc.uint8Array({ maxLength: 64 }),
        (key, nonce, plaintext, aad) => {
          const a = nodeAesGcm.seal(key, nonce, plaintext, aad);
          const b = nobleAesGcm.seal(key, nonce, plaintext, aad);
          expect(a).toBeInstanceOf(Uint8Array);
          expect(bytesToHex(a)).toBe(bytesToHex(b));
          expect(a.length).toBe(plaintext.length + 16);
          expect(bytesToHex(nodeAesGcm.open(key, nonce, b, aad))).toBe(bytesToHex(plaintext));
          expect(bytesToHex(nobleAesGcm.open(key, nonce, a, aad))).toBe(bytesToHex(plaintext));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('open rejects a tampered ciphertext, nonce, aad or key, and a short input', () => {
    const key = makeBytes(32, 'k');
    const nonce = makeBytes(12, 'n');
    const aad = utf8ToBytes('aad');
    const ct = nodeAesGcm.seal(key, nonce, utf8ToBytes('hello world'), aad);
    for (let bit = 0; bit < ct.length * 8; bit++) {
      expect(() => nodeAesGcm.open(key, nonce, flipBit(ct, bit), aad)).toThrow();
    }
    expect(() => nodeAesGcm.open(key, flipBit(nonce, 0), ct, aad)).toThrow();
    expect(() => nodeAesGcm.open(key, nonce, ct, utf8ToBytes('aae'))).toThrow();
    expect(() => nodeAesGcm.open(flipBit(key, 255), nonce, ct, aad)).toThrow();
    expect(() => nodeAesGcm.open(key, nonce, ct.subarray(0, 15), aad)).toThrow(RangeError);
    expect(() => nodeAesGcm.seal(key.subarray(1), nonce, ct, aad)).toThrow(RangeError);
    expect(() => nodeAesGcm.seal(key, nonce.subarray(1), ct, aad)).toThrow(RangeError);
  });
});

describe('header byte layout', () => {
  const sample: EnvelopeHeader = {
    version: 1,
    keyName: 'acme/db',
    keyVersion: 0x01020304,
    resourceId: Uint8Array.of(0xaa, 0xbb, 0xcc),
    segmentSize: 65536,
    noncePrefix: Uint8Array.of(1, 2, 3, 4, 5, 6, 7),
    wrappedDek: new Uint8Array(60).fill(0xee),
  };

  it('matches the table in docs/envelope.md', () => {
    const expected = concatBytes(
      utf8ToBytes('SPLK'),
      Uint8Array.of(0x01), // format version
      Uint8Array.of(0x00, 0x07), // key name length
      utf8ToBytes('acme/db'),
      Uint8Array.of(0x01, 0x02, 0x03, 0x04), // key version
      Uint8Array.of(0x00, 0x03, 0xaa, 0xbb, 0xcc), // resource id
      Uint8Array.of(0x00, 0x01, 0x00, 0x00), // segment size
      Uint8Array.of(1, 2, 3, 4, 5, 6, 7), // nonce prefix
      new Uint8Array(60).fill(0xee), // wrapped DEK
    );
    const bytes = encodeHeader(sample);
    expect(bytesToHex(bytes)).toBe(bytesToHex(expected));
    expect(bytes.length).toBe(84 + 7 + 3);
    expect(measureHeader(sample)).toBe(bytes.length);
    const tail = Uint8Array.of(9, 9, 9);
    const decoded = decodeHeader(concatBytes(bytes, tail));
    expect(decoded.headerLength).toBe(bytes.length);
    expect(decoded.header).toEqual(sample);
  });

  it('round-trips any valid header', () => {
    const keyName = fc
      .string({ unit: 'binary', minLength: 1, maxLength: 80 })
      .filter((s) => utf8ToBytes(s).length <= 255);
    const header = fc.record({
      version: fc.constant(1),
      keyName,
      keyVersion: fc.integer({ min: 1, max: 2 ** 32 - 1 }),
      resourceId: fc.uint8Array({ minLength: 1, maxLength: 400 }),
      segmentSize: fc.integer({ min: 1024, max: MAX_SEGMENT_SIZE }),
      noncePrefix: fc.uint8Array({ minLength: 7, maxLength: 7 }),
      wrappedDek: fc.uint8Array({ minLength: 60, maxLength: 60 }),
    });
    fc.assert(
      fc.property(header, (h) => {
        const bytes = encodeHeader(h);
        const { header: back, headerLength } = decodeHeader(bytes);
        expect(headerLength).toBe(bytes.length);
        expect(back).toEqual(h);
        expect(bytesToHex(encodeHeader(back))).toBe(bytesToHex(bytes));
      }),
      { numRuns: 300 },
    );
  });

  it('keeps the largest fields and a leading BOM in the key name', () => {
    const big = { ...sample, keyName: '\uFEFF' + 'k'.repeat(252), resourceId: new Uint8Array(65535).fill(7) };
    const bytes = encodeHeader(big);
    expect(bytes.length).toBe(84 + 255 + 65535);
    expect(decodeHeader(bytes).header).toEqual(big);
  });

  it('reports every truncated header as TRUNCATED', () => {
    const bytes = encodeHeader(sample);
    for (let n = 0; n < bytes.length; n++) {
      expectEnvelopeError(() => decodeHeader(bytes.subarray(0, n)), ['TRUNCATED']);
    }
  });

  it('rejects bad magic, version, lengths and ranges when decoding', () => {
    const bytes = encodeHeader(sample);
    const patch = (offset: number, values: number[]): Uint8Array => {
      const out = Uint8Array.from(bytes);
      out.set(values, offset);
      return out;
    };
    const k = 7 + 7; // offset just after the key name
    const cases: Array<[string, Uint8Array, EnvelopeErrorCode, string]> = [
      ['magic', patch(0, [0x53, 0x50, 0x4c, 0x4c]), 'BAD_MAGIC', 'magic'],
      ['version 0', patch(4, [0]), 'UNSUPPORTED_VERSION', 'version'],
      ['version 2', patch(4, [2]), 'UNSUPPORTED_VERSION', 'version'],
      ['key name length 0', patch(5, [0, 0]), 'BAD_FIELD', 'keyName length'],
      ['key name length 256', patch(5, [1, 0]), 'BAD_FIELD', 'keyName length'],
      ['key name not UTF-8', patch(7, [0xc3, 0x28]), 'BAD_FIELD', 'keyName'],
      ['key version 0', patch(k, [0, 0, 0, 0]), 'BAD_FIELD', 'keyVersion'],
      ['resource id length 0', patch(k + 4, [0, 0]), 'BAD_FIELD', 'resourceId length'],
      ['segment size 1023', patch(k + 4 + 5, [0, 0, 3, 0xff]), 'BAD_FIELD', 'segmentSize'],
      ['segment size 16 MiB + 1', patch(k + 4 + 5, [1, 0, 0, 1]), 'BAD_FIELD', 'segmentSize'],
      ['resource id length too long', patch(k + 4, [0xff, 0xff]), 'TRUNCATED', 'resourceId'],
    ];
    for (const [name, input, code, field] of cases) {
      const e = expectEnvelopeError(() => decodeHeader(input), [code]);
      expect(e.field, name).toBe(field);
    }
  });

  it('refuses to encode out-of-range fields', () => {
    const bad: Array<[Partial<EnvelopeHeader>, EnvelopeErrorCode]> = [
      [{ version: 2 }, 'UNSUPPORTED_VERSION'],
      [{ keyName: '' }, 'BAD_FIELD'],
      [{ keyName: 'é'.repeat(128) }, 'BAD_FIELD'], // 256 bytes
      [{ keyName: 'a\uD800b' }, 'BAD_FIELD'], // lone surrogate
      [{ keyVersion: 0 }, 'BAD_FIELD'],
      [{ keyVersion: 2 ** 32 }, 'BAD_FIELD'],
      [{ keyVersion: 1.5 }, 'BAD_FIELD'],
      [{ resourceId: new Uint8Array(0) }, 'BAD_FIELD'],
      [{ resourceId: new Uint8Array(65536) }, 'BAD_FIELD'],
      [{ segmentSize: 1023 }, 'BAD_FIELD'],
      [{ segmentSize: MAX_SEGMENT_SIZE + 1 }, 'BAD_FIELD'],
      [{ noncePrefix: new Uint8Array(6) }, 'BAD_FIELD'],
      [{ wrappedDek: new Uint8Array(59) }, 'BAD_FIELD'],
    ];
    for (const [change, code] of bad) {
      expectEnvelopeError(() => encodeHeader({ ...sample, ...change }), [code]);
    }
    expect(encodeHeader({ ...sample, keyName: 'é'.repeat(127) + 'x' }).length).toBe(84 + 255 + 3);
  });

  it('throws only EnvelopeError on arbitrary input', () => {
    const prefixed = fc
      .uint8Array({ maxLength: 200 })
      .map((tail) => concatBytes(utf8ToBytes('SPLK'), Uint8Array.of(1), tail));
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 200 }), prefixed), (bytes) => {
        try {
          const { headerLength } = decodeHeader(bytes);
          expect(headerLength).toBeLessThanOrEqual(bytes.length);
        } catch (err) {
          expect(err).toBeInstanceOf(EnvelopeError);
        }
      }),
      { numRuns: 1000 },
    );
  });
});

describe('nonce and AAD construction', () => {
  it('nonce = prefix ‖ u32 index ‖ last flag', () => {
    const prefix = Uint8Array.of(1, 2, 3, 4, 5, 6, 7);
    expect(bytesToHex(buildSegmentNonce(prefix, 0x0a0b0c0d, true))).toBe('010203040506070a0b0c0d01');
    expect(bytesToHex(buildSegmentNonce(prefix, 0, false))).toBe('01020304050607000000000' + '0');
    expect(() => buildSegmentNonce(prefix, 2 ** 32, false)).toThrow(RangeError);
    expect(() => buildSegmentNonce(prefix, -1, false)).toThrow(RangeError);
  });

  it('wrap AAD and segment AAD are the documented header bytes (independent re-derivation)', () => {
    const plaintext = makeBytes(SEG + 5);
    const envelope = seal(plaintext);
    const { header, head, body } = splitEnvelope(envelope);
    const k = utf8ToBytes(params.keyName).length;
    // Wrap: AAD = all header bytes before the wrapped DEK.
    const wrapAad = head.subarray(0, head.length - 60);
    const dek = gcm(resourceKey, head.subarray(head.length - 60, head.length - 48), wrapAad).decrypt(
      head.subarray(head.length - 48),
    );
    expect(dek.length).toBe(32);
    // Segments: AAD = SHA-256(header bytes before the wrapped DEK, without the key version).
    const segmentAad = sha256(concatBytes(head.subarray(0, 7 + k), head.subarray(7 + k + 4, head.length - 60)));
    expect(bytesToHex(computeSegmentAad(header))).toBe(bytesToHex(segmentAad));
    const nonce0 = concatBytes(header.noncePrefix, Uint8Array.of(0, 0, 0, 0, 0));
    const nonce1 = concatBytes(header.noncePrefix, Uint8Array.of(0, 0, 0, 1, 1));
    const seg0 = gcm(dek, nonce0, segmentAad).decrypt(body.subarray(0, FULL));
    const seg1 = gcm(dek, nonce1, segmentAad).decrypt(body.subarray(FULL));
    expect(bytesToHex(concatBytes(seg0, seg1))).toBe(bytesToHex(plaintext));
  });
});

describe('round trip', () => {
  const sizes = [0, 1, SEG - 1, SEG, SEG + 1, 2 * SEG, 7 * SEG + 123];

  for (const size of sizes) {
    it(`${size} bytes`, () => {
      const plaintext = makeBytes(size, `p${size}`);
      const envelope = seal(plaintext);
      const { header, head, body } = splitEnvelope(envelope);
      expect(header).toMatchObject({ version: 1, keyName: 'acme/disks', keyVersion: 1, segmentSize: SEG });
      expect(header.resourceId).toEqual(params.resourceId);
      expect(body.length).toBe(ciphertextLength(size, SEG));
      expect(body.length).toBe(size + 16 * Math.max(1, Math.ceil(size / SEG)));
      expect(plaintextLength(body.length, SEG)).toBe(size);
      expect(head.length).toBe(measureHeader(header));
      expect(bytesToHex(openAll(envelope, resourceKey, nodeAesGcm))).toBe(bytesToHex(plaintext));
      // noble and node produce the same envelope from the same rng
      expect(bytesToHex(seal(plaintext, 'rng', nobleAesGcm))).toBe(bytesToHex(envelope));
      expect(bytesToHex(openAll(envelope, resourceKey, nobleAesGcm))).toBe(bytesToHex(plaintext));
    });
  }

  it('any length (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 5 * SEG }), fc.string(), (plaintext, seed) => {
        const envelope = seal(plaintext, seed);
        expect(bytesToHex(openAll(envelope, resourceKey, nodeAesGcm))).toBe(bytesToHex(plaintext));
      }),
      { numRuns: 100 },
    );
  });

  it('uses a 64 KiB segment size by default and a fresh DEK and nonce prefix per envelope', () => {
    const rng = makeRng('defaults');
    const a = createHeader({ keyName: 'acme/x', keyVersion: 3, resourceId: Uint8Array.of(1) }, resourceKey, nodeAesGcm, rng);
    const b = createHeader({ keyName: 'acme/x', keyVersion: 3, resourceId: Uint8Array.of(1) }, resourceKey, nodeAesGcm, rng);
    expect(a.header.segmentSize).toBe(DEFAULT_SEGMENT_SIZE);
    expect(DEFAULT_SEGMENT_SIZE).toBe(65536);
    expect(bytesToHex(a.dek)).not.toBe(bytesToHex(b.dek));
    expect(bytesToHex(a.header.noncePrefix)).not.toBe(bytesToHex(b.header.noncePrefix));
    expect(bytesToHex(unwrapDek(a.header, resourceKey, nodeAesGcm))).toBe(bytesToHex(a.dek));
    const plaintext = makeBytes(70000);
    const body = sealSegments(nodeAesGcm, a.dek, a.header, plaintext);
    expect(body.length).toBe(70000 + 32);
    expect(bytesToHex(openSegments(nodeAesGcm, a.dek, a.header, body))).toBe(bytesToHex(plaintext));
  });

  it('rejects bad parameters before drawing randomness', () => {
    let draws = 0;
    const rng: Rng = (n) => {
      draws++;
      return new Uint8Array(n);
    };
    expectEnvelopeError(() => createHeader({ ...params, keyVersion: 0 }, resourceKey, nodeAesGcm, rng), ['BAD_FIELD']);
    expectEnvelopeError(() => createHeader({ ...params, segmentSize: 512 }, resourceKey, nodeAesGcm, rng), ['BAD_FIELD']);
    expect(() => createHeader(params, resourceKey.subarray(1), nodeAesGcm, rng)).toThrow(RangeError);
    expect(draws).toBe(0);
    expect(() => createHeader(params, resourceKey, nodeAesGcm, () => new Uint8Array(3))).toThrow(RangeError);
  });
});

describe('geometry and limits', () => {
  it('ciphertextLength and plaintextLength are inverse', () => {
    fc.assert(
      fc.property(fc.nat({ max: 2 ** 40 }), fc.integer({ min: 1024, max: MAX_SEGMENT_SIZE }), (length, size) => {
        expect(plaintextLength(ciphertextLength(length, size), size)).toBe(length);
      }),
    );
  });

  it('body lengths no writer produces are TRUNCATED', () => {
    expectEnvelopeError(() => plaintextLength(0, SEG), ['TRUNCATED']);
    for (const n of [1, 15, FULL + 1, FULL + 16, 3 * FULL + 16]) {
      expectEnvelopeError(() => plaintextLength(n, SEG), ['TRUNCATED']);
    }
    expect(plaintextLength(16, SEG)).toBe(0);
    expect(plaintextLength(17, SEG)).toBe(1);
    expect(plaintextLength(FULL, SEG)).toBe(SEG);
    expect(plaintextLength(FULL + 17, SEG)).toBe(SEG + 1);
  });

  it('caps a file at 2^32 segments and at safe integers', () => {
    expect(countSegments(0, SEG)).toBe(1);
    expect(countSegments(SEG * MAX_SEGMENTS, SEG)).toBe(MAX_SEGMENTS);
    expect(() => countSegments(SEG * MAX_SEGMENTS + 1, SEG)).toThrow(RangeError);
    expect(ciphertextLength(SEG * MAX_SEGMENTS, SEG)).toBe(FULL * MAX_SEGMENTS);
    expectEnvelopeError(() => plaintextLength(FULL * MAX_SEGMENTS + 17, SEG), ['BAD_FIELD']);
    expect(() => ciphertextLength(2 ** 53, MAX_SEGMENT_SIZE)).toThrow(RangeError);
    expect(() => ciphertextLength(-1, SEG)).toThrow(RangeError);
    expect(() => ciphertextLength(10, 1000)).toThrow(RangeError);
  });

  it('segmentOffset and locateRange', () => {
    expect(segmentOffset(0, SEG)).toBe(0);
    expect(segmentOffset(3, SEG)).toBe(3 * FULL);
    expect(locateRange(0, 0, SEG)).toMatchObject({ firstIndex: 0, segmentCount: 0, cipherLength: 0 });
    expect(locateRange(SEG - 1, 2, SEG)).toEqual({
      firstIndex: 0,
      segmentCount: 2,
      cipherOffset: 0,
      cipherLength: 2 * FULL,
      skip: SEG - 1,
      length: 2,
    });
    expect(locateRange(5 * SEG + 10, SEG - 10, SEG)).toEqual({
      firstIndex: 5,
      segmentCount: 1,
      cipherOffset: 5 * FULL,
      cipherLength: FULL,
      skip: 10,
      length: SEG - 10,
    });
  });
});

describe('random access', () => {
  // Built inside each test, so that mutation testing attributes the work to the test.
  const fixture = () => {
    const plaintext = makeBytes(10 * SEG + 300, 'random-access');
    const envelope = seal(plaintext, 'ra');
    const { header, body } = splitEnvelope(envelope);
    const dek = unwrapDek(header, resourceKey, nodeAesGcm);
    const total = countSegments(plaintextLength(body.length, SEG), SEG);
    return { plaintext, envelope, header, body, dek, total };
  };

  it('opens each segment alone', () => {
    const { plaintext, envelope, header, body, dek, total } = fixture();
    expect(total).toBe(11);
    for (let i = 0; i < total; i++) {
      const chunk = body.subarray(segmentOffset(i, SEG), segmentOffset(i, SEG) + FULL);
      const plain = openSegment(nodeAesGcm, dek, header, i, i === total - 1, chunk);
      expect(bytesToHex(plain)).toBe(bytesToHex(plaintext.subarray(i * SEG, (i + 1) * SEG)));
    }
  });

  it('a middle segment cannot pass as the last one, nor the last as a middle one', () => {
    const { plaintext, envelope, header, body, dek, total } = fixture();
    const middle = body.subarray(segmentOffset(4, SEG), segmentOffset(5, SEG));
    expectEnvelopeError(() => openSegment(nodeAesGcm, dek, header, 4, true, middle), ['TRUNCATED']);
    expectEnvelopeError(() => openSegment(nodeAesGcm, dek, header, 3, false, middle), ['AUTH_FAILED']);
    const last = body.subarray(segmentOffset(10, SEG));
    expectEnvelopeError(() => openSegment(nodeAesGcm, dek, header, 10, false, last), ['TRUNCATED']);
  });

  it('locateRange + openRange returns exactly the requested slice (property)', () => {
    const { plaintext, envelope, header, body, dek, total } = fixture();
    fc.assert(
      fc.property(fc.nat({ max: plaintext.length }), fc.nat({ max: 3 * SEG }), (offset, wanted) => {
        const length = Math.min(wanted, plaintext.length - offset);
        const range = locateRange(offset, length, SEG);
        const read = body.subarray(range.cipherOffset, range.cipherOffset + range.cipherLength);
        const got = openRange(nodeAesGcm, dek, header, range, read, total);
        expect(bytesToHex(got)).toBe(bytesToHex(plaintext.subarray(offset, offset + length)));
      }),
      { numRuns: 300 },
    );
  });

  it('openRange refuses ranges past the end', () => {
    const { plaintext, envelope, header, body, dek, total } = fixture();
    const past = locateRange(plaintext.length - 1, 2, SEG);
    const read = body.subarray(past.cipherOffset);
    expect(() => openRange(nodeAesGcm, dek, header, past, read, total)).toThrow(RangeError);
    const beyond = locateRange(plaintext.length + SEG, 1, SEG);
    expect(() => openRange(nodeAesGcm, dek, header, beyond, new Uint8Array(0), total)).toThrow(RangeError);
  });
});

describe('tampering is detected', () => {
  // Built inside each test, so that mutation testing attributes the work to the test.
  const fixture = () => {
    const plaintext = makeBytes(3 * SEG + 500, 'victim');
    const envelope = seal(plaintext, 'victim');
    const { head, body } = splitEnvelope(envelope);
    return { plaintext, envelope, head, body };
  };
  const segmentsOf = (b: Uint8Array): Uint8Array[] =>
    Array.from({ length: Math.ceil(b.length / FULL) }, (_, i) => b.subarray(i * FULL, (i + 1) * FULL));
  const open = (bytes: Uint8Array): Uint8Array => openAll(bytes, resourceKey, nodeAesGcm);

  it('truncation anywhere in the body', () => {
    const { plaintext, envelope, head, body } = fixture();
    for (let cut = 0; cut < body.length; cut++) {
      const atBoundary = cut % FULL === 0;
      expectEnvelopeError(
        () => open(concatBytes(head, body.subarray(0, cut))),
        atBoundary ? ['TRUNCATED'] : ['TRUNCATED', 'AUTH_FAILED'],
      );
    }
  });

  it('truncation at a segment boundary names the missing last segment', () => {
    const { plaintext, envelope, head, body } = fixture();
    for (const n of [1, 2, 3]) {
      const e = expectEnvelopeError(() => open(concatBytes(head, body.subarray(0, n * FULL))), ['TRUNCATED']);
      expect(e.field).toBe(`segment ${n - 1}`);
    }
  });

  it('reordering, duplicating, dropping or appending segments', () => {
    const { plaintext, envelope, head, body } = fixture();
    const [s0, s1, s2, s3] = segmentsOf(body) as [Uint8Array, Uint8Array, Uint8Array, Uint8Array];
    const variants = [
      [s1, s0, s2, s3],
      [s0, s2, s1, s3],
      [s0, s0, s2, s3],
      [s0, s2, s3],
      [s0, s1, s2, s3, s3],
      [s0, s1, s2, s3, s0],
    ];
    for (const segments of variants) {
      expectEnvelopeError(() => open(concatBytes(head, ...segments)), ['AUTH_FAILED', 'TRUNCATED']);
    }
    expectEnvelopeError(() => open(concatBytes(envelope, Uint8Array.of(0))), ['AUTH_FAILED']);
    expectEnvelopeError(() => open(concatBytes(envelope, new Uint8Array(16))), ['AUTH_FAILED', 'TRUNCATED']);
  });

  it('splicing from another file under the same resource key', () => {
    const { plaintext, envelope, head, body } = fixture();
    const other = splitEnvelope(seal(makeBytes(plaintext.length, 'other'), 'other'));
    expect(other.head.length).toBe(head.length);
    const mine = segmentsOf(body);
    const theirs = segmentsOf(other.body);
    for (let i = 0; i < mine.length; i++) {
      const spliced = mine.map((s, j) => (j === i ? theirs[i]! : s));
      const e = expectEnvelopeError(() => open(concatBytes(head, ...spliced)), ['AUTH_FAILED']);
      expect(e.field).toBe(`segment ${i}`);
    }
    // their header on my segments
    expectEnvelopeError(() => open(concatBytes(other.head, body)), ['AUTH_FAILED']);
  });

  it('every single bit flip of a small file, header and body', () => {
    const { plaintext, envelope, head, body } = fixture();
    const small = seal(makeBytes(40, 'small'), 'small');
    const keyHex = bytesToHex(resourceKey);
    const codes = new Set<EnvelopeErrorCode>();
    for (let bit = 0; bit < small.length * 8; bit++) {
      const e = expectEnvelopeError(
        () => open(flipBit(small, bit)),
        ['BAD_MAGIC', 'UNSUPPORTED_VERSION', 'TRUNCATED', 'BAD_FIELD', 'AUTH_FAILED', 'WRONG_KEY'],
      );
      expect(e.message).not.toContain(keyHex);
      codes.add(e.code);
    }
    expect([...codes].sort()).toEqual(
      ['AUTH_FAILED', 'BAD_FIELD', 'BAD_MAGIC', 'TRUNCATED', 'UNSUPPORTED_VERSION', 'WRONG_KEY'].sort(),
    );
  });

  it('wrong resource key', () => {
    const { plaintext, envelope, head, body } = fixture();
    const e = expectEnvelopeError(() => openAll(envelope, otherKey, nodeAesGcm), ['WRONG_KEY']);
    expect(e.field).toBe('wrappedDek');
    expect(e.message).not.toContain(bytesToHex(otherKey));
    expect(e.message).not.toContain(bytesToHex(resourceKey));
  });

  it('each header field changed', () => {
    const { plaintext, envelope, head, body } = fixture();
    const { header } = splitEnvelope(envelope);
    const changes: Array<Partial<EnvelopeHeader>> = [
      { keyName: 'acme/disk2' },
      { keyVersion: 2 },
      { resourceId: utf8ToBytes('vol-0002') },
      { segmentSize: SEG * 2 },
      { noncePrefix: flipBit(header.noncePrefix, 0) },
      { wrappedDek: flipBit(header.wrappedDek, 0) }, // wrap nonce
      { wrappedDek: flipBit(header.wrappedDek, 12 * 8) }, // wrapped key
      { wrappedDek: flipBit(header.wrappedDek, 59 * 8) }, // tag
    ];
    for (const change of changes) {
      const changed = encodeHeader({ ...header, ...change });
      expectEnvelopeError(() => open(concatBytes(changed, body)), ['WRONG_KEY']);
    }
  });

  it('each immutable field changed and the DEK rewrapped by a key holder still fails on the segments', () => {
    const { plaintext, envelope, head, body } = fixture();
    const { header } = splitEnvelope(envelope);
    const dek = unwrapDek(header, resourceKey, nodeAesGcm);
    const rng = makeRng('attacker');
    const changes: Array<Partial<EnvelopeHeader>> = [
      { keyName: 'acme/disk2' },
      { resourceId: utf8ToBytes('vol-0002') },
      { segmentSize: SEG + 1 },
      { noncePrefix: flipBit(header.noncePrefix, 55) },
    ];
    for (const change of changes) {
      const unwrapped = { ...header, ...change };
      const forged = { ...unwrapped, wrappedDek: wrapDek(unwrapped, dek, resourceKey, nodeAesGcm, rng) };
      expectEnvelopeError(() => open(concatBytes(encodeHeader(forged), body)), ['AUTH_FAILED', 'TRUNCATED']);
    }
  });
});

describe('rewrap', () => {
  // Built inside each test, so that mutation testing attributes the work to the test.
  const fixture = () => {
    const plaintext = makeBytes(4 * SEG + 1, 'rewrap');
    const envelope = seal(plaintext, 'rewrap');
    const { header, head, body } = splitEnvelope(envelope);
    const rewrapped = rewrapHeader(header, resourceKey, 2, resourceKeyV2, nodeAesGcm, makeRng('rewrap2'));
    const newHead = encodeHeader(rewrapped);
    const moved = concatBytes(newHead, body);
    return { plaintext, envelope, header, head, body, rewrapped, newHead, moved };
  };

  it('keeps the segments valid under the new key', () => {
    const { plaintext, envelope, header, head, body, rewrapped, newHead, moved } = fixture();
    expect(bytesToHex(openAll(moved, resourceKeyV2, nodeAesGcm))).toBe(bytesToHex(plaintext));
  });

  it('the old key no longer opens the rewrapped envelope', () => {
    const { plaintext, envelope, header, head, body, rewrapped, newHead, moved } = fixture();
    expectEnvelopeError(() => openAll(moved, resourceKey, nodeAesGcm), ['WRONG_KEY']);
  });

  it('changes only the key version and the wrapped DEK', () => {
    const { plaintext, envelope, header, head, body, rewrapped, newHead, moved } = fixture();
    expect({ ...rewrapped, keyVersion: 1, wrappedDek: header.wrappedDek }).toEqual(header);
    expect(rewrapped.keyVersion).toBe(2);
    expect(newHead.length).toBe(head.length);
    const k = utf8ToBytes(params.keyName).length;
    const changed: number[] = [];
    for (let i = 0; i < head.length; i++) if (head[i] !== newHead[i]) changed.push(i);
    const keyVersionAt = 7 + k;
    const wrappedAt = head.length - 60;
    expect(changed.every((i) => (i >= keyVersionAt && i < keyVersionAt + 4) || i >= wrappedAt)).toBe(true);
    expect(changed).toContain(keyVersionAt + 3);
    expect(computeSegmentAad(rewrapped)).toEqual(computeSegmentAad(header));
  });

  it('needs the old key', () => {
    const { plaintext, envelope, header, head, body, rewrapped, newHead, moved } = fixture();
    expectEnvelopeError(
      () => rewrapHeader(header, otherKey, 2, resourceKeyV2, nodeAesGcm, makeRng('x')),
      ['WRONG_KEY'],
    );
    expectEnvelopeError(
      () => rewrapHeader(header, resourceKey, 0, resourceKeyV2, nodeAesGcm, makeRng('x')),
      ['BAD_FIELD'],
    );
  });
});

describe('segment arguments', () => {
  // Built inside each test, so that mutation testing attributes the work to the test.
  const fixture = () => {
    const { header, dek } = createHeader(params, resourceKey, nodeAesGcm, makeRng('args'));
    return { header, dek };
  };

  it('sealSegment enforces full non-last segments and a non-empty last segment after the first', () => {
    const { header, dek } = fixture();
    expect(() => sealSegment(nodeAesGcm, dek, header, 0, false, new Uint8Array(SEG - 1))).toThrow(RangeError);
    expect(() => sealSegment(nodeAesGcm, dek, header, 1, true, new Uint8Array(0))).toThrow(RangeError);
    expect(() => sealSegment(nodeAesGcm, dek, header, 1, true, new Uint8Array(SEG + 1))).toThrow(RangeError);
    expect(() => sealSegment(nodeAesGcm, dek, header, 2 ** 32, true, new Uint8Array(1))).toThrow(RangeError);
    expect(() => sealSegment(nodeAesGcm, dek.subarray(1), header, 0, true, new Uint8Array(1))).toThrow(RangeError);
    expect(sealSegment(nodeAesGcm, dek, header, 0, true, new Uint8Array(0)).length).toBe(16);
    expect(sealSegment(nodeAesGcm, dek, header, 2 ** 32 - 1, true, new Uint8Array(1)).length).toBe(17);
  });

  it('openSegment rejects wrong lengths before decrypting', () => {
    const { header, dek } = fixture();
    expectEnvelopeError(() => openSegment(nodeAesGcm, dek, header, 0, true, new Uint8Array(15)), ['TRUNCATED']);
    expectEnvelopeError(() => openSegment(nodeAesGcm, dek, header, 1, true, new Uint8Array(16)), ['TRUNCATED']);
    expectEnvelopeError(() => openSegment(nodeAesGcm, dek, header, 0, false, new Uint8Array(FULL - 1)), ['TRUNCATED']);
    expectEnvelopeError(() => openSegment(nodeAesGcm, dek, header, 0, false, new Uint8Array(FULL + 1)), ['BAD_FIELD']);
  });
});
