/** `splitkey ca init` and `splitkey cert issue`: the cluster's certificate authority. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Option, type Command } from 'commander';
import { createCa, issueCert, readPem, writePemFiles, type Role } from '../pki.js';
import { integer } from '../options.js';
import { CliError, EXIT, out } from '../output.js';

export function registerPki(program: Command): void {
  program
    .command('ca')
    .description('cluster certificate authority')
    .command('init')
    .description('create a new cluster CA (ECDSA P-256) as DIR/ca.crt and DIR/ca.key (0600)')
    .requiredOption('--dir <dir>', 'directory for ca.crt and ca.key')
    .option('--name <cn>', 'CA common name', 'splitkey cluster CA')
    .action(async (opts: { dir: string; name: string }) => {
      if (existsSync(join(opts.dir, 'ca.key'))) throw new CliError(`${join(opts.dir, 'ca.key')} already exists; refusing to overwrite a CA`);
      const ca = await createCa({ commonName: opts.name });
      const paths = await writePemFiles(opts.dir, 'ca', ca);
      out(paths.certPath);
    });

  program
    .command('cert')
    .description('certificates issued by the cluster CA')
    .command('issue')
    .description('issue a certificate with a splitkey identity (URI SAN splitkey://<role>/...)')
    .addOption(new Option('--role <role>', 'identity role').choices(['client', 'admin', 'node']).makeOptionMandatory())
    .option('--tenant <tenant>', 'tenant (role client)')
    .option('--name <name>', 'name (roles client and admin)')
    .option('--index <n>', 'Shamir index (role node), 1 to 255', integer('The node index', 1, 255))
    .option('--caps <list>', 'role admin: comma-separated capabilities (create,refresh,reshare,destroy,import); default all but import (installing a known secret is the one way anyone can know a key: grant it only on purpose). The refresh scheduler needs only refresh', (v) => v.split(',').map((c) => c.trim()))
    .option('--host <host...>', 'DNS names / IPs of a node (default localhost, 127.0.0.1, ::1)')
    .option('--days <n>', 'validity in days', integer('The validity in days', 1, 36_500), 365)
    .requiredOption('--ca-dir <dir>', 'directory holding ca.crt and ca.key')
    .requiredOption('--out <dir>', 'output directory')
    .option('--base <name>', 'file base name (default: the role)')
    .option('--force', 'replace an existing certificate and key of that name')
    .action(async (opts: { role: Role; tenant?: string; name?: string; index?: number; host?: string[]; caps?: string[]; days: number; caDir: string; out: string; base?: string; force?: boolean }) => {
      const base = opts.base ?? opts.role;
      const existing = [`${base}.crt`, `${base}.key`].map((f) => join(opts.out, f)).filter((f) => existsSync(f));
      if (existing.length > 0 && !opts.force) throw new CliError(`${existing.join(' and ')} already ${existing.length === 1 ? 'exists' : 'exist'}; give --force to replace, or --base NAME for another file name`, EXIT.usage);
      const ca = { certPem: await readPem(join(opts.caDir, 'ca.crt')), keyPem: await readPem(join(opts.caDir, 'ca.key')) };
      const pair = await issueCert(ca, { role: opts.role, tenant: opts.tenant, name: opts.name, index: opts.index, hosts: opts.host, capabilities: opts.caps, validDays: opts.days });
      const paths = await writePemFiles(opts.out, base, pair);
      out(paths.certPath);
    });
}
