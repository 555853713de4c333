/**
 * When a derivation that failed as "stale" is retried (client/evaluate.ts `staleRetryDecision`):
 * only when t nodes now report another record, or a node that failed as stale caught up.
 */
import { describe, expect, it } from 'vitest';
import { ThresholdError, type NodeFailure } from '../client/errors.js';
import { caughtUpNodes, staleRetryDecision, type VerifiedVersion } from '../client/evaluate.js';

const pk = (b: number) => new Uint8Array(32).fill(b);
const record = (over: Partial<VerifiedVersion> = {}): VerifiedVersion => ({
  version: 1,
  threshold: 3,
  nodeIndices: [1, 2, 3, 4, 5],
  publicKey: pk(7),
  publicShares: new Map(),
  epoch: '4',
  state: 'active',
  holders: [1, 2, 3],
  ...over,
});
const failed = (...failures: NodeFailure[]) => new ThresholdError('acme/k', 1, 3, 2, failures);
const wrongEpoch = (index: number, epoch = '5'): NodeFailure => ({ index, reason: 'wrong epoch', detail: `share epoch ${epoch}, expected 4`, epoch });

describe('staleRetryDecision', () => {
  it('retries when t nodes report another epoch, t, node set or key', () => {
    const f = failed(wrongEpoch(2));
    expect(staleRetryDecision(record(), record({ epoch: '5' }), f)).toBe('retry');
    expect(staleRetryDecision(record(), record({ threshold: 4 }), f)).toBe('retry');
    expect(staleRetryDecision(record(), record({ nodeIndices: [1, 2, 3, 4, 6] }), f)).toBe('retry');
    expect(staleRetryDecision(record(), record({ publicKey: pk(8) }), f)).toBe('retry');
    expect(staleRetryDecision(record(), record({ forked: true }), f)).toBe('retry');
  });

  it('is final when the same record is confirmed and the failing node was already one of its voices', () => {
    expect(staleRetryDecision(record(), record(), failed(wrongEpoch(2)))).toBe('final');
    expect(staleRetryDecision(record(), record({ holders: [1, 2, 3, 4] }), failed(wrongEpoch(2)))).toBe('final');
  });

  it('retries when a node that failed as stale now reports the record (it committed since)', () => {
    for (const reason of ['wrong epoch', 'not found', 'failed precondition'] as const) {
      expect(staleRetryDecision(record(), record({ holders: [1, 2, 3, 4] }), failed({ index: 4, reason, detail: '' }))).toBe('retry');
    }
  });

  it('a node that caught up after failing for another reason (down, invalid proof) is no reason to retry', () => {
    for (const reason of ['unavailable', 'invalid proof', 'timeout'] as const) {
      expect(staleRetryDecision(record(), record({ holders: [1, 2, 3, 4] }), failed({ index: 4, reason, detail: '' }))).toBe('final');
    }
  });

  it('each node’s catching up buys one retry per derivation (review K, F2)', () => {
    const f = failed({ index: 4, reason: 'failed precondition', detail: '' });
    expect(caughtUpNodes(record(), record({ holders: [1, 2, 3, 4] }), f)).toEqual([4]);
    expect(staleRetryDecision(record(), record({ holders: [1, 2, 3, 4] }), f, { counted: new Set([4]) })).toBe('final');
    expect(staleRetryDecision(record(), record({ holders: [1, 2, 3, 4] }), f, { counted: new Set([2]) })).toBe('retry');
  });

  it('waits when a node answered a newer epoch and itself reports a record of it: a commit may be half-way (review K, F1)', () => {
    const f = failed(wrongEpoch(1, '5'));
    expect(staleRetryDecision(record(), record(), f, { reported: new Map([[1, '5']]) })).toBe('wait');
    // Its answer alone (its key information still says the old epoch) is only its claim.
    expect(staleRetryDecision(record(), record(), f, { reported: new Map([[1, '4']]) })).toBe('final');
    expect(staleRetryDecision(record(), record(), f)).toBe('final');
    // An older epoch, or one it does not report, is no commit under way.
    expect(staleRetryDecision(record(), record(), failed(wrongEpoch(1, '3')), { reported: new Map([[1, '3']]) })).toBe('final');
    expect(staleRetryDecision(record(), record(), f, { reported: new Map([[2, '5']]) })).toBe('final');
  });
});
