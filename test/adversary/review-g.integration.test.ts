/**
 * Review G (adversarial review of e5aa93b and 42411fa: a late commit past a minority "destroyed",
 * a descendant needing max(t, minThreshold) voices, abort refused on "destroyed", a ready node
 * holding its record back). Outcome:
 *
 *   G1 (high, fixed by taking the hold-back and the abort refusal out again). One liar that
 *       commits a refresh and then says "destroyed" for it made every honest ready receiver refuse
 *       to abort and hold its record back: the live version was served by nobody, and the only
 *       way out offered was `key destroy`. A single "destroyed" cannot be told from a liar's (the
 *       liar can say "ready" or "destroyed" as it likes), so it settles nothing: abort proceeds,
 *       and the record is served. Test "G1".
 *   G2 (high, fixed). e5aa93b let a late receiver past a minority "destroyed" once minThreshold
 *       participants said "committed" — an honest witness (which says "committed" whatever
 *       happened since) and a liar were enough, and it wrote a live share of a destroyed record.
 *       Now only receivers count. Test "G2".
 *   G3 (fixed). After a reshare that lowers t (4-of-7 → 2-of-3), holders left out kept their
 *       old-epoch shares: 3 holders of the new record are fewer than max(old t, minThreshold) = 4
 *       (the rule that stops review F2's made-up descendant), and with a leaving liar they were t
 *       shares of the key, also after `key destroy`. Now a dealer that left remembers the outcome
 *       it left for (its tombstone; Peer.VersionHistory left_for), and old holders count it as a
 *       voice beside the new holders. The test's leaving dealer copied its share out of band but
 *       reports honestly; one that also withholds left_for keeps the left-out shares alive until
 *       the destroy's re-run (README).
 *   G4 (open) is review F1 with the honest "destroyed" voice away: the held-back receiver serves
 *       the destroyed key with a liar until the destroy is run again — review-f "F1 (open)".
 */
import { afterEach, describe, expect, it } from 'vitest';
import { GrpcLifecycleTransport } from '../../client/lifecycle-grpc.js';
import { elementsEqual, fromHex, interpolateSecret, toHex, utf8, type OperationParams } from '../../crypto/index.js';
import { storeVersionKey } from '../../node/store.js';
import { adversary, settle, group } from '../helpers/adversary.js';
import { startTestCluster, type TestCluster } from '../helpers/cluster.js';

let cluster: TestCluster | undefined;
const { adminClient, tenantClient, closeClients, drive, records, createV1, onDisk } = adversary(() => cluster!);

afterEach(async () => {
  await closeClients();
  await cluster?.stop();
  cluster = undefined;
});

describe('review G', () => {
  it('G1: one liar saying "destroyed" for a ready refresh neither wedges the session nor takes the live version down', { timeout: 120_000 }, async () => {
    cluster = await startTestCluster({ n: 3, minThreshold: 2 });
    const name = 'acme/g1';
    const { tr, m, v, old } = await createV1(name, [1, 2, 3]);
    const input = utf8('volume-g1');
    const before = toHex(await (await tenantClient('acme')).oprf(name, input, { version: 1 }));
    // An ordinary refresh (the operator's or the scheduler's): all ready; the liar 1 commits first
    // (as the real state machine would, everyone is ready) ...
    const S: OperationParams = { sessionId: 'a1'.repeat(16), kind: 'refresh', keyName: name, version: 1, t: 2, receivers: [1, 2, 3], dealers: [1, 2, 3], epoch: v.epoch + 1, old };
    const log = await drive(tr, S, new Map(), [2, 3]);
    expect(log.filter((l) => l.startsWith('commit')), log.join(' | ')).toEqual(['commit 1: true']);
    // ... then "destroys" its copy on its own (its own store; no operator, no capability).
    await cluster.nodes[0]!.store.destroyVersion(name, 1);
    const c2 = await settle(tr.commit(2, name, S.sessionId));
    const c3 = await settle(tr.commit(3, name, S.sessionId));
    await cluster.nodes[1]!.reconcile();
    await cluster.nodes[2]!.reconcile();
    const served = await settle((await tenantClient('acme')).oprf(name, input, { version: 1 }));
    // The operator's ways out.
    const abortOp = await settle(m.abortOp(name));
    const a2 = await settle(tr.abort(2, name, S.sessionId));
    await cluster.stopNode(2);
    await cluster.start(2);
    await cluster.nodes[1]!.reconcile();
    const served2 = await settle((await tenantClient('acme')).oprf(name, input, { version: 1 }));
    const detail = `commit 2: ${c2.ok ? c2.v : c2.e} | commit 3: ${c3.ok ? c3.v : c3.e} | client: ${served.ok ? (toHex(served.v) === before ? 'served' : 'OTHER') : served.e} | abort-op: ${abortOp.ok ? JSON.stringify(abortOp.v) : abortOp.e} | abort 2: ${a2.ok ? a2.v : a2.e} | after restart of 2: client: ${served2.ok ? 'served' : served2.e} | ${records(name, 1)}`;
    // What the threat model promises: one liar cannot deny a live version, and a lifecycle
    // participant can always make a session abort (README "not promised").
    expect(served.ok && toHex(served.v) === before, detail).toBe(true);
    expect(a2.ok, detail).toBe(true);
    expect(served2.ok && toHex(served2.v) === before, detail).toBe(true);
  });

  it('G2: a late receiver does not count an honest witness and a liar as minThreshold "committed" past a "destroyed": it writes no live share of the destroyed record', { timeout: 120_000 }, async () => {
    cluster = await startTestCluster({ n: 4, minThreshold: 2 });
    const name = 'acme/g2';
    const { tr, m, v, old } = await createV1(name, [1, 2, 3]);
    const input = utf8('volume-g2');
    const before = toHex(await (await tenantClient('acme')).oprf(name, input, { version: 1 }));
    // Refresh with an honest witness (node 4); receiver 3 held back (ready, not committed).
    const S: OperationParams = { sessionId: 'a2'.repeat(16), kind: 'refresh', keyName: name, version: 1, t: 2, receivers: [1, 2, 3], dealers: [1, 2, 3], witnesses: [4], epoch: v.epoch + 1, old };
    const log = await drive(tr, S, new Map(), [3]);
    expect(log.filter((l) => l.startsWith('commit')), log.join(' | ')).toEqual(['commit 1: true', 'commit 2: true', 'commit 4: true']);
    const vk = storeVersionKey(name, 1);
    const liarR1 = (await cluster.nodes[0]!.store.db.get(vk))!;
    await cluster.stopNode(3);
    const destroyed = await m.coordinator.destroy(name, 1, [1, 2, 3, 4]);
    expect(destroyed.unreachable.map((u) => u.index)).toEqual([3]);
    // Liar 1 ignores the destroy: keeps its R1 record and share, answers "committed" for S.
    await cluster.nodes[0]!.store.db.put(vk, liarR1);
    await cluster.stopNode(1);
    await cluster.start(1);
    await cluster.start(3);
    // The coordinator (no destroy capability) rolls node 3 forward before the operator re-runs the destroy.
    const tr3 = new GrpcLifecycleTransport((await adminClient()).channels, 5_000);
    const c3 = await settle(tr3.commit(3, name, S.sessionId));
    const rec3 = await cluster.nodes[2]!.reconcile();
    const live = [1, 2, 3, 4].filter((n) => cluster!.nodes[n - 1]!.store.currentShare(name, 1) !== undefined);
    const fresh = await settle((await tenantClient('acme')).oprf(name, input, { version: 1 }));
    const detail = `commit 3: ${c3.ok ? c3.v : c3.e}; reconcile 3: ${JSON.stringify(rec3)}; disk 3: ${await onDisk(3, name, 1)}; live shares on ${live.join(',')}; ${records(name, 1)}; client: ${fresh.ok ? (toHex(fresh.v) === before ? 'SERVED THE DESTROYED KEY' : 'other') : fresh.e}`;
    expect(c3.ok, detail).toBe(false);
    expect(await onDisk(3, name, 1), detail).not.toMatch(/^active e2/);
    expect(fresh.ok, detail).toBe(false);
  });

  it('G3: holders left out of a reshare that lowers t (4-of-7 → 2-of-3) erase their old-epoch shares: the leaving dealer’s report counts beside the 3 new holders', { timeout: 180_000 }, async () => {
    cluster = await startTestCluster({ n: 7, minThreshold: 2 });
    const name = 'acme/g3';
    const { m, v } = await createV1(name, [1, 2, 3, 4, 5, 6, 7], 4);
    const pkS = fromHex(v.commitments[0]!);
    // The liar 4 (a dealer that leaves) remembers its old share.
    const liarShare = new Uint8Array(cluster.nodes[3]!.store.currentShare(name, 1)!);
    for (const n of [5, 6, 7]) await cluster.stopNode(n);
    const r = await settle(m.reshare(name, 1, [1, 2, 3], 2));
    expect(r.ok, r.ok ? '' : r.e).toBe(true);
    // The operator destroys the version while 5, 6, 7 are still away (exit 3 names them).
    const d = await m.destroy(name, 1);
    for (const n of [5, 6, 7]) await cluster.start(n);
    const outs = [];
    for (const n of [5, 6, 7]) outs.push(await cluster.nodes[n - 1]!.reconcile());
    const stale = [5, 6, 7].filter((n) => cluster!.nodes[n - 1]!.store.currentShare(name, 1) !== undefined);
    const shares = [{ index: 4, value: liarShare }, ...stale.map((n) => ({ index: n, value: cluster!.nodes[n - 1]!.store.currentShare(name, 1)! }))];
    const k = shares.length >= 4 ? interpolateSecret(group, shares) : undefined;
    const recovered = k !== undefined && elementsEqual(group.mulBase(k), pkS);
    const detail = `destroy: destroyed ${d.destroyed.join(',')}, unreachable ${d.unreachable.map((u) => u.index).join(',')}; reconcile 5,6,7: ${JSON.stringify(outs)}; stale live shares on ${stale.join(',') || 'none'}; disk: ${(await Promise.all([5, 6, 7].map((n) => onDisk(n, name, 1)))).join(' | ')}; ${records(name, 1)}; liar 4 + stale shares interpolate to the destroyed key: ${recovered}`;
    expect(stale, detail).toEqual([]);
  });
});
