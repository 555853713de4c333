/** `splitkey audit verify`: check a node's hash-chained audit log (node stopped: LevelDB is locked while it runs). */
import type { Command } from 'commander';
import { Level } from 'level';
import { verifyAuditLog } from '../../node/audit.js';
import { loadNodeConfig } from '../../node/config.js';
import { CliError, out } from '../output.js';

export function registerAudit(program: Command): void {
  program
    .command('audit')
    .description("a node's audit log")
    .command('verify')
    .description('verify the hash chain of a stopped node and report the first broken entry')
    .option('--config <file>', 'node config (its dataDir is checked)')
    .option('--data <dir>', 'node data directory')
    .action(async (opts: { config?: string; data?: string }) => {
      const dir = opts.data ?? (opts.config ? (await loadNodeConfig(opts.config)).dataDir : undefined);
      if (!dir) throw new CliError('give --config or --data');
      const db = new Level<string, string>(dir, { valueEncoding: 'utf8', createIfMissing: false });
      try {
        await db.open();
      } catch (e) {
        throw new CliError(`cannot open ${dir}: ${(e as Error).message} (is the node still running?)`);
      }
      try {
        const r = await verifyAuditLog(db);
        if (!r.ok) throw new CliError(`audit log broken at entry ${r.firstBroken!.seq}: ${r.firstBroken!.reason} (${r.entries} entries verified before it)`, 2);
        out(`audit log ok: ${r.entries} entries`);
      } finally {
        await db.close();
      }
    });
}
