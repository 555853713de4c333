/**
 * Adversarial review of the object data path (client/s3.ts) against a real S3 server (s3rver on
 * loopback, as test/s3.integration.test.ts) and a real 2-of-3 cluster of in-process nodes
 * (test/helpers/cluster.ts). The attacker reads and modifies objects and their metadata, or is a
 * concurrent writer; no key. No mocks: the only middleware used triggers a second, real writer at a
 * chosen moment (a race made deterministic).
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { CopyObjectCommand, GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdminClient } from '../client/admin.js';
import { NodeChannels } from '../client/channels.js';
import { SplitkeyClient } from '../client/client.js';
import { ThresholdEvaluator } from '../client/evaluate.js';
import { KeyManager } from '../client/key-manager.js';
import { nodeAesGcm } from '../client/aead-node.js';
import { createS3Client, EnvelopeObjects, type S3Location } from '../client/s3.js';
import { systemRng } from '../crypto/bytes.js';
import { decodeHeader, sealAll } from '../crypto/envelope.js';
import { startTestCluster, type TestCluster } from './helpers/cluster.js';

const KEY = 'demo/objects';
const bucket = 'attack';
let dir: string;
let cluster: TestCluster;
let admin: AdminClient;
let manager: KeyManager;
let client: SplitkeyClient;
let endpoint: string;
let s3: S3Client;
let objects: EnvelopeObjects;
let stopServer: () => Promise<void>;
const prefix = `p${randomBytes(4).toString('hex')}`;
const loc = (name: string): S3Location => ({ bucket, key: `${prefix}/${name}` });

async function rawGet(l: S3Location): Promise<Buffer> {
  const r = await s3.send(new GetObjectCommand({ Bucket: l.bucket, Key: l.key }));
  return Buffer.from(await r.Body!.transformToByteArray());
}
const rawPut = (l: S3Location, body: Uint8Array, Metadata?: Record<string, string>) =>
  s3.send(new PutObjectCommand({ Bucket: l.bucket, Key: l.key, Body: body, ...(Metadata ? { Metadata } : {}) }));

async function getPlain(l: S3Location, opts: { resourceId?: string } = {}): Promise<Buffer> {
  const out = join(dir, `get-${randomBytes(4).toString('hex')}`);
  await objects.get(l, out, opts);
  return readFile(out);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'attack-datapath-s3-'));
  const moduleName = 's3rver';
  const { default: S3rver } = (await import(moduleName)) as {
    default: new (o: object) => { run(): Promise<{ port: number }>; close(): Promise<void> };
  };
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: join(dir, 's3'), configureBuckets: [{ name: bucket, configs: [] }] });
  const { port } = await server.run();
  stopServer = () => server.close();
  endpoint = `http://127.0.0.1:${port}`;
  Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_REGION: 'us-east-1' });

  cluster = await startTestCluster({ n: 3 });
  admin = new AdminClient(await cluster.adminChannels());
  manager = await KeyManager.create(admin);
  await manager.createKey(KEY, 2, [1, 2, 3]);
  const pair = await cluster.certFor({ role: 'client', tenant: 'demo', name: 'app' });
  const evaluator = await ThresholdEvaluator.create(
    new NodeChannels(cluster.descriptor(), { tls: { cert: Buffer.from(pair.certPem), key: Buffer.from(pair.keyPem), ca: Buffer.from(cluster.ca.certPem) } }),
    { timeoutMs: 3000, keyInfoTtlMs: 0, checkThreads: 0 },
  );
  client = new SplitkeyClient(evaluator, randomBytes(32), 0, 1024);
  s3 = createS3Client({ endpoint });
  objects = new EnvelopeObjects(s3, client);
}, 60_000);

afterAll(async () => {
  s3?.destroy();
  await client?.close();
  admin?.close();
  await cluster?.stop();
  await stopServer?.();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('findings', () => {
  it('rewrap must not silently overwrite an object written after it read the body (lost update / rollback)', async () => {
    // FINDING: EnvelopeObjects.rewrap (client/s3.ts:252-274) puts If-Match only on the GET of the
    // body. The re-upload (PutObject, or Create/Complete multipart) is unconditional, so a write
    // that lands while the body is being copied is overwritten by the OLD content under a new header.
    const l = loc('rewrap-race');
    const old = randomBytes(200_000);
    const fresh = randomBytes(200_000);
    await objects.put(l, Readable.from([old]), { keyName: KEY });
    await manager.rotate(KEY);

    const writer = new EnvelopeObjects(createS3Client({ endpoint }), client); // another process writing the same object
    const racing = createS3Client({ endpoint });
    let armed = true;
    let writeCarriedIfMatch: boolean | undefined;
    racing.middlewareStack.add(
      (next, context) => async (args) => {
        const input = args.input as { Key?: string; IfMatch?: string };
        const cmd = (context as { commandName?: string }).commandName;
        if (armed && input.Key === l.key && (cmd === 'PutObjectCommand' || cmd === 'CreateMultipartUploadCommand' || cmd === 'CompleteMultipartUploadCommand')) {
          armed = false;
          writeCarriedIfMatch = input.IfMatch !== undefined;
          await writer.put(l, Readable.from([fresh]), { keyName: KEY }); // the concurrent write lands first
        }
        return next(args);
      },
      { step: 'initialize', name: 'concurrentWriter' },
    );
    const rewrapper = new EnvelopeObjects(racing, client);
    const r = await rewrapper.rewrap(l).then((v) => ({ ok: v }), (err: unknown) => ({ err }));
    const now = await getPlain(l);
    console.info(`rewrap ${'ok' in r ? `resolved ${JSON.stringify(r.ok)}` : `rejected: ${(r.err as Error).message}`}; the write carried If-Match: ${writeCarriedIfMatch}; object now holds the ${now.equals(fresh) ? 'concurrent (new)' : now.equals(old) ? 'OLD' : 'other'} plaintext`);
    // On current code the object now holds the OLD plaintext (see the line printed above). s3rver
    // ignores conditional writes, so the regression check is that the write is conditional at all;
    // on a store that enforces it (AWS, MinIO) the rewrap must fail and the new content survive.
    expect(writeCarriedIfMatch, "rewrap's write is not conditional on the ETag it read: a concurrent write is silently rolled back").toBe(true);
    if ('err' in r) expect(now.equals(fresh), 'the concurrent write was lost').toBe(true);
    racing.destroy();
    writer.s3.destroy();
  }, 60_000);

  it('get compares resource ids as lossily decoded text: an envelope of another (binary) resource passes the swap check', async () => {
    // FINDING (low): checkResource (client/s3.ts:191-197) compares TextDecoder(fatal:false)(id)
    // with the expected string, so distinct byte strings that decode to the same text (every
    // invalid byte → U+FFFD) are taken for the same resource.
    const l = loc('x\uFFFD');
    const foreignId = Buffer.concat([Buffer.from(`${bucket}/${prefix}/x`), Buffer.from([0xff])]); // another resource: bytes differ
    const { key, version } = await client.deriveKey(KEY, foreignId);
    const plain = Buffer.from('plaintext of a different resource');
    await rawPut(l, sealAll({ keyName: KEY, keyVersion: version, resourceId: foreignId, segmentSize: 4096 }, key, plain, nodeAesGcm, systemRng));
    const r = await getPlain(l).then((b) => ({ ok: b }), (err: unknown) => ({ err }));
    expect('err' in r ? (r.err as { code?: string }).code : 'accepted').toBe('OBJECT_SWAPPED');
  }, 30_000);

  it('rewrap to an older, decrypt-only version is refused (no downgrade of an object to a retired version)', async () => {
    // FINDING (low, arguably policy): rewrap({ toVersion }) / `s3 rewrap --to-version` and
    // rewrapFile accept any non-destroyed version, so a caller can move data back under a retired
    // version (which an operator may then destroy, or which rotation meant to phase out).
    const l = loc('downgrade');
    await objects.put(l, Readable.from([randomBytes(10_000)]), { keyName: KEY });
    const before = decodeHeader(await rawGet(l)).header.keyVersion;
    const r = await objects.rewrap(l, { toVersion: 1 }).then((v) => ({ ok: v }), (err: unknown) => ({ err }));
    const after = decodeHeader(await rawGet(l)).header.keyVersion;
    console.info(`newest active ${before}; rewrap to 1: ${'ok' in r ? JSON.stringify(r.ok) : (r.err as Error).message}`);
    expect(before).toBeGreaterThan(1);
    expect(after, 'object now lives under retired version 1').toBe(before);
  }, 30_000);
});

describe('resisted', () => {
  const plain = randomBytes(50_000);
  const a = loc('a');
  let good: Buffer;
  beforeAll(async () => {
    await objects.put(a, Readable.from([plain]), { keyName: KEY, segmentSize: 4096 });
    good = await rawGet(a);
  }, 30_000);

  it('metadata edits (key, version, resource) change nothing: the authenticated header decides', async () => {
    const l = loc('meta');
    await rawPut(l, good, { 'splitkey-key': 'demo/other', 'splitkey-version': '99', 'splitkey-resource': encodeURIComponent(`${bucket}/${prefix}/meta`) });
    expect((await getPlain(l, { resourceId: `${bucket}/${prefix}/a` })).equals(plain)).toBe(true);
    await s3.send(new CopyObjectCommand({ Bucket: bucket, Key: a.key, CopySource: `${bucket}/${a.key}`, MetadataDirective: 'REPLACE', Metadata: { 'splitkey-version': '7' } }));
    expect((await getPlain(a)).equals(plain)).toBe(true);
    await rawPut(a, good);
  }, 30_000);

  it('a swapped object (another resource) is refused before deriving; ranged reads too', async () => {
    const b = loc('b');
    await rawPut(b, good);
    await expect(getPlain(b)).rejects.toMatchObject({ code: 'OBJECT_SWAPPED' });
    await expect(objects.openObject(b)).rejects.toMatchObject({ code: 'OBJECT_SWAPPED' });
  }, 30_000);

  it('ranged reads authenticate every segment they return; tampering, truncation at a boundary, segment swaps fail', async () => {
    const h = decodeHeader(good).headerLength;
    const full = 4096 + 16;
    const tamper = loc('tamper');
    const t = Buffer.from(good);
    t[h + 2 * full + 7]! ^= 1;
    await rawPut(tamper, t);
    const r1 = await objects.openObject(tamper, { resourceId: `${bucket}/${prefix}/a` });
    expect(Buffer.from(await r1.read(0, 4096)).equals(plain.subarray(0, 4096))).toBe(true); // untouched segment: genuine bytes
    await expect(r1.read(2 * 4096 + 1, 10)).rejects.toMatchObject({ code: 'AUTH_FAILED' });
    r1.close();

    const swap = loc('swap');
    const s = Buffer.from(good);
    good.copy(s, h + 1 * full, h + 3 * full, h + 4 * full);
    good.copy(s, h + 3 * full, h + 1 * full, h + 2 * full);
    await rawPut(swap, s);
    const r2 = await objects.openObject(swap, { resourceId: `${bucket}/${prefix}/a` });
    await expect(r2.read(4096, 10)).rejects.toMatchObject({ code: 'AUTH_FAILED' });
    r2.close();

    const cut = loc('cut');
    await rawPut(cut, good.subarray(0, h + 5 * full));
    const r3 = await objects.openObject(cut, { resourceId: `${bucket}/${prefix}/a` });
    expect(r3.plaintextSize).toBe(5 * 4096); // the object's own length is all the reader knows…
    await expect(r3.read(0, r3.plaintextSize)).rejects.toMatchObject({ code: 'TRUNCATED' }); // …but its last segment fails
    r3.close();
    await expect(getPlain(cut, { resourceId: `${bucket}/${prefix}/a` })).rejects.toMatchObject({ code: 'TRUNCATED' });
  }, 30_000);

  it('put twice to one location (retry): fresh DEK and nonce prefix each time, no segment reused', async () => {
    const l = loc('retry');
    const p = randomBytes(20_000);
    await objects.put(l, Readable.from([p]), { keyName: KEY });
    const first = decodeHeader(await rawGet(l)).header;
    await objects.put(l, Readable.from([p]), { keyName: KEY });
    const second = decodeHeader(await rawGet(l)).header;
    expect(Buffer.from(first.noncePrefix).equals(Buffer.from(second.noncePrefix))).toBe(false);
    expect(Buffer.from(first.wrappedDek).equals(Buffer.from(second.wrappedDek))).toBe(false);
  }, 30_000);
});
