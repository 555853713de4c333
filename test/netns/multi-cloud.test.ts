/**
 * The multi-host tier: deploy/topology.example.yaml (2/2/1 over three clouds, t = 3) laid out by
 * `cluster init`, each node in its own network namespace behind a router, the operator and the
 * appliance in a client namespace, every name resolved through /etc/netns/<ns>/hosts. The bundles
 * are used exactly as init wrote them. Needs root; skipped with a message otherwise.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initCluster } from '../../cli/topology/bundle.js';
import { parseTopology, type Topology } from '../../cli/topology/topology.js';
import { labUnavailable, NetnsLab } from '../helpers/netns-lab.js';

const CLI = join(process.cwd(), 'dist', 'cli', 'main.js');
const skip = labUnavailable();
if (skip) process.stderr.write(`skipping the multi-host tier: ${skip}\n`);

describe.skipIf(skip !== undefined)('three clouds in network namespaces (2/2/1, t = 3)', () => {
  let dir: string;
  let topology: Topology;
  let lab: NetnsLab | undefined;
  let env: Record<string, string>;
  const timings: Record<string, number> = {};

  async function cli(name: string, ...args: string[]): Promise<string> {
    const r = await lab!.run(args, env);
    timings[name] = Math.round(r.ms);
    if (r.status !== 0) throw new Error(`splitkey ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
    return r.stdout;
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'splitkey-netns-'));
    topology = parseTopology(await readFile('deploy/topology.example.yaml', 'utf8'));
    await initCluster(topology, join(dir, 'out'));
    const out = join(dir, 'out');
    env = {
      SPLITKEY_CLUSTER: join(out, 'client', 'cluster.json'),
      SPLITKEY_CA: join(out, 'client', 'ca.crt'),
      SPLITKEY_ADMIN_CERT: join(out, 'admin', 'admin.crt'),
      SPLITKEY_ADMIN_KEY: join(out, 'admin', 'admin.key'),
      SPLITKEY_CERT: join(out, 'tenants', 'acme', 'client.crt'),
      SPLITKEY_KEY: join(out, 'tenants', 'acme', 'client.key'),
      SPLITKEY_MASTER: join(dir, 'master.json'),
      SPLITKEY_MASTER_KEY: randomBytes(32).toString('hex'),
      NODE_OPTIONS: '',
    };
    lab = await NetnsLab.create(topology, out, CLI);
    const start = performance.now();
    await Promise.all([1, 2, 3, 4, 5].map((i) => lab!.startNode(i)));
    timings['start 5 nodes'] = Math.round(performance.now() - start);
    await cli('master init', 'master', 'init', '--out', env.SPLITKEY_MASTER!);
  }, 60_000);

  afterAll(async () => {
    await lab?.destroy();
    if (dir) await rm(dir, { recursive: true, force: true });
    process.stderr.write(`multi-host tier timings (ms): ${JSON.stringify(timings)}\n`);
  });

  it('every node is reachable by name from the client namespace, and its probe passes inside its own', async () => {
    const status = await cli('status', 'status');
    for (const n of [1, 2, 3, 4, 5]) expect(status).toMatch(new RegExp(`node ${n}\\tnode${n}\\.[a-z]+\\.splitkey\\.example:7001\\tserving`));
    const lab1 = lab!;
    const { spawnSync } = await import('node:child_process');
    const probe = spawnSync('ip', ['netns', 'exec', lab1.nodes.get(5)!.ns, process.execPath, CLI, 'cluster', 'probe', '--config', join(dir, 'out', 'clouds', 'azure', 'nodes', '5', 'config.json')], { encoding: 'utf8' });
    expect(probe.stdout.trim()).toBe('SERVING');
  });

  it('create, encrypt, rotate, refresh, reshare, lose a whole cloud, rewrap, destroy — across clouds', async () => {
    const plain = join(dir, 'report.txt');
    await writeFile(plain, randomBytes(100_000));
    await cli('key create', 'key', 'create', 'acme/files');
    await cli('encrypt v1', 'encrypt', '--key', 'acme/files', plain, join(dir, 'v1.splk'));
    await cli('key rotate', 'key', 'rotate', 'acme/files');
    await cli('encrypt v2', 'encrypt', '--key', 'acme/files', plain, join(dir, 'v2.splk'));
    await cli('key refresh', 'key', 'refresh', 'acme/files');
    await cli('key reshare', 'key', 'reshare', 'acme/files', '--nodes', '1,2,3,4,5', '--threshold', '3');
    const info = await cli('key info', 'key', 'info', 'acme/files');
    expect(info).toMatch(/acme\/files/);

    // Cloud gcp (nodes 3 and 4) goes down: aws + azure still hold t = 3.
    await Promise.all([lab!.stopNode(3, 'SIGKILL'), lab!.stopNode(4, 'SIGKILL')]);
    await cli('decrypt without gcp', 'decrypt', join(dir, 'v1.splk'), join(dir, 'v1.out'));
    expect(await readFile(join(dir, 'v1.out'))).toEqual(await readFile(plain));
    const oprf = await cli('oprf without gcp', 'oprf', '--key', 'acme/files', '--input-hex', '00ff');
    expect(oprf.trim()).toMatch(/^[0-9a-f]{128}$/);
    await Promise.all([lab!.startNode(3), lab!.startNode(4)]);
    expect((await cli('oprf with gcp', 'oprf', '--key', 'acme/files', '--input-hex', '00ff')).trim()).toBe(oprf.trim());

    await cli('rewrap', 'rewrap', join(dir, 'v1.splk'), join(dir, 'v1-as-v2.splk'));
    const destroyed = await cli('key destroy', 'key', 'destroy', 'acme/files', '--version', '1', '--yes');
    expect(destroyed.trim(), 'key destroy --version 1 printed the program version: the global -V/--version took the option (fixed on branch cli-truth)').not.toBe('0.1.0');
    const gone = await lab!.run(['decrypt', join(dir, 'v1.splk'), join(dir, 'gone.out')], env);
    expect(gone.status).not.toBe(0);
    expect(gone.stderr).toMatch(/destroyed/);
    await cli('decrypt rewrapped', 'decrypt', join(dir, 'v1-as-v2.splk'), join(dir, 'v2.out'));
    expect(await readFile(join(dir, 'v2.out'))).toEqual(await readFile(plain));
  }, 90_000);
});
