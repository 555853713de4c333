/**
 * Adversarial review of 7ab5673 / 216721d (newest epoch of one key wins; stale holders erase their
 * share, node/reconcile.ts; import marks). A malicious coordinator (admin with the capabilities
 * its certificate names) plus at most minThreshold − 1 lying nodes drive real nodes through the
 * Admin lifecycle RPCs. Each test states the promise; each failed on eaad341 (the breaks this
 * review found) and passes with its fix: F6 record lineage (a fork is no descendant) and the
 * prepare-time reconcile; F7 a restored node joins a reshare of the current record as a receiver;
 * F8 a new node set needs t + minThreshold − 1 nodes; F9 reconcile looks at the version, and drops
 * an unready session from a superseded record.
 *
 * Every test starts its own cluster (some restart nodes).
 */
import { cp, rm } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { KeyManager } from '../../client/key-manager.js';
import { GrpcLifecycleTransport } from '../../client/lifecycle-grpc.js';
import { transcriptHash, type OperationParams } from '../../crypto/index.js';
import { adversary, settle } from '../helpers/adversary.js';
import { startTestCluster, type TestCluster } from '../helpers/cluster.js';

let cluster: TestCluster | undefined;
const { adminClient, closeClients } = adversary(() => cluster!);

afterEach(async () => {
  await closeClients();
  await cluster?.stop();
  cluster = undefined;
});

/** Prepare, deal and finalize a session on its participants; returns the transcript. Commits nothing. */
async function runToReady(tr: GrpcLifecycleTransport, p: OperationParams): Promise<Uint8Array> {
  const participants = [...new Set([...p.receivers, ...p.dealers])].sort((a, b) => a - b);
  const broadcast = new Map<number, Uint8Array[]>();
  for (const n of participants) {
    const C = await tr.prepare(n, p);
    if (p.dealers.includes(n)) broadcast.set(n, C);
  }
  for (const n of p.dealers) await tr.deal(n, p.keyName, p.sessionId);
  const qualified = [...p.dealers].sort((a, b) => a - b);
  const transcript = transcriptHash({ ...p, qualified, dealings: broadcast });
  for (const n of participants) await tr.finalize(n, p.keyName, p.sessionId, qualified, transcript);
  return transcript;
}

/**
 * node → "epoch E on nodes …" for every node of `nodes` whose own store holds a share of
 * keyName@version. (Not the helper's `shares`: F6 groups nodes by this text, epoch and node set only.)
 */
function shares(keyName: string, version: number, nodes: number[]): Map<number, string> {
  const out = new Map<number, string>();
  for (const n of nodes) {
    const node = cluster!.nodes[n - 1];
    if (!node || node.store.currentShare(keyName, version) === undefined) continue;
    const r = node.store.resolve(keyName, version).record;
    out.set(n, `epoch ${r.epoch} on ${r.nodeIndices.join(',')}`);
  }
  return out;
}

describe('attack3: newest epoch wins + reconcile', () => {
  /**
   * FAILED on eaad341, fixed (HIGH). A fork from a stale record, at a higher epoch the
   * coordinator picks, makes the honest holders of the real current epoch erase their shares.
   *
   * 5 nodes, minThreshold 2 (so one liar: node 3). v1 t = 2 on {1,2,3}.
   *  A. Reshare v1 → {2,4,5} (epoch 2), dealers 2 and 3; node 1 left out (≤ old t − 1 allowed).
   *     Honest 2, 4, 5 commit: the key lives on three honest nodes at epoch 2. The liar (dealer 3)
   *     never commits and drops its pending state: it keeps its epoch-1 share and record.
   *  B. Before node 1's next reconcile pass (every 300 s by default), the coordinator reshares
   *     the *stale* epoch-1 record again: dealers 1 (honest, left out of A, still at epoch 1) and
   *     3 (liar), receivers {1,3}, t = 2, epoch 9. Node 1 checks the old state against its own
   *     store (epoch 1: matches) and commits: a second record of v1, epoch 9, voices 1 and 3.
   *  Now two records of one pkS each have t voices; "the newest epoch wins" picks epoch 9. Nodes
   *  2, 4, 5 reconcile, see t = 2 voices for epoch 9, and erase their epoch-2 shares. The only
   *  honest share left is node 1's: k now needs the liar's share; it drops it and v1 is lost.
   *  (Before 216721d the honest epoch-2 holders kept their shares; the version was a conflict,
   *  i.e. denied, but not lost.)
   */
  it('F6: a reshare forked from a stale record at a higher epoch never makes the honest holders of the current epoch erase their shares', async () => {
    cluster = await startTestCluster({ n: 5, minThreshold: 2 });
    const admin = await adminClient();
    const tr = new GrpcLifecycleTransport(admin.channels, 5_000);
    const m = await KeyManager.create(admin);
    const name = 'acme/fork-newest';
    await m.createKey(name, 2, [1, 2, 3]);
    const v = (await m.versions(name))[0]!;
    const old = { t: v.t, nodeIndices: v.nodeIndices, commitments: v.commitments, epoch: v.epoch };

    // A: reshare to {2,4,5}; honest receivers commit.
    const a: OperationParams = { sessionId: 'a6'.repeat(16), kind: 'reshare', keyName: name, version: 1, t: 2, receivers: [2, 4, 5], dealers: [2, 3], epoch: v.epoch + 1, old };
    await runToReady(tr, a);
    for (const n of [2, 4, 5]) expect(await tr.commit(n, name, a.sessionId)).toBe(true);
    // The liar (node 3) does not commit; it drops its pending state and keeps its old share.
    await cluster.nodes[2]!.store.deleteOperation(name);
    expect(cluster.nodes[2]!.store.currentShare(name, 1)).toBeDefined();

    // B: fork from the stale epoch-1 record, dealers 1 (left out of A) and 3 (liar), epoch 9.
    const b: OperationParams = { sessionId: 'b6'.repeat(16), kind: 'reshare', keyName: name, version: 1, t: 2, receivers: [1, 3], dealers: [1, 3], epoch: 9, old };
    const rb = await settle(runToReady(tr, b));
    const cb = rb.ok ? await settle(tr.commit(1, name, b.sessionId)) : rb;
    if (rb.ok) await settle(tr.commit(3, name, b.sessionId));

    // The honest holders of epoch 2 reconcile (they would at their next pass anyway).
    const erased: unknown[] = [];
    for (const n of [2, 4, 5]) erased.push(...(await cluster.nodes[n - 1]!.reconcile()));

    // The promise: at least t = 2 honest nodes (1, 2, 4, 5) still hold shares of one epoch of v1,
    // so that k survives without the liar.
    const honest = shares(name, 1, [1, 2, 4, 5]);
    const byEpoch = new Map<string, number[]>();
    for (const [n, rec] of honest) byEpoch.set(rec, [...(byEpoch.get(rec) ?? []), n]);
    const best = Math.max(0, ...[...byEpoch.values()].map((ns) => ns.length));
    expect(best, `B prepare: ${rb.ok ? 'ok' : rb.e}; B commit on 1: ${JSON.stringify(cb)}; erased by reconcile: ${JSON.stringify(erased)}; honest shares: ${JSON.stringify([...honest])}`).toBeGreaterThanOrEqual(2);
  });
});

describe('attack3: a stale holder in the new node set', () => {
  /**
   * FAILED on eaad341, fixed (LOW/MEDIUM: lost redundancy, and the repair the node's own alert
   * prescribes is refused). Node 3 of v1 {1,2,3} is restored from a backup taken before a refresh.
   * Reconcile erases its stale epoch-1 share and leaves a "left" tombstone, with the alert "this
   * node is in the new node set but holds no share: run splitkey key reshare … --nodes 1,2,3".
   * That reshare names node 3 in the old node set, so node 3 refuses at prepare ("the operation
   * says this node holds … but it does not"); the version stays at n − 1 live shares for good
   * (a version with n = t is lost at once).
   */
  it('F7: a node restored from an old backup that reconcile erased gets its share back by the reshare its alert prescribes', async () => {
    cluster = await startTestCluster({ n: 4, minThreshold: 2 });
    const m = await KeyManager.create(await adminClient());
    const name = 'acme/restored';
    await m.createKey(name, 2, [1, 2, 3]);
    const dataDir = cluster.configs[2]!.dataDir;
    await cluster.stopNode(3);
    await cp(dataDir, `${dataDir}.backup`, { recursive: true });
    await cluster.start(3);
    await (await KeyManager.create(await adminClient())).refresh(name, 1);
    // Node 3 is restored from its backup (epoch 1).
    await cluster.stopNode(3);
    await rm(dataDir, { recursive: true, force: true });
    await cp(`${dataDir}.backup`, dataDir, { recursive: true });
    const node3 = await cluster.start(3);
    let erased: Awaited<ReturnType<typeof node3.reconcile>> = [];
    for (let i = 0; i < 20 && node3.store.currentShare(name, 1) !== undefined; i++) {
      erased = await node3.reconcile();
      if (erased.length === 0) await new Promise((r) => setTimeout(r, 250));
    }
    expect(node3.store.currentShare(name, 1), 'the stale share is erased').toBeUndefined();
    // The repair the alert names.
    const res = await settle((await KeyManager.create(await adminClient())).reshare(name, 1, [1, 2, 3], 2));
    expect(res.ok ? 'ok' : res.e).toBe('ok');
    expect(node3.store.currentShare(name, 1), 'node 3 holds a share again').toBeDefined();
  });
});

describe('attack3: a node set the liars can starve (pre-existing, not from 7ab5673/216721d)', () => {
  /**
   * FAILED on eaad341, fixed (MEDIUM, design gap older than this review). The nodes accept a
   * reshare (and a DKG) into a node set with n' < t' + (minThreshold − 1): after it, the
   * minThreshold − 1 liars the threat model allows are needed to reach t'. Here a coordinator
   * with the reshare capability moves v1 (t = 2 on {1,2,3}, honest 1, 2) to {1,3}, t = 2: the old
   * holders erase, and liar 3 dropping its share loses the version. The same bound would also
   * defuse F6's loss (its fork needs a receiver set with fewer than t' honest nodes).
   */
  it('F8: the nodes refuse a new node set that minThreshold − 1 silent nodes could leave below t', async () => {
    cluster = await startTestCluster({ n: 5, minThreshold: 2 });
    const m = await KeyManager.create(await adminClient());
    const name = 'acme/starved';
    await m.createKey(name, 2, [1, 2, 3]);
    const res = await settle(m.reshare(name, 1, [1, 3], 2));
    expect(res.ok ? `committed: nodes holding v1 now ${JSON.stringify([...shares(name, 1, [1, 2, 3, 4, 5])])}` : 'refused').toBe('refused');
    // The nodes refuse it themselves, whatever the coordinator's tooling does.
    const v = (await m.versions(name))[0]!;
    const tr = new GrpcLifecycleTransport((await adminClient()).channels, 5_000);
    const p: OperationParams = { sessionId: 'f8'.repeat(16), kind: 'reshare', keyName: name, version: 1, t: 2, receivers: [1, 3], dealers: [1, 3], epoch: v.epoch + 1, old: { t: v.t, nodeIndices: v.nodeIndices, commitments: v.commitments, epoch: v.epoch } };
    for (const n of [1, 3]) {
      const r = await settle(tr.prepare(n, p));
      expect(r.ok ? 'prepared' : r.e, `node ${n}`).toMatch(/would not survive the 1 silent nodes/);
    }
    const dkg: OperationParams = { sessionId: 'f9'.repeat(16), kind: 'dkg', keyName: 'acme/fragile', version: 1, t: 2, receivers: [4, 5], dealers: [4, 5], epoch: 1 };
    const r = await settle(tr.prepare(4, dkg));
    expect(r.ok ? 'prepared' : r.e).toMatch(/faultTolerance/);
  });
});

describe('attack3: keeping a stale share alive', () => {
  /**
   * FAILED on eaad341, fixed (LOW: proactive security). Reconcile skips every version of a key
   * while any lifecycle operation is pending on that key. A coordinator that leaves a dangling
   * PrepareOperation (here a DKG of another version number, prepared on the stale node only, never
   * finished) keeps a left-out holder's old-epoch share — which still evaluates — alive for as long
   * as it likes. (Narrowing the skip to the same version is not enough: a reshare of v1 prepared
   * from the stale record on node 3 alone does the same. A not-ready pending op whose old record
   * is superseded should be dropped by reconcile; with F6's prepare-time check it cannot start.)
   */
  it('F9: a dangling operation on another version of the key does not keep a superseded share alive', async () => {
    cluster = await startTestCluster({ n: 4, minThreshold: 2 });
    const admin = await adminClient();
    const tr = new GrpcLifecycleTransport(admin.channels, 5_000);
    const m = await KeyManager.create(admin);
    const name = 'acme/kept-alive';
    await m.createKey(name, 2, [1, 2, 3]);
    const v = (await m.versions(name))[0]!;
    const old = { t: v.t, nodeIndices: v.nodeIndices, commitments: v.commitments, epoch: v.epoch };
    // Reshare v1 to {1,2,4}; node 3 is left out (not told).
    const a: OperationParams = { sessionId: 'a9'.repeat(16), kind: 'reshare', keyName: name, version: 1, t: 2, receivers: [1, 2, 4], dealers: [1, 2], epoch: v.epoch + 1, old };
    await runToReady(tr, a);
    for (const n of [4, 1, 2]) expect(await tr.commit(n, name, a.sessionId)).toBe(true);
    // A DKG of v2 prepared on node 3 alone, never finished.
    const d: OperationParams = { sessionId: 'd9'.repeat(16), kind: 'dkg', keyName: name, version: 2, t: 2, receivers: [1, 3, 4], dealers: [1, 3, 4], epoch: 1 };
    await tr.prepare(3, d);
    const erased = await cluster.nodes[2]!.reconcile();
    expect(cluster.nodes[2]!.store.currentShare(name, 1), `node 3 keeps its epoch-1 share of v1 (reconcile: ${JSON.stringify(erased)})`).toBeUndefined();
  });
});
