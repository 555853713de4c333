/** `splitkey master init`: create the appliance's sealed master half. */
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { createMasterFile, ENV_KEY, ENV_PASSPHRASE, unlockFromEnv, type MasterUnlock } from '../../client/master.js';
import { CliError, EXIT, out } from '../output.js';
import { promptHidden } from '../prompt.js';

/** The environment's unlock, else a passphrase typed twice on the terminal. */
async function sealWith(): Promise<MasterUnlock> {
  if (process.env[ENV_PASSPHRASE] || process.env[ENV_KEY] || !process.stdin.isTTY) {
    if (!process.env[ENV_PASSPHRASE] && !process.env[ENV_KEY]) {
      throw new CliError(`nothing to seal the master half with: set ${ENV_PASSPHRASE} (passphrase) or ${ENV_KEY} (64 hex digits), or run on a terminal to type a passphrase`, EXIT.usage);
    }
    return unlockFromEnv();
  }
  const passphrase = await promptHidden('new master passphrase: ');
  if (!passphrase) throw new CliError('no passphrase given; nothing written');
  if ((await promptHidden('repeat it: ')) !== passphrase) throw new CliError('the passphrases differ; nothing written');
  return { passphrase };
}

export function registerMaster(program: Command): void {
  program
    .command('master')
    .description("the appliance's master half")
    .command('init')
    .description(`create 32 random bytes sealed in FILE under ${ENV_PASSPHRASE} (scrypt) or ${ENV_KEY} (64 hex), or a passphrase typed on the terminal; never written unsealed`)
    .requiredOption('--out <file>', 'sealed master file to create')
    .option('--force', 'replace an existing file')
    .action(async (opts: { out: string; force?: boolean }) => {
      if (!opts.force && existsSync(opts.out)) throw new CliError(`${opts.out} already exists; give --force to replace it (the master half in it is then lost for good)`, EXIT.usage);
      await createMasterFile(opts.out, await sealWith(), { overwrite: opts.force === true });
      out(opts.out);
    });
}
