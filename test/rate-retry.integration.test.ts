/**
 * The client and the nodes' per-identity rate limit, over real gRPC + mTLS (node/limits.ts, the
 * client's RATE_RETRY_DELAYS_MS): a refusal for the rate limit makes the client wait and ask
 * again while the bucket refills, within RATE_RETRY_BUDGET_MS; a batch that can never fit (more
 * than the burst) is refused as such by the node and fails at once, every node named as "rate
 * limited".
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdminClient } from '../client/admin.js';
import { ThresholdError } from '../client/errors.js';
import { RATE_RETRY_BUDGET_MS, RATE_RETRY_DELAYS_MS, ThresholdEvaluator } from '../client/evaluate.js';
import { createSuite, evaluate, loadGroup, scalarFromBigint } from '../crypto/index.js';
import { startTestCluster, type TestCluster } from './helpers/cluster.js';

const K = 987654321n;
const suite = createSuite(await loadGroup());
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
let cluster: TestCluster;
let client: ThresholdEvaluator;

beforeAll(async () => {
  // 100 elements/s per identity, burst 100, on each of 3 nodes; the key is 2-of-3.
  cluster = await startTestCluster({ n: 3, minThreshold: 2, limits: { ratePerSecond: 100, burst: 100 } });
  const admin = new AdminClient(await cluster.adminChannels());
  await admin.importKey('acme/rate', scalarFromBigint(K), 2);
  admin.close();
  client = await ThresholdEvaluator.create(await cluster.clientChannels('acme'), { checkThreads: 0, hedgeDelayMs: 60_000 });
});

afterAll(async () => {
  client?.close();
  await cluster?.stop();
});

/** Evaluations charged to acme/rate@1 on every node together (each node's query counter). */
const queriesCharged = (): number =>
  cluster.nodes.reduce((sum, n) => sum + (n as unknown as { runtime: { queryBudget: { get(slot: string): number } } }).runtime.queryBudget.get('acme/rate@1'), 0);

const inputs = (prefix: string, n: number) => Array.from({ length: n }, (_, j) => new TextEncoder().encode(`${prefix}-${j}`));

describe('the client under the nodes rate limit', () => {
  // On native the answers are combined after the last one arrives; on sodium with worker threads
  // each answer is scaled for the set expected first (speculation), which a kept answer must not
  // carry into another set.
  for (const [backend, checkThreads] of [['native', 0], ['sodium', 2]] as const) {
    it(`waits for the buckets to refill and asks again, keeping verified answers: a second batch right after the first is served (${backend}, ${checkThreads} check threads)`, async () => {
      const saved = process.env.SPLITKEY_BACKEND;
      process.env.SPLITKEY_BACKEND = backend;
      const c = await ThresholdEvaluator.create(await cluster.clientChannels('acme', `refill-${backend}`), { checkThreads, hedgeDelayMs: 60_000 });
      if (saved === undefined) delete process.env.SPLITKEY_BACKEND;
      else process.env.SPLITKEY_BACKEND = saved;
      try {
        if (checkThreads > 0) await c.checker.ready();
        const before = queriesCharged();
        const first = inputs(`first-${backend}`, 90);
        const a = await c.evaluate('acme/rate', 0, first);
        first.forEach((x, j) => expect(hex(a.outputs[j]!)).toBe(hex(evaluate(suite, scalarFromBigint(K), x))));
        // Every node asked now holds about 10 tokens, and the third 100: 90 more elements need two
        // nodes with 90 each, so at least one refusal comes first.
        const second = inputs(`second-${backend}`, 90);
        const started = performance.now();
        const b = await c.evaluate('acme/rate', 0, second);
        const waited = performance.now() - started;
        second.forEach((x, j) => expect(hex(b.outputs[j]!), `input ${j}`).toBe(hex(evaluate(suite, scalarFromBigint(K), x))));
        // The refill of 80 tokens at 100/s takes 0.8 s: the client waited for it, within the budget.
        expect(waited).toBeGreaterThan(300);
        expect(waited).toBeLessThan(RATE_RETRY_BUDGET_MS + 1_000);
        // An answer verified before a refusal is kept, not asked for again: each batch was
        // evaluated (and charged to the version's query budget) by exactly t = 2 nodes.
        expect(queriesCharged() - before).toBe(2 * 90 + 2 * 90);
      } finally {
        c.close();
      }
    });
  }

  it('a batch larger than any bucket fails at once (it could never pass), every node named', async () => {
    const started = performance.now();
    const err = await client.evaluate('acme/rate', 0, inputs('huge', 150)).catch((e: unknown) => e);
    const took = performance.now() - started;
    expect(err).toBeInstanceOf(ThresholdError);
    const failures = (err as ThresholdError).failures;
    expect(new Set(failures.filter((f) => f.reason === 'rate limited').map((f) => f.index))).toEqual(new Set([1, 2, 3]));
    expect((err as Error).message).toMatch(/batch larger than the rate limit's burst: 150 elements, but splitkey:\/\/client\/acme\/app may evaluate at most 100 at once \(100 elements\/s\); send smaller batches/);
    // Not asked again: the pauses before a fourth attempt alone add up to 350 ms (and it used to
    // take over 700 ms).
    expect(took).toBeLessThan(RATE_RETRY_DELAYS_MS.slice(0, 3).reduce((a, b) => a + b, 0));
  });
});

describe('a bucket that does not refill within the retry budget', () => {
  it('fails after about RATE_RETRY_BUDGET_MS, every node named, saying how many times it asked', async () => {
    // 1 element/s: a spent bucket of 40 needs 40 s to serve the next batch of 40.
    const slow = await startTestCluster({ n: 3, minThreshold: 2, limits: { ratePerSecond: 1, burst: 40 } });
    try {
      const admin = new AdminClient(await slow.adminChannels());
      await admin.importKey('acme/slow', scalarFromBigint(K), 2);
      admin.close();
      const c = await ThresholdEvaluator.create(await slow.clientChannels('acme'), { checkThreads: 0, hedgeDelayMs: 60_000 });
      try {
        // Two batches of 40 spend every node's bucket (2 nodes each; the third from the retry).
        await c.evaluate('acme/slow', 0, inputs('s1', 40));
        await c.evaluate('acme/slow', 0, inputs('s2', 40)).catch(() => undefined);
        const started = performance.now();
        const err = await c.evaluate('acme/slow', 0, inputs('s3', 40)).catch((e: unknown) => e);
        const took = performance.now() - started;
        expect(err).toBeInstanceOf(ThresholdError);
        const e = err as ThresholdError;
        expect(new Set(e.failures.filter((f) => f.reason === 'rate limited').map((f) => f.index))).toEqual(new Set([1, 2, 3]));
        // 50 + 100 + 200 + 400 ms (and jitter) of pauses fit in the budget, 800 more may not.
        expect(e.attempts).toBeGreaterThanOrEqual(5);
        expect(e.attempts).toBeLessThanOrEqual(RATE_RETRY_DELAYS_MS.length + 1);
        expect(e.message).toMatch(new RegExp(`rate limit: splitkey://client/acme/app may evaluate 1 elements/s \\(burst 40\\).* \\(asked ${e.attempts} times\\)$`));
        expect(took).toBeGreaterThan(700);
        expect(took).toBeLessThan(RATE_RETRY_BUDGET_MS + 1_000);
      } finally {
        c.close();
      }
    } finally {
      await slow.stop();
    }
  });
});

describe('refusals that never pass are not asked again', () => {
  it('a spent query budget (RESOURCE_EXHAUSTED too) fails at once, every node named', async () => {
    const spent = await startTestCluster({ n: 3, minThreshold: 2, limits: { queryLimit: 20, refuseOverBudget: true } });
    try {
      const admin = new AdminClient(await spent.adminChannels());
      await admin.importKey('acme/budget', scalarFromBigint(K), 2);
      admin.close();
      const c = await ThresholdEvaluator.create(await spent.clientChannels('acme'), { checkThreads: 0, hedgeDelayMs: 60_000 });
      try {
        // 20 elements on two nodes, then 20 on the third and one of those: every node's budget is spent.
        await c.evaluate('acme/budget', 0, inputs('b1', 20));
        await c.evaluate('acme/budget', 0, inputs('b2', 20)).catch(() => undefined);
        const started = performance.now();
        const err = await c.evaluate('acme/budget', 0, inputs('b3', 5)).catch((e: unknown) => e);
        const took = performance.now() - started;
        expect(err).toBeInstanceOf(ThresholdError);
        expect((err as Error).message).toMatch(/query budget of acme\/budget@1 is spent/);
        expect(took).toBeLessThan(400);
      } finally {
        c.close();
      }
    } finally {
      await spent.stop();
    }
  });
});
