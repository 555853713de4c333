/**
 * Destroy with a node away (adversarial review of destroy-races.integration.test.ts's change).
 * Each test has a node down or cut off while `key destroy` runs — ordinary maintenance — and a
 * coordinator with lifecycle capabilities but not `destroy`, sometimes with one liar:
 *
 *   R1/R1b/R1c. A new holder of a reshare that missed the destroy rolled the session forward
 *       afterwards (abort-op): the co-holders that had committed it still said "committed", so it
 *       wrote a share of the destroyed version; with one liar the key was served again, and the
 *       CLI had reported a clean destroy (the node was no holder of the agreed record). Now a node
 *       says "destroyed" for a session on a version it destroyed; with minThreshold such answers
 *       the late participant commits as destroyed (no share), and `key destroy` reports every node
 *       it did not reach (exit 3).
 *   R5. A holder that missed the destroy dealt the destroyed record to new nodes with a liar. Now
 *       every participant asks the old record's nodes, and one that destroyed it refuses the session.
 *   R3, R4. Defences that held: prepare, import and a liar's "committed" after a destroy; a pending
 *       session of another version survives; a pending DKG of the destroyed number is dropped.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { GrpcLifecycleTransport } from '../../client/lifecycle-grpc.js';
import { KeyManager } from '../../client/key-manager.js';
import { AdminClient } from '../../client/admin.js';
import { NodeChannels } from '../../client/channels.js';
import { fromHex, recordDigest, toHex, utf8, randomScalar, type OperationParams } from '../../crypto/index.js';
import { storeVersionKey } from '../../node/store.js';
import { adversary, settle, group, rng } from '../helpers/adversary.js';
import { startTestCluster, type TestCluster } from '../helpers/cluster.js';

let cluster: TestCluster | undefined;
const { adminClient, tenantClient, closeClients, drive, records, splitkeyCli, createV1, onDisk } = adversary(() => cluster!);

afterEach(async () => {
  await closeClients();
  await cluster?.stop();
  cluster = undefined;
});

async function setup(n: number, name: string, holders: number[]) {
  cluster = await startTestCluster({ n, minThreshold: 2 });
  return createV1(name, holders);
}

describe('destroy with a node away', () => {
  for (const liar of [false, true]) {
    it(`R1${liar ? 'b (liar node 1 ignores the destroy)' : ''}: a new holder unreachable during the destroy never writes a share of it afterwards: it commits as destroyed, or refuses (abort-op by a lifecycle-only coordinator)`, { timeout: 60_000 }, async () => {
      const name = `acme/r1${liar ? 'b' : ''}`;
      const { tr, m, v, old } = await setup(4, name, [1, 2, 3]);
      const input = utf8('volume-r1');
      // Reshare {1,2,3} -> {1,2,4}; dealers 1,2 stay. 1 and 2 commit; 4 is ready but not committed.
      const p: OperationParams = { sessionId: 'a1'.repeat(16), kind: 'reshare', keyName: name, version: 1, t: 2, receivers: [1, 2, 4], dealers: [1, 2], epoch: v.epoch + 1, old };
      const log = await drive(tr, p, new Map(), [4]);
      expect(log.filter((l) => l.startsWith('commit')), log.join(' | ')).toEqual(['commit 1: true', 'commit 2: true']);
      // Node 4 is unreachable while the operator destroys v1 (a liar node 1 ignores the destroy).
      await cluster!.stopNode(4);
      const destroyOn = liar ? [2, 3, 4] : [1, 2, 3, 4];
      const r = await m.coordinator.destroy(name, 1, destroyOn);
      expect(r.unreachable.map((u) => u.index), 'node 4 is reported as not reached').toEqual([4]);
      // Node 4 comes back; the coordinator (create/refresh/reshare only) runs abort-op.
      await cluster!.start(4);
      const admin2 = await adminClient();
      const m2 = await KeyManager.create(admin2);
      const res = await settle(m2.abortOp(name));
      const disk = await Promise.all([1, 2, 3, 4].map((n) => onDisk(n, name, 1)));
      const fresh = await settle((await tenantClient('acme')).oprf(name, input, { version: 1 }));
      const detail = `abort-op: ${JSON.stringify(res.ok ? res.v : res.e)}; disk: ${disk.join(' | ')}; ${records(name, 1)}; fresh: ${fresh.ok ? `served ${toHex(fresh.v)}` : fresh.e}`;
      // Two honest "destroyed" (minThreshold): node 4 commits as destroyed — its record is kept (the
      // number stays taken), no share is written. One (the liar kept its share): node 4 refuses to
      // commit, and the destroy run again (the CLI named node 4) drops its pending share.
      expect(disk[3], detail).toBe(liar ? 'none' : 'destroyed e2');
      expect(fresh.ok, detail).toBe(false);
      if (liar) {
        // A fresh transport, as a new `splitkey key destroy` would use (no reconnect backoff to node 4).
        const again = await settle(new GrpcLifecycleTransport((await adminClient()).channels, 5_000).destroy(4, name, 1));
        expect(again.ok ? 'destroyed' : again.e, 'node 4 holds no such version: NOT_FOUND, its pending session dropped').toMatch(/has no version 1|not found.*pending session .* was dropped/);
        expect(await cluster!.nodes[3]!.store.loadOperation(name), detail).toBeUndefined();
      }
    });
  }

  it('R1c: same with the CLI, liar 1 showing the old record: `splitkey key destroy` names node 4 (exit 3), and node 4 never writes a share', { timeout: 90_000 }, async () => {
    const name = 'acme/r1c';
    const { tr, v, old } = await setup(4, name, [1, 2, 3]);
    const input = utf8('volume-r1c');
    const vk = storeVersionKey(name, 1);
    const db1 = () => cluster!.nodes[0]!.store.db;
    const e1Record = (await db1().get(vk))!;
    const p: OperationParams = { sessionId: 'c1'.repeat(16), kind: 'reshare', keyName: name, version: 1, t: 2, receivers: [1, 2, 4], dealers: [1, 2], epoch: v.epoch + 1, old };
    const log = await drive(tr, p, new Map(), [4]);
    expect(log.filter((l) => l.startsWith('commit')), log.join(' | ')).toEqual(['commit 1: true', 'commit 2: true']);
    const e2Record = (await db1().get(vk))!;
    // Liar 1 keeps its epoch-2 share off the books and shows the old record to everyone.
    await db1().put(vk, e1Record);
    await cluster!.stopNode(1);
    await cluster!.start(1);
    await cluster!.stopNode(4); // node 4 is down for maintenance during the destroy
    const cli = await splitkeyCli(['key', 'destroy', name, '--version', '1', '--yes']);
    // The liar "ignored" the destroy: it puts its epoch-2 record back.
    await db1().put(vk, e2Record);
    await cluster!.stopNode(1);
    await cluster!.start(1);
    await cluster!.start(4);
    const admin2 = await adminClient();
    const res = await settle((await KeyManager.create(admin2)).abortOp(name));
    const disk = await Promise.all([1, 2, 3, 4].map((n) => onDisk(n, name, 1)));
    const fresh = await settle((await tenantClient('acme')).oprf(name, input, { version: 1 }));
    const detail = `CLI: exit ${cli.code} ${cli.stdout}${cli.stderr}; abort-op: ${JSON.stringify(res.ok ? res.v : res.e)}; disk: ${disk.join(' | ')}; fresh: ${fresh.ok ? `served ${toHex(fresh.v)}` : fresh.e}`;
    // The CLI names node 4 (down, no holder of the agreed record, possibly holding a pending share).
    expect(cli.code, detail).toBe(3);
    expect(cli.stderr, detail).toMatch(/not destroyed everywhere: node 4 .*not reached/);
    // No share on node 4: nothing, or (once the destroy's signed order reached the others and
    // abort-op rolled the session forward as destroyed) a destroyed record.
    expect(disk[3], detail).toMatch(/^(none|destroyed e2)$/);
    expect(fresh.ok, detail).toBe(false);
  });

  it('R5: an old holder down during the destroy (flagged by the CLI) cannot deal the destroyed record to new nodes with a liar before the re-run', { timeout: 90_000 }, async () => {
    const name = 'acme/r5';
    const { tr, v, old } = await setup(6, name, [1, 2, 3]);
    const input = utf8('volume-r5');
    const liarShare = new Uint8Array(cluster!.nodes[0]!.store.currentShare(name, 1)!);
    const liarRecord = (await cluster!.nodes[0]!.store.db.get(storeVersionKey(name, 1)))!;
    await cluster!.stopNode(3);
    const cli = await splitkeyCli(['key', 'destroy', name, '--version', '1', '--yes']);
    await cluster!.start(3);
    // Liar 1 ignored the destroy: its record and share are back.
    await cluster!.nodes[0]!.store.db.put(storeVersionKey(name, 1), liarRecord);
    await cluster!.stopNode(1);
    await cluster!.start(1);
    const p: OperationParams = { sessionId: 'c5'.repeat(16), kind: 'reshare', keyName: name, version: 1, t: 2, receivers: [4, 5, 6], dealers: [1, 3], epoch: v.epoch + 1, old };
    const log = await drive(tr, p, new Map([[1, liarShare]]), []);
    const detail = `CLI: exit ${cli.code}; ${log.join(' | ')}; ${records(name, 1)}`;
    expect(cli.code, detail).toBe(3);
    // Refused: the record this session starts from is reported destroyed.
    expect(log.some((l) => /^prepare \d: .*the record this session starts from/.test(l)), detail).toBe(true);
    for (const n of [4, 5, 6]) expect(cluster!.nodes[n - 1]!.store.currentShare(name, 1), detail).toBeUndefined();
    // Node 3 came back to node 2's signed destroy order (destroy-order.integration.test.ts) and
    // erased its share at start: the liar alone is fewer than t, before any re-run. (With an
    // unsigned destroy, node 3 and the liar were t shares until the re-run: review-f "F1 (open)".)
    await cluster!.nodes[2]!.reconcile();
    expect(await onDisk(3, name, 1), detail).toBe(`destroyed e${v.epoch}`);
    const fresh = await settle((await tenantClient('acme')).oprf(name, input, { version: 1 }));
    expect(fresh.ok, detail).toBe(false);
    const again = await splitkeyCli(['key', 'destroy', name, '--version', '1', '--yes']);
    expect(again.code, `${again.stdout}${again.stderr}`).toBe(0);
    const after = await settle((await tenantClient('acme')).oprf(name, input, { version: 1 }));
    expect(after.ok, 'the liar alone (its share kept) is fewer than t').toBe(false);
  });

  it('R3 (defences): after the destroy, prepare from the destroyed record, a reshare to new nodes with a liar dealer, import of the number, and a liar "committed" all fail', { timeout: 60_000 }, async () => {
    const name = 'acme/r3';
    const { tr, m, v, old } = await setup(6, name, [1, 2, 3]);
    // A reshare to {4,5,6} pending before the destroy, dealers 1 (liar: ignores the destroy) and 2.
    const p: OperationParams = { sessionId: 'a3'.repeat(16), kind: 'reshare', keyName: name, version: 1, t: 2, receivers: [4, 5, 6], dealers: [1, 2], epoch: v.epoch + 1, old };
    await drive(tr, p, new Map(), [1, 2, 4, 5, 6]);
    await cluster!.stopNode(6);
    const r = await m.coordinator.destroy(name, 1, [2, 3, 4, 5, 6]);
    await cluster!.start(6);
    // Liar 1 says it committed the session.
    const db1 = cluster!.nodes[0]!.store.db;
    await db1.put(`meta\x00session\x00${name}\x00${p.sessionId}`, JSON.stringify({ transcript: (await cluster!.nodes[0]!.store.loadOperation(name))!.ready!.transcript, version: 1, epoch: 2, kind: 'reshare' }));
    await db1.del(`op\x00${name}`);
    const tr2 = new GrpcLifecycleTransport((await adminClient()).channels, 5_000);
    const c6 = await settle(tr2.commit(6, name, p.sessionId));
    const ab = await settle((await KeyManager.create(await adminClient())).abortOp(name));
    // Fresh reshare from the destroyed record, to new nodes, liar 1 dealing with a stale share claim.
    const q: OperationParams = { ...p, sessionId: 'a4'.repeat(16), dealers: [1, 2] };
    const prep = await Promise.all([2, 4, 5].map((n) => settle(tr.prepare(n, q))));
    const ref: OperationParams = { sessionId: 'a5'.repeat(16), kind: 'refresh', keyName: name, version: 1, t: 2, receivers: [1, 2, 3], dealers: [1, 2, 3], epoch: v.epoch + 1, old };
    const prepRefresh = await settle(tr.prepare(3, ref));
    // An import of the destroyed number on nodes that hold nothing of it.
    const pair = await cluster!.certFor({ role: 'admin', name: 'imp', capabilities: ['import'] });
    const d = cluster!.descriptor();
    const imp = new AdminClient(new NodeChannels({ ...d, nodes: d.nodes.filter((n) => n.index >= 4) }, { tls: { ca: Buffer.from(cluster!.ca.certPem), cert: Buffer.from(pair.certPem), key: Buffer.from(pair.keyPem) } }));
    const im = await settle(imp.importKey(name, randomScalar(group, rng), 2, { version: 1 }));
    imp.close();
    const lines = [
      `commit 6 after destroy: ${c6.ok ? c6.v : c6.e}`,
      `abort-op: ${ab.ok ? JSON.stringify(ab.v) : ab.e}`,
      ...prep.map((x, i) => `prepare reshare on ${[2, 4, 5][i]}: ${x.ok ? 'ok' : x.e}`),
      `prepare refresh on 3: ${prepRefresh.ok ? 'ok' : prepRefresh.e}`,
      `import v1 on 4..6: ${im.ok ? 'ok' : im.e}`,
    ];
    expect(c6.ok).toBe(false);
    expect(prep.every((x) => !x.ok)).toBe(true);
    expect(prepRefresh.ok).toBe(false);
    expect(im.ok).toBe(false);
    for (const n of [4, 5, 6]) expect(cluster!.nodes[n - 1]!.store.currentShare(name, 1)).toBeUndefined();
  });

  it('R4 (defence): a destroy leaves a pending session of another version alone, and a DKG of the number pending on a node holding nothing is dropped', { timeout: 60_000 }, async () => {
    const name = 'acme/r4';
    const { tr } = await setup(3, name, [1, 2, 3]);
    const p: OperationParams = { sessionId: 'b6'.repeat(16), kind: 'dkg', keyName: name, version: 2, t: 2, receivers: [1, 2, 3], dealers: [1, 2, 3], epoch: 1, retire: [1] };
    await drive(tr, p, new Map(), [1, 2, 3]);
    for (const n of [1, 2, 3]) expect((await tr.destroy(n, name, 1)).destroyedNow).toBe(true);
    for (const n of [1, 2, 3]) expect((await cluster!.nodes[n - 1]!.store.loadOperation(name))?.params.sessionId).toBe(p.sessionId);
    const commits = await Promise.all([1, 2, 3].map((n) => settle(tr.commit(n, name, p.sessionId))));
    expect(commits.map((c) => c.ok)).toEqual([true, true, true]);
    expect(await Promise.all([1, 2, 3].map((n) => onDisk(n, name, 1)))).toEqual(['destroyed e1', 'destroyed e1', 'destroyed e1']);
    // Destroy of a number being created by a DKG: the DKG is dropped, NOT_FOUND.
    const p3: OperationParams = { ...p, sessionId: 'b7'.repeat(16), version: 3, retire: [] };
    await drive(tr, p3, new Map(), [1, 2, 3]);
    const d3 = await Promise.all([1, 2, 3].map((n) => settle(tr.destroy(n, name, 3))));
    for (const n of [1, 2, 3]) expect(await cluster!.nodes[n - 1]!.store.loadOperation(name)).toBeUndefined();
  });

  /**
   * R6. A holder away while `key destroy` runs used to keep its share until the operator ran the
   * destroy again. Now its reconcile pass (at start and every reconcileSeconds) erases the share
   * when minThreshold peers report its very record destroyed — an honest one among them erased on
   * an authenticated destroy. One liar's "destroyed" erases nothing.
   */
  it('R6: a holder away during the destroy erases its share when it comes back (minThreshold peers report the record destroyed); one liar\'s report erases nothing', { timeout: 60_000 }, async () => {
    const name = 'acme/r6';
    const { m } = await setup(4, name, [1, 2, 3, 4]);
    await createV1('acme/r6-liar', [1, 2, 3, 4]);
    // One liar (node 3) says the other key's v1 is destroyed: node 4 keeps its share.
    await cluster!.nodes[2]!.store.destroyVersion('acme/r6-liar', 1);
    expect(await onDisk(4, name, 1)).toBe('active e1 WITH SEALED SHARE');
    await cluster!.stopNode(4);
    const r = await m.coordinator.destroy(name, 1, [1, 2, 3, 4]);
    expect(r.unreachable.map((u) => u.index)).toEqual([4]);
    await cluster!.start(4);
    const outcomes = await cluster!.nodes[3]!.reconcile();
    const detail = JSON.stringify(outcomes);
    // The start-up pass may have erased it already; either way it is gone now, and only it.
    expect(await onDisk(4, name, 1), detail).toBe('destroyed e1');
    expect(cluster!.nodes[3]!.store.currentShare(name, 1), detail).toBeUndefined();
    expect(await onDisk(4, 'acme/r6-liar', 1), detail).toBe('active e1 WITH SEALED SHARE');
    expect(outcomes.some((o) => o.keyName === 'acme/r6-liar'), detail).toBe(false);
  });

  /**
   * Review D1 (of R6). An operator erases one node's stale copy of the *old* record (node 4, left
   * out of a reshare as a witness); one liar marks the new record destroyed in its own store; the
   * coordinator (no destroy capability) then commits a held-back receiver. Node 4 answered
   * "destroyed" for the session (its version was destroyed, though another record), so with the
   * liar's word the receiver committed the live record as destroyed, and reconcile spread the
   * erasure to every holder. Now "destroyed" is said for a session only when its own outcome was
   * destroyed, and only operator destroys count as voices for finishing a destroy.
   */
  for (const policy of [false, true]) {
    it(`D1${policy ? 'q' : ''}: an operator erasing a witness's stale old copy, one liar and a held-back receiver do not erase the live version`, { timeout: 90_000 }, async () => {
      cluster = await startTestCluster({ n: 5, minThreshold: 2, ...(policy ? { lifecycleQuorum: true } : {}) });
      const name = `acme/d1${policy ? 'q' : ''}`;
      const { tr, v, old } = await createV1(name, [1, 2, 3, 4]);
      const input = utf8('volume-d1');
      const before = toHex(await (await tenantClient('acme')).oprf(name, input, { version: 1 }));
      const r0 = recordDigest({ version: 1, threshold: old.t, nodeIndices: old.nodeIndices, commitments: old.commitments.map((c) => fromHex(c)), epoch: old.epoch, lineage: old.lineage ?? [] });
      const S: OperationParams = { sessionId: 'd1'.repeat(16), kind: 'reshare', keyName: name, version: 1, t: 2, receivers: [1, 2, 3, 5], dealers: [1, 2], witnesses: [4], epoch: v.epoch + 1, old, ...(policy ? { nextQuorum: { nodes: [1, 2, 3, 4, 5], minThreshold: 2 } } : {}) };
      const log = await drive(tr, S, new Map(), [3]);
      expect(log.filter((l) => l.startsWith('commit')), log.join(' | ')).toEqual(['commit 1: true', 'commit 2: true', 'commit 5: true', 'commit 4: true']);
      expect(await onDisk(4, name, 1)).toBe(`active e${v.epoch} WITH SEALED SHARE`);
      expect((await tr.destroy(4, name, 1, r0)).destroyedNow).toBe(true);
      await cluster!.nodes[0]!.store.destroyVersion(name, 1);
      const c3 = await settle(tr.commit(3, name, S.sessionId));
      const out2 = await cluster!.nodes[1]!.reconcile();
      const out5 = await cluster!.nodes[4]!.reconcile();
      const fresh = await settle((await tenantClient('acme')).oprf(name, input, { version: 1 }));
      const disk = await Promise.all([1, 2, 3, 4, 5].map((n) => onDisk(n, name, 1)));
      const detail = `commit 3: ${c3.ok ? c3.v : c3.e}; r2 ${JSON.stringify(out2)}; r5 ${JSON.stringify(out5)}; ${disk.join(' | ')}; ${records(name, 1)}; fresh: ${fresh.ok ? 'served' : fresh.e}`;
      for (const n of [2, 5]) expect(disk[n - 1], `node ${n}: ${detail}`).toBe(`active e${v.epoch + 1} WITH SEALED SHARE`);
      // Node 3 commits the live record: the liar's "destroyed", below minThreshold, settles
      // nothing, and minThreshold participants committed (never "as destroyed", never stuck).
      expect(c3.ok && c3.v, `node 3: ${detail}`).toBe(true);
      expect(disk[2], `node 3: ${detail}`).toBe(`active e${v.epoch + 1} WITH SEALED SHARE`);
      expect(fresh.ok ? toHex(fresh.v) : fresh.e, detail).toBe(before);
    });
  }

  /**
   * Review E1 (of D1's fix). A refresh S commits on nodes 1 and 2; receiver 3 is held back, then
   * down. A reshare S2 moves the refreshed record on to {1, 2, 4} (node 3 unreachable), and the
   * operator destroys the version. Node 3 comes back and the coordinator commits S on it: nodes 1
   * and 2 answered "committed" (their destroyed record was written by S2, not S), so node 3 wrote
   * a live share of the destroyed version — with one liar that kept its share, t = 2 shares again.
   * Now a node says "destroyed" for a session when its destroyed record is the session's outcome
   * or descends from it.
   */
  const e1Cases = [
    { id: 'E1', reshareTo: [1, 2, 4], destroy: true, what: 'reshared to {1,2,4} and destroyed: its co-receivers say "destroyed"' },
    { id: 'E1b', reshareTo: [4, 5, 6], destroy: true, what: 'reshared away from its co-receivers (who left) and destroyed' },
    { id: 'E1c', reshareTo: [4, 5, 6], destroy: false, what: 'reshared away from its co-receivers, still live' },
  ];
  for (const c of e1Cases) {
    it(`${c.id}: a receiver held back from a refresh, committed after the version was ${c.what}, writes no share`, { timeout: 90_000 }, async () => {
      cluster = await startTestCluster({ n: 6, minThreshold: 2 });
      const name = `acme/${c.id.toLowerCase()}`;
      const { tr, m, v, old } = await createV1(name, [1, 2, 3]);
      const input = utf8('volume-e1');
      const before = toHex(await (await tenantClient('acme')).oprf(name, input, { version: 1 }));
      const S: OperationParams = { sessionId: 'e1'.repeat(16), kind: 'refresh', keyName: name, version: 1, t: 2, receivers: [1, 2, 3], dealers: [1, 2, 3], epoch: v.epoch + 1, old };
      const log = await drive(tr, S, new Map(), [3]);
      expect(log.filter((l) => l.startsWith('commit')), log.join(' | ')).toEqual(['commit 1: true', 'commit 2: true']);
      await cluster.stopNode(3);
      const reshared = await settle(m.reshare(name, 1, c.reshareTo, 2));
      expect(reshared.ok, reshared.ok ? '' : reshared.e).toBe(true);
      if (c.destroy) {
        const destroyed = await m.coordinator.destroy(name, 1, c.reshareTo);
        expect(destroyed.destroyed.sort(), JSON.stringify(destroyed)).toEqual(c.reshareTo);
      }
      await cluster.start(3);
      const tr3 = new GrpcLifecycleTransport((await adminClient()).channels, 5_000);
      const c3 = await settle(tr3.commit(3, name, S.sessionId));
      const disk = await Promise.all([1, 2, 3, 4, 5, 6].map((n) => onDisk(n, name, 1)));
      const fresh = await settle((await tenantClient('acme')).oprf(name, input, { version: 1 }));
      const detail = `commit 3: ${c3.ok ? c3.v : c3.e}; ${disk.join(' | ')}; ${records(name, 1)}; fresh: ${fresh.ok ? 'served' : fresh.e}`;
      expect(cluster.nodes[2]!.store.currentShare(name, 1), detail).toBeUndefined();
      expect(disk[2], detail).not.toMatch(/WITH SEALED SHARE/);
      // It committed (as destroyed, or as superseded): the session is settled on node 3.
      expect(c3.ok && c3.v, detail).toBe(true);
      if (c.destroy) expect(fresh.ok, detail).toBe(false);
      else expect(fresh.ok ? toHex(fresh.v) : fresh.e, detail).toBe(before);
    });
  }

  /**
   * Review E2 (of D1's fix). Same reshare, receiver 3 held back. The operator erases witness 4's
   * stale copy of the old record R0; liar 1 rewrites its own store to show R0 destroyed (with no
   * cause, which older records read as "by an operator"). Node 3's reconcile counted two operator
   * voices for its R0 and erased its share, dropping the ready session: node 3 lost the version
   * for good. Now an erasure that names a record (expected_record) is of a copy, no voice; and
   * with t nodes agreeing on a record that descends from R0 the destroy rule does not apply at all
   * (the second variant: the copy erased without naming it, so two voices remain).
   */
  for (const named of [true, false]) {
    it(`E2${named ? '' : 'b'}: a witness's stale copy erased ${named ? 'by record' : 'without naming the record'} and one liar's "R0 destroyed" do not cost a held-back receiver its share`, { timeout: 90_000 }, async () => {
      cluster = await startTestCluster({ n: 5, minThreshold: 2 });
      const name = `acme/e2${named ? '' : 'b'}`;
      const { tr, v, old } = await createV1(name, [1, 2, 3, 4]);
      const input = utf8('volume-e2');
      const before = toHex(await (await tenantClient('acme')).oprf(name, input, { version: 1 }));
      const vk = storeVersionKey(name, 1);
      const r0Raw = JSON.parse((await cluster.nodes[0]!.store.db.get(vk))!) as Record<string, unknown>;
      const r0 = recordDigest({ version: 1, threshold: old.t, nodeIndices: old.nodeIndices, commitments: old.commitments.map((c) => fromHex(c)), epoch: old.epoch, lineage: old.lineage ?? [] });
      const S: OperationParams = { sessionId: 'e2'.repeat(16), kind: 'reshare', keyName: name, version: 1, t: 2, receivers: [1, 2, 3, 5], dealers: [1, 2], witnesses: [4], epoch: v.epoch + 1, old };
      const log = await drive(tr, S, new Map(), [3]);
      expect(log.filter((l) => l.startsWith('commit')), log.join(' | ')).toEqual(['commit 1: true', 'commit 2: true', 'commit 5: true', 'commit 4: true']);
      expect((await tr.destroy(4, name, 1, named ? r0 : undefined)).destroyedNow).toBe(true);
      // Liar 1 shows R0 destroyed, with no cause recorded.
      const lie: Record<string, unknown> = { ...r0Raw, state: 'destroyed' };
      delete lie.sealedShare;
      delete lie.destroyedBy;
      await cluster.nodes[0]!.store.db.put(vk, JSON.stringify(lie));
      await cluster.stopNode(1);
      await cluster.start(1);
      const out3 = await cluster.nodes[2]!.reconcile();
      const afterReconcile = await onDisk(3, name, 1);
      const c3 = await settle(tr.commit(3, name, S.sessionId));
      const fresh = await settle((await tenantClient('acme')).oprf(name, input, { version: 1 }));
      const disk = await Promise.all([1, 2, 3, 4, 5].map((n) => onDisk(n, name, 1)));
      const detail = `r3 ${JSON.stringify(out3)} → ${afterReconcile}; commit 3: ${c3.ok ? c3.v : c3.e}; ${disk.join(' | ')}; ${records(name, 1)}; fresh: ${fresh.ok ? 'served' : fresh.e}`;
      expect(afterReconcile, detail).toBe(`active e${v.epoch} WITH SEALED SHARE`);
      expect(c3.ok && c3.v, detail).toBe(true);
      for (const n of [2, 3, 5]) expect(disk[n - 1], `node ${n}: ${detail}`).toBe(`active e${v.epoch + 1} WITH SEALED SHARE`);
      expect(fresh.ok ? toHex(fresh.v) : fresh.e, detail).toBe(before);
    });
  }

  /**
   * Review D2 (of R6). The late erasure counted minThreshold "destroyed" reports from any node of
   * the descriptor; a 3-of-5 record's t − 1 = 2 liars erased every honest share. Now it needs t of
   * the record's own nodes, as superseding a share does.
   */
  it('D2: t − 1 liars reporting a 3-of-5 record destroyed erase no honest share (minThreshold 2)', { timeout: 60_000 }, async () => {
    cluster = await startTestCluster({ n: 5, minThreshold: 2 });
    const name = 'acme/d2';
    await createV1(name, [1, 2, 3, 4, 5], 3);
    for (const liar of [1, 2]) await cluster.nodes[liar - 1]!.store.destroyVersion(name, 1);
    const outs = [];
    for (const n of [3, 4, 5]) outs.push(await cluster.nodes[n - 1]!.reconcile());
    const disk = await Promise.all([3, 4, 5].map((n) => onDisk(n, name, 1)));
    for (const d of disk) expect(d, `${JSON.stringify(outs)}; ${disk.join(' | ')}`).toBe('active e1 WITH SEALED SHARE');
  });
});
