/**
 * Review of 8c02c8f (client/evaluate.ts retryStale / staleRetryDecision), adversarial view.
 *
 * A (fixed): one liar (t − 1 = 1) that reports its pre-commit record in GetKeyInfo during a
 *    refresh's commit window gave the OLD record t voices; the retry saw "the same record" and
 *    ended at once ('final'), although the cluster served the derivation ~400 ms later. Now a node
 *    that answered a newer epoch and reports a record of it makes the client wait (a commit may be
 *    half-way; staleRetryDecision 'wait').
 * B (fixed): t − 1 = 2 liars taking turns in GetKeyInfo made every fetch look like "a failing node
 *    caught up" ('retry'): a delay-free loop of fetches and fan-outs for the whole 4 s budget
 *    (771 fan-outs measured). Now each node's catching up buys one retry per derivation, and every
 *    pass counts against STALE_RETRY_MAX_PASSES and the budget.
 *
 * The liars are in-process gRPC proxies with genuine node certificates in front of the real nodes.
 */
import * as grpc from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { issueCert } from '../../cli/pki.js';
import { toHex, utf8, type OperationParams } from '../../crypto/index.js';
import type { EvaluatorClient, EvaluatorHandlers } from '../../proto/gen/splitkey/v1/Evaluator.js';
import type { KeyInfo__Output } from '../../proto/gen/splitkey/v1/KeyInfo.js';
import { loadSplitkeyProto } from '../../proto/load.js';
import { adversary, settle } from '../helpers/adversary.js';
import { descriptorBehind, startTestCluster, type TestCluster } from '../helpers/cluster.js';

let cluster: TestCluster | undefined;
const closers: (() => unknown)[] = [];
const { closeClients, driveSplit, createV1, tenantEvaluator } = adversary(() => cluster!);

afterEach(async () => {
  for (const c of closers.splice(0)) await c();
  await closeClients();
  await cluster?.stop();
  cluster = undefined;
});

interface Liar {
  address: string;
  keyInfoCalls: number;
  evaluateCalls: number;
  /** call number (1-based) → what GetKeyInfo does. */
  keyInfo: (n: number, live: () => void, snapshot: (k: KeyInfo__Output) => void, fail: () => void) => void;
  evaluate: 'forward' | 'failed-precondition';
  snapshot?: KeyInfo__Output;
}

async function liar(index: number, init: Pick<Liar, 'keyInfo' | 'evaluate'>): Promise<Liar> {
  const c = cluster!;
  const upstreamAddr = c.descriptor().nodes.find((n) => n.index === index)!.address;
  const serverPair = await issueCert(c.ca, { role: 'node', index });
  const clientPair = await issueCert(c.ca, { role: 'client', tenant: 'acme', name: `review-liar-${index}` });
  const caPem = Buffer.from(c.ca.certPem);
  const proto = loadSplitkeyProto().splitkey.v1.Evaluator;
  const upstream: EvaluatorClient = new proto(upstreamAddr, grpc.credentials.createSsl(caPem, Buffer.from(clientPair.keyPem), Buffer.from(clientPair.certPem)), {
    'grpc.ssl_target_name_override': 'localhost',
  });
  const state: Liar = { address: '', keyInfoCalls: 0, evaluateCalls: 0, ...init };
  const deadline = () => Date.now() + 2_000;
  const handlers: EvaluatorHandlers = {
    Evaluate: (call, cb) => {
      state.evaluateCalls++;
      if (state.evaluate === 'failed-precondition') return cb({ code: grpc.status.FAILED_PRECONDITION, details: 'share is being replaced (liar)' });
      upstream.Evaluate(call.request, new grpc.Metadata(), { deadline: deadline() }, (err, res) => (err ? cb({ code: err.code, details: err.details }) : cb(null, res!)));
    },
    GetKeyInfo: (call, cb) => {
      const n = ++state.keyInfoCalls;
      const live = () =>
        upstream.GetKeyInfo(call.request, new grpc.Metadata(), { deadline: deadline() }, (err, res) => {
          if (err) return cb({ code: err.code, details: err.details });
          state.snapshot ??= res!;
          cb(null, res!);
        });
      state.keyInfo(n, live, (k) => cb(null, k), () => cb({ code: grpc.status.UNAVAILABLE, details: 'liar hides' }));
    },
  };
  const server = new grpc.Server();
  server.addService(proto.service, handlers);
  const creds = grpc.ServerCredentials.createSsl(caPem, [{ private_key: Buffer.from(serverPair.keyPem), cert_chain: Buffer.from(serverPair.certPem) }], true);
  const port = await new Promise<number>((res, rej) => server.bindAsync('127.0.0.1:0', creds, (e, p) => (e ? rej(e) : res(p))));
  state.address = `127.0.0.1:${port}`;
  closers.push(() => {
    upstream.close();
    server.forceShutdown();
  });
  return state;
}

describe('review K: stale retry under liars', () => {
  it('A: one liar reporting its old record in the commit window does not end the retry before the cluster serves again', { timeout: 60_000 }, async () => {
    cluster = await startTestCluster({ n: 3, minThreshold: 2 });
    const name = 'acme/review-k-a';
    const { tr, v, old } = await createV1(name, [1, 2, 3]);
    // Node 3's proxy: forwards everything, and keeps node 3's first (pre-refresh) key information.
    const l3 = await liar(3, { evaluate: 'forward', keyInfo: (_n, live) => live() });
    const input = utf8('volume-k');
    const pre = await tenantEvaluator('acme', descriptorBehind(cluster!.descriptor(), [{ index: 3, address: l3.address }]));
    const before = toHex((await pre.evaluate(name, 1, [input])).outputs[0]!);
    expect(l3.snapshot).toBeDefined();
    // Refresh committed on 1 and 3; node 2 commits 400 ms after the derivation starts.
    const p: OperationParams = { sessionId: 'c1'.repeat(16), kind: 'refresh', keyName: name, version: 1, t: 2, receivers: [1, 2, 3], dealers: [1, 2, 3], epoch: v.epoch + 1, old };
    const log = await driveSplit(tr, () => p, p, new Map(), { noCommit: [2] });
    expect(log.filter((l) => l.startsWith('commit'))).toEqual(['commit 1: true', 'commit 3: true']);
    // The lie: node 3 (committed, serving epoch 2 honestly) reports its epoch-1 record in GetKeyInfo.
    l3.keyInfo = (_n, _live, snap) => snap(l3.snapshot!);
    const e = await tenantEvaluator('acme', descriptorBehind(cluster!.descriptor(), [{ index: 3, address: l3.address }]));
    const later = new Promise((r) => setTimeout(r, 400)).then(() => tr.commit(2, name, p.sessionId));
    const t0 = Date.now();
    const r = await settle(e.evaluate(name, 1, [input]));
    const took = Date.now() - t0;
    await later;
    // Before 8c02c8f: retried for up to 3.3 s and derived `before` once node 2 committed.
    expect(r.ok ? toHex(r.v.outputs[0]!) : `failed after ${took} ms: ${r.e}`).toBe(before);
  });

  it('B: two liars taking turns in GetKeyInfo buy one retry each, not a loop for the whole budget', { timeout: 60_000 }, async () => {
    cluster = await startTestCluster({ n: 5, minThreshold: 3 });
    const name = 'acme/review-k-b';
    await createV1(name, [1, 2, 3, 4, 5], 3);
    // Liar 4 answers GetKeyInfo on odd calls, liar 5 on even ones; both refuse Evaluate with a stale-looking reason.
    const l4 = await liar(4, { evaluate: 'failed-precondition', keyInfo: (n, live, _s, fail) => (n % 2 === 1 ? live() : fail()) });
    const l5 = await liar(5, { evaluate: 'failed-precondition', keyInfo: (n, live, _s, fail) => (n % 2 === 0 ? live() : fail()) });
    await cluster.stopNode(3);
    const e = await tenantEvaluator('acme', descriptorBehind(cluster!.descriptor(), [{ index: 4, address: l4.address }, { index: 5, address: l5.address }]));
    await e.keyInfo(name);
    const fetches0 = l4.keyInfoCalls;
    const evals0 = l4.evaluateCalls + l5.evaluateCalls;
    const t0 = Date.now();
    const r = await settle(e.evaluate(name, 1, [utf8('loop')]));
    const took = Date.now() - t0;
    const fetches = l4.keyInfoCalls - fetches0;
    const evals = l4.evaluateCalls + l5.evaluateCalls - evals0;
    expect(r.ok).toBe(false); // 2 liars + 1 node down of 5, t = 3: it cannot succeed; only how fast it fails matters
    // The I3 goal ("one fresh fetch, no waits"): a failure that retries cannot fix ends quickly.
    expect({ fetches: fetches <= 3, evals: evals <= 8 }, `took ${took} ms, ${fetches} key-info fan-outs, ${evals} liar Evaluate calls`).toEqual({ fetches: true, evals: true });
  });
});
