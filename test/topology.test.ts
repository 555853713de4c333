/**
 * Topology files: the failure-domain rule on several layouts, strict parsing, `cluster init`
 * output (configs the node accepts, descriptor with policy and pinned identities, certificate
 * SANs, capabilities), re-runs that add what is missing and never overwrite, and the container
 * probe against a healthy and a stopping node.
 */
import { sanUris } from '../crypto/san.js';
import { X509Certificate } from 'node:crypto';
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as grpc from '@grpc/grpc-js';
import { HealthImplementation } from 'grpc-health-check';
import { parseDescriptor } from '../client/descriptor.js';
import { parseNodeConfig } from '../node/config.js';
import { silentLogger } from '../node/log.js';
import { PvkmNode } from '../node/server.js';
import { initCluster } from '../cli/topology/bundle.js';
import { probeNode } from '../cli/topology/probe.js';
import { checkLayout, parseTopology, renderMatrix } from '../cli/topology/topology.js';

/** A topology with `counts[i]` nodes in cloud i. */
function layout(counts: number[], threshold: number, extra = ''): string {
  let index = 0;
  const clouds = counts.map((c, i) => {
    const nodes = Array.from({ length: c }, () => {
      index++;
      return `      - { index: ${index}, host: node${index}.c${i}.example, ip: 10.${70 + i}.0.${10 + index} }`;
    });
    return `  - name: c${i}\n    cidr: 10.${70 + i}.0.0/24\n    nodes:\n${nodes.join('\n')}`;
  });
  return `name: test\nthreshold: ${threshold}\ntenants: [acme]\n${extra}clouds:\n${clouds.join('\n')}\n`;
}

const CLI = join(process.cwd(), 'dist', 'cli', 'main.js');
/** The CLI without blocking this process's event loop (the node under test runs in it). */
async function cli(...args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  try {
    const r = await promisify(execFile)(process.execPath, [CLI, ...args], { encoding: 'utf8' });
    return { status: 0, ...r };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { status: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}
const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'splitkey-topology-'));
  dirs.push(d);
  return d;
}
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

describe('the failure-domain rule', () => {
  const cases: [string, number[], number, RegExp | null][] = [
    ['2/2/1, t = 3', [2, 2, 1], 3, null],
    ['1/1/1, t = 2', [1, 1, 1], 2, null],
    ['3/3/3, t = 5', [3, 3, 3], 5, null],
    ['3/1/1, t = 3: one cloud holds t shares', [3, 1, 1], 3, /domain c0 holds 3 shares/],
    ['2/2, t = 3: losing a cloud leaves 2', [2, 2], 3, /losing domain c0 leaves 2 nodes/],
    ['2/2, t = 3: 4 nodes are fewer than t + faultTolerance (3 + 2)', [2, 2], 3, /4 nodes cannot hold 3-of-4 keys that survive 2 silent nodes .*fewer than threshold \+ faultTolerance = 5 nodes/],
    ['2/2/1, t = 2: a cloud of two rebuilds the key', [2, 2, 1], 2, /domain c0 holds 2 shares/],
    ['4/1, t = 3: both rules broken', [4, 1], 3, /holds 4 shares.*losing domain c0 leaves 1/],
    ['5 in one cloud, t = 3', [5], 3, /only one cloud/],
  ];
  for (const [name, counts, t, bad] of cases) {
    it(name, () => {
      const problems = checkLayout(parseTopology(layout(counts, t)));
      if (bad) expect(problems.join('; ')).toMatch(bad);
      else expect(problems).toEqual([]);
    });
  }

  it('faultTolerance lowers what n must be, and the descriptor states it only when it is not the default', async () => {
    const t = parseTopology(layout([1, 1, 1], 3, 'minThreshold: 3\nfaultTolerance: 0\n'));
    expect(t.faultTolerance).toBe(0);
    expect(checkLayout(t).join()).not.toMatch(/faultTolerance/);
    expect(checkLayout(parseTopology(layout([1, 1, 1], 3))).join()).toMatch(/3 nodes cannot hold 3-of-3 keys that survive 2 silent nodes/);
    const { clusterDescriptor } = await import('../cli/topology/bundle.js');
    expect(clusterDescriptor(t).faultTolerance).toBe(0);
    expect(clusterDescriptor(parseTopology(layout([1, 1, 1], 2))).faultTolerance).toBeUndefined();
  });

  it('lifecycleQuorum: off by default, carried into the descriptor only when true, a boolean only', async () => {
    const { clusterDescriptor } = await import('../cli/topology/bundle.js');
    expect(clusterDescriptor(parseTopology(layout([1, 1, 1], 2))).lifecycleQuorum).toBeUndefined();
    const on = parseTopology(layout([1, 1, 1], 2, 'lifecycleQuorum: true\n'));
    expect([on.lifecycleQuorum, clusterDescriptor(on).lifecycleQuorum]).toEqual([true, true]);
    expect(() => parseTopology(layout([1, 1, 1], 2, 'lifecycleQuorum: yes please\n'))).toThrow(/lifecycleQuorum must be true or false/);
  });

  it('checks "holds t" against the policy minThreshold when it is below the default threshold', () => {
    expect(checkLayout(parseTopology(layout([2, 2, 1], 3, 'minThreshold: 2\n'))).join()).toMatch(/domain c0 holds 2 shares \(≥ t = 2\)/);
  });

  it('prints the cloud × node matrix with shares and what losing each cloud leaves', () => {
    const m = renderMatrix(parseTopology(layout([3, 1, 1], 3)));
    expect(m).toMatch(/^cloud\s+n1\s+n2\s+n3\s+n4\s+n5\s+shares\s+if lost\s+verdict$/m);
    expect(m).toMatch(/^c0\s+■\s+■\s+■\s+·\s+·\s+3\s+2\s+holds ≥ t=3$/m);
    expect(m).toMatch(/^c2\s+·\s+·\s+·\s+·\s+■\s+1\s+4\s+ok$/m);
  });

  it('`cluster plan` exits 0 on a sound layout and 2 with a sentence on a bad one', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'good.yaml'), layout([2, 2, 1], 3));
    await writeFile(join(dir, 'bad.yaml'), layout([3, 1, 1], 3));
    const good = spawnSync(process.execPath, [CLI, 'cluster', 'plan', join(dir, 'good.yaml')], { encoding: 'utf8' });
    expect(good.status).toBe(0);
    expect(good.stdout).toMatch(/layout ok/);
    const bad = spawnSync(process.execPath, [CLI, 'cluster', 'plan', join(dir, 'bad.yaml')], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stdout).toMatch(/c0\s+■\s+■\s+■/);
    expect(bad.stderr).toMatch(/is not sound: domain c0 holds 3 shares .*Move nodes between clouds or change the threshold/);
  });
});

describe('parsing a topology', () => {
  const bad: [string, string, RegExp][] = [
    ['a misspelled field', layout([1, 1, 1], 2).replace('tenants:', 'tenant:'), /unknown field "tenant"; the known fields are name, threshold/],
    ['a misspelled node field', layout([1, 1, 1], 2).replace('host: node2', 'hots: node2'), /clouds\[1\]\.nodes\[0\]: unknown field "hots"/],
    ['an index used twice', layout([1, 1, 1], 2).replace('index: 3', 'index: 1'), /node index 1 is used in cloud c0 and again in cloud c2/],
    ['an IP address as host', layout([1, 1, 1], 2).replace('host: node1.c0.example', 'host: 10.0.0.1'), /clouds\[0\]\.nodes\[0\]\.host must be a DNS name/],
    ['a threshold above n', layout([1, 1, 1], 4), /threshold must be an integer in \[1, 3\], got 4/],
    ['no threshold', layout([1, 1, 1], 2).replace(/threshold: 2\n/, ''), /threshold is missing/],
    ['a bad CIDR', layout([1, 1, 1], 2).replace('cidr: 10.70.0.0/24', 'cidr: 10.70.0.0/33'), /clouds\[0\]\.cidr must be a CIDR/],
    ['a faultTolerance above minThreshold − 1', layout([1, 1, 1], 2, 'faultTolerance: 2\n'), /faultTolerance must be an integer in \[0, 1\], got 2/],
    ['a refresh node that does not exist', layout([1, 1, 1], 2, 'refresh: { node: 9 }\n'), /refresh\.node is 9, which is not a node/],
  ];
  for (const [name, source, message] of bad) {
    it(`refuses ${name}`, () => expect(() => parseTopology(source)).toThrow(message));
  }

  it('reads the example topology of deploy/', async () => {
    const t = parseTopology(await readFile('deploy/topology.example.yaml', 'utf8'));
    expect(t.clouds.map((c) => c.nodes.length)).toEqual([2, 2, 1]);
    expect(checkLayout(t)).toEqual([]);
  });
});

describe('cluster init', () => {
  let out: string;
  const topology = layout([2, 2, 1], 3, 'refresh: { node: 1, intervalMinutes: 60 }\n');

  beforeAll(async () => {
    out = join(await tempDir(), 'out');
    await initCluster(parseTopology(topology), out);
  });

  it('writes node configs the node accepts: 0.0.0.0 listen and metrics, own descriptor, seal key, refresh on one node', async () => {
    for (const [cloud, index] of [['c0', 1], ['c0', 2], ['c1', 3], ['c1', 4], ['c2', 5]] as const) {
      const dir = join(out, 'clouds', cloud, 'nodes', String(index));
      const config = parseNodeConfig(JSON.parse(await readFile(join(dir, 'config.json'), 'utf8')), dir);
      expect(config).toMatchObject({ index, listen: '0.0.0.0:7001', metrics: { listen: '0.0.0.0:9101' }, cluster: join(dir, 'cluster.json'), seal: { keyFile: join(dir, 'seal.key') }, allowImport: false });
      expect(config.refreshSchedule !== undefined).toBe(index === 1);
      expect((await stat(join(dir, 'seal.key'))).mode & 0o777).toBe(0o600);
      expect((await stat(join(dir, 'node.key'))).mode & 0o777).toBe(0o600);
      const cert = new X509Certificate(await readFile(join(dir, 'node.crt')));
      expect(cert.subjectAltName).toBe(`URI:splitkey://node/${index}, DNS:node${index}.${cloud}.example, IP Address:10.${70 + Number(cloud[1])}.0.${10 + index}`);
      expect(cert.verify(new X509Certificate(await readFile(join(out, 'ca', 'ca.crt'))).publicKey)).toBe(true);
    }
  });

  it('writes one descriptor, the same for nodes and clients, with policy, failure domains and pinned identities', async () => {
    const text = await readFile(join(out, 'client', 'cluster.json'), 'utf8');
    expect(await readFile(join(out, 'clouds', 'c1', 'nodes', '3', 'cluster.json'), 'utf8')).toBe(text);
    const d = parseDescriptor(JSON.parse(text));
    expect(d.minThreshold).toBe(3);
    expect(d.defaultThreshold).toBe(3);
    expect(d.nodes[4]).toEqual({ index: 5, address: 'node5.c2.example:7001', domain: 'c2', identity: 'splitkey://node/5' });
    expect(JSON.parse(text).nodes[0].identity).toBe('splitkey://node/1');
  });

  it('issues a full admin, a refresh-only admin and a client per tenant', async () => {
    const san = async (p: string) => `URI:${sanUris(new X509Certificate(await readFile(join(out, p))).subjectAltName).join(', URI:')}`;
    expect(await san('admin/admin.crt')).toBe('URI:splitkey://admin/operator?caps=create,refresh,reshare,destroy');
    expect(await san('admin/refresh.crt')).toBe('URI:splitkey://admin/refresh-scheduler?caps=refresh');
    expect(await san('clouds/c0/nodes/1/refresh.crt')).toBe('URI:splitkey://admin/refresh-scheduler?caps=refresh');
    expect(await san('tenants/acme/client.crt')).toBe('URI:splitkey://client/acme/appliance');
    expect(await readFile(join(out, 'env'), 'utf8')).toMatch(/export SPLITKEY_ADMIN_CERT='.*\/admin\/admin.crt'/);
  });

  it('re-run: keeps every file byte for byte, adds only what is missing, reports what differs', async () => {
    const files = ['ca/ca.key', 'clouds/c0/nodes/2/node.crt', 'clouds/c0/nodes/2/seal.key', 'admin/admin.key', 'clouds/c1/k8s/node-3.yaml'];
    const before = await Promise.all(files.map((f) => readFile(join(out, f), 'utf8')));
    const again = await initCluster(parseTopology(topology), out);
    expect(again.written).toEqual([]);
    expect(again.differs).toEqual([]);
    expect(await Promise.all(files.map((f) => readFile(join(out, f), 'utf8')))).toEqual(before);

    // A deleted pair and seal key come back (from the same CA); a new tenant is added; nothing else changes.
    await rm(join(out, 'clouds/c1/nodes/4/node.crt'));
    await rm(join(out, 'clouds/c1/nodes/4/node.key'));
    const grown = await initCluster(parseTopology(topology.replace('tenants: [acme]', 'tenants: [acme, beta]').replace('threshold: 3', 'threshold: 3\nport: 7443')), out);
    expect(grown.written.sort()).toEqual(['clouds/c1/nodes/4/node.crt', 'clouds/c1/nodes/4/node.key', 'tenants/beta/client.crt', 'tenants/beta/client.key']);
    expect(grown.differs).toContain('client/cluster.json');
    expect(grown.differs).toContain('clouds/c0/nodes/1/config.json');
    expect(await Promise.all(files.map((f) => readFile(join(out, f), 'utf8')))).toEqual(before);
    const ca = new X509Certificate(await readFile(join(out, 'ca', 'ca.crt')));
    expect(new X509Certificate(await readFile(join(out, 'clouds/c1/nodes/4/node.crt'))).verify(ca.publicKey)).toBe(true);
  });

  it('refuses a half pair, and a missing CA key when something must be issued', async () => {
    await rm(join(out, 'clouds/c2/nodes/5/node.key'));
    await expect(initCluster(parseTopology(topology), out)).rejects.toThrow(/node\.crt exists but .*node\.key does not; delete the one that is left/);
    await rm(join(out, 'clouds/c2/nodes/5/node.crt'));
    const key = await readFile(join(out, 'ca', 'ca.key'), 'utf8');
    await rm(join(out, 'ca', 'ca.key'));
    await expect(initCluster(parseTopology(topology), out)).rejects.toThrow(/the CA key .*ca\.key is not there; put the CA key back/);
    await writeFile(join(out, 'ca', 'ca.key'), key, { mode: 0o600 });
  });

  it('writes nothing for a bad layout', async () => {
    const dir = join(await tempDir(), 'bad');
    await expect(initCluster(parseTopology(layout([3, 1, 1], 3)), dir)).rejects.toThrow(/not sound, nothing written: domain c0 holds 3 shares/);
    expect(existsSync(dir)).toBe(false);
  });
});

describe('cluster probe', () => {
  let out: string;
  beforeAll(async () => {
    out = join(await tempDir(), 'out');
    await initCluster(parseTopology(layout([1, 1, 1], 2)), out);
  });

  /** The bundle's config, moved to loopback and a temp data dir (only where it listens changes). */
  async function localConfig(index: number, cloud: string, port: number): Promise<string> {
    const dir = join(out, 'clouds', cloud, 'nodes', String(index));
    const raw = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
    const file = join(dir, 'local.json');
    await writeFile(file, JSON.stringify({ ...raw, listen: `127.0.0.1:${port}`, metrics: undefined, dataDir: join(dir, 'data') }));
    return file;
  }

  it('against a server with the node certificate: SERVING passes, NOT_SERVING fails unless --live, another identity fails', async () => {
    const health = new HealthImplementation({ '': 'SERVING' });
    const server = new grpc.Server();
    health.addToServer(server);
    const dir = join(out, 'clouds', 'c0', 'nodes', '1');
    const [ca, cert, key] = await Promise.all(['ca.crt', 'node.crt', 'node.key'].map((f) => readFile(join(dir, f))));
    const port = await new Promise<number>((res, rej) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createSsl(ca!, [{ cert_chain: cert!, private_key: key! }], true), (e, p) => (e ? rej(e) : res(p))),
    );
    try {
      const config = await localConfig(1, 'c0', port);
      expect(await probeNode(config)).toEqual({ ok: true, status: 'SERVING' });
      health.setStatus('', 'NOT_SERVING');
      expect(await probeNode(config)).toEqual({ ok: false, status: 'NOT_SERVING' });
      expect(await probeNode(config, { live: true })).toEqual({ ok: true, status: 'NOT_SERVING' });
      // Node 2's config dials this server, which presents node 1's certificate: refused.
      const other = await localConfig(2, 'c1', port);
      const r = await probeNode(other);
      expect(r.ok).toBe(false);
      expect(r.status).toMatch(/no answer from 127\.0\.0\.1:\d+/);
    } finally {
      server.forceShutdown();
    }
  });

  it('against a real node started from its bundle: passes while serving, fails once it is stopping', async () => {
    const probePort = 17_000 + Math.floor(Math.random() * 20_000);
    const file = await localConfig(3, 'c2', probePort);
    const config = parseNodeConfig(JSON.parse(await readFile(file, 'utf8')), join(out, 'clouds', 'c2', 'nodes', '3'));
    const node = await PvkmNode.start(config, { log: silentLogger() });
    try {
      expect(await probeNode(file)).toEqual({ ok: true, status: 'SERVING' });
      const serving = await cli('cluster', 'probe', '--config', file);
      expect(serving.status).toBe(0);
      expect(serving.stdout.trim()).toBe('SERVING');
      const stopping = node.stop();
      const r = await probeNode(file);
      expect(r.ok).toBe(false);
      await stopping;
      const after = await cli('cluster', 'probe', '--config', file, '--live');
      expect(after.status).toBe(1);
      expect(after.stderr).toMatch(/node is not alive: no answer from 127\.0\.0\.1/);
    } finally {
      await node.stop();
    }
  });
});
