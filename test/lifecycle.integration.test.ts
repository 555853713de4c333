/**
 * Key lifecycle over real nodes (in-process gRPC servers, mTLS, LevelDB): DKG create, refresh,
 * reshare replacing a dead node, rotate + rewrap + destroy, silent nodes, abort-op.
 */
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdminClient } from '../client/admin.js';
import { SplitkeyClient } from '../client/client.js';
import { KeyError, ThresholdError } from '../client/errors.js';
import { ThresholdEvaluator } from '../client/evaluate.js';
import { KeyManager } from '../client/key-manager.js';
import { LifecycleAbort } from '../client/lifecycle.js';
import { NodeChannels } from '../client/channels.js';
import { createSuite, evaluate, interpolateSecret, loadGroup, toHex, utf8 } from '../crypto/index.js';
import { startTestCluster, type TestCluster } from './helpers/cluster.js';

const group = await loadGroup('sodium');
const suite = createSuite(group);
const KEY = 'acme/vault';
const input = utf8('resource-42');

let cluster: TestCluster;
let manager: KeyManager;
let admin: AdminClient;

/** A client (tenant acme) that knows only the given nodes. */
async function clientFor(nodes: number[]): Promise<SplitkeyClient> {
  const full = cluster.descriptor();
  const descriptor = { ...full, nodes: full.nodes.filter((n) => nodes.includes(n.index)) };
  const evaluator = await ThresholdEvaluator.create(new NodeChannels(descriptor, { tls: clientPem }), { timeoutMs: 2000, hedgeDelayMs: 50 });
  return new SplitkeyClient(evaluator, new Uint8Array(32).fill(7), 0, 1024);
}

let clientPem: { cert: Buffer; key: Buffer; ca: Buffer };

/** k reconstructed from every node's share — only here, to check pkS and outputs. */
function reconstruct(version: number, nodes: number[]) {
  return interpolateSecret(group, nodes.map((i) => ({ index: i, value: cluster.nodes[i - 1]!.store.currentShare(KEY, version)! })));
}

beforeAll(async () => {
  cluster = await startTestCluster({ n: 6 });
  const pair = await cluster.certFor({ role: 'client', tenant: 'acme', name: 'app' });
  clientPem = { cert: Buffer.from(pair.certPem), key: Buffer.from(pair.keyPem), ca: Buffer.from(cluster.ca.certPem) };
  admin = new AdminClient(await cluster.adminChannels());
  manager = await KeyManager.create(admin);
});

afterAll(async () => {
  admin?.close();
  await cluster?.stop();
});

describe('DKG', () => {
  let expected: string;

  it('creates a 3-of-5 key nobody knows; any 3 nodes derive RFC Evaluate(k, ·)', async () => {
    const report = await manager.createKey(KEY, 3, [1, 2, 3, 4, 5]);
    expect(report.version).toBe(1);
    expect(report.disqualified).toEqual([]);
    const k = reconstruct(1, [1, 2, 3, 4, 5]);
    expect(toHex(group.mulBase(k))).toBe(toHex(report.publicKey));
    expected = toHex(evaluate(suite, k, input));
    for (const subset of [[1, 2, 3], [3, 4, 5], [1, 3, 5], [2, 4, 5]]) {
      const c = await clientFor(subset);
      expect(toHex(await c.oprf(KEY, input))).toBe(expected);
      await c.close();
    }
    // k appears in no file on any node (shares are sealed; k itself never exists there).
    const needles = [Buffer.from(k), Buffer.from(toHex(k))];
    for (const node of cluster.configs) {
      for (const f of await filesUnder(join(node.dataDir, '..'))) {
        const bytes = await readFile(f);
        for (const n of needles) expect(bytes.includes(n), f).toBe(false);
      }
    }
  });

  it('refuses to create a key that exists, and aborts cleanly when a node is silent', async () => {
    await expect(manager.createKey(KEY, 3, [1, 2, 3, 4, 5])).rejects.toThrow(/already exists/);
    await cluster.stopNode(6);
    const err = await manager.createKey('acme/other', 2, [1, 2, 6]).catch((e) => e);
    expect(err).toBeInstanceOf(LifecycleAbort);
    expect((err as Error).message).toMatch(/node 6/);
    await cluster.start(6);
    expect((await manager.abortOp('acme/other')).outcome).toBe('none');
  });

  it('refresh keeps every output and pkS, changes pk_i, and old-epoch answers are refused', async () => {
    const before = await manager.versions(KEY);
    const backup = await mkdtemp(join(tmpdir(), 'splitkey-backup-'));
    await cluster.stopNode(5);
    await cp(cluster.configs[4]!.dataDir, backup, { recursive: true });
    await cluster.start(5);
    const report = await manager.refresh(KEY, 1);
    expect(report.epoch).toBe(2);
    const after = await manager.versions(KEY);
    expect(after[0]!.commitments[0]).toBe(before[0]!.commitments[0]);
    expect(after[0]!.commitments.slice(1)).not.toEqual(before[0]!.commitments.slice(1));
    const c = await clientFor([1, 2, 3, 4, 5]);
    expect(toHex(await c.oprf(KEY, input))).toBe(expected);
    // Node 5 restored from a backup while nodes 3 and 4 are down: two peers (< t = 3) cannot tell
    // it that its record moved on, so it keeps its old-epoch share for now. Its answer is the only
    // third one: refused by the client, named, no key.
    await cluster.stopNode(3);
    await cluster.stopNode(4);
    await cluster.stopNode(5);
    await rm(cluster.configs[4]!.dataDir, { recursive: true });
    await cp(backup, cluster.configs[4]!.dataDir, { recursive: true });
    const node5 = await cluster.start(5);
    expect(await node5.reconcile()).toEqual([]);
    const err = (await c.oprf(KEY, input).catch((e) => e)) as ThresholdError;
    expect(err).toBeInstanceOf(ThresholdError);
    expect(err.failures.find((f) => f.index === 5)?.reason).toBe('wrong epoch');
    // Nodes 3 and 4 back: node 5 learns from t peers that epoch 2 descends from its record and
    // erases its stale share (node/reconcile.ts); the version serves from the others.
    await cluster.start(3);
    await cluster.start(4);
    for (let i = 0; i < 40 && node5.store.currentShare(KEY, 1) !== undefined; i++) {
      if ((await node5.reconcile()).length === 0) await new Promise((r) => setTimeout(r, 250));
    }
    expect(node5.store.currentShare(KEY, 1), 'the restored node erased its old-epoch share').toBeUndefined();
    // The client's channels to nodes 3 and 4 may still be in gRPC's reconnect backoff (about a
    // second after the failures above): it is served again once they reconnect.
    let ok: Awaited<ReturnType<typeof c.evaluator.evaluate>> | undefined;
    let lastError: unknown;
    for (let i = 0; i < 40 && !ok; i++) {
      ok = await c.evaluator.evaluate(KEY, 1, [input]).catch((e: unknown) => {
        lastError = e;
        return undefined;
      });
      if (!ok) await new Promise((r) => setTimeout(r, 250));
    }
    expect(ok, `still not served: ${String(lastError)}`).toBeDefined();
    expect(toHex(ok!.outputs[0]!)).toBe(expected);
    await Promise.all([c.close(), rm(backup, { recursive: true })]);
    // Refresh needs every member. Node 5 answers but holds nothing of v1 (it erased its stale share): it needs a reshare.
    const stale = (await manager.refresh(KEY, 1).catch((e) => e)) as LifecycleAbort;
    expect(stale).toBeInstanceOf(LifecycleAbort);
    expect(stale.message).toBe(`node 5 answered but does not hold the current state of ${KEY}@1; it needs recovery: run key reshare with the same node set`);
    // Node 5 down: nothing says it lost anything — bring it back, not a reshare.
    await cluster.stopNode(5);
    const down = (await manager.refresh(KEY, 1).catch((e) => e)) as LifecycleAbort;
    expect(down).toBeInstanceOf(LifecycleAbort);
    expect(down.message).toMatch(new RegExp(`^node 5 did not answer \\(node 5: .+\\); refresh needs every member of ${KEY}@1 up: bring it back and run it again$`));
    expect(down.message).not.toMatch(/reshare/);
    await cluster.start(5);
  });

  it('reshare replaces a dead node (5 → 6) with the same outputs and full 5-node service', async () => {
    await cluster.stopNode(5);
    const queries = async (n: number) => Number((await admin.keyStatus(n, KEY)).health.find((h) => h.version === 1)!.queries);
    const counts = (await Promise.all([1, 2, 3, 4].map(queries))).sort((a, b) => b - a);
    // The joining node takes the t-th largest of its dealers' counts (t = 3): at most t − 1 liars
    // cannot inflate it past an honest dealer's.
    const answeredBefore = counts[2]!;
    expect(answeredBefore).toBeGreaterThan(0);
    const report = await manager.reshare(KEY, 1, [1, 2, 3, 4, 6], 3);
    expect(report.epoch).toBe(3);
    // The query budget (RFC 9497 §7.2.3) is carried to the node that joins, not restarted at zero.
    expect(await queries(6)).toBe(answeredBefore);
    const k = reconstruct(1, [1, 2, 3, 4, 6]);
    expect(toHex(evaluate(suite, k, input))).toBe(expected);
    for (const subset of [[4, 6, 1], [2, 3, 6]]) {
      const c = await clientFor(subset);
      expect(toHex(await c.oprf(KEY, input))).toBe(expected);
      await c.close();
    }
    await cluster.start(5);
  });

  it('rotate, rewrap, destroy: v1 files fail with the documented error after destroy; rewrapped ones stay readable', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'splitkey-rot-'));
    const c = await clientFor([1, 2, 3, 4, 6]);
    await writeFile(join(dir, 'a'), 'first file');
    await writeFile(join(dir, 'b'), 'second file');
    await c.encryptFile(KEY, join(dir, 'a'), join(dir, 'a.v1'), { resourceId: 'a' });
    await c.encryptFile(KEY, join(dir, 'b'), join(dir, 'b.v1'), { resourceId: 'b' });
    const rot = await manager.rotate(KEY);
    expect(rot.version).toBe(2);
    const info = await c.keyInfo(KEY);
    expect(info.versions.map((v) => [v.version, v.state])).toEqual([[1, 'decrypt-only'], [2, 'active']]);
    const enc = await c.encryptFile(KEY, join(dir, 'a'), join(dir, 'a.v2'), { resourceId: 'a2' });
    expect(enc.header.keyVersion).toBe(2);
    await c.decryptFile(join(dir, 'a.v1'), join(dir, 'a.out'));
    expect(await readFile(join(dir, 'a.out'), 'utf8')).toBe('first file');
    expect(await c.rewrapFile(join(dir, 'b.v1'), join(dir, 'b.v2'))).toEqual({ from: 1, to: 2 });
    const destroyed = await manager.destroy(KEY, 1);
    // Node 5 (restored from a backup in the refresh test) erased its stale share then and left v1
    // by the reshare since: it has nothing to destroy.
    expect(destroyed.destroyed).toEqual([1, 2, 3, 4, 6].filter((i) => cluster.nodes[i - 1]));
    expect(cluster.nodes[4]?.store.history(KEY, 1) ?? 'left').toBe('left');
    const err = await c.decryptFile(join(dir, 'a.v1'), join(dir, 'a.out2')).catch((e) => e);
    expect(err).toBeInstanceOf(KeyError);
    expect((err as KeyError).code).toBe('KEY_DESTROYED');
    expect((err as Error).message).toMatch(/version 1 of key acme\/vault was destroyed/);
    await c.decryptFile(join(dir, 'b.v2'), join(dir, 'b.out'));
    expect(await readFile(join(dir, 'b.out'), 'utf8')).toBe('second file');
    await c.close();
    await rm(dir, { recursive: true });
  });
});

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await filesUnder(p)));
    else out.push(p);
  }
  return out;
}

describe('scheduled refresh', () => {
  it('one pass refreshes every live version of every key on the node; outputs stay', async () => {
    const { refreshAll } = await import('../cli/refresh-scheduler.js');
    const { silentLogger } = await import('../node/log.js');
    const { parseNodeConfig } = await import('../node/config.js');
    await manager.createKey('acme/scheduled', 2, [1, 2, 3]);
    const c = await clientFor([1, 2, 3, 4, 6]);
    const before = toHex(await c.oprf('acme/scheduled', input));
    const epochs = async () => (await manager.versions('acme/scheduled')).map((v) => v.epoch);
    expect(await epochs()).toEqual([1]);
    const res = await refreshAll(manager, 1, silentLogger());
    expect(res.refreshed).toContain('acme/scheduled@1');
    expect(res.failed).toEqual([]);
    expect(await epochs()).toEqual([2]);
    expect(toHex(await c.oprf('acme/scheduled', input))).toBe(before);
    await c.close();
    // The config section is validated: it needs mTLS and an interval of at least a minute.
    const base = { index: 1, listen: '127.0.0.1:0', dataDir: 'd', seal: { keyEnv: 'X' }, tls: { ca: 'a', cert: 'b', key: 'c' } };
    const schedule = { intervalMinutes: 60, cluster: 'cluster.json', adminCert: 'admin.crt', adminKey: 'admin.key' };
    expect(parseNodeConfig({ ...base, refreshSchedule: schedule }, '/etc/sk').refreshSchedule).toEqual({ ...schedule, cluster: '/etc/sk/cluster.json', adminCert: '/etc/sk/admin.crt', adminKey: '/etc/sk/admin.key' });
    expect(() => parseNodeConfig({ ...base, refreshSchedule: { ...schedule, intervalMinutes: 0 } }, '/')).toThrow(/intervalMinutes/);
  });
});

describe('complaint round on real nodes', () => {
  it('a coordinator asking for a share again gets no share: only whether the receiver accepted it', async () => {
    const { GrpcLifecycleTransport } = await import('../client/lifecycle-grpc.js');
    const t = new GrpcLifecycleTransport(admin.channels);
    const params = { sessionId: 'cd'.repeat(16), kind: 'dkg' as const, keyName: 'acme/probe', version: 1, t: 2, receivers: [1, 2, 3], dealers: [1, 2, 3], epoch: 1 };
    for (const n of params.receivers) await t.prepare(n, params);
    for (const n of params.dealers) expect((await t.deal(n, params.keyName, params.sessionId)).delivered).toEqual([1, 2, 3]);
    const res = (await t.redeliver(1, params.keyName, params.sessionId, 2)) as unknown as Record<string, unknown>;
    expect(res).toEqual({ accepted: true, complaint: '' });
    // A receiver outside the session is refused before anything is dialled.
    const err = (await t.redeliver(1, params.keyName, params.sessionId, 9).catch((e: unknown) => e)) as { details: string };
    expect(err.details).toMatch(/node 9 is not a receiver/);
    expect((await manager.abortOp(params.keyName)).outcome).toBe('aborted');
  });
});
