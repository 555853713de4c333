/**
 * A derivation that fails with "wrong epoch" / "not found" is retried on fresh key information
 * only while the cluster confirms a change (client/evaluate.ts `staleRetryDecision`), and every
 * invalid proof seen on the way is named (review I2, I3). Before: one node claiming another epoch
 * while two nodes were away made every derivation fetch the key information five more times and
 * wait 3.3 s (23–33 s with silent nodes), and an invalid proof from the first attempt was lost
 * when a later attempt failed. Real nodes over mTLS; the lying nodes are Byzantine proxies with
 * genuine node certificates (test/helpers/byzantine-proxy.ts).
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AdminClient } from '../../client/admin.js';
import { ThresholdError } from '../../client/errors.js';
import { KeyManager } from '../../client/key-manager.js';
import { toHex, utf8 } from '../../crypto/index.js';
import { adversary } from '../helpers/adversary.js';
import { startByzantineProxy, type ByzantineProxy, type Corruption } from '../helpers/byzantine-proxy.js';
import { descriptorBehind, startTestCluster, type TestCluster } from '../helpers/cluster.js';

let cluster: TestCluster | undefined;
const closers: (() => unknown)[] = [];
const { tenantEvaluator, closeClients } = adversary(() => cluster!);

afterEach(async () => {
  await closeClients();
  for (const c of closers.splice(0)) await c();
  await cluster?.stop();
  cluster = undefined;
});

async function setup(name: string): Promise<{ m: KeyManager; epoch: bigint }> {
  cluster = await startTestCluster({ n: 5, minThreshold: 3 });
  // The proxies issue their node certificates from the cluster's CA.
  await writeFile(join(cluster.dir, 'ca.key'), cluster.ca.keyPem, { mode: 0o600 });
  const admin = new AdminClient(await cluster.adminChannels());
  closers.push(() => admin.close());
  const m = await KeyManager.create(admin);
  await m.createKey(name, 3, [1, 2, 3, 4, 5]);
  return { m, epoch: BigInt((await m.versions(name))[0]!.epoch) };
}

async function proxy(index: number, corruption: Corruption, epoch?: string): Promise<ByzantineProxy> {
  const upstream = cluster!.descriptor().nodes.find((n) => n.index === index)!.address;
  const p = await startByzantineProxy({ clusterDir: cluster!.dir, index, upstream, tenant: 'acme', corruption, ...(epoch !== undefined ? { epoch } : {}) });
  closers.push(() => p.close());
  return p;
}

const failureOf = async (p: Promise<unknown>): Promise<ThresholdError> => {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e, 'the derivation must fail').toBeInstanceOf(ThresholdError);
  return e as ThresholdError;
};

describe('stale key information: retried only on the cluster’s word, every invalid proof named', () => {
  it('control: after a refresh the client’s cached record is stale; the retry on the new epoch derives the same output', async () => {
    const name = 'acme/stale-control';
    const { m, epoch } = await setup(name);
    const e = await tenantEvaluator('acme');
    const input = utf8('control');
    const before = await e.evaluate(name, 1, [input]);
    await m.refresh(name, 1);
    // Within the key-information TTL: the first attempt uses the cached epoch and every node says "wrong epoch".
    const after = await e.evaluate(name, 1, [input]);
    expect(toHex(after.outputs[0]!)).toBe(toHex(before.outputs[0]!));
    expect((await e.keyInfo(name)).versions[0]!.epoch).toBe(String(epoch + 1n));
  });

  it('I3: one node claiming another epoch while two nodes are away fails at once (one fresh fetch, no waits), naming the node', async () => {
    const name = 'acme/stale-liar';
    await setup(name);
    const liar = await proxy(2, 'honest', '999');
    const e = await tenantEvaluator('acme', descriptorBehind(cluster!.descriptor(), [liar]));
    await e.keyInfo(name);
    await cluster!.stopNode(4);
    await cluster!.stopNode(5);
    const fetchesBefore = liar.keyInfoCalls;
    const err = await failureOf(e.evaluate(name, 1, [utf8('liar')]));
    expect(err.failures.find((f) => f.index === 2)?.reason).toBe('wrong epoch');
    // t nodes still agree on the record that failed and the liar was already among them: nothing
    // is stale. Before: five more fetches and 3.3 s of waits per derivation.
    expect(liar.keyInfoCalls - fetchesBefore).toBe(1);
  });

  it('I2: an invalid proof from the first attempt is still named when the retry on the new epoch fails for another reason', async () => {
    const name = 'acme/stale-invalid';
    const { m, epoch } = await setup(name);
    // Node 1 answers with garbage under the old epoch: an invalid proof while the client holds
    // the old record, "wrong epoch" once it holds the new one.
    const liar = await proxy(1, 'add-generator', String(epoch));
    const e = await tenantEvaluator('acme', descriptorBehind(cluster!.descriptor(), [liar]));
    await e.keyInfo(name);
    await m.refresh(name, 1);
    await cluster!.stopNode(4);
    await cluster!.stopNode(5);
    const fetchesBefore = liar.keyInfoCalls;
    const err = await failureOf(e.evaluate(name, 1, [utf8('invalid')]));
    // Attempt 1 (old record): node 1 invalid proof, nodes 2 and 3 "wrong epoch". Attempt 2 (new
    // record, confirmed by nodes 1–3): node 1 "wrong epoch", two valid answers of three.
    expect(err.invalidProofNodes).toEqual([1]);
    expect(err.failures.filter((f) => f.index === 1).map((f) => f.reason)).toContain('wrong epoch');
    // Two fetches: one after each failed attempt; the second finds nothing new and ends it.
    expect(liar.keyInfoCalls - fetchesBefore).toBe(2);
  });
});
