/** `splitkey dev`: a local cluster of separate node processes until SIGINT/SIGTERM. */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { DevCluster } from '../dev-cluster.js';
import { integer, thresholdValue } from '../options.js';
import { CliError, EXIT, info, out } from '../output.js';

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** DIR/dev.pid: one `splitkey dev` per directory. Refuses while another one lives. */
async function lockDir(dir: string): Promise<() => Promise<void>> {
  const path = join(dir, 'dev.pid');
  for (;;) {
    try {
      await writeFile(path, `${process.pid}\n`, { flag: 'wx' });
      return () => rm(path, { force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const pid = Number((await readFile(path, 'utf8').catch(() => '')).trim());
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) {
      throw new CliError(`a dev cluster from ${dir} is already running (splitkey dev, pid ${pid}); stop it first (Ctrl-C in its shell, or kill ${pid}), or use another --dir`);
    }
    await rm(path, { force: true }); // left by a process that is gone
  }
}

export function registerDev(program: Command): void {
  program
    .command('dev')
    .description('start a local cluster of separate node processes (a new one: fresh CA, certificates and seal keys; an existing --dir is reused as it is); stops every node on SIGINT/SIGTERM')
    .option('--nodes <n>', 'number of nodes (default 5)', integer('The number of nodes', 1, 64))
    .option('--threshold <t>', 'default threshold of keys made on this cluster (default 3)', thresholdValue)
    .option('--dir <dir>', 'cluster directory (default: a new temp dir); an existing cluster there is started again, never overwritten')
    .option('--metrics', 'serve Prometheus metrics on a free port per node')
    .option('--lifecycle-quorum', 'a new cluster\'s descriptor says "lifecycleQuorum": true: refresh and reshare need ⌈(n + t)/2⌉ participants, t the version\'s threshold (witnesses are added), so no two sessions from one record both commit')
    .action(async (opts: { nodes?: number; threshold?: number; dir?: string; metrics?: boolean; lifecycleQuorum?: boolean }) => {
      // Signal handlers before the ready line: a SIGTERM sent as soon as it appears must still
      // stop every node (not kill this process and orphan them).
      const stopRequested = new Promise<void>((resolveStop) => {
        process.once('SIGINT', () => resolveStop());
        process.once('SIGTERM', () => resolveStop());
      });
      const dir = resolve(opts.dir ?? (await mkdtemp(join(tmpdir(), 'splitkey-dev-'))));
      const existing = await DevCluster.existing(dir);
      if (existing && ((opts.nodes !== undefined && opts.nodes !== existing.nodes) || (opts.threshold !== undefined && opts.threshold !== existing.threshold))) {
        throw new CliError(`${dir} holds a cluster of ${existing.nodes} nodes with default threshold ${existing.threshold}; leave out --nodes/--threshold to start it again, or use another --dir`, EXIT.usage);
      }
      const nodes = existing?.nodes ?? opts.nodes ?? 5;
      const threshold = existing?.threshold ?? opts.threshold ?? Math.min(3, nodes);
      if (threshold > nodes) throw new CliError(`--threshold ${threshold} is more than --nodes ${nodes}`, EXIT.usage);
      await import('node:fs/promises').then((fs) => fs.mkdir(dir, { recursive: true }));
      const unlock = await lockDir(dir);
      let stopping = false;
      let died = 0;
      try {
        const cluster = await DevCluster.create({ dir, nodes, threshold, metrics: opts.metrics, lifecycleQuorum: opts.lifecycleQuorum });
        await cluster.start();
        info(`${nodes} nodes serving (default threshold ${threshold}${existing ? '; existing cluster reused' : ''}); logs in ${join(dir, 'nodes', '<i>', 'node.log')}`);
        info(`use it from another shell:  source ${join(dir, 'env')}`);
        out(join(dir, 'env'));
        // A node that dies while the cluster runs is reported at once (the rest keep serving).
        for (const n of cluster.nodes.values()) {
          void n.exited?.then((code) => {
            if (stopping) return;
            died++;
            info(`node ${n.index} exited unexpectedly (code ${code ?? n.child?.signalCode}); see ${join(dir, 'nodes', String(n.index), 'node.log')}`);
          });
        }
        // Signal listeners do not keep the event loop alive; with every node dead nothing else
        // would, and the process would end by itself instead of waiting for Ctrl-C.
        const keepAlive = setInterval(() => undefined, 2 ** 30);
        await stopRequested;
        clearInterval(keepAlive);
        stopping = true;
        info('stopping nodes…');
        const codes = await cluster.stop();
        const bad = [...codes].filter(([, c]) => c !== 0);
        if (bad.length > 0) info(`nodes exited uncleanly: ${bad.map(([i, c]) => `${i} (${c})`).join(', ')}`);
        if (bad.length > 0 || died > 0) process.exitCode = EXIT.failed;
      } finally {
        stopping = true;
        await unlock();
      }
    });
}
