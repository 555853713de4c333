/**
 * Limits over real gRPC + mTLS: the per-identity token bucket, the per-version query budget
 * (RFC 9497 §7.2.3), and the Prometheus metrics that count them.
 */
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdminClient } from '../client/admin.js';
import { unaryCall, type NodeChannels } from '../client/channels.js';
import { blind, createSuite, loadGroup, scalarFromBigint } from '../crypto/index.js';
import { startTestCluster, type TestCluster } from './helpers/cluster.js';

const suite = createSuite(await loadGroup('sodium'));
const rng = (n: number) => new Uint8Array(n).map(() => Math.floor(Math.random() * 256));
let cluster: TestCluster;
let a: NodeChannels;
let b: NodeChannels;

function evaluate(ch: NodeChannels, keyName: string, n: number, opts: { malformed?: boolean } = {}): Promise<string> {
  const c = ch.evaluator(1);
  const B = Array.from({ length: n }, () => blind(suite, Uint8Array.of(1), rng).blindedElement);
  if (opts.malformed) B[n - 1] = new Uint8Array(32); // the identity: refused after the budget check
  return unaryCall<object, unknown>(c.Evaluate.bind(c), { keyName, keyVersion: 0, blindedElements: B }, ch.callMetadata(), 5000).promise.then(
    () => 'OK',
    (e: grpc.ServiceError) => `${grpc.status[e.code]}: ${e.details}`,
  );
}

beforeAll(async () => {
  cluster = await startTestCluster({
    n: 1,
    metrics: true,
    limits: { ratePerSecond: 1, burst: 40, queryWarnAt: 10, queryLimit: 30, refuseOverBudget: true },
  });
  const admin = new AdminClient(await cluster.adminChannels());
  await admin.importKey('acme/a', scalarFromBigint(12345n), 1);
  await admin.importKey('acme/b', scalarFromBigint(67890n), 1);
  admin.close();
  a = await cluster.clientChannels('acme', 'one');
  b = await cluster.clientChannels('acme', 'two');
});

afterAll(async () => {
  a?.close();
  b?.close();
  await cluster?.stop();
});

describe('limits', () => {
  it('the query budget of a version refuses past its limit; other versions are unaffected', async () => {
    expect(await evaluate(a, 'acme/a', 20)).toBe('OK');
    expect(await evaluate(a, 'acme/a', 10)).toBe('OK');
    expect(await evaluate(b, 'acme/a', 1)).toMatch(/^RESOURCE_EXHAUSTED: query budget of acme\/a@1 is spent/);
    // A request refused for a malformed element spends no budget (checked in the metrics below).
    expect(await evaluate(b, 'acme/b', 5, { malformed: true })).toMatch(/^INVALID_ARGUMENT/);
    expect(await evaluate(b, 'acme/b', 5)).toBe('OK');
  });

  it('the count is durable before it is answered: a synced reservation on disk covers every answered query (a kill gives nothing back)', async () => {
    const reserved = JSON.parse((await cluster.nodes[0]!.store.db.get('meta\x00queries-reserved'))!) as Record<string, number>;
    expect(reserved['acme/a@1']).toBeGreaterThanOrEqual(30);
    expect(reserved['acme/b@1']).toBeGreaterThanOrEqual(5);
    // A node restarted from that record resumes counting at the reservation, not at zero.
    const { QueryBudget, RESERVE_CHUNK } = await import('../node/limits.js');
    const after = new QueryBudget({ warnAt: 10, limit: 30, refuse: true }, () => undefined);
    after.restoreReserved('acme/a@1', reserved['acme/a@1']!);
    expect(after.get('acme/a@1')).toBeGreaterThanOrEqual(30);
    expect(after.get('acme/a@1')).toBeLessThanOrEqual(30 + RESERVE_CHUNK);
    expect(() => after.check('acme/a@1', 1)).toThrow(/query budget of acme\/a@1 is spent/);
  });

  it("an identity's token bucket refuses a burst beyond its size, before any work, and another identity is not affected", async () => {
    // Identity "one" spent 30 of its 40 tokens above (refill 1/s).
    expect(await evaluate(a, 'acme/b', 15)).toMatch(/^RESOURCE_EXHAUSTED: rate limit: splitkey:\/\/client\/acme\/one/);
    expect(await evaluate(b, 'acme/b', 15)).toBe('OK');
  });

  it('metrics count requests by code, rate-limit refusals, batch sizes and queries per version', async () => {
    const res = await fetch(`http://127.0.0.1:${cluster.nodes[0]!.metricsPort}/metrics`);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toMatch(/splitkey_requests_total\{method="Evaluate",code="OK"\} 4/);
    expect(text).toMatch(/splitkey_requests_total\{method="Evaluate",code="RESOURCE_EXHAUSTED"\} 2/);
    expect(text).toMatch(/splitkey_rate_limited_total 2/);
    expect(text).toMatch(/splitkey_key_queries_total\{key="acme\/a",version="1"\} 30/);
    expect(text).toMatch(/splitkey_key_queries_total\{key="acme\/b",version="1"\} 20\n/);
    expect(text).toMatch(/splitkey_evaluate_batch_size_count 4/);
    expect(text).toMatch(/splitkey_request_duration_seconds_bucket/);
    // The limit in force (set by this node's config here).
    expect(text).toMatch(/splitkey_rate_limit\{kind="per_second"\} 1\n/);
    expect(text).toMatch(/splitkey_rate_limit\{kind="burst"\} 40\n/);
  });
});
