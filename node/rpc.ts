/**
 * The one place where domain errors become gRPC statuses, and the wrapper every unary handler
 * goes through: drain check, the caller's role (first, whatever the body), the body's decoding,
 * timing, metrics, audit entry, error mapping. Messages are precise and never carry secrets;
 * unexpected errors are logged and answered with a generic INTERNAL.
 */
import * as grpc from '@grpc/grpc-js';
import { DeserializeError, InvalidInputError, ParameterError, VerifyError } from '../crypto/index.js';
import type { AuditFields, AuditLog } from './audit.js';
import { callerIdentity, peerCertificate, requireRole, type Identity } from './auth.js';
import { NodeError, invalidArgument, unauthenticated, unavailable, type NodeErrorCode } from './errors.js';
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

/**
 * A request body that protobuf could not decode. The service's deserializer returns it instead of
 * throwing (grpc-js would answer INTERNAL before any handler ran); `unary` refuses it with
 * INVALID_ARGUMENT once the caller's role has been checked.
 */
export class UndecodableRequest {
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {}
}

/** The service definition with deserializers that never throw (see UndecodableRequest). */
export function tolerantService<T extends grpc.ServiceDefinition>(service: T): T {
  const out: Record<string, grpc.MethodDefinition<unknown, unknown>> = {};
  for (const [name, def] of Object.entries(service as grpc.ServiceDefinition)) {
    const decode = def.requestDeserialize;
    out[name] = {
      ...def,
      requestDeserialize: (bytes: Buffer) => {
        try {
          return decode(bytes);
        } catch (e) {
          return new UndecodableRequest(def.path, e instanceof Error ? e.message : String(e));
        }
      },
    };
  }
  return out as T;
}

export interface RpcContext {
  log: Logger;
  /** Plaintext development mode: callers name themselves in metadata (auth.ts). */
  insecure: boolean;
  /** The role each service needs, by full service name ("splitkey.v1.Admin"). */
  roles: Record<string, Identity['role']>;
  metrics: NodeMetrics;
  audit: () => AuditLog | undefined;
  /** True while the node is not (yet, or any more) serving. */
  draining: () => boolean;
  inflight: { count: number; idle?: () => void };
  /**
   * mTLS: whether the caller's certificate is issued by a CA trusted now (tls-material.ts). The
   * handshake checked the trust of its time; after a reload dropped a CA, open connections of
   * its certificates are refused here.
   */
  trusts?: (cert: { raw?: Buffer; fingerprint256?: string } | undefined) => boolean;
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
      authorize(ctx, call, scope);
      const req: unknown = call.request;
      if (req instanceof UndecodableRequest) throw invalidArgument(`the request body of ${req.path} could not be decoded as protobuf: ${req.reason}`);
      Promise.resolve(handler(call.request, call, scope)).then((res) => finish(undefined, res), finish);
    } catch (e) {
      finish(e);
    }
  };
}

/** The caller's role, before anything in the body is looked at. */
function authorize(ctx: RpcContext, call: grpc.ServerUnaryCall<unknown, unknown>, scope: AuditScope): void {
  const service = call.getPath().split('/')[1] ?? '';
  const role = ctx.roles[service];
  if (!role) return;
  const id = callerIdentity(call, ctx.insecure);
  scope.identity = id.uri;
  if (ctx.trusts && !ctx.trusts(peerCertificate(call))) {
    throw unauthenticated('the client certificate is not issued by a CA this node trusts any more (its CA bundle was reloaded); get a certificate from the current CA');
  }
  requireRole(id, role);
}
