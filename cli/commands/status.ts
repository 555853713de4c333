/** `splitkey status`: each node's reachability, health, version, key count and latency. */
import type { Command } from 'commander';
import { adminFrom, withClusterFlags, type ClusterFlags } from '../context.js';
import { CliError, out } from '../output.js';

export function registerStatus(program: Command): void {
  withClusterFlags(program.command('status').description("each node's reachability, health, software version, key count and latency"), { admin: true, client: false }).action(
    async (opts: ClusterFlags) => {
      const admin = await adminFrom(opts);
      let down = 0;
      try {
        const rows = await Promise.all(
          admin.channels.nodes.map(async (n) => {
            const start = performance.now();
            try {
              const s = await admin.nodeStatus(n.index, Number(opts.timeout ?? 2000));
              const ms = (performance.now() - start).toFixed(1);
              const state = s.draining ? 'draining' : s.unavailable.length > 0 ? `degraded (${s.unavailable.join(', ')})` : 'serving';
              return `node ${n.index}\t${n.address}\t${state}\tv${s.softwareVersion}\t${s.keyCount} keys/${s.versionCount} versions\t${ms} ms`;
            } catch (e) {
              down++;
              return `node ${n.index}\t${n.address}\tunreachable\t${(e as { details?: string }).details ?? (e as Error).message}`;
            }
          }),
        );
        rows.forEach((r) => out(r));
      } finally {
        admin.close();
      }
      if (down > 0) throw new CliError(`${down} of ${admin.channels.nodes.length} nodes unreachable`, 3);
    },
  );
}
