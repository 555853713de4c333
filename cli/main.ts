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
import { COMMANDS, registerHelpIndex } from './command-index.js';
import { CliError, describeError, EXIT } from './output.js';

const VERSION = '0.1.0';

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

const args = process.argv.slice(2);
const wantsVersion = args.some((a) => a === '-V' || a === '--version');

/**
 * `--version`: the version, then the group backend this machine would use (the native addon is
 * only located, which is cheap; no wasm is loaded).
 */
async function versionText(): Promise<string> {
  if (!wantsVersion) return VERSION;
  const { loadNativeBinding, requestedBackend } = await import('../crypto/native-addon.js');
  let backend: string;
  try {
    const native = loadNativeBinding();
    const requested = requestedBackend();
    if (requested === 'sodium') backend = 'sodium (libsodium wasm; SPLITKEY_BACKEND=sodium)';
    else if (native.binding) backend = `native (${native.binding.library})`;
    else backend = `sodium (libsodium wasm; native addon unavailable: ${native.reason})`;
  } catch (e) {
    backend = `invalid: ${(e as Error).message}`;
  }
  return `${VERSION}\ngroup backend: ${backend}`;
}

const program = new Command()
  .name('splitkey')
  .description('threshold key management: per-resource keys from a sealed master half and a threshold RFC 9497 VOPRF')
  // Program options only before the subcommand, so a subcommand's own `--version N` (a key
  // version) is never taken for the program's version flag.
  .version(await versionText(), '-V, --version', 'print the version of splitkey (before any command)')
  .enablePositionalOptions()
  // Usage errors stay one line (the hint on the same line), like every other error.
  .configureOutput({ outputError: (str, write) => write(`${str.trimEnd()} (run with --help for usage)\n`) })
  .exitOverride();

/**
 * Only the module of the command being run is loaded (a client command never loads the node's
 * server, LevelDB or metrics). The root help (`splitkey`, `splitkey --help`) is printed from the
 * static index without loading any command module; an unknown word or `help` loads them all,
 * for the suggestion and the command's help.
 */
const word = args.find((a) => !a.startsWith('-'));
const chosen = COMMANDS.filter(([names]) => word !== undefined && names.includes(word));
const rootHelpOnly = word === undefined;
if (rootHelpOnly) registerHelpIndex(program);
else for (const register of await Promise.all((chosen.length > 0 ? chosen : COMMANDS).map(([, load]) => load()))) register(program);

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
