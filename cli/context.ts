/**
 * How every CLI command finds its cluster and credentials: flags first, then the environment
 * (the variables `splitkey dev` writes to DIR/env).
 *
 *   SPLITKEY_CLUSTER                     path of cluster.json
 *   SPLITKEY_CA                          cluster CA certificate
 *   SPLITKEY_CERT / SPLITKEY_KEY         client certificate (role client, one tenant)
 *   SPLITKEY_ADMIN_CERT / _ADMIN_KEY     admin certificate
 *   SPLITKEY_MASTER                      sealed master-half file
 *   SPLITKEY_MASTER_KEY / _PASSPHRASE    what unlocks it
 */
import { Option, type Command } from 'commander';
import { AdminClient } from '../client/admin.js';
import { NodeChannels } from '../client/channels.js';
import { connect, resolveCredentials, resolveDescriptor, type SplitkeyClient } from '../client/client.js';

export interface ClusterFlags {
  cluster?: string;
  ca?: string;
  cert?: string;
  certKey?: string;
  adminCert?: string;
  adminKey?: string;
  master?: string;
  timeout?: string;
}

/** Add the common cluster/credential flags to a command. */
export function withClusterFlags(cmd: Command, opts: { admin?: boolean; client?: boolean; master?: boolean } = {}): Command {
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
  cmd.addOption(new Option('--timeout <ms>', 'deadline of each node call in milliseconds').default('2000'));
  return cmd;
}

export async function clientFrom(flags: ClusterFlags): Promise<SplitkeyClient> {
  return connect({
    cluster: flags.cluster,
    ca: flags.ca,
    cert: flags.cert,
    key: flags.certKey,
    master: flags.master,
    timeoutMs: Number(flags.timeout ?? 2000),
    // A node whose answer failed verification is named, never silently dropped (DESIGN.md step 4).
    onWarning: (w) => w.nodes.forEach((f) => process.stderr.write(`warning: ${w.keyName}@${w.version}: node ${f.index}: ${f.reason} (${f.detail})\n`)),
  });
}

export async function adminFrom(flags: ClusterFlags): Promise<AdminClient> {
  const descriptor = await resolveDescriptor(flags.cluster);
  const creds = await resolveCredentials({ ca: flags.ca, cert: flags.adminCert, key: flags.adminKey }, descriptor, 'SPLITKEY_ADMIN');
  return new AdminClient(new NodeChannels(descriptor, creds));
}
