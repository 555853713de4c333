/** The Peer service (node to node). The key-lifecycle protocols add their handlers here. */
import type * as grpc from '@grpc/grpc-js';
import type { HelloRequest__Output } from '../../proto/gen/splitkey/v1/HelloRequest.js';
import type { HelloResponse } from '../../proto/gen/splitkey/v1/HelloResponse.js';
import type { PeerHandlers } from '../../proto/gen/splitkey/v1/Peer.js';
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
  };
}
