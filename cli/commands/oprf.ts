/** `splitkey oprf`: print the 64-byte RFC 9497 VOPRF output for an input, in hex, and nothing else. */
import type { Command } from 'commander';
import { fromHex, toHex } from '../../crypto/bytes.js';
import { clientFrom, withClusterFlags, type ClusterFlags } from '../context.js';
import { checkKeyNameArg, KEY_NAME_RULE, versionNumber } from '../options.js';
import { CliError, EXIT, out } from '../output.js';

export function registerOprf(program: Command): void {
  withClusterFlags(
    program
      .command('oprf')
      .description('threshold VOPRF evaluation of one input; prints the 64-byte output in hex on stdout')
      .requiredOption('--key <name>', `key name (${KEY_NAME_RULE})`)
      .option('--version <v>', 'key version, 1 or more (default: newest active)', versionNumber)
      .requiredOption('--input-hex <hex>', 'input bytes in hex'),
  ).action(async (opts: ClusterFlags & { key: string; version?: number; inputHex: string }) => {
    checkKeyNameArg(opts.key);
    let input: Uint8Array;
    try {
      input = fromHex(opts.inputHex, '--input-hex');
    } catch {
      throw new CliError('--input-hex must be an even number of hex digits', EXIT.usage);
    }
    const client = await clientFrom(opts);
    try {
      out(toHex(await client.oprf(opts.key, input, { version: opts.version })));
    } finally {
      await client.close();
    }
  });
}
