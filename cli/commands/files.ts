/** `splitkey encrypt | decrypt | rewrap`: envelope encryption of files ('-' = stdin/stdout). */
import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Command } from 'commander';
import { clientFrom, withClusterFlags, type ClusterFlags } from '../context.js';
import { checkKeyNameArg, integer, KEY_NAME_RULE, versionNumber } from '../options.js';
import { CliError, EXIT, info } from '../output.js';

/** A progress bar on stderr when it is a TTY and the input is a regular file of known size. */
async function progressFor(path: string): Promise<{ update?: (bytes: number) => void; stop: () => void }> {
  if (!process.stderr.isTTY || path === '-') return { stop: () => undefined };
  const size = (await stat(path)).size;
  if (size < 8 * 1024 * 1024) return { stop: () => undefined };
  // Loaded only when a bar is shown (a few tens of ms of start-up otherwise).
  const { SingleBar } = await import('cli-progress');
  // ETA only once it is known: cli-progress shows "INF"/"NULL" before the first estimate.
  const bar = new SingleBar({ format: '{bar} {percentage}% | {value}/{total} MiB{eta_text}', stream: process.stderr, hideCursor: true });
  const started = performance.now();
  const etaText = (done: number, total: number) => {
    const seconds = (performance.now() - started) / 1000;
    if (done <= 0 || seconds < 0.5) return '';
    const left = ((total - done) / done) * seconds;
    return Number.isFinite(left) ? ` | ${Math.ceil(left)}s left` : '';
  };
  const total = Math.ceil(size / 2 ** 20);
  bar.start(total, 0, { eta_text: '' });
  return {
    update: (bytes) => {
      const mib = Math.floor(bytes / 2 ** 20);
      bar.update(mib, { eta_text: etaText(mib, total) });
    },
    stop: () => bar.stop(),
  };
}

/** Refuse to overwrite OUT (unless --force) and to write binary to a terminal. */
function checkOutput(output: string, force: boolean | undefined, binary: boolean): void {
  if (output === '-') {
    if (binary && process.stdout.isTTY) throw new CliError('refusing to write binary data to a terminal: give an output file, or redirect stdout (> FILE or | …)', EXIT.usage);
    return;
  }
  if (!force && existsSync(output)) throw new CliError(`${output} already exists; give --force to replace it`, EXIT.usage);
}

const segmentSize = integer('The segment size in bytes', 1024, 16 * 1024 * 1024);

export function registerFiles(program: Command): void {
  withClusterFlags(
    program
      .command('encrypt <in> <out>')
      .description("encrypt IN to OUT under the key's newest active version ('-' = stdin/stdout)")
      .requiredOption('--key <name>', `key name (${KEY_NAME_RULE})`)
      .option('--resource <id>', 'resource id bound into the key (default: a random UUID, printed on stderr)')
      .option('--segment-size <bytes>', 'plaintext bytes per segment (1024 to 16777216)', segmentSize)
      .option('--force', 'replace OUT if it exists'),
    { master: true },
  ).action(async (input: string, output: string, opts: ClusterFlags & { key: string; resource?: string; segmentSize?: number; force?: boolean }) => {
    checkKeyNameArg(opts.key);
    checkOutput(output, opts.force, true);
    if (opts.resource !== undefined && (opts.resource.length === 0 || Buffer.byteLength(opts.resource) > 65535)) {
      throw new CliError('--resource must be 1 to 65535 bytes', EXIT.usage);
    }
    const client = await clientFrom(opts, { master: true });
    const progress = await progressFor(input);
    try {
      const resourceId = opts.resource ?? randomUUID();
      const res = await client.encryptFile(opts.key, input, output, { resourceId, segmentSize: opts.segmentSize, onProgress: progress.update });
      progress.stop();
      info(`encrypted ${res.bytesIn} bytes under ${opts.key} version ${res.header.keyVersion}, resource ${resourceId}`);
    } finally {
      progress.stop();
      await client.close();
    }
  });

  withClusterFlags(
    program
      .command('decrypt <in> <out>')
      .description("decrypt IN to OUT; nothing is left at OUT if any part fails to authenticate ('-' = stdin/stdout)")
      .option('--force', 'replace OUT if it exists'),
    { master: true },
  ).action(async (input: string, output: string, opts: ClusterFlags & { force?: boolean }) => {
    checkOutput(output, opts.force, false);
    const client = await clientFrom(opts, { master: true });
    const progress = await progressFor(input);
    try {
      const res = await client.decryptFile(input, output, { onProgress: progress.update });
      progress.stop();
      info(`decrypted ${res.bytesOut} bytes (${res.header.keyName} version ${res.header.keyVersion})`);
    } finally {
      progress.stop();
      await client.close();
    }
  });

  withClusterFlags(
    program
      .command('rewrap <in> <out>')
      .description("move an envelope to another key version by rewriting only its header (IN may equal OUT; '-' = stdin/stdout)")
      .option('--to-version <v>', 'target version, 1 or more (default: newest active)', versionNumber),
    { master: true },
  ).action(async (input: string, output: string, opts: ClusterFlags & { toVersion?: number }) => {
    checkOutput(output, true, true);
    const client = await clientFrom(opts, { master: true });
    // The library rewraps files in place; a stream goes through a private temp dir.
    const tmp = input === '-' || output === '-' ? await mkdtemp(join(tmpdir(), 'splitkey-rewrap-')) : undefined;
    try {
      const from = input === '-' ? join(tmp!, 'in.splk') : input;
      const to = output === '-' ? join(tmp!, 'out.splk') : output;
      if (input === '-') await pipeline(process.stdin, createWriteStream(from, { mode: 0o600 }));
      const r = await client.rewrapFile(from, to, { toVersion: opts.toVersion });
      if (output === '-') await pipeline(createReadStream(to), process.stdout, { end: false });
      info(`rewrapped from version ${r.from} to version ${r.to}`);
    } finally {
      await client.close();
      if (tmp) await rm(tmp, { recursive: true, force: true });
    }
  });
}
