/** The Admin service (operators). See proto/splitkey/v1/admin.proto. */
import type * as grpc from '@grpc/grpc-js';
import type { AdminHandlers } from '../../proto/gen/splitkey/v1/Admin.js';
import type { ImportShareRequest__Output } from '../../proto/gen/splitkey/v1/ImportShareRequest.js';
import type { ImportShareResponse } from '../../proto/gen/splitkey/v1/ImportShareResponse.js';
import type { KeyStatusRequest__Output } from '../../proto/gen/splitkey/v1/KeyStatusRequest.js';
import type { KeyStatusResponse } from '../../proto/gen/splitkey/v1/KeyStatusResponse.js';
import type { ListKeysRequest__Output } from '../../proto/gen/splitkey/v1/ListKeysRequest.js';
import type { ListKeysResponse } from '../../proto/gen/splitkey/v1/ListKeysResponse.js';
import type { NodeStatusResponse } from '../../proto/gen/splitkey/v1/NodeStatusResponse.js';
import { callerIdentity, requireRole } from '../auth.js';
import { QueryBudget } from '../limits.js';
import { unary, type AuditScope } from '../rpc.js';
import type { NodeRuntime } from '../runtime.js';
import { keyInfo } from './key-info.js';

export const SOFTWARE_VERSION = '0.1.0';

export function adminHandlers(rt: NodeRuntime): AdminHandlers {
  const admin = (call: unknown, audit: AuditScope) => {
    const id = callerIdentity(call as grpc.ServerUnaryCall<unknown, unknown>, rt.config.insecureLoopback);
    audit.identity = id.uri;
    return requireRole(id, 'admin');
  };
  return {
    ImportShare: unary<ImportShareRequest__Output, ImportShareResponse>(rt.rpc, 'ImportShare', async (req, call, audit) => {
      admin(call, audit);
      audit.key = req.keyName;
      audit.version = req.keyVersion;
      const res = await rt.store.importShare({
        keyName: req.keyName,
        version: req.keyVersion,
        threshold: req.threshold,
        nodeIndices: req.nodeIndices,
        commitments: req.commitments,
        nodeIndex: req.nodeIndex,
        share: req.share,
      });
      rt.log.info({ key: req.keyName, version: req.keyVersion, created: res.created }, 'share imported');
      return { publicShare: res.publicShare, created: res.created };
    }),
    ListKeys: unary<ListKeysRequest__Output, ListKeysResponse>(rt.rpc, 'ListKeys', (req, call, audit) => {
      admin(call, audit);
      const names = rt.store.keyNames().filter((n) => !req.tenant || n.startsWith(`${req.tenant}/`));
      return { keys: names.map((keyName) => ({ keyName, versions: rt.store.versions(keyName).map((v) => v.record.version) })) };
    }),
    KeyStatus: unary<KeyStatusRequest__Output, KeyStatusResponse>(rt.rpc, 'KeyStatus', (req, call, audit) => {
      admin(call, audit);
      audit.key = req.keyName;
      const info = keyInfo(rt.store, req.keyName);
      const health = rt.store.versions(req.keyName).map((v) => ({
        version: v.record.version,
        status: v.record.state === 'destroyed' ? 'destroyed' : (v.unavailable ?? 'ok'),
        queries: String(rt.queryBudget.get(QueryBudget.slot(req.keyName, v.record.version))),
      }));
      return { info, health };
    }),
    NodeStatus: unary<unknown, NodeStatusResponse>(rt.rpc, 'NodeStatus', (_req, call, audit) => {
      admin(call, audit);
      const counts = rt.store.counts();
      return {
        nodeIndex: rt.config.index,
        softwareVersion: SOFTWARE_VERSION,
        uptimeMs: String(Math.round(performance.now() - rt.startedAt)),
        keyCount: counts.keys,
        versionCount: counts.versions,
        draining: rt.rpc.draining(),
        unavailable: counts.unavailable,
      };
    }),
  };
}
