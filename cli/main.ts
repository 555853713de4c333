#!/usr/bin/env node
/**
 * The `splitkey` command. Every subcommand has --help; errors are one line and a non-zero exit
 * (README "Exit codes").
 *
 * A CLI is a program that ends: once the command's promise settles and stdout/stderr are
 * flushed, the process exits with its code, whatever sockets or timers are still open (a frozen
 * node keeps a TLS handshake pending until its deadline; nothing we print depends on it).
 */
import { Command, CommanderError } from 'commander';
import { CliError, describeError, EXIT } from './output.js';

/** Output closed early (`splitkey … | head`): stop quietly, as a SIGPIPE would. */
function onOutputError(e: NodeJS.ErrnoException): void {
  if (e.code === 'EPIPE') process.exit(EXIT.brokenPipe);
  throw e;
}
process.stdout.on('error', onOutputError);
process.stderr.on('error', onOutputError);

/** Resolves once everything written to `stream` so far has been handed to the OS. */
function flushed(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => {
    if (stream.destroyed || stream.writableLength === 0) return resolve();
    stream.write('', () => resolve());
  });
}

const program = new Command()
  .name('splitkey')
  .description('threshold key management: per-resource keys from a sealed master half and a threshold RFC 9497 VOPRF')
  // Program options only before the subcommand, so a subcommand's own `--version N` (a key
  // version) is never taken for the program's version flag.
  .version('0.1.0', '-V, --version', 'print the version of splitkey (before any command)')
  .enablePositionalOptions()
  // Usage errors stay one line (the hint on the same line), like every other error.
  .configureOutput({ outputError: (str, write) => write(`${str.trimEnd()} (run with --help for usage)\n`) })
  .exitOverride();

/**
 * Commands by top-level name, in help order. Only the module of the command being run is
 * loaded (a client command never loads the node's server, LevelDB or metrics; `splitkey` alone
 * or an unknown word loads them all, for the full help and the suggestion).
 */
type Register = (program: Command) => void;
const COMMANDS: [names: string[], load: () => Promise<Register>][] = [
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
const word = process.argv.slice(2).find((a) => !a.startsWith('-'));
const chosen = COMMANDS.filter(([names]) => word !== undefined && names.includes(word));
for (const register of await Promise.all((chosen.length > 0 ? chosen : COMMANDS).map(([, load]) => load()))) register(program);

let code: number = EXIT.ok;
try {
  await program.parseAsync(process.argv);
  code = typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
} catch (e) {
  if (e instanceof CommanderError) {
    // --help and --version end with code 0; every other commander error is a usage error.
    code = e.exitCode === 0 ? EXIT.ok : EXIT.usage;
  } else if ((e as NodeJS.ErrnoException).code === 'EPIPE') {
    code = EXIT.brokenPipe;
  } else {
    process.stderr.write(`splitkey: ${describeError(e)}\n`);
    code = e instanceof CliError ? e.exitCode : EXIT.failed;
  }
}
await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
process.exit(code);
