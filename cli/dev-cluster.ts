/**
 * A local cluster of separate node processes for development, the demo, tests and benchmarks.
 * It writes this layout (tests and users rely on it):
 *
 *   DIR/cluster.json                    cluster descriptor (nodes, addresses, failure domains)
 *   DIR/ca.crt, DIR/ca.key              a fresh cluster CA
 *   DIR/nodes/<i>/node.crt, node.key    node certificate (URI SAN splitkey://node/<i>)
 *   DIR/nodes/<i>/seal.key              the node's seal key (dev only: a file beside the data)
 *   DIR/nodes/<i>/config.json, pid, node.log, data/
 *   DIR/client.crt/.key                 a client of tenant "demo"
 *   DIR/admin.crt/.key                  an admin
 *   DIR/master.json                     a sealed master half
 *   DIR/master.key                      what unseals it (dev only: 64 hex digits, 0600)
 *   DIR/env                             shell exports of all of the above; written only once
 *                                       every node is SERVING
 *
 * `create` on a directory that already holds a cluster (DIR/cluster.json) reuses it as it is:
 * same CA, certificates, seal keys, master half, ports and data. Nothing is ever overwritten.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, open, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createMasterFile } from '../client/master.js';
import { createCa, issueCert, writePemFiles } from './pki.js';
import { freePort } from './ports.js';

export interface DevClusterOptions {
  dir: string;
  nodes: number;
  threshold: number;
  /** Extra node config (limits, metrics). */
  nodeConfig?: Record<string, unknown>;
  /** Start metrics endpoints on free ports. */
  metrics?: boolean;
  /** Extra environment for each node process (tests: crash points, log level). */
  nodeEnv?: (index: number) => Record<string, string>;
  /** Write `"lifecycleQuorum": true` into the descriptor (docs/fork-prevention.md). */
  lifecycleQuorum?: boolean;
}

const DOMAINS = ['zone-a', 'zone-b', 'zone-c'];

/** The compiled CLI entry point, whether this module runs from dist/ or from the sources. */
export function cliEntry(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const compiled = join(here, 'main.js');
  if (existsSync(compiled)) return compiled;
  const fromSource = resolve(here, '..', 'dist', 'cli', 'main.js');
  if (existsSync(fromSource)) return fromSource;
  throw new Error('the compiled CLI (dist/cli/main.js) is missing: run `npm run build`');
}

export interface NodeProcess {
  index: number;
  port: number;
  child?: ChildProcess;
  exited?: Promise<number | null>;
}

export class DevCluster {
  readonly nodes = new Map<number, NodeProcess>();
  readonly env: Record<string, string>;

  private constructor(readonly options: DevClusterOptions) {
    const d = options.dir;
    this.env = {
      SPLITKEY_CLUSTER: join(d, 'cluster.json'),
      SPLITKEY_CA: join(d, 'ca.crt'),
      SPLITKEY_CERT: join(d, 'client.crt'),
      SPLITKEY_KEY: join(d, 'client.key'),
      SPLITKEY_ADMIN_CERT: join(d, 'admin.crt'),
      SPLITKEY_ADMIN_KEY: join(d, 'admin.key'),
      SPLITKEY_MASTER: join(d, 'master.json'),
    };
  }

  /** The node count and default threshold of the cluster in `dir`, if it holds one. */
  static async existing(dir: string): Promise<{ nodes: number; threshold: number } | undefined> {
    const path = join(resolve(dir), 'cluster.json');
    if (!existsSync(path)) return undefined;
    const d = JSON.parse(await readFile(path, 'utf8')) as { defaultThreshold?: number; nodes: { index: number }[] };
    return { nodes: d.nodes.length, threshold: d.defaultThreshold ?? Math.floor(d.nodes.length / 2) + 1 };
  }

  /**
   * Write CA, certificates, seal keys, configs, master half and the descriptor — or, when `dir`
   * already holds a cluster, reuse all of it (see the layout above).
   */
  static async create(options: DevClusterOptions): Promise<DevCluster> {
    const { dir, nodes: n, threshold } = options;
    if (!Number.isInteger(n) || n < 1 || n > 64) throw new Error('--nodes must be between 1 and 64');
    if (!Number.isInteger(threshold) || threshold < 1 || threshold > n) throw new Error(`--threshold must be between 1 and ${n}`);
    const cluster = new DevCluster({ ...options, dir: resolve(dir) });
    const root = cluster.options.dir;
    if (existsSync(join(root, 'cluster.json'))) return cluster.reuse();
    for (const f of ['ca.key', 'master.json', 'nodes']) {
      if (existsSync(join(root, f))) throw new Error(`${root} holds ${f} but no cluster.json: an incomplete cluster; remove the directory or use another one`);
    }
    await mkdir(join(root, 'nodes'), { recursive: true });
    const ca = await createCa({ commonName: 'splitkey dev CA' });
    await writePemFiles(root, 'ca', ca);
    await writePemFiles(root, 'client', await issueCert(ca, { role: 'client', tenant: 'demo', name: 'appliance' }));
    await writePemFiles(root, 'admin', await issueCert(ca, { role: 'admin', name: 'dev', capabilities: ['create', 'refresh', 'reshare', 'destroy', 'import'] }));
    const masterKey = randomBytes(32);
    await writeFile(join(root, 'master.key'), masterKey.toString('hex'), { mode: 0o600, flag: 'wx' });
    await createMasterFile(join(root, 'master.json'), { key: masterKey });
    cluster.env.SPLITKEY_MASTER_KEY = masterKey.toString('hex');
    masterKey.fill(0);

    const endpoints = [];
    for (let index = 1; index <= n; index++) {
      const nodeDir = join(root, 'nodes', String(index));
      await mkdir(join(nodeDir, 'data'), { recursive: true });
      await writePemFiles(nodeDir, 'node', await issueCert(ca, { role: 'node', index }));
      await writeFile(join(nodeDir, 'seal.key'), randomBytes(32).toString('hex'), { mode: 0o600, flag: 'wx' });
      const port = await freePort();
      const config = {
        index,
        listen: `127.0.0.1:${port}`,
        dataDir: 'data',
        tls: { ca: '../../ca.crt', cert: 'node.crt', key: 'node.key' },
        seal: { keyFile: 'seal.key' },
        cluster: '../../cluster.json',
        ...(options.metrics ? { metrics: { listen: `127.0.0.1:${await freePort()}` } } : {}),
        shutdownGraceMs: 5000,
        ...options.nodeConfig,
      };
      await writeFile(join(nodeDir, 'config.json'), JSON.stringify(config, null, 2), { flag: 'wx' });
      cluster.nodes.set(index, { index, port });
      endpoints.push({ index, address: `127.0.0.1:${port}`, domain: DOMAINS[(index - 1) % DOMAINS.length], identity: `splitkey://node/${index}` });
    }
    // Written last: its presence marks a complete cluster directory.
    // A dev cluster states a lower faultTolerance when its size allows no more (3 nodes, t = 3:
    // 0), so that keys can be created; a real cluster's descriptor is the operator's choice.
    const faultTolerance = Math.min(threshold - 1, n - threshold);
    const descriptor = { name: 'dev', defaultThreshold: threshold, minThreshold: threshold, ...(faultTolerance < threshold - 1 ? { faultTolerance } : {}), ...(options.lifecycleQuorum ? { lifecycleQuorum: true } : {}), nodes: endpoints };
    await writeFile(join(root, 'cluster.json'), JSON.stringify(descriptor, null, 2), { flag: 'wx' });
    return cluster;
  }

  /** Take over the cluster already in the directory: its nodes, ports and master key. */
  private async reuse(): Promise<DevCluster> {
    const root = this.options.dir;
    const descriptor = JSON.parse(await readFile(join(root, 'cluster.json'), 'utf8')) as { nodes: { index: number; address: string }[] };
    for (const f of ['ca.crt', 'client.crt', 'client.key', 'admin.crt', 'admin.key', 'master.json']) {
      if (!existsSync(join(root, f))) throw new Error(`${root} is missing ${f}; remove the directory or use another one`);
    }
    for (const { index, address } of descriptor.nodes) {
      if (!existsSync(join(this.nodeDir(index), 'config.json'))) throw new Error(`${root} is missing nodes/${index}/config.json; remove the directory or use another one`);
      this.nodes.set(index, { index, port: Number(address.slice(address.lastIndexOf(':') + 1)) });
    }
    const masterKey = join(root, 'master.key');
    if (existsSync(masterKey)) this.env.SPLITKEY_MASTER_KEY = (await readFile(masterKey, 'utf8')).trim();
    return this;
  }

  nodeDir(index: number): string {
    return join(this.options.dir, 'nodes', String(index));
  }

  /** Start one node process and resolve once it reports SERVING. */
  async startNode(index: number): Promise<NodeProcess> {
    const node = this.nodes.get(index);
    if (!node) throw new Error(`no node ${index}`);
    const nodeDir = this.nodeDir(index);
    const logFile = await open(join(nodeDir, 'node.log'), 'a');
    const child = spawn(process.execPath, [cliEntry(), 'node', 'start', '--config', join(nodeDir, 'config.json')], {
      stdio: ['ignore', 'pipe', logFile.fd],
      env: { ...process.env, SPLITKEY_LOG_LEVEL: process.env.SPLITKEY_LOG_LEVEL ?? 'info', ...this.options.nodeEnv?.(index) },
    });
    await logFile.close();
    node.child = child;
    node.exited = new Promise((res) => child.once('exit', (code) => res(code)));
    await writeFile(join(nodeDir, 'pid'), `${child.pid}\n`);
    await new Promise<void>((resolveReady, reject) => {
      const lines = createInterface({ input: child.stdout! });
      const fail = (code: number | null) => {
        void readFile(join(nodeDir, 'node.log'), 'utf8')
          .catch(() => '')
          .then((log) => {
            const tail = log.trimEnd().split('\n').slice(-3).join('\n');
            reject(new Error(`node ${index} exited with code ${code} before serving; see ${join(nodeDir, 'node.log')}${tail ? `, which ends:\n${tail}` : ''}`));
          });
      };
      child.once('exit', fail);
      lines.on('line', (line) => {
        try {
          if ((JSON.parse(line) as { event?: string }).event === 'serving') {
            child.off('exit', fail);
            resolveReady();
          }
        } catch {
          // not ours
        }
      });
    });
    return node;
  }

  /** Start every node, then write DIR/env. */
  async start(): Promise<void> {
    try {
      await Promise.all([...this.nodes.keys()].map((i) => this.startNode(i)));
    } catch (e) {
      await this.stop();
      throw e;
    }
    const envText = Object.entries(this.env)
      .map(([k, v]) => `export ${k}='${v.replace(/'/g, `'\\''`)}'`)
      .join('\n');
    const tmp = join(this.options.dir, 'env.tmp');
    await writeFile(tmp, `# splitkey dev cluster: source this file\n${envText}\n`, { mode: 0o600 });
    await rename(tmp, join(this.options.dir, 'env'));
  }

  /** Send a signal to one node (SIGKILL to crash it, SIGSTOP to freeze it, SIGTERM to stop it). */
  signal(index: number, signal: NodeJS.Signals): void {
    this.nodes.get(index)?.child?.kill(signal);
  }

  async kill(index: number): Promise<void> {
    const node = this.nodes.get(index);
    if (!node?.child || node.child.exitCode !== null || node.child.signalCode !== null) return;
    node.child.kill('SIGKILL');
    await node.exited;
  }

  /** SIGTERM every running node and wait for each to exit; returns exit codes by index. */
  async stop(): Promise<Map<number, number | null>> {
    const codes = new Map<number, number | null>();
    await Promise.all(
      [...this.nodes.values()].map(async (n) => {
        if (!n.child || n.child.exitCode !== null || n.child.signalCode !== null) return;
        n.child.kill('SIGCONT');
        n.child.kill('SIGTERM');
        const timer = setTimeout(() => n.child?.kill('SIGKILL'), 10_000);
        codes.set(n.index, await n.exited!);
        clearTimeout(timer);
      }),
    );
    await rm(join(this.options.dir, 'env'), { force: true });
    return codes;
  }

  /** Process environment for a client of this cluster. */
  clientEnv(): NodeJS.ProcessEnv {
    return { ...process.env, ...this.env };
  }
}
