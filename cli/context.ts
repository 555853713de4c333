/**
 * How every CLI command finds its cluster and credentials: flags first, then the environment
 * (the variables `splitkey dev` writes to DIR/env).
 *
 *   SPLITKEY_CLUSTER                     path of cluster.json
 *   SPLITKEY_CA                          cluster CA certificate
 *   SPLITKEY_CERT / SPLITKEY_KEY         client certificate (role client, one tenant)
 *   SPLITKEY_ADMIN_CERT / _ADMIN_KEY     admin certificate
 *   SPLITKEY_MASTER                      sealed master-half file
 *   SPLITKEY_MASTER_KEY / _PASSPHRASE    what unlocks it (else a passphrase prompt on a terminal)
 *
 * What is missing is reported here, by the flag and the variable that supply it, before the
 * library is asked (its errors speak of connect() options, which a CLI user never sees).
 */
import { Option, type Command } from 'commander';
// The client library (gRPC, the group backend) is imported when a command connects, not when it
// is registered: `--help` and usage errors load none of it.
import type { AdminClient } from '../client/admin.js';
import type { SplitkeyClient } from '../client/client.js';
import type { ClusterDescriptor } from '../client/descriptor.js';
import type { MasterUnlock } from '../client/master.js';
import { outputFormat, timeoutValue } from './options.js';
import { CliError, EXIT, type OutputFormat } from './output.js';
import { promptHidden } from './prompt.js';

export interface ClusterFlags {
  cluster?: string;
  ca?: string;
  cert?: string;
  certKey?: string;
  adminCert?: string;
  adminKey?: string;
  master?: string;
  timeout?: number;
  output?: OutputFormat;
}

/**
 * Default deadline of one node call for reads and evaluations. With fewer than t nodes
 * reachable, the refusal comes one deadline after start-up (key information is asked of every
 * node at once), whatever the silent nodes do. Shorter deadlines fail healthy calls on a busy
 * machine (TLS handshakes with every node are the first thing a command does).
 */
export const DEFAULT_TIMEOUT_MS = 2000;

/** Add the common cluster/credential flags to a command. */
export function withClusterFlags(cmd: Command, opts: { admin?: boolean; client?: boolean; master?: boolean; output?: boolean } = {}): Command {
  cmd.addOption(new Option('--cluster <file>', 'cluster descriptor (cluster.json)').env('SPLITKEY_CLUSTER'));
  cmd.addOption(new Option('--ca <file>', 'cluster CA certificate (PEM)').env('SPLITKEY_CA'));
  if (opts.client !== false) {
    cmd.addOption(new Option('--cert <file>', 'client certificate (PEM)').env('SPLITKEY_CERT'));
    cmd.addOption(new Option('--cert-key <file>', 'private key of the client certificate (PEM)').env('SPLITKEY_KEY'));
  }
  if (opts.admin) {
    cmd.addOption(new Option('--admin-cert <file>', 'admin certificate (PEM)').env('SPLITKEY_ADMIN_CERT'));
    cmd.addOption(new Option('--admin-key <file>', 'admin private key (PEM)').env('SPLITKEY_ADMIN_KEY'));
  }
  if (opts.master) cmd.addOption(new Option('--master <file>', 'sealed master-half file').env('SPLITKEY_MASTER'));
  cmd.addOption(new Option('--timeout <ms>', `deadline of each node call in milliseconds (default ${DEFAULT_TIMEOUT_MS}; key lifecycle operations 10000)`).argParser(timeoutValue));
  if (opts.output) cmd.addOption(new Option('-o, --output <format>', 'text or json').argParser(outputFormat).default('text'));
  return cmd;
}

async function descriptorFrom(flags: ClusterFlags): Promise<ClusterDescriptor> {
  if (!flags.cluster) throw new CliError('no cluster descriptor: give --cluster FILE or set SPLITKEY_CLUSTER (splitkey dev writes it to DIR/env)', EXIT.usage);
  return (await import('./config-files.js')).loadClusterDescriptor(flags.cluster);
}

const insecureIdentity = (d: ClusterDescriptor) => (d.insecureLoopback && process.env.SPLITKEY_INSECURE_IDENTITY ? process.env.SPLITKEY_INSECURE_IDENTITY : undefined);

/** How the master half is unlocked: the environment, else a passphrase typed on the terminal. */
async function masterUnlock(): Promise<MasterUnlock | undefined> {
  const { ENV_KEY, ENV_PASSPHRASE } = await import('../client/master.js');
  if (process.env[ENV_PASSPHRASE] || process.env[ENV_KEY]) return undefined; // the library reads them
  if (!process.stdin.isTTY) {
    throw new CliError(`the master half is locked: set ${ENV_PASSPHRASE} (passphrase) or ${ENV_KEY} (64 hex digits), or run on a terminal to type the passphrase`, EXIT.usage);
  }
  const passphrase = await promptHidden('master passphrase: ');
  if (!passphrase) throw new CliError('no passphrase given; nothing done');
  return { passphrase };
}

export async function clientFrom(flags: ClusterFlags, opts: { master?: boolean } = {}): Promise<SplitkeyClient> {
  const descriptor = await descriptorFrom(flags);
  const identity = insecureIdentity(descriptor);
  if (!identity && (!flags.ca || !flags.cert || !flags.certKey)) {
    throw new CliError('client credentials missing: give --ca, --cert and --cert-key, or set SPLITKEY_CA, SPLITKEY_CERT and SPLITKEY_KEY', EXIT.usage);
  }
  if (opts.master && !flags.master) throw new CliError('no master half: give --master FILE or set SPLITKEY_MASTER', EXIT.usage);
  const { connect } = await import('../client/client.js');
  return connect({
    cluster: descriptor,
    ca: flags.ca,
    cert: flags.cert,
    key: flags.certKey,
    insecureIdentity: identity,
    master: opts.master ? flags.master : undefined,
    masterUnlock: opts.master ? await masterUnlock() : undefined,
    timeoutMs: flags.timeout ?? DEFAULT_TIMEOUT_MS,
    // A node whose answer failed verification is named, never silently dropped (DESIGN.md step 4).
    onWarning: (w) => w.nodes.forEach((f) => process.stderr.write(`warning: ${w.keyName}@${w.version}: node ${f.index}: ${f.reason} (${f.detail})\n`)),
  });
}

export async function adminFrom(flags: ClusterFlags): Promise<AdminClient> {
  const descriptor = await descriptorFrom(flags);
  const identity = insecureIdentity(descriptor);
  if (!identity && (!flags.ca || !flags.adminCert || !flags.adminKey)) {
    throw new CliError('admin credentials missing: give --ca, --admin-cert and --admin-key, or set SPLITKEY_CA, SPLITKEY_ADMIN_CERT and SPLITKEY_ADMIN_KEY', EXIT.usage);
  }
  const [{ resolveCredentials }, { NodeChannels }, { AdminClient }] = await Promise.all([
    import('../client/client.js'),
    import('../client/channels.js'),
    import('../client/admin.js'),
  ]);
  const creds = await resolveCredentials({ ca: flags.ca, cert: flags.adminCert, key: flags.adminKey, insecureIdentity: identity }, descriptor, 'SPLITKEY_ADMIN');
  return new AdminClient(new NodeChannels(descriptor, creds));
}
