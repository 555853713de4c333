/** `splitkey encrypt | decrypt | rewrap`: envelope encryption of files ('-' = stdin/stdout). */
import { randomUUID } from 'node:crypto';
import { stat } from 'node:fs/promises';
import type { Command } from 'commander';
import { SingleBar } from 'cli-progress';
import { clientFrom, withClusterFlags, type ClusterFlags } from '../context.js';
import { info } from '../output.js';

/** A progress bar on stderr when it is a TTY and the input is a regular file of known size. */
async function progressFor(path: string): Promise<{ update?: (bytes: number) => void; stop: () => void }> {
  if (!process.stderr.isTTY || path === '-') return { stop: () => undefined };
  const size = (await stat(path)).size;
  if (size < 8 * 1024 * 1024) return { stop: () => undefined };
  const bar = new SingleBar({ format: '{bar} {percentage}% | {value}/{total} MiB | {eta}s', stream: process.stderr, hideCursor: true });
  bar.start(Math.ceil(size / 2 ** 20), 0);
  return { update: (bytes) => bar.update(Math.floor(bytes / 2 ** 20)), stop: () => bar.stop() };
}

export function registerFiles(program: Command): void {
  withClusterFlags(
    program
      .command('encrypt <in> <out>')
      .description("encrypt IN to OUT under the key's newest active version ('-' = stdin/stdout)")
      .requiredOption('--key <name>', 'key name (tenant/label)')
      .option('--resource <id>', 'resource id bound into the key (default: a random UUID, printed on stderr)')
      .option('--segment-size <bytes>', 'plaintext bytes per segment (1 KiB..16 MiB)', (v) => Number(v)),
    { master: true },
  ).action(async (input: string, output: string, opts: ClusterFlags & { key: string; resource?: string; segmentSize?: number }) => {
    const client = await clientFrom(opts);
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
    program.command('decrypt <in> <out>').description("decrypt IN to OUT; nothing is left at OUT if any part fails to authenticate ('-' = stdin/stdout)"),
    { master: true },
  ).action(async (input: string, output: string, opts: ClusterFlags) => {
    const client = await clientFrom(opts);
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
      .description('move an envelope to another key version by rewriting only its header (IN may equal OUT)')
      .option('--to-version <v>', 'target version (default: newest active)', (v) => Number(v)),
    { master: true },
  ).action(async (input: string, output: string, opts: ClusterFlags & { toVersion?: number }) => {
    const client = await clientFrom(opts);
    try {
      const { from, to } = await client.rewrapFile(input, output, { toVersion: opts.toVersion });
      info(`rewrapped from version ${from} to version ${to}`);
    } finally {
      await client.close();
    }
  });
}
