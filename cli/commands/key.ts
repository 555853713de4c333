/** `splitkey key …`: import (dealer split), create, rotate, refresh, reshare, destroy, resolve-fork, abort-op, list, versions, info. */
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { fromHex, toHex } from '../../crypto/bytes.js';
import type { NodeFailure } from '../../client/errors.js';
import type { KeyManager } from '../../client/key-manager.js';
import type { OperationReport } from '../../client/lifecycle.js';
import type { KeyStatusResponse__Output } from '../../proto/gen/splitkey/v1/KeyStatusResponse.js';
import type { ListKeysResponse__Output } from '../../proto/gen/splitkey/v1/ListKeysResponse.js';
/** The client library, loaded when a key command runs (not for --help or a usage error). */
const lib = () => import('./key-lib.js');
import { adminFrom, clientFrom, DEFAULT_TIMEOUT_MS, withClusterFlags, type ClusterFlags } from '../context.js';
import { checkKeyNameArg, KEY_NAME_RULE, nodeList, thresholdValue, versionNumber } from '../options.js';
import { CliError, EXIT, info, out, outJson, plural } from '../output.js';

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
  const L = await lib();
  const admin = await adminFrom(opts);
  try {
    return await fn(await L.KeyManager.create(admin, (line) => info(`  ${line}`), { timeoutMs: opts.timeout }));
  } finally {
    admin.close();
  }
}

/** A threshold that fits the node set, or a sentence saying which would. */
function checkThreshold(t: number, nodes: number): number {
  if (t > nodes) throw new CliError(`--threshold ${t} is more than the ${plural(nodes, 'node')} that would hold the key; give at most ${nodes}`, EXIT.usage);
  return t;
}

/** Ask on a terminal for the key name before an irreversible step; without a terminal, refuse (pass --yes). */
async function confirmByName(name: string, verb: 'destroy' | 'erase', question: string): Promise<void> {
  if (!process.stdin.isTTY) throw new CliError(`refusing to ${verb === 'erase' ? 'erase shares' : verb} without confirmation: pass --yes`, EXIT.usage);
  const { createInterface } = await import('node:readline/promises');
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  const answer = await rl.question(`${question} Type the key name to confirm: `);
  rl.close();
  if (answer.trim() !== name) throw new CliError(`not confirmed; nothing ${verb === 'erase' ? 'erased' : 'destroyed'}`);
}

/** Signed receipts as JSON, to a file that must not exist yet. */
async function writeReceipts(path: string, content: unknown): Promise<void> {
  await writeFile(path, `${JSON.stringify(content, null, 2)}\n`, { flag: 'wx' }).catch((e: NodeJS.ErrnoException) => {
    throw new CliError(e.code === 'EEXIST' ? `${path} exists; choose another --receipt file` : `cannot write ${path}: ${e.message}`);
  });
}

const STATE_NAMES: Record<string, string> = { KEY_STATE_ACTIVE: 'active', KEY_STATE_DECRYPT_ONLY: 'decrypt-only', KEY_STATE_DESTROYED: 'destroyed' };

const nameHelp = `key name (tenant/label; ${KEY_NAME_RULE})`;

export function registerKey(program: Command): void {
  const key = program.command('key').description('manage keys (names are tenant/label)');

  withClusterFlags(
    key
      .command('import')
      .argument('<name>', nameHelp)
      .description('dealer import: split a known 32-byte secret scalar t-of-n over the nodes and send each node only its share; the dealer forgets the secret')
      .requiredOption('--secret-hex <hex>', "the scalar as RFC 9497 serializes it (32 bytes little-endian, like the vectors' skSm); '-' reads it from stdin, so it stays out of the process list")
      .option('--threshold <t>', "threshold t (default: the descriptor's defaultThreshold, else a majority)", thresholdValue)
      .option('--version <v>', 'version number, 1 or more (default: next free)', versionNumber),
    { admin: true, client: false },
  ).action(async (name: string, opts: ClusterFlags & { secretHex: string; threshold?: number; version?: number }) => {
    const L = await lib();
    checkKeyNameArg(name);
    const admin = await adminFrom(opts);
    try {
      const hex = opts.secretHex === '-' ? await readStdin() : opts.secretHex;
      let secret: Uint8Array;
      try {
        secret = fromHex(hex.trim(), '--secret-hex');
      } catch {
        throw new CliError('--secret-hex must be 64 hex digits (32 bytes)', EXIT.usage);
      }
      if (secret.length !== 32) throw new CliError('--secret-hex must be 64 hex digits (32 bytes)', EXIT.usage);
      const n = admin.channels.nodes.length;
      const t = checkThreshold(opts.threshold ?? admin.channels.descriptor.defaultThreshold ?? Math.floor(n / 2) + 1, n);
      const { version, publicKey } = await admin.importKey(name, secret, t, { version: opts.version });
      secret.fill(0);
      out(`imported ${name} version ${version}: ${t}-of-${n}, pkS ${toHex(publicKey)}`);
      for (const p of L.checkFailureDomains(admin.channels.nodes, t)) info(`warning: ${p}`);
    } finally {
      admin.close();
    }
  });

  withClusterFlags(
    key
      .command('create')
      .argument('<name>', nameHelp)
      .description('create a key by distributed key generation (Pedersen DKG with a complaint round): no one, not even the operator, ever knows it')
      .option('--threshold <t>', "threshold t (default: the descriptor's defaultThreshold, else a majority)", thresholdValue)
      .option('--nodes <list>', 'node indices, e.g. 1,2,3,4,5 (default: every node)', nodeList),
    { admin: true, client: false },
  ).action(async (name: string, opts: ClusterFlags & { threshold?: number; nodes?: number[] }) => {
    const L = await lib();
    checkKeyNameArg(name);
    await withManager(opts, async (m) => {
      const known = m.admin.channels.nodes.map((n) => n.index);
      const unknown = (opts.nodes ?? []).filter((i) => !known.includes(i));
      if (unknown.length > 0) throw new CliError(`--nodes names ${unknown.join(',')}, which the cluster descriptor does not list (it has ${known.join(',')})`, EXIT.usage);
      const nodes = opts.nodes ?? known;
      const t = checkThreshold(opts.threshold ?? m.admin.channels.descriptor.defaultThreshold ?? Math.floor(nodes.length / 2) + 1, nodes.length);
      try {
        report(await m.createKey(name, t, nodes));
      } catch (e) {
        // The library reports an existing key with the code of a missing one; say what it is.
        if (e instanceof L.KeyError && /already exists/.test(e.message)) {
          throw new CliError(`key ${name} already exists; to add a version run: splitkey key rotate ${name}`);
        }
        throw e;
      }
      for (const p of L.checkFailureDomains(m.admin.channels.nodes.filter((n) => nodes.includes(n.index)), t)) info(`warning: ${p}`);
    });
  });

  withClusterFlags(
    key.command('rotate').argument('<name>', nameHelp).description('add a new version by DKG; new encryptions use it, older versions stay decryptable (decrypt-only) until destroyed'),
    { admin: true, client: false },
  ).action(async (name: string, opts: ClusterFlags) => {
    checkKeyNameArg(name);
    await withManager(opts, async (m) => report(await m.rotate(name)));
  });

  withClusterFlags(
    key
      .command('refresh')
      .argument('<name>', nameHelp)
      .description('proactive refresh: re-randomize every share (same pkS, new pk_i, epoch + 1, old shares erased)')
      .option('--version <v>', 'only this version, 1 or more (default: every live version)', versionNumber),
    { admin: true, client: false },
  ).action(async (name: string, opts: ClusterFlags & { version?: number }) => {
    checkKeyNameArg(name);
    await withManager(opts, async (m) => {
      const versions = opts.version !== undefined ? [opts.version] : await m.liveVersions(name);
      if (versions.length === 0) throw new CliError(`no live version of ${name} is agreed by enough nodes; nothing refreshed`);
      for (const v of versions) report(await m.refresh(name, v));
    });
  });

  withClusterFlags(
    key
      .command('reshare')
      .argument('<name>', nameHelp)
      .description('move versions to a new node set and/or threshold with the same pkS; joining nodes get shares, leaving nodes erase theirs')
      .option('--nodes <list>', 'new node indices, e.g. 1,2,4,6,7', nodeList)
      .option('--to-cluster <file>', "move to the nodes of another cluster descriptor (same CA; indices distinct from the current nodes')")
      .requiredOption('--threshold <t>', 'new threshold', thresholdValue)
      .option('--version <v>', 'only this version, 1 or more (default: every live version)', versionNumber),
    { admin: true, client: false },
  ).action(async (name: string, opts: ClusterFlags & { nodes?: number[]; toCluster?: string; threshold: number; version?: number }) => {
    const L = await lib();
    checkKeyNameArg(name);
    if (!opts.nodes === !opts.toCluster) throw new CliError('give exactly one of --nodes and --to-cluster', EXIT.usage);
    const admin = await adminFrom(opts);
    let receivers = opts.nodes;
    let channels = admin.channels;
    if (opts.toCluster) {
      const target = await L.loadClusterDescriptor(opts.toCluster);
      const merged = L.mergeDescriptors(admin.channels.descriptor, target);
      receivers = target.nodes.map((n) => n.index);
      channels = new L.NodeChannels(merged, await L.resolveCredentials({ ca: opts.ca, cert: opts.adminCert, key: opts.adminKey }, merged, 'SPLITKEY_ADMIN'));
      admin.close();
    }
    checkThreshold(opts.threshold, receivers!.length);
    const manager = await L.KeyManager.create(new L.AdminClient(channels), (line) => info(`  ${line}`), { timeoutMs: opts.timeout });
    try {
      const versions = opts.version !== undefined ? [opts.version] : await manager.liveVersions(name);
      if (versions.length === 0) throw new CliError(`no live version of ${name} is agreed by enough nodes; nothing reshared`);
      for (const v of versions) report(await manager.reshare(name, v, receivers!, opts.threshold));
      if (opts.toCluster) info(`done: point appliances at ${opts.toCluster}`);
    } finally {
      manager.admin.close();
    }
  });

  withClusterFlags(
    key
      .command('destroy')
      .argument('<name>', nameHelp)
      .description('erase every share of a version: data under it becomes undecryptable (crypto-shredding)')
      .requiredOption('--version <v>', 'version to destroy, 1 or more', versionNumber)
      .option('--receipt <file>', 'write the nodes’ signed destroy receipts here (check them with splitkey receipt verify FILE)')
      .option('--yes', 'do not ask for confirmation'),
    { admin: true, client: false },
  ).action(async (name: string, opts: ClusterFlags & { version: number; yes?: boolean; receipt?: string }) => {
    checkKeyNameArg(name);
    if (opts.receipt && existsSync(opts.receipt)) throw new CliError(`${opts.receipt} exists; choose another --receipt file`, EXIT.usage);
    if (!opts.yes) await confirmByName(name, 'destroy', `Destroy ${name} version ${opts.version}? Data under it can never be decrypted again.`);
    await withManager(opts, async (m) => {
      // Who holds the version, as t nodes agree (else: every node may).
      const agreed = (await m.versions(name)).find((v) => v.version === opts.version);
      const r = await m.destroy(name, opts.version, agreed);
      // Every node that did not answer counts, holder of the agreed record or not: a node outside
      // it may hold a pending session's share of the version (a new holder of an unfinished
      // reshare); the destroy drops it there once it answers. NOT_FOUND means it holds nothing.
      const stillHolding = r.unreachable;
      if (r.destroyed.length > 0) out(`${name} version ${opts.version}: share erased on nodes ${r.destroyed.join(',')}`);
      // The signed destroy order reaches nodes that missed the destroy through the nodes that keep it.
      const withoutOrder = r.destroyed.filter((n) => !r.orderKept.includes(n));
      if (r.orderKept.length > 0) out(`signed destroy order kept on nodes ${r.orderKept.join(',')}: a node that missed the destroy erases its share when one of them shows it the order`);
      if (withoutOrder.length > 0) {
        info(
          `warning: node${withoutOrder.length > 1 ? 's' : ''} ${withoutOrder.join(',')} erased ${withoutOrder.length > 1 ? 'their shares' : 'its share'} but keep${withoutOrder.length > 1 ? '' : 's'} no signed destroy order` +
            (r.orderKept.length === 0 && agreed === undefined ? ' (none was sent: no record of the version that t nodes agree on)' : ' (see the node log for why; insecure-loopback nodes keep none)') +
            '; a node that missed the destroy then needs t reports of it, or this command run again',
        );
      }
      if (opts.receipt) {
        const bundle = (await lib()).receiptBundle(name, opts.version, agreed, r.receipts);
        await writeReceipts(opts.receipt, bundle);
        out(`receipts of nodes ${r.receipts.map((x) => x.node).join(',') || '(none)'} written to ${opts.receipt}`);
      }
      if (stillHolding.length > 0) {
        const who = stillHolding.map((u) => `node ${u.index} (${u.reason})`).join(', ');
        throw new CliError(
          `${name} version ${opts.version} is not destroyed everywhere: ${who} not reached and may still hold its share; ` +
            `run "splitkey key destroy ${name} --version ${opts.version} --yes" again when ${stillHolding.length === 1 ? 'it is' : 'they are'} back, for ${stillHolding.length === 1 ? 'its' : 'their'} signed receipt ` +
            `(a node that comes back erases its share on its own when a peer shows it this destroy's signed order, or t of the record's nodes report it destroyed, at start and every reconcileSeconds, but signs no receipt for it)`,
          r.destroyed.length > 0 ? EXIT.incomplete : EXIT.failed,
        );
      }
      if (r.destroyed.length === 0) {
        const why = [...r.unreachable.map((u) => `node ${u.index}: ${u.reason}`), ...(r.holdsNothing.length > 0 ? [`node${r.holdsNothing.length > 1 ? 's' : ''} ${r.holdsNothing.join(',')} hold${r.holdsNothing.length > 1 ? '' : 's'} no such version`] : [])];
        throw new CliError(`no node erased a share of ${name} version ${opts.version}: ${why.join('; ')}`);
      }
    });
  });

  withClusterFlags(
    key
      .command('resolve-fork')
      .argument('<name>', nameHelp)
      .description("repair a version forked into two records of one key (two refreshes or reshares of one record that both committed): keep one branch, erase the version's share on the other branches' holders (and on nodes holding other records of the key that would bring the fork back)")
      .requiredOption('--version <v>', 'the forked version, 1 or more', versionNumber)
      .requiredOption('--keep <list>', 'the holders of the branch to keep, e.g. 2,4,5 (splitkey status lists each branch and its live holders; it needs t + minThreshold − 1 live ones)', nodeList)
      .option('--receipt <file>', 'write the erasing nodes’ signed destroy receipts here')
      .option('--yes', 'do not ask for confirmation'),
    { admin: true, client: false },
  ).action(async (name: string, opts: ClusterFlags & { version: number; keep: number[]; yes?: boolean; receipt?: string }) => {
    checkKeyNameArg(name);
    if (opts.receipt && existsSync(opts.receipt)) throw new CliError(`${opts.receipt} exists; choose another --receipt file`, EXIT.usage);
    if (!opts.yes) await confirmByName(name, 'erase', `Erase the other branches of ${name} version ${opts.version}, keeping the branch on nodes ${opts.keep.join(',')}?`);
    await withManager(opts, async (m) => {
      const r = await m.resolveFork(name, opts.version, opts.keep);
      out(`${name} version ${opts.version}: kept epoch ${r.kept.epoch} on nodes ${r.kept.holders.join(',')}; ${r.erased.length > 0 ? `share erased on nodes ${r.erased.join(',')}` : 'nothing erased'}`);
      if (opts.receipt) {
        await writeReceipts(opts.receipt, { keyName: name, version: opts.version, receipts: r.receipts });
        out(`receipts of nodes ${r.receipts.map((x) => x.node).join(',') || '(none)'} written to ${opts.receipt}`);
      }
      if (r.unreachable.length === 0 && r.unasked.length > 0) {
        throw new CliError(
          `${plural(r.unasked.length, 'node')} did not answer when the records were read (${r.unasked.map((u) => `node ${u.node}: ${u.reason}`).join('; ')}): a branch ${r.unasked.length > 1 ? 'they hold' : 'it holds'} would bring the fork back; run splitkey status when ${r.unasked.length > 1 ? 'they are' : 'it is'} back, and this command again if it shows the fork`,
          EXIT.incomplete,
        );
      }
      if (r.unreachable.length > 0) {
        throw new CliError(
          `${plural(r.unreachable.length, 'node')} of the other branches not reached or refused (${r.unreachable.map((u) => `node ${u.index}: ${u.reason}`).join('; ')}): the fork stays until ${r.unreachable.length > 1 ? 'they are' : 'it is'} erased; run the same command again when ${r.unreachable.length > 1 ? 'they are' : 'it is'} back`,
          r.erased.length > 0 ? EXIT.incomplete : EXIT.failed,
        );
      }
    });
  });

  withClusterFlags(
    key
      .command('abort-op')
      .argument('<name>', nameHelp)
      .description('resolve an operation left pending (e.g. by a crash): cancel it and keep the old state, or finish it if some node already committed'),
    { admin: true, client: false },
  ).action(async (name: string, opts: ClusterFlags) => {
    const L = await lib();
    checkKeyNameArg(name);
    await withManager(opts, async (m) => {
      // The coordinator counts a silent node as "nothing pending"; ask first who answers at all.
      const all = m.admin.channels.nodes.map((n) => n.index);
      const { failures } = await L.askNodes(all, (i) => L.adminCall(m.admin, i, 'KeyStatus', { keyName: name }, opts.timeout ?? DEFAULT_TIMEOUT_MS));
      const silent = failures.filter((f) => f.reason !== 'not found');
      L.requireAnswers(m.admin.channels.nodes.length - silent.length, silent);
      const r = await m.abortOp(name);
      const missed = silent.filter((f) => r.unreachable.includes(f.index));
      const gone = missed.length > 0 ? L.describeFailures(missed) : r.unreachable.map((i) => `node ${i}`).join(', ');
      if (r.outcome === 'none') {
        if (r.unreachable.length > 0) throw new CliError(`no pending operation on ${name} on the nodes that answered, but ${gone} did not; run abort-op again when they are back`, EXIT.incomplete);
        out(`no pending operation on ${name}`);
        return;
      }
      out(r.outcome === 'aborted' ? `aborted ${r.sessionId}; old state kept` : `${r.sessionId} was ready on every receiver; finished it everywhere`);
      if (r.unreachable.length > 0) throw new CliError(`${gone} did not answer; run key abort-op ${name} again when they are back`, EXIT.incomplete);
    });
  });

  withClusterFlags(key.command('list').description('keys and their versions with states, from every node').option('--tenant <tenant>', 'only this tenant'), { admin: true, client: false, output: true }).action(
    async (opts: ClusterFlags & { tenant?: string }) => {
      const L = await lib();
      const admin = await adminFrom(opts);
      try {
        const timeout = opts.timeout ?? DEFAULT_TIMEOUT_MS;
        const all = admin.channels.nodes.map((n) => n.index);
        const { ok, failures } = await L.askNodes(all, (i) => L.adminCall<ListKeysResponse__Output>(admin, i, 'ListKeys', { tenant: opts.tenant ?? '' }, timeout));
        L.requireAnswers(ok.size, failures);
        const names = new Set<string>();
        for (const res of ok.values()) for (const k of res.keys) names.add(k.keyName);
        const keys = [];
        for (const keyName of [...names].sort()) {
          // Each version's state as the nodes report it: destroyed is one-way, so one voice wins;
          // otherwise the state most nodes report.
          const status = await L.askNodes([...ok.keys()], (i) => L.adminCall<KeyStatusResponse__Output>(admin, i, 'KeyStatus', { keyName }, timeout));
          const states = new Map<number, string[]>();
          for (const res of status.ok.values()) for (const v of res.info?.versions ?? []) states.set(v.version, [...(states.get(v.version) ?? []), STATE_NAMES[v.state] ?? v.state]);
          for (const res of ok.values()) for (const k of res.keys) if (k.keyName === keyName) for (const v of k.versions) if (!states.has(v)) states.set(v, []);
          const versions = [...states]
            .sort((a, b) => a[0] - b[0])
            .map(([version, said]) => ({ version, state: said.includes('destroyed') ? 'destroyed' : mostCommon(said) ?? 'unknown', nodes: said.length }));
          keys.push({ keyName, versions });
        }
        if (opts.output === 'json') outJson({ keys, failures: failures.map(failureJson) });
        else for (const k of keys) out(`${k.keyName}\t${k.versions.map((v) => `${v.version} (${v.state})`).join(', ')}`);
        if (failures.length > 0) {
          if (opts.output !== 'json') for (const f of failures) info(`warning: node ${f.index}: ${f.reason} (${f.detail})`);
          throw new CliError(`incomplete: ${plural(failures.length, 'node')} of ${admin.channels.nodes.length} did not answer; keys only they hold are missing`, EXIT.incomplete);
        }
      } finally {
        admin.close();
      }
    },
  );

  withClusterFlags(
    key
      .command('versions')
      .argument('<name>', nameHelp)
      .description("the operator's view of a key: each version's record as t of its holders agree on it (threshold, node set, epoch, holders), and under the quorum policy the node list it was created under and how many participants a refresh or reshare from it needs; suspects, refused and forked versions"),
    { admin: true, client: false, output: true },
  ).action(async (name: string, opts: ClusterFlags) => {
    checkKeyNameArg(name);
    await withManager(opts, async (m) => {
      const a = await m.agreement(name, { timeoutMs: opts.timeout ?? DEFAULT_TIMEOUT_MS });
      const rows = a.versions.map((v) => {
        const needs = m.sessionQuorum(v.t, v.quorum);
        return {
          version: v.version,
          state: v.state.replace(/^KEY_STATE_/, '').toLowerCase().replace('_', '-'),
          threshold: v.t,
          nodes: v.nodeIndices,
          epoch: v.epoch,
          holders: v.holders,
          ...(v.quorum ? { createdUnder: v.quorum } : {}),
          ...(needs ? { lifecycleQuorum: { nodes: [...needs.universe.nodes], from: needs.fromRecord ? 'record' : 'descriptor', t: needs.t, participants: needs.q } } : {}),
        };
      });
      if (opts.output === 'json') {
        outJson({ keyName: name, versions: rows, suspects: a.suspects, refused: a.refused, forks: a.forks, unreachable: a.unreachable });
      } else {
        if (rows.length === 0) out(`${name}: no version that t of its holders agree on`);
        for (const r of rows) {
          out(`${name} version ${r.version}: ${r.state}, ${r.threshold}-of-${r.nodes.length} on nodes ${r.nodes.join(',')}, epoch ${r.epoch}, reported by ${r.holders.join(',')}`);
          if (r.createdUnder) out(`  created under nodes ${r.createdUnder.nodes.join(',')} (minThreshold ${r.createdUnder.minThreshold})`);
          const q = r.lifecycleQuorum;
          if (q) out(`  refresh/reshare needs ${q.participants} participants among nodes ${q.nodes.join(',')} (${q.from === 'record' ? "the record's list" : 'the descriptor: the record names no list t holders agree on'}; ⌈(n + t)/2⌉, t = ${q.t}); witnesses are added`);
        }
        for (const x of a.suspects) info(`warning: node ${x.index} disagrees with the quorum on version ${x.version}: ${x.reason}`);
        for (const r of a.refused) if (!a.forks.some((f) => f.version === r.version)) info(`warning: version ${r.version} refused: ${r.reason} (nodes ${r.nodes.join(',')})`);
        for (const f of a.forks) info(`warning: version ${f.version} is forked: ${f.reason}`);
      }
      if (a.unreachable.length > 0) {
        const who = a.unreachable.map((u) => `node ${u.node} (${u.reason})`).join(', ');
        throw new CliError(`incomplete: ${who} did not answer; a version only they hold, or their disagreement, is missing`, EXIT.incomplete);
      }
    });
  });

  withClusterFlags(key.command('info').argument('<name>', nameHelp).description('public information on a key as at least t nodes agree on it (pkS, pk_i, state, epoch)'), { output: true }).action(
    async (name: string, opts: ClusterFlags) => {
      checkKeyNameArg(name);
      const client = await clientFrom(opts);
      try {
        const key = await client.keyInfo(name);
        if (opts.output === 'json') {
          outJson({
            keyName: name,
            versions: key.versions.map((v) => ({
              version: v.version,
              state: v.state,
              threshold: v.threshold,
              nodes: v.nodeIndices,
              epoch: Number(v.epoch),
              publicKey: toHex(v.publicKey),
              publicShares: Object.fromEntries([...v.publicShares].map(([i, pk]) => [String(i), toHex(pk)])),
            })),
            failures: key.failures.map(failureJson),
            refused: key.refused,
            forks: key.forks,
            suspects: key.suspects,
          });
        } else {
          for (const v of key.versions) {
            out(`${name} version ${v.version}: ${v.state}, ${v.threshold}-of-${v.nodeIndices.length} on nodes ${v.nodeIndices.join(',')}, epoch ${v.epoch}`);
            out(`  pkS  ${toHex(v.publicKey)}`);
            for (const [i, pk] of v.publicShares) out(`  pk_${i} ${toHex(pk)}`);
          }
          for (const f of key.failures) info(`warning: node ${f.index}: ${f.reason} (${f.detail})`);
          for (const r of key.refused) info(`warning: version ${r.version} refused: ${r.reason} (nodes ${r.nodes.join(',')})`);
          for (const f of key.forks) info(`warning: ${f.reason}; the other branch${f.branches.length > 2 ? 'es are' : ' is'} tried when it cannot answer`);
          for (const x of key.suspects) info(`warning: node ${x.index} disagrees with the quorum on version ${x.version}: ${x.reason}`);
        }
      } finally {
        await client.close();
      }
    },
  );
}

const failureJson = (f: NodeFailure) => ({ node: f.index, reason: f.reason, detail: f.detail });

function mostCommon(values: string[]): string | undefined {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1])[0]?.[0];
}
