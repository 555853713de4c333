/**
 * Fork prevention by quorum-sized sessions (docs/fork-prevention.md, the descriptor's
 * `lifecycleQuorum`). attack6 A6-1 and A6-2 fork a version without the policy: two reshares of
 * one record, whose participant sets meet only in the liar, both commit. With the policy every
 * node refuses a refresh or reshare with fewer than q = ⌈(n + t)/2⌉ participants (t the old
 * record's threshold, at least minThreshold)
 * (receivers, dealers, witnesses), so two sessions from one record always share an honest node.
 * That node holds one session per key at a time, and remembers for good which session it
 * committed from a record; every committing node asks it. The same attacks are run here against
 * the policy, with every choice of witnesses the attacker has.
 *
 * Threat model as attack6: a malicious coordinator (lifecycle capabilities, tells each node its
 * own parameters) plus minThreshold − 1 liars that write what they like into their own store.
 * Real nodes over mTLS with LevelDB.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ClusterDescriptor } from '../../client/descriptor.js';
import { unaryCall } from '../../client/channels.js';
import { KeyManager } from '../../client/key-manager.js';
import { GrpcLifecycleTransport } from '../../client/lifecycle-grpc.js';
import { fromHex, prepareParticipant, recordDigest, toHex, transcriptHash, utf8, type OperationParams } from '../../crypto/index.js';
import { adversary, group, rng, settle } from '../helpers/adversary.js';
import { startTestCluster, type TestCluster } from '../helpers/cluster.js';

let cluster: TestCluster | undefined;
const { adminClient, tenantClient, closeClients, driveSplit, records, freshOutput, createV1, splitkeyCli } = adversary(() => cluster!);

afterEach(async () => {
  await closeClients();
  await cluster?.stop();
  cluster = undefined;
});

/** v1 2-of-3 on {1,2,3} in an n-node cluster with the quorum policy on. */
async function setupV1(n: number, name: string) {
  cluster = await startTestCluster({ n, minThreshold: 2, lifecycleQuorum: true });
  const { tr, m, v, old } = await createV1(name, [1, 2, 3]);
  const input = utf8('volume-7');
  const before = toHex(await (await tenantClient('acme')).oprf(name, input, { version: 1 }));
  return { tr, m, v, old, input, before };
}

/**
 * The running cluster's descriptor file (every node reads it, and re-reads it when it changes):
 * the full descriptor, one naming only some of its nodes (with fields overridden), and a writer
 * that gives the nodes a moment to see the new file.
 */
async function descriptorFile() {
  const path = join(cluster!.dir, 'cluster.json');
  const full = JSON.parse(await readFile(path, 'utf8')) as ClusterDescriptor;
  const only = (indices: number[], over: Partial<ClusterDescriptor> = {}): ClusterDescriptor => ({ ...full, ...over, nodes: full.nodes.filter((n) => indices.includes(n.index)) });
  const write = async (d: ClusterDescriptor) => {
    await writeFile(path, JSON.stringify(d));
    await new Promise((r) => setTimeout(r, 60));
  };
  return { full, only, write };
}

/** The list of an n-node descriptor with minThreshold 2: what an honest coordinator names as nextQuorum. */
const everyNode = (n: number) => ({ nodes: Array.from({ length: n }, (_, i) => i + 1), minThreshold: 2 });

const liarShareOf = (name: string) => Uint8Array.from(cluster!.nodes[2]!.store.currentShare(name, 1)!);

describe('lifecycleQuorum: two sessions from one record never both commit', () => {
  it('a refresh or reshare with fewer than ⌈(n + t)/2⌉ participants is refused by every node at prepare', { timeout: 60_000 }, async () => {
    const name = 'acme/quorum-small';
    const { tr, v, old } = await setupV1(5, name);
    // n = 5, minThreshold 2: q = 4. A refresh of {1,2,3} alone has 3 participants.
    const p: OperationParams = { sessionId: 'e1'.repeat(16), kind: 'refresh', keyName: name, version: 1, t: 2, receivers: [1, 2, 3], dealers: [1, 2, 3], epoch: v.epoch + 1, old, nextQuorum: everyNode(5) };
    for (const n of [1, 2, 3]) {
      const r = await settle(tr.prepare(n, p));
      expect(r.ok ? 'prepared' : r.e).toMatch(/has 3 participant\(s\) among the 5 nodes its record was created under; the cluster's policy \(lifecycleQuorum\) needs ⌈\(n \+ t\)\/2⌉ = 4 of them \(t = 2: the record's threshold, at least minThreshold\).*add witnesses/);
    }
    for (const n of [1, 2, 3]) expect(await cluster!.nodes[n - 1]!.store.loadOperation(name)).toBeUndefined();
  });

  /**
   * A6-1 against the policy. n = 6, q = 4, liar 3. S_main (dealers {2,3} → {2,4,5}) is ready on
   * 2,3,4,5 and node 2 committed it. S_fork (dealers {1,3} → {1,3,6}) needs one witness more; every
   * candidate is taken: 2 committed a session from this record, 4 and 5 hold S_main. Without a
   * witness every honest participant refuses it. The liar's fake "committed" has nothing to waive.
   * S_main then finishes, and clients are served v1 unchanged.
   */
  it('A6-1q: the liar\'s "committed" does not fork: no witness can be found for a rival session', { timeout: 90_000 }, async () => {
    const name = 'acme/quorum-a61';
    const { tr, old, v, input, before } = await setupV1(6, name);
    const liarShare = liarShareOf(name);
    const liar = cluster!.nodes[2]!.store;
    const main: OperationParams = { sessionId: 'a1'.repeat(16), kind: 'reshare', keyName: name, version: 1, t: 2, receivers: [2, 4, 5], dealers: [2, 3], epoch: v.epoch + 1, old, nextQuorum: everyNode(6) };
    const logM = await driveSplit(tr, () => main, main, new Map([[3, liarShare]]), { noCommit: [3, 4, 5] });
    expect(logM, logM.join(' | ')).toContain('commit 2: true');
    const liarMain = (await liar.loadOperation(name))!;
    await liar.deleteOperation(name);
    const attempts: string[] = [];
    for (const witnesses of [[], [2], [4], [5], [2, 4], [4, 5]]) {
      const fork: OperationParams = { sessionId: `f${witnesses.join('')}`.padEnd(32, 'f'), kind: 'reshare', keyName: name, version: 1, t: 2, receivers: [1, 3, 6], dealers: [1, 3], epoch: v.epoch + 1, old, nextQuorum: everyNode(6), ...(witnesses.length ? { witnesses } : {}) };
      const log = await driveSplit(tr, () => fork, fork, new Map([[3, liarShare]]), { noCommit: [1, 3, 6, ...witnesses] });
      // The lie: the liar "commits" the fork in its own store, so that its SessionState says committed.
      const liarFork = await liar.loadOperation(name);
      if (liarFork?.phase === 'ready') await liar.commitOperation(liarFork);
      else if (liarFork) await liar.deleteOperation(name);
      const commits: string[] = [];
      for (const n of [1, 6, ...witnesses]) {
        const r = await settle(tr.commit(n, name, fork.sessionId));
        commits.push(`commit ${n}: ${r.ok ? r.v : r.e}`);
      }
      attempts.push(`witnesses [${witnesses.join(',')}]: ${log.join(' | ')} || ${commits.join(' | ')}`);
      for (const n of [1, 6, ...witnesses]) await settle(tr.abort(n, name, fork.sessionId));
      // The liar takes S_main up again for the next attempt (it holds the old share still).
      await liar.saveOperation(liarMain, 'restore');
    }
    const detail = attempts.join('\n');
    expect(detail).not.toMatch(/commit \d: true/);
    // Each attempt was stopped at prepare by an honest node.
    expect(attempts.every((a) => /prepare \d: [^|]*(lifecycleQuorum|pending|committed session)/.test(a)), detail).toBe(true);
    for (const n of [4, 5]) expect(await tr.commit(n, name, main.sessionId), detail).toBe(true);
    expect(await freshOutput(name, input), `${detail}\n${records(name, 1)}`).toBe(before);
  });

  /**
   * A6-2 against the policy. n = 7, q = 5, liar 3. S_fork (dealers {1,3} → {1,3,7}) with witnesses
   * {5,6} is ready. S_fork's honest receivers 1 and 7 go out of reach, as in A6-2; the coordinator
   * tries S_main (dealers {2,3} → {4,5,6}) and with witnesses instead of receivers: 5 of the 7
   * nodes are needed and only 2, 4 and the liar are free. Aborting S_fork on its witnesses to
   * free them is refused while 1 and 7 cannot be asked. Back in reach, S_fork commits alone.
   */
  it('A6-2q: with S_fork\'s honest receivers unreachable, no rival session gathers a quorum, and S_fork\'s witnesses cannot be freed', { timeout: 90_000 }, async () => {
    const name = 'acme/quorum-a62';
    const { tr, old, v, input, before } = await setupV1(7, name);
    const liarShare = liarShareOf(name);
    const liar = cluster!.nodes[2]!.store;
    const fork: OperationParams = { sessionId: 'f3'.repeat(16), kind: 'reshare', keyName: name, version: 1, t: 2, receivers: [1, 3, 7], dealers: [1, 3], epoch: v.epoch + 1, old, nextQuorum: everyNode(7), witnesses: [5, 6] };
    const logF = await driveSplit(tr, () => fork, fork, new Map([[3, liarShare]]), { noCommit: [1, 3, 5, 6, 7] });
    expect(logF.filter((l) => l.startsWith('finalize')), logF.join(' | ')).toEqual(['finalize 1: ok', 'finalize 3: ok', 'finalize 5: ok', 'finalize 6: ok', 'finalize 7: ok']);
    // The liar drops S_fork to join whatever rival comes (and takes it up again at the end).
    const liarFork = (await liar.loadOperation(name))!;
    await liar.deleteOperation(name);
    await cluster!.stopNode(1);
    await cluster!.stopNode(7);
    const tries: string[] = [];
    const aborts: string[] = [];
    for (const n of [5, 6]) {
      const r = await settle(tr.abort(n, name, fork.sessionId));
      aborts.push(`abort ${n}: ${r.ok ? `'${r.v}'` : r.e}`);
    }
    const mains: OperationParams[] = [
      { sessionId: 'a3'.repeat(16), kind: 'reshare', keyName: name, version: 1, t: 2, receivers: [4, 5, 6], dealers: [2, 3], epoch: v.epoch + 1, old, nextQuorum: everyNode(7) },
      { sessionId: 'a4'.repeat(16), kind: 'reshare', keyName: name, version: 1, t: 2, receivers: [2, 3, 4], dealers: [2, 3], epoch: v.epoch + 1, old, nextQuorum: everyNode(7), witnesses: [5, 6] },
      { sessionId: 'a5'.repeat(16), kind: 'reshare', keyName: name, version: 1, t: 2, receivers: [2, 3, 4], dealers: [2, 3], epoch: v.epoch + 1, old, nextQuorum: everyNode(7) },
    ];
    let mainCommitted = false;
    for (const main of mains) {
      const log = await driveSplit(tr, () => main, main, new Map([[3, liarShare]]));
      tries.push(`${main.sessionId.slice(0, 2)}: ${log.join(' | ')}`);
      if (log.some((l) => /^commit [2456]: true$/.test(l))) mainCommitted = true;
      for (const n of [2, 4, 5, 6]) await settle(tr.abort(n, name, main.sessionId));
      await liar.deleteOperation(name);
    }
    await cluster!.start(1);
    await cluster!.start(7);
    // S_fork commits once its participants are back (the liar plays along).
    await liar.saveOperation(liarFork, 'restore');
    const commits: string[] = [];
    for (const n of [1, 7, 5, 6]) {
      const r = await settle(tr.commit(n, name, fork.sessionId));
      commits.push(`commit fork ${n}: ${r.ok ? r.v : r.e}`);
    }
    const detail = `aborts: ${aborts.join(' | ')}\nmain: ${tries.join('\n')}\nfork: ${commits.join(' | ')}\n${records(name, 1)}`;
    for (const a of aborts) expect(a, detail).toMatch(/cannot be asked/);
    expect(mainCommitted, detail).toBe(false);
    for (const n of [2, 4, 5, 6]) expect(cluster!.nodes[n - 1]!.store.currentShare(name, 1) !== undefined, `node ${n}: ${detail}`).toBe(n === 2);
    expect(commits.filter((c) => /^commit fork [17]: true$/.test(c)).length, detail).toBe(2);
    expect(await freshOutput(name, input), detail).toBe(before);
  });

  it('a node that committed a session from a record, in any role, refuses every other session from it (a witness too)', { timeout: 60_000 }, async () => {
    const name = 'acme/quorum-consumed';
    const { tr, m, old, v } = await setupV1(5, name);
    // The operator's refresh picks its witness itself (q = 4: one more than {1,2,3}).
    const report = await m.refresh(name, 1);
    const from = recordDigest({ version: 1, threshold: old.t, nodeIndices: old.nodeIndices, commitments: old.commitments.map((c) => fromHex(c)), epoch: old.epoch, lineage: old.lineage ?? [] });
    const marks = await Promise.all([1, 2, 3, 4, 5].map((n) => cluster!.nodes[n - 1]!.store.consumedBy(name, 1, from)));
    expect(marks.filter((x) => x === report.sessionId).length).toBe(4);
    const witness = marks.findIndex((x, i) => x === report.sessionId && i >= 3) + 1;
    expect([4, 5]).toContain(witness);
    // The witness's store holds nothing of v1, before and after.
    expect(() => cluster!.nodes[witness - 1]!.store.resolve(name, 1)).toThrow(/no version 1|not found/);
    // A coordinator replays a session from the old record with the same witness: refused there.
    const replay: OperationParams = { sessionId: 'b1'.repeat(16), kind: 'reshare', keyName: name, version: 1, t: 2, receivers: [1, 2, 3], dealers: [1, 2], epoch: v.epoch + 1, old, nextQuorum: everyNode(5), witnesses: [witness] };
    const r = await settle(tr.prepare(witness, replay));
    expect(r.ok ? 'prepared' : r.e).toMatch(new RegExp(`committed session ${report.sessionId} from this record`));
  });

  it('the operator\'s refresh and reshare add witnesses; with too few nodes up they refuse before anything starts, and work again once one is back', { timeout: 90_000 }, async () => {
    const name = 'acme/quorum-operator';
    const { m, input, before } = await setupV1(5, name);
    const reshared = await m.reshare(name, 1, [1, 2, 4], 2);
    expect(reshared.epoch).toBe(2);
    await cluster!.stopNode(3);
    await cluster!.stopNode(5);
    // {1,2,4} and nothing else answering: 3 of the q = 4 needed.
    const m2 = await KeyManager.create(await adminClient());
    const refused = await settle(m2.refresh(name, 1));
    expect(refused.ok ? 'refreshed' : refused.e).toMatch(/lifecycleQuorum.*needs 4 = ⌈\(n \+ t\)\/2⌉ \(t = 2: .*\) of the 5 nodes the record was created under \(1,2,3,4,5\).*only 0 other node\(s\) of them answered/);
    for (const n of [1, 2, 4]) expect(await cluster!.nodes[n - 1]!.store.loadOperation(name)).toBeUndefined();
    await cluster!.start(5);
    const m3 = await KeyManager.create(await adminClient());
    const refreshed = await m3.refresh(name, 1);
    expect(refreshed.epoch).toBe(3);
    expect(toHex(await (await tenantClient('acme')).oprf(name, input, { version: 1 }))).toBe(before);
  });
});

describe('lifecycleQuorum: the operator\'s witnesses', () => {
  it('a candidate that refuses to witness (busy with another session of the key) is replaced by the next one', { timeout: 60_000 }, async () => {
    const name = 'acme/quorum-busy';
    const { m, old, v, input, before } = await setupV1(5, name);
    // Node 4, the first candidate, holds a session of this key that never finishes.
    const stuck: OperationParams = { sessionId: 'ee'.repeat(16), kind: 'reshare', keyName: name, version: 1, t: 2, receivers: [2, 3, 4], dealers: [2, 3], epoch: v.epoch + 1, old, nextQuorum: everyNode(5), witnesses: [5] };
    await cluster!.nodes[3]!.store.saveOperation(prepareParticipant(group, stuck, 4, rng), 'prepare');
    const report = await m.refresh(name, 1);
    expect(report.epoch).toBe(v.epoch + 1);
    const from = recordDigest({ version: 1, threshold: old.t, nodeIndices: old.nodeIndices, commitments: old.commitments.map((c) => fromHex(c)), epoch: old.epoch, lineage: old.lineage ?? [] });
    expect(await cluster!.nodes[4]!.store.consumedBy(name, 1, from)).toBe(report.sessionId);
    expect(await cluster!.nodes[3]!.store.consumedBy(name, 1, from)).toBeUndefined();
    expect(toHex(await (await tenantClient('acme')).oprf(name, input, { version: 1 }))).toBe(before);
  });
});

describe('lifecycleQuorum: a witness cannot be told other parameters, freed by a destroy, or forgotten by abort-op (review)', () => {
  /**
   * RQ1 (review F1, CRITICAL before the fix). n = 6, q = 4, liar 3 deals in both sessions. S1
   * (dealers {2,3} → {2,3,4}, witness 5) and S2 (dealers {1,3} → {1,3,6}, witness 5). The
   * coordinator tells witness 5 S2's participants under S1's id (it checks no transcript), so S1's
   * receivers counted it; it then aborted S1 asking only "its" participants, joined S2, and both
   * committed. Now a participant counts only with the digest of the committing node's own
   * parameters (Peer.SessionState params_digest): S1's receivers refuse while 5 holds other ones.
   * RQ1d: with honest parameters, a destroy on the witness (which holds nothing) dropped its ready
   * session; now the record it started from is marked consumed there, so it never joins S2.
   * RQ3 (review 2, R2-1): RQ1d with S2 under S1's session id. The mark named the session by its id
   * alone, and prepare accepted that id; now it holds the parameter digest too.
   */
  it.each([
    ['RQ1: forged witness parameters, then an abort', true, false],
    ['RQ1d: honest parameters, then a destroy on the witness that holds nothing', false, false],
    ['RQ3: as RQ1d, with the rival session under the same session id', false, true],
  ])('%s: two reshares of one record never both commit', { timeout: 120_000 }, async (_label, forge, sameId) => {
    cluster = await startTestCluster({ n: 6, minThreshold: 2, lifecycleQuorum: true });
    const name = 'acme/forge';
    const { tr, v, old } = await createV1(name, [1, 2, 3]);
    const liarShare = Uint8Array.from(cluster!.nodes[2]!.store.currentShare(name, 1)!);
    const liar = () => cluster!.nodes[2]!.store;
    const X = 'c1'.repeat(16);
    const Y = sameId ? X : 'c2'.repeat(16);
    const base = { kind: 'reshare' as const, keyName: name, version: 1, t: 2, epoch: v.epoch + 1, old, nextQuorum: everyNode(6) };
    const P1: OperationParams = { ...base, sessionId: X, receivers: [2, 3, 4], dealers: [2, 3], witnesses: [5] }; // S1 as 2,3,4 see it
    const P5: OperationParams = { ...base, sessionId: X, receivers: [1, 3, 6], dealers: [1, 3], witnesses: [5] }; // what witness 5 is told
    const P2: OperationParams = { ...base, sessionId: Y, receivers: [1, 3, 6], dealers: [1, 3], witnesses: [5] }; // S2
    const log: string[] = [];
    const run = async (label: string, p: Promise<unknown>) => {
      const r = await settle(p);
      log.push(`${label}: ${r.ok ? (r.v instanceof Array ? 'ok' : JSON.stringify(r.v)) : 'ERR ' + r.e}`);
      return r;
    };
    // S1: prepare 2, liar 3, 4 with P1; witness 5 with P5 (same id X).
    const c2 = await tr.prepare(2, P1);
    const liarX = prepareParticipant(group, P1, 3, rng, liarShare);
    await liar().saveOperation(liarX, 'prepare');
    await run('prepare X 4', tr.prepare(4, P1));
    await run('prepare X 5', tr.prepare(5, forge ? P5 : P1));
    await run('deal X 2', tr.deal(2, name, X));
    await run('deal X 3', tr.deal(3, name, X));
    const T1 = transcriptHash({ ...P1, qualified: [2, 3], dealings: new Map([[2, c2], [3, liarX.dealing!.commitments.map((c) => fromHex(c))]]) });
    for (const n of [2, 3, 4]) await run(`finalize X ${n}`, tr.finalize(n, name, X, [2, 3], T1));
    await run('finalize X 5', tr.finalize(5, name, X, forge ? [1, 3] : [2, 3], T1));
    const liarXready = (await liar().loadOperation(name))!;
    await liar().deleteOperation(name);
    // S2 on 1, liar 3, 6 (5 is still busy with X), driven to ready.
    const c1 = await tr.prepare(1, P2);
    const liarY = prepareParticipant(group, P2, 3, rng, liarShare);
    await liar().saveOperation(liarY, 'prepare');
    await run('prepare Y 6', tr.prepare(6, P2));
    await run('deal Y 1', tr.deal(1, name, Y));
    await run('deal Y 3', tr.deal(3, name, Y));
    const T2 = transcriptHash({ ...P2, qualified: [1, 3], dealings: new Map([[1, c1], [3, liarY.dealing!.commitments.map((c) => fromHex(c))]]) });
    for (const n of [1, 3, 6]) await run(`finalize Y ${n}`, tr.finalize(n, name, Y, [1, 3], T2));
    const liarYready = (await liar().loadOperation(name))!;
    await liar().saveOperation(liarXready, 'restore');
    // S1 commits on 2 and 4 while node 1 is partitioned (it would show its pending Y to rivalSessions).
    await cluster!.stopNode(1);
    await run('commit X 2', tr.commit(2, name, X));
    await run('commit X 4', tr.commit(4, name, X));
    await cluster!.start(1);
    await liar().saveOperation(liarYready, 'swap');
    // Witness 5 leaves S1: it asks only 1, 3, 6 (P5), none of which committed X.
    if (forge) await run('abort X 5', tr.abort(5, name, X));
    else {
      log.push(`abort X 5 (honest params) refused: ${(await settle(tr.abort(5, name, X))).ok === false}`);
      const d = await settle(tr.destroy(5, name, 1));
      log.push(`destroy on 5: ${d.ok ? 'ok' : 'NOTFOUND ' + d.e.slice(0, 120)}`);
    }
    // S2 finishes while node 2 (holding S1's record) is partitioned.
    await cluster!.stopNode(2);
    await run('prepare Y 5', tr.prepare(5, P2));
    await run('finalize Y 5', tr.finalize(5, name, Y, [1, 3], T2));
    for (const n of [1, 6, 5]) await run(`commit Y ${n}`, tr.commit(n, name, Y));
    await cluster!.start(2);
    const rec = records(name, 1);
    const detail = `${log.join('\n')}\n${rec}`;
    const s1 = /[24]: e2 \w+ \{2,3,4\}/.test(rec);
    const s2 = /[16]: e2 \w+ \{1,3,6\}/.test(rec);
    expect(s1 && s2, detail).toBe(false);
    if (forge) expect(log.join('\n'), detail).toMatch(/commit X 2: ERR .*node 5 holds session c1c1\S* with other parameters/);
    else if (sameId) expect(log.join('\n'), detail).toMatch(/prepare Y 5: ERR .*committed session c1c1\S* \(with other parameters\) from this record/);
    else expect(log.join('\n'), detail).toMatch(/prepare Y 5: ERR .*committed session c1c1\S* from this record/);
  });

  it('RQ2: abort-op counts witnesses: a refresh interrupted before its witness finalized is aborted everywhere, and the next refresh works', { timeout: 120_000 }, async () => {
    cluster = await startTestCluster({ n: 5, minThreshold: 2, lifecycleQuorum: true });
    const name = 'acme/stuck';
    const admin = await adminClient();
    const tr = new GrpcLifecycleTransport(admin.channels, 5_000);
    const m = await KeyManager.create(admin);
    await m.createKey(name, 2, [1, 2, 3]);
    const v = (await m.versions(name))[0]!;
    const old = { t: v.t, nodeIndices: v.nodeIndices, commitments: v.commitments, epoch: v.epoch, lineage: v.lineage };
    // What the operator's own tooling runs (q = 4: witness 4), interrupted after the receivers' finalize.
    const p: OperationParams = { sessionId: 'd1'.repeat(16), kind: 'refresh', keyName: name, version: 1, t: 2, receivers: [1, 2, 3], dealers: [1, 2, 3], epoch: v.epoch + 1, old, nextQuorum: everyNode(5), witnesses: [4] };
    const dealings = new Map<number, Uint8Array[]>();
    for (const n of [1, 2, 3]) dealings.set(n, await tr.prepare(n, p));
    await tr.prepare(4, p);
    for (const n of [1, 2, 3]) await tr.deal(n, name, p.sessionId);
    const T = transcriptHash({ ...p, qualified: [1, 2, 3], dealings });
    for (const n of [1, 2, 3]) await tr.finalize(n, name, p.sessionId, [1, 2, 3], T);
    const resolved = await (await KeyManager.create(await adminClient())).abortOp(name);
    expect(resolved.outcome).toBe('aborted');
    for (const n of [1, 2, 3, 4]) expect(await cluster!.nodes[n - 1]!.store.loadOperation(name), `node ${n}`).toBeUndefined();
    expect((await (await KeyManager.create(await adminClient())).refresh(name, 1)).epoch).toBe(v.epoch + 1);
  });
});

describe('lifecycleQuorum: second review', () => {
  /**
   * RQ4 (review 2, R2-2). Each node counted q against its current descriptor, so two sessions from
   * one record counted under different node lists need not share an honest node: S1 under n = 4
   * (q = 3, participants {1,3,4}) and, after nodes 5 and 6 are added, S2 under n = 6 (q = 4,
   * participants {2,3,5,6}) shared only the liar 3, and both committed while node 1 was
   * partitioned. Now every record remembers the node list and minThreshold it was created under,
   * and sessions from it are counted against that list: honest dealer 2 refuses S2 as counted
   * under the new list, and S2 claiming the old list has 2 of the 3 it needs there.
   */
  it('RQ4: sessions from one record counted under different node lists never both commit (the descriptor grows by two)', { timeout: 120_000 }, async () => {
    cluster = await startTestCluster({ n: 6, minThreshold: 2, lifecycleQuorum: true });
    const { full, only, write } = await descriptorFile();
    const small = only([1, 2, 3, 4]);
    await write(small);
    const name = 'acme/grow';
    const admin = await adminClient(small);
    const tr = new GrpcLifecycleTransport(admin.channels, 5_000);
    const m = await KeyManager.create(admin);
    await m.createKey(name, 2, [1, 2, 3]);
    const v = (await m.versions(name))[0]!;
    const old = { t: v.t, nodeIndices: v.nodeIndices, commitments: v.commitments, epoch: v.epoch, lineage: v.lineage };
    const liarShare = Uint8Array.from(cluster!.nodes[2]!.store.currentShare(name, 1)!);
    const liar = cluster!.nodes[2]!.store;
    // S1 under n = 4: dealers {1,3} -> {1,3,4}; node 2 left out (old t - 1 = 1 may be). The liar does not commit.
    const S1: OperationParams = { sessionId: 'a1'.repeat(16), kind: 'reshare', keyName: name, version: 1, t: 2, receivers: [1, 3, 4], dealers: [1, 3], epoch: v.epoch + 1, old, nextQuorum: everyNode(4) };
    const log1 = await driveSplit(tr, () => S1, S1, new Map([[3, liarShare]]), { noCommit: [3] });
    await liar.deleteOperation(name);
    // The operator adds nodes 5 and 6 to the descriptor.
    await write(full);
    // Node 1 partitioned. S2 under n = 6: dealers {2,3} -> {2,5,6}: 4 participants = q.
    await cluster!.stopNode(1);
    const S2: OperationParams = { sessionId: 'b2'.repeat(16), kind: 'reshare', keyName: name, version: 1, t: 2, receivers: [2, 5, 6], dealers: [2, 3], epoch: v.epoch + 1, old, nextQuorum: everyNode(6) };
    const log2 = await driveSplit(tr, () => S2, S2, new Map([[3, liarShare]]), { noCommit: [3] });
    await liar.deleteOperation(name);
    // The coordinator names the record's own list instead: node 2 accepts it, but S2 has only 2
    // and 3 in it, one short of q = 3.
    const S2b: OperationParams = { ...S2, sessionId: 'b3'.repeat(16), quorum: { nodes: [1, 2, 3, 4], minThreshold: 2 } };
    const log2b = await driveSplit(tr, () => S2b, S2b, new Map([[3, liarShare]]), { noCommit: [3] });
    await cluster!.start(1);
    const rec = records(name, 1);
    const detail = `S1: ${log1.join(' | ')}\nS2: ${log2.join(' | ')}\nS2b: ${log2b.join(' | ')}\n${rec}`;
    expect(log2.join(' | '), detail).toMatch(/prepare 2: .*has 2 participant\(s\) among the 4 nodes its record was created under/);
    expect(log2b.join(' | '), detail).toMatch(/prepare 2: .*has 2 participant\(s\) among the 4 nodes its record was created under; .* needs ⌈\(n \+ t\)\/2⌉ = 3/);
    const s1 = /1: e2 a1a1/.test(rec) && /4: e2 a1a1/.test(rec);
    const s2 = /2: e2 b2b2/.test(rec) && /5: e2 b2b2/.test(rec);
    expect(s1 && s2, detail).toBe(false);
  });

  it('RQ4l: after the descriptor grows, the operator\'s refresh of a record created before still works (its holders count against the list they stored)', { timeout: 60_000 }, async () => {
    cluster = await startTestCluster({ n: 6, minThreshold: 2, lifecycleQuorum: true });
    const { full, only, write } = await descriptorFile();
    const small = only([1, 2, 3, 4]);
    await write(small);
    const name = 'acme/grown';
    await createV1(name, [1, 2, 3], 2, small);
    // The operator adds nodes 5 and 6, to the nodes' descriptors and to its own.
    await write(full);
    const m = await KeyManager.create(await adminClient());
    const refreshed = await settle(m.refresh(name, 1));
    expect(refreshed.ok ? `epoch ${refreshed.v.epoch}` : refreshed.e).toBe('epoch 2');
  });

  /**
   * Witnesses are chosen from the record's list (review 3). The operator's tooling used to fill a
   * session up to q of its current descriptor, with its first free nodes; the holders count
   * against the list the record was created under, so after the descriptor changed the session
   * could be short there and every holder refused it. Now the tooling reads the list from the
   * holders (KeyStatus, t identical reports), names it (`quorum`) and picks witnesses in it.
   */
  it.each([
    ['grows (node 4 added; the record\'s list is 1,2,3,5,6)', [1, 2, 3, 5, 6], [1, 2, 3, 4, 5, 6]],
    ['shrinks (nodes 5 and 6 taken out; the record\'s list is 1..6)', [1, 2, 3, 4, 5, 6], [1, 2, 3, 4]],
  ])('RQ4w: after the descriptor %s, the operator\'s refresh picks its witnesses from the record\'s list', { timeout: 60_000 }, async (_, before, after) => {
    cluster = await startTestCluster({ n: 6, minThreshold: 2, lifecycleQuorum: true });
    const { only, write } = await descriptorFile();
    await write(only(before));
    const name = 'acme/moved';
    await createV1(name, [1, 2, 3], 2, only(before));
    await write(only(after));
    const m = await KeyManager.create(await adminClient(only(after)));
    expect((await m.versions(name))[0]!.quorum).toEqual({ nodes: before, minThreshold: 2 });
    const refreshed = await settle(m.refresh(name, 1));
    expect(refreshed.ok ? `epoch ${refreshed.v.epoch}` : refreshed.e).toBe('epoch 2');
    // The refreshed record is created under the descriptor of now.
    expect((await m.versions(name))[0]!.quorum).toEqual({ nodes: after, minThreshold: 2 });
  });

  /**
   * F1 (review 3). Receivers used to store their own descriptor with a new record when the session
   * named no list, so a coordinator that held one receiver's commit back until the descriptor grew
   * left the record's holders counting against different lists — RQ4's fork again. Now, under the
   * policy, every session (DKG included) must name its list, and every holder stores exactly it.
   */
  it('F1: a session that names no list is refused; a receiver whose commit is held back across a descriptor change stores the session\'s list, not its descriptor', { timeout: 90_000 }, async () => {
    cluster = await startTestCluster({ n: 6, minThreshold: 2, lifecycleQuorum: true });
    const { full, only, write } = await descriptorFile();
    const small = only([1, 2, 3, 4]);
    await write(small);
    const name = 'acme/held-back';
    const { tr, v, old } = await createV1(name, [1, 2, 3], 2, small);
    // Every kind without a list: refused by every node at prepare, nothing pending.
    const bare: OperationParams[] = [
      { sessionId: 'c1'.repeat(16), kind: 'dkg', keyName: 'acme/bare', version: 1, t: 2, receivers: [1, 2, 3], dealers: [1, 2, 3], epoch: 1 },
      { sessionId: 'c2'.repeat(16), kind: 'refresh', keyName: name, version: 1, t: 2, receivers: [1, 2, 3], dealers: [1, 2, 3], epoch: v.epoch + 1, old },
      { sessionId: 'c3'.repeat(16), kind: 'reshare', keyName: name, version: 1, t: 2, receivers: [1, 2, 4], dealers: [1, 2], epoch: v.epoch + 1, old },
    ];
    for (const p of bare) {
      for (const n of new Set([...p.receivers, ...p.dealers])) {
        const r = await settle(tr.prepare(n, p));
        expect(r.ok ? `${p.kind} prepared on ${n}` : r.e).toMatch(new RegExp(`needs every ${p.kind} to name the node list and minThreshold its record is created under \\(nextQuorum\\)`));
        expect(await cluster!.nodes[n - 1]!.store.loadOperation(p.keyName), `${p.kind} on ${n}`).toBeUndefined();
      }
    }
    // A reshare {1,2} -> {1,2,4} naming the list {1..4}; node 4's commit is held back while the
    // operator adds nodes 5 and 6 to every node's descriptor.
    const S: OperationParams = { sessionId: 'd4'.repeat(16), kind: 'reshare', keyName: name, version: 1, t: 2, receivers: [1, 2, 4], dealers: [1, 2], epoch: v.epoch + 1, old, nextQuorum: everyNode(4) };
    const log = await driveSplit(tr, () => S, S, new Map(), { noCommit: [4] });
    expect(log.filter((l) => l.startsWith('commit')), log.join(' | ')).toEqual(['commit 1: true', 'commit 2: true']);
    await write(full);
    expect(await tr.commit(4, name, S.sessionId), log.join(' | ')).toBe(true);
    const lists = [1, 2, 4].map((n) => `${n}: ${JSON.stringify(cluster!.nodes[n - 1]!.store.resolve(name, 1).record.quorum)}`);
    expect(lists).toEqual([1, 2, 4].map((n) => `${n}: ${JSON.stringify(everyNode(4))}`));
    // So the held-back receiver counts a rival session against {1..4} like the others: a session
    // of node 4, the new nodes 5 and 6 and one more (4 of 6, enough under the grown descriptor) is
    // refused by it.
    const v2 = (await (await KeyManager.create(await adminClient())).versions(name))[0]!;
    const old2 = { t: v2.t, nodeIndices: v2.nodeIndices, commitments: v2.commitments, epoch: v2.epoch, lineage: v2.lineage };
    const R: OperationParams = { sessionId: 'e5'.repeat(16), kind: 'reshare', keyName: name, version: 1, t: 2, receivers: [4, 5, 6], dealers: [2, 4], epoch: v2.epoch + 1, old: old2, nextQuorum: everyNode(6), quorum: everyNode(6) };
    const r = await settle(tr.prepare(4, R));
    expect(r.ok ? 'prepared on 4' : r.e).toMatch(/record was created under nodes 1,2,3,4 \(minThreshold 2\); sessions from it are counted against that list, not nodes 1,2,3,4,5,6/);
  });

  /**
   * Review 4, R-B. A session prepared while the policy is off names no list (or one nobody
   * checked). Committed after the operator switches the policy on, it used to create a record
   * without a list — whose holders count later sessions against their descriptors of the moment,
   * so RQ4's fork worked again. Now a session the policy did not judge at prepare commits under
   * it only if minThreshold participants committed it before the switch; here nobody did, so
   * every node refuses, the operator aborts it, and the record keeps its list.
   */
  it('R-B: a session prepared before the policy was switched on does not commit after it (no list-less record, no fork)', { timeout: 120_000 }, async () => {
    cluster = await startTestCluster({ n: 6, minThreshold: 2, lifecycleQuorum: true });
    const { full, only, write } = await descriptorFile();
    const smallOff = only([1, 2, 3, 4], { lifecycleQuorum: false });
    const smallOn = { ...smallOff, lifecycleQuorum: true };
    await write(smallOff);
    const name = 'acme/switch-on';
    const { tr, v, old } = await createV1(name, [1, 2, 3], 2, smallOff);
    const log: string[] = [];
    const S0: OperationParams = { sessionId: 'b0'.repeat(16), kind: 'refresh', keyName: name, version: 1, t: 2, receivers: [1, 2, 3], dealers: [1, 2, 3], epoch: v.epoch + 1, old };
    log.push(...(await driveSplit(tr, () => S0, S0, new Map(), { noCommit: [1, 2, 3] })));
    await write(smallOn);
    for (const n of [1, 2, 3]) {
      const r = await settle(tr.commit(n, name, S0.sessionId));
      expect(r.ok ? `committed on ${n}` : r.e).toMatch(/was prepared before this cluster's quorum policy \(lifecycleQuorum\) was switched on.*minThreshold = 2 participants committed it before \(0 did\)/);
    }
    // The operator sees the stranded session in `splitkey status` (the procedure: none pending
    // when the policy is switched on), and no longer once it is aborted.
    const pendingNow = await splitkeyCli(['status']);
    expect(pendingNow.code, pendingNow.stderr).toBe(0);
    expect(pendingNow.stdout).toMatch(new RegExp(`^pending\tacme/switch-on\tnodes 1,2,3\tsession ${S0.sessionId} \\(ready on 1,2,3\\): it ends by its commit or by splitkey key abort-op acme/switch-on`, 'm'));
    for (const n of [1, 2, 3]) expect(await tr.abort(n, name, S0.sessionId), `abort ${n}`).toBeTruthy();
    const pendingAfter = await splitkeyCli(['status', '-o', 'json']);
    expect((JSON.parse(pendingAfter.stdout) as { pending: unknown[] }).pending, pendingAfter.stderr).toEqual([]);
    for (const n of [1, 2, 3]) expect(cluster!.nodes[n - 1]!.store.resolve(name, 1).record.quorum, `node ${n}`).toEqual(everyNode(4));
    // RQ4's fork on the record: S1 under n = 4, then S2 after nodes 5 and 6 were added.
    const v1 = (await (await KeyManager.create(await adminClient(smallOn))).versions(name))[0]!;
    const old1 = { t: v1.t, nodeIndices: v1.nodeIndices, commitments: v1.commitments, epoch: v1.epoch, lineage: v1.lineage };
    const liarShare = Uint8Array.from(cluster!.nodes[2]!.store.currentShare(name, 1)!);
    const liar = cluster!.nodes[2]!.store;
    const S1: OperationParams = { sessionId: 'a1'.repeat(16), kind: 'reshare', keyName: name, version: 1, t: 2, receivers: [1, 3, 4], dealers: [1, 3], epoch: v1.epoch + 1, old: old1, nextQuorum: everyNode(4) };
    log.push('S1: ' + (await driveSplit(tr, () => S1, S1, new Map([[3, liarShare]]), { noCommit: [3] })).join(' | '));
    await liar.deleteOperation(name);
    await write({ ...full, lifecycleQuorum: true });
    await cluster!.stopNode(1);
    const tr6 = new GrpcLifecycleTransport((await adminClient()).channels, 5_000);
    const S2: OperationParams = { sessionId: 'b2'.repeat(16), kind: 'reshare', keyName: name, version: 1, t: 2, receivers: [2, 5, 6], dealers: [2, 3], epoch: v1.epoch + 1, old: old1, nextQuorum: everyNode(6) };
    log.push('S2: ' + (await driveSplit(tr6, () => S2, S2, new Map([[3, liarShare]]), { noCommit: [3] })).join(' | '));
    await cluster!.start(1);
    const rec = records(name, 1);
    const detail = `${log.join('\n')}\n${rec}`;
    const e = `e${v1.epoch + 1}`;
    const s1 = new RegExp(`1: ${e} a1a1`).test(rec) && new RegExp(`4: ${e} a1a1`).test(rec);
    const s2 = new RegExp(`2: ${e} b2b2`).test(rec) && new RegExp(`5: ${e} b2b2`).test(rec);
    expect(s1 || s2, detail).toBe(true);
    expect(s1 && s2, detail).toBe(false);
  });

  /**
   * Review 4, R-A2 (and R-A). Commit used to count the session again with the node's policy of
   * the moment: a receiver held back while the operator switched the policy on (or raised
   * minThreshold) could neither commit nor abort — the others had committed. Now a session the
   * policy judged at prepare is not judged again, and one prepared before the switch rolls forward
   * when minThreshold participants committed it before.
   */
  it('R-A2: a receiver held back while the policy is switched on still commits (minThreshold participants committed before)', { timeout: 90_000 }, async () => {
    cluster = await startTestCluster({ n: 6, minThreshold: 2 });
    const { full, write } = await descriptorFile();
    const name = 'acme/switch-strand';
    const { tr, v, old } = await createV1(name, [1, 2, 3], 2);
    const S: OperationParams = { sessionId: 'a8'.repeat(16), kind: 'refresh', keyName: name, version: 1, t: 2, receivers: [1, 2, 3], dealers: [1, 2, 3], epoch: v.epoch + 1, old, nextQuorum: everyNode(6) };
    const log = await driveSplit(tr, () => S, S, new Map(), { noCommit: [3] });
    expect(log.filter((l) => l.startsWith('commit')), log.join(' | ')).toEqual(['commit 1: true', 'commit 2: true']);
    await write({ ...full, lifecycleQuorum: true });
    const c = await settle(tr.commit(3, name, S.sessionId));
    expect(c.ok ? c.v : c.e, records(name, 1)).toBe(true);
    expect(cluster.nodes[2]!.store.resolve(name, 1).record.epoch).toBe(v.epoch + 1);
  });

  /**
   * F4 (review 3). Sessions were counted with ⌈(n + minThreshold)/2⌉, minThreshold as of each
   * session: a session counted before minThreshold rose by two and one counted after could share
   * only minThreshold − 1 nodes, all of them liars under the new policy. Now q = ⌈(n + t)/2⌉ with t
   * the old record's threshold (never below today's minThreshold: no session from a record below
   * it starts), the same for every session from the record, so any two share t nodes — more than
   * the t − 1 liars the key's own secrecy tolerates. A 4-of-5 record in an 8-node cluster
   * (minThreshold 2) needs 6 participants, not 5.
   */
  it('F4: a session from a t-of-n record is counted with ⌈(n + t)/2⌉ whatever minThreshold says; the operator adds the witnesses', { timeout: 90_000 }, async () => {
    cluster = await startTestCluster({ n: 8, minThreshold: 2, faultTolerance: 1, lifecycleQuorum: true });
    const name = 'acme/four-of-five';
    const { tr, m, v, old } = await createV1(name, [1, 2, 3, 4, 5], 4);
    expect(v.quorum).toEqual(everyNode(8));
    const p: OperationParams = { sessionId: 'f4'.repeat(16), kind: 'reshare', keyName: name, version: 1, t: 4, receivers: [1, 2, 3, 4, 5], dealers: [1, 2, 3, 4], epoch: v.epoch + 1, old, nextQuorum: everyNode(8) };
    for (const n of [1, 2, 3, 4, 5]) {
      const r = await settle(tr.prepare(n, p));
      expect(r.ok ? `prepared on ${n}` : r.e).toMatch(/has 5 participant\(s\) among the 8 nodes its record was created under; the cluster's policy \(lifecycleQuorum\) needs ⌈\(n \+ t\)\/2⌉ = 6 of them \(t = 4/);
      expect(await cluster!.nodes[n - 1]!.store.loadOperation(name), `node ${n}`).toBeUndefined();
    }
    const reshared = await settle(m.reshare(name, 1, [1, 2, 3, 4, 5], 4));
    expect(reshared.ok ? `epoch ${reshared.v.epoch}` : reshared.e).toBe('epoch 2');
  });

  /**
   * F3 (review 3). An imported record used to carry no list, so its holders counted later sessions
   * against their descriptors of the moment (RQ4 for imported keys). Now an import names the list
   * like a DKG: under the policy a node refuses an import without one, or with another list than
   * its descriptor's, and stores exactly the one named.
   */
  it('F3: an import names the list its record is created under, or is refused', { timeout: 60_000 }, async () => {
    cluster = await startTestCluster({ n: 4, minThreshold: 2, lifecycleQuorum: true });
    const admin = await adminClient();
    const c = admin.channels.admin(1);
    const call = (over: Record<string, unknown>) =>
      settle(
        unaryCall<object, unknown>(
          c.ImportShare.bind(c),
          { keyName: 'acme/imp-bare', keyVersion: 1, threshold: 2, nodeIndices: [1, 2, 3], commitments: [new Uint8Array(32), new Uint8Array(32)], nodeIndex: 1, share: new Uint8Array(32), ...over },
          admin.channels.callMetadata(),
          5_000,
        ).promise,
      );
    const bare = await call({});
    expect(bare.ok ? 'imported' : bare.e).toMatch(/quorum policy needs an import to name the node list and minThreshold its record is created under \(quorum\)/);
    const other = await call({ quorum: { nodes: [1, 2, 3], minThreshold: 2 } });
    expect(other.ok ? 'imported' : other.e).toMatch(/would be created under nodes 1,2,3 \(minThreshold 2\), but this node's descriptor says nodes 1,2,3,4/);
    expect(cluster.nodes[0]!.store.keyNames()).not.toContain('acme/imp-bare');
    await admin.importKey('acme/imp', Uint8Array.from({ length: 32 }, (_, i) => (i < 31 ? i + 1 : 0)), 2);
    for (const n of [1, 2, 3, 4]) expect(cluster.nodes[n - 1]!.store.resolve('acme/imp', 1).record.quorum, `node ${n}`).toEqual(everyNode(4));
  });

  /**
   * RQ5 (review 2, R2-3). One old holder reporting the record destroyed stops the session (a
   * version being destroyed must not spread), but with fewer than minThreshold such reports nobody
   * is told to destroy a version the honest nodes still hold: the message names the reporter as a
   * possible liar. (A liar among the old holders could already veto a refresh or reshare.)
   */
  it('RQ5: one liar\'s "destroyed" does not tell the operator to destroy a live version', { timeout: 60_000 }, async () => {
    cluster = await startTestCluster({ n: 5, minThreshold: 2, lifecycleQuorum: true });
    const name = 'acme/veto';
    const m = await KeyManager.create(await adminClient());
    await m.createKey(name, 2, [1, 2, 3]);
    await cluster!.nodes[2]!.store.destroyVersion(name, 1); // the liar's own store
    const r = await settle(m.reshare(name, 1, [1, 2, 4], 2));
    expect(r.ok ? 'reshared' : r.e).toMatch(/node\(s\) 3 reports the record this session starts from destroyed, fewer than minThreshold = 2: either a key destroy did not reach every node .* or it lies/);
    expect(r.ok ? '' : r.e).not.toMatch(/was destroyed on node/);
    for (const n of [1, 2]) expect(cluster!.nodes[n - 1]!.store.currentShare(name, 1), `node ${n}`).toBeDefined();
  });
});
