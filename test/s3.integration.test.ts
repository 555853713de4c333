/**
 * Objects through the S3 API against a real S3-compatible server process and a real 2-of-3 dev
 * cluster of node processes. No SDK mock: the AWS SDK v3 talks HTTP to the server.
 *
 * The contract suite: by default the test starts s3rver on 127.0.0.1 (port 0). To run the same
 * checks against another endpoint (AWS, MinIO, Ceph RGW, R2), set
 *
 *   SPLITKEY_S3_ENDPOINT=https://…   (unset + SPLITKEY_S3_BUCKET set: AWS itself)
 *   SPLITKEY_S3_BUCKET=an-existing-bucket-you-may-write-to
 *   AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_REGION as usual
 *
 * Objects are written under the prefix splitkey-contract/<random>/ and deleted afterwards.
 * SPLITKEY_S3_BIG_MIB (default 32) sets the size of the streamed put/get whose peak RSS is
 * measured; 1024 gives the 1 GiB figure. Needs `npm run build`.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminFrom } from '../cli/context.js';
import { cliEntry, DevCluster } from '../cli/dev-cluster.js';
import type { AdminClient } from '../client/admin.js';
import { connect, type SplitkeyClient } from '../client/client.js';
import { KeyManager } from '../client/key-manager.js';
import { createS3Client, EnvelopeObjects, type S3Location } from '../client/s3.js';
import { locateRange } from '../crypto/envelope.js';

const BIG_MIB = Number(process.env.SPLITKEY_S3_BIG_MIB ?? 32);
const MAX_RSS_MIB = 256;
const AWS_CLI = ['/usr/bin/aws', 'aws'].find((c) => spawnSync(c, ['--version']).status === 0);

let dir: string;
let cluster: DevCluster;
let env: NodeJS.ProcessEnv;
let client: SplitkeyClient;
let admin: AdminClient;
let s3: S3Client;
let objects: EnvelopeObjects;
let stopServer: (() => Promise<void>) | undefined;
let endpoint: string | undefined;
let bucket: string;
const prefix = `splitkey-contract/${randomBytes(6).toString('hex')}`;
/** Response body bytes of every GET the SDK client made (counted from the wire, not by client/s3.ts). */
let fetched = 0;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(cmd: string, args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<Run> {
  const child = spawn(cmd, args, { env: { ...env, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const s3Flags = () => (endpoint ? ['--endpoint', endpoint] : []);

/** `splitkey ARGS` with its peak RSS in KiB (printed by a preloaded exit hook, taken off stderr). */
async function splitkeyWithRss(args: string[]): Promise<Run & { maxRssKiB: number }> {
  const r = await run(process.execPath, ['--import', `data:text/javascript,process.on('exit',()=>process.stderr.write(process.resourceUsage().maxRSS+'\\n'))`, cliEntry(), ...args]);
  const lines = r.stderr.trimEnd().split('\n');
  const maxRssKiB = Number(lines.pop());
  return { ...r, stderr: lines.join('\n'), maxRssKiB };
}

const loc = (name: string): S3Location => ({ bucket, key: `${prefix}/${name}` });
const url = (name: string) => `s3://${bucket}/${prefix}/${name}`;

async function rawGet(l: S3Location): Promise<Buffer> {
  const r = await s3.send(new GetObjectCommand({ Bucket: l.bucket, Key: l.key }));
  return Buffer.from(await r.Body!.transformToByteArray());
}
const rawPut = (l: S3Location, body: Uint8Array) => s3.send(new PutObjectCommand({ Bucket: l.bucket, Key: l.key, Body: body }));

async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

async function writeRandomFile(path: string, mib: number): Promise<string> {
  const h = createHash('sha256');
  const out = createWriteStream(path);
  for (let i = 0; i < mib; i++) {
    const chunk = randomBytes(2 ** 20);
    h.update(chunk);
    if (!out.write(chunk)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return h.digest('hex');
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'splitkey-s3-it-'));
  endpoint = process.env.SPLITKEY_S3_ENDPOINT || undefined;
  bucket = process.env.SPLITKEY_S3_BUCKET ?? 'splitkey-test';
  const s3Env: NodeJS.ProcessEnv = {};
  if (!endpoint && !process.env.SPLITKEY_S3_BUCKET) {
    // s3rver (CommonJS, untyped): a real HTTP S3 server on loopback with its files in a temp dir.
    const moduleName = 's3rver'; // untyped CommonJS: imported by name so TypeScript does not look for types
    const { default: S3rver } = (await import(moduleName)) as {
      default: new (o: object) => { run(): Promise<{ port: number }>; close(): Promise<void> };
    };
    const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: join(dir, 's3'), configureBuckets: [{ name: bucket, configs: [] }] });
    const { port } = await server.run();
    stopServer = () => server.close();
    endpoint = `http://127.0.0.1:${port}`;
    Object.assign(s3Env, { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_REGION: 'us-east-1' });
    Object.assign(process.env, s3Env);
  }
  cluster = await DevCluster.create({ dir: join(dir, 'cluster'), nodes: 3, threshold: 2 });
  await cluster.start();
  env = { PATH: process.env.PATH, HOME: process.env.HOME, ...cluster.env, ...s3Env };
  for (const k of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_REGION', 'AWS_PROFILE']) if (process.env[k]) env[k] = process.env[k];
  admin = await adminFrom({ cluster: env.SPLITKEY_CLUSTER, ca: env.SPLITKEY_CA, adminCert: env.SPLITKEY_ADMIN_CERT, adminKey: env.SPLITKEY_ADMIN_KEY });
  const manager = await KeyManager.create(admin);
  await manager.createKey('demo/objects', 2);
  client = await connect({
    cluster: env.SPLITKEY_CLUSTER,
    ca: env.SPLITKEY_CA,
    cert: env.SPLITKEY_CERT,
    key: env.SPLITKEY_KEY,
    master: env.SPLITKEY_MASTER,
    masterUnlock: { key: Buffer.from(env.SPLITKEY_MASTER_KEY!, 'hex') },
    keyInfoTtlMs: 0,
  });
  s3 = createS3Client({ endpoint });
  s3.middlewareStack.add(
    (next) => async (args) => {
      const out = await next(args);
      const req = args.request as { method?: string };
      const res = out.response as { headers?: Record<string, string> };
      if (req.method === 'GET') fetched += Number(res.headers?.['content-length'] ?? 0);
      return out;
    },
    { step: 'deserialize', name: 'countFetchedBytes' },
  );
  objects = new EnvelopeObjects(s3, client);
}, 40_000);

afterAll(async () => {
  try {
    if (s3) {
      const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix })).catch(() => undefined);
      for (const o of listed?.Contents ?? []) await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: o.Key! })).catch(() => undefined);
      s3.destroy();
    }
    await client?.close();
    admin?.close();
    await cluster?.stop();
    await stopServer?.();
  } finally {
    if (dir) await rm(dir, { recursive: true, force: true });
  }
});

describe('S3 objects (contract suite; s3rver on loopback unless SPLITKEY_S3_ENDPOINT/SPLITKEY_S3_BUCKET are set)', () => {
  it(`splitkey s3 put / get stream ${BIG_MIB} MiB with bounded peak RSS; metadata names key, version, resource`, async () => {
    const plain = join(dir, 'big.bin');
    const back = join(dir, 'big.back');
    const digest = await writeRandomFile(plain, BIG_MIB);
    const put = await splitkeyWithRss(['s3', 'put', ...s3Flags(), '--key', 'demo/objects', '--part-size', String(5 * 2 ** 20), plain, url('big')]);
    expect(put.stderr).toBe(`uploaded ${BIG_MIB * 2 ** 20} bytes to ${url('big')} under demo/objects version 1, resource ${bucket}/${prefix}/big`);
    expect(put.code).toBe(0);
    const get = await splitkeyWithRss(['s3', 'get', ...s3Flags(), url('big'), back]);
    expect(get.stderr).toBe(`downloaded ${BIG_MIB * 2 ** 20} bytes from ${url('big')} (demo/objects version 1)`);
    expect(get.code).toBe(0);
    expect(await sha256File(back)).toBe(digest);
    console.info(`s3 put/get of ${BIG_MIB} MiB: peak RSS put ${(put.maxRssKiB / 1024).toFixed(0)} MiB, get ${(get.maxRssKiB / 1024).toFixed(0)} MiB`);
    expect(put.maxRssKiB / 1024).toBeLessThan(MAX_RSS_MIB);
    expect(get.maxRssKiB / 1024).toBeLessThan(MAX_RSS_MIB);
    expect(await objects.metadata(loc('big'))).toMatchObject({ keyName: 'demo/objects', version: 1, resourceId: `${bucket}/${prefix}/big` });
    await Promise.all([rm(plain), rm(back)]);
  }, Math.max(60_000, BIG_MIB * 1500));

  it('100 random ranges equal the plaintext, fetching only the segments that hold them', async () => {
    const plain = randomBytes(3 * 2 ** 20 + 12345);
    const SEG = 16 * 1024;
    await writeFile(join(dir, 'ranges.bin'), plain);
    await objects.put(loc('ranges'), join(dir, 'ranges.bin'), { keyName: 'demo/objects', segmentSize: SEG });
    fetched = 0;
    const reader = await objects.openObject(loc('ranges'));
    const headerFetch = fetched;
    expect(headerFetch).toBeLessThanOrEqual(4096);
    let expectedBytes = 0;
    const bodyLength = reader.info.size - reader.info.headerLength;
    try {
      for (let i = 0; i < 100; i++) {
        const offset = Math.floor(Math.random() * (plain.length - 1));
        const length = Math.min(plain.length - offset, 1 + Math.floor(Math.random() * 40_000));
        expect(Buffer.from(await reader.read(offset, length)).equals(plain.subarray(offset, offset + length))).toBe(true);
        const r = locateRange(offset, length, SEG);
        expectedBytes += Math.min(r.cipherLength, bodyLength - r.cipherOffset);
      }
    } finally {
      reader.close();
    }
    expect(fetched - headerFetch).toBe(expectedBytes);
    console.info(`100 ranges: ${fetched} bytes fetched (header ${headerFetch}) of a ${reader.info.size}-byte object, ${(fetched / 100 / 1024).toFixed(1)} KiB per range`);
  }, 30_000);

  describe('tampered, swapped and truncated objects are refused; nothing is left at OUT', () => {
    let good: Buffer;
    const plain = randomBytes(200_000);
    beforeAll(async () => {
      await writeFile(join(dir, 'small.bin'), plain);
      await objects.put(loc('a'), join(dir, 'small.bin'), { keyName: 'demo/objects', segmentSize: 4096 });
      good = await rawGet(loc('a'));
    });
    /** `body` stored at NAME; `asA`: read it as resource …/a (past the swap check, to reach the integrity checks). */
    const refused = async (name: string, body: Uint8Array, message: RegExp, asA = true) => {
      await rawPut(loc(name), body);
      const out = join(dir, `${name}.out`);
      await expect(objects.get(loc(name), out, asA ? { resourceId: `${bucket}/${prefix}/a` } : {})).rejects.toThrow(message);
      expect(existsSync(out)).toBe(false);
      expect(existsSync(`${out}.partial`)).toBe(false);
    };
    it('a flipped ciphertext bit', async () => {
      const bad = Buffer.from(good);
      bad[bad.length - 50_000]! ^= 1;
      await refused('tampered', bad, /segment \d+/i);
    });
    it("another object's body (swap)", async () => refused('swapped', good, /holds the envelope of resource ".*\/a", not ".*\/swapped": it was copied or swapped/, false));
    it('a truncated body, mid-segment and at a segment boundary', async () => {
      await refused('cut', good.subarray(0, good.length - 100), /truncat|segment/i);
      await refused('cut2', good.subarray(0, good.length - (plain.length % 4096) - 16), /truncat|segment|last/i);
    });
    it('the original still opens', async () => {
      await objects.get(loc('a'), join(dir, 'a.out'));
      expect((await readFile(join(dir, 'a.out'))).equals(plain)).toBe(true);
    });
  });

  it('rewrap moves an object to the newest version: new header, same body bytes; metadata follows', async () => {
    const plain = randomBytes(300_000);
    await writeFile(join(dir, 'rw.bin'), plain);
    await objects.put(loc('rw'), join(dir, 'rw.bin'), { keyName: 'demo/objects' });
    const before = await rawGet(loc('rw'));
    const manager = await KeyManager.create(admin);
    await manager.rotate('demo/objects');
    expect(await objects.rewrap(loc('rw'))).toEqual({ from: 1, to: 2 });
    const after = await rawGet(loc('rw'));
    const h = (await objects.readHeader(loc('rw'))).headerLength;
    expect(after.length).toBe(before.length);
    expect(after.subarray(h).equals(before.subarray(h))).toBe(true);
    expect(after.subarray(0, h).equals(before.subarray(0, h))).toBe(false);
    expect(await objects.metadata(loc('rw'))).toMatchObject({ version: 2 });
    await objects.get(loc('rw'), join(dir, 'rw.out'));
    expect((await readFile(join(dir, 'rw.out'))).equals(plain)).toBe(true);
    expect(await objects.rewrap(loc('rw'))).toEqual({ from: 2, to: 2 });
  }, 30_000);

  it.skipIf(!AWS_CLI)('interop: downloaded with `aws s3 cp --endpoint-url`, the object opens with `splitkey decrypt`', async () => {
    const plain = randomBytes(150_000);
    await writeFile(join(dir, 'interop.bin'), plain);
    await objects.put(loc('interop'), join(dir, 'interop.bin'), { keyName: 'demo/objects' });
    const cp = await run(AWS_CLI!, ['s3', 'cp', ...(endpoint ? ['--endpoint-url', endpoint] : []), '--no-progress', url('interop'), join(dir, 'interop.splk')]);
    expect(cp.stderr).toBe('');
    expect(cp.code).toBe(0);
    const dec = await run(process.execPath, [cliEntry(), 'decrypt', join(dir, 'interop.splk'), join(dir, 'interop.out')]);
    expect(dec.stderr).toMatch(/^decrypted 150000 bytes \(demo\/objects version \d\)\n$/);
    expect((await readFile(join(dir, 'interop.out'))).equals(plain)).toBe(true);
  }, 30_000);
});

if (!AWS_CLI) console.warn('s3 interop test skipped: the aws CLI is not installed (Debian: apt-get install awscli)');
