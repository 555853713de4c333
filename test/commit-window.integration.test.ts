/**
 * A client in the commit window of a refresh with a node away. Holders commit one by one; a
 * committed holder answers only the new epoch, one not yet committed only the old. With a node
 * away, for a moment neither record has t live voices, and a derivation failed although the
 * cluster served it again as soon as the away node was back. The client now waits a little and
 * asks again after a stale answer (client/evaluate.ts retryStale). Real nodes over mTLS.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { toHex, utf8, type OperationParams } from '../crypto/index.js';
import { adversary, settle } from './helpers/adversary.js';
import { startTestCluster, type TestCluster } from './helpers/cluster.js';

let cluster: TestCluster | undefined;
const { tenantClient, closeClients, driveSplit, createV1, records } = adversary(() => cluster!);

afterEach(async () => {
  await closeClients();
  await cluster?.stop();
  cluster = undefined;
});

describe('a derivation in the commit window of a refresh', () => {
  it('with a node away, the client waits out the moment in which neither epoch has t live holders', { timeout: 60_000 }, async () => {
    cluster = await startTestCluster({ n: 3, minThreshold: 2 });
    const name = 'acme/window';
    const { tr, v, old } = await createV1(name, [1, 2, 3]);
    const client = await tenantClient('acme');
    const input = utf8('volume-w');
    const before = toHex(await client.oprf(name, input, { version: 1 }));
    // A refresh of {1,2,3}: ready everywhere, committed on 1 and 3; then node 3 goes away. Node 1
    // answers epoch 2 only, node 2 epoch 1 only: neither has t = 2 live voices.
    const p: OperationParams = { sessionId: 'c0'.repeat(16), kind: 'refresh', keyName: name, version: 1, t: 2, receivers: [1, 2, 3], dealers: [1, 2, 3], epoch: v.epoch + 1, old };
    const log = await driveSplit(tr, () => p, p, new Map(), { noCommit: [2] });
    expect(log.filter((l) => l.startsWith('commit')), log.join(' | ')).toEqual(['commit 1: true', 'commit 3: true']);
    await cluster.stopNode(3);
    // Node 3 is back 400 ms later (it restarts with its committed epoch-2 share).
    const back = new Promise((r) => setTimeout(r, 400)).then(() => cluster!.start(3));
    const started = Date.now();
    const r = await settle(client.oprf(name, input, { version: 1 }));
    const waited = Date.now() - started;
    await back;
    expect(r.ok ? toHex(r.v) : r.e, `${records(name, 1)}; after ${waited} ms`).toBe(before);
    // It waited for node 3, not for ever: the retries stop after a few seconds.
    expect(waited).toBeGreaterThanOrEqual(300);
    // Node 3 away again, for good: the same client gives up after its retries (about 3.3 s), with
    // the first attempt's reasons.
    await cluster.stopNode(3);
    const t0 = Date.now();
    const gone = await settle(client.oprf(name, input, { version: 1 }));
    const gaveUp = Date.now() - t0;
    expect(gone.ok ? 'served' : gone.e).toMatch(/1 of the 2 required nodes answered validly; .*node 2: wrong epoch \(share epoch 1, expected 2\).*node 3: unavailable/);
    expect(gaveUp).toBeGreaterThanOrEqual(3_000);
    expect(gaveUp).toBeLessThan(12_000);
  });
});
