/**
 * Objects (DESIGN.md § "What is protected"): client-side envelope encryption before upload through
 * the S3 API (AWS SDK for JavaScript v3), against any S3-compatible endpoint.
 *
 * - The object body is exactly an envelope (docs/envelope.md): whatever downloads it (`aws s3 cp`)
 *   gets a file that `splitkey decrypt` opens. Key name, version and resource id are also stored
 *   as object metadata (`x-amz-meta-splitkey-*`) for inventories; the authenticated header, not
 *   the metadata, decides how an object is decrypted.
 * - The resource id defaults to `bucket/key`, so two objects never share a resource key, and a
 *   get refuses an object whose header names another resource (a body copied or swapped from
 *   another object) before any plaintext is produced.
 * - `put` streams through a multipart upload: memory is about `queueSize × partSize` plus one
 *   segment, whatever the object size.
 * - Range reads fetch the header once, then only the ciphertext segments covering the range.
 * - `rewrap` re-uploads: S3 cannot rewrite part of an object, and a server-side UploadPartCopy
 *   needs every part but the last to be at least 5 MiB, which a new header alone is not. The
 *   body is streamed through unchanged (ciphertext only, never decrypted), with a new header in
 *   front, under an If-Match on the ETag read, so a concurrent overwrite is not lost silently.
 * @module
 */
import { createReadStream } from 'node:fs';
import { open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { PassThrough, Readable, type Writable } from 'node:stream';
import { GetObjectCommand, HeadObjectCommand, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import {
  countSegments,
  decodeHeader,
  encodeHeader,
  EnvelopeError,
  FIXED_HEADER_LENGTH,
  locateRange,
  openRange,
  plaintextLength,
  rewrapHeader,
  unwrapDek,
  type EnvelopeHeader,
} from '../crypto/envelope.js';
import { nodeAesGcm } from './aead-node.js';
import type { SplitkeyClient } from './client.js';
import { decryptStream, encryptStream } from './file.js';
import { syncDir } from './fs-util.js';
import { constantTimeEqual, systemRng, utf8 } from '../crypto/bytes.js';

/** Where an object lives. */
export interface S3Location {
  bucket: string;
  key: string;
}

/** An object refused: swapped, tampered, truncated or not an envelope. */
export class ObjectError extends Error {
  override readonly name = 'ObjectError';
  constructor(
    readonly code: 'OBJECT_SWAPPED' | 'OBJECT_DAMAGED' | 'OBJECT_CHANGED' | 'BAD_LOCATION',
    message: string,
  ) {
    super(message);
  }
}

/** `s3://bucket/key/with/slashes` → { bucket, key }. */
export function parseS3Url(url: string): S3Location {
  const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(url);
  if (!m) throw new ObjectError('BAD_LOCATION', `expected an object location like s3://bucket/key, got "${url}"`);
  return { bucket: m[1]!, key: m[2]! };
}

export const defaultObjectResource = (loc: S3Location): string => `${loc.bucket}/${loc.key}`;

/**
 * An S3 client for `endpoint` (default: the SDK's own resolution, AWS_ENDPOINT_URL_S3 /
 * AWS_ENDPOINT_URL, then AWS). Credentials and region come from the SDK's usual chain.
 * Checksums are sent only when an operation requires them: several S3-compatible servers do not
 * understand the SDK's default trailing checksums.
 */
export function createS3Client(opts: { endpoint?: string; region?: string; forcePathStyle?: boolean } = {}): S3Client {
  const config: S3ClientConfig = {
    region: opts.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1',
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  };
  if (opts.endpoint) config.endpoint = opts.endpoint;
  if (opts.forcePathStyle ?? Boolean(opts.endpoint)) config.forcePathStyle = true;
  return new S3Client(config);
}

const META_KEY = 'splitkey-key';
const META_VERSION = 'splitkey-version';
const META_RESOURCE = 'splitkey-resource';

const text = new TextDecoder('utf-8', { fatal: false });
const idText = (id: Uint8Array) => text.decode(id);

export interface PutOptions {
  keyName: string;
  /** Default `bucket/key`. */
  resourceId?: string;
  segmentSize?: number;
  /** Multipart part size (≥ 5 MiB). Default 8 MiB. */
  partSize?: number;
  /** Parts uploaded concurrently. Default 2. */
  queueSize?: number;
  onProgress?: (bytes: number) => void;
}

export interface ObjectHeaderInfo {
  header: EnvelopeHeader;
  headerLength: number;
  /** Object size in bytes (header + segments). */
  size: number;
  etag?: string;
}

/** Envelope-encrypted objects in S3; keys come from a SplitkeyClient. */
export class EnvelopeObjects {
  constructor(
    readonly s3: S3Client,
    private readonly keys: SplitkeyClient,
  ) {}

  /** Encrypt `source` (a path or a stream) and upload it as one object, streaming. */
  async put(loc: S3Location, source: string | Readable, opts: PutOptions): Promise<{ version: number; resourceId: string; bytesIn: number; bytesOut: number }> {
    const resourceId = opts.resourceId ?? defaultObjectResource(loc);
    const derived = await this.keys.deriveKey(opts.keyName, resourceId);
    const input = typeof source === 'string' ? createReadStream(source, { highWaterMark: 1024 * 1024 }) : source;
    const body = new PassThrough({ highWaterMark: 1024 * 1024 });
    const upload = new Upload({
      client: this.s3,
      partSize: opts.partSize ?? 8 * 1024 * 1024,
      queueSize: opts.queueSize ?? 2,
      leavePartsOnError: false,
      params: {
        Bucket: loc.bucket,
        Key: loc.key,
        Body: body,
        ContentType: 'application/octet-stream',
        Metadata: { [META_KEY]: opts.keyName, [META_VERSION]: String(derived.version), [META_RESOURCE]: encodeURIComponent(resourceId) },
      },
    });
    const encrypting = encryptStream(input, body, {
      keyName: opts.keyName,
      resourceId: new TextEncoder().encode(resourceId),
      segmentSize: opts.segmentSize,
      onProgress: opts.onProgress,
      getKey: async () => derived,
    });
    try {
      const [res] = await Promise.all([
        encrypting,
        upload.done().catch((e: unknown) => {
          body.destroy(e as Error);
          throw e;
        }),
      ]);
      return { version: derived.version, resourceId, bytesIn: res.bytesIn, bytesOut: res.bytesOut };
    } catch (e) {
      await upload.abort().catch(() => undefined);
      throw e;
    } finally {
      derived.key.fill(0);
    }
  }

  /**
   * Download and decrypt to `outPath` through `outPath.partial` (mode 0600), renamed only once
   * the whole object has authenticated; on any error nothing is left at either path.
   */
  async get(loc: S3Location, outPath: string, opts: { resourceId?: string } = {}): Promise<{ header: EnvelopeHeader; bytesIn: number; bytesOut: number }> {
    const expected = opts.resourceId ?? defaultObjectResource(loc);
    const res = await this.s3.send(new GetObjectCommand({ Bucket: loc.bucket, Key: loc.key }));
    const body = res.Body as Readable;
    const getKey = async (name: string, version: number, id: Uint8Array) => {
      this.checkResource(loc, id, expected);
      return (await this.keys.deriveKey(name, id, { version })).key;
    };
    if (outPath === '-') return decryptStream(body, process.stdout, { getKey, end: false });
    const partial = `${outPath}.partial`;
    // Created exclusively and never taken over (another run may be writing it); only a file this
    // call created is removed on failure.
    let fh: FileHandle;
    try {
      fh = await open(partial, 'wx', 0o600);
    } catch (e) {
      body.destroy();
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') {
        throw new Error(`cannot create ${partial}: it already exists: another run is writing this output or an interrupted one left its partial output there; remove it if no other run is writing it and try again`);
      }
      throw e;
    }
    const out: Writable = fh.createWriteStream(); // closes the handle when it ends or is destroyed
    try {
      const r = await decryptStream(body, out, { getKey });
      const synced = await open(partial, 'r+');
      try {
        await synced.sync();
      } finally {
        await synced.close();
      }
      await rename(partial, outPath);
      await syncDir(dirname(outPath));
      return r;
    } catch (e) {
      body.destroy();
      out.destroy();
      await unlink(partial).catch(() => undefined);
      throw e;
    }
  }

  private checkResource(loc: S3Location, id: Uint8Array, expected: string): void {
    // Bytes, not text: a lossy decoding maps distinct ids (every invalid byte → U+FFFD) to one.
    if (!constantTimeEqual(id, utf8(expected))) {
      throw new ObjectError(
        'OBJECT_SWAPPED',
        `s3://${loc.bucket}/${loc.key} holds the envelope of resource "${idText(id)}", not "${expected}": it was copied or swapped from another object; pass --resource "${idText(id)}" only if that is intended`,
      );
    }
  }

  /** The object's envelope header (one ranged GET of the first bytes, a second if it is longer). */
  async readHeader(loc: S3Location): Promise<ObjectHeaderInfo> {
    let want = 4096;
    for (;;) {
      const res = await this.s3.send(new GetObjectCommand({ Bucket: loc.bucket, Key: loc.key, Range: `bytes=0-${want - 1}` }));
      const bytes = new Uint8Array(await res.Body!.transformToByteArray());
      const size = Number(/\/(\d+)$/.exec(res.ContentRange ?? '')?.[1] ?? bytes.length);
      try {
        const { header, headerLength } = decodeHeader(bytes);
        return { header, headerLength, size, etag: res.ETag };
      } catch (e) {
        const need = FIXED_HEADER_LENGTH + 255 + 65535; // the longest header there can be
        if (e instanceof EnvelopeError && e.code === 'TRUNCATED' && bytes.length < size && want < need) {
          want = need;
          continue;
        }
        throw e;
      }
    }
  }

  /**
   * Random access: an open object whose `read(offset, length)` fetches only the segments that
   * hold the range (one ranged GET each) and checks the resource id like `get`.
   */
  async openObject(loc: S3Location, opts: { resourceId?: string } = {}): Promise<ObjectReader> {
    const info = await this.readHeader(loc);
    this.checkResource(loc, info.header.resourceId, opts.resourceId ?? defaultObjectResource(loc));
    const key = await this.keys.deriveKey(info.header.keyName, info.header.resourceId, { version: info.header.keyVersion });
    try {
      return new ObjectReader(this.s3, loc, info, unwrapDek(info.header, key.key, nodeAesGcm));
    } finally {
      key.key.fill(0);
    }
  }

  /** Move the object to another key version (default newest active): new header, same body bytes. */
  async rewrap(loc: S3Location, opts: { toVersion?: number; resourceId?: string; partSize?: number } = {}): Promise<{ from: number; to: number }> {
    const info = await this.readHeader(loc);
    const { header } = info;
    this.checkResource(loc, header.resourceId, opts.resourceId ?? defaultObjectResource(loc));
    const oldKey = await this.keys.deriveKey(header.keyName, header.resourceId, { version: header.keyVersion });
    const next = await this.keys.deriveKeyForSealing(header.keyName, header.resourceId, { version: opts.toVersion ?? 0 });
    let head: Uint8Array;
    try {
      head = encodeHeader(rewrapHeader(header, oldKey.key, next.version, next.key, nodeAesGcm, systemRng));
    } finally {
      oldKey.key.fill(0);
      next.key.fill(0);
    }
    if (next.version === header.keyVersion) return { from: header.keyVersion, to: next.version };
    plaintextLength(info.size - info.headerLength, header.segmentSize); // a visibly truncated body is refused up front
    const res = await this.s3.send(
      new GetObjectCommand({ Bucket: loc.bucket, Key: loc.key, Range: `bytes=${info.headerLength}-${info.size - 1}`, IfMatch: info.etag }),
    );
    const rest = res.Body as Readable;
    const head2 = head;
    async function* body(): AsyncGenerator<Uint8Array> {
      yield head2;
      for await (const chunk of rest) yield chunk as Uint8Array;
    }
    const upload = new Upload({
      client: this.s3,
      partSize: opts.partSize ?? 8 * 1024 * 1024,
      queueSize: 2,
      leavePartsOnError: false,
      params: {
        Bucket: loc.bucket,
        Key: loc.key,
        Body: Readable.from(body()),
        ContentType: 'application/octet-stream',
        Metadata: { [META_KEY]: header.keyName, [META_VERSION]: String(next.version), [META_RESOURCE]: encodeURIComponent(idText(header.resourceId)) },
        // Only over the object read: a write that landed since is not rolled back to the old
        // content (PutObject, or CompleteMultipartUpload for a multipart re-upload).
        IfMatch: info.etag,
      },
    });
    try {
      await upload.done();
    } catch (e) {
      const status = (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      if (status === 412 || status === 409) {
        throw new ObjectError('OBJECT_CHANGED', `s3://${loc.bucket}/${loc.key} changed while it was rewrapped (another write landed); nothing was overwritten: run rewrap again`);
      }
      throw e;
    }
    return { from: header.keyVersion, to: next.version };
  }

  /** The object metadata splitkey writes (for inventories; the header is what counts). */
  async metadata(loc: S3Location): Promise<{ keyName?: string; version?: number; resourceId?: string; size?: number }> {
    const h = await this.s3.send(new HeadObjectCommand({ Bucket: loc.bucket, Key: loc.key }));
    const m = h.Metadata ?? {};
    return {
      keyName: m[META_KEY],
      version: m[META_VERSION] ? Number(m[META_VERSION]) : undefined,
      resourceId: m[META_RESOURCE] ? decodeURIComponent(m[META_RESOURCE]) : undefined,
      size: h.ContentLength,
    };
  }
}

/** An object open for random access; `close()` erases the data key. */
export class ObjectReader {
  readonly plaintextSize: number;
  private readonly totalSegments: number;

  constructor(
    private readonly s3: S3Client,
    readonly loc: S3Location,
    readonly info: ObjectHeaderInfo,
    private readonly dek: Uint8Array,
  ) {
    this.plaintextSize = plaintextLength(info.size - info.headerLength, info.header.segmentSize);
    this.totalSegments = countSegments(this.plaintextSize, info.header.segmentSize);
  }

  /** Plaintext bytes [offset, offset + length), fetching only the segments that hold them. */
  async read(offset: number, length: number): Promise<Uint8Array> {
    if (offset + length > this.plaintextSize) {
      throw new RangeError(`range ${offset}+${length} ends past the end of the plaintext (${this.plaintextSize} bytes)`);
    }
    const range = locateRange(offset, length, this.info.header.segmentSize);
    if (range.segmentCount === 0) return new Uint8Array(0);
    const bodyLength = this.info.size - this.info.headerLength;
    const cipherLength = Math.min(range.cipherLength, bodyLength - range.cipherOffset);
    const start = this.info.headerLength + range.cipherOffset;
    const res = await this.s3.send(
      new GetObjectCommand({ Bucket: this.loc.bucket, Key: this.loc.key, Range: `bytes=${start}-${start + cipherLength - 1}`, IfMatch: this.info.etag }),
    );
    const ciphertext = new Uint8Array(await res.Body!.transformToByteArray());
    if (ciphertext.length !== cipherLength) throw new ObjectError('OBJECT_DAMAGED', `s3://${this.loc.bucket}/${this.loc.key} returned ${ciphertext.length} bytes for a range of ${cipherLength}: the object changed while reading`);
    return openRange(nodeAesGcm, this.dek, this.info.header, range, ciphertext, this.totalSegments);
  }

  close(): void {
    this.dek.fill(0);
  }
}

