/**
 * The adversarial tier (issue 10, DESIGN.md "Trust anchors"): a lying node and a malicious
 * coordinator act against real nodes (in-process gRPC servers over mTLS, LevelDB in temp dirs)
 * and the real client. Each test names the scenario of the issue it closes. The cluster policy
 * says minThreshold 3; the key is 3-of-5, imported from a known secret so that every output can
 * be compared with RFC 9497 Evaluate(k, input).
 */
import { createPrivateKey, sign } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdminClient } from '../../client/admin.js';
import { NodeChannels } from '../../client/channels.js';
import { SplitkeyClient } from '../../client/client.js';
import { ThresholdError } from '../../client/errors.js';
import { ThresholdEvaluator } from '../../client/evaluate.js';
import { KeyManager } from '../../client/key-manager.js';
import { GrpcLifecycleTransport } from '../../client/lifecycle-grpc.js';
import { receiptBundle, verifyReceipts, type ReceiptBundle } from '../../client/receipt.js';
import type { ClusterDescriptor } from '../../client/descriptor.js';
import { createSuite, evaluate, receiptRecordDiffers, fromHex, loadGroup, randomScalar, toHex, transcriptHash, utf8, type OperationParams } from '../../crypto/index.js';
import { startTestCluster, type TestCluster } from '../helpers/cluster.js';
import { startLyingNode, type Lie, type LyingNode } from '../helpers/lying-node.js';
import { deterministicRng } from '../helpers/rng.js';

const group = await loadGroup('sodium');
const suite = createSuite(group);
const KEY = 'acme/trust';
const input = utf8('volume-7');
const secret = randomScalar(group, deterministicRng('adversary'));
const expected = toHex(evaluate(suite, secret, input));

let cluster: TestCluster;
let admin: AdminClient;
let clientPem: { ca: Buffer; cert: Buffer; key: Buffer };
const liars: LyingNode[] = [];

/** Answers the client refused, by node: what `onWarning` reported. */
const refusedAnswers: { index: number; reason: string }[] = [];

async function clientWith(descriptor: ClusterDescriptor): Promise<SplitkeyClient> {
  const evaluator = await ThresholdEvaluator.create(new NodeChannels(descriptor, { tls: clientPem }), { timeoutMs: 2000, hedgeDelayMs: 50, checkThreads: 0 });
  return new SplitkeyClient(evaluator, new Uint8Array(32).fill(9), 0, 1024, (w) => refusedAnswers.push(...w.nodes.map((f) => ({ index: f.index, reason: f.reason }))));
}

/** The client's descriptor with node `index` replaced by a liar telling `lie`. */
async function behindLiar(lie: Lie, index = 1): Promise<{ client: SplitkeyClient; liar: LyingNode }> {
  const d = cluster.descriptor();
  const upstream = d.nodes.find((n) => n.index === index)!.address;
  const liar = await startLyingNode({ ca: cluster.ca, index, upstream, tenant: 'acme', lie });
  liars.push(liar);
  const client = await clientWith({ ...d, nodes: d.nodes.map((n) => (n.index === index ? { ...n, address: liar.address } : n)) });
  return { client, liar };
}

beforeAll(async () => {
  // faultTolerance 0: the scenarios run sessions on node subsets ({1,2,3}, {3,4,5}) with t = 3; the
  // default (minThreshold − 1 = 2 silent nodes survived, n ≥ t + 2) is tested in attack3 "F8".
  cluster = await startTestCluster({ n: 5, minThreshold: 3, faultTolerance: 0 });
  const pair = await cluster.certFor({ role: 'client', tenant: 'acme', name: 'app' });
  clientPem = { ca: Buffer.from(cluster.ca.certPem), cert: Buffer.from(pair.certPem), key: Buffer.from(pair.keyPem) };
  admin = new AdminClient(await cluster.adminChannels());
  await admin.importKey(KEY, secret, 3);
});

afterAll(async () => {
  await Promise.all(liars.map((l) => l.close()));
  admin?.close();
  await cluster?.stop();
});

describe('a lying node cannot choose, rewrite or deny a key (client side)', () => {
  it('scenario 1: a forged version (t = 1, the liar’s own key) is never used; the liar is named', async () => {
    const { client, liar } = await behindLiar('forge-version');
    try {
      const info = await client.keyInfo(KEY);
      expect(info.versions.map((v) => v.version)).toEqual([1]);
      expect(info.suspects).toContainEqual({ index: 1, version: 2, reason: "threshold 1 is below the cluster's minimum 3" });
      const { version } = await client.deriveKey(KEY, 'r');
      expect(version).toBe(1);
      expect(toHex(await client.oprf(KEY, input))).toBe(expected);
      expect(liar.answeredWithX).toBe(0);
    } finally {
      await client.close();
    }
  });

  it('scenario 2: a rewritten record of the existing version loses to the quorum; output is RFC Evaluate(k, ·)', async () => {
    const { client, liar } = await behindLiar('rewrite');
    try {
      const info = await client.keyInfo(KEY);
      expect(info.versions).toHaveLength(1);
      expect(info.versions[0]!.threshold).toBe(3);
      expect(info.versions[0]!.holders).toEqual([2, 3, 4, 5]);
      expect(info.suspects.map((s) => s.index)).toEqual([1]);
      // Node 1 is still a member of the agreed record, so it may be asked; its answers under x
      // then fail their proofs against the agreed pk_1 and are refused by name.
      refusedAnswers.length = 0;
      for (let i = 0; i < 6; i++) expect(toHex(await client.oprf(KEY, input))).toBe(expected);
      expect(refusedAnswers.filter((r) => r.index === 1 && r.reason === 'invalid proof')).toHaveLength(liar.answeredWithX);
      // The library's per-node counters: record conflicts and proof failures of the liar only.
      const counters = client.nodeCounters();
      expect([...counters.keys()]).toEqual([1]);
      expect(counters.get(1)!.recordConflicts).toBeGreaterThanOrEqual(1);
      expect(counters.get(1)!.invalidProofs).toBe(liar.answeredWithX);
    } finally {
      await client.close();
    }
  });

  it('scenario 3: one node saying "destroyed" does not deny a version four honest nodes serve', async () => {
    const { client } = await behindLiar('destroyed');
    try {
      const info = await client.keyInfo(KEY);
      expect(info.versions[0]!.state).toBe('active');
      expect(toHex(await client.oprf(KEY, input))).toBe(expected);
    } finally {
      await client.close();
    }
  });

  it('scenario 8: a channel is pinned to the node’s identity — another node’s certificate at its address is refused', async () => {
    const d = cluster.descriptor();
    const addressOf2 = d.nodes.find((n) => n.index === 2)!.address;
    const client = await clientWith({ ...d, nodes: [{ index: 1, address: addressOf2 }, ...d.nodes.filter((n) => n.index === 2 || n.index === 3)] });
    try {
      const err = (await client.oprf(KEY, input).catch((e) => e)) as ThresholdError;
      expect(err).toBeInstanceOf(ThresholdError);
      expect(err.failures.find((f) => f.index === 1)!.detail).toMatch(/splitkey:\/\/node\/2, not splitkey:\/\/node\/1/);
    } finally {
      await client.close();
    }
  });

  it('TLS SNI carries a name, never an IP (no DEP0123): node-<i>.splitkey for a node dialled by IP', async () => {
    const { createServer } = await import('node:tls');
    const pair = await cluster.certFor({ role: 'node', index: 4 });
    const seen: string[] = [];
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name + ': ' + w.message);
    process.on('warning', onWarning);
    const server = createServer({ key: pair.keyPem, cert: pair.certPem, ALPNProtocols: ['h2'] }, (sock) => sock.destroy());
    server.on('secureConnection', (sock) => seen.push((sock as unknown as { servername: string }).servername));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    const client = await clientWith({ name: 'sni', nodes: [{ index: 4, address: `127.0.0.1:${port}` }] });
    try {
      await client.keyInfo(KEY).catch(() => undefined);
      expect(seen[0]).toBe('node-4.splitkey');
      expect(warnings.filter((w) => /DEP0123/.test(w))).toEqual([]);
    } finally {
      process.off('warning', onWarning);
      await client.close();
      server.close();
    }
  });

  it('the operator tooling agrees by quorum with the policy too (a version with t below minThreshold is never listed)', async () => {
    const m = await KeyManager.create(admin);
    const a = await m.agreement(KEY);
    expect(a.versions.map((v) => [v.version, v.t, v.holders])).toEqual([[1, 3, [1, 2, 3, 4, 5]]]);
  });
});

describe('a malicious coordinator cannot hijack, commit early, or learn k (node side)', () => {
  const t = () => new GrpcLifecycleTransport(admin.channels, 5_000);
  const session = (c: string) => c.repeat(32);
  const errorOf = async (p: Promise<unknown>) => {
    const e = (await p.then(() => undefined, (err: unknown) => err)) as { details?: string; message?: string } | undefined;
    return e?.details ?? e?.message ?? '';
  };

  async function oldState() {
    const v = (await (await KeyManager.create(admin)).versions(KEY))[0]!;
    return { t: v.t, nodeIndices: v.nodeIndices, commitments: v.commitments, epoch: v.epoch };
  }

  it('scenario 4: a forged "old state" in a reshare is refused by every participant that holds the version', async () => {
    const real = await oldState();
    const x = randomScalar(group, deterministicRng('forged'));
    const forged = { t: 1, nodeIndices: [1], commitments: [toHex(group.mulBase(x))], epoch: real.epoch };
    const p: OperationParams = { sessionId: session('a'), kind: 'reshare', keyName: KEY, version: 1, t: 3, receivers: [1, 2, 3, 4, 5], dealers: [1], epoch: real.epoch + 1, old: forged };
    // Node 1 (dealer), and nodes 2..5 (receivers that hold the version) all compare with their own record.
    for (const n of [1, 2, 3, 4, 5]) expect(await errorOf(t().prepare(n, p)), `node ${n}`).toMatch(/not this node's|below this cluster's minThreshold/);
    const sameT = { ...p, sessionId: session('b'), dealers: [1, 2, 3], old: { ...real, commitments: [toHex(group.mulBase(x)), ...real.commitments.slice(1)] } };
    for (const n of [1, 2, 3, 4, 5]) expect(await errorOf(t().prepare(n, sameT)), `node ${n}`).toMatch(/old state of acme\/trust@1 is not this node's: other commitments/);
    // Nothing was left pending anywhere.
    for (const n of [1, 2, 3, 4, 5]) expect((await t().status(n, KEY)).sessionId).toBe('');
  });

  it('scenario 5: no node commits without evidence that every participant is ready with the same transcript', async () => {
    const name = 'acme/early';
    const p: OperationParams = { sessionId: session('c'), kind: 'dkg', keyName: name, version: 1, t: 3, receivers: [1, 2, 3], dealers: [1, 2, 3], epoch: 1 };
    const broadcast = new Map<number, Uint8Array[]>();
    for (const n of [1, 2, 3]) broadcast.set(n, await t().prepare(n, p));
    for (const n of [1, 2, 3]) await t().deal(n, name, p.sessionId);
    // Not ready at all.
    expect(await errorOf(t().commit(1, name, p.sessionId))).toMatch(/not ready on node 1/);
    const transcript = transcriptHash({ ...p, qualified: [1, 2, 3], dealings: broadcast });
    await t().finalize(1, name, p.sessionId, [1, 2, 3], transcript);
    await t().finalize(2, name, p.sessionId, [1, 2, 3], transcript);
    // Node 1 is ready, but node 3 is not: node 1 will not commit on the coordinator's word.
    expect(await errorOf(t().commit(1, name, p.sessionId))).toMatch(/every participant must be ready with the same transcript \(node 3 is prepared/);
    await t().finalize(3, name, p.sessionId, [1, 2, 3], transcript);
    expect(await t().commit(1, name, p.sessionId)).toBe(true);
    // Node 1 committed; node 2 (ready) refuses to abort: it must roll forward.
    expect(await errorOf(t().abort(2, name, p.sessionId))).toMatch(/committed on node\(s\) 1; it must roll forward/);
    const m = await KeyManager.create(admin);
    expect((await m.abortOp(name)).outcome).toBe('committed');
    expect((await m.versions(name)).map((v) => v.holders)).toEqual([[1, 2, 3]]);
  });

  it('scenario 5: a dealer that leaves erases its share only after every new holder committed', async () => {
    const real = await oldState();
    const p: OperationParams = { sessionId: session('d'), kind: 'reshare', keyName: KEY, version: 1, t: 3, receivers: [2, 3, 4, 5], dealers: [1, 2, 3], epoch: real.epoch + 1, old: real };
    const broadcast = new Map<number, Uint8Array[]>();
    for (const n of [1, 2, 3, 4, 5]) {
      const C = await t().prepare(n, p);
      if (p.dealers.includes(n)) broadcast.set(n, C);
    }
    for (const n of p.dealers) await t().deal(n, KEY, p.sessionId);
    const transcript = transcriptHash({ ...p, qualified: [1, 2, 3], dealings: broadcast });
    for (const n of [1, 2, 3, 4, 5]) await t().finalize(n, KEY, p.sessionId, [1, 2, 3], transcript);
    expect(await errorOf(t().commit(1, KEY, p.sessionId))).toMatch(/every new holder must have committed before this node erases its share/);
    expect(cluster.nodes[0]!.store.currentShare(KEY, 1)).toBeDefined();
    // The honest way round: receivers first, then the leaving dealer. Outputs unchanged.
    for (const n of [2, 3, 4, 5]) expect(await t().commit(n, KEY, p.sessionId)).toBe(true);
    expect(await t().commit(1, KEY, p.sessionId)).toBe(true);
    expect(cluster.nodes[0]!.store.currentShare(KEY, 1)).toBeUndefined();
    const client = await clientWith(cluster.descriptor());
    try {
      expect(toHex(await client.oprf(KEY, input))).toBe(expected);
    } finally {
      await client.close();
    }
  });

  it('a version number is never created twice: a node that left keeps a tombstone, and every node of the cluster is asked before a DKG', async () => {
    // After the reshare above, node 1 left acme/trust@1 (nodes 2..5 hold it). A coordinator that
    // tries to create "v1" again — on the node that left, or on nodes that never held a key —
    // is refused by the nodes themselves, naming who holds or held the number.
    const again: OperationParams = { sessionId: session('7'), kind: 'dkg', keyName: KEY, version: 1, t: 3, receivers: [1, 2, 3], dealers: [1, 2, 3], epoch: 1 };
    expect(cluster.nodes[0]!.store.history(KEY, 1)).toBe('left');
    expect(await errorOf(t().prepare(1, again))).toMatch(/is one this node held and left; a version number is never reused/);
    const name = 'acme/taken';
    await (await KeyManager.create(admin)).createKey(name, 3, [1, 2, 3]);
    const elsewhere: OperationParams = { sessionId: session('8'), kind: 'dkg', keyName: name, version: 1, t: 3, receivers: [3, 4, 5], dealers: [3, 4, 5], epoch: 1 };
    for (const n of [4, 5]) expect(await errorOf(t().prepare(n, elsewhere)), `node ${n}`).toMatch(/acme\/taken is or was in use: node 1 \(held\), node 2 \(held\), node 3 \(held\)/);
    // A node that cannot be asked might hold the number: the DKG waits for it.
    await cluster.stopNode(2);
    try {
      const fresh: OperationParams = { ...elsewhere, sessionId: session('9'), keyName: 'acme/fresh', receivers: [3, 4, 5], dealers: [3, 4, 5] };
      expect(await errorOf(t().prepare(4, fresh))).toMatch(/every node of the cluster must confirm the number is not in use elsewhere, and node 2 .* cannot be asked/);
      expect((await t().status(4, 'acme/fresh')).sessionId).toBe('');
    } finally {
      await cluster.start(2);
    }
    // Nothing was left pending, and a fresh number still works.
    for (const n of [1, 2, 3, 4, 5]) expect((await t().status(n, name)).sessionId).toBe('');
    expect((await (await KeyManager.create(admin)).createKey('acme/fresh', 3, [3, 4, 5])).version).toBe(1);
  });

  it('a commit racing an abort never both pass (each node persists its intent before it asks the others)', async () => {
    // The coordinator tells node 1 to commit and nodes 2, 3 to abort at the same moment, several
    // times. Whatever each answers, afterwards the session is either committed on every receiver
    // or on none: never a key on one node and not on the others.
    for (let round = 0; round < 6; round++) {
      const name = `acme/race-${round}`;
      const p: OperationParams = { sessionId: `${round}`.repeat(32), kind: 'dkg', keyName: name, version: 1, t: 3, receivers: [1, 2, 3], dealers: [1, 2, 3], epoch: 1 };
      const broadcast = new Map<number, Uint8Array[]>();
      for (const n of [1, 2, 3]) broadcast.set(n, await t().prepare(n, p));
      for (const n of [1, 2, 3]) await t().deal(n, name, p.sessionId);
      const transcript = transcriptHash({ ...p, qualified: [1, 2, 3], dealings: broadcast });
      for (const n of [1, 2, 3]) await t().finalize(n, name, p.sessionId, [1, 2, 3], transcript);
      const committer = (round % 3) + 1;
      await Promise.allSettled([1, 2, 3].map((n) => (n === committer ? t().commit(n, name, p.sessionId) : t().abort(n, name, p.sessionId))));
      const holders = () => [1, 2, 3].filter((n) => cluster.nodes[n - 1]!.store.currentShare(name, 1) !== undefined);
      const pendingOn = async () => (await Promise.all([1, 2, 3].map(async (n) => ((await t().status(n, name)).sessionId ? n : 0)))).filter(Boolean);
      // Committed somewhere ⇒ no other receiver dropped the session (it can still roll forward).
      const committed = holders();
      if (committed.length > 0) expect(await pendingOn(), `round ${round}: committed on ${committed.join(',')}`).toEqual([1, 2, 3].filter((n) => !committed.includes(n)));
      await (await KeyManager.create(admin)).abortOp(name);
      expect([[], [1, 2, 3]], `round ${round}: holders ${holders().join(',')}`).toContainEqual(holders());
      expect(await pendingOn()).toEqual([]);
    }
  });

  it('scenario 6: nodes refuse a qualified set smaller than t (a DKG one dealer would know)', async () => {
    const name = 'acme/onedealer';
    const p: OperationParams = { sessionId: session('e'), kind: 'dkg', keyName: name, version: 1, t: 3, receivers: [1, 2, 3], dealers: [1, 2, 3], epoch: 1 };
    const broadcast = new Map<number, Uint8Array[]>();
    for (const n of [1, 2, 3]) broadcast.set(n, await t().prepare(n, p));
    for (const n of [1, 2, 3]) await t().deal(n, name, p.sessionId);
    const transcript = transcriptHash({ ...p, qualified: [1], dealings: broadcast });
    for (const n of [1, 2, 3]) expect(await errorOf(t().finalize(n, name, p.sessionId, [1], transcript))).toMatch(/only 1 qualified dealers; a dkg needs at least t = 3/);
    // A share asked for again never reaches the coordinator.
    const res = (await t().redeliver(1, name, p.sessionId, 2)) as unknown as Record<string, unknown>;
    expect(Object.keys(res).sort()).toEqual(['accepted', 'complaint']);
    expect((await (await KeyManager.create(admin)).abortOp(name)).outcome).toBe('aborted');
  });

  it('a DKG below the policy’s minThreshold is refused by the nodes themselves', async () => {
    const p: OperationParams = { sessionId: session('f'), kind: 'dkg', keyName: 'acme/weak', version: 1, t: 2, receivers: [1, 2, 3], dealers: [1, 2, 3], epoch: 1 };
    for (const n of [1, 2, 3]) expect(await errorOf(t().prepare(n, p))).toMatch(/threshold 2 is below this cluster's minThreshold 3/);
  });

  it('scenario 9: a refresh-only admin (the scheduler) can refresh, and cannot destroy, import or create', async () => {
    const pair = await cluster.certFor({ role: 'admin', name: 'scheduler', capabilities: ['refresh'] });
    const channels = new NodeChannels(cluster.descriptor(), { tls: { ca: clientPem.ca, cert: Buffer.from(pair.certPem), key: Buffer.from(pair.keyPem) } });
    const limited = new AdminClient(channels);
    try {
      const tr = new GrpcLifecycleTransport(channels, 5_000);
      expect(await errorOf(tr.destroy(2, KEY, 1))).toMatch(/admin scheduler lacks the destroy capability \(its certificate allows refresh\)/);
      expect(await errorOf(limited.importKey('acme/known', secret, 3))).toMatch(/lacks the import capability/);
      const dkg: OperationParams = { sessionId: session('9'), kind: 'dkg', keyName: 'acme/sched', version: 1, t: 3, receivers: [1, 2, 3], dealers: [1, 2, 3], epoch: 1 };
      expect(await errorOf(tr.prepare(1, dkg))).toMatch(/lacks the create capability/);
      const m = await KeyManager.create(limited);
      const before = toHex((await m.versions(KEY))[0]!.commitments[0] ? fromHex((await m.versions(KEY))[0]!.commitments[0]!) : new Uint8Array());
      const report = await m.refresh(KEY, 1);
      expect(toHex(report.publicKey)).toBe(before);
      expect(cluster.nodes[1]!.store.currentShare(KEY, 1)).toBeDefined();
    } finally {
      limited.close();
    }
    const client = await clientWith(cluster.descriptor());
    try {
      expect(toHex(await client.oprf(KEY, input))).toBe(expected);
    } finally {
      await client.close();
    }
  });

  it('the transcript a node checks binds the epoch, dealers, old state and retire list', async () => {
    const p: OperationParams = { sessionId: session('0'), kind: 'dkg', keyName: 'acme/x', version: 2, t: 2, receivers: [1, 2], dealers: [1, 2], epoch: 1, retire: [1] };
    const dealings = new Map([[1, [group.mulBase(fromHex('01'.padEnd(64, '0'))), group.mulBase(fromHex('02'.padEnd(64, '0')))]]]);
    const h = (q: OperationParams) => toHex(transcriptHash({ ...q, qualified: [1], dealings }));
    const base = h(p);
    expect(h({ ...p, epoch: 2 })).not.toBe(base);
    expect(h({ ...p, dealers: [1] })).not.toBe(base);
    expect(h({ ...p, retire: [] })).not.toBe(base);
    expect(h({ ...p, old: { t: 2, nodeIndices: [1, 2], commitments: [], epoch: 1 } })).not.toBe(base);
  });
});

describe('verifiable crypto-shredding', () => {
  it('destroy yields a receipt signed by every node that erased its share; verify says whether fewer than t holders remain', async () => {
    const name = 'acme/shred';
    await admin.importKey(name, randomScalar(group, deterministicRng('shred')), 3);
    await cluster.stopNode(5);
    try {
      const m = await KeyManager.create(admin);
      const agreed = (await m.versions(name)).find((v) => v.version === 1);
      const r = await m.destroy(name, 1);
      expect(r.destroyed).toEqual([1, 2, 3, 4]);
      const bundle: ReceiptBundle = receiptBundle(name, 1, agreed, r.receipts);
      const ok = verifyReceipts(bundle, cluster.ca.certPem, { minThreshold: 3 });
      expect(ok).toMatchObject({ erased: [1, 2, 3, 4], remaining: [5], threshold: 3, shredded: true, problems: [] });
      // A node's own receipt cannot redefine the version: node 1 signs (with its real key) a
      // statement that the version was 1-of-1 on node 1 alone. Checked against the agreed record,
      // it is refused and the verdict does not change; without an agreed record there is none.
      const nodeKey = createPrivateKey(await readFile(join(cluster.dir, 'node-1', 'node.key')));
      const lie = { ...JSON.parse(Buffer.from(r.receipts[0]!.receipt, 'base64').toString('utf8')), threshold: 1, nodeIndices: [1] };
      const lieBytes = Buffer.from(JSON.stringify(lie));
      const lying = { ...r.receipts[0]!, receipt: lieBytes.toString('base64'), signature: sign('sha256', lieBytes, nodeKey).toString('base64') };
      const alone = verifyReceipts({ ...bundle, receipts: [lying] }, cluster.ca.certPem, { minThreshold: 3 });
      expect(alone).toMatchObject({ erased: [], remaining: [1, 2, 3, 4, 5], shredded: false });
      expect(alone.problems).toEqual([
        'node 1: describes another record than the agreed one: threshold 1 (agreed 3), nodes 1 (agreed 1,2,3,4,5)',
        "only 0 valid receipts from its holders describe the bundle's record; at least minThreshold = 3 must vouch for it before it decides anything",
      ]);
      // Nor can the bundle's author: a record below the policy, vouched for by its one liar, decides nothing.
      const liarRecord = { threshold: 1, nodeIndices: [1], publicKey: bundle.record!.publicKey, epoch: bundle.record!.epoch };
      expect(verifyReceipts({ ...bundle, record: liarRecord, receipts: [lying] }, cluster.ca.certPem, { minThreshold: 3 })).toMatchObject({ shredded: false, problems: [expect.stringMatching(/t = 1, below the cluster's minThreshold 3/)] });
      const stale = { ...JSON.parse(Buffer.from(r.receipts[1]!.receipt, 'base64').toString('utf8')) };
      expect(receiptRecordDiffers({ ...stale, epoch: stale.epoch + 1 }, bundle.record!)).toEqual([`epoch ${stale.epoch + 1} (agreed ${stale.epoch})`]);
      expect(verifyReceipts({ ...bundle, record: undefined }, cluster.ca.certPem, { minThreshold: 3 })).toMatchObject({ shredded: false, problems: [expect.stringMatching(/names no agreed record/)] });
      // Two receipts are not enough: three holders may still answer.
      expect(verifyReceipts({ ...bundle, receipts: r.receipts.slice(0, 2) }, cluster.ca.certPem, { minThreshold: 3 })).toMatchObject({ remaining: [3, 4, 5], shredded: false });
      // A forged or misattributed receipt counts for nothing and is named.
      const flipped = { ...r.receipts[0]!, signature: Buffer.from(Buffer.from(r.receipts[0]!.signature, 'base64').map((b, i) => (i === 10 ? b ^ 1 : b))).toString('base64') };
      const borrowed = { ...r.receipts[1]!, certificate: r.receipts[2]!.certificate };
      const other = (await (async () => {
        const { createCa } = await import('../../cli/pki.js');
        return createCa();
      })());
      const bad = verifyReceipts({ ...bundle, receipts: [flipped, borrowed, r.receipts[2]!, r.receipts[3]!] }, cluster.ca.certPem, { minThreshold: 3 });
      expect(bad.erased).toEqual([3, 4]);
      expect(bad.shredded).toBe(false);
      expect(bad.problems).toEqual([
        'node 1: signature does not verify',
        'node 2: certificate is splitkey://node/3, not splitkey://node/2',
        "only 2 valid receipts from its holders describe the bundle's record; at least minThreshold = 3 must vouch for it before it decides anything",
      ]);
      const foreign = verifyReceipts(bundle, other.certPem, { minThreshold: 3 });
      expect(foreign.problems.filter((p) => /^node \d+:/.test(p))).toHaveLength(4);
      expect(foreign.problems.filter((p) => /^node \d+:/.test(p)).every((p) => /not issued by this CA/.test(p))).toBe(true);
      expect(foreign.shredded).toBe(false);
    } finally {
      await cluster.start(5);
    }
  });
});
