/**
 * A rolling restart under load (deploy/README.md "Upgrades and restarts"): five nodes, t = 3, two
 * appliances deriving keys and encrypting/decrypting without pause while every node in turn is
 * stopped gracefully (NOT_SERVING, drain, shutdown — what SIGTERM does) and started again on the
 * same port with the same data. At every moment four nodes serve, so no request may fail and no
 * output may be wrong; the worst latency is printed.
 */
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdminClient } from '../client/admin.js';
import { NodeChannels } from '../client/channels.js';
import { SplitkeyClient } from '../client/client.js';
import { ThresholdEvaluator } from '../client/evaluate.js';
import { KeyManager } from '../client/key-manager.js';
import { startTestCluster, type TestCluster } from './helpers/cluster.js';

const KEY = 'acme/rolling';
const RESOURCES = Array.from({ length: 40 }, (_, i) => `vol-${i}`);
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

let cluster: TestCluster;
let admin: AdminClient;
const clients: SplitkeyClient[] = [];

async function appliance(): Promise<SplitkeyClient> {
  const pair = await cluster.certFor({ role: 'client', tenant: 'acme', name: `app${clients.length}` });
  const tls = { cert: Buffer.from(pair.certPem), key: Buffer.from(pair.keyPem), ca: Buffer.from(cluster.ca.certPem) };
  // The library's defaults, but for a shorter hedge (loopback answers in a millisecond).
  const evaluator = await ThresholdEvaluator.create(new NodeChannels(cluster.descriptor(), { tls }), { hedgeDelayMs: 50 });
  const c = new SplitkeyClient(evaluator, new Uint8Array(32).fill(9), 0, 1024);
  clients.push(c);
  return c;
}

beforeAll(async () => {
  cluster = await startTestCluster({ n: 5 });
  admin = new AdminClient(await cluster.adminChannels());
  const manager = await KeyManager.create(admin);
  await manager.createKey(KEY, 3, [1, 2, 3, 4, 5]);
}, 60_000);

afterAll(async () => {
  for (const c of clients) await c.close();
  admin?.close();
  await cluster?.stop();
});

describe('rolling restart under load', () => {
  it('restarts every node in turn while two appliances derive and encrypt: no failure, no wrong output', async () => {
    const a = await appliance();
    const b = await appliance();
    // The right answers, from before any restart (deriveKeys answers in the order asked).
    const expected = new Map<string, string>();
    (await a.deriveKeys(KEY, RESOURCES)).forEach((d, i) => expected.set(RESOURCES[i]!, hex(d.key)));
    const plain = randomBytes(20_000);
    const stats = { derives: 0, files: 0, failed: [] as string[], wrong: 0, worstMs: 0, latencies: [] as number[], deriveMs: [] as number[] };
    let running = true;

    const deriveWorker = async (c: SplitkeyClient, seed: number) => {
      for (let i = seed; running; i++) {
        const id = RESOURCES[i % RESOURCES.length]!;
        const t0 = performance.now();
        try {
          const d = await c.deriveKey(KEY, id);
          if (hex(d.key) !== expected.get(id)) stats.wrong++;
          stats.derives++;
        } catch (e) {
          stats.failed.push(`derive ${id}: ${(e as Error).message}`);
        }
        const ms = performance.now() - t0;
        stats.latencies.push(ms);
        stats.deriveMs.push(ms);
        stats.worstMs = Math.max(stats.worstMs, ms);
      }
    };
    const fileWorker = async (c: SplitkeyClient, w: number) => {
      for (let i = 0; running; i++) {
        const src = join(cluster.dir, `plain-${w}`);
        const enc = join(cluster.dir, `enc-${w}.splk`);
        const dec = join(cluster.dir, `dec-${w}`);
        const t0 = performance.now();
        try {
          await writeFile(src, plain);
          await c.encryptFile(KEY, src, enc, { resourceId: `file-${w}-${i}` });
          await c.decryptFile(enc, dec);
          if (!(await readFile(dec)).equals(plain)) stats.wrong++;
          stats.files++;
        } catch (e) {
          stats.failed.push(`file ${w}/${i}: ${(e as Error).message}`);
        }
        const ms = performance.now() - t0;
        stats.latencies.push(ms);
        stats.worstMs = Math.max(stats.worstMs, ms);
      }
    };
    const load = [deriveWorker(a, 0), deriveWorker(a, 7), deriveWorker(b, 13), deriveWorker(b, 29), fileWorker(a, 1), fileWorker(b, 2)];

    const restarts: { node: number; drainMs: number; startMs: number }[] = [];
    // A baseline first: the same load with every node up, to compare the latencies with.
    await new Promise((r) => setTimeout(r, 2_000));
    const baseline = [...stats.latencies].sort((x, y) => x - y);
    const baselineDerive = [...stats.deriveMs].sort((x, y) => x - y);
    stats.latencies.length = 0;
    stats.deriveMs.length = 0;
    stats.worstMs = 0;
    for (const i of [1, 2, 3, 4, 5]) {
      const before = stats.derives;
      const t0 = performance.now();
      await cluster.nodes[i - 1]!.stop(); // SIGTERM's path: NOT_SERVING, drain in-flight calls, shutdown
      const t1 = performance.now();
      await cluster.start(i);
      const t2 = performance.now();
      restarts.push({ node: i, drainMs: Math.round(t1 - t0), startMs: Math.round(t2 - t1) });
      // Let the appliances reconnect and keep going before the next node goes.
      await new Promise((r) => setTimeout(r, 700));
      expect(stats.derives, `no progress while node ${i} restarted`).toBeGreaterThan(before);
    }
    running = false;
    await Promise.all(load);

    const sorted = [...stats.latencies].sort((x, y) => x - y);
    const derives = [...stats.deriveMs].sort((x, y) => x - y);
    const pct = (xs: number[], q: number) => (xs[Math.min(xs.length - 1, Math.floor(xs.length * q))] ?? 0).toFixed(0);
    process.stderr.write(
      `rolling restart of 5 nodes under load: ${stats.derives} derives, ${stats.files} encrypt+decrypt round trips, ${stats.failed.length} failed, ${stats.wrong} wrong; ` +
        `latency ms (all operations) before the restarts p50 ${pct(baseline, 0.5)} p99 ${pct(baseline, 0.99)} worst ${pct(baseline, 1)}, ` +
        `during them p50 ${pct(sorted, 0.5)} p99 ${pct(sorted, 0.99)} worst ${stats.worstMs.toFixed(0)}; ` +
        `deriveKey alone before p99 ${pct(baselineDerive, 0.99)} worst ${pct(baselineDerive, 1)}, during p99 ${pct(derives, 0.99)} worst ${pct(derives, 1)}; restarts ${JSON.stringify(restarts)}\n`,
    );
    expect(stats.wrong).toBe(0);
    expect(stats.failed).toEqual([]);
    expect(stats.derives).toBeGreaterThan(100);
    expect(stats.files).toBeGreaterThan(5);
  }, 120_000);
});
