/**
 * The checkers can fail: histories with one wrong key, one lost version, one unattributed failure,
 * one recovery past its bound, one disagreement — each reported invalid — and a clean history is
 * valid.
 */
import { describe, expect, it } from 'vitest';
import { checkHistory, VERDICT_EXIT } from '../../cli/chaos/checks/index.js';
import { historyFromJsonl, historyToJsonl, type History, type OpRecord, type SnapshotRecord, type VersionRecord } from '../../cli/chaos/history.js';

const version = (over: Partial<VersionRecord> = {}): VersionRecord => ({
  key: 'chaos/k1', version: 1, state: 'active', epoch: '0', threshold: 3, nodeIndices: [1, 2, 3, 4, 5], publicKey: 'aa', sharesDigest: 'bb', health: 'ok', ...over,
});
const snapshot = (phase: 'before' | 'after', edit: (node: number) => VersionRecord[] = () => [version()]): SnapshotRecord => ({
  type: 'snapshot', phase, at: 0, nodes: Object.fromEntries([1, 2, 3, 4, 5].map((i) => [String(i), { ok: true, versions: edit(i) }])),
});
let nextId = 1;
const op = (over: Partial<OpRecord> = {}): OpRecord => ({
  type: 'op', id: nextId++, kind: 'derive', key: 'chaos/k1', version: 1, resource: 'r1', start: 0, end: 10, ok: true, phase: 'workload', output: 'f1', expected: 'f1', reachable: 5, nodesAsked: [1, 2, 3, 4, 5], ...over,
});

/** A clean run: 2 s of requests, node 2 killed from 500 to 1000 ms, final probes. */
function cleanHistory(): History {
  nextId = 1;
  const ops: OpRecord[] = [];
  for (let ms = 0; ms < 2000; ms += 50) ops.push(op({ start: ms, end: ms + 20, reachable: ms >= 500 && ms < 1000 ? 4 : 5 }));
  ops.push(op({ phase: 'final', start: 2100, end: 2120 }));
  return {
    meta: { plan: 'unit', target: 'local', n: 5, t: 3, allowQuorumLoss: false, bounds: { successRate: 0.999, recoveryMs: 1000 }, startedAt: '2026-01-01T00:00:00Z', durationMs: 2200, destroyed: [] },
    ops,
    faults: [{ type: 'fault', id: 'f1', kind: 'kill', nodes: [2], plannedAt: 500, injectedAt: 500, healedAt: 1000, healed: true }],
    lifecycle: [],
    snapshots: [snapshot('before'), snapshot('after')],
  };
}

const CHECKS = ['safety', 'liveness', 'durability', 'agreement', 'attribution'] as const;

describe('chaos checkers', () => {
  it('a clean history is valid on every check (exit 0)', () => {
    const r = checkHistory(cleanHistory(), CHECKS);
    expect(Object.fromEntries(Object.entries(r.checks).map(([k, v]) => [k, v.verdict]))).toEqual({ safety: 'valid', liveness: 'valid', durability: 'valid', agreement: 'valid', attribution: 'valid' });
    expect(r.verdict).toBe('valid');
    expect(VERDICT_EXIT[r.verdict]).toBe(0);
    expect(r.figures).toMatchObject({ wrongKeys: 0, sharesLost: 0, faultsInjected: 1, faultsSurvived: 1 });
    expect(r.figures.worstRecoveryMs).toBe(20);
  });

  it('one wrong key makes the run invalid (exit 1)', () => {
    const h = cleanHistory();
    h.ops[17] = { ...h.ops[17]!, output: 'f2' };
    const r = checkHistory(h, CHECKS);
    expect(r.checks.safety!.verdict).toBe('invalid');
    expect(r.checks.safety!.problems[0]).toMatch(/operation 18 \(derive chaos\/k1@1 r1 at 850 ms\).* differs from the reference f1/);
    expect(r.figures.wrongKeys).toBe(1);
    expect(r.figures.faultsSurvived).toBe(0);
    expect(VERDICT_EXIT[r.verdict]).toBe(1);
  });

  it('one lost version is invalid', () => {
    const h = cleanHistory();
    h.snapshots[1] = snapshot('after', (i) => (i === 4 ? [] : [version()]));
    const r = checkHistory(h, CHECKS);
    expect(r.checks.durability!.verdict).toBe('invalid');
    expect(r.checks.durability!.problems).toContain('node 4 lost chaos/k1@1');
    expect(r.figures.sharesLost).toBe(1);
  });

  it('a share that no longer opens, or a changed final output, is invalid', () => {
    const h = cleanHistory();
    h.snapshots[1] = snapshot('after', (i) => [version(i === 3 ? { health: 'sealed share failed to open' } : {})]);
    expect(checkHistory(h, ['durability']).checks.durability!.problems[0]).toMatch(/node 3: the share of chaos\/k1@1 does not open/);
    const g = cleanHistory();
    g.ops[g.ops.length - 1] = { ...g.ops[g.ops.length - 1]!, output: 'zz' };
    expect(checkHistory(g, ['durability']).verdict).toBe('invalid');
  });

  it('a version destroyed by the plan is not a loss', () => {
    const h = cleanHistory();
    h.meta.destroyed = ['chaos/k1@1'];
    h.snapshots[1] = snapshot('after', () => []);
    expect(checkHistory(h, ['durability']).checks.durability!.verdict).toBe('valid');
  });

  it('one unattributed failure is invalid', () => {
    const h = cleanHistory();
    h.ops.push(op({ ok: false, output: undefined, reachable: 2, start: 600, end: 700, error: 'something broke', failures: [] }));
    const r = checkHistory(h, CHECKS);
    expect(r.checks.attribution!.verdict).toBe('invalid');
    expect(r.checks.attribution!.problems[0]).toMatch(/failed without naming nodes and reasons: something broke/);
    // Named, it is fine (and with 2 reachable it does not count against liveness).
    h.ops[h.ops.length - 1]!.failures = [{ node: 2, reason: 'unavailable' }, { node: 3, reason: 'timeout' }];
    expect(checkHistory(h, CHECKS).verdict).toBe('valid');
  });

  it('one recovery past its bound is invalid', () => {
    const h = cleanHistory();
    // Every request between the heal and 2000 ms fails: the first success is the final probe.
    for (const o of h.ops) if (o.phase === 'workload' && o.start >= 1000) Object.assign(o, { ok: false, output: undefined, reachable: 2, failures: [{ node: 1, reason: 'timeout' }] });
    const r = checkHistory(h, CHECKS);
    expect(r.checks.liveness!.verdict).toBe('invalid');
    expect(r.checks.liveness!.problems[0]).toMatch(/fault f1 .* first success came 1120 ms later, past the bound of 1000 ms/);
    expect(r.figures.worstRecoveryMs).toBe(1120);
  });

  it('failures with t reachable below the success rate are invalid; below t they are not counted', () => {
    const h = cleanHistory();
    h.ops[3] = { ...h.ops[3]!, ok: false, output: undefined, failures: [{ node: 1, reason: 'timeout' }] };
    expect(checkHistory(h, ['liveness']).checks.liveness!.problems[0]).toMatch(/success rate 97\.56 %/);
    h.ops[3]!.reachable = 2;
    expect(checkHistory(h, ['liveness']).verdict).toBe('valid');
  });

  it('nodes that disagree after the heal are invalid; a silent node leaves agreement unknown', () => {
    const h = cleanHistory();
    h.snapshots[1] = snapshot('after', (i) => [version(i === 5 ? { epoch: '1' } : {})]);
    const r = checkHistory(h, ['agreement']);
    expect(r.verdict).toBe('invalid');
    expect(r.checks.agreement!.problems[0]).toBe('chaos/k1@1: nodes disagree (nodes 1,2,3,4: active, epoch 0 / nodes 5: active, epoch 1)');
    h.snapshots[1] = snapshot('after');
    h.snapshots[1].nodes['5'] = { ok: false, error: 'unavailable', versions: [] };
    expect(checkHistory(h, ['agreement']).verdict).toBe('unknown');
    expect(VERDICT_EXIT.unknown).toBe(2);
  });

  it('a history without the checks’ inputs is unknown, not valid', () => {
    const h = cleanHistory();
    h.snapshots = [];
    expect(checkHistory(h, ['durability', 'agreement']).verdict).toBe('unknown');
    h.ops = [];
    expect(checkHistory(h, ['safety']).verdict).toBe('unknown');
  });

  it('history.jsonl and faults.jsonl read back to the same history', () => {
    const h = cleanHistory();
    const faults = h.faults.map((f) => JSON.stringify(f)).join('\n');
    const back = historyFromJsonl(historyToJsonl(h), faults);
    expect(back.meta).toEqual(h.meta);
    expect(back.ops).toEqual(h.ops);
    expect(back.faults).toEqual(h.faults);
    expect(back.snapshots).toEqual(h.snapshots);
  });
});
