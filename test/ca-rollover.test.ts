/**
 * Certificate hot reload and a two-CA rollover on running node processes (loopback, mTLS), with
 * the commands of README "Certificate renewal and CA rollover": `splitkey ca init`, `cert issue`,
 * a bundle of both CAs, and SIGHUP to each node. No node is restarted (their pids stay); the key
 * lifecycle and the data path work at every step; after CA1 is dropped, CA1 certificates are
 * refused — on new connections and on a connection opened before the drop. A broken file is
 * refused by the reload and the node keeps its old material.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../cli/ports.js';
import { NodeChannels, readTlsFiles } from '../client/channels.js';
import { unaryCall } from '../client/channels.js';
import type { ClusterDescriptor } from '../client/descriptor.js';

const CLI = join(process.cwd(), 'dist', 'cli', 'main.js');
const N = 3;

interface RunningNode {
  child: ChildProcess;
  pid: number;
  dir: string;
  events: { event: string; [k: string]: unknown }[];
  waiters: ((e: { event: string }) => void)[];
}

function run(args: string[], env: Record<string, string> = {}): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env, NODE_OPTIONS: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (status) => resolve({ status, stdout, stderr }));
  });
}

async function ok(args: string[], env: Record<string, string> = {}): Promise<string> {
  const r = await run(args, env);
  if (r.status !== 0) throw new Error(`splitkey ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

describe('certificate reload and CA rollover without restarting nodes', () => {
  let dir: string;
  const nodes = new Map<number, RunningNode>();
  let env: Record<string, string>;

  function nextEvent(i: number): Promise<{ event: string; [k: string]: unknown }> {
    return new Promise((resolve) => nodes.get(i)!.waiters.push(resolve as (e: { event: string }) => void));
  }

  /** `kill -HUP` every node and wait for each one's answer line. */
  async function hupAll(): Promise<{ event: string; [k: string]: unknown }[]> {
    return Promise.all(
      [...nodes.keys()].map((i) => {
        const answer = nextEvent(i);
        process.kill(nodes.get(i)!.pid, 'SIGHUP');
        return answer;
      }),
    );
  }

  async function startNode(i: number): Promise<void> {
    const nodeDir = join(dir, `node${i}`);
    const child = spawn(process.execPath, [CLI, 'node', 'start', '--config', join(nodeDir, 'config.json')], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, SPLITKEY_LOG_LEVEL: 'warn', NODE_OPTIONS: '' } });
    const node: RunningNode = { child, pid: 0, dir: nodeDir, events: [], waiters: [] };
    nodes.set(i, node);
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    await new Promise<void>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`node ${i} exited (${code}): ${stderr}`)));
      createInterface({ input: child.stdout! }).on('line', (line) => {
        let e: { event: string; pid?: number };
        try {
          e = JSON.parse(line) as { event: string };
        } catch {
          return;
        }
        node.events.push(e);
        if (e.event === 'serving') {
          node.pid = e.pid!;
          resolve();
        } else {
          node.waiters.shift()?.(e);
        }
      });
    });
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'splitkey-rollover-'));
    await ok(['ca', 'init', '--dir', join(dir, 'ca1'), '--name', 'splitkey CA 2025']);
    const ports = await Promise.all(Array.from({ length: N }, freePort));
    const descriptor: ClusterDescriptor = { name: 'rollover', defaultThreshold: 2, nodes: ports.map((p, k) => ({ index: k + 1, address: `127.0.0.1:${p}` })) } as ClusterDescriptor;
    await writeFile(join(dir, 'cluster.json'), JSON.stringify(descriptor, null, 2));
    for (let i = 1; i <= N; i++) {
      const nodeDir = join(dir, `node${i}`);
      await mkdir(nodeDir);
      await ok(['cert', 'issue', '--role', 'node', '--index', String(i), '--ca-dir', join(dir, 'ca1'), '--out', nodeDir, '--base', 'node']);
      await copyFile(join(dir, 'ca1', 'ca.crt'), join(nodeDir, 'ca.crt'));
      await writeFile(join(nodeDir, 'seal.key'), randomBytes(32).toString('hex'), { mode: 0o600 });
      const config = { index: i, listen: `127.0.0.1:${ports[i - 1]}`, dataDir: 'data', tls: { ca: 'ca.crt', cert: 'node.crt', key: 'node.key' }, seal: { keyFile: 'seal.key' }, cluster: '../cluster.json', shutdownGraceMs: 2000 };
      await writeFile(join(nodeDir, 'config.json'), JSON.stringify(config, null, 2));
    }
    await ok(['cert', 'issue', '--role', 'admin', '--name', 'ops', '--ca-dir', join(dir, 'ca1'), '--out', join(dir, 'admin1'), '--base', 'admin']);
    await ok(['cert', 'issue', '--role', 'client', '--tenant', 'acme', '--name', 'app', '--ca-dir', join(dir, 'ca1'), '--out', join(dir, 'acme1'), '--base', 'client']);
    env = {
      SPLITKEY_CLUSTER: join(dir, 'cluster.json'),
      SPLITKEY_CA: join(dir, 'ca1', 'ca.crt'),
      SPLITKEY_ADMIN_CERT: join(dir, 'admin1', 'admin.crt'),
      SPLITKEY_ADMIN_KEY: join(dir, 'admin1', 'admin.key'),
      SPLITKEY_CERT: join(dir, 'acme1', 'client.crt'),
      SPLITKEY_KEY: join(dir, 'acme1', 'client.key'),
      SPLITKEY_MASTER: join(dir, 'master.json'),
      SPLITKEY_MASTER_KEY: randomBytes(32).toString('hex'),
    };
    await Promise.all(Array.from({ length: N }, (_, k) => startNode(k + 1)));
    await ok(['master', 'init', '--out', env.SPLITKEY_MASTER!], env);
  }, 60_000);

  afterAll(async () => {
    await Promise.all(
      [...nodes.values()].map(async (n) => {
        if (n.child.exitCode !== null || n.child.signalCode !== null) return;
        const exited = new Promise((r) => n.child.once('exit', r));
        n.child.kill('SIGTERM');
        await exited;
      }),
    );
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('rolls from CA1 to CA2 in four SIGHUP steps while keys are created, used, refreshed and reshared', async () => {
    const pids = [...nodes.values()].map((n) => n.pid);
    const plain = join(dir, 'plain.bin');
    await writeFile(plain, randomBytes(50_000));
    await ok(['key', 'create', 'acme/files'], env);
    await ok(['encrypt', '--key', 'acme/files', plain, join(dir, 'v1.splk')], env);
    const oprf = (await ok(['oprf', '--key', 'acme/files', '--input-hex', '0102'], env)).trim();

    // A reload with the same files changes nothing and says so.
    for (const e of await hupAll()) expect(e.event).toBe('tls-reloaded');

    // A bad file is refused: the node keeps serving with what it had.
    const n1 = nodes.get(1)!;
    const goodKey = await readFile(join(n1.dir, 'node.key'));
    await ok(['cert', 'issue', '--role', 'node', '--index', '2', '--ca-dir', join(dir, 'ca1'), '--out', join(dir, 'wrong'), '--base', 'node']);
    await copyFile(join(dir, 'wrong', 'node.key'), join(n1.dir, 'node.key'));
    let answer = nextEvent(1);
    process.kill(n1.pid, 'SIGHUP');
    expect(await answer).toMatchObject({ event: 'tls-reload-failed', error: expect.stringMatching(/does not match the certificate/) });
    await writeFile(join(n1.dir, 'node.key'), goodKey);
    await copyFile(join(dir, 'wrong', 'node.crt'), join(n1.dir, 'node.crt')); // node 2's certificate
    answer = nextEvent(1);
    process.kill(n1.pid, 'SIGHUP');
    expect(await answer).toMatchObject({ event: 'tls-reload-failed', error: expect.stringMatching(/is for splitkey:\/\/node\/2, not splitkey:\/\/node\/1/) });
    await ok(['cert', 'issue', '--role', 'node', '--index', '1', '--ca-dir', join(dir, 'ca1'), '--out', n1.dir, '--base', 'node', '--force']);
    expect((await ok(['oprf', '--key', 'acme/files', '--input-hex', '0102'], env)).trim()).toBe(oprf);

    // Step 1: a second CA; every node (and client) trusts both.
    await ok(['ca', 'init', '--dir', join(dir, 'ca2'), '--name', 'splitkey CA 2026']);
    const bundle = Buffer.concat([await readFile(join(dir, 'ca1', 'ca.crt')), await readFile(join(dir, 'ca2', 'ca.crt'))]);
    await writeFile(join(dir, 'bundle.crt'), bundle);
    for (const n of nodes.values()) await writeFile(join(n.dir, 'ca.crt'), bundle);
    for (const e of await hupAll()) expect(e).toMatchObject({ event: 'tls-reloaded', cas: [expect.any(String), expect.any(String)] });
    const both = { ...env, SPLITKEY_CA: join(dir, 'bundle.crt') };
    await ok(['key', 'rotate', 'acme/files'], both);

    // Step 2: node certificates from CA2 (the peers check each other under the bundle).
    for (const [i, n] of nodes) await ok(['cert', 'issue', '--role', 'node', '--index', String(i), '--ca-dir', join(dir, 'ca2'), '--out', n.dir, '--base', 'node', '--force']);
    for (const e of await hupAll()) expect(e.event).toBe('tls-reloaded');
    await ok(['key', 'refresh', 'acme/files'], both);
    // An old client (CA1 certificate, CA1-only trust) now refuses the nodes' CA2 certificates.
    const stale = await run(['oprf', '--key', 'acme/files', '--input-hex', '0102'], env);
    expect(stale.status).not.toBe(0);

    // Step 3: clients and admins get CA2 certificates and trust CA2 only.
    await ok(['cert', 'issue', '--role', 'admin', '--name', 'ops', '--ca-dir', join(dir, 'ca2'), '--out', join(dir, 'admin2'), '--base', 'admin']);
    await ok(['cert', 'issue', '--role', 'client', '--tenant', 'acme', '--name', 'app', '--ca-dir', join(dir, 'ca2'), '--out', join(dir, 'acme2'), '--base', 'client']);
    const ca2 = {
      ...env,
      SPLITKEY_CA: join(dir, 'ca2', 'ca.crt'),
      SPLITKEY_ADMIN_CERT: join(dir, 'admin2', 'admin.crt'),
      SPLITKEY_ADMIN_KEY: join(dir, 'admin2', 'admin.key'),
      SPLITKEY_CERT: join(dir, 'acme2', 'client.crt'),
      SPLITKEY_KEY: join(dir, 'acme2', 'client.key'),
    };
    expect((await ok(['oprf', '--key', 'acme/files', '--input-hex', '0102', '--version', '1'], ca2)).trim()).toBe(oprf);
    // A CA1 client that trusts the bundle still works (the nodes trust CA1 until step 4), and
    // keeps a connection open across the drop.
    const held = new NodeChannels(JSON.parse(await readFile(join(dir, 'cluster.json'), 'utf8')) as ClusterDescriptor, await readTlsFiles({ ca: join(dir, 'bundle.crt'), cert: env.SPLITKEY_CERT!, key: env.SPLITKEY_KEY! }));
    const keyInfo = (i: number) => {
      const c = held.evaluator(i);
      return unaryCall<{ keyName: string }, unknown>(c.GetKeyInfo.bind(c), { keyName: 'acme/files' }, held.callMetadata(), 3_000).promise;
    };
    await keyInfo(1);

    // Step 4: drop CA1 from the nodes' bundle.
    for (const n of nodes.values()) await copyFile(join(dir, 'ca2', 'ca.crt'), join(n.dir, 'ca.crt'));
    for (const e of await hupAll()) expect(e).toMatchObject({ event: 'tls-reloaded', cas: [expect.any(String)] });
    // The connection opened before the drop is refused from its next call…
    await expect(keyInfo(1)).rejects.toMatchObject({ details: expect.stringMatching(/not issued by a CA this node trusts/) });
    held.close();
    // …and new connections with CA1 certificates fail their handshake.
    const refused = await run(['oprf', '--key', 'acme/files', '--input-hex', '0102'], { ...env, SPLITKEY_CA: join(dir, 'bundle.crt') });
    expect(refused.status).not.toBe(0);
    const admin1 = await run(['key', 'refresh', 'acme/files'], { ...ca2, SPLITKEY_ADMIN_CERT: env.SPLITKEY_ADMIN_CERT!, SPLITKEY_ADMIN_KEY: env.SPLITKEY_ADMIN_KEY! });
    expect(admin1.status).not.toBe(0);

    // Everything works under CA2 alone, node to node included.
    await ok(['key', 'reshare', 'acme/files', '--nodes', '1,2,3', '--threshold', '2'], ca2);
    await ok(['key', 'rotate', 'acme/files'], ca2);
    await ok(['decrypt', join(dir, 'v1.splk'), join(dir, 'v1.out')], ca2);
    expect(await readFile(join(dir, 'v1.out'))).toEqual(await readFile(plain));
    expect((await ok(['oprf', '--key', 'acme/files', '--input-hex', '0102', '--version', '1'], ca2)).trim()).toBe(oprf);

    // Never restarted.
    expect([...nodes.values()].map((n) => n.pid)).toEqual(pids);
    for (const n of nodes.values()) expect(n.child.exitCode).toBeNull();
  }, 120_000);
});
