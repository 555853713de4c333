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
  | { state: 'serving' | 'draining' | 'degraded'; softwareVersion: string; groupBackend: string; keys: number; versions: number; unavailable: string[]; latencyMs: number }
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
async function keyDisagreements(admin: AdminClient, nodes: number[], timeoutMs: number): Promise<Disagreement[]> {
  if (nodes.length === 0) return [];
  const lists = await Promise.all(nodes.map((i) => admin.listKeys(i, '').catch(() => ({ keys: [] as { keyName: string }[] }))));
  const names = [...new Set(lists.flatMap((r) => r.keys.map((k) => k.keyName)))].sort().slice(0, 200);
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
  withClusterFlags(program.command('status').description("each node's reachability, health, software version and group backend, key count and latency; suspected liars, refused and forked key versions"), { admin: true, client: false, output: true }).action(
    async (opts: ClusterFlags) => {
      const admin = await adminFrom(opts);
      const { reasonOf } = await import('../../client/evaluate.js');
      let rows: Row[];
      let disagreements: Disagreement[] = [];
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
        disagreements = await keyDisagreements(admin, answered, opts.timeout ?? STATUS_TIMEOUT_MS);
      } finally {
        admin.close();
      }
      if (opts.output === 'json') {
        outJson({ nodes: rows, disagreements });
      } else {
        for (const r of rows) {
          if (r.state === 'unreachable') out(`node ${r.node}\t${r.address}\tunreachable\t${r.reason}: ${r.detail}`);
          else {
            const state = r.state === 'degraded' ? `degraded (${r.unavailable.join(', ')})` : r.state;
            out(`node ${r.node}\t${r.address}\t${state}\tv${r.softwareVersion} ${r.groupBackend}\t${plural(r.keys, 'key')}/${plural(r.versions, 'version')}\t${r.latencyMs.toFixed(1)} ms`);
          }
        }
      }
      if (opts.output !== 'json') {
        for (const d of disagreements) {
          out(`${d.kind}\t${d.key}@${d.version}\tnode${d.nodes.length > 1 ? 's' : ''} ${d.nodes.join(',')}\t${d.reason}`);
        }
      }
      const down = rows.filter((r) => r.state === 'unreachable').length;
      if (down > 0) throw new CliError(`${down} of ${admin.channels.nodes.length} nodes unreachable`, EXIT.incomplete);
    },
  );
}
