/**
 * Review I5. A dealer that leaves a reshare erases its share once the new holders show the
 * session's outcome, and its tombstone names that outcome (Peer.VersionHistory left_for): a voice,
 * for another holder left out, that the version moved on (node/reconcile.ts). When the new holders
 * moved on further while the dealer was down (a refresh), it leaves on the word of t nodes agreeing
 * on a record that descends from its own (the "moved on" path) — and before this change wrote no
 * left_for there: its voice was lost. Now the tombstone names the record it found.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { KeyManager } from '../../client/key-manager.js';
import { GrpcLifecycleTransport } from '../../client/lifecycle-grpc.js';
import { fromHex, recordDigest, type OperationParams } from '../../crypto/index.js';
import { adversary, settle } from '../helpers/adversary.js';
import { startTestCluster, type TestCluster } from '../helpers/cluster.js';

let cluster: TestCluster | undefined;
const { adminClient, closeClients, driveSplit, records, createV1 } = adversary(() => cluster!);

afterEach(async () => {
  await closeClients();
  await cluster?.stop();
  cluster = undefined;
});

describe('a leaving dealer’s tombstone names what it left for, on every path', () => {
  it('I5: a leaving dealer that was down while its new holders moved on leaves naming the record t nodes agree on', { timeout: 60_000 }, async () => {
    cluster = await startTestCluster({ n: 5, minThreshold: 2 });
    const name = 'acme/left-for-moved-on';
    const { tr, m, v, old } = await createV1(name, [1, 2, 3]);
    // Reshare v1 from {1,2,3} to {3,4,5}; dealer 2 leaves but is not told to commit.
    const s: OperationParams = { sessionId: 'e5'.repeat(16), kind: 'reshare', keyName: name, version: 1, t: 2, receivers: [3, 4, 5], dealers: [2, 3], epoch: v.epoch + 1, old };
    const log = await driveSplit(tr, () => s, s, new Map(), { noCommit: [2] });
    // While node 2 is down the new holders refresh: their record no longer is the session's outcome.
    await cluster.stopNode(2);
    const refreshed = await settle(m.refresh(name, 1));
    const node2 = await cluster.start(2);
    const admin2 = await adminClient();
    const commit2 = await settle(new GrpcLifecycleTransport(admin2.channels, 5_000).commit(2, name, s.sessionId));
    const agreed = (await (await KeyManager.create(admin2)).versions(name))[0]!;
    const history = await node2.store.versionHistory(name, 1);
    const detail = `S: ${log.join(' | ')}; refresh: ${refreshed.ok ? 'ok' : refreshed.e}; node 2 commit: ${commit2.ok ? commit2.v : commit2.e}; records: ${records(name, 1)}`;
    expect(refreshed.ok, detail).toBe(true);
    expect(commit2.ok, detail).toBe(true);
    expect(agreed.epoch, detail).toBe(v.epoch + 2);
    expect(node2.store.currentShare(name, 1), detail).toBeUndefined();
    expect(history.history, detail).toBe('left');
    const digest = recordDigest({ version: 1, threshold: agreed.t, nodeIndices: agreed.nodeIndices, commitments: agreed.commitments.map((c) => fromHex(c)), epoch: agreed.epoch, lineage: agreed.lineage });
    expect(history.leftFor, detail).toBe(digest);
  });
});
