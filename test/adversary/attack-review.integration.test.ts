/**
 * Adversarial review of 62b04c6 / c8ec0ff (issue 10): a malicious coordinator (admin with the
 * capabilities its certificate names) drives real nodes through the Admin lifecycle RPCs. Each
 * test states the property the threat model promises ("a coordinator + up to t-1 nodes must not
 * cause a changed, lost or forked key version"); each failed before its fix (F1–F5).
 *
 * Cluster: 6 nodes, minThreshold 2 (so two disjoint 2-of-3 groups fit in one cluster).
 */
import { createPrivateKey, sign } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdminClient } from '../../client/admin.js';
import { NodeChannels } from '../../client/channels.js';
import { receiptBundle, verifyReceipts } from '../../client/receipt.js';
import { KeyManager } from '../../client/key-manager.js';
import { GrpcLifecycleTransport } from '../../client/lifecycle-grpc.js';
import { DESTROY_RECEIPT_KIND, loadGroup, randomScalar, transcriptHash, type OperationParams } from '../../crypto/index.js';
import { deterministicRng } from '../helpers/rng.js';
import { startTestCluster, type TestCluster } from '../helpers/cluster.js';

const group = await loadGroup('sodium');

let cluster: TestCluster;
let admin: AdminClient;

beforeAll(async () => {
  cluster = await startTestCluster({ n: 6, minThreshold: 2 });
  admin = new AdminClient(await cluster.adminChannels());
});

afterAll(async () => {
  admin?.close();
  await cluster?.stop();
});

const t = () => new GrpcLifecycleTransport(admin.channels, 5_000);
const settle = <T>(p: Promise<T>) => p.then((v) => ({ ok: true as const, v }), (e: unknown) => ({ ok: false as const, e: (e as { details?: string }).details ?? String(e) }));

/** Prepare, deal and finalize a session on its participants; returns the transcript. Commits nothing. */
async function runToReady(p: OperationParams): Promise<Uint8Array> {
  const participants = [...new Set([...p.receivers, ...p.dealers])].sort((a, b) => a - b);
  const broadcast = new Map<number, Uint8Array[]>();
  for (const n of participants) {
    const C = await t().prepare(n, p);
    if (p.dealers.includes(n)) broadcast.set(n, C);
  }
  for (const n of p.dealers) await t().deal(n, p.keyName, p.sessionId);
  const qualified = [...p.dealers].sort((a, b) => a - b);
  const transcript = transcriptHash({ ...p, qualified, dealings: broadcast });
  for (const n of participants) await t().finalize(n, p.keyName, p.sessionId, qualified, transcript);
  return transcript;
}

/** What each node's own store says about keyName@version: epoch, holders and pkS, or undefined. */
function records(keyName: string, version: number): Map<number, string> {
  const out = new Map<number, string>();
  for (let n = 1; n <= 6; n++) {
    let v;
    try {
      v = cluster.nodes[n - 1]!.store.resolve(keyName, version);
    } catch {
      continue;
    }
    out.set(n, `t=${v.record.threshold} nodes=${v.record.nodeIndices.join(',')} epoch=${v.record.epoch} C=${v.record.commitments.join(',').slice(0, 16)}`);
  }
  return out;
}

describe('attack review: one (key, version) never has two records', () => {
  it('F1: two DKGs of the same (key, version) prepared before either commits never both commit (pending sessions count as used; asked again at commit)', async () => {
    const name = 'acme/fork-dkg';
    const a: OperationParams = { sessionId: 'a1'.repeat(16), kind: 'dkg', keyName: name, version: 1, t: 2, receivers: [1, 2, 3], dealers: [1, 2, 3], epoch: 1 };
    const b: OperationParams = { sessionId: 'b1'.repeat(16), kind: 'dkg', keyName: name, version: 1, t: 2, receivers: [4, 5, 6], dealers: [4, 5, 6], epoch: 1 };
    // The coordinator prepares both before committing either: every VersionHistory answer is "none".
    const ra = await settle(runToReady(a));
    const rb = await settle(runToReady(b));
    for (const n of [1, 2, 3]) await settle(t().commit(n, name, a.sessionId));
    for (const n of [4, 5, 6]) await settle(t().commit(n, name, b.sessionId));
    const recs = records(name, 1);
    const distinct = new Set(recs.values());
    // The promise: at most one record of acme/fork-dkg@1 exists on any node.
    expect(distinct.size, `prepare A: ${ra.ok}, prepare B: ${rb.ok}; records: ${JSON.stringify([...recs])}`).toBeLessThanOrEqual(1);
    const agreed = await (await KeyManager.create(admin)).agreement(name);
    expect(agreed.refused, 'the quorum refuses the version as a conflict').toEqual([]);
  });

  it('F2: a leaving dealer never aborts a reshare the new holders committed, whatever committed on the key since (every committed session is remembered)', async () => {
    const name = 'acme/fork-reshare';
    const m = await KeyManager.create(admin);
    await m.createKey(name, 2, [1, 2, 3]);
    const v = (await m.versions(name))[0]!;
    const old = { t: v.t, nodeIndices: v.nodeIndices, commitments: v.commitments, epoch: v.epoch };
    // Reshare v1 from {1,2,3} to {3,4,5}; dealers 1,2 leave. Receivers commit; the leaving dealers
    // do not hear the commit (dropped by the coordinator or the network).
    const r: OperationParams = { sessionId: 'c2'.repeat(16), kind: 'reshare', keyName: name, version: 1, t: 2, receivers: [3, 4, 5], dealers: [1, 2], epoch: v.epoch + 1, old };
    await runToReady(r);
    for (const n of [3, 4, 5]) expect(await t().commit(n, name, r.sessionId)).toBe(true);
    // Any later session on the key that commits on the new holders (here a DKG of v2; a refresh
    // of v1 does the same) overwrites their only memory of the reshare (meta/last-session).
    const d: OperationParams = { sessionId: 'd2'.repeat(16), kind: 'dkg', keyName: name, version: 2, t: 2, receivers: [3, 4, 5], dealers: [3, 4, 5], epoch: 1 };
    await runToReady(d);
    for (const n of [3, 4, 5]) expect(await t().commit(n, name, d.sessionId)).toBe(true);
    // The honest operator tool now sees the reshare pending on 1, 2 and "cancels" it: the new
    // holders answer "none" for the reshare session, so the leaving dealers abort and keep the old
    // record (epoch 1, nodes 1,2,3) — t = 2 voices — next to the new one (epoch 2, nodes 3,4,5).
    const res = await settle(m.abortOp(name));
    const recs = records(name, 1);
    expect(new Set(recs.values()).size, `abort-op: ${JSON.stringify(res)}; records: ${JSON.stringify([...recs])}`).toBeLessThanOrEqual(1);
    expect(cluster.nodes[0]!.store.currentShare(name, 1), 'node 1 left v1 and must not hold a share of it').toBeUndefined();
  });

  it('F3: a reshare may leave out at most old t − 1 old holders (else they would keep an agreed old record)', async () => {
    const name = 'acme/fork-bystanders';
    const m = await KeyManager.create(admin);
    await m.createKey(name, 2, [1, 2, 3, 4, 5]);
    const v = (await m.versions(name))[0]!;
    const old = { t: v.t, nodeIndices: v.nodeIndices, commitments: v.commitments, epoch: v.epoch };
    // Dealers 1,2 reshare to {1,2,6}; old holders 3,4,5 (3 ≥ t) are not told and keep epoch 1.
    const r: OperationParams = { sessionId: 'e3'.repeat(16), kind: 'reshare', keyName: name, version: 1, t: 2, receivers: [1, 2, 6], dealers: [1, 2], epoch: v.epoch + 1, old };
    const ready = await settle(runToReady(r));
    if (ready.ok) for (const n of [1, 2, 6]) await settle(t().commit(n, name, r.sessionId));
    const agreed = await m.agreement(name);
    expect(agreed.refused, `prepare: ${JSON.stringify(ready.ok ? 'ok' : ready.e)}; records: ${JSON.stringify([...records(name, 1)])}`).toEqual([]);
  });
});

describe('attack review: commit/abort intent', () => {
  it('F2b: a ready receiver that missed the commit rolls forward a refresh the others committed, even after another session committed on the key: one epoch', async () => {
    const name = 'acme/two-epochs';
    const m = await KeyManager.create(admin);
    await m.createKey(name, 2, [1, 2, 3]);
    const v = (await m.versions(name))[0]!;
    const old = { t: v.t, nodeIndices: v.nodeIndices, commitments: v.commitments, epoch: v.epoch };
    const r: OperationParams = { sessionId: 'f4'.repeat(16), kind: 'refresh', keyName: name, version: 1, t: 2, receivers: [1, 2, 3], dealers: [1, 2, 3], epoch: v.epoch + 1, old };
    await runToReady(r);
    // Nodes 1 and 2 commit (they see node 3 ready); node 3's commit is dropped.
    for (const n of [1, 2]) expect(await t().commit(n, name, r.sessionId)).toBe(true);
    // Another session commits on the key on nodes 1, 2 (node 3 is busy: its refresh is pending).
    const d: OperationParams = { sessionId: 'a5'.repeat(16), kind: 'dkg', keyName: name, version: 2, t: 2, receivers: [1, 2, 4], dealers: [1, 2, 4], epoch: 1 };
    await runToReady(d);
    for (const n of [1, 2, 4]) expect(await t().commit(n, name, d.sessionId)).toBe(true);
    // Node 3 asks 1 and 2 about the refresh: "none". It aborts and keeps its epoch-1 share.
    const res = await settle(t().abort(3, name, r.sessionId));
    // Refused or not, the operator's recovery (abort-op) must leave one epoch everywhere.
    await settle(m.abortOp(name));
    const epochs = [1, 2, 3].map((n) => cluster.nodes[n - 1]!.store.resolve(name, 1).record.epoch);
    expect(new Set(epochs).size, `abort on node 3: ${JSON.stringify(res)}; epochs by node: ${epochs.join(',')}`).toBe(1);
  });
});


describe('attack review: roll-forward is never stranded', () => {
  it('M2: a receiver that missed a DKG commit still rolls forward after the others destroyed the version — as destroyed, writing no share (the commit-time number check trusts committed participants)', async () => {
    const name = 'acme/stranded';
    const p: OperationParams = { sessionId: 'c7'.repeat(16), kind: 'dkg', keyName: name, version: 1, t: 2, receivers: [1, 2, 3], dealers: [1, 2, 3], epoch: 1 };
    await runToReady(p);
    for (const n of [1, 2]) expect(await t().commit(n, name, p.sessionId)).toBe(true);
    // Nodes 1, 2 destroy the version; node 3 never heard the commit. Its number check would now
    // see "destroyed" elsewhere — but nodes 1, 2 committed this very session, so it rolls forward.
    for (const n of [1, 2]) await t().destroy(n, name, 1);
    const m = await KeyManager.create(admin);
    expect((await m.abortOp(name)).outcome).toBe('committed');
    expect((await t().status(3, name)).sessionId).toBe('');
    const record = cluster.nodes[2]!.store.resolve(name, 1).record;
    expect([record.session, record.state, record.sealedShare]).toEqual([p.sessionId, 'destroyed', undefined]);
    expect(cluster.nodes[2]!.store.currentShare(name, 1)).toBeUndefined();
  });
});

describe('attack review: import and receipts', () => {
  it('F4: an import-capable admin cannot fork an existing DKG version (ImportShare asks every node, tombstones included)', async () => {
    const name = 'acme/fork-import';
    const m = await KeyManager.create(admin);
    await m.createKey(name, 2, [1, 2, 3]);
    const pair = await cluster.certFor({ role: 'admin', name: 'importer', capabilities: ['import'] });
    const d = cluster.descriptor();
    const sub = new NodeChannels({ ...d, nodes: d.nodes.filter((n) => n.index >= 4) }, { tls: { ca: Buffer.from(cluster.ca.certPem), cert: Buffer.from(pair.certPem), key: Buffer.from(pair.keyPem) } });
    const importer = new AdminClient(sub);
    try {
      const res = await settle(importer.importKey(name, randomScalar(group, deterministicRng('fork-import')), 2, { version: 1 }));
      const agreed = await m.agreement(name);
      // "installs a key it knows" is not promised away; rewriting a version that exists is.
      expect(agreed.refused, `import: ${JSON.stringify(res.ok ? 'ok' : res.e)}; records: ${JSON.stringify([...records(name, 1)])}`).toEqual([]);
    } finally {
      importer.close();
    }
  });

  it('ML3: two imports of one number with different keys, racing on disjoint nodes, never both land (each node marks its import before it asks)', async () => {
    const name = 'acme/import-race';
    const pair = await cluster.certFor({ role: 'admin', name: 'importer2', capabilities: ['import'] });
    const d = cluster.descriptor();
    const tls = { tls: { ca: Buffer.from(cluster.ca.certPem), cert: Buffer.from(pair.certPem), key: Buffer.from(pair.keyPem) } };
    const a = new AdminClient(new NodeChannels({ ...d, nodes: d.nodes.filter((n) => n.index <= 3) }, tls));
    const b = new AdminClient(new NodeChannels({ ...d, nodes: d.nodes.filter((n) => n.index >= 4) }, tls));
    try {
      for (let round = 1; round <= 4; round++) {
        const [ra, rb] = await Promise.all([
          settle(a.importKey(name, randomScalar(group, deterministicRng(`race-a-${round}`)), 2, { version: round })),
          settle(b.importKey(name, randomScalar(group, deterministicRng(`race-b-${round}`)), 2, { version: round })),
        ]);
        const pks = new Set<string>();
        for (let n = 1; n <= 6; n++) {
          const v = cluster.nodes[n - 1]!.store.history(name, round) === 'held' ? cluster.nodes[n - 1]!.store.resolve(name, round) : undefined;
          if (v) pks.add(Buffer.from(v.publicKey).toString('hex'));
        }
        expect(pks.size, `round ${round}: A ${ra.ok ? 'ok' : ra.e}; B ${rb.ok ? 'ok' : rb.e}`).toBeLessThanOrEqual(1);
      }
    } finally {
      a.close();
      b.close();
    }
  });

  it('F5: receipt verify never trusts the record a bundle names on its own word: one lying node + a bundle naming its 1-of-1 record gets no "shredded" verdict', async () => {
    const name = 'acme/live';
    const m = await KeyManager.create(admin);
    await m.createKey(name, 2, [1, 2, 3]);
    const v = (await m.versions(name))[0]!;
    const nodeKey = createPrivateKey(await readFile(join(cluster.dir, 'node-1', 'node.key')));
    const certificate = await readFile(join(cluster.dir, 'node-1', 'node.crt'), 'utf8');
    const statement = { kind: DESTROY_RECEIPT_KIND, keyName: name, version: 1, node: 1, threshold: 1, nodeIndices: [1], publicKey: v.commitments[0]!, epoch: v.epoch, signedAtMs: Date.now() };
    const bytes = Buffer.from(JSON.stringify(statement));
    const receipt = { node: 1, receipt: bytes.toString('base64'), signature: sign('sha256', bytes, nodeKey).toString('base64'), certificate };
    const bundle = receiptBundle(name, 1, { t: 1, nodeIndices: [1], commitments: v.commitments, epoch: v.epoch }, [receipt as never]);
    const verdict = verifyReceipts(bundle, cluster.ca.certPem, { minThreshold: 2 });
    // The version is live on nodes 1, 2, 3 (t = 2, minThreshold 2); no verdict may say otherwise.
    expect(verdict.shredded, JSON.stringify(verdict)).toBe(false);
    expect(cluster.nodes[1]!.store.currentShare(name, 1)).toBeDefined();
  });
});
