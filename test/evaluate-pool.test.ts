/**
 * The node's Evaluate pool (node/evaluate-pool.ts) with its real worker thread and the real
 * group: small requests run on the calling thread and are not queued behind a large batch on the
 * worker; larger ones go to the worker; every answer carries a valid proof; `inlineMaxElements: 0`
 * sends everything to the worker; without workers every request shares one fair order. The pool is driven directly (no gRPC): this is about where the
 * work runs and in which order it finishes.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { blind, createSuite, loadGroup, randomScalar, verifyPartial, type Suite } from '../crypto/index.js';
import { EvaluatePool, type JobKey } from '../node/evaluate-pool.js';
import { silentLogger } from '../node/log.js';

const group = await loadGroup();
const suite: Suite = createSuite(group);
let seed = 1;
const rng = (n: number) => new Uint8Array(n).map(() => (seed = (seed * 1103515245 + 12345) % 2 ** 31) & 0xff);
const share = randomScalar(group, rng);
const key: JobKey = { index: 2, share, publicShare: group.mulBase(share) };
/** The job's key, with a fresh copy of the share (the worker zeroes the one it gets). */
const prepare = (): JobKey => ({ ...key, share: Uint8Array.from(key.share) });
const elements = (n: number) => Array.from({ length: n }, (_, i) => blind(suite, Uint8Array.of(i & 0xff, i >> 8, 7), rng).blindedElement);

let pool: EvaluatePool | undefined;
afterEach(async () => {
  await pool?.close();
  pool = undefined;
});

async function start(inlineMaxElements?: number, threads = 1): Promise<EvaluatePool> {
  pool = await EvaluatePool.start(group, { threads, maxQueued: 10_000, maxQueuedPerTenant: 10_000, inlineMaxElements }, silentLogger());
  expect(pool.threads).toBe(threads);
  return pool;
}

/** Submit and record the order in which requests finish. */
function track(p: EvaluatePool, order: string[], name: string, tenant: string, blinded: Uint8Array[]) {
  return p.submit(tenant, blinded, prepare, () => false).then((out) => {
    order.push(name);
    verifyPartial(suite, key.publicShare, blinded, { index: key.index, evaluatedElements: out.evaluatedElements, proof: out.proof });
    return out;
  });
}

describe('EvaluatePool lanes', () => {
  it('a lone derivation (1–2 elements) is not queued behind a large batch on the worker', async () => {
    const p = await start();
    const order: string[] = [];
    const big = elements(512);
    const running = [track(p, order, 'big-1', 'acme', big), track(p, order, 'big-2', 'acme', big)];
    const small = [track(p, order, 'lone', 'acme', elements(1)), track(p, order, 'pair', 'other', elements(2))];
    await Promise.all([...running, ...small]);
    // Both small requests came after two large batches for one worker, and finished first.
    expect(order.slice(0, 2).sort()).toEqual(['lone', 'pair']);
    expect(order.slice(2)).toEqual(['big-1', 'big-2']);
  });

  it('three elements or more go to the worker, in submission order behind a running batch', async () => {
    const p = await start();
    const order: string[] = [];
    await Promise.all([track(p, order, 'big', 'acme', elements(512)), track(p, order, 'three', 'acme', elements(3))]);
    expect(order).toEqual(['big', 'three']);
  });

  it('inlineMaxElements 0 sends lone requests to the worker too', async () => {
    const p = await start(0);
    const order: string[] = [];
    await Promise.all([track(p, order, 'big', 'acme', elements(512)), track(p, order, 'lone', 'acme', elements(1))]);
    expect(order).toEqual(['big', 'lone']);
  });

  /** acme queues five lone requests, then tenant "other" one of `size` elements: its place in the order served. */
  async function otherAfterFlood(p: EvaluatePool, size: number): Promise<number> {
    const order: string[] = [];
    const acme = Array.from({ length: 5 }, (_, i) => track(p, order, `acme-${i}`, 'acme', elements(1)));
    await Promise.all([...acme, track(p, order, 'other', 'other', elements(size))]);
    return order.indexOf('other');
  }

  it('small requests of several tenants are served fairly on the calling thread', async () => {
    // other is served second, not sixth.
    expect(await otherAfterFlood(await start(), 1)).toBe(1);
  });

  it('without workers (threads 0) small and large requests share one fair order: a flood of lone requests never starves a batch', async () => {
    expect(await otherAfterFlood(await start(undefined, 0), 8)).toBe(1);
  });

  it('requests whose caller left are dropped at most 256 per event-loop turn, and the queue behind them is still served', async () => {
    const p = await start(undefined, 0);
    let dropped = 0;
    const gone = Array.from({ length: 1000 }, (_, i) =>
      p.submit(`tenant-${i}`, elements(1), prepare, () => true).catch((e: Error) => {
        expect(e.message).toMatch(/caller left/);
        dropped++;
      }),
    );
    await new Promise((r) => setImmediate(r));
    expect(dropped).toBe(256);
    await Promise.all(gone);
    expect(dropped).toBe(1000);
    await p.close();
    // On the workers' lane too: 600 left requests behind a running batch, then a live one.
    const w = await start(0, 1);
    const order: string[] = [];
    const big = track(w, order, 'big', 'acme', elements(256));
    const left = Array.from({ length: 600 }, (_, i) => w.submit(`t-${i}`, elements(3), prepare, () => true).then(() => 'served', () => 'dropped'));
    const after = track(w, order, 'after', 'acme', elements(3));
    // When the batch is done, the 600 left requests (never-served tenants: ahead of acme) are
    // dropped over three turns, then 'after' runs; without the continuation the lane would stall
    // after the first 256.
    expect(new Set(await Promise.all(left))).toEqual(new Set(['dropped']));
    await Promise.all([big, after]);
    expect(order).toEqual(['big', 'after']);
    expect(w.queued).toBe(0);
  });

  it('a bad element is refused with the same error inline as on the worker; a left caller is dropped', async () => {
    const p = await start();
    const bad = new Uint8Array(32).fill(0xff);
    await expect(p.submit('acme', [bad], prepare, () => false)).rejects.toThrow(/blindedElement/);
    await expect(p.submit('acme', [...elements(2), bad], prepare, () => false)).rejects.toThrow(/blindedElement/);
    await expect(p.submit('acme', elements(1), prepare, () => true)).rejects.toThrow(/caller left/);
    expect(p.queued).toBe(0);
  });
});
