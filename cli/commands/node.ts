/** `splitkey node start --config FILE`: run one PVKM node until SIGTERM/SIGINT. */
import type { Command } from 'commander';
import type { PvkmNode } from '../../node/server.js';
import { CliError, out } from '../output.js';

export function registerNode(program: Command): void {
  const node = program.command('node').description('run a PVKM node');
  node
    .command('start')
    .description('start a node from its config file; stops cleanly on SIGTERM/SIGINT (NOT_SERVING, drain, shutdown, close store); SIGHUP reloads its certificate, key and CA bundle')
    .requiredOption('--config <file>', 'node config (JSON; see README "Node configuration")')
    .action(async (opts: { config: string }) => {
      // The node (gRPC, LevelDB, the group backend) loads when it starts, not for --help.
      const [grpc, { loadNodeConfig }, { createLogger }, { PvkmNode }, { checkNodeIdentity }, { startRefreshScheduler }, { isStorageWriteError }] = await Promise.all([
        import('@grpc/grpc-js'),
        import('../../node/config.js'),
        import('../../node/log.js'),
        import('../../node/server.js'),
        import('../../node/startup-checks.js'),
        import('../refresh-scheduler.js'),
        import('../../node/storage-failure.js'),
      ]);
      const config = await loadNodeConfig(opts.config);
      // Config, certificate and data must agree on the index before anything listens.
      await checkNodeIdentity(config, opts.config);
      const log = createLogger({ nodeIndex: config.index });
      // gRPC's own diagnostics go to the node's log as JSON lines, not raw to stderr; a failed
      // bind is reported below as one sentence, so its raw line is dropped.
      grpc.setLogger({
        error: (...args: unknown[]) => {
          const text = args.map(String).join(' ');
          if (!/No address added/.test(text)) log.warn({ grpc: text }, 'grpc');
        },
        info: () => undefined,
        debug: () => undefined,
      });
      // Signal handlers before anything else: a SIGTERM that arrives while the node starts, or
      // right after the "serving" line (a supervisor may react to it at once), still stops it
      // cleanly instead of killing it. `on`, not `once`: a repeated signal (one sent to the whole
      // process group and one from a supervisor such as `splitkey dev`) must not kill the node
      // mid-stop; stop() is idempotent and bounded by shutdownGraceMs.
      let signalled = false;
      let wake: () => void = () => undefined;
      const stopRequested = new Promise<void>((resolve) => (wake = resolve));
      const onSignal = (signal: string) => {
        if (!signalled) log.info({ signal }, 'stopping');
        signalled = true;
        wake();
      };
      process.on('SIGTERM', () => onSignal('SIGTERM'));
      process.on('SIGINT', () => onSignal('SIGINT'));
      // SIGHUP: reload the certificate, key and CA bundle (a CA rollover, a renewed certificate)
      // without a restart. One line on stdout says what is in force now, or why nothing changed.
      // Registered now: SIGHUP's default action would kill a node that is still starting.
      let started: PvkmNode | undefined;
      process.on('SIGHUP', () => {
        if (!started) return void log.warn('SIGHUP before the node serves: nothing to reload yet (it reads the files as it starts)');
        started.reloadTls().then(
          (s) => out(JSON.stringify({ event: 'tls-reloaded', certificate: s.certificate, notAfter: s.notAfter, cas: s.cas.map((c) => c.fingerprint) })),
          (e: Error) => {
            log.error({ err: e.message }, 'TLS reload refused; the previous certificate, key and CA bundle stay in force');
            out(JSON.stringify({ event: 'tls-reload-failed', error: e.message }));
          },
        );
      });
      // A write that fails in the background (a full disk: the audit log, a lifecycle step) is
      // logged as one clear line and stops the node, instead of an unhandled rejection's stack.
      process.on('unhandledRejection', (e: unknown) => {
        if (started && isStorageWriteError(e)) return started.storageFailed(e);
        log.fatal({ err: (e instanceof Error ? e.message : String(e)).split('\n')[0]!.slice(0, 300) }, 'unexpected error; exiting');
        log.flush(() => process.exit(1));
      });
      let node: PvkmNode;
      try {
        node = started = await PvkmNode.start(config, { log });
      } catch (e) {
        throw bindError(e, config.listen, opts.config) ?? e;
      }
      // One machine-readable line on stdout once SERVING (the dev cluster waits for it).
      out(JSON.stringify({ event: 'serving', index: config.index, port: node.port, metricsPort: node.metricsPort, pid: process.pid }));
      const stopSchedule = config.refreshSchedule ? await startRefreshScheduler(config, log) : undefined;
      const why = await Promise.race([stopRequested.then(() => 'signal' as const), node.failed.then(() => 'storage' as const)]);
      stopSchedule?.();
      // After a failed write nothing in flight can finish well: a short grace. Either way the
      // stop is bounded: a node that has not stopped by then exits (a full disk must never keep
      // a node from going away on SIGTERM).
      const grace = why === 'storage' ? Math.min(config.shutdownGraceMs, 2000) : config.shutdownGraceMs;
      if (why === 'storage') process.exitCode = 1;
      const watchdog = setTimeout(() => {
        log.error({ graceMs: grace }, 'the node did not stop in time; exiting');
        log.flush(() => process.exit(1));
      }, 2 * grace + 5000).unref();
      try {
        await node.stop(grace);
        clearTimeout(watchdog);
      } catch (e) {
        log.error({ err: (e as Error).message }, 'stop failed');
        process.exitCode = 1;
      }
      await new Promise<void>((resolve) => log.flush(() => resolve()));
      // Exit at once rather than by draining the event loop: during Node's own teardown the
      // signal handlers are already gone, so a second SIGTERM arriving then (the supervisor's,
      // after the process group's) would kill an already cleanly stopped node with a signal.
      process.exit();
    });
}

/** A failure to bind the gRPC port, as a sentence (gRPC reports it as "No address added …"). */
function bindError(e: unknown, listen: string, configPath: string): CliError | undefined {
  const text = e instanceof Error ? e.message : String(e);
  if (!/No address added|EADDRINUSE|EADDRNOTAVAIL|EACCES/.test(text)) return undefined;
  const why = /EADDRINUSE/.test(text)
    ? 'the port is already in use (another node or program listens there)'
    : /EADDRNOTAVAIL/.test(text)
      ? 'that address is not one of this host\'s'
      : /EACCES/.test(text)
        ? 'permission denied (ports below 1024 need privileges)'
        : 'the address cannot be bound';
  return new CliError(`cannot listen on ${listen}: ${why}; change "listen" in ${configPath}`);
}
