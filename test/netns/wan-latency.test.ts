/**
 * The multi-host tier with WAN latency: the lab of multi-cloud.test.ts (2/2/1 over three clouds,
 * t = 3, bundles from `cluster init` unchanged), with every link between two locations — cloud
 * to cloud, client subnet to cloud — passing a `splitkey cluster wan-delay` relay set up before
 * the nodes start. Each lifecycle operation, the data path and the library run at 150 ms one-way
 * by default (the worst case, to keep CI short; 0 ms is multi-cloud.test.ts); a table of their
 * times is printed (README "Deploying across clouds"). SPLITKEY_WAN_DELAYS=0,50,150 runs the
 * whole table (about a minute or two each).
 * Needs root; skipped with a message otherwise.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { initCluster } from '../../cli/topology/bundle.js';
import { parseTopology } from '../../cli/topology/topology.js';
import { labUnavailable, NetnsLab } from '../helpers/netns-lab.js';

const CLI = join(process.cwd(), 'dist', 'cli', 'main.js');
const CLIENT_LIB = join(process.cwd(), 'dist', 'client', 'index.js');
const skip = labUnavailable();
if (skip) process.stderr.write(`skipping the WAN latency tier: ${skip}\n`);
const DELAYS = (process.env.SPLITKEY_WAN_DELAYS ?? '150').split(',').map(Number);

/** The library in the client namespace: a cold derive (connections to open), then warm ones. */
const DERIVE_SCRIPT = `
import { connect } from ${JSON.stringify(CLIENT_LIB)};
const t0 = performance.now();
const c = await connect();
const a = await c.deriveKey('acme/files', 'vol-1');
const cold = performance.now() - t0;
const t1 = performance.now();
const b = await c.deriveKey('acme/files', 'vol-1');
const warm = performance.now() - t1;
const t2 = performance.now();
const many = await c.deriveKeys('acme/files', Array.from({ length: 100 }, (_, i) => 'vol-' + i));
const batch = performance.now() - t2;
await c.close();
const hex = (k) => Buffer.from(k).toString('hex');
process.stdout.write(JSON.stringify({ cold, warm, batch, same: hex(a.key) === hex(b.key) && hex(many[1].key) === hex(a.key), version: a.version }));
`;

const table: Record<string, Record<number, number>> = {};

afterAll(() => {
  const ops = Object.keys(table);
  if (ops.length === 0) return;
  const lines = [`| operation | ${DELAYS.map((d) => `${d} ms`).join(' | ')} |`, `|---|${DELAYS.map(() => '---:').join('|')}|`];
  for (const op of ops) lines.push(`| ${op} | ${DELAYS.map((d) => (table[op]![d] === undefined ? '–' : String(table[op]![d]))).join(' | ')} |`);
  process.stderr.write(`\nWAN latency tier, one-way delay between clouds and from the client (wall time in ms, CLI process start included):\n${lines.join('\n')}\n`);
});

describe.skipIf(skip !== undefined).each(DELAYS)('three clouds with %i ms one-way between them', (delay) => {
  it('key create/rotate/refresh/reshare/destroy, encrypt/decrypt, oprf and the library all succeed', async () => {
    const dir = await mkdtemp(join(tmpdir(), `splitkey-wan${delay}-`));
    let lab: NetnsLab | undefined;
    const time = (op: string, ms: number) => ((table[op] ??= {})[delay] = Math.round(ms));
    try {
      const topology = parseTopology(await readFile('deploy/topology.example.yaml', 'utf8'));
      const out = join(dir, 'out');
      await initCluster(topology, out);
      const env = {
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
      const cli = async (op: string, ...args: string[]): Promise<string> => {
        const r = await lab!.run(args, env);
        if (r.status !== 0) throw new Error(`at ${delay} ms: splitkey ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
        time(op, r.ms);
        return r.stdout;
      };
      lab = await NetnsLab.create(topology, out, CLI, { wanDelayMs: delay });
      const t0 = performance.now();
      await Promise.all([1, 2, 3, 4, 5].map((i) => lab!.startNode(i)));
      time('start 5 nodes (parallel)', performance.now() - t0);
      await cli('master init', 'master', 'init', '--out', env.SPLITKEY_MASTER);

      // Every node answers through the relays.
      const status = await cli('status', 'status');
      expect(status.match(/serving/g)?.length).toBe(5);

      const plain = join(dir, 'data.bin');
      await writeFile(plain, randomBytes(1 << 20));
      await cli('key create', 'key', 'create', 'acme/files');
      await cli('encrypt 1 MiB', 'encrypt', '--key', 'acme/files', plain, join(dir, 'v1.splk'));
      await cli('decrypt 1 MiB', 'decrypt', join(dir, 'v1.splk'), join(dir, 'v1.out'));
      expect(await readFile(join(dir, 'v1.out'))).toEqual(await readFile(plain));
      await cli('key rotate', 'key', 'rotate', 'acme/files');
      await cli('key refresh', 'key', 'refresh', 'acme/files');
      // A reshare to 3-of-4 is refused (the policy's minThreshold 3 allows for 2 silent nodes: n ≥ t + 2);
      // a fresh sharing on the five nodes crosses every cloud.
      const fragile = await lab!.run(['key', 'reshare', 'acme/files', '--nodes', '1,2,3,5', '--threshold', '3'], env);
      expect(fragile.status, fragile.stderr).not.toBe(0);
      expect(fragile.stderr).toMatch(/faultTolerance/);
      await cli('key reshare (5 nodes, t = 3)', 'key', 'reshare', 'acme/files', '--nodes', '1,2,3,4,5', '--threshold', '3');
      const oprf = await cli('oprf', 'oprf', '--key', 'acme/files', '--input-hex', '00ff');
      expect(oprf.trim()).toMatch(/^[0-9a-f]{128}$/);
      await cli('key info', 'key', 'info', 'acme/files');

      const lib = await lab.exec([process.execPath, '--input-type=module', '-e', DERIVE_SCRIPT], env);
      if (lib.status !== 0) throw new Error(`at ${delay} ms: the library derive failed: ${lib.stderr}`);
      const derived = JSON.parse(lib.stdout) as { cold: number; warm: number; batch: number; same: boolean; version: number };
      expect(derived.same).toBe(true);
      expect(derived.version).toBe(2);
      time('library: connect + first deriveKey', derived.cold);
      time('library: deriveKey (warm)', derived.warm);
      time('library: deriveKeys × 100 (warm)', derived.batch);
      if (delay > 0) expect(derived.warm, 'a warm derive is one round trip through the relay').toBeGreaterThanOrEqual(2 * delay);

      await cli('rewrap', 'rewrap', join(dir, 'v1.splk'), join(dir, 'v1-as-v2.splk'));
      await cli('key destroy', 'key', 'destroy', 'acme/files', '--version', '1', '--yes');
      const gone = await lab.run(['decrypt', join(dir, 'v1.splk'), join(dir, 'gone.out')], env);
      expect(gone.status).not.toBe(0);
      expect(gone.stderr).toMatch(/destroyed/);
      await cli('decrypt (rewrapped)', 'decrypt', join(dir, 'v1-as-v2.splk'), join(dir, 'v2.out'));
      expect(await readFile(join(dir, 'v2.out'))).toEqual(await readFile(plain));
    } finally {
      await lab?.destroy();
      await rm(dir, { recursive: true, force: true });
    }
  }, 240_000);
});
