/**
 * The one place where domain errors become gRPC statuses, and the wrapper every unary handler
 * goes through: drain check, timing, metrics, audit entry, error mapping. Messages are precise
 * and never carry secrets; unexpected errors are logged and answered with a generic INTERNAL.
 */
import * as grpc from '@grpc/grpc-js';
import { DeserializeError, InvalidInputError, ParameterError, VerifyError } from '../crypto/index.js';
import type { AuditFields, AuditLog } from './audit.js';
import { NodeError, unavailable, type NodeErrorCode } from './errors.js';
import type { Logger } from './log.js';
import type { NodeMetrics } from './metrics.js';
import { SealError } from './seal.js';

const CODES: Record<NodeErrorCode, grpc.status> = {
  INVALID_ARGUMENT: grpc.status.INVALID_ARGUMENT,
  NOT_FOUND: grpc.status.NOT_FOUND,
  ALREADY_EXISTS: grpc.status.ALREADY_EXISTS,
  FAILED_PRECONDITION: grpc.status.FAILED_PRECONDITION,
  PERMISSION_DENIED: grpc.status.PERMISSION_DENIED,
  UNAUTHENTICATED: grpc.status.UNAUTHENTICATED,
  RESOURCE_EXHAUSTED: grpc.status.RESOURCE_EXHAUSTED,
  UNAVAILABLE: grpc.status.UNAVAILABLE,
};

/** Whether a failed outgoing call (node to node) is worth another try: the peer may be reconnecting. */
export function isTransient(err: unknown): boolean {
  const code = (err as Partial<grpc.ServiceError>).code;
  return code === grpc.status.UNAVAILABLE || code === grpc.status.CANCELLED || code === grpc.status.UNKNOWN || code === grpc.status.INTERNAL;
}

/** Map any error to a status; `internal` is true for errors nobody expected. */
export function toStatus(err: unknown): { code: grpc.status; details: string; internal: boolean } {
  if (err instanceof NodeError) return { code: CODES[err.code], details: err.message, internal: false };
  if (err instanceof DeserializeError || err instanceof ParameterError || err instanceof InvalidInputError || err instanceof VerifyError) {
    return { code: grpc.status.INVALID_ARGUMENT, details: err.message, internal: false };
  }
  if (err instanceof SealError) return { code: grpc.status.FAILED_PRECONDITION, details: err.message, internal: false };
  return { code: grpc.status.INTERNAL, details: 'internal error', internal: true };
}

export interface RpcContext {
  log: Logger;
  metrics: NodeMetrics;
  audit: () => AuditLog | undefined;
  /** True while the node is not (yet, or any more) serving. */
  draining: () => boolean;
  inflight: { count: number; idle?: () => void };
}

/** What a handler tells the wrapper for the audit entry (filled in as it learns it). */
export type AuditScope = Partial<Omit<AuditFields, 'status'>> & { skip?: boolean };

export function unary<Req, Res>(
  ctx: RpcContext,
  method: string,
  handler: (req: Req, call: grpc.ServerUnaryCall<Req, Res>, audit: AuditScope) => Promise<Res> | Res,
  opts: { audited: boolean } = { audited: true },
): grpc.handleUnaryCall<Req, Res> {
  return (call, callback) => {
    const started = performance.now();
    const scope: AuditScope = { action: method };
    ctx.inflight.count++;
    const finish = (err: unknown, res?: Res) => {
      const status = err === undefined ? { code: grpc.status.OK, details: '', internal: false } : toStatus(err);
      const elapsed = (performance.now() - started) / 1000;
      // Answer first: metrics and the audit entry are not on the caller's latency path. They
      // still happen in this same turn, before a drain waiting for in-flight calls can finish.
      try {
        if (err === undefined) callback(null, res);
        else callback({ code: status.code, details: status.details });
      } finally {
        bookkeeping(status, elapsed, err);
      }
    };
    const bookkeeping = (status: ReturnType<typeof toStatus>, elapsed: number, err?: unknown) => {
      if (status.internal) ctx.log.error({ method, err: err instanceof Error ? err.message : String(err) }, 'unexpected error in handler');
      ctx.metrics.requests.inc({ method, code: grpc.status[status.code] });
      ctx.metrics.latency.observe({ method }, elapsed);
      if (status.code === grpc.status.RESOURCE_EXHAUSTED) ctx.metrics.rateLimited.inc();
      const audit = ctx.audit();
      if (opts.audited && audit && !scope.skip) {
        audit.append({ identity: scope.identity ?? 'unauthenticated', action: method, key: scope.key, version: scope.version, batch: scope.batch, status: grpc.status[status.code], detail: scope.detail });
      }
      ctx.inflight.count--;
      if (ctx.inflight.count === 0) ctx.inflight.idle?.();
    };
    try {
      if (ctx.draining()) throw unavailable('node is not serving (starting up or draining)');
      Promise.resolve(handler(call.request, call, scope)).then((res) => finish(undefined, res), finish);
    } catch (e) {
      finish(e);
    }
  };
}
