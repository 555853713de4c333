/**
 * `splitkey cluster plan|init|probe|wan-delay|wan-delay-set`: from a topology file to deployable bundles, the
 * container probe, and a WAN-like relay for staging labs. Each action loads its modules only when it runs (a probe every few seconds
 * must not load what `init` needs).
 */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { integer } from '../options.js';
import { CliError, info, out } from '../output.js';

async function loadTopologyFile(file: string) {
  const { parseTopology, TopologyError } = await import('../topology/topology.js');
  let source: string;
  try {
    source = await readFile(file, 'utf8');
  } catch (e) {
    throw new CliError(`cannot read the topology file ${file}: ${(e as Error).message}`);
  }
  try {
    return parseTopology(source, file);
  } catch (e) {
    if (e instanceof TopologyError) throw new CliError(e.message, 2);
    throw e;
  }
}

export function registerCluster(program: Command): void {
  const cluster = program.command('cluster').description('plan and lay out a multi-cloud cluster from a topology file; the container probe');

  cluster
    .command('plan')
    .description('check a topology: no cloud may hold t shares, losing any cloud must leave t nodes; prints the cloud × node matrix')
    .argument('<topology>', 'topology file (YAML; see deploy/README.md)')
    .action(async (file: string) => {
      const t = await loadTopologyFile(file);
      const { checkLayout, renderMatrix } = await import('../topology/topology.js');
      out(renderMatrix(t));
      const problems = checkLayout(t);
      if (problems.length > 0) {
        throw new CliError(`the layout of ${file} is not sound: ${problems.join('; ')}. Move nodes between clouds or change the threshold`, 2);
      }
      out('layout ok');
    });

  cluster
    .command('init')
    .description('write node bundles, client descriptor, admin/refresh/tenant credentials and per-cloud deployment files; never overwrites, adds what is missing')
    .argument('<topology>', 'topology file (YAML)')
    .requiredOption('--out <dir>', 'output directory (may exist: existing files are kept)')
    .action(async (file: string, opts: { out: string }) => {
      const t = await loadTopologyFile(file);
      const { initCluster } = await import('../topology/bundle.js');
      const { TopologyError } = await import('../topology/topology.js');
      let report;
      try {
        report = await initCluster(t, opts.out);
      } catch (e) {
        if (e instanceof TopologyError) throw new CliError(e.message, 2);
        throw e;
      }
      for (const f of report.written) out(`wrote ${f}`);
      for (const f of report.differs) info(`kept ${f}: it differs from what ${file} gives now; delete it and run init again to replace it`);
      info(`${report.written.length} files written, ${report.kept.length} existing files kept`);
    });

  cluster
    .command('probe')
    .description("container probe: grpc.health.v1 over mTLS with the node's own certificate; exit 0 when SERVING")
    .requiredOption('--config <file>', 'the node config (its certificate, key, CA and port are used)')
    .option('--live', 'liveness: a draining node (NOT_SERVING) also counts as alive')
    .option('--timeout <ms>', 'deadline in milliseconds', '3000')
    .action(async (opts: { config: string; live?: boolean; timeout: string }) => {
      const { probeNode } = await import('../topology/probe.js');
      const r = await probeNode(opts.config, { live: opts.live === true, timeoutMs: Number(opts.timeout) });
      out(r.status);
      if (!r.ok) throw new CliError(`node is not ${opts.live ? 'alive' : 'serving'}: ${r.status}`);
    });

  cluster
    .command('wan-delay')
    .description('staging and test labs: relay TCP routes with a one-way delay (and a bandwidth cap), like a WAN link; runs until SIGTERM')
    .requiredOption('--route <listen=target...>', 'LISTEN_HOST:PORT=TARGET_HOST:PORT, repeatable')
    .requiredOption('--delay-ms <ms>', 'one-way delay added in each direction', integer('The delay', 0, 60_000))
    .option('--rate-kbps <n>', 'bandwidth cap per connection and direction, in kilobytes per second', integer('The rate', 1, 10_000_000))
    .option('--control <socket>', 'a Unix socket (mode 0600) through which `cluster wan-delay-set` changes the delays while it runs')
    .action(async (opts: { route: string[]; delayMs: number; rateKbps?: number; control?: string }) => {
      const { openWanControl, openWanDelay, parseRoute, WanDelays } = await import('../topology/wan-delay.js');
      let routes;
      try {
        routes = opts.route.map(parseRoute);
      } catch (e) {
        throw new CliError((e as Error).message, 2);
      }
      const link = { delayMs: opts.delayMs, bytesPerSecond: opts.rateKbps ? opts.rateKbps * 1000 : undefined };
      const delays = new WanDelays(link);
      const proxies = await openWanDelay(routes, link, delays);
      const control = opts.control ? await openWanControl(opts.control, delays) : undefined;
      out(JSON.stringify({ event: 'relaying', delayMs: opts.delayMs, routes: proxies.map((p) => `${p.route.listen.host}:${p.port}=${p.route.target.host}:${p.route.target.port}`), ...(opts.control ? { control: opts.control } : {}) }));
      await new Promise<void>((resolve) => {
        process.once('SIGTERM', resolve);
        process.once('SIGINT', resolve);
      });
      await Promise.all([...proxies.map((p) => p.close()), control?.close()]);
    });

  cluster
    .command('wan-delay-set')
    .description('change a running `cluster wan-delay` relay\'s delay through its --control socket; prints what is in force')
    .requiredOption('--control <socket>', 'the relay\'s control socket')
    .option('--delay-ms <ms>', 'the new one-way delay (without --host: of every route)', integer('The delay', 0, 60_000))
    .option('--host <address>', 'only links to and from this address: an extra delay on top (0 removes it)')
    .addHelpText('after', '\nExamples:\n  splitkey cluster wan-delay-set --control /run/wan.sock --delay-ms 80\n  splitkey cluster wan-delay-set --control /run/wan.sock --host 10.61.0.13 --delay-ms 300\n  splitkey cluster wan-delay-set --control /run/wan.sock          (only report)')
    .action(async (opts: { control: string; delayMs?: number; host?: string }) => {
      if (opts.host !== undefined && opts.delayMs === undefined) throw new CliError('--host needs --delay-ms', 2);
      const { sendWanControl } = await import('../topology/wan-delay.js');
      let answer;
      try {
        answer = await sendWanControl(opts.control, { ...(opts.delayMs !== undefined ? { delayMs: opts.delayMs } : {}), ...(opts.host ? { host: opts.host } : {}) });
      } catch (e) {
        throw new CliError((e as Error).message);
      }
      if (!answer.ok) throw new CliError(`the relay refused: ${answer.error}`, 2);
      out(JSON.stringify({ delayMs: answer.delayMs, hosts: answer.hosts }));
    });
}
