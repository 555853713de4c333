/**
 * Crash-safety harness: a dev cluster of real node processes (nodes 1–5 members, 6 a spare),
 * each started with SPLITKEY_CRASH_POINT_FILE so a test can arm a crash point on a running node.
 * A scenario arms one point on one node, runs a lifecycle operation, restarts the node if it
 * killed itself (SIGKILL), resolves whatever was left pending (`key abort-op`), and then checks
 * that every node agrees on every version of the key, holds a usable share of it, and has
 * nothing pending.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AdminClient } from '../../client/admin.js';
import { NodeChannels, readTlsFiles } from '../../client/channels.js';
import { connect, type SplitkeyClient } from '../../client/client.js';
import { loadDescriptor } from '../../client/descriptor.js';
import { KeyManager } from '../../client/key-manager.js';
import { GrpcLifecycleTransport } from '../../client/lifecycle-grpc.js';
import { DevCluster } from '../../cli/dev-cluster.js';
import { toHex, utf8 } from '../../crypto/index.js';

/** Every crash point a lifecycle operation passes on a participant (node/store.ts, node/lifecycle.ts). */
export const OPERATION_POINTS = [
  'prepare:before-write',
  'prepare:after-write',
  'deliver:before-write',
  'deliver:after-write',
  'deal:after-first',
  'finalize:before-write',
  'finalize:after-write',
  'commit-intent:after-write',
  'commit:before-write',
  'commit:after-write',
];

/**
 * `npm test` crashes each point on one participant (the victim rotates with the point, so every
 * node and every point is hit); `npm run test:long` (SPLITKEY_LONG_TESTS=1, run by CI after
 * `npm test`) crashes every point on every participant.
 */
export const FULL_CRASH_MATRIX = process.env.SPLITKEY_LONG_TESTS === '1';

/** The victims of the i-th crash point: all of them in the full matrix, else one in turn. */
export function victimsFor<T>(i: number, all: readonly T[]): T[] {
  return FULL_CRASH_MATRIX ? [...all] : [all[i % all.length]!];
}

export interface VersionView {
  version: number;
  epoch: string;
  publicKey: string;
  nodeIndices: number[];
  state: string;
}

export class CrashHarness {
  crashes = 0;
  scenarios = 0;

  private constructor(
    readonly dir: string,
    readonly cluster: DevCluster,
    readonly admin: AdminClient,
    readonly manager: KeyManager,
    readonly client: SplitkeyClient,
  ) {}

  /** A dev cluster of separate node processes (default 6 nodes, threshold 3) armed for crash points. */
  static async start(opts: { nodes?: number; threshold?: number; lifecycleQuorum?: boolean } = {}): Promise<CrashHarness> {
    const dir = await mkdtemp(join(tmpdir(), 'splitkey-crash-'));
    const cluster = await DevCluster.create({
      dir,
      nodes: opts.nodes ?? 6,
      threshold: opts.threshold ?? 3,
      lifecycleQuorum: opts.lifecycleQuorum,
      nodeEnv: (i) => ({ SPLITKEY_CRASH_POINT_FILE: join(dir, 'nodes', String(i), 'crash-point'), SPLITKEY_LOG_LEVEL: 'warn' }),
    });
    await cluster.start();
    const env = cluster.env;
    const descriptor = await loadDescriptor(env.SPLITKEY_CLUSTER!);
    const admin = new AdminClient(new NodeChannels(descriptor, await readTlsFiles({ ca: env.SPLITKEY_CA!, cert: env.SPLITKEY_ADMIN_CERT!, key: env.SPLITKEY_ADMIN_KEY! })));
    const client = await connect({ cluster: descriptor, ca: env.SPLITKEY_CA, cert: env.SPLITKEY_CERT, key: env.SPLITKEY_KEY, master: new Uint8Array(32).fill(1), coalesceWindowMs: 0, keyInfoTtlMs: 0 });
    return new CrashHarness(dir, cluster, admin, await KeyManager.create(admin, undefined, { timeoutMs: 3_000 }), client);
  }

  private pointFile(index: number): string {
    return join(this.dir, 'nodes', String(index), 'crash-point');
  }

  /** Run `op` with `point` armed on node `victim`; restart the victim if it crashed. */
  async scenario(victim: number, point: string, op: () => Promise<unknown>): Promise<{ crashed: boolean; error?: unknown }> {
    this.scenarios++;
    await writeFile(this.pointFile(victim), point);
    let error: unknown;
    try {
      await op();
    } catch (e) {
      error = e;
    }
    await writeFile(this.pointFile(victim), '');
    // A crash point fires inside an RPC, so by now the victim is dead or alive for good; its
    // 'exit' event may still be on its way, so ask the node itself rather than the handle.
    const crashed = !(await this.admin.nodeStatus(victim, 2_000).then(() => true, () => false));
    if (crashed) {
      this.crashes++;
      await this.cluster.nodes.get(victim)!.exited;
      await this.revive(victim);
    }
    return { crashed, error };
  }

  /** Like `scenario`, with node `down` killed for the duration of the operation. */
  async scenarioWithNodeDown(victim: number, down: number, point: string, op: () => Promise<unknown>): Promise<{ crashed: boolean; error?: unknown }> {
    await this.cluster.kill(down);
    const result = await this.scenario(victim, point, op);
    await this.revive(down);
    return result;
  }

  /** Start a stopped node and wait until the test's clients can reach it. */
  private async revive(index: number): Promise<void> {
    await this.cluster.startNode(index);
    await this.admin.channels.waitReady(index, 10_000);
    await this.client.evaluator.channels.waitReady(index, 10_000);
  }

  /** Resolve anything left pending, as an operator would after a crash. */
  async recover(keyName: string): Promise<void> {
    await this.manager.abortOp(keyName);
  }

  /**
   * Invariants after recovery: no node has a pending operation; for every version, exactly the
   * nodes of its node set hold it, all report the same public state, and each can use its share.
   * Returns the agreed view of each version.
   */
  async checkConsistent(keyName: string): Promise<VersionView[]> {
    const nodes = [...this.cluster.nodes.keys()];
    const problems: string[] = [];
    const views = new Map<number, Map<string, number[]>>();
    for (const n of nodes) {
      const op = await new GrpcLifecycleTransport(this.admin.channels).status(n, keyName);
      if (op.sessionId) problems.push(`node ${n} still has operation ${op.sessionId} pending`);
      let status;
      try {
        status = await this.admin.keyStatus(n, keyName);
      } catch (e) {
        if (/not found/.test((e as { details?: string }).details ?? '')) continue;
        throw e;
      }
      for (const v of status.info!.versions) {
        const health = status.health.find((h) => h.version === v.version)!;
        if (health.status !== 'ok' && health.status !== 'destroyed') problems.push(`node ${n} cannot use ${keyName}@${v.version}: ${health.status}`);
        const view = JSON.stringify({
          version: v.version,
          epoch: v.epoch,
          publicKey: toHex(v.publicKey),
          nodeIndices: v.nodeIndices,
          state: v.state,
          commitments: v.commitments.map((c) => toHex(c)),
          t: v.threshold,
        });
        const byView = views.get(v.version) ?? new Map<string, number[]>();
        byView.set(view, [...(byView.get(view) ?? []), n]);
        views.set(v.version, byView);
      }
    }
    const out: VersionView[] = [];
    for (const [version, byView] of views) {
      if (byView.size !== 1) {
        problems.push(`nodes disagree on ${keyName}@${version}: ${[...byView.values()].map((ns) => ns.join(',')).join(' vs ')}`);
        continue;
      }
      const [view, holders] = [...byView][0]!;
      const parsed = JSON.parse(view) as VersionView & { commitments: string[] };
      if (parsed.state !== 'KEY_STATE_DESTROYED' && holders.join() !== [...parsed.nodeIndices].sort((a, b) => a - b).join()) {
        problems.push(`${keyName}@${version} is held by ${holders.join(',')} but belongs to ${parsed.nodeIndices.join(',')}`);
      }
      out.push({ version, epoch: parsed.epoch, publicKey: parsed.publicKey, nodeIndices: parsed.nodeIndices, state: parsed.state });
    }
    if (problems.length > 0) throw new Error(`crash-safety violation:\n  ${problems.join('\n  ')}`);
    return out.sort((a, b) => a.version - b.version);
  }

  /** The VOPRF output of a fixed input under a key version (through the real client). */
  async output(keyName: string, version = 0): Promise<string> {
    return toHex(await this.client.oprf(keyName, utf8('crash-canary'), { version }));
  }

  async stop(): Promise<void> {
    await this.client.close();
    this.admin.close();
    await this.cluster.stop();
    await rm(this.dir, { recursive: true, force: true });
  }
}
