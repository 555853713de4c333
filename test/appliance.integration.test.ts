/**
 * `splitkey appliance` as a process, against a real 2-of-3 dev cluster of node processes, called
 * over its Unix sockets: by a Python program (Debian python3-grpcio, stubs generated at test time
 * with python3-grpc-tools) running as uid 1000, by a grpc-js client as root, and refused to
 * uid 65534. Runs as root (it changes the uid of child processes); otherwise skipped with a
 * message. Needs `npm run build`.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { protoPath as healthProtoPath } from 'grpc-health-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminFrom } from '../cli/context.js';
import { cliEntry, DevCluster } from '../cli/dev-cluster.js';
import type { AdminClient } from '../client/admin.js';
import { socketPathFor } from '../client/appliance-server.js';
import { connect, type SplitkeyClient } from '../client/client.js';
import { KeyManager } from '../client/key-manager.js';
import { testKey } from '../client/luks.js';
import { formatSplitkeyVolume } from '../client/volume.js';
import { PROTO_OPTIONS, protoDir } from '../proto/load.js';
import type { ProtoGrpcType } from '../proto/gen/appliance.js';
import type { ApplianceClient } from '../proto/gen/splitkey/v1/Appliance.js';
import type { DecryptRequest } from '../proto/gen/splitkey/v1/DecryptRequest.js';
import type { DecryptResponse__Output } from '../proto/gen/splitkey/v1/DecryptResponse.js';
import type { DeriveKeyRequest } from '../proto/gen/splitkey/v1/DeriveKeyRequest.js';
import type { DeriveKeyResponse__Output } from '../proto/gen/splitkey/v1/DeriveKeyResponse.js';
import type { DeriveKeysRequest } from '../proto/gen/splitkey/v1/DeriveKeysRequest.js';
import type { DeriveKeysResponse__Output } from '../proto/gen/splitkey/v1/DeriveKeysResponse.js';
import type { EncryptRequest } from '../proto/gen/splitkey/v1/EncryptRequest.js';
import type { EncryptResponse__Output } from '../proto/gen/splitkey/v1/EncryptResponse.js';
import type { GenerateDataKeyRequest } from '../proto/gen/splitkey/v1/GenerateDataKeyRequest.js';
import type { GenerateDataKeyResponse__Output } from '../proto/gen/splitkey/v1/GenerateDataKeyResponse.js';

const PYTHON = '/usr/bin/python3';
const IS_ROOT = process.getuid?.() === 0;
const HAVE_PY_GRPC = spawnSync(PYTHON, ['-c', 'import grpc, grpc_tools']).status === 0;
if (!IS_ROOT) console.warn('appliance tests skipped: they must run as root to start callers under other uids');
if (!HAVE_PY_GRPC) console.warn('appliance Python caller skipped: install python3-grpcio and python3-grpc-tools (Debian)');

const CALLER_UID = 1000;
const STRANGER_UID = 65534;

let dir: string;
let cluster: DevCluster;
let env: NodeJS.ProcessEnv;
let admin: AdminClient;
let client: SplitkeyClient;
let appliance: ChildProcess;
let socketDir: string;
let image: string;
const stderrLines: string[] = [];
/** Waiters on the appliance's stderr: each returns true once its line came (and is dropped then). */
const lineWaiters: ((line: string) => boolean)[] = [];
const nextLine = (pred: (line: string) => boolean) =>
  new Promise<string>((resolve) => lineWaiters.push((line) => pred(line) && (resolve(line), true)));
const HAVE_CRYPTSETUP = spawnSync('cryptsetup', ['--version']).status === 0;

function run(cmd: string, args: string[], opts: { uid?: number; gid?: number; cwd?: string } = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(cmd, args, { ...opts, env: { PATH: process.env.PATH }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((res, rej) => {
    child.once('error', rej);
    child.once('close', (code) => res({ code, stdout, stderr }));
  });
}

beforeAll(async () => {
  if (!IS_ROOT) return;
  dir = await mkdtemp(join(tmpdir(), 'splitkey-appliance-it-'));
  await chmod(dir, 0o755); // the Python caller (uid 1000) reads its stubs from here
  cluster = await DevCluster.create({ dir: join(dir, 'cluster'), nodes: 3, threshold: 2 });
  await cluster.start();
  env = { PATH: process.env.PATH, HOME: process.env.HOME, ...cluster.env };
  admin = await adminFrom({ cluster: env.SPLITKEY_CLUSTER, ca: env.SPLITKEY_CA, adminCert: env.SPLITKEY_ADMIN_CERT, adminKey: env.SPLITKEY_ADMIN_KEY });
  await (await KeyManager.create(admin)).createKey('demo/app', 2);
  client = await connect({
    cluster: env.SPLITKEY_CLUSTER,
    ca: env.SPLITKEY_CA,
    cert: env.SPLITKEY_CERT,
    key: env.SPLITKEY_KEY,
    master: env.SPLITKEY_MASTER,
    masterUnlock: { key: Buffer.from(env.SPLITKEY_MASTER_KEY!, 'hex') },
  });
  socketDir = join(dir, 'run');
  const volumeArgs: string[] = [];
  if (HAVE_CRYPTSETUP) {
    image = join(dir, 'data.img');
    await writeFile(image, '');
    await truncate(image, 32 * 2 ** 20);
    await formatSplitkeyVolume(client, image, { keyName: 'demo/app' });
    volumeArgs.push('--volume', `data=${image}`);
  }
  appliance = spawn(process.execPath, [cliEntry(), 'appliance', '--socket-dir', socketDir, '--allow-uid', `0,${CALLER_UID}`, '--audit', join(dir, 'audit.jsonl'), ...volumeArgs], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  createInterface({ input: appliance.stderr! }).on('line', (line) => {
    stderrLines.push(line);
    for (const w of lineWaiters.splice(0).filter((w) => !w(line))) lineWaiters.push(w);
  });
  await new Promise<void>((res, rej) => {
    appliance.once('exit', (code) => rej(new Error(`splitkey appliance exited with ${code} before serving`)));
    createInterface({ input: appliance.stdout! }).on('line', (line) => {
      if (line.includes('"serving"')) res();
    });
  });
}, 40_000);

afterAll(async () => {
  if (appliance && appliance.exitCode === null) {
    const exited = new Promise((r) => appliance.once('exit', r));
    appliance.kill('SIGTERM');
    await exited;
  }
  await client?.close();
  admin?.close();
  await cluster?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe.skipIf(!IS_ROOT)('splitkey appliance (Unix sockets per uid, 2-of-3 cluster)', () => {
  it.skipIf(!HAVE_PY_GRPC)('a Python caller (uid 1000) derives the same key as the library, over its socket', async () => {
    const py = join(dir, 'py');
    await mkdir(py, { mode: 0o755 });
    const gen = await run(PYTHON, ['-m', 'grpc_tools.protoc', `-I${protoDir()}`, `--python_out=${py}`, `--grpc_python_out=${py}`, join(protoDir(), 'splitkey', 'v1', 'appliance.proto')]);
    expect(gen.stderr).toBe('');
    await writeFile(
      join(py, 'caller.py'),
      [
        'import sys, grpc',
        `sys.path.insert(0, ${JSON.stringify(py)})`,
        'from splitkey.v1 import appliance_pb2 as pb, appliance_pb2_grpc as rpc',
        'with grpc.insecure_channel("unix:" + sys.argv[1]) as ch:',
        '    r = rpc.ApplianceStub(ch).DeriveKey(pb.DeriveKeyRequest(key_name="demo/app", resource_id=b"vol-1"), timeout=10)',
        '    print(r.key.hex(), r.key_version)',
      ].join('\n'),
    );
    await run('chmod', ['-R', 'a+rX', py]);
    const r = await run(PYTHON, [join(py, 'caller.py'), socketPathFor(socketDir, CALLER_UID)], { uid: CALLER_UID, gid: CALLER_UID });
    expect(r.stderr).toBe('');
    const expected = await client.deriveKey('demo/app', 'vol-1');
    expect(r.stdout).toBe(`${Buffer.from(expected.key).toString('hex')} ${expected.version}\n`);
    const audit = (await readFile(join(dir, 'audit.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(audit).toContainEqual(expect.objectContaining({ event: 'call', uid: CALLER_UID, method: 'DeriveKey', keyName: 'demo/app', keyVersion: 1, ok: true }));
  }, 30_000);

  it('a caller with another uid is refused by the kernel at connect (EACCES); an unlisted uid has no socket', async () => {
    const tryConnect = (path: string, uid: number) =>
      run(PYTHON, ['-c', `import socket,sys\ns=socket.socket(socket.AF_UNIX)\ntry:\n  s.connect(sys.argv[1]); print("connected")\nexcept OSError as e: print(type(e).__name__)`, path], { uid, gid: uid });
    expect((await tryConnect(socketPathFor(socketDir, CALLER_UID), STRANGER_UID)).stdout.trim()).toBe('PermissionError');
    expect((await tryConnect(socketPathFor(socketDir, 0), CALLER_UID)).stdout.trim()).toBe('PermissionError');
    expect((await tryConnect(socketPathFor(socketDir, STRANGER_UID), STRANGER_UID)).stdout.trim()).toMatch(/PermissionError|FileNotFoundError/);
    expect((await tryConnect(socketPathFor(socketDir, CALLER_UID), CALLER_UID)).stdout.trim()).toBe('connected');
  }, 20_000);

  it('Encrypt/Decrypt and GenerateDataKey round-trip; errors carry their gRPC codes; SIGHUP reload; health SERVING', async () => {
    const dirOf = protoDir();
    const def = protoLoader.loadSync(join(dirOf, 'splitkey', 'v1', 'appliance.proto'), { ...PROTO_OPTIONS, includeDirs: [dirOf] });
    const proto = grpc.loadPackageDefinition(def) as unknown as ProtoGrpcType;
    const c = new proto.splitkey.v1.Appliance(`unix://${resolve(socketPathFor(socketDir, 0))}`, grpc.credentials.createInsecure()) as ApplianceClient;
    const opts = () => ({ deadline: Date.now() + 10_000 });
    const p = <Res>(f: (cb: grpc.requestCallback<Res>) => void) => new Promise<Res>((res, rej) => f((e, r) => (e ? rej(e) : res(r!))));
    const call = {
      Encrypt: (req: EncryptRequest) => p<EncryptResponse__Output>((cb) => c.Encrypt(req, opts(), cb)),
      Decrypt: (req: DecryptRequest) => p<DecryptResponse__Output>((cb) => c.Decrypt(req, opts(), cb)),
      GenerateDataKey: (req: GenerateDataKeyRequest) => p<GenerateDataKeyResponse__Output>((cb) => c.GenerateDataKey(req, opts(), cb)),
      DeriveKeys: (req: DeriveKeysRequest) => p<DeriveKeysResponse__Output>((cb) => c.DeriveKeys(req, opts(), cb)),
      DeriveKey: (req: DeriveKeyRequest) => p<DeriveKeyResponse__Output>((cb) => c.DeriveKey(req, opts(), cb)),
    };
    try {
      const enc = await call.Encrypt({ keyName: 'demo/app', resourceId: Buffer.from('blob-1'), plaintext: Buffer.from('hello appliance') });
      const dec = await call.Decrypt({ envelope: enc.envelope });
      expect(Buffer.from(dec.plaintext).toString()).toBe('hello appliance');
      expect(dec).toMatchObject({ keyName: 'demo/app', keyVersion: 1 });
      const dk = await call.GenerateDataKey({ keyName: 'demo/app', resourceId: Buffer.from('bucket-1') });
      expect(dk.plaintext.length).toBe(32);
      expect(Buffer.from((await call.Decrypt({ envelope: dk.wrapped })).plaintext).equals(Buffer.from(dk.plaintext))).toBe(true);
      const keys = await call.DeriveKeys({ keyName: 'demo/app', resourceIds: [Buffer.from('a'), Buffer.from('vol-1')] });
      expect(Buffer.from(keys.keys[1]!).equals(Buffer.from((await client.deriveKey('demo/app', 'vol-1')).key))).toBe(true);
      await expect(call.DeriveKey({ keyName: 'demo/nope', resourceId: Buffer.from('x') })).rejects.toMatchObject({ code: grpc.status.NOT_FOUND });
      await expect(call.DeriveKey({ keyName: 'acme/secrets', resourceId: Buffer.from('x') })).rejects.toMatchObject({ code: grpc.status.PERMISSION_DENIED });
      // SIGHUP reloads the master half (a new client is swapped in); calls keep working.
      const reloaded = nextLine((l) => l.includes('"reload'));
      appliance.kill('SIGHUP');
      expect(await reloaded).toBe(JSON.stringify({ event: 'reloaded' }));
      expect(Buffer.from((await call.DeriveKey({ keyName: 'demo/app', resourceId: Buffer.from('vol-1') })).key).equals(Buffer.from((await client.deriveKey('demo/app', 'vol-1')).key))).toBe(true);
      const tampered = Buffer.from(enc.envelope);
      tampered[tampered.length - 1]! ^= 1;
      await expect(call.Decrypt({ envelope: tampered })).rejects.toMatchObject({ code: grpc.status.INVALID_ARGUMENT });
      // grpc.health.v1 on the same socket.
      const hdef = protoLoader.loadSync(healthProtoPath, PROTO_OPTIONS);
      const health = grpc.loadPackageDefinition(hdef) as unknown as { grpc: { health: { v1: { Health: new (addr: string, creds: grpc.ChannelCredentials) => grpc.Client & { check: (req: { service: string }, cb: grpc.requestCallback<{ status: string }>) => void } } } } };
      const h = new health.grpc.health.v1.Health(`unix://${resolve(socketPathFor(socketDir, 0))}`, grpc.credentials.createInsecure());
      const status = await new Promise<{ status: string }>((res, rej) => h.check({ service: 'splitkey.v1.Appliance' }, (e, r) => (e ? rej(e) : res(r!))));
      h.close();
      expect(status.status).toBe('SERVING');
    } finally {
      c.close();
    }
  }, 20_000);

  it.skipIf(!HAVE_CRYPTSETUP)('the volume socket hands a systemd-cryptsetup-style reader the key that unlocks the volume; root only', async () => {
    const path = join(socketDir, 'volumes', 'data.sock');
    const key = await new Promise<Buffer>((res, rej) => {
      const chunks: Buffer[] = [];
      netConnect(path)
        .on('data', (d: Buffer) => chunks.push(d))
        .on('end', () => res(Buffer.concat(chunks)))
        .on('error', rej);
    });
    expect(key.length).toBe(32);
    expect(await testKey(image, key)).toBe(0);
    const stranger = await run(PYTHON, ['-c', `import socket,sys\ns=socket.socket(socket.AF_UNIX)\ntry:\n  s.connect(sys.argv[1]); print("connected")\nexcept OSError as e: print(type(e).__name__)`, path], { uid: CALLER_UID, gid: CALLER_UID });
    expect(stranger.stdout.trim()).toBe('PermissionError');
  }, 20_000);
});
