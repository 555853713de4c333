/**
 * The `local` target: a dev cluster's node processes on this machine (cli/dev-cluster.ts), new
 * under the run's output directory or an existing `splitkey dev --dir` directory (which must not
 * be running: the run owns the processes it signals).
 *
 * Faults: SIGKILL (healed by a restart), SIGSTOP (healed by SIGCONT), restart (SIGTERM and start),
 * a byzantine stand-in switched to lie, disk faults and certificate faults on a stopped node
 * (healed by restoring the files and starting it). Network faults need the `lab` target.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ClusterDescriptor } from '../../../client/descriptor.js';
import { cliEntry, DevCluster } from '../../dev-cluster.js';
import { startByzantineNode, type ByzantineNode } from '../byzantine.js';
import { replaceNodeCert } from '../faults/certs.js';
import { corruptDataDir, fillDisk, makeReadOnly } from '../faults/disk.js';
import type { NodeFaultKind } from '../plan.js';
import { createPrng } from '../prng.js';
import type { ScheduledFault } from '../schedule.js';
import type { ChaosTarget, ClusterAccess, CliResult } from './target.js';

const NETWORK: readonly NodeFaultKind[] = ['partition', 'partition-oneway', 'bandwidth', 'latency'];
/** Debian's libfaketime (apt-get install libfaketime). */
export const LIBFAKETIME = '/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1';
const TENANT = 'demo';

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
};

export class LocalTarget implements ChaosTarget {
  readonly kind = 'local';
  private cluster?: DevCluster;
  private readonly liars = new Map<number, ByzantineNode>();
  /** How to undo a fault that changed files, by fault id. */
  private readonly undo = new Map<string, () => Promise<string | void>>();
  private prng = createPrng(0);

  constructor(private readonly spec: { dir?: string; nodes: number; threshold: number }) {}

  unsupported(kind: NodeFaultKind): string | undefined {
    if (NETWORK.includes(kind)) return `${kind} needs the lab target (network namespaces); the local target's nodes share loopback`;
    if (kind === 'clock-skew' && !existsSync(LIBFAKETIME)) return `clock-skew needs libfaketime (${LIBFAKETIME}; apt-get install libfaketime)`;
    if (kind === 'disk-full' && process.getuid?.() !== 0) return 'disk-full needs root (it mounts a small tmpfs)';
    return undefined;
  }

  /** Extra environment of each node process (clock skew). */
  private readonly nodeEnv = new Map<number, Record<string, string>>();

  async setup(opts: { outDir: string; byzantine: number[] }): Promise<ClusterAccess> {
    const dir = this.spec.dir ?? join(opts.outDir, 'cluster');
    this.prng = createPrng(opts.byzantine.length + this.spec.nodes);
    const existing = await DevCluster.existing(dir);
    const devPid = Number((await readFile(join(dir, 'dev.pid'), 'utf8').catch(() => '')).trim());
    if (devPid > 0 && isAlive(devPid)) throw new Error(`${dir} is running under splitkey dev (pid ${devPid}); stop it first: the chaos run starts and signals the nodes itself`);
    const nodes = existing?.nodes ?? this.spec.nodes;
    const threshold = existing?.threshold ?? this.spec.threshold;
    if (nodes !== this.spec.nodes || threshold !== this.spec.threshold) throw new Error(`${dir} holds a cluster of ${nodes} nodes, threshold ${threshold}; the plan says ${this.spec.nodes} and ${this.spec.threshold}`);
    // A cluster made for the run drains for 1 s on SIGTERM (a restart fault is then a restart,
    // not a wait for idle connections); an operator's existing cluster keeps its own config.
    this.cluster = await DevCluster.create({ dir, nodes, threshold, nodeEnv: (i) => this.nodeEnv.get(i) ?? {}, ...(existing ? {} : { nodeConfig: { shutdownGraceMs: 1000 } }) });
    await this.cluster.start();
    const descriptor = JSON.parse(await readFile(join(dir, 'cluster.json'), 'utf8')) as ClusterDescriptor;
    const ca = { certPem: await readFile(join(dir, 'ca.crt'), 'utf8'), keyPem: await readFile(join(dir, 'ca.key'), 'utf8') };
    for (const index of opts.byzantine) {
      const upstream = descriptor.nodes.find((n) => n.index === index)!.address;
      this.liars.set(index, await startByzantineNode({ ca, index, upstream, tenant: TENANT }));
    }
    const clientDescriptor: ClusterDescriptor = { ...descriptor, nodes: descriptor.nodes.map((n) => (this.liars.has(n.index) ? { ...n, address: this.liars.get(n.index)!.address } : n)) };
    const env = this.cluster.env;
    return {
      descriptor,
      clientDescriptor,
      files: { ca: env.SPLITKEY_CA!, cert: env.SPLITKEY_CERT!, key: env.SPLITKEY_KEY!, adminCert: env.SPLITKEY_ADMIN_CERT!, adminKey: env.SPLITKEY_ADMIN_KEY!, master: env.SPLITKEY_MASTER! },
      tenant: TENANT,
      masterKeyHex: env.SPLITKEY_MASTER_KEY!,
    };
  }

  private get dev(): DevCluster {
    if (!this.cluster) throw new Error('the local target is not set up');
    return this.cluster;
  }

  /** SIGTERM (after SIGCONT, in case it is frozen), SIGKILL after 5 s. */
  private async stopNode(index: number): Promise<void> {
    const n = this.dev.nodes.get(index);
    if (!n?.child || n.child.exitCode !== null || n.child.signalCode !== null) return;
    n.child.kill('SIGCONT');
    n.child.kill('SIGTERM');
    const timer = setTimeout(() => n.child?.kill('SIGKILL'), 5_000);
    await n.exited;
    clearTimeout(timer);
  }

  /** Start a node; a node that refuses to start is reported, not thrown (it stays down). */
  private async startNode(index: number): Promise<string> {
    try {
      await this.dev.startNode(index);
      return `node ${index} serving`;
    } catch (e) {
      return `node ${index} did not start: ${(e as Error).message}`;
    }
  }

  private async onStopped(f: ScheduledFault, change: (index: number) => Promise<{ detail: string; undo: () => Promise<string | void> }>): Promise<string> {
    const details: string[] = [];
    const undos: (() => Promise<string | void>)[] = [];
    for (const i of f.nodes) {
      await this.stopNode(i);
      const c = await change(i);
      undos.push(c.undo);
      details.push(`node ${i}: ${c.detail}; ${await this.startNode(i)}`);
    }
    this.undo.set(f.id, async () => {
      const said: string[] = [];
      for (const u of undos) said.push((await u()) ?? '');
      return said.filter(Boolean).join('; ');
    });
    return details.join('; ');
  }

  async inject(f: ScheduledFault): Promise<string> {
    const dev = this.dev;
    switch (f.kind) {
      case 'kill':
        await Promise.all(f.nodes.map((i) => dev.kill(i)));
        return `SIGKILL to node ${f.nodes.join(',')}`;
      case 'pause':
        for (const i of f.nodes) dev.signal(i, 'SIGSTOP');
        return `SIGSTOP to node ${f.nodes.join(',')}`;
      case 'restart': {
        const out: string[] = [];
        for (const i of f.nodes) {
          await this.stopNode(i);
          out.push(await this.startNode(i));
        }
        return `restarted: ${out.join('; ')}`;
      }
      case 'byzantine':
        for (const i of f.nodes) {
          const liar = this.liars.get(i);
          if (!liar) throw new Error(`node ${i} has no byzantine stand-in (the runner starts one for every node a byzantine fault names)`);
          liar.lie = f.lie;
        }
        return `node ${f.nodes.join(',')} lies: ${f.lie}`;
      case 'disk-corrupt':
        return this.onStopped(f, async (i) => {
          const r = await corruptDataDir(join(dev.nodeDir(i), 'data'), this.prng);
          return { detail: `flipped bytes in ${r.flipped.join(', ') || 'no file'}`, undo: r.undo };
        });
      case 'disk-full': {
        const fills: (() => Promise<string>)[] = [];
        const started = await this.onStopped(f, async (i) => {
          const d = await fillDisk(join(dev.nodeDir(i), 'data'));
          fills.push(d.fill);
          return d;
        });
        // Filled once the node serves: it starts, then runs out of space.
        const filled = await Promise.all(fills.map((fill) => fill()));
        return `${started}; ${filled.join('; ')}`;
      }
      case 'clock-skew':
        return this.onStopped(f, async (i) => {
          this.nodeEnv.set(i, { LD_PRELOAD: LIBFAKETIME, FAKETIME: f.skew ?? '+2h', FAKETIME_DONT_FAKE_MONOTONIC: '1' });
          return { detail: `clock moved ${f.skew} (libfaketime)`, undo: async () => void this.nodeEnv.delete(i) };
        });
      case 'disk-readonly':
        return this.onStopped(f, async (i) => {
          const r = await makeReadOnly(join(dev.nodeDir(i), 'data'));
          return { detail: `data dir read-only (${r.how})`, undo: r.undo };
        });
      case 'cert-expired':
      case 'cert-wrong-ca': {
        const ca = { certPem: await readFile(join(dev.options.dir, 'ca.crt'), 'utf8'), keyPem: await readFile(join(dev.options.dir, 'ca.key'), 'utf8') };
        return this.onStopped(f, (i) => replaceNodeCert({ fault: f.kind as 'cert-expired', ca, index: i, certPath: join(dev.nodeDir(i), 'node.crt'), keyPath: join(dev.nodeDir(i), 'node.key') }));
      }
      default:
        throw new Error(this.unsupported(f.kind) ?? `unknown fault ${f.kind}`);
    }
  }

  async heal(f: ScheduledFault): Promise<string> {
    const dev = this.dev;
    switch (f.kind) {
      case 'kill':
        return (await Promise.all(f.nodes.map((i) => this.startNode(i)))).join('; ');
      case 'pause':
        for (const i of f.nodes) dev.signal(i, 'SIGCONT');
        return `SIGCONT to node ${f.nodes.join(',')}`;
      case 'restart':
        return 'nothing to heal';
      case 'byzantine':
        for (const i of f.nodes) this.liars.get(i)!.lie = undefined;
        return `node ${f.nodes.join(',')} honest again`;
      default: {
        for (const i of f.nodes) await this.stopNode(i);
        const said = await this.undo.get(f.id)?.();
        this.undo.delete(f.id);
        return `restored${said ? ` (${said})` : ''}; ${(await Promise.all(f.nodes.map((i) => this.startNode(i)))).join('; ')}`;
      }
    }
  }

  runCli(args: string[]): Promise<CliResult> {
    return new Promise((resolve) => {
      const child = spawn(process.execPath, [cliEntry(), ...args], { env: this.dev.clientEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('close', (status) => resolve({ status, stdout, stderr }));
    });
  }

  async collectLogs(dir: string): Promise<void> {
    await mkdir(dir, { recursive: true });
    for (const i of this.dev.nodes.keys()) await copyFile(join(this.dev.nodeDir(i), 'node.log'), join(dir, `${i}.log`)).catch(() => undefined);
  }

  async teardown(): Promise<void> {
    for (const undo of this.undo.values()) await undo().catch(() => undefined);
    this.undo.clear();
    await Promise.all([...this.liars.values()].map((l) => l.close()));
    this.liars.clear();
    await this.cluster?.stop();
  }
}
