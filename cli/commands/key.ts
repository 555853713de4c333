/** `splitkey key …`: import (dealer split), list, info. */
import type { Command } from 'commander';
import { fromHex, toHex } from '../../crypto/index.js';
import { checkFailureDomains } from '../../client/descriptor.js';
import { adminFrom, clientFrom, withClusterFlags, type ClusterFlags } from '../context.js';
import { CliError, out } from '../output.js';

export function registerKey(program: Command): void {
  const key = program.command('key').description('manage keys (names are tenant/label)');

  withClusterFlags(
    key
      .command('import <name>')
      .description('dealer import: split a known 32-byte secret scalar t-of-n over the nodes and send each node only its share; the dealer forgets the secret')
      .requiredOption('--secret-hex <hex>', 'the scalar as RFC 9497 serializes it (32 bytes little-endian, like the vectors\' skSm)')
      .option('--threshold <t>', "threshold t (default: the descriptor's defaultThreshold, else a majority)", (v) => Number(v))
      .option('--version <v>', 'version number (default: next free)', (v) => Number(v)),
    { admin: true, client: false },
  ).action(async (name: string, opts: ClusterFlags & { secretHex: string; threshold?: number; version?: number }) => {
    const admin = await adminFrom(opts);
    try {
      const secret = fromHex(opts.secretHex, '--secret-hex');
      if (secret.length !== 32) throw new CliError('--secret-hex must be 32 bytes (64 hex characters)');
      const n = admin.channels.nodes.length;
      const t = opts.threshold ?? admin.channels.descriptor.defaultThreshold ?? Math.floor(n / 2) + 1;
      const { version, publicKey } = await admin.importKey(name, secret, t, { version: opts.version });
      secret.fill(0);
      out(`imported ${name} version ${version}: ${t}-of-${n}, pkS ${toHex(publicKey)}`);
      for (const p of checkFailureDomains(admin.channels.nodes, t)) process.stderr.write(`warning: ${p}\n`);
    } finally {
      admin.close();
    }
  });

  withClusterFlags(key.command('list').description('keys and versions on every node').option('--tenant <tenant>', 'only this tenant'), { admin: true, client: false }).action(
    async (opts: ClusterFlags & { tenant?: string }) => {
      const admin = await adminFrom(opts);
      try {
        const { ok, failures } = await admin.each((i) => admin.listKeys(i, opts.tenant ?? ''));
        const merged = new Map<string, Set<number>>();
        for (const res of ok.values()) for (const k of res.keys) k.versions.forEach((v) => merged.set(k.keyName, (merged.get(k.keyName) ?? new Set()).add(v)));
        for (const [name, versions] of [...merged].sort()) out(`${name}\tversions ${[...versions].sort((a, b) => a - b).join(',')}`);
        for (const f of failures) process.stderr.write(`warning: node ${f.index}: ${f.reason} (${f.detail})\n`);
      } finally {
        admin.close();
      }
    },
  );

  withClusterFlags(key.command('info <name>').description('public information on a key as at least t nodes agree on it (pkS, pk_i, state, epoch)')).action(
    async (name: string, opts: ClusterFlags) => {
      const client = await clientFrom(opts);
      try {
        const info = await client.keyInfo(name);
        for (const v of info.versions) {
          out(`${name} version ${v.version}: ${v.state}, ${v.threshold}-of-${v.nodeIndices.length} on nodes ${v.nodeIndices.join(',')}, epoch ${v.epoch}`);
          out(`  pkS  ${toHex(v.publicKey)}`);
          for (const [i, pk] of v.publicShares) out(`  pk_${i} ${toHex(pk)}`);
        }
        for (const f of info.failures) process.stderr.write(`warning: node ${f.index}: ${f.reason} (${f.detail})\n`);
      } finally {
        await client.close();
      }
    },
  );
}
