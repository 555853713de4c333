/**
 * Adversarial review: what the `splitkey volume` commands expose to the rest of the host, and how
 * they treat a hostile LUKS header.
 *
 * A PATH wrapper named `cryptsetup` records argv and the environment of every invocation and
 * execs the real /usr/sbin/cryptsetup (an observer, not a mock: the real cryptsetup does the work
 * on real image files). The CLI runs as deployed (README "At boot": EnvironmentFile with
 * SPLITKEY_MASTER_KEY), against a real 2-of-3 dev cluster.
 *
 * C1  (resisted) no derived key, no existing passphrase ever appears in cryptsetup's argv.
 * C2  the master half's unlock secret (SPLITKEY_MASTER_KEY / _PASSPHRASE) is inherited by every
 *     cryptsetup child (runCryptsetup passes `{ ...process.env }`).
 * C3  (resisted) a token altered to another resource / version, or a keyslot swapped in from
 *     another volume's header, is refused and nothing is written to the header; enroll with a
 *     wrong passphrase leaves the header unchanged; rotate to a version that does not exist
 *     leaves the volume as it was.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminFrom } from '../cli/context.js';
import { cliEntry, DevCluster } from '../cli/dev-cluster.js';
import type { AdminClient } from '../client/admin.js';
import { connect, type SplitkeyClient } from '../client/client.js';
import { KeyManager } from '../client/key-manager.js';
import { findToken, readMetadata, runCryptsetup, testKey, writeToken } from '../client/luks.js';
import { rotateVolume, unlockKey } from '../client/volume.js';

const HAVE_CRYPTSETUP = spawnSync('cryptsetup', ['--version']).status === 0;
const REAL = ['/usr/sbin/cryptsetup', '/sbin/cryptsetup', '/usr/bin/cryptsetup'].find((p) => spawnSync(p, ['--version']).status === 0);

let dir: string;
let logDir: string;
let cluster: DevCluster;
let admin: AdminClient;
let manager: KeyManager;
let client: SplitkeyClient;
let env: NodeJS.ProcessEnv;

function splitkey(args: string[], input?: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
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

async function image(name: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, '');
  await truncate(path, 32 * 2 ** 20);
  return path;
}

async function invocations(): Promise<{ argv: string[]; env: string }[]> {
  const out: { argv: string[]; env: string }[] = [];
  for (const f of (await readdir(logDir)).filter((n) => n.endsWith('.argv'))) {
    const argv = (await readFile(join(logDir, f), 'utf8')).split('\0').filter((x) => x !== '');
    const e = await readFile(join(logDir, f.replace(/\.argv$/, '.env')), 'utf8').catch(() => '');
    out.push({ argv, env: e });
  }
  return out;
}

beforeAll(async () => {
  if (!HAVE_CRYPTSETUP || !REAL) return;
  dir = await mkdtemp(join(tmpdir(), 'splitkey-attack-cryptsetup-'));
  logDir = join(dir, 'log');
  await mkdir(logDir);
  const bin = join(dir, 'bin');
  await mkdir(bin);
  await writeFile(
    join(bin, 'cryptsetup'),
    `#!/bin/sh\nn=$$.$(date +%s%N)\nprintf '%s\\0' "$@" > ${logDir}/$n.argv\ncat /proc/$$/environ > ${logDir}/$n.env\nexec ${REAL} "$@"\n`,
  );
  await chmod(join(bin, 'cryptsetup'), 0o755);
  cluster = await DevCluster.create({ dir: join(dir, 'cluster'), nodes: 3, threshold: 2 });
  await cluster.start();
  env = { PATH: `${bin}:${process.env.PATH}`, HOME: process.env.HOME, ...cluster.env };
  admin = await adminFrom({ cluster: env.SPLITKEY_CLUSTER, ca: env.SPLITKEY_CA, adminCert: env.SPLITKEY_ADMIN_CERT, adminKey: env.SPLITKEY_ADMIN_KEY });
  manager = await KeyManager.create(admin);
  await manager.createKey('demo/disk', 2);
  client = await connect({
    cluster: env.SPLITKEY_CLUSTER,
    ca: env.SPLITKEY_CA,
    cert: env.SPLITKEY_CERT,
    key: env.SPLITKEY_KEY,
    master: env.SPLITKEY_MASTER,
    masterUnlock: { key: Buffer.from(env.SPLITKEY_MASTER_KEY!, 'hex') },
    keyInfoTtlMs: 0,
  });
}, 60_000);

afterAll(async () => {
  await client?.close();
  admin?.close();
  await cluster?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe.skipIf(!HAVE_CRYPTSETUP || !REAL)('attack: cryptsetup argv / environment, hostile headers', () => {
  let keysSeen: Buffer[] = [];
  const OLD_PASS = 'correct horse battery staple';

  it('C1 (resisted): format / enroll / rotate / open --test never put a key or passphrase on argv', async () => {
    const a = await image('a.img');
    expect((await splitkey(['volume', 'format', a, '--key', 'demo/disk'])).code).toBe(0);
    const b = await image('b.img');
    expect((await runCryptsetup(['luksFormat', '--type', 'luks2', '--batch-mode', '--pbkdf', 'pbkdf2', '--pbkdf-force-iterations', '1000', '--key-file=-', b], { stdin: Buffer.from(OLD_PASS) })).code).toBe(0);
    expect((await splitkey(['volume', 'enroll', b, '--key', 'demo/disk'], `${OLD_PASS}\n`)).code).toBe(0);
    await manager.rotate('demo/disk');
    expect((await splitkey(['volume', 'rotate', a])).code).toBe(0);
    expect((await splitkey(['volume', 'open', a, '--test'])).code).toBe(0);
    for (const img of [a, b]) {
      const t = findToken(await readMetadata(img))!.token;
      for (const v of [1, 2]) keysSeen.push(Buffer.from((await client.deriveKey('demo/disk', t.resource_id, { version: v })).key));
    }
    const calls = await invocations();
    expect(calls.length).toBeGreaterThan(5);
    const secrets = [...keysSeen.flatMap((k) => [k.toString('hex'), k.toString('base64'), k.toString('latin1')]), OLD_PASS];
    for (const c of calls) for (const s of secrets) expect(c.argv.join(' ')).not.toContain(s);
  }, 90_000);

  it('C2: cryptsetup children do not inherit the master unlock secret (SPLITKEY_MASTER_KEY)', async () => {
    const calls = await invocations();
    const leaked = calls.filter((c) => c.env.includes(env.SPLITKEY_MASTER_KEY!));
    console.log(`C2: ${leaked.length} of ${calls.length} cryptsetup processes had SPLITKEY_MASTER_KEY in /proc/PID/environ`);
    expect(leaked).toEqual([]);
  });

  it('C3 (resisted): altered tokens and a transplanted keyslot are refused; failed enroll/rotate leave the header as it was', async () => {
    const a = join(dir, 'a.img');
    const { id, token } = findToken(await readMetadata(a))!;
    const dump = async (p: string) => (await runCryptsetup(['luksDump', '--dump-json-metadata', p])).stdout;
    // (d) edits the token to name another resource of the tenant (e.g. an S3 object's bucket/key).
    await writeToken(a, { ...token, resource_id: 'bucket/payroll.db' }, id);
    await expect(unlockKey(client, a)).rejects.toThrow(/does not unlock keyslot/);
    const before = await dump(a);
    await rotateVolume(client, a).catch(() => undefined); // a no-op (already newest) or refused
    expect(await dump(a)).toBe(before);
    await expect(rotateVolume(client, a, { toVersion: 1 })).rejects.toThrow(/does not unlock keyslot/);
    expect(await dump(a)).toBe(before);
    // ... or an older version
    await writeToken(a, { ...token, key_version: 1 }, id);
    await expect(unlockKey(client, a)).rejects.toThrow(/does not unlock keyslot/);
    await writeToken(a, token, id);
    expect((await unlockKey(client, a)).keyslot).toBe(Number(token.keyslots[0]));
    // Header of volume b (own volume key, keyslot for b's resource) with a's token: refused.
    const b = join(dir, 'b.img');
    const tb = findToken(await readMetadata(b))!;
    await writeToken(b, { ...token }, tb.id);
    await expect(unlockKey(client, b)).rejects.toThrow(/does not unlock keyslot/);
    await writeToken(b, tb.token, tb.id);
    // enroll with a wrong existing passphrase: nothing added.
    const c = await image('c.img');
    expect((await runCryptsetup(['luksFormat', '--type', 'luks2', '--batch-mode', '--pbkdf', 'pbkdf2', '--pbkdf-force-iterations', '1000', '--key-file=-', c], { stdin: Buffer.from(OLD_PASS) })).code).toBe(0);
    const cBefore = await dump(c);
    const bad = await splitkey(['volume', 'enroll', c, '--key', 'demo/disk'], 'wrong passphrase\n');
    expect(bad.code).not.toBe(0);
    expect(await dump(c)).toBe(cBefore);
    // rotate to a version that does not exist: refused, header unchanged, still opens.
    const aBefore = await dump(a);
    await expect(rotateVolume(client, a, { toVersion: 99 })).rejects.toThrow();
    expect(await dump(a)).toBe(aBefore);
    const { key, keyslot } = await unlockKey(client, a);
    expect(await testKey(a, key, keyslot)).toBe(keyslot);
  }, 60_000);
});
