/**
 * `splitkey volume` against a real 2-of-3 dev cluster of node processes and real `cryptsetup` on
 * sparse image files. There is no device-mapper here, so the key is proved with
 * `cryptsetup open --test-passphrase` (exactly the keyslot the token names); mapping is tested
 * only where /proc/misc lists device-mapper. Needs `npm run build` and cryptsetup
 * (Debian: cryptsetup-bin); without cryptsetup the suite is skipped with a message.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliEntry, DevCluster } from '../cli/dev-cluster.js';
import { connect, type SplitkeyClient } from '../client/client.js';
import { KeyManager } from '../client/key-manager.js';
import type { AdminClient } from '../client/admin.js';
import { adminFrom } from '../cli/context.js';
import { findToken, hasDeviceMapper, readMetadata, runCryptsetup, testKey, writeToken } from '../client/luks.js';
import { formatSplitkeyVolume, rotateVolume, unlockKey, volumeStatus } from '../client/volume.js';

const HAVE_CRYPTSETUP = spawnSync('cryptsetup', ['--version']).status === 0;
if (!HAVE_CRYPTSETUP) console.warn('volume tests skipped: cryptsetup is not installed (Debian: apt-get install cryptsetup-bin)');

let dir: string;
let cluster: DevCluster;
let env: NodeJS.ProcessEnv;
let client: SplitkeyClient;
let admin: AdminClient;
let manager: KeyManager;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function splitkey(args: string[], input?: string): Promise<Run> {
  const child = spawn(process.execPath, [cliEntry(), ...args], { env, stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
  child.stdin?.end(input);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function ok(args: string[], input?: string): Promise<Run> {
  const r = await splitkey(args, input);
  expect(r.stderr + r.stdout, `splitkey ${args.join(' ')}`).not.toMatch(/^splitkey: /m);
  expect(r.code).toBe(0);
  return r;
}

async function image(name: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, '');
  await truncate(path, 32 * 2 ** 20); // sparse: LUKS2's 16 MiB header and some data
  return path;
}

const keyslotsOf = async (path: string) => Object.keys((await readMetadata(path)).keyslots).map(Number).sort();

beforeAll(async () => {
  if (!HAVE_CRYPTSETUP) return;
  dir = await mkdtemp(join(tmpdir(), 'splitkey-volume-it-'));
  cluster = await DevCluster.create({ dir: join(dir, 'cluster'), nodes: 3, threshold: 2 });
  await cluster.start();
  env = { PATH: process.env.PATH, HOME: process.env.HOME, ...cluster.env };
  // Key lifecycle through the library (each CLI process costs about 2 s of start-up here).
  admin = await adminFrom({ cluster: env.SPLITKEY_CLUSTER, ca: env.SPLITKEY_CA, adminCert: env.SPLITKEY_ADMIN_CERT, adminKey: env.SPLITKEY_ADMIN_KEY });
  manager = await KeyManager.create(admin);
  await manager.createKey('demo/disk', 2);
  await manager.createKey('demo/other', 2);
  await manager.rotate('demo/other'); // versions 1 and 2
  client = await connect({
    cluster: env.SPLITKEY_CLUSTER,
    ca: env.SPLITKEY_CA,
    cert: env.SPLITKEY_CERT,
    key: env.SPLITKEY_KEY,
    master: env.SPLITKEY_MASTER,
    masterUnlock: { key: Buffer.from(env.SPLITKEY_MASTER_KEY!, 'hex') },
    keyInfoTtlMs: 0,
  });
}, 30_000);

afterAll(async () => {
  await client?.close();
  admin?.close();
  await cluster?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe.skipIf(!HAVE_CRYPTSETUP)('splitkey volume (LUKS2 on image files, 2-of-3 cluster)', () => {
  it('format → test-passphrase → rotate (old keyslot gone, new one opens) → destroy → refused with "destroyed"', async () => {
    const img = await image('a.img');
    const f = await ok(['volume', 'format', img, '--key', 'demo/disk']);
    expect(f.stderr).toMatch(/^formatted .*a\.img \(LUKS2 [0-9a-f-]{36}\): keyslot 0 under demo\/disk version 1, resource luks\/[0-9a-f-]{36}\n$/);
    const token = findToken(await readMetadata(img))!.token;
    expect(token).toMatchObject({ type: 'splitkey', keyslots: ['0'], key_name: 'demo/disk', key_version: 1 });
    expect((await ok(['volume', 'open', img, '--test'])).stderr).toContain('unlocks keyslot 0');

    // Formatting again is refused without --force.
    await expect(formatSplitkeyVolume(client, img, { keyName: 'demo/disk' })).rejects.toThrow(/already holds a LUKS header: formatting destroys its data; pass --force/);

    await manager.rotate('demo/disk');
    expect(await volumeStatus(client, img)).toMatchObject({ versionState: 'decrypt-only', newestActive: 2 });
    expect((await ok(['volume', 'rotate', img])).stderr).toMatch(/rotated .* from version 1 to version 2 \(keyslot 1\)/);
    expect(await keyslotsOf(img)).toEqual([1]);
    const v1 = await client.deriveKey('demo/disk', token.resource_id, { version: 1 });
    const v2 = await client.deriveKey('demo/disk', token.resource_id, { version: 2 });
    expect(await testKey(img, v1.key)).toBeUndefined(); // the old key unlocks nothing any more
    expect(await testKey(img, v2.key)).toBe(1);
    expect((await rotateVolume(client, img))).toMatchObject({ from: 2, to: 2 }); // nothing to do

    await manager.destroy('demo/disk', 2);
    const open = await splitkey(['volume', 'open', img, '--test']);
    expect(open.code).toBe(1);
    expect(open.stderr).toMatch(/^splitkey: version 2 of key demo\/disk was destroyed/);
    const status = await splitkey(['volume', 'status', img]);
    expect(status.code).toBe(1);
    expect(status.stdout).toContain('version 2 (destroyed)');
    expect(status.stderr).toMatch(/version 2 of key demo\/disk was destroyed: .* can no longer be opened/);
  }, 40_000);

  it('a crash between adding and killing keyslots leaves a volume that opens; the next rotate finishes', async () => {
    const img = await image('b.img');
    await formatSplitkeyVolume(client, img, { keyName: 'demo/other', resourceId: 'vol-b' });
    // Back to version 1 (an explicit --to-version), so that the next rotation has work to do.
    expect(await rotateVolume(client, img, { toVersion: 1 })).toMatchObject({ from: 2, to: 1 });

    const crash = (at: string) => (step: string) => {
      if (step === at) throw new Error(`simulated crash after ${step}`);
    };
    // Crash after the new keyslot was added: old token, two keyslots, opens with version 1.
    await expect(rotateVolume(client, img, { onStep: crash('added') })).rejects.toThrow(/simulated crash after added/);
    expect((await keyslotsOf(img)).length).toBe(2);
    expect(findToken(await readMetadata(img))!.token.key_version).toBe(1);
    expect(await testKey(img, (await client.deriveKey('demo/other', 'vol-b', { version: 1 })).key, Number(findToken(await readMetadata(img))!.token.keyslots[0]))).toBeDefined();
    // Crash after the token was updated: token names the new keyslot, the old one is still there.
    // The retried rotation reuses the keyslot added before the first crash.
    await expect(rotateVolume(client, img, { onStep: crash('token') })).rejects.toThrow(/simulated crash after token/);
    expect((await keyslotsOf(img)).length).toBe(2);
    expect((await unlockKey(client, img)).token.key_version).toBe(2);
    expect((await ok(['volume', 'status', img])).stdout).toMatch(/problem: +a rotation was interrupted/);
    expect((await ok(['volume', 'rotate', img])).stderr).toMatch(/finished an interrupted rotation .*version 1 → 2/);
    expect((await keyslotsOf(img)).length).toBe(1);
    const t = findToken(await readMetadata(img))!.token;
    expect(t.retiring).toBeUndefined();
    expect((await unlockKey(client, img)).keyslot).toBe(Number(t.keyslots[0]));
  }, 40_000);

  it('wrong key name, wrong tenant and an altered token are refused', async () => {
    const img = await image('c.img');
    const tenant = await splitkey(['volume', 'format', img, '--key', 'acme/disk']);
    expect(tenant.code).toBe(1);
    expect(tenant.stderr).toMatch(/^splitkey: .*(tenant|permission|not allowed)/i);
    await expect(formatSplitkeyVolume(client, img, { keyName: 'demo/nope' })).rejects.toThrow(/demo\/nope/);
    expect(spawnSync('cryptsetup', ['isLuks', img]).status).not.toBe(0); // nothing was formatted

    await formatSplitkeyVolume(client, img, { keyName: 'demo/other', resourceId: 'vol-c' });
    const { id, token } = findToken(await readMetadata(img))!;
    await writeToken(img, { ...token, resource_id: 'vol-b' }, id); // another volume's resource id
    const open = await splitkey(['volume', 'open', img, '--test']);
    expect(open.code).toBe(1);
    expect(open.stderr).toMatch(/^splitkey: the key derived for demo\/other version 2, resource vol-b does not unlock keyslot 0 of .*: the token was altered/);
  }, 40_000);

  it('enroll adds splitkey to a LUKS2 volume made with a passphrase (read from stdin)', async () => {
    const img = await image('d.img');
    const f = await runCryptsetup(['luksFormat', '--type', 'luks2', '--batch-mode', '--pbkdf', 'pbkdf2', '--pbkdf-force-iterations', '1000', '--key-file=-', img], { stdin: Buffer.from('correct horse') });
    expect(f.code).toBe(0);
    const wrong = await splitkey(['volume', 'enroll', img, '--key', 'demo/other'], 'wrong horse\n');
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/^splitkey: cryptsetup luksAddKey of .* failed: No key available with this passphrase/);
    const r = await ok(['volume', 'enroll', img, '--key', 'demo/other'], 'correct horse\n');
    expect(r.stderr).toMatch(/enrolled .*: keyslot 1 under demo\/other version 2, resource luks\//);
    expect((await unlockKey(client, img)).keyslot).toBe(1);
    const { enrollVolume } = await import('../client/volume.js');
    await expect(enrollVolume(client, img, Buffer.from('correct horse'), { keyName: 'demo/other' })).rejects.toThrow(/already enrolled with splitkey/);
  }, 30_000);

  it.skipIf(hasDeviceMapper())('volume open without --test explains that device-mapper is missing', async () => {
    const img = await image('e.img');
    await formatSplitkeyVolume(client, img, { keyName: 'demo/other' });
    const r = await splitkey(['volume', 'open', img, 'sk-e']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^splitkey: cannot map .* as \/dev\/mapper\/sk-e: this kernel has no device-mapper/);
  }, 20_000);
});
