/** `splitkey dev`: a local cluster of separate node processes until SIGINT/SIGTERM. */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { DevCluster } from '../dev-cluster.js';
import { info, out } from '../output.js';

export function registerDev(program: Command): void {
  program
    .command('dev')
    .description('start a local cluster of separate node processes with a fresh CA, certificates and seal keys; stops every node on SIGINT/SIGTERM')
    .option('--nodes <n>', 'number of nodes', (v) => Number(v), 5)
    .option('--threshold <t>', 'default threshold of keys made on this cluster', (v) => Number(v), 3)
    .option('--dir <dir>', 'cluster directory (default: a new temp dir)')
    .option('--metrics', 'serve Prometheus metrics on a free port per node')
    .action(async (opts: { nodes: number; threshold: number; dir?: string; metrics?: boolean }) => {
      // Signal handlers before the ready line: a SIGTERM sent as soon as it appears must still
      // stop every node (not kill this process and orphan them).
      const stopRequested = new Promise<void>((resolve) => {
        process.once('SIGINT', () => resolve());
        process.once('SIGTERM', () => resolve());
      });
      const dir = opts.dir ?? (await mkdtemp(join(tmpdir(), 'splitkey-dev-')));
      const cluster = await DevCluster.create({ dir, nodes: opts.nodes, threshold: opts.threshold, metrics: opts.metrics });
      await cluster.start();
      info(`${opts.nodes} nodes serving (default threshold ${opts.threshold}); logs in ${join(dir, 'nodes', '<i>', 'node.log')}`);
      info(`use it from another shell:  source ${join(dir, 'env')}`);
      out(join(dir, 'env'));
      await stopRequested;
      info('stopping nodes…');
      const codes = await cluster.stop();
      const bad = [...codes].filter(([, c]) => c !== 0);
      if (bad.length > 0) {
        info(`nodes exited uncleanly: ${bad.map(([i, c]) => `${i} (${c})`).join(', ')}`);
        process.exitCode = 1;
      }
    });
}
