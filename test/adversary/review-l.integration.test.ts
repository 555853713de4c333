/**
 * Review L (adversarial) of 672a0e5 (destroy orders name a line of records) and 1b28589 (stale retry).
 *
 * L1 (fixed). A node that committed a refresh half-way (its record R' descends from the agreed
 *     record D) and was away during `key destroy` kept its share of the destroyed version for
 *     good: the order names [D, ...lineage(D)], not R'; no peer reports R' destroyed (t-voices
 *     rule needs R''s digest). Before 672a0e5 the pkS-bound order erased it. Now an order erases a
 *     record whose own line (digest, lineage, witnessed ancestors) meets the order's records.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { OperationParams } from '../../crypto/index.js';
import { adversary, settle } from '../helpers/adversary.js';
import { startTestCluster, type TestCluster } from '../helpers/cluster.js';

let cluster: TestCluster | undefined;
const { closeClients, records, createV1, onDisk, driveSplit } = adversary(() => cluster!);

afterEach(async () => {
  await closeClients();
  await cluster?.stop();
  cluster = undefined;
});

describe('review L', () => {
  it('L1: a node holding a half-committed descendant of the destroyed record, away during the destroy, is erased on its return', { timeout: 120_000 }, async () => {
    cluster = await startTestCluster({ n: 3, minThreshold: 2 });
    const name = 'acme/review-l1';
    const { tr, m, v, old } = await createV1(name, [1, 2, 3]);
    const p: OperationParams = { sessionId: 'd1'.repeat(16), kind: 'refresh', keyName: name, version: 1, t: 2, receivers: [1, 2, 3], dealers: [1, 2, 3], epoch: v.epoch + 1, old };
    const log = await driveSplit(tr, () => p, p, new Map(), { noCommit: [1, 2] });
    expect(log.filter((l) => l.startsWith('commit')), log.join(' / ')).toEqual(['commit 3: true']);
    // Node 3 crashes right after its commit (a partition does the same).
    await cluster.stopNode(3);
    const agreed = (await m.versions(name)).find((x) => x.version === 1)!;
    const r = await settle(m.destroy(name, 1, agreed));
    const before = `agreed epoch ${agreed.epoch}; destroy: ${JSON.stringify(r.ok ? r.v : r.e)}; ${records(name, 1)}`;
    expect(await onDisk(1, name, 1), before).toBe(`destroyed e${v.epoch}`);
    expect(await onDisk(2, name, 1), before).toBe(`destroyed e${v.epoch}`);
    await cluster.start(3);
    for (let i = 0; i < 3; i++) {
      await settle(cluster.nodes[2]!.reconcile());
      await settle(cluster.nodes[0]!.reconcile());
    }
    const after = `${before} || after: ${records(name, 1)}`;
    expect(await onDisk(3, name, 1), after).toMatch(/^destroyed/);
  });
});
