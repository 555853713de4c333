/** `splitkey master init`: create the appliance's sealed master half. */
import type { Command } from 'commander';
import { createMasterFile, unlockFromEnv } from '../../client/master.js';
import { out } from '../output.js';

export function registerMaster(program: Command): void {
  program
    .command('master')
    .description("the appliance's master half")
    .command('init')
    .description('create 32 random bytes sealed in FILE under SPLITKEY_MASTER_PASSPHRASE (scrypt) or SPLITKEY_MASTER_KEY (64 hex); never written unsealed')
    .requiredOption('--out <file>', 'sealed master file to create')
    .option('--force', 'replace an existing file')
    .action(async (opts: { out: string; force?: boolean }) => {
      await createMasterFile(opts.out, unlockFromEnv(), { overwrite: opts.force === true });
      out(opts.out);
    });
}
