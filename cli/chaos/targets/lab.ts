/**
 * The `lab` target: the network-namespace lab of the multi-host tier (cli/lab/netns-lab.ts) —
 * one namespace per node behind a router, one bridge per cloud — built from a topology file with
 * `cluster init` bundles used unchanged. Needs root.
 *
 * The whole run (workload, operator CLI, checks) happens inside the lab's client namespace: the
 * `chaos run` command makes that namespace and re-enters itself there (enterLabClient), so the
 * workload reaches the nodes by their DNS names through the router, as an appliance would.
 *
 * Faults: SIGKILL, SIGSTOP/SIGCONT, restart; on a stopped node, then started into the fault:
 * flipped bytes in its LevelDB files, a read-only data dir, a full disk (a small tmpfs, filled once
 * it serves), an expired certificate or one from another CA (in its bundle); partitions
 * (symmetric and one-way), bandwidth and latency (faults/network.ts). For a plan with
 * a latency fault every inter-location link runs through the lab's WAN relay from the start (at
 * 0 ms, so connections are never re-made), and the fault sets the node's extra delay through the
 * relay's control socket. Byzantine stand-ins and clock skew are local-target faults.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { ClusterDescriptor } from '../../../client/descriptor.js';
import { createMasterFile } from '../../../client/master.js';
import { cliEntry } from '../../dev-cluster.js';
import { NetnsLab } from '../../lab/netns-lab.js';
import { initCluster } from '../../topology/bundle.js';
import { allNodes, parseTopology, type Topology } from '../../topology/topology.js';
import { corruptDataDir, fillDisk, makeReadOnly } from '../faults/disk.js';
import { replaceNodeCert } from '../faults/certs.js';
import { nodeBundleDir } from '../../topology/bundle.js';
import { bandwidthCommands, latencyDelay, partitionCommands, type NetCommand, type NodeLink } from '../faults/network.js';
import type { NodeFaultKind } from '../plan.js';
import { createPrng } from '../prng.js';
import type { ScheduledFault } from '../schedule.js';
import { shippedPlansDir } from '../shipped.js';
import type { ChaosTarget, ClusterAccess, CliResult } from './target.js';

/** Set (to the client namespace's name) in the process that runs inside the lab. */
export const LAB_CLIENT_ENV = 'SPLITKEY_CHAOS_LAB_CLIENT';
const SUPPORTED: readonly NodeFaultKind[] = ['kill', 'pause', 'restart', 'disk-corrupt', 'disk-readonly', 'disk-full', 'cert-expired', 'cert-wrong-ca', 'partition', 'partition-oneway', 'bandwidth', 'latency'];

/** The lab's topology: the plan's file, or the shipped example. */
export async function labTopology(spec: { topology?: string }): Promise<Topology> {
  const path = spec.topology ?? join(shippedPlansDir(), '..', 'topology.example.yaml');
  return parseTopology(await readFile(path, 'utf8'), path);
}

const run = (c: NetCommand): Promise<void> =>
  new Promise((resolve, reject) => execFile('ip', ['netns', 'exec', c.ns, ...c.argv], (err, _o, stderr) => (err ? reject(new Error(`${c.argv.join(' ')} in ${c.ns}: ${stderr.trim() || err.message}`)) : resolve())));

export class LabTarget implements ChaosTarget {
  readonly kind = 'lab';
  private lab?: NetnsLab;
  private topology?: Topology;
  private env: Record<string, string> = {};
  private readonly undo = new Map<string, () => Promise<void>>();
  private readonly prng = createPrng(5);

  constructor(private readonly spec: { topology?: string; nodes: number; threshold: number }) {}

  unsupported(kind: NodeFaultKind): string | undefined {
    return SUPPORTED.includes(kind) ? undefined : `${kind} is a local-target fault; the lab target supports ${SUPPORTED.join(', ')}`;
  }

  async setup(opts: { outDir: string; byzantine: number[]; faultKinds?: readonly NodeFaultKind[] }): Promise<ClusterAccess> {
    const client = process.env[LAB_CLIENT_ENV];
    if (!client) throw new Error('the lab target runs inside the lab client namespace: run it through `splitkey chaos run`, which enters it');
    const t = (this.topology = await labTopology(this.spec));
    const n = allNodes(t).length;
    if (n !== this.spec.nodes || t.threshold !== this.spec.threshold) throw new Error(`the topology has ${n} nodes, threshold ${t.threshold}; the plan says ${this.spec.nodes} and ${this.spec.threshold}`);
    const out = join(opts.outDir, 'lab');
    await initCluster(t, out);
    const logs = join(opts.outDir, 'nodes');
    await mkdir(logs, { recursive: true });
    this.lab = await NetnsLab.create(t, out, cliEntry(), {
      clientNamespace: client,
      prefix: `skc${process.pid}`,
      logDir: logs,
      wanControl: opts.faultKinds?.includes('latency') === true,
    });
    await Promise.all(allNodes(t).map((x) => this.lab!.startNode(x.index)));
    const tenant = t.tenants[0] ?? 'demo';
    const masterKey = randomBytes(32);
    await createMasterFile(join(out, 'master.json'), { key: masterKey });
    const files = {
      ca: join(out, 'client', 'ca.crt'),
      cert: join(out, 'tenants', tenant, 'client.crt'),
      key: join(out, 'tenants', tenant, 'client.key'),
      adminCert: join(out, 'admin', 'admin.crt'),
      adminKey: join(out, 'admin', 'admin.key'),
      master: join(out, 'master.json'),
    };
    this.env = {
      SPLITKEY_CLUSTER: join(out, 'client', 'cluster.json'),
      SPLITKEY_CA: files.ca,
      SPLITKEY_CERT: files.cert,
      SPLITKEY_KEY: files.key,
      SPLITKEY_ADMIN_CERT: files.adminCert,
      SPLITKEY_ADMIN_KEY: files.adminKey,
      SPLITKEY_MASTER: files.master,
      SPLITKEY_MASTER_KEY: masterKey.toString('hex'),
    };
    const descriptor = JSON.parse(await readFile(this.env.SPLITKEY_CLUSTER!, 'utf8')) as ClusterDescriptor;
    return { descriptor, clientDescriptor: descriptor, files, tenant, masterKeyHex: this.env.SPLITKEY_MASTER_KEY! };
  }

  private get netns(): NetnsLab {
    if (!this.lab) throw new Error('the lab target is not set up');
    return this.lab;
  }

  private link(index: number): NodeLink {
    const node = allNodes(this.topology!).find((x) => x.index === index)!;
    const relayed = this.netns.relayedLink(index);
    return { ns: this.netns.nodes.get(index)!.ns, cloudCidr: node.cloud.cidr!, router: this.netns.router, routerLink: `v${index}`, ...(relayed ? { relayed } : {}) };
  }

  private async start(index: number): Promise<string> {
    try {
      await this.netns.startNode(index);
      return `node ${index} serving`;
    } catch (e) {
      return `node ${index} did not start: ${(e as Error).message.slice(0, 300)}`;
    }
  }

  private dataDir(index: number): string {
    return join(this.netns.bundles, 'lab-data', String(index));
  }

  /** Stop each node, change it, start it into the fault; the undo stops them again and reverts. */
  private async onStopped(f: ScheduledFault, change: (index: number) => Promise<{ detail: string; undo: () => Promise<string | void> }>): Promise<string> {
    const out: string[] = [];
    const undos: (() => Promise<string | void>)[] = [];
    try {
      for (const i of f.nodes) {
        await this.netns.stopNode(i);
        const c = await change(i);
        undos.push(c.undo);
        out.push(`node ${i}: ${c.detail}; ${await this.start(i)}`);
      }
    } finally {
      this.undo.set(f.id, async () => {
        for (const i of f.nodes) await this.netns.stopNode(i);
        for (const u of undos) await u();
      });
    }
    return out.join('; ');
  }

  private async network(f: ScheduledFault, make: (l: NodeLink) => { inject: NetCommand[]; heal: NetCommand[] }): Promise<string> {
    const heals: NetCommand[] = [];
    for (const i of f.nodes) {
      const c = make(this.link(i));
      heals.push(...c.heal);
      for (const cmd of c.inject) await run(cmd);
    }
    this.undo.set(f.id, async () => {
      for (const cmd of heals) await run(cmd).catch(() => undefined);
    });
    return `${f.kind}${f.rate ? ` ${f.rate}` : ''} on node ${f.nodes.join(',')}`;
  }

  async inject(f: ScheduledFault): Promise<string> {
    const lab = this.netns;
    switch (f.kind) {
      case 'kill':
        await Promise.all(f.nodes.map((i) => lab.stopNode(i, 'SIGKILL')));
        return `SIGKILL to node ${f.nodes.join(',')}`;
      case 'pause':
        for (const i of f.nodes) lab.nodes.get(i)!.child?.kill('SIGSTOP');
        return `SIGSTOP to node ${f.nodes.join(',')}`;
      case 'restart': {
        const out: string[] = [];
        for (const i of f.nodes) {
          lab.nodes.get(i)!.child?.kill('SIGCONT');
          await lab.stopNode(i);
          out.push(await this.start(i));
        }
        return `restarted: ${out.join('; ')}`;
      }
      case 'disk-corrupt':
        return this.onStopped(f, async (i) => {
          const r = await corruptDataDir(this.dataDir(i), this.prng);
          return { detail: `flipped bytes in ${r.flipped.join(', ') || 'no file'}`, undo: r.undo };
        });
      case 'disk-readonly':
        return this.onStopped(f, async (i) => {
          // The node's own mount namespace bind-mounts this directory: the copy stays read-only.
          const r = await makeReadOnly(this.dataDir(i));
          return { detail: `data dir read-only (${r.how})`, undo: r.undo };
        });
      case 'disk-full': {
        const fills: (() => Promise<string>)[] = [];
        const started = await this.onStopped(f, async (i) => {
          const d = await fillDisk(this.dataDir(i));
          fills.push(d.fill);
          return d;
        });
        // Filled once the node serves: it starts, then runs out of space.
        return `${started}; ${(await Promise.all(fills.map((fill) => fill()))).join('; ')}`;
      }
      case 'cert-expired':
      case 'cert-wrong-ca': {
        const caDir = join(lab.bundles, 'ca');
        const ca = { certPem: await readFile(join(caDir, 'ca.crt'), 'utf8'), keyPem: await readFile(join(caDir, 'ca.key'), 'utf8') };
        return this.onStopped(f, (i) => {
          const node = allNodes(this.topology!).find((x) => x.index === i)!;
          const dir = nodeBundleDir(lab.bundles, node.cloud, node);
          return replaceNodeCert({ fault: f.kind as 'cert-expired', ca, index: i, certPath: join(dir, 'node.crt'), keyPath: join(dir, 'node.key'), hosts: [node.host, ...node.altNames] });
        });
      }
      case 'partition':
      case 'partition-oneway':
        return this.network(f, (l) => partitionCommands(l, f.kind === 'partition-oneway'));
      case 'bandwidth':
        return this.network(f, (l) => bandwidthCommands(l, f.rate ?? '1mbit'));
      case 'latency': {
        const delay = latencyDelay(f.delayMs);
        for (const i of f.nodes) await lab.setLinkDelay(i, delay);
        this.undo.set(f.id, async () => {
          for (const i of f.nodes) await lab.setLinkDelay(i, 0);
        });
        return `${delay} ms more one way on node ${f.nodes.join(',')}'s links to other locations`;
      }
      default:
        throw new Error(this.unsupported(f.kind) ?? `unknown fault ${f.kind}`);
    }
  }

  async heal(f: ScheduledFault): Promise<string> {
    const lab = this.netns;
    switch (f.kind) {
      case 'kill':
        return (await Promise.all(f.nodes.map((i) => this.start(i)))).join('; ');
      case 'pause':
        for (const i of f.nodes) lab.nodes.get(i)!.child?.kill('SIGCONT');
        return `SIGCONT to node ${f.nodes.join(',')}`;
      case 'restart':
        return 'nothing to heal';
      case 'disk-corrupt':
      case 'disk-readonly':
      case 'disk-full':
      case 'cert-expired':
      case 'cert-wrong-ca': {
        await this.undo.get(f.id)?.();
        this.undo.delete(f.id);
        return `restored; ${(await Promise.all(f.nodes.map((i) => this.start(i)))).join('; ')}`;
      }
      default:
        await this.undo.get(f.id)?.();
        this.undo.delete(f.id);
        return `${f.kind} removed`;
    }
  }

  runCli(args: string[]): Promise<CliResult> {
    return new Promise((resolve) => {
      const child = spawn(process.execPath, [cliEntry(), ...args], { env: { ...process.env, ...this.env }, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('close', (status) => resolve({ status, stdout, stderr }));
    });
  }

  async collectLogs(): Promise<void> {
    // Written as the nodes run (NetnsLab logDir = <out>/nodes).
  }

  async teardown(): Promise<void> {
    for (const u of this.undo.values()) await u().catch(() => undefined);
    this.undo.clear();
    await this.lab?.destroy();
  }
}
