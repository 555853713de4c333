/**
 * `splitkey status`: each node's reachability, health, version, key count and latency, then every
 * disagreement about key records: suspected liars (a claim that breaks the policy or contradicts
 * t other nodes) and versions refused.
 */
import type { Command } from 'commander';
import type { AdminClient } from '../../client/admin.js';
import { adminFrom, withClusterFlags, type ClusterFlags } from '../context.js';
import { CliError, EXIT, out, outJson, plural } from '../output.js';

const STATUS_TIMEOUT_MS = 2000;

type Row = { node: number; address: string } & (
  | { state: 'serving' | 'draining' | 'degraded'; softwareVersion: string; groupBackend: string; rateLimit: { perSecond: number; burst: number } | null; keys: number; versions: number; unavailable: string[]; latencyMs: number }
  | { state: 'unreachable'; reason: string; detail: string }
);

/** A record some node reports that the quorum contradicts (a suspected liar) or a refused version. */
interface Disagreement {
  kind: 'suspect' | 'refused' | 'fork';
  key: string;
  version: number;
  nodes: number[];
  reason: string;
}

/**
 * Every key's records by quorum (crypto/records.ts, with the descriptor's minThreshold): nodes
 * whose claims break the policy or disagree with t others, and versions refused. At most 200 keys.
 */
async function keyNames(admin: AdminClient, nodes: number[]): Promise<string[]> {
  const lists = await Promise.all(nodes.map((i) => admin.listKeys(i, '').catch(() => ({ keys: [] as { keyName: string }[] }))));
  return [...new Set(lists.flatMap((r) => r.keys.map((k) => k.keyName)))].sort().slice(0, 200);
}

/** A lifecycle session pending on some nodes of a key, with each node's phase. */
interface Pending {
  key: string;
  session: string;
  nodes: { node: number; phase: string }[];
}

/**
 * Sessions pending on each key (Admin.OperationStatus on every node that answered). Normal while
 * a refresh or reshare runs; one left behind holds the key's slot on its nodes until it is
 * committed or aborted (`splitkey key abort-op`), and the quorum policy must be switched on,
 * and nodes upgraded, with none pending (docs/fork-prevention.md).
 */
async function pendingSessions(admin: AdminClient, nodes: number[], names: string[], timeoutMs: number): Promise<Pending[]> {
  const { GrpcLifecycleTransport } = await import('../../client/lifecycle-grpc.js');
  const tr = new GrpcLifecycleTransport(admin.channels, timeoutMs);
  const out: Pending[] = [];
  for (const key of names) {
    const bySession = new Map<string, { node: number; phase: string }[]>();
    await Promise.all(
      nodes.map(async (node) => {
        const s = await tr.status(node, key).catch(() => undefined);
        if (s?.sessionId) bySession.set(s.sessionId, [...(bySession.get(s.sessionId) ?? []), { node, phase: s.phase }]);
      }),
    );
    for (const [session, on] of bySession) out.push({ key, session, nodes: on.sort((a, b) => a.node - b.node) });
  }
  return out;
}

async function keyDisagreements(admin: AdminClient, nodes: number[], names: string[], timeoutMs: number): Promise<Disagreement[]> {
  if (nodes.length === 0) return [];
  const { KeyManager } = await import('../../client/key-manager.js');
  const manager = await KeyManager.create(admin);
  const out: Disagreement[] = [];
  for (const key of names) {
    const a = await manager.agreement(key, { nodes, timeoutMs });
    for (const s of a.suspects) out.push({ kind: 'suspect', key, version: s.version, nodes: [s.index], reason: s.reason });
    for (const r of a.refused) {
      // A same-key fork is refused for lifecycle but still served to clients: said as such.
      const fork = a.forks.find((f) => f.version === r.version);
      out.push(fork ? { kind: 'fork', key, version: r.version, nodes: fork.nodes, reason: fork.reason } : { kind: 'refused', key, version: r.version, nodes: r.nodes, reason: r.reason });
    }
  }
  return out;
}

export function registerStatus(program: Command): void {
  withClusterFlags(program.command('status').description("each node's reachability, health, software version and group backend, key count, latency and per-identity rate limit; suspected liars, refused and forked key versions; lifecycle sessions pending"), { admin: true, client: false, output: true }).action(
    async (opts: ClusterFlags) => {
      const admin = await adminFrom(opts);
      const { reasonOf } = await import('../../client/evaluate.js');
      let rows: Row[];
      let disagreements: Disagreement[] = [];
      let pending: Pending[] = [];
      try {
        rows = await Promise.all(
          admin.channels.nodes.map(async (n): Promise<Row> => {
            const start = performance.now();
            try {
              const s = await admin.nodeStatus(n.index, opts.timeout ?? STATUS_TIMEOUT_MS);
              const state = s.draining ? 'draining' : s.unavailable.length > 0 ? 'degraded' : ('serving' as const);
              return {
                node: n.index,
                address: n.address,
                state,
                softwareVersion: s.softwareVersion,
                groupBackend: s.groupBackend || 'unknown',
                // 0 from a node older than the field: not known.
                rateLimit: s.ratePerSecond > 0 ? { perSecond: s.ratePerSecond, burst: s.rateBurst } : null,
                keys: s.keyCount,
                versions: s.versionCount,
                unavailable: s.unavailable,
                latencyMs: Number((performance.now() - start).toFixed(1)),
              };
            } catch (e) {
              const { reason, detail } = reasonOf(e);
              return { node: n.index, address: n.address, state: 'unreachable', reason, detail };
            }
          }),
        );
        // Only the nodes that answered, with the same deadline: a frozen node costs status one deadline, not two.
        const answered = rows.filter((r) => r.state !== 'unreachable').map((r) => r.node);
        const names = answered.length > 0 ? await keyNames(admin, answered) : [];
        disagreements = await keyDisagreements(admin, answered, names, opts.timeout ?? STATUS_TIMEOUT_MS);
        pending = await pendingSessions(admin, answered, names, opts.timeout ?? STATUS_TIMEOUT_MS);
      } finally {
        admin.close();
      }
      if (opts.output === 'json') {
        outJson({ nodes: rows, disagreements, pending });
      } else {
        for (const r of rows) {
          if (r.state === 'unreachable') out(`node ${r.node}\t${r.address}\tunreachable\t${r.reason}: ${r.detail}`);
          else {
            const state = r.state === 'degraded' ? `degraded (${r.unavailable.join(', ')})` : r.state;
            out(`node ${r.node}\t${r.address}\t${state}\tv${r.softwareVersion} ${r.groupBackend}\t${plural(r.keys, 'key')}/${plural(r.versions, 'version')}\t${r.latencyMs.toFixed(1)} ms\t${r.rateLimit ? `rate ${r.rateLimit.perSecond}/s (burst ${r.rateLimit.burst})` : 'rate unknown'}`);
          }
        }
      }
      if (opts.output !== 'json') {
        for (const d of disagreements) {
          out(`${d.kind}\t${d.key}@${d.version}\tnode${d.nodes.length > 1 ? 's' : ''} ${d.nodes.join(',')}\t${d.reason}`);
        }
        for (const p of pending) {
          const phases = [...new Set(p.nodes.map((n) => n.phase))].map((ph) => `${ph} on ${p.nodes.filter((n) => n.phase === ph).map((n) => n.node).join(',')}`);
          out(`pending\t${p.key}\tnode${p.nodes.length > 1 ? 's' : ''} ${p.nodes.map((n) => n.node).join(',')}\tsession ${p.session} (${phases.join('; ')}): it ends by its commit or by splitkey key abort-op ${p.key}; switch lifecycleQuorum on, or upgrade nodes, only with no session pending`);
        }
      }
      const down = rows.filter((r) => r.state === 'unreachable').length;
      if (down > 0) throw new CliError(`${down} of ${admin.channels.nodes.length} nodes unreachable`, EXIT.incomplete);
    },
  );
}
