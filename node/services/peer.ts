/** The Peer service (node to node). The key-lifecycle protocols add their handlers here. */
import type * as grpc from '@grpc/grpc-js';
import type { HelloRequest__Output } from '../../proto/gen/splitkey/v1/HelloRequest.js';
import type { HelloResponse } from '../../proto/gen/splitkey/v1/HelloResponse.js';
import type { PeerHandlers } from '../../proto/gen/splitkey/v1/Peer.js';
import type { DeliverShareRequest__Output } from '../../proto/gen/splitkey/v1/DeliverShareRequest.js';
import type { DeliverShareResponse } from '../../proto/gen/splitkey/v1/DeliverShareResponse.js';
import type { ConfirmComplaintRequest__Output } from '../../proto/gen/splitkey/v1/ConfirmComplaintRequest.js';
import type { ConfirmComplaintResponse } from '../../proto/gen/splitkey/v1/ConfirmComplaintResponse.js';
import type { SessionStateRequest__Output } from '../../proto/gen/splitkey/v1/SessionStateRequest.js';
import type { SessionStateResponse } from '../../proto/gen/splitkey/v1/SessionStateResponse.js';
import type { VersionHistoryRequest__Output } from '../../proto/gen/splitkey/v1/VersionHistoryRequest.js';
import type { VersionHistoryResponse } from '../../proto/gen/splitkey/v1/VersionHistoryResponse.js';
import { callerIdentity, requireRole } from '../auth.js';
import { invalidArgument, permissionDenied } from '../errors.js';
import * as check from '../validate.js';
import { QueryBudget } from '../limits.js';
import { unary } from '../rpc.js';
import { loadOrder } from '../destroy-order.js';
import type { NodeRuntime } from '../runtime.js';
import { SOFTWARE_VERSION } from './admin.js';

export function peerHandlers(rt: NodeRuntime): PeerHandlers {
  /** Every Peer call: the caller must be a node (role first, before any field is read). */
  const peer = (call: unknown, audit: { identity?: string; key?: string }, keyName?: string) => {
    const id = requireRole(callerIdentity(call as grpc.ServerUnaryCall<unknown, unknown>, rt.config.insecureLoopback), 'node');
    audit.identity = id.uri;
    if (keyName !== undefined) audit.key = keyName;
    return id;
  };
  return {
    Hello: unary<HelloRequest__Output, HelloResponse>(rt.rpc, 'Hello', (req, call, audit) => {
      const id = peer(call, audit);
      if (req.fromIndex !== id.index) throw permissionDenied(`node ${id.index} claims to be node ${req.fromIndex}`);
      return { nodeIndex: rt.config.index, softwareVersion: SOFTWARE_VERSION };
    }),
    DeliverShare: unary<DeliverShareRequest__Output, DeliverShareResponse>(rt.rpc, 'DeliverShare', async (req, call, audit) => {
      const id = peer(call, audit, req.keyName);
      audit.detail = `share from dealer ${req.dealer}`;
      if (req.dealer !== id.index) throw permissionDenied(`node ${id.index} may not deliver shares as dealer ${req.dealer}`);
      const keyName = check.keyName(req.keyName);
      const session = check.sessionId(req.sessionId);
      const commitments = check.byteList(req.commitments, 32, 'commitments', 1, 255);
      const share = check.bytes(req.share, 32, 'share');
      const queries = Number(req.queriesAnswered);
      if (!Number.isSafeInteger(queries) || queries < 0) throw invalidArgument(`queries_answered must be an integer in [0, 2^53), got ${req.queriesAnswered}`);
      return rt.lifecycle.deliverShare(keyName, session, req.dealer, commitments, share, queries);
    }),
    ConfirmComplaint: unary<ConfirmComplaintRequest__Output, ConfirmComplaintResponse>(rt.rpc, 'ConfirmComplaint', async (req, call, audit) => {
      const id = peer(call, audit, req.keyName);
      if (req.dealer !== id.index) throw permissionDenied(`node ${id.index} may not ask about complaints against dealer ${req.dealer}`);
      return { complains: await rt.lifecycle.complains(check.keyName(req.keyName), check.sessionId(req.sessionId), req.dealer) };
    }),
    SessionState: unary<SessionStateRequest__Output, SessionStateResponse>(
      rt.rpc,
      'SessionState',
      async (req, call, audit) => {
        peer(call, audit, req.keyName);
        return rt.lifecycle.sessionState(check.keyName(req.keyName), check.sessionId(req.sessionId));
      },
      { audited: false },
    ),
    VersionHistory: unary<VersionHistoryRequest__Output, VersionHistoryResponse>(
      rt.rpc,
      'VersionHistory',
      async (req, call, audit) => {
        peer(call, audit, req.keyName);
        const keyName = check.keyName(req.keyName);
        const version = check.version(req.keyVersion);
        const ancestor = check.optionalDigest(req.ancestor, 'ancestor');
        const h = await rt.store.versionHistory(keyName, version, ancestor);
        const r = h.record;
        return {
          history: h.history,
          sessionId: h.sessionId,
          publicKey: h.publicKey,
          ...(r ? { threshold: r.threshold, nodeIndices: r.nodeIndices, commitments: r.commitments, epoch: String(r.epoch), state: r.state, lineage: r.lineage.map((d) => Buffer.from(d, 'hex')), destroyedByOperator: r.destroyedByOperator ?? false } : {}),
          ancestorHeld: h.ancestorHeld ?? false,
          pendingSession: h.pendingSession ?? '',
          pendingParams: h.pendingParams ? Buffer.from(h.pendingParams, 'hex') : Buffer.alloc(0),
          leftFor: h.leftFor ? Buffer.from(h.leftFor, 'hex') : Buffer.alloc(0),
          ...(r?.destroyOrder ? { destroyOrder: loadOrder(r.destroyOrder) } : {}),
          queriesAnswered: String(h.history === 'held' ? rt.queryBudget.get(QueryBudget.slot(keyName, version)) : 0),
        };
      },
      { audited: false },
    ),
  };
}
