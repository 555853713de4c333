/**
 * Crypto-shredding against sessions in flight. `DestroyVersion` erases a node's share; a refresh,
 * reshare or rotation of the same key may be pending at that moment, started by another operator
 * or by a coordinator that holds lifecycle capabilities but not `destroy`. Before this change:
 *
 *   D1. A refresh ready before the destroy still committed after it: each holder wrote the new
 *       share, sealed, into the record now marked destroyed. The share was back on disk; the
 *       destroy receipts said it was erased.
 *   D2. A reshare to new nodes ready before the destroy still committed on the new holders after
 *       it (they asked only whether the dealers were ready). t new holders served the destroyed key
 *       again, and clients took it: "destroyed" counts only when fewer than t holders answer.
 *   D3. DestroyVersion did not take the key's lock, so a rotation committing at the same moment
 *       (retire: [destroyed version]) could write the old record back, share and all, as
 *       decrypt-only. The window is one LevelDB write, so D3 shows the cause directly: while the
 *       key's lock is held (as a commit holds it), DestroyVersion waits. D3r runs a rotation's
 *       commit and the destroy of the version it retires together and checks the disk; on the old
 *       code it failed only by chance.
 *
 * Now a node destroys under the key's lock and drops, in the same write, a pending session on the
 * version it destroys, whatever its phase (its pending share is key material of the destroyed
 * version too); and a node never commits a session onto a version it holds as destroyed.
 * Real nodes over mTLS with LevelDB; the coordinator drives Admin directly.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { toHex, utf8, type OperationParams } from '../../crypto/index.js';
import { adversary, settle } from '../helpers/adversary.js';
import { startTestCluster, type TestCluster } from '../helpers/cluster.js';

let cluster: TestCluster | undefined;
const { adminClient, tenantClient, closeClients, drive, records, createV1, onDisk } = adversary(() => cluster!);

afterEach(async () => {
  await closeClients();
  await cluster?.stop();
  cluster = undefined;
});

async function setup(n: number, name: string, holders: number[]) {
  cluster = await startTestCluster({ n, minThreshold: 2 });
  return createV1(name, holders);
}

describe('destroy against sessions in flight', () => {
  it('D1: a refresh ready before the destroy does not commit after it, and no share is written back', { timeout: 60_000 }, async () => {
    const name = 'acme/destroy-refresh';
    const { tr, v, old } = await setup(3, name, [1, 2, 3]);
    const p: OperationParams = { sessionId: 'd1'.repeat(16), kind: 'refresh', keyName: name, version: 1, t: 2, receivers: [1, 2, 3], dealers: [1, 2, 3], epoch: v.epoch + 1, old };
    const log = await drive(tr, p, new Map(), [1, 2, 3]);
    expect(log.filter((l) => l.startsWith('finalize')), log.join(' | ')).toEqual(['finalize 1: ok', 'finalize 2: ok', 'finalize 3: ok']);
    for (const n of [1, 2, 3]) expect((await tr.destroy(n, name, 1)).destroyedNow).toBe(true);
    const commits: string[] = [];
    for (const n of [1, 2, 3]) {
      const r = await settle(tr.commit(n, name, p.sessionId));
      commits.push(`commit ${n}: ${r.ok ? r.v : r.e}`);
    }
    const disk = await Promise.all([1, 2, 3].map((n) => onDisk(n, name, 1)));
    expect(disk, `${commits.join(' | ')}; ${records(name, 1)}`).toEqual(['destroyed e1', 'destroyed e1', 'destroyed e1']);
    for (const c of commits) expect(c).toMatch(/not pending/);
    // Nothing of the session is left to commit or to hold key material.
    for (const n of [1, 2, 3]) expect(await cluster!.nodes[n - 1]!.store.loadOperation(name)).toBeUndefined();
  });

  it('D1b: a pending session put back after the destroy (a restored backup, an older node) still cannot commit onto the destroyed version', { timeout: 60_000 }, async () => {
    const name = 'acme/destroy-restored-op';
    const { tr, v, old } = await setup(3, name, [1, 2, 3]);
    const p: OperationParams = { sessionId: 'd2'.repeat(16), kind: 'refresh', keyName: name, version: 1, t: 2, receivers: [1, 2, 3], dealers: [1, 2, 3], epoch: v.epoch + 1, old };
    await drive(tr, p, new Map(), [1, 2, 3]);
    const saved = await Promise.all([1, 2, 3].map(async (n) => (await cluster!.nodes[n - 1]!.store.loadOperation(name))!));
    for (const n of [1, 2, 3]) await tr.destroy(n, name, 1);
    for (const n of [1, 2, 3]) await cluster!.nodes[n - 1]!.store.saveOperation(saved[n - 1]!, 'restore');
    const commits: string[] = [];
    for (const n of [1, 2, 3]) {
      const r = await settle(tr.commit(n, name, p.sessionId));
      commits.push(`commit ${n}: ${r.ok ? r.v : r.e}`);
      expect(r.ok, commits.join(' | ')).toBe(false);
      if (!r.ok) expect(r.e).toMatch(/destroyed/);
    }
    expect(await Promise.all([1, 2, 3].map((n) => onDisk(n, name, 1)))).toEqual(['destroyed e1', 'destroyed e1', 'destroyed e1']);
  });

  it('D2: a reshare to new nodes ready before the destroy does not bring the destroyed key back on the new holders', { timeout: 60_000 }, async () => {
    const name = 'acme/destroy-reshare';
    const { tr, v, old } = await setup(6, name, [1, 2, 3]);
    const input = utf8('volume-9');
    const before = toHex(await (await tenantClient('acme')).oprf(name, input, { version: 1 }));
    const p: OperationParams = { sessionId: 'd3'.repeat(16), kind: 'reshare', keyName: name, version: 1, t: 2, receivers: [4, 5, 6], dealers: [1, 2], epoch: v.epoch + 1, old };
    const log = await drive(tr, p, new Map(), [1, 2, 4, 5, 6]);
    expect(log.filter((l) => l.startsWith('finalize')), log.join(' | ')).toEqual(['finalize 1: ok', 'finalize 2: ok', 'finalize 4: ok', 'finalize 5: ok', 'finalize 6: ok']);
    // The operator destroys v1 on every holder of the record (nodes 4, 5 and 6 hold none yet: NOT_FOUND).
    for (const n of [1, 2, 3]) expect((await tr.destroy(n, name, 1)).destroyedNow).toBe(true);
    for (const n of [4, 5, 6]) expect((await settle(tr.destroy(n, name, 1))).ok).toBe(false);
    const commits: string[] = [];
    for (const n of [4, 5, 6]) {
      const r = await settle(tr.commit(n, name, p.sessionId));
      commits.push(`commit ${n}: ${r.ok ? r.v : r.e}`);
    }
    const detail = `${commits.join(' | ')}; ${records(name, 1)}`;
    for (const n of [4, 5, 6]) expect(cluster!.nodes[n - 1]!.store.currentShare(name, 1), detail).toBeUndefined();
    // The new holders' pending shares are gone too: they were key material of the destroyed version.
    for (const n of [4, 5, 6]) expect(await cluster!.nodes[n - 1]!.store.loadOperation(name), detail).toBeUndefined();
    const fresh = await settle((await tenantClient('acme')).oprf(name, input, { version: 1 }));
    expect(fresh.ok ? `served ${toHex(fresh.v)} (before: ${before})` : 'refused', detail).toBe('refused');
  });

  it('D3: DestroyVersion waits while the key\'s lifecycle lock is held (by a commit, a rotation, a reconcile)', { timeout: 60_000 }, async () => {
    const name = 'acme/destroy-lock';
    const { tr } = await setup(3, name, [1, 2, 3]);
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const lock = cluster!.nodes[0]!.lifecycle.locked(name, () => held);
    let done = false;
    const destroy = settle(tr.destroy(1, name, 1)).then((r) => ((done = true), r));
    await new Promise((r) => setTimeout(r, 400));
    expect(done, 'DestroyVersion finished while the key was locked').toBe(false);
    expect(await onDisk(1, name, 1)).toBe('active e1 WITH SEALED SHARE');
    release();
    await lock;
    const r = await destroy;
    expect(r.ok && r.v.destroyedNow, r.ok ? '' : r.e).toBe(true);
    expect(await onDisk(1, name, 1)).toBe('destroyed e1');
  });

  it('D3r: a rotation committing while its retired version is destroyed never writes that version\'s share back', { timeout: 120_000 }, async () => {
    const name = 'acme/destroy-rotate';
    const { tr } = await setup(3, name, [1, 2, 3]);
    for (let round = 0; round < 4; round++) {
      const version = round + 2;
      const p: OperationParams = { sessionId: `d4${round}`.padEnd(32, '0'), kind: 'dkg', keyName: name, version, t: 2, receivers: [1, 2, 3], dealers: [1, 2, 3], epoch: 1, retire: [version - 1] };
      const log = await drive(tr, p, new Map(), [1, 2, 3]);
      expect(log.filter((l) => l.startsWith('finalize')), log.join(' | ')).toEqual(['finalize 1: ok', 'finalize 2: ok', 'finalize 3: ok']);
      // Commit the rotation and destroy the version it retires, at once, on every node.
      const both = await Promise.all([1, 2, 3].flatMap((n) => [settle(tr.commit(n, name, p.sessionId)), settle(tr.destroy(n, name, version - 1))]));
      const detail = both.map((r) => (r.ok ? 'ok' : r.e)).join(' | ');
      for (const n of [1, 2, 3]) {
        expect(await onDisk(n, name, version - 1), `round ${round}, node ${n}: ${detail}`).toMatch(/^destroyed/);
        expect(cluster!.nodes[n - 1]!.store.currentShare(name, version - 1)).toBeUndefined();
      }
      // The rotation itself committed (destroy waited for it, or it waited for destroy).
      for (const n of [1, 2, 3]) expect(await onDisk(n, name, version), detail).toBe('active e1 WITH SEALED SHARE');
    }
  });
});
