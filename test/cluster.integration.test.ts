/**
 * The appliance library against a real 3-of-5 dev cluster: five separate node processes
 * (`DevCluster`, the compiled CLI), real mTLS with the dev CA, real LevelDB. Covers threshold
 * correctness over every subset, crashes, Byzantine nodes (in-process proxies that corrupt
 * partials but keep the proofs), unreachable nodes, a frozen node, and a graceful stop under load.
 *
 * Needs `npm run build` (the node processes run dist/cli/main.js).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliEntry, DevCluster } from '../cli/dev-cluster.js';
import { AdminClient } from '../client/admin.js';
import { NodeChannels, readTlsFiles } from '../client/channels.js';
import { connect, type ConnectOptions, type EvaluationWarning, type SplitkeyClient } from '../client/client.js';
import { loadDescriptor, type ClusterDescriptor, type NodeEndpoint } from '../client/descriptor.js';
import { ThresholdError } from '../client/errors.js';
import { OFFLOAD_MIN } from '../client/evaluate.js';
import { createSuite, deriveResourceKey, evaluate, GROUP_ORDER, loadGroup, scalarFromBigint, toHex, utf8 } from '../crypto/index.js';
import { startByzantineProxy, type ByzantineProxy } from './helpers/byzantine-proxy.js';

const N = 5;
const T = 3;
const KEY = 'demo/cluster';
const suite = createSuite(await loadGroup('sodium'));
const master = new Uint8Array(randomBytes(32));
const secret = scalarFromBigint(BigInt(`0x${randomBytes(40).toString('hex')}`) % GROUP_ORDER);

let dir: string;
let cluster: DevCluster;
let descriptor: ClusterDescriptor;
const clients: SplitkeyClient[] = [];
const proxies: ByzantineProxy[] = [];

/** The RFC 9497 Evaluate(k, input) of the imported secret: what every threshold evaluation must equal. */
const expectedOprf = (input: Uint8Array) => evaluate(suite, secret, input);
const expectedKey = (resourceId: string, version = 1) => deriveResourceKey(master, expectedOprf(utf8(resourceId)), KEY, version, utf8(resourceId));

/** A client with explicit options (nothing from the environment), closed in afterAll. */
async function client(opts: Partial<ConnectOptions> & { nodes?: NodeEndpoint[] } = {}): Promise<SplitkeyClient> {
  const { nodes, ...rest } = opts;
  const c = await connect({
    cluster: nodes ? { name: 'test', nodes } : descriptor,
    ca: cluster.env.SPLITKEY_CA,
    cert: cluster.env.SPLITKEY_CERT,
    key: cluster.env.SPLITKEY_KEY,
    master,
    ...rest,
  });
  clients.push(c);
  return c;
}

const endpoint = (i: number): NodeEndpoint => descriptor.nodes.find((n) => n.index === i)!;
const isRunning = (i: number) => {
  const child = cluster.nodes.get(i)?.child;
  return child !== undefined && child.exitCode === null && child.signalCode === null;
};

/** Restart whatever an earlier test stopped, so each test starts from five serving nodes. */
async function allUp(): Promise<void> {
  await Promise.all([...cluster.nodes.keys()].filter((i) => !isRunning(i)).map((i) => cluster.startNode(i)));
}

async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; result?: T; error?: unknown }> {
  const start = performance.now();
  try {
    const result = await fn();
    return { ms: performance.now() - start, result };
  } catch (error) {
    return { ms: performance.now() - start, error };
  }
}

function combinations<T>(items: T[], k: number): T[][] {
  if (k === 0) return [[]];
  return items.flatMap((x, i) => combinations(items.slice(i + 1), k - 1).map((rest) => [x, ...rest]));
}

function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliEntry(), ...args], { env: cluster.clientEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'splitkey-cluster-it-'));
  cluster = await DevCluster.create({ dir, nodes: N, threshold: T });
  await cluster.start();
  descriptor = await loadDescriptor(cluster.env.SPLITKEY_CLUSTER!);
  const env = cluster.env;
  const admin = new AdminClient(new NodeChannels(descriptor, await readTlsFiles({ ca: env.SPLITKEY_CA!, cert: env.SPLITKEY_ADMIN_CERT!, key: env.SPLITKEY_ADMIN_KEY! })));
  try {
    const { version } = await admin.importKey(KEY, Uint8Array.from(secret), T);
    expect(version).toBe(1);
  } finally {
    admin.close();
  }
});

afterAll(async () => {
  try {
    await Promise.all(clients.map((c) => c.close()));
    await Promise.all(proxies.map((p) => p.close()));
    if (cluster) {
      await allUp().catch(() => undefined); // so stop() sees every node exit cleanly
      const codes = await cluster.stop();
      // Every node, including ones restarted just before, stops gracefully on SIGTERM.
      expect(Object.fromEntries(codes)).toEqual(Object.fromEntries([...cluster.nodes.keys()].map((i) => [i, 0])));
    }
  } finally {
    if (dir) await rm(dir, { recursive: true, force: true });
  }
});

describe('3-of-5 cluster of node processes', () => {
  it('every one of the 10 three-node subsets gives the same output, equal to RFC 9497 Evaluate(k, input), with proofs checked inline and on worker threads', async () => {
    await allUp();
    const subsets = combinations([1, 2, 3, 4, 5], T);
    expect(subsets).toHaveLength(10);
    const inputs = [utf8('vol-0001'), randomBytes(100)];
    const batchIds = Array.from({ length: 20 }, (_, j) => `vol-batch-${j}`);
    for (const [n, subset] of subsets.entries()) {
      const checkThreads = n % 2 === 0 ? 0 : 2;
      const c = await client({ nodes: subset.map(endpoint), checkThreads });
      expect(c.evaluator.checker.threads).toBe(checkThreads);
      for (const input of inputs) {
        expect(toHex(await c.oprf(KEY, input)), `subset ${subset.join(',')}`).toBe(toHex(expectedOprf(input)));
      }
      const derived = await c.deriveKey(KEY, 'vol-0001');
      expect(derived.version).toBe(1);
      expect(toHex(derived.key)).toBe(toHex(expectedKey('vol-0001')));
      const batch = await c.deriveKeys(KEY, batchIds);
      expect(batch.map((d) => toHex(d.key))).toEqual(batchIds.map((id) => toHex(expectedKey(id))));
      await c.close();
    }
  });

  it(`a batch of ${OFFLOAD_MIN * 2 + 22} is blinded and combined on the worker threads, in slices, to the same keys as RFC 9497 Evaluate`, async () => {
    await allUp();
    const c = await client({ checkThreads: 2 });
    try {
      await c.evaluator.checker.ready();
      const checker = c.evaluator.checker;
      const used = { blind: 0, combine: 0 };
      for (const name of ['blind', 'combine'] as const) {
        const original = checker[name].bind(checker) as (...args: unknown[]) => unknown;
        (checker as unknown as Record<string, unknown>)[name] = (...args: unknown[]) => {
          const job = original(...args);
          if (job !== undefined) used[name]++;
          return job;
        };
      }
      const ids = Array.from({ length: OFFLOAD_MIN * 2 + 22 }, (_, j) => `vol-offload-${j}`);
      const batch = await c.deriveKeys(KEY, ids);
      expect(batch.map((d) => toHex(d.key))).toEqual(ids.map((id) => toHex(expectedKey(id))));
      expect(used).toEqual({ blind: 1, combine: 1 });
    } finally {
      await c.close();
    }
  });

  it('coalescing: concurrent single calls share batched requests of at most coalesceBatch, each caller gets its own key', async () => {
    await allUp();
    const c = await client({ coalesceWindowMs: 20, coalesceBatch: 8, hedgeDelayMs: 60_000 });
    await c.deriveKey(KEY, 'warm-up'); // key information fetched before counting
    let calls = 0;
    const channels = c.evaluator.channels;
    for (const n of channels.nodes) {
      const e = channels.evaluator(n.index) as unknown as { Evaluate: (...args: unknown[]) => unknown };
      const original = e.Evaluate;
      e.Evaluate = function (this: unknown, ...args: unknown[]) {
        calls++;
        return original.apply(this, args);
      };
    }
    const ids = Array.from({ length: 20 }, (_, j) => `vol-coalesced-${j}`);
    const keys = await Promise.all(ids.map((id) => c.deriveKey(KEY, id)));
    expect(keys.map((k) => toHex(k.key))).toEqual(ids.map((id) => toHex(expectedKey(id))));
    // 20 callers in batches of 8, 8 and 4, each asked of exactly t = 3 nodes.
    expect(calls).toBe(3 * 3);
    await expect(client({ coalesceBatch: 0 })).rejects.toThrow(/coalesceBatch must be an integer from 1 to maxBatch/);
    await expect(client({ maxBatch: 16, coalesceBatch: 32 })).rejects.toThrow(/coalesceBatch/);
  });

  it('with two nodes killed, derivation still works and gives the same key', async () => {
    await allUp();
    const warm = await client();
    const before = await warm.deriveKey(KEY, 'vol-kill');
    expect(toHex(before.key)).toBe(toHex(expectedKey('vol-kill')));
    await cluster.kill(2);
    await cluster.kill(5);
    const after = await warm.deriveKey(KEY, 'vol-kill');
    expect(toHex(after.key)).toBe(toHex(before.key));
    // A client that starts now, with only three nodes alive, agrees too.
    const fresh = await client();
    expect(toHex((await fresh.deriveKey(KEY, 'vol-kill')).key)).toBe(toHex(before.key));
    expect(toHex(await fresh.oprf(KEY, utf8('vol-kill')))).toBe(toHex(expectedOprf(utf8('vol-kill'))));
  });

  describe('Byzantine nodes (answers corrupted, proofs kept)', () => {
    const proxyFor = async (index: number, corruption: 'generator' | 'add-generator' | 'honest') => {
      const p = await startByzantineProxy({ clusterDir: dir, index, upstream: endpoint(index).address, tenant: 'demo', corruption });
      proxies.push(p);
      return p;
    };
    const behind = (ps: ByzantineProxy[]): NodeEndpoint[] => descriptor.nodes.map((n) => ({ ...n, address: ps.find((p) => p.index === n.index)?.address ?? n.address }));

    it('an honest proxy is transparent (control: warnings come from corruption, not from the proxy)', async () => {
      await allUp();
      const p = await proxyFor(1, 'honest');
      const warnings: EvaluationWarning[] = [];
      // Only three nodes in the descriptor, t = 3: the proxied node's partial is used in every call.
      const c = await client({ nodes: behind([p]).filter((n) => n.index <= 3), coalesceWindowMs: 0, onWarning: (w) => warnings.push(w) });
      for (const id of ['h-1', 'h-2', 'h-3']) expect(toHex((await c.deriveKey(KEY, id)).key)).toBe(toHex(expectedKey(id)));
      expect(p.evaluateCalls).toBe(3);
      expect(warnings).toEqual([]);
    });

    it('2 of 5 byzantine: the key is still right, and both bad nodes are named', async () => {
      await allUp();
      const bad = [await proxyFor(2, 'add-generator'), await proxyFor(4, 'generator')];
      const nodes = behind(bad);
      // hedge 0 and no hedge timer: a refused answer makes the client ask the next node, and t = 3
      // valid answers need all three honest nodes, so every byzantine node that is asked answers
      // before the evaluation completes and must be named. Which nodes are asked depends on the
      // client's random rotation, so each attempt uses a fresh client (no penalty memory) and the
      // loop runs until one attempt asked both (probability 3/5 per attempt).
      let bothNamed = false;
      for (let attempt = 0; attempt < 25 && !bothNamed; attempt++) {
        const warnings: EvaluationWarning[] = [];
        const c = await client({ nodes, hedge: 0, hedgeDelayMs: 60_000, coalesceWindowMs: 0, onWarning: (w) => warnings.push(w) });
        const callsBefore = bad.map((p) => p.evaluateCalls);
        const id = `byz-${attempt}`;
        const derived = await c.deriveKey(KEY, id);
        expect(toHex(derived.key)).toBe(toHex(expectedKey(id)));
        const asked = bad.filter((p, i) => p.evaluateCalls > callsBefore[i]!).map((p) => p.index);
        const named = warnings.flatMap((w) => w.nodes.map((f) => f.index)).sort();
        expect(warnings.flatMap((w) => w.nodes.map((f) => f.reason)).every((r) => r === 'invalid proof')).toBe(true);
        expect(named, `attempt ${attempt}`).toEqual(asked);
        bothNamed = named.length === 2;
        await c.close();
      }
      expect(bothNamed).toBe(true);
      expect(bad.every((p) => p.corrupted > 0)).toBe(true);
    });

    it('3 of 5 byzantine: a ThresholdError naming all three, never a wrong key', async () => {
      await allUp();
      const bad = [await proxyFor(1, 'add-generator'), await proxyFor(3, 'generator'), await proxyFor(5, 'add-generator')];
      const warnings: EvaluationWarning[] = [];
      const c = await client({ nodes: behind(bad), coalesceWindowMs: 0, onWarning: (w) => warnings.push(w) });
      for (const attempt of [0, 1, 2]) {
        const { error, result } = await timed(() => c.deriveKey(KEY, `byz3-${attempt}`));
        expect(result).toBeUndefined();
        expect(error).toBeInstanceOf(ThresholdError);
        const e = error as ThresholdError;
        expect(e.invalidProofNodes.sort()).toEqual([1, 3, 5]);
        expect(e.valid).toBe(2);
        expect(e.message).toMatch(/node 1: invalid proof.*node 3: invalid proof.*node 5: invalid proof/);
      }
      await expect(c.oprf(KEY, utf8('x'))).rejects.toBeInstanceOf(ThresholdError);
      await expect(c.deriveKeys(KEY, ['a', 'b'])).rejects.toBeInstanceOf(ThresholdError);
      expect(warnings).toEqual([]);
    });
  });

  it('a SIGSTOPped node does not hold a derivation up to its deadline', async () => {
    await allUp();
    const timeoutMs = 1000;
    const opts = { timeoutMs, hedgeDelayMs: 20, coalesceWindowMs: 0 };
    const warm = await client(opts);
    await warm.deriveKey(KEY, 'warm-up'); // key info cached, channels connected
    const frozen = 3;
    cluster.signal(frozen, 'SIGSTOP');
    try {
      for (const id of ['stop-1', 'stop-2', 'stop-3', 'stop-4', 'stop-5']) {
        const r = await timed(() => warm.deriveKey(KEY, id));
        expect(r.error).toBeUndefined();
        expect(toHex(r.result!.key)).toBe(toHex(expectedKey(id)));
        expect(r.ms).toBeLessThan(timeoutMs / 2);
      }
      // A client starting now must first agree on key information: the frozen node costs it at
      // most one deadline (and is reported as a timeout, which proves it really is frozen).
      const fresh = await client(opts);
      const r = await timed(() => fresh.deriveKey(KEY, 'stop-fresh'));
      expect(r.error).toBeUndefined();
      expect(toHex(r.result!.key)).toBe(toHex(expectedKey('stop-fresh')));
      expect(r.ms).toBeLessThan(timeoutMs + 500);
      const info = await fresh.keyInfo(KEY);
      expect(info.failures).toEqual([expect.objectContaining({ index: frozen, reason: 'timeout' })]);
    } finally {
      cluster.signal(frozen, 'SIGCONT');
    }
  });

  it('SIGTERM during load: every call succeeds or fails cleanly, the node exits 0, its audit log verifies', async () => {
    await allUp();
    const victim = 4;
    const c = await client({ coalesceWindowMs: 0, timeoutMs: 3000 });
    await c.deriveKey(KEY, 'load-warm-up');
    const exited = cluster.nodes.get(victim)!.exited!;
    let issued = 0;
    let completed = 0;
    let stopAt = Infinity;
    let signalled = false;
    let exitCode: number | null | undefined;
    const failures: unknown[] = [];
    const wrong: string[] = [];
    void exited.then((code) => {
      exitCode = code;
      stopAt = completed + 150; // keep loading a while after the node is gone
    });
    const worker = async () => {
      while (completed < stopAt && completed < 5000) {
        const id = `load-${issued++}`;
        try {
          const { key } = await c.deriveKey(KEY, id);
          if (toHex(key) !== toHex(expectedKey(id))) wrong.push(id);
        } catch (e) {
          failures.push(e);
        }
        completed++;
        if (completed === 150 && !signalled) {
          signalled = true;
          cluster.signal(victim, 'SIGTERM');
        }
      }
    };
    await Promise.all(Array.from({ length: 24 }, worker));
    expect(signalled).toBe(true);
    expect(exitCode).toBe(0);
    expect(wrong).toEqual([]);
    // Clean failures only: a ThresholdError naming the nodes, never anything else.
    for (const f of failures) expect(f).toBeInstanceOf(ThresholdError);
    expect(completed - failures.length).toBeGreaterThan(250);

    const audit = await runCli(['audit', 'verify', '--config', join(cluster.nodeDir(victim), 'config.json')]);
    expect(audit.stderr).toBe('');
    expect(audit.code).toBe(0);
    expect(audit.stdout).toMatch(/^audit log ok: \d+ entries \(MAC chain, key derived from the seal key\)\n$/);
    expect(Number(/(\d+) entries/.exec(audit.stdout)![1])).toBeGreaterThan(10);
  });

  it('with three nodes down: a ThresholdError naming every unreachable node, within the deadline', async () => {
    await allUp();
    const timeoutMs = 1000;
    const warm = await client({ timeoutMs, coalesceWindowMs: 0 });
    await warm.deriveKey(KEY, 'warm-up');
    const down = [1, 3, 4];
    await Promise.all(down.map((i) => cluster.kill(i)));
    const check = (r: { ms: number; error?: unknown }) => {
      expect(r.error).toBeInstanceOf(ThresholdError);
      const e = r.error as ThresholdError;
      expect(e.failures.map((f) => f.index).sort()).toEqual(down);
      expect(e.failures.every((f) => f.reason === 'unavailable' || f.reason === 'timeout')).toBe(true);
      for (const i of down) expect(e.message).toContain(`node ${i}:`);
      expect(r.ms).toBeLessThanOrEqual(timeoutMs + 500);
    };
    check(await timed(() => warm.deriveKey(KEY, 'down-1')));
    check(await timed(() => warm.deriveKey(KEY, 'down-2')));
    // A client that starts with three nodes down cannot even agree on the key information; it
    // must still say which nodes are missing (not "key not found").
    const fresh = await client({ timeoutMs, coalesceWindowMs: 0 });
    check(await timed(() => fresh.deriveKey(KEY, 'down-3')));
  });
});
