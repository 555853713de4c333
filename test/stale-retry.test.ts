/**
 * When a derivation that failed as "stale" is retried (client/evaluate.ts `staleRetryDecision`):
 * only when t nodes now report another record, or a node that failed as stale caught up.
 */
import { describe, expect, it } from 'vitest';
import { ThresholdError, type NodeFailure } from '../client/errors.js';
import { staleRetryDecision, type VerifiedVersion } from '../client/evaluate.js';

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
const wrongEpoch = (index: number): NodeFailure => ({ index, reason: 'wrong epoch', detail: 'share epoch 5, expected 4' });

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
});
