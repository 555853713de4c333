/** `splitkey status`: each node's reachability, health, version, key count and latency. */
import type { Command } from 'commander';
import { reasonOf } from '../../client/evaluate.js';
import { adminFrom, withClusterFlags, type ClusterFlags } from '../context.js';
import { CliError, EXIT, out, outJson, plural } from '../output.js';

const STATUS_TIMEOUT_MS = 2000;

type Row = { node: number; address: string } & (
  | { state: 'serving' | 'draining' | 'degraded'; softwareVersion: string; keys: number; versions: number; unavailable: string[]; latencyMs: number }
  | { state: 'unreachable'; reason: string; detail: string }
);

export function registerStatus(program: Command): void {
  withClusterFlags(program.command('status').description("each node's reachability, health, software version, key count and latency"), { admin: true, client: false, output: true }).action(
    async (opts: ClusterFlags) => {
      const admin = await adminFrom(opts);
      let rows: Row[];
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
      } finally {
        admin.close();
      }
      if (opts.output === 'json') {
        outJson({ nodes: rows });
      } else {
        for (const r of rows) {
          if (r.state === 'unreachable') out(`node ${r.node}\t${r.address}\tunreachable\t${r.reason}: ${r.detail}`);
          else {
            const state = r.state === 'degraded' ? `degraded (${r.unavailable.join(', ')})` : r.state;
            out(`node ${r.node}\t${r.address}\t${state}\tv${r.softwareVersion}\t${plural(r.keys, 'key')}/${plural(r.versions, 'version')}\t${r.latencyMs.toFixed(1)} ms`);
          }
        }
      }
      const down = rows.filter((r) => r.state === 'unreachable').length;
      if (down > 0) throw new CliError(`${down} of ${admin.channels.nodes.length} nodes unreachable`, EXIT.incomplete);
    },
  );
}
