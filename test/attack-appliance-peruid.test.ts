/**
 * Adversarial review: what an allowed local caller (uid 1000, on its own socket) can get.
 *
 * The volume key socket DIR/volumes/<name>.sock is "root only (0600 in a 0700 directory)", but the
 * per-uid sockets authorise nothing beyond "this uid may call": any allowed uid can DeriveKey any
 * key name / resource id of the appliance's tenant. A volume's resource id is `luks/<LUKS UUID>`
 * (public: /dev/disk/by-uuid, blkid) and its key name is in the LUKS token, so uid 1000 gets the
 * very bytes the root-only volume socket guards — the keyslot passphrase of the volume — and,
 * the same way, Decrypt opens envelopes that root (or any other uid) sealed.
 *
 * Real 2-of-3 dev cluster, real appliance server, real gRPC caller running as uid 1000, real
 * cryptsetup on an image file. Runs as root with cryptsetup.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmod, mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminFrom } from '../cli/context.js';
import { DevCluster } from '../cli/dev-cluster.js';
import type { AdminClient } from '../client/admin.js';
import { ApplianceServer, socketPathFor } from '../client/appliance-server.js';
import { connect, type SplitkeyClient } from '../client/client.js';
import { KeyManager } from '../client/key-manager.js';
import { testKey } from '../client/luks.js';
import { formatSplitkeyVolume } from '../client/volume.js';
import { protoDir } from '../proto/load.js';

const IS_ROOT = process.getuid?.() === 0;
const HAVE_CRYPTSETUP = spawnSync('cryptsetup', ['--version']).status === 0;
const CALLER = 1000;

let dir: string;
let cluster: DevCluster;
let admin: AdminClient;
let client: SplitkeyClient;
let server: ApplianceServer;
let socketDir: string;
let image: string;
let uuid: string;
let custom: string;

beforeAll(async () => {
  if (!IS_ROOT || !HAVE_CRYPTSETUP) return;
  dir = await mkdtemp(join(tmpdir(), 'splitkey-attack-peruid-'));
  await chmod(dir, 0o755);
  cluster = await DevCluster.create({ dir: join(dir, 'cluster'), nodes: 3, threshold: 2 });
  await cluster.start();
  admin = await adminFrom({ cluster: cluster.env.SPLITKEY_CLUSTER, ca: cluster.env.SPLITKEY_CA, adminCert: cluster.env.SPLITKEY_ADMIN_CERT, adminKey: cluster.env.SPLITKEY_ADMIN_KEY });
  const manager = await KeyManager.create(admin);
  await manager.createKey('demo/app', 2);
  await manager.createKey('demo/root', 2);
  const mk = () =>
    connect({
      cluster: cluster.env.SPLITKEY_CLUSTER,
      ca: cluster.env.SPLITKEY_CA,
      cert: cluster.env.SPLITKEY_CERT,
      key: cluster.env.SPLITKEY_KEY,
      master: cluster.env.SPLITKEY_MASTER,
      masterUnlock: { key: Buffer.from(cluster.env.SPLITKEY_MASTER_KEY!, 'hex') },
    });
  client = await mk();
  image = join(dir, 'root-data.img');
  await writeFile(image, '');
  await chmod(image, 0o600); // root's disk: uid 1000 cannot read it
  await truncate(image, 32 * 2 ** 20);
  uuid = (await formatSplitkeyVolume(client, image, { keyName: 'demo/app' })).uuid;
  // A second volume enrolled under a chosen resource id without "luks/" (volume format --resource).
  custom = join(dir, 'root-custom.img');
  await writeFile(custom, '');
  await chmod(custom, 0o600);
  await truncate(custom, 32 * 2 ** 20);
  await formatSplitkeyVolume(client, custom, { keyName: 'demo/app', resourceId: 'data-disk' });
  socketDir = join(dir, 'run');
  // uid 1000 is given its application's key only (--uid-keys 1000=demo/app); root every key.
  server = new ApplianceServer(await mk(), { socketDir, allowUids: [0, CALLER], volumes: [{ name: 'data', device: image }, { name: 'custom', device: custom }], keysByUid: new Map([[CALLER, ['demo/app']]]) });
  await server.start();
}, 60_000);

afterAll(async () => {
  await server?.stop(500);
  await client?.close();
  admin?.close();
  await cluster?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** A grpc-js caller run as `uid`: prints the hex key or the gRPC error. */
async function callAs(uid: number, method: 'DeriveKey' | 'Decrypt', req: object): Promise<string> {
  const script = join(dir, `caller-${Math.random().toString(36).slice(2)}.cjs`);
  await writeFile(
    script,
    `
    const grpc = require(${JSON.stringify(resolve('node_modules/@grpc/grpc-js'))});
    const loader = require(${JSON.stringify(resolve('node_modules/@grpc/proto-loader'))});
    const def = loader.loadSync(${JSON.stringify(join(protoDir(), 'splitkey', 'v1', 'appliance.proto'))}, { keepCase: false, includeDirs: [${JSON.stringify(protoDir())}] });
    const proto = grpc.loadPackageDefinition(def);
    const c = new proto.splitkey.v1.Appliance('unix://' + process.argv[2], grpc.credentials.createInsecure());
    const req = JSON.parse(process.argv[3], (k, v) => (v && v.b64 !== undefined ? Buffer.from(v.b64, 'base64') : v));
    c.${method}(req, { deadline: Date.now() + 10000 }, (e, r) => {
      if (e) console.log('ERR ' + e.code + ' ' + e.details);
      else console.log(Buffer.from(r.key || r.plaintext).toString('hex'));
      c.close();
    });`,
    { mode: 0o644 },
  );
  const child = spawn(process.execPath, [script, socketPathFor(socketDir, uid), JSON.stringify(req)], { uid, gid: uid, env: { PATH: process.env.PATH }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  await new Promise((r) => child.once('close', r));
  return (out || err).trim();
}

const readVolumeSocket = () =>
  new Promise<Buffer>((res, rej) => {
    const chunks: Buffer[] = [];
    netConnect(join(socketDir, 'volumes', 'data.sock'))
      .on('data', (d: Buffer) => chunks.push(d))
      .on('end', () => res(Buffer.concat(chunks)))
      .on('error', rej);
  });

describe.skipIf(!IS_ROOT || !HAVE_CRYPTSETUP)('attack: an allowed local caller reaches keys it should not', () => {
  it('uid 1000 cannot obtain the keyslot passphrase of a root-only volume through DeriveKey', async () => {
    const rootKey = await readVolumeSocket(); // what systemd-cryptsetup (root) gets
    expect(rootKey.length).toBe(32);
    expect(await testKey(image, rootKey)).toBe(0);
    // The attacker knows the key name from any token it saw (or guesses the tenant's labels) and the
    // resource id from the UUID, which is public.
    const got = await callAs(CALLER, 'DeriveKey', { keyName: 'demo/app', resourceId: { b64: Buffer.from(`luks/${uuid}`).toString('base64') } });
    const stolen = /^[0-9a-f]{64}$/.test(got) ? Buffer.from(got, 'hex') : undefined;
    // Refused whoever asks on a uid socket (root included: its volume socket is the way).
    const refusal = `ERR 7 resource ids beginning with "luks/", and those of the volumes this appliance serves, are volume keys: only the appliance's volume sockets (--volume) hand them out`;
    expect(got).toBe(refusal);
    // A served volume enrolled under its own resource id is kept off the uid sockets as well.
    const customKey = await callAs(CALLER, 'DeriveKey', { keyName: 'demo/app', resourceId: { b64: Buffer.from('data-disk').toString('base64') } });
    expect(customKey).toBe(refusal);
    expect(await testKey(custom, (await client.deriveKey('demo/app', 'data-disk')).key)).toBe(0);
    expect(await callAs(0, 'DeriveKey', { keyName: 'demo/app', resourceId: { b64: Buffer.from(`luks/${uuid}`).toString('base64') } })).toMatch(/^ERR 7 /);
    console.log(`uid ${CALLER} DeriveKey(luks/${uuid}) -> ${stolen ? `32 bytes; unlocks the root volume: ${(await testKey(image, stolen)) !== undefined}` : got}`);
    expect(stolen === undefined || (await testKey(image, stolen)) === undefined).toBe(true);
  }, 30_000);

  it('uid 1000 cannot Decrypt an envelope that uid 0 sealed through its own socket', async () => {
    const { sealAll } = await import('../crypto/envelope.js');
    const { nodeAesGcm } = await import('../client/aead-node.js');
    const { systemRng } = await import('../crypto/bytes.js');
    const rid = new Uint8Array(Buffer.from('root/payroll.db'));
    const { key, version } = await client.deriveKey('demo/root', rid);
    const envelope = sealAll({ keyName: 'demo/root', keyVersion: version, resourceId: rid }, key, new Uint8Array(Buffer.from('root secret')), nodeAesGcm, systemRng);
    const got = await callAs(CALLER, 'Decrypt', { envelope: { b64: Buffer.from(envelope).toString('base64') } });
    console.log(`uid ${CALLER} Decrypt(root's envelope) -> ${got.startsWith('ERR') ? got : JSON.stringify(Buffer.from(got, 'hex').toString())}`);
    // PERMISSION_DENIED (7), naming what the uid may use.
    expect(got).toBe(`ERR 7 uid ${CALLER} may not use key demo/root (the appliance allows it demo/app)`);
    // Its own key still works, and root's socket opens root's envelope.
    expect(await callAs(CALLER, 'DeriveKey', { keyName: 'demo/app', resourceId: { b64: Buffer.from('app/file-1').toString('base64') } })).toMatch(/^[0-9a-f]{64}$/);
    expect(Buffer.from(await callAs(0, 'Decrypt', { envelope: { b64: Buffer.from(envelope).toString('base64') } }), 'hex').toString()).toBe('root secret');
  }, 30_000);
});
