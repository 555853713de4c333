/** `splitkey key …`: import (dealer split), list, info. */
import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { fromHex, toHex } from '../../crypto/index.js';
import { AdminClient } from '../../client/admin.js';
import { NodeChannels } from '../../client/channels.js';
import { resolveCredentials } from '../../client/client.js';
import { checkFailureDomains, loadDescriptor, mergeDescriptors } from '../../client/descriptor.js';
import { KeyManager } from '../../client/key-manager.js';
import type { OperationReport } from '../../client/lifecycle.js';
import { adminFrom, clientFrom, withClusterFlags, type ClusterFlags } from '../context.js';
import { CliError, info, out } from '../output.js';

const parseList = (v: string): number[] => v.split(',').map((x) => {
  const n = Number(x.trim());
  if (!Number.isInteger(n) || n < 1) throw new CliError(`not a node index: ${JSON.stringify(x)}`);
  return n;
});

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function report(r: OperationReport): void {
  out(`${r.kind} ${r.keyName} version ${r.version}: committed (session ${r.sessionId}, epoch ${r.epoch}), pkS ${toHex(r.publicKey)}`);
  for (const d of r.disqualified) info(`  dealer ${d.index} disqualified: ${d.reason}`);
}

async function withManager<T>(opts: ClusterFlags, fn: (m: KeyManager) => Promise<T>): Promise<T> {
  const admin = await adminFrom(opts);
  try {
    return await fn(await KeyManager.create(admin, (line) => info(`  ${line}`)));
  } finally {
    admin.close();
  }
}

export function registerKey(program: Command): void {
  const key = program.command('key').description('manage keys (names are tenant/label)');

  withClusterFlags(
    key
      .command('import <name>')
      .description('dealer import: split a known 32-byte secret scalar t-of-n over the nodes and send each node only its share; the dealer forgets the secret')
      .requiredOption('--secret-hex <hex>', "the scalar as RFC 9497 serializes it (32 bytes little-endian, like the vectors' skSm); '-' reads it from stdin, so it stays out of the process list")
      .option('--threshold <t>', "threshold t (default: the descriptor's defaultThreshold, else a majority)", (v) => Number(v))
      .option('--version <v>', 'version number (default: next free)', (v) => Number(v)),
    { admin: true, client: false },
  ).action(async (name: string, opts: ClusterFlags & { secretHex: string; threshold?: number; version?: number }) => {
    const admin = await adminFrom(opts);
    try {
      const hex = opts.secretHex === '-' ? await readStdin() : opts.secretHex;
      const secret = fromHex(hex.trim(), '--secret-hex');
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

  withClusterFlags(
    key
      .command('create <name>')
      .description('create a key by distributed key generation (Pedersen DKG with a complaint round): no one, not even the operator, ever knows it')
      .option('--threshold <t>', "threshold t (default: the descriptor's defaultThreshold, else a majority)", (v) => Number(v))
      .option('--nodes <list>', 'node indices, e.g. 1,2,3,4,5 (default: every node)', parseList),
    { admin: true, client: false },
  ).action(async (name: string, opts: ClusterFlags & { threshold?: number; nodes?: number[] }) =>
    withManager(opts, async (m) => {
      const nodes = opts.nodes ?? m.admin.channels.nodes.map((n) => n.index);
      const t = opts.threshold ?? m.admin.channels.descriptor.defaultThreshold ?? Math.floor(nodes.length / 2) + 1;
      report(await m.createKey(name, t, nodes));
      for (const p of checkFailureDomains(m.admin.channels.nodes.filter((n) => nodes.includes(n.index)), t)) info(`warning: ${p}`);
    }),
  );

  withClusterFlags(
    key.command('rotate <name>').description('add a new version by DKG; new encryptions use it, older versions stay decryptable (decrypt-only) until destroyed'),
    { admin: true, client: false },
  ).action(async (name: string, opts: ClusterFlags) => withManager(opts, async (m) => report(await m.rotate(name))));

  withClusterFlags(
    key
      .command('refresh <name>')
      .description('proactive refresh: re-randomize every share (same pkS, new pk_i, epoch + 1, old shares erased)')
      .option('--version <v>', 'only this version (default: every live version)', (v) => Number(v)),
    { admin: true, client: false },
  ).action(async (name: string, opts: ClusterFlags & { version?: number }) =>
    withManager(opts, async (m) => {
      for (const v of opts.version ? [opts.version] : await m.liveVersions(name)) report(await m.refresh(name, v));
    }),
  );

  withClusterFlags(
    key
      .command('reshare <name>')
      .description('move versions to a new node set and/or threshold with the same pkS; joining nodes get shares, leaving nodes erase theirs')
      .option('--nodes <list>', 'new node indices, e.g. 1,2,4,6,7', parseList)
      .option('--to-cluster <file>', "move to the nodes of another cluster descriptor (same CA; indices distinct from the current nodes')")
      .requiredOption('--threshold <t>', 'new threshold', (v) => Number(v))
      .option('--version <v>', 'only this version (default: every live version)', (v) => Number(v)),
    { admin: true, client: false },
  ).action(async (name: string, opts: ClusterFlags & { nodes?: number[]; toCluster?: string; threshold: number; version?: number }) => {
    if (!opts.nodes === !opts.toCluster) throw new CliError('give exactly one of --nodes and --to-cluster');
    const admin = await adminFrom(opts);
    let receivers = opts.nodes;
    let channels = admin.channels;
    if (opts.toCluster) {
      const target = await loadDescriptor(opts.toCluster);
      const merged = mergeDescriptors(admin.channels.descriptor, target);
      receivers = target.nodes.map((n) => n.index);
      channels = new NodeChannels(merged, await resolveCredentials({ ca: opts.ca, cert: opts.adminCert, key: opts.adminKey }, merged, 'SPLITKEY_ADMIN'));
      admin.close();
    }
    const manager = await KeyManager.create(new AdminClient(channels), (line) => info(`  ${line}`));
    try {
      for (const v of opts.version ? [opts.version] : await manager.liveVersions(name)) report(await manager.reshare(name, v, receivers!, opts.threshold));
      if (opts.toCluster) info(`done: point appliances at ${opts.toCluster}`);
    } finally {
      manager.admin.close();
    }
  });

  withClusterFlags(
    key
      .command('destroy <name>')
      .description('erase every share of a version: data under it becomes undecryptable (crypto-shredding)')
      .requiredOption('--version <v>', 'version to destroy', (v) => Number(v))
      .option('--receipt <file>', 'write the nodes’ signed destroy receipts here (check them with splitkey receipt verify FILE)')
      .option('--yes', 'do not ask for confirmation'),
    { admin: true, client: false },
  ).action(async (name: string, opts: ClusterFlags & { version: number; yes?: boolean; receipt?: string }) => {
    if (!opts.yes) {
      if (!process.stdin.isTTY) throw new CliError('refusing to destroy without confirmation: pass --yes');
      const { createInterface } = await import('node:readline/promises');
      const rl = createInterface({ input: process.stdin, output: process.stderr });
      const answer = await rl.question(`Destroy ${name} version ${opts.version}? Data under it can never be decrypted again. Type the key name to confirm: `);
      rl.close();
      if (answer.trim() !== name) throw new CliError('not confirmed; nothing destroyed');
    }
    await withManager(opts, async (m) => {
      const r = await m.destroy(name, opts.version);
      out(`${name} version ${opts.version}: share erased on nodes ${r.destroyed.join(',') || '(none)'}`);
      if (opts.receipt) {
        const bundle = { kind: 'splitkey/v1/destroy-receipts', keyName: name, version: opts.version, receipts: r.receipts };
        await writeFile(opts.receipt, `${JSON.stringify(bundle, null, 2)}\n`, { flag: 'wx' }).catch((e: NodeJS.ErrnoException) => {
          throw new CliError(e.code === 'EEXIST' ? `${opts.receipt} exists; choose another --receipt file` : `cannot write ${opts.receipt}: ${e.message}`);
        });
        out(`receipts of nodes ${r.receipts.map((x) => x.node).join(',') || '(none)'} written to ${opts.receipt}`);
      }
      for (const u of r.unreachable) info(`warning: node ${u.index} not reached (${u.reason}); run destroy again when it is back`);
      if (r.destroyed.length === 0) throw new CliError('no node erased its share');
    });
  });

  withClusterFlags(
    key.command('abort-op <name>').description('resolve an operation left pending (e.g. by a crash): cancel it and keep the old state, or finish it if some node already committed'),
    { admin: true, client: false },
  ).action(async (name: string, opts: ClusterFlags) =>
    withManager(opts, async (m) => {
      const r = await m.abortOp(name);
      out(r.outcome === 'none' ? `no pending operation on ${name}` : r.outcome === 'aborted' ? `aborted ${r.sessionId}; old state kept` : `${r.sessionId} was ready on every receiver; finished it everywhere`);
      if (r.unreachable.length > 0) throw new CliError(`nodes ${r.unreachable.join(',')} did not answer; run key abort-op ${name} again when they are back`);
    }),
  );

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
