/** client/appliance-server.ts statusOf: the gRPC code an Appliance caller gets for a library failure. */
import * as grpc from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { statusOf } from '../client/appliance-server.js';
import { KeyError, ThresholdError, type NodeFailure } from '../client/errors.js';

const refused = (reasons: NodeFailure['reason'][]) =>
  new ThresholdError('acme/k', 1, 2, 0, reasons.map((reason, j) => ({ index: j + 1, reason, detail: reason })));

describe('Appliance status codes', () => {
  it('every node asked refusing for a limit is RESOURCE_EXHAUSTED, not an outage', () => {
    expect(statusOf(refused(['rate limited', 'rate limited', 'rate limited']))).toBe(grpc.status.RESOURCE_EXHAUSTED);
    // Nodes not asked do not count either way.
    expect(statusOf(refused(['rate limited', 'rate limited', 'not asked']))).toBe(grpc.status.RESOURCE_EXHAUSTED);
  });

  it('a mix with an outage, or nothing asked, stays UNAVAILABLE', () => {
    expect(statusOf(refused(['rate limited', 'timeout', 'rate limited']))).toBe(grpc.status.UNAVAILABLE);
    expect(statusOf(refused(['rate limited', 'invalid proof']))).toBe(grpc.status.UNAVAILABLE);
    expect(statusOf(refused(['not asked', 'not asked']))).toBe(grpc.status.UNAVAILABLE);
    expect(statusOf(refused(['unavailable', 'unavailable']))).toBe(grpc.status.UNAVAILABLE);
  });

  it('tenant refusals, unknown keys and key errors keep their codes', () => {
    expect(statusOf(refused(['permission denied', 'permission denied']))).toBe(grpc.status.PERMISSION_DENIED);
    expect(statusOf(refused(['not found', 'not found', 'not asked']))).toBe(grpc.status.NOT_FOUND);
    expect(statusOf(new KeyError('KEY_NOT_FOUND', 'x'))).toBe(grpc.status.NOT_FOUND);
    expect(statusOf(new KeyError('KEY_DESTROYED', 'x'))).toBe(grpc.status.FAILED_PRECONDITION);
    expect(statusOf(new RangeError('x'))).toBe(grpc.status.INVALID_ARGUMENT);
  });
});
