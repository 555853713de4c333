/** `splitkey audit verify`: check a node's hash-chained audit log (node stopped: LevelDB is locked while it runs). */
import type { Command } from 'commander';
import { Level } from 'level';
import { verifyAuditLog } from '../../node/audit.js';
import { loadNodeConfig } from '../../node/config.js';
import { ShareStore } from '../../node/store.js';
import { CliError, out } from '../output.js';

export function registerAudit(program: Command): void {
  program
    .command('audit')
    .description("a node's audit log")
    .command('verify')
    .description('verify the hash chain of a stopped node and report the first broken entry')
    .option('--config <file>', 'node config (its dataDir is checked)')
    .option('--data <dir>', 'node data directory (default: the config\'s dataDir)')
    .action(async (opts: { config?: string; data?: string }) => {
      if (!opts.config) throw new CliError('give the node config with --config FILE: the audit chain is keyed with a key derived from its seal key');
      const config = await loadNodeConfig(opts.config);
      const dir = opts.data ?? config.dataDir;
      const db = new Level<string, string>(dir, { valueEncoding: 'utf8', createIfMissing: false });
      try {
        await db.open();
      } catch (e) {
        throw new CliError(`cannot open ${dir}: ${(e as Error).message} (is the node still running?)`);
      }
      try {
        const r = await verifyAuditLog(db, await ShareStore.auditKeyOf(db, config.seal));
        if (!r.ok) throw new CliError(`audit log broken at entry ${r.firstBroken!.seq}: ${r.firstBroken!.reason} (${r.entries} entries verified before it)`, 2);
        out(`audit log ok: ${r.entries} entries${r.keyed ? ' (MAC chain, key derived from the seal key)' : ' (unkeyed chain written by an older version)'}`);
      } finally {
        await db.close();
      }
    });
}
