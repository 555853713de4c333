#!/usr/bin/env node
/** The `splitkey` command. Every subcommand has --help; errors are one line and a non-zero exit. */
import { Command, CommanderError } from 'commander';
import { registerAudit } from './commands/audit.js';
import { registerCluster } from './commands/cluster.js';
import { registerDemo } from './commands/demo.js';
import { registerDev } from './commands/dev.js';
import { registerFiles } from './commands/files.js';
import { registerKey } from './commands/key.js';
import { registerMaster } from './commands/master.js';
import { registerNode } from './commands/node.js';
import { registerOprf } from './commands/oprf.js';
import { registerPki } from './commands/pki.js';
import { registerReceipt } from './commands/receipt.js';
import { registerStatus } from './commands/status.js';
import { CliError, describeError } from './output.js';

const program = new Command()
  .name('splitkey')
  .description('threshold key management: per-resource keys from a sealed master half and a threshold RFC 9497 VOPRF')
  .version('0.1.0')
  // Usage errors stay one line (the hint on the same line), like every other error.
  .configureOutput({ outputError: (str, write) => write(`${str.trimEnd()} (run with --help for usage)\n`) })
  .exitOverride();

registerDemo(program);
registerDev(program);
registerNode(program);
registerKey(program);
registerOprf(program);
registerFiles(program);
registerStatus(program);
registerMaster(program);
registerPki(program);
registerAudit(program);
registerReceipt(program);
registerCluster(program);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) {
    process.exitCode = e.exitCode;
  } else {
    process.stderr.write(`splitkey: ${describeError(e)}\n`);
    process.exitCode = e instanceof CliError ? e.exitCode : 1;
  }
}
