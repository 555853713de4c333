/**
 * The operator's signed destroy order (crypto/destroy-order.ts, node/destroy-order.ts; review F1
 * and G4). `key destroy` signs an order for the version's agreed pkS with the admin's key; each
 * node keeps it with the erased record and shows it to peers (Peer.VersionHistory
 * destroy_order). A node that missed the destroy erases its share on one order that verifies —
 * not on a node's word, which needs t voices. Before: a refresh receiver held back and down during
 * the destroy served the destroyed key beside a liar until the destroy was run again.
 *
 * The adversary: node 1 lies (store surgery while its peers are away, so its own honest code
 * never corrects it): it keeps the old record and share, and shows forged orders of every kind.
 * Real nodes over mTLS, LevelDB in temp dirs.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { GrpcLifecycleTransport } from '../../client/lifecycle-grpc.js';
import { KeyManager } from '../../client/key-manager.js';
import { createCa, issueCert } from '../../cli/pki.js';
import { toHex, utf8, type OperationParams, type SignedDestroyOrder } from '../../crypto/index.js';
import { storeOrder } from '../../node/destroy-order.js';
import { storeLastSessionKey, storeSessionKey, storeVersionKey } from '../../node/store.js';
import { adversary, settle } from '../helpers/adversary.js';
import { startTestCluster, type TestCluster } from '../helpers/cluster.js';
import { destroyedRecordWith, liarHolds, lineOf, signOrder } from '../helpers/destroy-orders.js';

let cluster: TestCluster | undefined;
const { adminClient, tenantClient, closeClients, drive, records, createV1, onDisk } = adversary(() => cluster!);

afterEach(async () => {
  await closeClients();
  await cluster?.stop();
  cluster = undefined;
});

async function until(check: () => boolean | Promise<boolean>, ms = 15_000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return check();
}

describe('a signed destroy order reaches the nodes that missed the destroy', () => {
  it('F1/G4 closed: a refresh receiver held back and down during the destroy erases its share when it comes back, on a peer’s signed order, beside a liar that kept its share', { timeout: 120_000 }, async () => {
    cluster = await startTestCluster({ n: 3, minThreshold: 2 });
    const name = 'acme/order-f1';
    const { tr, m, v, old } = await createV1(name, [1, 2, 3]);
    const input = utf8('volume-order');
    const before = toHex(await (await tenantClient('acme')).oprf(name, input, { version: 1 }));
    const liarR0 = (await cluster.nodes[0]!.store.db.get(storeVersionKey(name, 1)))!;
    // Refresh S: 1 and 2 commit, receiver 3 is held back (ready), then down during the destroy.
    const S: OperationParams = { sessionId: 'ab'.repeat(16), kind: 'refresh', keyName: name, version: 1, t: 2, receivers: [1, 2, 3], dealers: [1, 2, 3], epoch: v.epoch + 1, old };
    const log = await drive(tr, S, new Map(), [3]);
    expect(log.filter((l) => l.startsWith('commit')), log.join(' | ')).toEqual(['commit 1: true', 'commit 2: true']);
    await cluster.stopNode(3);
    const destroyed = await m.destroy(name, 1);
    expect(destroyed.unreachable.map((u) => u.index)).toEqual([3]);
    expect((await cluster.nodes[1]!.store.versionHistory(name, 1)).record?.destroyOrder, 'node 2 keeps the order').toBeDefined();
    // Liar 1 brings its epoch-1 record and share back and forgets S.
    await cluster.nodes[0]!.store.db.del(storeSessionKey(name, S.sessionId));
    await cluster.nodes[0]!.store.db.del(storeLastSessionKey(name));
    await liarHolds(cluster, name, liarR0, [2]);
    expect(await onDisk(1, name, 1)).toBe('active e1 WITH SEALED SHARE');
    // Node 3 comes back: its start-up reconcile hears node 2's order.
    const node3 = await cluster.start(3);
    const erased = await until(() => node3.store.history(name, 1) === 'destroyed');
    const fresh = await settle((await tenantClient('acme')).oprf(name, input, { version: 1 }));
    const detail = `${records(name, 1)}; client: ${fresh.ok ? (toHex(fresh.v) === before ? 'served the destroyed key' : 'other') : fresh.e}`;
    expect(erased, detail).toBe(true);
    expect(await onDisk(3, name, 1), detail).toBe('destroyed e1');
    expect(await node3.store.loadOperation(name), detail).toBeUndefined();
    expect(fresh.ok, detail).toBe(false);
    // Node 3 now shows the order too: it travels on to the next node that missed it.
    expect((await node3.store.versionHistory(name, 1)).record?.destroyOrder?.certificate, detail).toMatch(/BEGIN CERTIFICATE/);
  });

  it('forged orders erase nothing: signed by a node, by an admin without destroy, by another CA, tampered, or a genuine order of another key or pkS; a genuine one does', { timeout: 120_000 }, async () => {
    cluster = await startTestCluster({ n: 3, minThreshold: 2 });
    const name = 'acme/order-forged';
    const { v } = await createV1(name, [1, 2, 3]);
    const { v: other } = await createV1('acme/order-other', [1, 2, 3]);
    const pk = lineOf(v);
    const otherLine = lineOf(other);
    const destroyedWith = (o: SignedDestroyOrder) => destroyedRecordWith(cluster!, name, storeOrder(o));
    const node1 = { certPem: await readFile(join(cluster.dir, 'node-1', 'node.crt'), 'utf8'), keyPem: await readFile(join(cluster.dir, 'node-1', 'node.key'), 'utf8') };
    const noDestroy = await cluster.certFor({ role: 'admin', name: 'reader', capabilities: ['refresh'] });
    const destroyer = await cluster.certFor({ role: 'admin', name: 'ops', capabilities: ['destroy'] });
    const foreign = await issueCert(await createCa(), { role: 'admin', name: 'ops', capabilities: ['destroy'] });
    const forged: [string, SignedDestroyOrder][] = [
      ['signed with the liar’s own node key', signOrder(node1, name, 1, pk)],
      ['signed by an admin without the destroy capability', signOrder(noDestroy, name, 1, pk)],
      ['signed by an admin of another CA', signOrder(foreign, name, 1, pk)],
      ['tampered after signing', signOrder(destroyer, name, 1, pk, { tamper: true })],
      ['a genuine order of another key', signOrder(destroyer, 'acme/order-other', 1, otherLine)],
      ['a genuine order for this name with another pkS', signOrder(destroyer, name, 1, { pk: otherLine.pk, records: pk.records })],
      // The same key installed elsewhere (an import into another cluster under this CA) has its own line of records.
      ['an order for this key and pkS naming another line of records', signOrder(destroyer, name, 1, { pk: pk.pk, records: otherLine.records })],
      // The same k under two names or numbers (an import can do that): the order names one.
      ['an order naming this pkS under another key name', signOrder(destroyer, 'acme/order-other', 1, pk)],
      ['an order naming this pkS under another version', signOrder(destroyer, name, 2, pk)],
    ];
    for (const [what, order] of forged) {
      await liarHolds(cluster, name, await destroyedWith(order), [2, 3]);
      const outcomes = [await cluster.nodes[1]!.reconcile(), await cluster.nodes[2]!.reconcile()];
      const detail = `${what}: ${JSON.stringify(outcomes)}; ${records(name, 1)}`;
      expect(await onDisk(2, name, 1), detail).toBe(`active e${v.epoch} WITH SEALED SHARE`);
      expect(await onDisk(3, name, 1), detail).toBe(`active e${v.epoch} WITH SEALED SHARE`);
    }
    // Control: the same surgery with a genuine order erases (the setup can tell the difference).
    await liarHolds(cluster, name, await destroyedWith(signOrder(destroyer, name, 1, pk)), [2, 3]);
    await cluster.nodes[1]!.reconcile();
    await cluster.nodes[2]!.reconcile();
    expect(await onDisk(2, name, 1), records(name, 1)).toBe(`destroyed e${v.epoch}`);
    expect(await onDisk(3, name, 1), records(name, 1)).toBe(`destroyed e${v.epoch}`);
  });

  it('Admin.DestroyVersion: a malformed order, or one beside expected_record, erases nothing; one that does not verify is not kept (the share is erased all the same); a re-run adds the order where none was kept', { timeout: 60_000 }, async () => {
    cluster = await startTestCluster({ n: 3, minThreshold: 2 });
    const name = 'acme/order-admin';
    const { v } = await createV1(name, [1, 2, 3]);
    const pk = lineOf(v);
    const tr = new GrpcLifecycleTransport((await adminClient()).channels, 5_000);
    const destroyer = await cluster.certFor({ role: 'admin', name: 'ops', capabilities: ['destroy'] });
    const noDestroy = await cluster.certFor({ role: 'admin', name: 'reader', capabilities: ['refresh'] });
    const refused = [
      await settle(tr.destroy(1, name, 1, undefined, { order: new Uint8Array(9000), signature: new Uint8Array(70), certificate: destroyer.certPem })),
      await settle(tr.destroy(1, name, 1, '00'.repeat(32), signOrder(destroyer, name, 1, pk))),
    ];
    for (const r of refused) expect(r.ok ? 'erased' : r.e).toMatch(/order\.order must be at most 8192 bytes|exclude each other/);
    expect(await onDisk(1, name, 1)).toBe(`active e${v.epoch} WITH SEALED SHARE`);
    // The caller is the full admin of the test cluster: an order signed by another certificate, or
    // by one without destroy, or tampered, is not kept; the caller's own right erases.
    const notKept = [
      await settle(tr.destroy(1, name, 1, undefined, signOrder(noDestroy, name, 1, pk))),
      await settle(tr.destroy(2, name, 1, undefined, signOrder(destroyer, name, 1, pk, { tamper: true }))),
    ];
    for (const r of notKept) expect(r.ok ? 'erased' : r.e).toBe('erased');
    for (const n of [0, 1]) {
      expect(await onDisk(n + 1, name, 1)).toBe(`destroyed e${v.epoch}`);
      expect((await cluster.nodes[n]!.store.versionHistory(name, 1)).record?.destroyOrder).toBeUndefined();
    }
    // The tooling's own order verifies and is kept, also where the version was destroyed without one.
    const r = await (await KeyManager.create(await adminClient())).destroy(name, 1);
    expect(r.destroyed).toEqual([1, 2, 3]);
    for (const n of [0, 1, 2]) expect((await cluster.nodes[n]!.store.versionHistory(name, 1)).record?.destroyOrder, `node ${n + 1}`).toBeDefined();
  });
});
