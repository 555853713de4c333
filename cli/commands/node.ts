/** `splitkey node start --config FILE`: run one PVKM node until SIGTERM/SIGINT. */
import type { Command } from 'commander';
import { loadNodeConfig } from '../../node/config.js';
import { createLogger } from '../../node/log.js';
import { PvkmNode } from '../../node/server.js';
import { out } from '../output.js';

export function registerNode(program: Command): void {
  const node = program.command('node').description('run a PVKM node');
  node
    .command('start')
    .description('start a node from its config file; stops cleanly on SIGTERM/SIGINT (NOT_SERVING, drain, shutdown, close store)')
    .requiredOption('--config <file>', 'node config (JSON; see README "Node configuration")')
    .action(async (opts: { config: string }) => {
      const config = await loadNodeConfig(opts.config);
      const log = createLogger({ nodeIndex: config.index });
      const node = await PvkmNode.start(config, { log });
      // One machine-readable line on stdout once SERVING (the dev cluster waits for it).
      out(JSON.stringify({ event: 'serving', index: config.index, port: node.port, metricsPort: node.metricsPort, pid: process.pid }));
      await new Promise<void>((resolve) => {
        const onSignal = (signal: string) => {
          log.info({ signal }, 'stopping');
          node.stop().then(resolve, (e) => {
            log.error({ err: (e as Error).message }, 'stop failed');
            process.exitCode = 1;
            resolve();
          });
        };
        process.once('SIGTERM', () => onSignal('SIGTERM'));
        process.once('SIGINT', () => onSignal('SIGINT'));
      });
      log.flush();
    });
}
