/**
 * Stale shares do not outlive their epoch (attack review M1, node/reconcile.ts). A reshare may
 * leave out up to t − 1 old holders; one that was down keeps its old-epoch share and record. With
 * one lying node beside it, the old record had t voices: the version looked like a conflict (a
 * denial), and the old share still evaluated the key. Now a node that learns from t agreeing
 * peers that a version it holds moved on to a newer epoch of the same key erases its share
 * (crypto/records.ts `supersededBy`; the client side is in test/records.test.ts), and never on
 * fewer voices. Real nodes over mTLS, each test on its own cluster (it stops and restarts nodes).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { AdminClient } from '../../client/admin.js';
import { KeyManager } from '../../client/key-manager.js';
import { startTestCluster, type TestCluster } from '../helpers/cluster.js';

let cluster: TestCluster | undefined;
const admins: AdminClient[] = [];

/** A fresh admin client (channels to restarted nodes start clean). */
async function manager(): Promise<KeyManager> {
  const a = new AdminClient(await cluster!.adminChannels());
  admins.push(a);
  return KeyManager.create(a);
}

afterEach(async () => {
  for (const a of admins.splice(0)) a.close();
  await cluster?.stop();
  cluster = undefined;
});

describe('a share of an old epoch is erased once t peers agree the version moved on', () => {
  it('M1: an old holder down during a reshare that left it out erases its share when it comes back (t peers agree on the newer epoch); the client agrees on the new epoch throughout', async () => {
    cluster = await startTestCluster({ n: 4, minThreshold: 2 });
    const name = 'acme/left-out';
    const m = await manager();
    await m.createKey(name, 2, [1, 2, 3]);
    const before = (await m.versions(name))[0]!;
    // Node 3 is down; the operator reshares v1 to {1, 2, 4} (one old holder, ≤ t − 1, left out).
    await cluster!.stopNode(3);
    await (await manager()).reshare(name, 1, [1, 2, 4], 2);
    const node3 = await cluster!.start(3);
    // At start the node asks its peers; wait for that pass, then ask once more explicitly.
    const deadline = Date.now() + 15_000;
    while (node3.store.currentShare(name, 1) !== undefined && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const again = await node3.reconcile();
    expect(node3.store.currentShare(name, 1), `node 3 still holds its epoch-1 share; second pass: ${JSON.stringify(again)}`).toBeUndefined();
    expect(node3.store.history(name, 1)).toBe('left');
    // The new holders are untouched and agreed; the key is the same.
    const after = (await (await manager()).versions(name))[0]!;
    expect(after.epoch).toBe(before.epoch + 1);
    expect(after.nodeIndices).toEqual([1, 2, 4]);
    expect(Buffer.from(after.commitments[0]!).equals(Buffer.from(before.commitments[0]!))).toBe(true);
    for (const n of [1, 2, 4]) expect(cluster!.nodes[n - 1]!.store.currentShare(name, 1)).toBeDefined();
  });

  it('M1: a holder never erases on fewer than t voices: with the new holders unreachable it keeps its share', async () => {
    cluster = await startTestCluster({ n: 4, minThreshold: 2 });
    const name = 'acme/left-out-alone';
    const m = await manager();
    await m.createKey(name, 2, [1, 2, 3]);
    await cluster!.stopNode(3);
    await (await manager()).reshare(name, 1, [1, 2, 4], 2);
    // Only node 4 of the new set {1, 2, 4} answers (1 voice < t = 2) when node 3 comes back.
    await cluster!.stopNode(1);
    await cluster!.stopNode(2);
    const node3 = await cluster!.start(3);
    expect(await node3.reconcile()).toEqual([]);
    expect(node3.store.currentShare(name, 1), 'one voice for a newer epoch must not erase a share').toBeDefined();
    // When the new holders are back, it learns and erases.
    await cluster!.start(1);
    await cluster!.start(2);
    // Its channels to them may be between reconnects: the next passes ask again.
    let erased: Awaited<ReturnType<typeof node3.reconcile>> = [];
    for (let i = 0; i < 20 && erased.length === 0; i++) {
      erased = await node3.reconcile();
      if (erased.length === 0) await new Promise((r) => setTimeout(r, 250));
    }
    expect(erased.map((o) => [o.keyName, o.version, o.fromEpoch, o.toEpoch, o.inNewSet])).toEqual([[name, 1, 1, 2, false]]);
    expect(node3.store.currentShare(name, 1)).toBeUndefined();
  });
});

