/**
 * Streaming envelope encryption (client/file.ts): round trips through files and streams at the
 * segment-boundary sizes, constant memory on a 64 MiB file, tampering/truncation leaving no
 * output, random-access reads, header-only rewrap. Real files in a temp dir, real AES-GCM.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { chmod, mkdtemp, open, readFile, readdir, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { nodeAesGcm } from '../client/aead-node.js';
import {
  FileIoError,
  decryptFile,
  decryptStream,
  encryptFile,
  encryptStream,
  readRange,
  rewrapFile,
  type KeyForDecrypt,
  type KeyForEncrypt,
} from '../client/file.js';
import {
  DEFAULT_SEGMENT_SIZE,
  EnvelopeError,
  ciphertextLength,
  decodeHeader,
  measureHeader,
  openAll,
  type EnvelopeErrorCode,
} from '../crypto/envelope.js';

const KEY_V1 = Uint8Array.from({ length: 32 }, (_, i) => i);
const KEY_V2 = Uint8Array.from({ length: 32 }, (_, i) => 0xa0 ^ i);
const KEY_NAME = 'acme/files';
const RESOURCE = new Uint8Array(Buffer.from('bucket/object-0001'));

const encKey: KeyForEncrypt = async () => ({ key: KEY_V1, version: 1 });
const decKey: KeyForDecrypt = async (_name, version) => {
  if (version === 1) return KEY_V1;
  if (version === 2) return KEY_V2;
  throw new Error(`no key version ${version}`);
};

let dir: string;
let counter = 0;
const tmp = (name = 'f'): string => join(dir, `${name}-${counter++}`);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'splitkey-file-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Reproducible pseudo-random bytes: AES-256-CTR keystream under a key derived from the seed. */
function data(n: number, seed = 'data'): Uint8Array {
  const key = createHash('sha256').update(`${seed}:${n}`).digest();
  const ctr = createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
  return new Uint8Array(Buffer.concat([ctr.update(Buffer.alloc(n)), ctr.final()]));
}

/** Fast byte equality (vitest's deep toEqual is slow on large typed arrays); reports the first difference. */
function expectBytes(actual: Uint8Array, expected: Uint8Array): void {
  const a = Buffer.from(actual.buffer, actual.byteOffset, actual.byteLength);
  const b = Buffer.from(expected.buffer, expected.byteOffset, expected.byteLength);
  if (a.equals(b)) return;
  let i = 0;
  while (i < Math.min(a.length, b.length) && a[i] === b[i]) i++;
  expect.fail(`bytes differ: lengths ${a.length} vs ${b.length}, first difference at offset ${i}`);
}

function encOpts(segmentSize?: number) {
  return { keyName: KEY_NAME, resourceId: RESOURCE, segmentSize, getKey: encKey };
}

/** Splits `bytes` into chunks of irregular sizes (1 byte up to ~3 segments). */
function* irregularChunks(bytes: Uint8Array, seed: number): Generator<Uint8Array> {
  let s = seed;
  let pos = 0;
  const sizes = [1, 7, 16, 17, 1000, 1023, 1024, 1025, 4096, 65535, 65536, 65537, 200_000];
  while (pos < bytes.length) {
    s = (s * 1103515245 + 12345) >>> 0;
    const n = sizes[s % sizes.length]!;
    yield bytes.subarray(pos, Math.min(bytes.length, pos + n));
    pos += n;
  }
}

class Collector extends Writable {
  readonly parts: Buffer[] = [];
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.parts.push(Buffer.from(chunk));
    cb();
  }
  bytes(): Uint8Array {
    return new Uint8Array(Buffer.concat(this.parts));
  }
}

async function expectEnvelopeError(p: Promise<unknown>, codes: EnvelopeErrorCode | EnvelopeErrorCode[]): Promise<EnvelopeError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, 'expected an EnvelopeError').toBeInstanceOf(EnvelopeError);
  expect([codes].flat()).toContain((err as EnvelopeError).code);
  return err as EnvelopeError;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

async function expectNoOutput(out: string): Promise<void> {
  expect(await exists(out), `${out} must not exist`).toBe(false);
  expect(await exists(`${out}.partial`), `${out}.partial must not exist`).toBe(false);
}

// First, so that the RSS baseline is not inflated by garbage from the other tests.
describe('64 MiB file: constant memory', () => {
  it('round-trips with bounded RSS growth', async () => {
    const MiB = 1024 * 1024;
    const size = 64 * MiB;
    const inPath = tmp('big');
    const encPath = tmp('big-enc');
    const outPath = tmp('big-out');

    // Generate the input in 1 MiB chunks, hashing as we go.
    const hIn = createHash('sha256');
    const fh = await open(inPath, 'w');
    try {
      for (let off = 0; off < size; off += MiB) {
        const chunk = randomBytes(MiB);
        hIn.update(chunk);
        await fh.write(chunk);
      }
    } finally {
      await fh.close();
    }
    const expected = hIn.digest('hex');

    let peak = process.memoryUsage().rss;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 5);
    const rssBefore = process.memoryUsage().rss;
    try {
      const t0 = performance.now();
      const enc = await encryptFile(inPath, encPath, encOpts());
      const t1 = performance.now();
      const dec = await decryptFile(encPath, outPath, { getKey: decKey });
      const t2 = performance.now();
      peak = Math.max(peak, process.memoryUsage().rss);
      expect(enc.bytesIn).toBe(size);
      expect(dec.bytesOut).toBe(size);

      const hOut = createHash('sha256');
      for await (const chunk of createReadStream(outPath)) hOut.update(chunk as Buffer);
      expect(hOut.digest('hex')).toBe(expected);

      const growth = peak - rssBefore;
      const encMBs = size / MiB / ((t1 - t0) / 1000);
      const decMBs = size / MiB / ((t2 - t1) / 1000);
      console.log(
        `64 MiB: encrypt ${(t1 - t0).toFixed(0)} ms (${encMBs.toFixed(0)} MiB/s), ` +
          `decrypt ${(t2 - t1).toFixed(0)} ms (${decMBs.toFixed(0)} MiB/s), ` +
          `RSS before ${(rssBefore / MiB).toFixed(1)} MiB, peak growth ${(growth / MiB).toFixed(1)} MiB`,
      );
      expect(growth).toBeLessThan(64 * MiB);
    } finally {
      clearInterval(sampler);
      await rm(inPath, { force: true });
      await rm(encPath, { force: true });
      await rm(outPath, { force: true });
    }
  });
});

describe.each([1024, DEFAULT_SEGMENT_SIZE])('round trips, segment size %i', (S) => {
  const sizes = [0, 1, S - 1, S, S + 1, 2 * S, 3 * S - 1, S === 1024 ? 100 * S + 3 : 12 * S + 3];

  it.each(sizes)('files: %i bytes', async (n) => {
    const plain = data(n);
    const inPath = tmp('plain');
    const encPath = tmp('enc');
    const outPath = tmp('out');
    await writeFile(inPath, plain);
    const progress: number[] = [];
    const enc = await encryptFile(inPath, encPath, { ...encOpts(S), onProgress: (b) => progress.push(b) });
    const envelope = new Uint8Array(await readFile(encPath));
    const headerLength = measureHeader(enc.header);
    expect(enc.bytesIn).toBe(n);
    expect(enc.bytesOut).toBe(envelope.length);
    expect(envelope.length).toBe(headerLength + ciphertextLength(n, S));
    expect(enc.header.segmentSize).toBe(S);
    expect(enc.header.keyVersion).toBe(1);
    if (n > 0) expect(progress.at(-1)).toBe(n);
    // Interoperates with the whole-buffer reference implementation.
    expectBytes(openAll(envelope, KEY_V1, nodeAesGcm), plain);

    const dec = await decryptFile(encPath, outPath, { getKey: decKey });
    expect(dec.bytesOut).toBe(n);
    expect(dec.bytesIn).toBe(envelope.length);
    expect(dec.header.keyName).toBe(KEY_NAME);
    expectBytes(new Uint8Array(await readFile(outPath)), plain);
    expect((await stat(outPath)).mode & 0o777).toBe(0o600);
    expect(await exists(`${outPath}.partial`)).toBe(false);
    expect(await exists(`${encPath}.partial`)).toBe(false);
  });

  it.each(sizes)('streams with irregular chunks: %i bytes', async (n) => {
    const plain = data(n, 'stream');
    const sink = new Collector();
    const enc = await encryptStream(Readable.from(irregularChunks(plain, n + 1)), sink, encOpts(S));
    const envelope = sink.bytes();
    expect(enc.bytesIn).toBe(n);
    expect(enc.bytesOut).toBe(envelope.length);
    expectBytes(openAll(envelope, KEY_V1, nodeAesGcm), plain);

    const out = new Collector();
    const dec = await decryptStream(Readable.from(irregularChunks(envelope, n + 7)), out, { getKey: decKey });
    expect(dec.bytesOut).toBe(n);
    expectBytes(out.bytes(), plain);
  });
});

describe('streams', () => {
  it('decrypts when the envelope arrives one byte at a time (header parsing across chunks)', async () => {
    const plain = data(3000);
    const sink = new Collector();
    await encryptStream(Readable.from([plain]), sink, encOpts(1024));
    const envelope = sink.bytes();
    const bytes = Array.from(envelope, (b) => Uint8Array.of(b));
    const out = new Collector();
    const progress: number[] = [];
    await decryptStream(Readable.from(bytes), out, { getKey: decKey, onProgress: (b) => progress.push(b) });
    expectBytes(out.bytes(), plain);
    expect(progress).toEqual([1024, 2048, 3000]);
  });

  it('end: false leaves the output open for more writes', async () => {
    const sink = new Collector();
    const r = await encryptStream(Readable.from([data(10)]), sink, { ...encOpts(), end: false });
    expect(sink.writableEnded).toBe(false);
    sink.end(Buffer.from('trailer'));
    expect(sink.bytes().length).toBe(r.bytesOut + 7);
  });

  it('passes the header key name, version and resource id to getKey', async () => {
    const sink = new Collector();
    await encryptStream(Readable.from([data(10)]), sink, encOpts());
    const seen: unknown[] = [];
    await decryptStream(Readable.from([sink.bytes()]), new Collector(), {
      getKey: async (name, version, rid) => {
        seen.push([name, version, Buffer.from(rid).toString()]);
        return KEY_V1;
      },
    });
    expect(seen).toEqual([[KEY_NAME, 1, 'bucket/object-0001']]);
  });

  it('respects backpressure: bounded read-ahead with a slow consumer', async () => {
    const S = 1024;
    const total = 2 * 1024 * 1024;
    let produced = 0;
    let consumed = 0;
    let maxAhead = 0;
    async function* source(): AsyncGenerator<Uint8Array> {
      const chunk = new Uint8Array(4096);
      while (produced < total) {
        produced += chunk.length;
        yield chunk;
      }
    }
    const slow = new Writable({
      highWaterMark: 1,
      write(chunk: Buffer, _enc, cb) {
        consumed += chunk.length;
        maxAhead = Math.max(maxAhead, produced - consumed);
        setImmediate(cb);
      },
    });
    const r = await encryptStream(Readable.from(source(), { highWaterMark: 2 }), slow, encOpts(S));
    expect(consumed).toBe(r.bytesOut);
    expect(r.bytesOut).toBe(measureHeader(r.header) + ciphertextLength(total, S));
    // Read-ahead is a few chunks and one segment, never the whole input.
    expect(maxAhead).toBeLessThan(64 * 1024);
  });

  it('a stream rejection carries the EnvelopeError', async () => {
    const sink = new Collector();
    await encryptStream(Readable.from([data(5000)]), sink, encOpts(1024));
    const envelope = sink.bytes();
    const cut = envelope.subarray(0, envelope.length - 1);
    await expectEnvelopeError(decryptStream(Readable.from([cut]), new Collector(), { getKey: decKey }), ['AUTH_FAILED', 'TRUNCATED']);
    await expectEnvelopeError(decryptStream(Readable.from([]), new Collector(), { getKey: decKey }), 'TRUNCATED');
  });

  it('bad segment size is rejected before anything is written', async () => {
    await expectEnvelopeError(encryptStream(Readable.from([data(10)]), new Collector(), encOpts(1000)), 'BAD_FIELD');
  });
});

describe('decryptFile failures leave no output', () => {
  const S = 1024;
  const N = 5 * S + 100; // 6 segments
  let plainPath: string;
  let encPath: string;
  let envelope: Uint8Array;
  let headerLength: number;

  beforeAll(async () => {
    plainPath = tmp('fail-plain');
    encPath = tmp('fail-enc');
    await writeFile(plainPath, data(N, 'fail'));
    await encryptFile(plainPath, encPath, encOpts(S));
    envelope = new Uint8Array(await readFile(encPath));
    headerLength = decodeHeader(envelope).headerLength;
  });

  async function decryptBytes(bytes: Uint8Array, codes: EnvelopeErrorCode | EnvelopeErrorCode[], getKey = decKey) {
    const bad = tmp('bad');
    const out = tmp('out');
    await writeFile(bad, bytes);
    const err = await expectEnvelopeError(decryptFile(bad, out, { getKey }), codes);
    await expectNoOutput(out);
    return err;
  }

  const flip = (at: number): Uint8Array => {
    const b = Uint8Array.from(envelope);
    b[at] = b[at]! ^ 0x40;
    return b;
  };

  it('byte flipped in a middle segment → AUTH_FAILED (earlier plaintext removed)', async () => {
    const err = await decryptBytes(flip(headerLength + 3 * (S + 16) + 10), 'AUTH_FAILED');
    expect(err.field).toBe('segment 3');
  });

  it('byte flipped in the last segment / its tag → AUTH_FAILED', async () => {
    await decryptBytes(flip(envelope.length - 20), 'AUTH_FAILED');
    await decryptBytes(flip(envelope.length - 1), 'AUTH_FAILED');
  });

  it('byte flipped in the header', async () => {
    await decryptBytes(flip(0), 'BAD_MAGIC');
    await decryptBytes(flip(4), 'UNSUPPORTED_VERSION');
    await decryptBytes(flip(8), 'WRONG_KEY'); // key name
    await decryptBytes(flip(headerLength - 60 - 3), 'WRONG_KEY'); // nonce prefix
    await decryptBytes(flip(headerLength - 60), 'WRONG_KEY'); // wrap nonce
    await decryptBytes(flip(headerLength - 1), 'WRONG_KEY'); // wrapped DEK tag
  });

  it('truncation at a segment boundary → TRUNCATED', async () => {
    await decryptBytes(envelope.subarray(0, headerLength + 5 * (S + 16)), 'TRUNCATED');
    await decryptBytes(envelope.subarray(0, headerLength + 1 * (S + 16)), 'TRUNCATED');
  });

  it('truncation inside a segment, inside the header, to nothing → rejected', async () => {
    await decryptBytes(envelope.subarray(0, envelope.length - 1), ['AUTH_FAILED', 'TRUNCATED']);
    await decryptBytes(envelope.subarray(0, headerLength + 5 * (S + 16) + 8), 'TRUNCATED');
    await decryptBytes(envelope.subarray(0, headerLength), 'TRUNCATED');
    await decryptBytes(envelope.subarray(0, headerLength - 1), 'TRUNCATED');
    await decryptBytes(envelope.subarray(0, 3), 'TRUNCATED');
    await decryptBytes(new Uint8Array(0), 'TRUNCATED');
  });

  it('appended bytes → AUTH_FAILED', async () => {
    const longer = new Uint8Array(envelope.length + 100);
    longer.set(envelope);
    await decryptBytes(longer, ['AUTH_FAILED', 'TRUNCATED']);
  });

  it('header from another file (same key, name, resource) → AUTH_FAILED', async () => {
    const otherEnc = tmp('other-enc');
    await encryptFile(plainPath, otherEnc, encOpts(S));
    const other = new Uint8Array(await readFile(otherEnc));
    const spliced = new Uint8Array(envelope.length);
    spliced.set(other.subarray(0, headerLength));
    spliced.set(envelope.subarray(headerLength), headerLength);
    const err = await decryptBytes(spliced, 'AUTH_FAILED');
    expect(err.field).toBe('segment 0');
  });

  it('wrong resource key → WRONG_KEY', async () => {
    await decryptBytes(envelope, 'WRONG_KEY', async () => KEY_V2);
  });

  it('getKey failure passes through unchanged, no output', async () => {
    const out = tmp('out');
    const boom = new Error('cluster unavailable');
    await expect(decryptFile(encPath, out, { getKey: async () => Promise.reject(boom) })).rejects.toBe(boom);
    await expectNoOutput(out);
  });

  it('an existing .partial is never taken over (another run may own it): refused, named, left as it was; a missing input gives FileIoError naming the path', async () => {
    const out = tmp('out');
    await writeFile(`${out}.partial`, 'in progress');
    const taken = await decryptFile(encPath, out, { getKey: decKey }).catch((e: unknown) => e);
    expect(taken).toBeInstanceOf(FileIoError);
    expect((taken as Error).message).toBe(`cannot create ${out}.partial: it already exists: another run is writing this output or an interrupted one left its partial output there; remove it if no other run is writing it and try again`);
    expect(await readFile(`${out}.partial`, 'utf8')).toBe('in progress');
    expect(await exists(out)).toBe(false);
    await unlink(`${out}.partial`);
    await decryptFile(encPath, out, { getKey: decKey });
    expectBytes(new Uint8Array(await readFile(out)), data(N, 'fail'));

    const missing = join(dir, 'does-not-exist');
    const out2 = tmp('out');
    const err = await decryptFile(missing, out2, { getKey: decKey }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FileIoError);
    expect((err as Error).message).toContain(missing);
    expect((err as Error).message).not.toContain('\n');
    await expectNoOutput(out2);
  });

  it('an unwritable output directory gives FileIoError naming the path', async () => {
    const out = join(dir, 'no-such-dir', 'out');
    const err = await encryptFile(plainPath, out, encOpts(S)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FileIoError);
    expect((err as Error).message).toContain(`${out}.partial`);
  });

  it('leaves no stray files in the directory', async () => {
    expect((await readdir(dir)).filter((f) => f.endsWith('.partial'))).toEqual([]);
  });
});

describe('readRange', () => {
  const S = 1024;
  const N = 10 * S + 100; // 11 segments, last one 100 bytes
  let plain: Uint8Array;
  let encPath: string;

  beforeAll(async () => {
    plain = data(N, 'range');
    const inPath = tmp('range-plain');
    encPath = tmp('range-enc');
    await writeFile(inPath, plain);
    await encryptFile(inPath, encPath, encOpts(S));
  });

  const ranges: [number, number][] = [
    [0, 0],
    [0, 1],
    [0, S],
    [S - 1, 2],
    [S - 5, S + 10],
    [3 * S, 5 * S],
    [3 * S + 17, 2 * S - 30],
    [10 * S, 100],
    [10 * S + 50, 50],
    [N - 1, 1],
    [9 * S + 1000, 124],
    [0, N],
    [N, 0],
  ];
  it.each(ranges)('offset %i length %i equals the slice', async (offset, length) => {
    const got = await readRange(encPath, offset, length, { getKey: decKey });
    expectBytes(got, plain.slice(offset, offset + length));
    const verified = await readRange(encPath, offset, length, { getKey: decKey, verifyLast: true });
    expectBytes(verified, plain.slice(offset, offset + length));
  });

  it('a range past the end → RangeError', async () => {
    await expect(readRange(encPath, N - 10, 11, { getKey: decKey })).rejects.toThrow(RangeError);
    await expect(readRange(encPath, N + 1, 0, { getKey: decKey })).rejects.toThrow(RangeError);
    await expect(readRange(encPath, -1, 1, { getKey: decKey })).rejects.toThrow(RangeError);
  });

  it('reads only the covering segments: damage elsewhere does not matter, damage inside does', async () => {
    const bytes = new Uint8Array(await readFile(encPath));
    const headerLength = decodeHeader(bytes).headerLength;
    bytes[headerLength + 7 * (S + 16) + 3]! ^= 1; // damage segment 7
    const damaged = tmp('range-damaged');
    await writeFile(damaged, bytes);
    expectBytes(await readRange(damaged, 2 * S, 3 * S, { getKey: decKey }), plain.slice(2 * S, 5 * S));
    const err = await expectEnvelopeError(readRange(damaged, 6 * S + 10, S, { getKey: decKey }), 'AUTH_FAILED');
    expect(err.field).toBe('segment 7');
  });

  it('uses the file size for the last flag: a file cut at a boundary fails on its new last segment', async () => {
    const bytes = new Uint8Array(await readFile(encPath));
    const headerLength = decodeHeader(bytes).headerLength;
    const cut = tmp('range-cut');
    await writeFile(cut, bytes.subarray(0, headerLength + 10 * (S + 16))); // drop the last segment
    await expectEnvelopeError(readRange(cut, 9 * S, 10, { getKey: decKey }), 'TRUNCATED');
    // Segments before it authenticate on their own (docs/envelope.md § Random access) …
    expectBytes(await readRange(cut, 0, 10, { getKey: decKey }), plain.slice(0, 10));
    // … unless the caller asks to verify the end.
    await expectEnvelopeError(readRange(cut, 0, 10, { getKey: decKey, verifyLast: true }), 'TRUNCATED');
    // A non-canonical body length is rejected up front.
    const frag = tmp('range-frag');
    await writeFile(frag, bytes.subarray(0, headerLength + 10 * (S + 16) + 5));
    await expectEnvelopeError(readRange(frag, 0, 10, { getKey: decKey }), 'TRUNCATED');
  });

  it('wrong key → WRONG_KEY; missing file → FileIoError', async () => {
    await expectEnvelopeError(readRange(encPath, 0, 10, { getKey: async () => KEY_V2 }), 'WRONG_KEY');
    await expect(readRange(join(dir, 'missing'), 0, 1, { getKey: decKey })).rejects.toBeInstanceOf(FileIoError);
  });
});

describe('rewrapFile', () => {
  const S = 1024;
  const N = 7 * S + 3;
  let plain: Uint8Array;
  let encPath: string;
  let original: Uint8Array;

  beforeAll(async () => {
    plain = data(N, 'rewrap');
    const inPath = tmp('rewrap-plain');
    encPath = tmp('rewrap-enc');
    await writeFile(inPath, plain);
    await encryptFile(inPath, encPath, encOpts(S));
    original = new Uint8Array(await readFile(encPath));
  });

  it('moves to the new version: decrypts with it, body unchanged, old key fails', async () => {
    const out = tmp('rewrapped');
    const r = await rewrapFile(encPath, out, { getKey: decKey, newVersion: 2, newKey: KEY_V2 });
    expect(r.header.keyVersion).toBe(1);
    expect(r.newHeader.keyVersion).toBe(2);
    expect(r.newVersion).toBe(2);
    const rewrapped = new Uint8Array(await readFile(out));
    const hOld = decodeHeader(original);
    const hNew = decodeHeader(rewrapped);
    expect(hNew.headerLength).toBe(hOld.headerLength);
    expect(hNew.header.keyVersion).toBe(2);
    expectBytes(hNew.header.noncePrefix, hOld.header.noncePrefix);
    expect(hNew.header.wrappedDek).not.toEqual(hOld.header.wrappedDek);
    expectBytes(rewrapped.subarray(hNew.headerLength), original.subarray(hOld.headerLength));
    expect(await exists(`${out}.partial`)).toBe(false);

    const dec = tmp('rewrap-dec');
    await decryptFile(out, dec, { getKey: decKey });
    expectBytes(new Uint8Array(await readFile(dec)), plain);

    // The old resource key (served for the new version) no longer opens it.
    const dec2 = tmp('rewrap-dec');
    await expectEnvelopeError(decryptFile(out, dec2, { getKey: async () => KEY_V1 }), 'WRONG_KEY');
    await expectNoOutput(dec2);
    // The original file is untouched.
    expectBytes(new Uint8Array(await readFile(encPath)), original);
  });

  it('in place (inPath === outPath) via temp + rename, keeping the file mode', async () => {
    const path = tmp('rewrap-inplace');
    await writeFile(path, original);
    await chmod(path, 0o640);
    await rewrapFile(path, path, { getKey: decKey, newVersion: 2, newKey: KEY_V2 });
    expect((await stat(path)).mode & 0o777).toBe(0o640);
    expect(await exists(`${path}.partial`)).toBe(false);
    expectBytes(await readRange(path, S - 2, 4, { getKey: decKey }), plain.slice(S - 2, S + 2));
    expect(decodeHeader(new Uint8Array(await readFile(path))).header.keyVersion).toBe(2);
  });

  it('getNewKey derives the new key from the header name and resource id', async () => {
    const out = tmp('rewrap-derived');
    const seen: unknown[] = [];
    const r = await rewrapFile(encPath, out, {
      getKey: decKey,
      getNewKey: async (name, rid) => {
        seen.push([name, Buffer.from(rid).toString()]);
        return { key: KEY_V2, version: 2 };
      },
    });
    expect(seen).toEqual([[KEY_NAME, 'bucket/object-0001']]);
    expect(r.newVersion).toBe(2);
    expectBytes(await readRange(out, 0, N, { getKey: decKey }), plain);
  });

  it('wrong old key → WRONG_KEY and no output', async () => {
    const out = tmp('rewrap-bad');
    await expectEnvelopeError(
      rewrapFile(encPath, out, { getKey: async () => KEY_V2, newVersion: 2, newKey: KEY_V2 }),
      'WRONG_KEY',
    );
    await expectNoOutput(out);
  });

  it('a truncated body is refused', async () => {
    const cut = tmp('rewrap-cut');
    await writeFile(cut, original.subarray(0, original.length - 3 - 16 + 5));
    const out = tmp('rewrap-out');
    await expectEnvelopeError(rewrapFile(cut, out, { getKey: decKey, newVersion: 2, newKey: KEY_V2 }), 'TRUNCATED');
    await expectNoOutput(out);
  });
});
