/**
 * Adversarial review of 51109ae (record lineage, reconcile, restored-node rejoin, faultTolerance,
 * import marks). A malicious coordinator (admin with the capabilities its certificate names) plus
 * at most minThreshold − 1 lying nodes drive real nodes through the Admin lifecycle RPCs.
 *
 * The liar is a real node whose only lie is the pending session state it holds: the test writes
 * a participant state made by the real state machine (crypto `prepareParticipant`) straight into
 * its store, as a node that skips its own checks would (it "deals" from an old record it made
 * up, with an "old share" it chose). Everything after that — deliveries, finalize, SessionState,
 * commit, VersionHistory — is the unmodified node code, on the liar as on the honest nodes.
 *
 * Every test starts its own cluster.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { KeyManager } from '../../client/key-manager.js';
import { GrpcLifecycleTransport } from '../../client/lifecycle-grpc.js';
import {
  createSuite,
  evaluate,
  fromHex,
  nextLineage,
  randomScalar,
  scalarFromBigint,
  toHex,
  transcriptHash,
  utf8,
  type OperationParams,
} from '../../crypto/index.js';
import { adversary, group, rng, settle } from '../helpers/adversary.js';
import { startTestCluster, type TestCluster } from '../helpers/cluster.js';

const suite = createSuite(group);

let cluster: TestCluster | undefined;
const { adminClient, tenantClient, closeClients, shares, drive } = adversary(() => cluster!);

afterEach(async () => {
  await closeClients();
  await cluster?.stop();
  cluster = undefined;
});

describe('attack4: a reshare whose every dealer is a liar (old t below the policy)', () => {
  /**
   * FAILED on 9dd0f9b, fixed (HIGH: the coordinator's accomplice learns the key of a version
   * the honest nodes serve and clients pick for new data; no import capability needed).
   *
   * A receiver that does not hold the version compares nothing: it trusts params.old. The old
   * threshold is never checked against the policy (only the new t is), so `dealers ≥ old.t`
   * holds with old.t = 1 and a single dealer — the liar — and no honest node that holds the
   * version ever sees the session. Here the "old record" is of a version that does not exist:
   * v2, t = 1 on {4}, committed to x·G with x the liar's. The coordinator (reshare capability
   * only would do) reshares it to the honest nodes {1,2,3}, t = 2 (n ≥ t + faultTolerance holds).
   * Each verifies its share against the liar's commitments (G_0 = λ·pk_4 = x·G: valid) and
   * commits. Three honest voices agree on v2; the client takes it as the newest active version,
   * and new data is derived from Evaluate(x, ·), which the liar computes alone. The DKG's "number
   * never reused, every node asked" check is bypassed too.
   *
   * Fix: every participant refuses a refresh or reshare whose old t is below its descriptor's
   * minThreshold (then dealers ≥ old t ≥ minThreshold contain an honest holder, which checks the
   * old record, lineage included, against its own store, and the transcript binds it for all).
   */
  it('A4-1: a reshare "from" a made-up old record (t = 1, the liar alone) never creates a version the liar knows', async () => {
    cluster = await startTestCluster({ n: 5, minThreshold: 2 });
    const admin = await adminClient();
    const tr = new GrpcLifecycleTransport(admin.channels, 5_000);
    const m = await KeyManager.create(admin);
    const name = 'acme/made-up';
    await m.createKey(name, 2, [1, 2, 3, 4, 5]);

    const x = randomScalar(group, rng);
    const X = group.mulBase(x);
    const p: OperationParams = {
      sessionId: 'a1'.repeat(16),
      kind: 'reshare',
      keyName: name,
      version: 2,
      t: 2,
      receivers: [1, 2, 3],
      dealers: [4],
      epoch: 2,
      old: { t: 1, nodeIndices: [4], commitments: [toHex(X)], epoch: 1, lineage: [] },
    };
    const log = await drive(tr, p, new Map([[4, x]]));

    const client = await tenantClient('acme');
    const info = await settle(client.keyInfo(name));
    const versions = info.ok ? info.v.versions.map((v) => `${v.version}:${v.state}`) : [info.e];
    const input = utf8('volume-7');
    const out = await settle(client.oprf(name, input));
    const liarKnows = out.ok && toHex(out.v) === toHex(evaluate(suite, x, input));
    const detail = `session: ${log.join(' | ')}; client sees versions ${versions.join(',')}; newest output = Evaluate(x, ·): ${liarKnows}; v2 shares: ${JSON.stringify([...shares(name, 2)])}`;
    expect(liarKnows, detail).toBe(false);
    expect(shares(name, 2).size, detail).toBe(0);
  });

  /**
   * FAILED on 9dd0f9b, fixed (HIGH: a forked version — permanent denial of every resource
   * under it). Same hole, an existing version: v1 is 2-of-3 on {1,2,3}. The coordinator and liar
   * 6 "reshare" v1 from a made-up old record (t = 1 on {6}, the liar's own key) to {4,5,6}. Honest
   * 4 and 5 do not hold v1 and compare nothing; they commit. Now two records of v1 with different
   * pkS each have t voices: a conflict, the client refuses v1 for good (and if {1,2,3} ever fall
   * below t answering, the liar's key is the one served).
   */
  it('A4-2: a reshare from a made-up old record never forks an existing version onto nodes that do not hold it', async () => {
    cluster = await startTestCluster({ n: 6, minThreshold: 2 });
    const admin = await adminClient();
    const tr = new GrpcLifecycleTransport(admin.channels, 5_000);
    const m = await KeyManager.create(admin);
    const name = 'acme/forked';
    await m.createKey(name, 2, [1, 2, 3]);
    const client = await tenantClient('acme');
    const input = utf8('volume-7');
    const before = toHex(await client.oprf(name, input, { version: 1 }));

    const x = randomScalar(group, rng);
    const p: OperationParams = {
      sessionId: 'a2'.repeat(16),
      kind: 'reshare',
      keyName: name,
      version: 1,
      t: 2,
      receivers: [4, 5, 6],
      dealers: [6],
      epoch: 5,
      old: { t: 1, nodeIndices: [6], commitments: [toHex(group.mulBase(x))], epoch: 4, lineage: [] },
    };
    const log = await drive(tr, p, new Map([[6, x]]));

    const fresh = await tenantClient('acme');
    const after = await settle(fresh.oprf(name, input, { version: 1 }));
    const detail = `session: ${log.join(' | ')}; v1 shares: ${JSON.stringify([...shares(name, 1)])}; a fresh client: ${after.ok ? 'ok' : after.e}`;
    expect(after.ok ? toHex(after.v) : after.e, detail).toBe(before);
    expect([...shares(name, 1).keys()], detail).toEqual([1, 2, 3]);
  });
});

describe('attack4: a forged descendant (faultTolerance below minThreshold − 1)', () => {
  /**
   * FAILED on 9dd0f9b, fixed (HIGH with a faultTolerance below its default, which the
   * descriptor allows, [0, minThreshold − 1], and the trust tier itself uses: the key is LOST —
   * reconcile erases every honest share on the word of one liar and t − 1 fooled nodes).
   *
   * The same all-liar dealer set, now with the real pkS and a lineage that names the real record:
   * old = {t: 1, nodes {4}, commitments [pkS], epoch e + 1, lineage [digest(real)]}. The liar does
   * not know k, but a degree-1 dealing with G_0 = pkS can still give ONE receiver a valid share
   * (choose s_3, C_1 = (s_3·G − pkS)/3). Receivers {3 (honest, not a holder), 4 (liar)}, t = 2:
   * n ≥ t + faultTolerance with faultTolerance 0. Node 3 verifies its share and commits; the liar
   * says ready and commits. The new record's lineage is [digest(real), digest(forged old)], its
   * pkS is the real one, its epoch higher: it "descends" from the real record, with t = 2 voices
   * (3 and 4). Honest holders 1 and 2 reconcile and erase their shares: k is gone (node 3's point
   * and the liar's nothing).
   *
   * Same fix as A4-1 (old t ≥ minThreshold at every participant). Without it, the lineage only
   * holds against forgery when n ≥ t + minThreshold − 1 (honest receivers with valid shares ≤ t − 1).
   */
  it('A4-3: a made-up old record with the real pkS and a lineage naming the real record never makes the honest holders erase', async () => {
    cluster = await startTestCluster({ n: 4, minThreshold: 2, faultTolerance: 0 });
    const admin = await adminClient();
    const tr = new GrpcLifecycleTransport(admin.channels, 5_000);
    const m = await KeyManager.create(admin);
    const name = 'acme/descendant';
    await m.createKey(name, 2, [1, 2]);
    const v = (await m.versions(name))[0]!;
    const real = { version: 1, threshold: v.t, nodeIndices: v.nodeIndices, commitments: v.commitments.map((c) => fromHex(c)), epoch: v.epoch, lineage: v.lineage ?? [] };
    const pkS = fromHex(v.commitments[0]!);

    // The liar's dealing: a(x) = k + a_1·x with a(3) = s3 chosen, so C_1 = (s3·G − pkS)/3.
    const s3 = randomScalar(group, rng);
    const C1 = group.mul(group.scalarInvert(scalarFromBigint(3n)), group.sub(group.mulBase(s3), pkS));
    const oldRecord = { t: 1, nodeIndices: [4], commitments: [toHex(pkS)], epoch: v.epoch + 1, lineage: nextLineage(real) };
    const p: OperationParams = { sessionId: 'a3'.repeat(16), kind: 'reshare', keyName: name, version: 1, t: 2, receivers: [3, 4], dealers: [4], epoch: v.epoch + 2, old: oldRecord };
    const liar = cluster.nodes[3]!;
    const dealing = { commitments: [toHex(pkS), toHex(C1)], shares: { '3': toHex(s3), '4': toHex(randomScalar(group, rng)) } };
    await liar.store.saveOperation({ params: p, self: 4, phase: 'prepared', received: {}, complaints: {}, dealing }, 'prepare');
    const log: string[] = [];
    const step = async (what: string, f: () => Promise<unknown>) => {
      const r = await settle(f());
      log.push(`${what}: ${r.ok ? JSON.stringify(r.v) : r.e}`);
      return r.ok;
    };
    await step('prepare 3', () => tr.prepare(3, p));
    await step('deal 4', () => tr.deal(4, name, p.sessionId));
    const transcript = transcriptHash({ ...p, qualified: [4], dealings: new Map([[4, [pkS, C1]]]) });
    await step('finalize 3', () => tr.finalize(3, name, p.sessionId, [4], transcript));
    // The liar says it is ready (its "share" is anything).
    await liar.store.saveOperation(
      { params: p, self: 4, phase: 'ready', received: {}, complaints: {}, dealing, ready: { share: toHex(randomScalar(group, rng)), commitments: dealing.commitments, transcript: toHex(transcript), qualified: [4] } },
      'finalize',
    );
    await step('commit 3', () => tr.commit(3, name, p.sessionId));
    await step('commit 4', () => tr.commit(4, name, p.sessionId));

    // The real holders reconcile (at start, every reconcileSeconds, or before their next prepare).
    const erased: unknown[] = [];
    for (const n of [1, 2]) erased.push(...(await cluster.nodes[n - 1]!.reconcile()));
    const held = shares(name, 1);
    const detail = `session: ${log.join(' | ')}; reconcile erased: ${JSON.stringify(erased)}; shares of v1 now: ${JSON.stringify([...held])}`;
    expect(erased, detail).toEqual([]);
    expect([...held.keys()].filter((n) => n === 1 || n === 2), detail).toEqual([1, 2]);
  });
});

describe('attack4: lineage beyond MAX_LINEAGE (64)', () => {
  /**
   * FAILED on 9dd0f9b; the fork was fixed first (the stale node refuses to deal), then the denial
   * (nodes remember the ancestors they witnessed beyond the window; VersionHistory answers "do you
   * descend from this record?"; minThreshold confirming holders of the agreed record let the stale
   * node erase). Was: MEDIUM: a forked version — denial of every resource under it —
   * by a coordinator and one node that kept an old share, once a stale holder is more than 64
   * epochs behind; and LOW on its own: the stale share is never erased and the node can never
   * get a share back).
   *
   * A record remembers its last 64 ancestors. A holder that was down while the version moved on
   * (left out of a reshare) and missed 64 refreshes after it (an hourly refresh schedule: under
   * three days) is no longer in the current record's lineage, so reconcile never erases its
   * epoch-1 share, and the prepare-time reconcile no longer stops it dealing from its stale
   * record — the F6 defence is gone. 6 nodes, minThreshold 2; v1 2-of-3 on {1,2,3}. Node 1 is
   * down; v1 is reshared to {2,4,5} (dealers 2, 3); node 3 (the liar) never commits and keeps
   * its epoch-1 share; 64 refreshes. Node 1 comes back. The coordinator reshares the epoch-1
   * record, dealers {1,3}, to {1,3,6} (6 honest, holds nothing): every node runs unmodified code
   * and commits. Two records of v1 with t voices, neither in the other's lineage: the client
   * refuses v1. (Even without the fork, the stale node 1 and the liar report the epoch-1 record:
   * t = 2 voices, no longer an ancestor the current record names: a conflict already; within 64
   * epochs the same two voices are named stale and v1 is served.)
   *
   * Proposed fix: keep the whole lineage on the node (32 bytes an epoch) and answer it in
   * VersionHistory, or make a lineage a hash chain whose links a node can ask its peers for;
   * at the least, a node whose record's epoch is older than the oldest epoch a t-agreed record of
   * the same pkS can still name refuses to deal from it (and alerts) instead of treating it as
   * current.
   */
  it('A4-4: a holder 65 epochs behind (beyond the lineage window) erases its stale share on the word of minThreshold witnesses, and cannot fork the version', { timeout: 240_000 }, async () => {
    cluster = await startTestCluster({ n: 6, minThreshold: 2 });
    const admin = await adminClient();
    const tr = new GrpcLifecycleTransport(admin.channels, 5_000);
    const m = await KeyManager.create(admin);
    const name = 'acme/deep';
    await m.createKey(name, 2, [1, 2, 3]);
    const v = (await m.versions(name))[0]!;
    const old = { t: v.t, nodeIndices: v.nodeIndices, commitments: v.commitments, epoch: v.epoch, lineage: v.lineage };
    const client = await tenantClient('acme');
    const input = utf8('volume-7');
    const before = toHex(await client.oprf(name, input, { version: 1 }));

    await cluster.stopNode(1);
    const a: OperationParams = { sessionId: 'a4'.repeat(16), kind: 'reshare', keyName: name, version: 1, t: 2, receivers: [2, 4, 5], dealers: [2, 3], epoch: v.epoch + 1, old };
    const la = await drive(tr, a, new Map(), [3]);
    expect(la.filter((l) => l.startsWith('commit')), la.join(' | ')).toEqual(['commit 2: true', 'commit 4: true', 'commit 5: true']);
    // The liar (node 3) never commits; it drops its pending state and keeps its epoch-1 share.
    await cluster.nodes[2]!.store.deleteOperation(name);
    const t0 = Date.now();
    for (let i = 0; i < 64; i++) await m.refresh(name, 1);
    const refreshMs = Date.now() - t0;
    // Nodes 2, 4 and 5 held every record since the reshare: each remembers the epoch-1 record as
    // an ancestor beyond the 64-record window (node 2 held it; 4 and 5 got it in the reshare's lineage).
    const witnesses = [2, 4, 5].filter((i) => (cluster!.nodes[i - 1]!.store.resolve(name, 1).record.ancestors ?? []).length > 0);
    const node1 = await cluster.start(1);
    const erased = await node1.reconcile();
    const stale = node1.store.currentShare(name, 1) !== undefined;

    // The fork from the stale epoch-1 record: every participant runs unmodified code.
    const b: OperationParams = { sessionId: 'b4'.repeat(16), kind: 'reshare', keyName: name, version: 1, t: 2, receivers: [1, 3, 6], dealers: [1, 3], epoch: 9_999, old };
    const tr2 = new GrpcLifecycleTransport((await adminClient()).channels, 5_000);
    const lb = await drive(tr2, b, new Map());
    const fresh = await tenantClient('acme');
    const after = await settle(fresh.oprf(name, input, { version: 1 }));
    const detail = `64 refreshes in ${refreshMs} ms; witnesses ${witnesses}; node 1 reconcile erased ${JSON.stringify(erased)}; fork: ${lb.join(' | ')}; v1 shares: ${JSON.stringify([...shares(name, 1)])}; a fresh client: ${after.ok ? 'ok' : after.e}`;
    expect(witnesses, detail).toEqual([2, 4, 5]);
    // Node 1 learned from the witnesses that its record is an ancestor: it erased its share.
    expect(erased.map((o) => [o.keyName, o.version, o.fromEpoch]), detail).toEqual([[name, 1, v.epoch]]);
    expect(stale, detail).toBe(false);
    // The fork finds no honest dealer: node 1 has nothing to deal from; nothing of it commits.
    expect(lb[0], detail).toMatch(/^prepare 1: /);
    expect(lb.some((l) => /^commit \d: true/.test(l)), detail).toBe(false);
    expect(cluster!.nodes[5]!.store.currentShare(name, 1), detail).toBeUndefined();
    // The liar's epoch-1 record is one voice: a fresh client accepts the current record, same key.
    expect(after.ok, detail).toBe(true);
    if (after.ok) expect(toHex(after.v), detail).toBe(before);
  });
});
