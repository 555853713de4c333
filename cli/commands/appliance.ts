/** `splitkey appliance`: the appliance as a long-running service (client/appliance-server.ts). */
import { appendFileSync } from 'node:fs';
import type { Command } from 'commander';
import { clientFrom, withClusterFlags, type ClusterFlags } from '../context.js';
import { CliError, EXIT, info, out } from '../output.js';

export function registerAppliance(program: Command): void {
  withClusterFlags(
    program
      .command('appliance')
      .description('serve the Appliance gRPC API (DeriveKey, DeriveKeys, Encrypt, Decrypt, GenerateDataKey) to local callers on one Unix socket per allowed uid; SIGHUP reloads the master half, SIGTERM stops')
      .option('--socket-dir <dir>', 'parent of the per-uid socket directories DIR/uid-<uid>/appliance.sock', '/run/splitkey')
      .requiredOption('--allow-uid <uids>', 'comma-separated uids allowed to call, e.g. 0,1000', (v) => v.split(',').map((x) => Number(x.trim())))
      .option('--uid-keys <uid=keys>', 'restrict a uid to these keys: comma-separated names or tenant/* (repeatable), e.g. 1000=demo/app,demo/logs; an allowed uid without it may use every key', (v: string, all: string[] = []) => [...all, v])
      .option('--audit <file>', 'append one JSON line per call here (default: stderr)')
      .option('--volume <name=device>', 'serve the key of a splitkey volume on DIR/volumes/NAME.sock for systemd-cryptsetup (repeatable)', (v: string, all: string[] = []) => [...all, v]),
    { master: true },
  ).action(async (opts: ClusterFlags & { socketDir: string; allowUid: number[]; uidKeys?: string[]; audit?: string; volume?: string[] }) => {
    if (opts.allowUid.some((u) => !Number.isInteger(u) || u < 0)) throw new CliError(`--allow-uid must list non-negative integer uids, got "${opts.allowUid.join(',')}"`, EXIT.usage);
    const keysByUid = new Map<number, string[]>();
    for (const v of opts.uidKeys ?? []) {
      const i = v.indexOf('=');
      const uid = Number(v.slice(0, i));
      const keys = v.slice(i + 1).split(',').map((k) => k.trim());
      const badKey = keys.find((k) => !/^[a-z0-9._-]+\/(\*|[a-z0-9._-]+(\/[a-z0-9._-]+)*)$/.test(k));
      if (i <= 0 || !Number.isInteger(uid) || uid < 0 || badKey !== undefined || keys.length === 0) {
        throw new CliError(`--uid-keys must be UID=KEY[,KEY...] with key names or tenant/* (for example 1000=demo/app,demo/logs), got "${v}"`, EXIT.usage);
      }
      if (!opts.allowUid.includes(uid)) throw new CliError(`--uid-keys names uid ${uid}, which --allow-uid does not list`, EXIT.usage);
      keysByUid.set(uid, [...(keysByUid.get(uid) ?? []), ...keys]);
    }
    const volumes = (opts.volume ?? []).map((v) => {
      const i = v.indexOf('=');
      if (i <= 0 || i === v.length - 1) throw new CliError(`--volume must be NAME=DEVICE (for example data=/dev/sdb), got "${v}"`, EXIT.usage);
      return { name: v.slice(0, i), device: v.slice(i + 1) };
    });
    const { ApplianceServer } = await import('../../client/appliance-server.js');
    const client = await clientFrom(opts);
    const audit = (entry: object) => {
      const line = `${JSON.stringify({ event: 'call', ...entry })}\n`;
      if (opts.audit) appendFileSync(opts.audit, line, { mode: 0o600 });
      else process.stderr.write(line);
    };
    const server = new ApplianceServer(client, { socketDir: opts.socketDir, allowUids: opts.allowUid, audit, volumes, keysByUid });
    const sockets = await server.start();
    out(JSON.stringify({ event: 'serving', sockets }));
    let reloading = false;
    process.on('SIGHUP', () => {
      if (reloading) return;
      reloading = true;
      clientFrom(opts)
        .then((next) => server.replaceClient(next))
        .then(
          () => info(JSON.stringify({ event: 'reloaded' })),
          (e: unknown) => info(JSON.stringify({ event: 'reload-failed', error: e instanceof Error ? e.message : String(e) })),
        )
        .finally(() => (reloading = false));
    });
    await new Promise<void>((resolve) => {
      const stop = () => void server.stop().then(resolve, resolve);
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
    });
    info(JSON.stringify({ event: 'stopped' }));
  });
}
