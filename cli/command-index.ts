/**
 * The top-level commands: which module registers each, and the line each shows in
 * `splitkey --help`. The root help is printed from this table alone, so `splitkey --help` (and
 * `splitkey` with nothing) load no command module, no gRPC and no group backend;
 * test/cli-index.test.ts checks the table against what the modules register.
 */
import type { Command } from 'commander';

export type Register = (program: Command) => void;

/** Commands by top-level name, in help order, with the module that registers them. */
export const COMMANDS: [names: string[], load: () => Promise<Register>][] = [
  [['demo'], async () => (await import('./commands/demo.js')).registerDemo],
  [['dev'], async () => (await import('./commands/dev.js')).registerDev],
  [['node'], async () => (await import('./commands/node.js')).registerNode],
  [['key'], async () => (await import('./commands/key.js')).registerKey],
  [['oprf'], async () => (await import('./commands/oprf.js')).registerOprf],
  [['encrypt', 'decrypt', 'rewrap'], async () => (await import('./commands/files.js')).registerFiles],
  [['status'], async () => (await import('./commands/status.js')).registerStatus],
  [['master'], async () => (await import('./commands/master.js')).registerMaster],
  [['ca', 'cert'], async () => (await import('./commands/pki.js')).registerPki],
  [['audit'], async () => (await import('./commands/audit.js')).registerAudit],
  [['receipt'], async () => (await import('./commands/receipt.js')).registerReceipt],
  [['cluster'], async () => (await import('./commands/cluster.js')).registerCluster],
  [['volume'], async () => (await import('./commands/volume.js')).registerVolume],
  [['s3'], async () => (await import('./commands/s3.js')).registerS3],
  [['appliance'], async () => (await import('./commands/appliance.js')).registerAppliance],
  [['chaos'], async () => (await import('./commands/chaos.js')).registerChaos],
];

/** [name, term as commander prints it, description] of every top-level command, in help order. */
export const HELP_INDEX: [name: string, term: string, description: string][] = [
  ['demo', 'demo [options]', 'run the whole idea on a local 3-of-5 cluster of node processes and stop everything (what `npm start` runs)'],
  ['dev', 'dev [options]', 'start a local cluster of separate node processes (a new one: fresh CA, certificates and seal keys; an existing --dir is reused as it is); stops every node on SIGINT/SIGTERM'],
  ['node', 'node', 'run a PVKM node'],
  ['key', 'key', 'manage keys (names are tenant/label)'],
  ['oprf', 'oprf [options]', 'threshold VOPRF evaluation of one input; prints the 64-byte output in hex on stdout'],
  ['encrypt', 'encrypt [options] <in> <out>', "encrypt IN to OUT under the key's newest active version ('-' = stdin/stdout)"],
  ['decrypt', 'decrypt [options] <in> <out>', "decrypt IN to OUT; nothing is left at OUT if any part fails to authenticate ('-' = stdin/stdout)"],
  ['rewrap', 'rewrap [options] <in> <out>', "move an envelope to another key version by rewriting only its header (IN may equal OUT; '-' = stdin/stdout)"],
  ['status', 'status [options]', "each node's reachability, health, software version and group backend, key count, latency and per-identity rate limit; suspected liars, refused and forked key versions; lifecycle sessions pending"],
  ['master', 'master', "the appliance's master half"],
  ['ca', 'ca', 'cluster certificate authority'],
  ['cert', 'cert', 'certificates issued by the cluster CA'],
  ['audit', 'audit', "a node's audit log"],
  ['receipt', 'receipt', 'destroy receipts (verifiable crypto-shredding)'],
  ['cluster', 'cluster', 'plan and lay out a multi-cloud cluster from a topology file; the container probe'],
  ['volume', 'volume', 'LUKS2 disk volumes whose keyslot passphrase is a splitkey resource key (needs cryptsetup)'],
  ['s3', 's3', 'envelope-encrypted objects in any S3-compatible store (the object body is a splitkey envelope)'],
  [
    'appliance',
    'appliance [options]',
    'serve the Appliance gRPC API (DeriveKey, DeriveKeys, Encrypt, Decrypt, GenerateDataKey) to local callers on one Unix socket per allowed uid; SIGHUP reloads the master half, SIGTERM stops',
  ],
  ['chaos', 'chaos', 'failover testing against your own cluster: faults, a checked workload, a verdict and a report'],
];

/**
 * Stand-ins for every top-level command that print exactly as the real ones in the root help
 * (their terms come from HELP_INDEX). Only for the root help: they have no options or actions.
 */
export function registerHelpIndex(program: Command): void {
  const terms = new Map(HELP_INDEX.map(([name, term]) => [name, term]));
  for (const [name, , description] of HELP_INDEX) program.command(name).description(description);
  const base = program.createHelp();
  program.configureHelp({ subcommandTerm: (cmd) => terms.get(cmd.name()) ?? base.subcommandTerm(cmd) });
}
