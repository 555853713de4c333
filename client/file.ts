/**
 * Streaming envelope encryption (DESIGN.md § "Envelope format", docs/envelope.md) with constant
 * memory: at most one segment (plus the chunk being consumed) is buffered, whatever the size of
 * the data. The resource key comes from the caller through callbacks (the cluster derivation
 * lives elsewhere).
 *
 * Release of plaintext: `decryptStream` emits a segment's plaintext only after that segment has
 * authenticated, but truncation at a segment boundary is only detectable at the end of the
 * stream, so a stream consumer must treat a rejection as a failure of the whole stream.
 * `decryptFile` writes to `OUT.partial` and renames it only after the whole input has
 * authenticated; on any error the partial file is deleted, so no plaintext of a damaged
 * envelope is left behind (except when writing to stdout, `-`).
 * @module
 */
import { randomBytes } from 'node:crypto';
import { open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  EnvelopeError,
  FIXED_HEADER_LENGTH,
  MAGIC,
  TAG_LENGTH,
  countSegments,
  createHeader,
  decodeHeader,
  encodeHeader,
  locateRange,
  openRange,
  openSegment,
  plaintextLength,
  rewrapHeader,
  computeSegmentAad,
  sealSegment,
  segmentOffset,
  unwrapDek,
  type Aead,
  type EnvelopeHeader,
  type Rng,
} from '../crypto/envelope.js';
import { nodeAesGcm } from './aead-node.js';
import { errnoText, syncDir } from './fs-util.js';
import { systemRng } from '../crypto/bytes.js';

const aead: Aead = nodeAesGcm;
const defaultRng: Rng = systemRng;
/** Read size for file input (one more read is in flight while a chunk is processed). */
const IO_CHUNK = 1024 * 1024;
/** Body copies in rewrap. */
const COPY_CHUNK = 1024 * 1024;
/** Output is written in batches of about this many bytes (one writev), one batch in flight. */
const WRITE_BATCH = 1024 * 1024;
/** At most this many buffers per writev (well below IOV_MAX). */
const WRITE_BATCH_PARTS = 256;

// ---------------------------------------------------------------------------------------------
// Types
// ---------------------------------------------------------------------------------------------

/** Resource key for a new envelope: the newest active version of `keyName` for `resourceId`. */
export type KeyForEncrypt = (keyName: string, resourceId: Uint8Array) => Promise<{ key: Uint8Array; version: number }>;
/** Resource key for an existing envelope, from the header's key name, version and resource id. */
export type KeyForDecrypt = (keyName: string, version: number, resourceId: Uint8Array) => Promise<Uint8Array>;

export interface EncryptOptions {
  keyName: string;
  resourceId: Uint8Array;
  /** Plaintext bytes per segment, 1 KiB..16 MiB; default 64 KiB. */
  segmentSize?: number;
  getKey: KeyForEncrypt;
  /** Randomness for the DEK, nonce prefix and wrap nonce. Default node:crypto randomBytes. */
  rng?: Rng;
  /** Called as input is consumed, with the total plaintext bytes read so far. */
  onProgress?: (bytes: number) => void;
  signal?: AbortSignal;
}

export interface DecryptOptions {
  getKey: KeyForDecrypt;
  /** Called as plaintext is released, with the total plaintext bytes written so far. */
  onProgress?: (bytes: number) => void;
  signal?: AbortSignal;
}

export interface StreamEndOption {
  /** End `output` when done (default true). */
  end?: boolean;
}

export interface EncryptResult {
  header: EnvelopeHeader;
  /** Plaintext bytes read. */
  bytesIn: number;
  /** Envelope bytes written (header + segments). */
  bytesOut: number;
}

export interface DecryptResult {
  header: EnvelopeHeader;
  /** Envelope bytes read. */
  bytesIn: number;
  /** Plaintext bytes written. */
  bytesOut: number;
}

export interface ReadRangeOptions {
  getKey: KeyForDecrypt;
  /**
   * Also authenticate the envelope's last segment when the range does not include it, which
   * proves the file was not cut at a segment boundary (docs/envelope.md § Random access). Costs
   * one extra segment read. Default false.
   */
  verifyLast?: boolean;
}

/**
 * Rewrap options: the old resource key comes from `getKey` (header name, version, resource id).
 * The new one is either given (`newVersion` + `newKey`) or derived from the header's key name
 * and resource id by `getNewKey` (like `KeyForEncrypt`: returns the key and its version).
 */
export type RewrapOptions = { getKey: KeyForDecrypt; rng?: Rng } & (
  | { newVersion: number; newKey: Uint8Array; getNewKey?: undefined }
  | { getNewKey: KeyForEncrypt; newVersion?: undefined; newKey?: undefined }
);

export interface RewrapResult {
  /** The header before the rewrap (its keyVersion is the old version). */
  header: EnvelopeHeader;
  /** The header now in the output file. */
  newHeader: EnvelopeHeader;
  newVersion: number;
}

/** An I/O failure on a named path (one line: operation, path, errno). */
export class FileIoError extends Error {
  override readonly name = 'FileIoError';
  readonly code = 'FILE_IO';
  constructor(
    readonly path: string,
    readonly op: string,
    cause: unknown,
  ) {
    super(`cannot ${op} ${path}: ${errnoText(cause)}`, { cause });
  }
}

// ---------------------------------------------------------------------------------------------
// Core transforms (async generators: constant memory, backpressure by construction)
// ---------------------------------------------------------------------------------------------

function toBytes(chunk: unknown): Uint8Array {
  if (chunk instanceof Uint8Array) return chunk;
  if (typeof chunk === 'string') return Buffer.from(chunk, 'utf8');
  throw new TypeError(`expected a stream of bytes, got a chunk of type ${typeof chunk}`);
}

interface Counters {
  header?: EnvelopeHeader;
  bytesIn: number;
  bytesOut: number;
}

function encryptTransform(opts: EncryptOptions, c: Counters) {
  return async function* encrypt(source: AsyncIterable<unknown>): AsyncGenerator<Uint8Array> {
    const { key, version } = await opts.getKey(opts.keyName, opts.resourceId);
    const { header, dek } = createHeader(
      { keyName: opts.keyName, keyVersion: version, resourceId: opts.resourceId, segmentSize: opts.segmentSize },
      key,
      aead,
      opts.rng ?? defaultRng,
    );
    c.header = header;
    const size = header.segmentSize;
    const aad = computeSegmentAad(header);
    const buf = new Uint8Array(size);
    let fill = 0;
    let index = 0;
    try {
      const head = encodeHeader(header);
      c.bytesOut += head.length;
      yield head;
      for await (const raw of source) {
        const chunk = toBytes(raw);
        let pos = 0;
        while (pos < chunk.length) {
          // A full segment is sealed as non-last only once more data is known to follow.
          if (fill === size) {
            const sealed = sealSegment(aead, dek, header, index++, false, buf, aad);
            fill = 0;
            c.bytesOut += sealed.length;
            yield sealed;
          }
          // Whole segments with more data after them in this chunk are sealed in place, without
          // the copy through `buf`.
          while (fill === 0 && chunk.length - pos > size) {
            const sealed = sealSegment(aead, dek, header, index++, false, chunk.subarray(pos, pos + size), aad);
            pos += size;
            c.bytesOut += sealed.length;
            yield sealed;
          }
          const n = Math.min(size - fill, chunk.length - pos);
          buf.set(chunk.subarray(pos, pos + n), fill);
          fill += n;
          pos += n;
        }
        if (chunk.length > 0) {
          c.bytesIn += chunk.length;
          opts.onProgress?.(c.bytesIn);
        }
      }
      const sealed = sealSegment(aead, dek, header, index, true, buf.subarray(0, fill), aad);
      c.bytesOut += sealed.length;
      yield sealed;
    } finally {
      dek.fill(0);
      buf.fill(0);
    }
  };
}

/**
 * How many bytes are needed to decode the header, from its first bytes. Returns `b.length`
 * when a field is already known to be bad, so that `decodeHeader` reports it at once.
 */
function headerNeed(b: Uint8Array): number {
  for (let i = 0; i < Math.min(b.length, MAGIC.length); i++) if (b[i] !== MAGIC[i]) return b.length;
  if (b.length < 7) return 7;
  const k = (b[5]! << 8) | b[6]!;
  if (k < 1 || k > 255) return b.length;
  if (b.length < 13 + k) return 13 + k;
  const r = (b[11 + k]! << 8) | b[12 + k]!;
  if (r < 1) return b.length;
  return FIXED_HEADER_LENGTH + k + r;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

function decryptTransform(opts: DecryptOptions, c: Counters) {
  return async function* decrypt(source: AsyncIterable<unknown>): AsyncGenerator<Uint8Array> {
    let pending: Uint8Array = new Uint8Array(0); // header bytes, before the header is decoded
    let header: EnvelopeHeader | undefined;
    let dek: Uint8Array | undefined;
    let aad: Uint8Array = new Uint8Array(0);
    let seg = new Uint8Array(0);
    let full = 0;
    let fill = 0;
    let index = 0;
    try {
      for await (const raw of source) {
        let chunk = toBytes(raw);
        c.bytesIn += chunk.length;
        if (dek === undefined) {
          pending = concat(pending, chunk);
          if (pending.length < headerNeed(pending)) continue;
          const decoded = decodeHeader(pending);
          header = decoded.header;
          c.header = header;
          const key = await opts.getKey(header.keyName, header.keyVersion, header.resourceId);
          dek = unwrapDek(header, key, aead);
          aad = computeSegmentAad(header);
          full = header.segmentSize + TAG_LENGTH;
          seg = new Uint8Array(full);
          chunk = pending.subarray(decoded.headerLength);
          pending = new Uint8Array(0);
        }
        let pos = 0;
        while (pos < chunk.length) {
          // A full segment is opened as non-last only once more data is known to follow.
          if (fill === full) {
            const plain = openSegment(aead, dek, header!, index++, false, seg, aad);
            fill = 0;
            c.bytesOut += plain.length;
            yield plain;
            opts.onProgress?.(c.bytesOut);
          }
          // Whole segments with more data after them in this chunk are opened in place.
          while (fill === 0 && chunk.length - pos > full) {
            const plain = openSegment(aead, dek, header!, index++, false, chunk.subarray(pos, pos + full), aad);
            pos += full;
            c.bytesOut += plain.length;
            yield plain;
            opts.onProgress?.(c.bytesOut);
          }
          const n = Math.min(full - fill, chunk.length - pos);
          seg.set(chunk.subarray(pos, pos + n), fill);
          fill += n;
          pos += n;
        }
      }
      if (dek === undefined || header === undefined) {
        decodeHeader(pending); // throws: TRUNCATED (or the first bad field)
        throw new EnvelopeError('TRUNCATED', 'header', 'input ended inside the header');
      }
      if (index === 0 && fill === 0) throw new EnvelopeError('TRUNCATED', 'body', 'no segments');
      const plain = openSegment(aead, dek, header, index, true, seg.subarray(0, fill), aad);
      c.bytesOut += plain.length;
      yield plain;
      opts.onProgress?.(c.bytesOut);
    } finally {
      dek?.fill(0);
      seg.fill(0);
    }
  };
}

// ---------------------------------------------------------------------------------------------
// Streams
// ---------------------------------------------------------------------------------------------

/**
 * Encrypts `input` into an envelope on `output`. Memory O(segmentSize). Respects backpressure.
 * Ends `output` unless `end: false`.
 */
export async function encryptStream(
  input: Readable,
  output: Writable,
  opts: EncryptOptions & StreamEndOption,
): Promise<EncryptResult> {
  const c: Counters = { bytesIn: 0, bytesOut: 0 };
  await pipeline(input, encryptTransform(opts, c), output, { end: opts.end ?? true, signal: opts.signal });
  return { header: c.header!, bytesIn: c.bytesIn, bytesOut: c.bytesOut };
}

/**
 * Decrypts an envelope from `input` to `output`. Each segment's plaintext is written only after
 * it authenticates; a truncated or damaged stream rejects (at the latest at the end), after
 * earlier segments may already have been written: treat a rejection as a failure of the whole
 * output. Ends `output` unless `end: false`.
 */
export async function decryptStream(
  input: Readable,
  output: Writable,
  opts: DecryptOptions & StreamEndOption,
): Promise<DecryptResult> {
  const c: Counters = { bytesIn: 0, bytesOut: 0 };
  await pipeline(input, decryptTransform(opts, c), output, { end: opts.end ?? true, signal: opts.signal });
  return { header: c.header!, bytesIn: c.bytesIn, bytesOut: c.bytesOut };
}

// ---------------------------------------------------------------------------------------------
// Files
// ---------------------------------------------------------------------------------------------

async function openForRead(path: string): Promise<FileHandle> {
  try {
    return await open(path, 'r');
  } catch (err) {
    throw new FileIoError(path, 'open', err);
  }
}

/**
 * Creates `path` exclusively (O_EXCL: never follows a planted symlink). An existing one is never
 * replaced: it may be another run's output in progress (taking it over let that run rename this
 * run's file, and this run then wrote a damaged envelope's plaintext into OUT), or an interrupted
 * run's; the error says so and what to do.
 */
async function openExclusive(path: string, mode: number): Promise<FileHandle> {
  try {
    return await open(path, 'wx', mode);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new FileIoError(path, 'create', new Error('it already exists: another run is writing this output or an interrupted one left its partial output there; remove it if no other run is writing it and try again'));
    }
    throw new FileIoError(path, 'create', err);
  }
}

async function writeAll(fh: FileHandle, path: string, bytes: Uint8Array): Promise<void> {
  let off = 0;
  try {
    while (off < bytes.length) {
      const { bytesWritten } = await fh.write(bytes, off, bytes.length - off);
      off += bytesWritten;
    }
  } catch (err) {
    throw new FileIoError(path, 'write', err);
  }
}

async function readAt(fh: FileHandle, path: string, position: number, length: number): Promise<Uint8Array> {
  const buf = new Uint8Array(length);
  let off = 0;
  try {
    while (off < length) {
      const { bytesRead } = await fh.read(buf, off, length - off, position + off);
      if (bytesRead === 0) break;
      off += bytesRead;
    }
  } catch (err) {
    throw new FileIoError(path, 'read', err);
  }
  return off === length ? buf : buf.subarray(0, off);
}

async function fileSize(fh: FileHandle, path: string): Promise<number> {
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new Error('not a regular file');
    return st.size;
  } catch (err) {
    throw new FileIoError(path, 'stat', err);
  }
}

/**
 * Yields the chunks of an open file; read errors become FileIoError naming the path. The next
 * chunk is read while the consumer processes the current one, into the other of two buffers: a
 * chunk is valid only until the consumer asks for the next (the transforms here copy or
 * consume it at once), and memory stays at two chunks.
 */
async function* readFileChunks(fh: FileHandle, path: string): AsyncGenerator<Uint8Array> {
  const buffers = [new Uint8Array(IO_CHUNK), new Uint8Array(IO_CHUNK)];
  let position = 0;
  let which = 0;
  const readInto = (buf: Uint8Array, at: number): Promise<number> => {
    const read = fh.read(buf, 0, IO_CHUNK, at).then(
      (r) => r.bytesRead,
      (err: unknown) => {
        throw new FileIoError(path, 'read', err);
      },
    );
    read.catch(() => undefined); // a read-ahead may fail while nobody awaits it yet: not unhandled
    return read;
  };
  let pending: Promise<number> | undefined = readInto(buffers[0]!, 0);
  try {
    while (pending) {
      const bytesRead = await pending;
      pending = undefined;
      if (bytesRead === 0) return;
      const buf = buffers[which]!;
      position += bytesRead;
      which ^= 1;
      // A short read is not taken for the end of the file: the next read returns 0 there.
      pending = readInto(buffers[which]!, position);
      yield bytesRead === IO_CHUNK ? buf : buf.subarray(0, bytesRead);
    }
  } finally {
    // An abandoned read-ahead must not leave an unhandled rejection, nor write into a buffer
    // after the file handle is closed by the caller.
    if (pending) await pending.catch(() => undefined);
  }
}

/** Yields the chunks of a Readable (stdin); read errors become FileIoError naming it. */
async function* readStreamChunks(source: Readable, path: string): AsyncGenerator<Uint8Array> {
  const it = source[Symbol.asyncIterator]();
  let done = false;
  try {
    for (;;) {
      let r: IteratorResult<unknown>;
      try {
        r = await it.next();
      } catch (err) {
        done = true;
        throw new FileIoError(path, 'read', err);
      }
      if (r.done) {
        done = true;
        return;
      }
      yield toBytes(r.value);
    }
  } finally {
    if (!done) await it.return?.();
  }
}

/**
 * Runs `produce` into `outPath` via `outPath.partial` (mode `mode`), fsyncs and renames it only
 * when `produce` completed; on any error the partial file is removed. `-` = stdout.
 */
async function writeOutput(
  outPath: string,
  mode: number,
  produce: AsyncIterable<Uint8Array>,
  signal: AbortSignal | undefined,
  opts: { chunksAreOwned?: boolean } = {},
): Promise<void> {
  if (outPath === '-') {
    await pipeline(produce, process.stdout, { end: false, signal });
    return;
  }
  const partial = `${outPath}.partial`;
  const fh = await openExclusive(partial, mode);
  let closed = false;
  // Chunks are gathered into batches of about WRITE_BATCH bytes, each written with one writev.
  // When the producer hands over chunks it never touches again (`chunksAreOwned`), one batch is
  // written while the next is produced; otherwise each batch is written before producing more.
  let inFlight: Promise<void> | undefined;
  try {
    let batch: Uint8Array[] = [];
    let batchBytes = 0;
    const flush = async (): Promise<void> => {
      if (inFlight) await inFlight;
      inFlight = undefined;
      if (batch.length === 0) return;
      const write = writevAll(fh, partial, batch);
      batch = [];
      batchBytes = 0;
      if (opts.chunksAreOwned) {
        inFlight = write;
        write.catch(() => undefined); // observed when awaited; never unhandled
      } else {
        await write;
      }
    };
    for await (const bytes of produce) {
      signal?.throwIfAborted();
      if (bytes.length === 0) continue;
      batch.push(bytes);
      batchBytes += bytes.length;
      if (batchBytes >= WRITE_BATCH || batch.length >= WRITE_BATCH_PARTS) await flush();
    }
    await flush();
    if (inFlight) await inFlight;
    inFlight = undefined;
    try {
      await fh.sync();
      closed = true;
      await fh.close();
    } catch (err) {
      throw new FileIoError(partial, 'flush', err);
    }
    try {
      await rename(partial, outPath);
    } catch (err) {
      throw new FileIoError(outPath, 'rename to', err);
    }
    await syncDir(dirname(outPath));
  } catch (err) {
    if (inFlight) await inFlight.catch(() => undefined);
    if (!closed) await fh.close().catch(() => undefined);
    await unlink(partial).catch(() => undefined);
    throw err;
  }
}

/** Writes `parts` in order at the file's current position (writev, then the rest if it was short). */
async function writevAll(fh: FileHandle, path: string, parts: Uint8Array[]): Promise<void> {
  let written: number;
  try {
    ({ bytesWritten: written } = await fh.writev(parts));
  } catch (err) {
    throw new FileIoError(path, 'write', err);
  }
  for (const p of parts) {
    if (written >= p.length) {
      written -= p.length;
      continue;
    }
    await writeAll(fh, path, written > 0 ? p.subarray(written) : p);
    written = 0;
  }
}

async function withInput<T>(inPath: string, run: (chunks: AsyncIterable<Uint8Array>) => Promise<T>): Promise<T> {
  if (inPath === '-') return run(readStreamChunks(process.stdin, 'stdin'));
  const fh = await openForRead(inPath);
  try {
    return await run(readFileChunks(fh, inPath));
  } finally {
    await fh.close().catch(() => undefined);
  }
}

/**
 * Encrypts file `inPath` to `outPath` (`-` = stdin/stdout) through `outPath.partial`, renamed
 * into place only when complete; on error nothing is left at either path.
 */
export async function encryptFile(inPath: string, outPath: string, opts: EncryptOptions): Promise<EncryptResult> {
  const c: Counters = { bytesIn: 0, bytesOut: 0 };
  await withInput(inPath, (chunks) => writeOutput(outPath, 0o666, encryptTransform(opts, c)(chunks), opts.signal, { chunksAreOwned: true }));
  return { header: c.header!, bytesIn: c.bytesIn, bytesOut: c.bytesOut };
}

/**
 * Decrypts file `inPath` to `outPath` (`-` = stdin/stdout). The plaintext goes to
 * `outPath.partial` (mode 0600) and is renamed to `outPath` only after every segment, including
 * the last, has authenticated; on any error the partial file is deleted, so no plaintext of a
 * damaged or truncated envelope is left. With `outPath = '-'` plaintext of segments that
 * authenticated before the error has already been written to stdout.
 */
export async function decryptFile(inPath: string, outPath: string, opts: DecryptOptions): Promise<DecryptResult> {
  const c: Counters = { bytesIn: 0, bytesOut: 0 };
  await withInput(inPath, (chunks) => writeOutput(outPath, 0o600, decryptTransform(opts, c)(chunks), opts.signal, { chunksAreOwned: true }));
  return { header: c.header!, bytesIn: c.bytesIn, bytesOut: c.bytesOut };
}

/** Reads and decodes the header at the start of an open envelope file of `size` bytes. */
async function readHeader(
  fh: FileHandle,
  path: string,
  size: number,
): Promise<{ header: EnvelopeHeader; headerLength: number }> {
  let bytes = await readAt(fh, path, 0, Math.min(size, 4096));
  for (;;) {
    const need = headerNeed(bytes);
    if (need <= bytes.length || bytes.length === size) return decodeHeader(bytes);
    bytes = await readAt(fh, path, 0, Math.min(size, need));
  }
}

/**
 * Random access: returns plaintext bytes [offset, offset + length) of the envelope file at
 * `path`, reading only the header and the segments that cover the range. Which segment is the
 * last (and so carries the last flag) follows from the file size. A range past the end of the
 * plaintext → RangeError.
 */
export async function readRange(path: string, offset: number, length: number, opts: ReadRangeOptions): Promise<Uint8Array> {
  const fh = await openForRead(path);
  try {
    const size = await fileSize(fh, path);
    const { header, headerLength } = await readHeader(fh, path, size);
    const S = header.segmentSize;
    const bodyLength = size - headerLength;
    const total = plaintextLength(bodyLength, S);
    const totalSegments = countSegments(total, S);
    const range = locateRange(offset, length, S);
    if (offset + length > total) {
      throw new RangeError(`range ${offset}+${length} ends past the end of the plaintext (${total} bytes)`);
    }
    const key = await opts.getKey(header.keyName, header.keyVersion, header.resourceId);
    const dek = unwrapDek(header, key, aead);
    try {
      const lastWanted = range.firstIndex + range.segmentCount - 1;
      if (opts.verifyLast && (range.segmentCount === 0 || lastWanted !== totalSegments - 1)) {
        const lastIndex = totalSegments - 1;
        const at = segmentOffset(lastIndex, S);
        const bytes = await readAt(fh, path, headerLength + at, bodyLength - at);
        openSegment(aead, dek, header, lastIndex, true, bytes).fill(0);
      }
      if (range.segmentCount === 0) return new Uint8Array(0);
      const cipherLength = Math.min(range.cipherLength, bodyLength - range.cipherOffset);
      const ciphertext = await readAt(fh, path, headerLength + range.cipherOffset, cipherLength);
      if (ciphertext.length !== cipherLength) {
        throw new FileIoError(path, 'read', new Error('file shrank while reading'));
      }
      return openRange(aead, dek, header, range, ciphertext, totalSegments);
    } finally {
      dek.fill(0);
    }
  } finally {
    await fh.close().catch(() => undefined);
  }
}

/**
 * Moves an envelope to a new key version: rewrites only the header (DEK unwrapped with the old
 * resource key from `getKey`, wrapped under the new key) and copies the body bytes unchanged.
 * Writes `outPath.partial` and renames it, so `inPath === outPath` rewraps in place atomically.
 * The output keeps the input's permission bits.
 */
export async function rewrapFile(inPath: string, outPath: string, opts: RewrapOptions): Promise<RewrapResult> {
  if (inPath === '-' || outPath === '-') throw new TypeError('rewrapFile: stdin/stdout are not supported');
  const fh = await openForRead(inPath);
  try {
    let size: number;
    let mode: number;
    try {
      const st = await fh.stat();
      if (!st.isFile()) throw new Error('not a regular file');
      size = st.size;
      mode = st.mode & 0o777;
    } catch (err) {
      throw new FileIoError(inPath, 'stat', err);
    }
    const { header, headerLength } = await readHeader(fh, inPath, size);
    const bodyLength = size - headerLength;
    plaintextLength(bodyLength, header.segmentSize); // reject a visibly truncated body up front
    const oldKey = await opts.getKey(header.keyName, header.keyVersion, header.resourceId);
    const { key: newKey, version: newVersion } = opts.getNewKey
      ? await opts.getNewKey(header.keyName, header.resourceId)
      : { key: opts.newKey, version: opts.newVersion };
    const newHeader = rewrapHeader(header, oldKey, newVersion, newKey, aead, opts.rng ?? defaultRng);
    const head = encodeHeader(newHeader);

    async function* produce(): AsyncGenerator<Uint8Array> {
      yield head;
      let position = headerLength;
      const buf = new Uint8Array(Math.min(COPY_CHUNK, Math.max(1, bodyLength)));
      while (position < size) {
        const want = Math.min(buf.length, size - position);
        let bytesRead: number;
        try {
          ({ bytesRead } = await fh.read(buf, 0, want, position));
        } catch (err) {
          throw new FileIoError(inPath, 'read', err);
        }
        if (bytesRead === 0) throw new FileIoError(inPath, 'read', new Error('file shrank while copying'));
        position += bytesRead;
        yield buf.subarray(0, bytesRead); // written before the next read reuses buf
      }
    }
    await writeOutput(outPath, mode, produce(), undefined);
    return { header, newHeader, newVersion };
  } finally {
    await fh.close().catch(() => undefined);
  }
}
