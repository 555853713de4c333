/** `splitkey oprf`: print the 64-byte RFC 9497 VOPRF output for an input, in hex, and nothing else. */
import type { Command } from 'commander';
import { fromHex, toHex } from '../../crypto/index.js';
import { clientFrom, withClusterFlags, type ClusterFlags } from '../context.js';
import { out } from '../output.js';

export function registerOprf(program: Command): void {
  withClusterFlags(
    program
      .command('oprf')
      .description('threshold VOPRF evaluation of one input; prints the 64-byte output in hex on stdout')
      .requiredOption('--key <name>', 'key name (tenant/label)')
      .option('--version <v>', 'key version (default: newest active)', (v) => Number(v))
      .requiredOption('--input-hex <hex>', 'input bytes in hex'),
  ).action(async (opts: ClusterFlags & { key: string; version?: number; inputHex: string }) => {
    const client = await clientFrom(opts);
    try {
      out(toHex(await client.oprf(opts.key, fromHex(opts.inputHex, '--input-hex'), { version: opts.version })));
    } finally {
      await client.close();
    }
  });
}
