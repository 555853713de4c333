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
import { callerIdentity, requireRole } from '../auth.js';
import { permissionDenied } from '../errors.js';
import { unary } from '../rpc.js';
import type { NodeRuntime } from '../runtime.js';
import { SOFTWARE_VERSION } from './admin.js';

export function peerHandlers(rt: NodeRuntime): PeerHandlers {
  return {
    Hello: unary<HelloRequest__Output, HelloResponse>(rt.rpc, 'Hello', (req, call, audit) => {
      const id = requireRole(callerIdentity(call as grpc.ServerUnaryCall<unknown, unknown>, rt.config.insecureLoopback), 'node');
      audit.identity = id.uri;
      if (req.fromIndex !== id.index) throw permissionDenied(`node ${id.index} claims to be node ${req.fromIndex}`);
      return { nodeIndex: rt.config.index, softwareVersion: SOFTWARE_VERSION };
    }),
    DeliverShare: unary<DeliverShareRequest__Output, DeliverShareResponse>(rt.rpc, 'DeliverShare', async (req, call, audit) => {
      const id = requireRole(callerIdentity(call as grpc.ServerUnaryCall<unknown, unknown>, rt.config.insecureLoopback), 'node');
      audit.identity = id.uri;
      audit.key = req.keyName;
      audit.detail = `share from dealer ${req.dealer}`;
      if (req.dealer !== id.index) throw permissionDenied(`node ${id.index} may not deliver shares as dealer ${req.dealer}`);
      return rt.lifecycle.deliverShare(req.keyName, req.sessionId, req.dealer, req.commitments, req.share);
    }),
    ConfirmComplaint: unary<ConfirmComplaintRequest__Output, ConfirmComplaintResponse>(rt.rpc, 'ConfirmComplaint', async (req, call, audit) => {
      const id = requireRole(callerIdentity(call as grpc.ServerUnaryCall<unknown, unknown>, rt.config.insecureLoopback), 'node');
      audit.identity = id.uri;
      audit.key = req.keyName;
      if (req.dealer !== id.index) throw permissionDenied(`node ${id.index} may not ask about complaints against dealer ${req.dealer}`);
      return { complains: await rt.lifecycle.complains(req.keyName, req.sessionId, req.dealer) };
    }),
    SessionState: unary<SessionStateRequest__Output, SessionStateResponse>(
      rt.rpc,
      'SessionState',
      async (req, call, audit) => {
        const id = requireRole(callerIdentity(call as grpc.ServerUnaryCall<unknown, unknown>, rt.config.insecureLoopback), 'node');
        audit.identity = id.uri;
        audit.key = req.keyName;
        return rt.lifecycle.sessionState(req.keyName, req.sessionId);
      },
      { audited: false },
    ),
  };
}
