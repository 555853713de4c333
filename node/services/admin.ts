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
import { paramsFromProto } from '../lifecycle.js';
import { failedPrecondition, invalidArgument } from '../errors.js';
import { checkKeyName } from '../../crypto/index.js';
import type { AbortOperationRequest__Output } from '../../proto/gen/splitkey/v1/AbortOperationRequest.js';
import type { AbortOperationResponse } from '../../proto/gen/splitkey/v1/AbortOperationResponse.js';
import type { CanaryEvaluateRequest__Output } from '../../proto/gen/splitkey/v1/CanaryEvaluateRequest.js';
import type { CanaryEvaluateResponse } from '../../proto/gen/splitkey/v1/CanaryEvaluateResponse.js';
import type { CommitOperationRequest__Output } from '../../proto/gen/splitkey/v1/CommitOperationRequest.js';
import type { CommitOperationResponse } from '../../proto/gen/splitkey/v1/CommitOperationResponse.js';
import type { DealSharesRequest__Output } from '../../proto/gen/splitkey/v1/DealSharesRequest.js';
import type { DealSharesResponse } from '../../proto/gen/splitkey/v1/DealSharesResponse.js';
import type { DestroyVersionRequest__Output } from '../../proto/gen/splitkey/v1/DestroyVersionRequest.js';
import type { DestroyVersionResponse } from '../../proto/gen/splitkey/v1/DestroyVersionResponse.js';
import type { FinalizeOperationRequest__Output } from '../../proto/gen/splitkey/v1/FinalizeOperationRequest.js';
import type { FinalizeOperationResponse } from '../../proto/gen/splitkey/v1/FinalizeOperationResponse.js';
import type { OperationStatusRequest__Output } from '../../proto/gen/splitkey/v1/OperationStatusRequest.js';
import type { OperationStatusResponse } from '../../proto/gen/splitkey/v1/OperationStatusResponse.js';
import type { PrepareOperationRequest__Output } from '../../proto/gen/splitkey/v1/PrepareOperationRequest.js';
import type { PrepareOperationResponse } from '../../proto/gen/splitkey/v1/PrepareOperationResponse.js';
import type { RedeliverShareRequest__Output } from '../../proto/gen/splitkey/v1/RedeliverShareRequest.js';
import type { RedeliverShareResponse } from '../../proto/gen/splitkey/v1/RedeliverShareResponse.js';

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
      if (!rt.config.allowImport) throw failedPrecondition('this node refuses imports of known secrets ("allowImport": false): every key here comes from a DKG');
      const min = await rt.cluster.minThreshold();
      if (req.threshold < min) throw failedPrecondition(`threshold ${req.threshold} is below this cluster's minThreshold ${min}`);
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
    ...lifecycleHandlers(rt, admin),
  };
}

type AdminCheck = (call: unknown, audit: AuditScope) => unknown;

function checkName(name: string): void {
  try {
    checkKeyName(name, 'key_name');
  } catch (e) {
    throw invalidArgument((e as Error).message);
  }
}

/** The lifecycle RPCs: admin only, audited, delegated to node/lifecycle.ts. */
function lifecycleHandlers(rt: NodeRuntime, admin: AdminCheck): Pick<
  AdminHandlers,
  'PrepareOperation' | 'DealShares' | 'OperationStatus' | 'RedeliverShare' | 'FinalizeOperation' | 'CanaryEvaluate' | 'CommitOperation' | 'AbortOperation' | 'DestroyVersion'
> {
  const lc = () => rt.lifecycle;
  const scoped = (call: unknown, audit: AuditScope, keyName: string, version?: number) => {
    admin(call, audit);
    audit.key = keyName;
    audit.version = version;
    checkName(keyName);
  };
  return {
    PrepareOperation: unary<PrepareOperationRequest__Output, PrepareOperationResponse>(rt.rpc, 'PrepareOperation', async (req, call, audit) => {
      const params = paramsFromProto(req.params);
      scoped(call, audit, params.keyName, params.version);
      audit.detail = `${params.kind} ${params.sessionId}`;
      return { commitments: await lc().prepareOperation(params) };
    }),
    DealShares: unary<DealSharesRequest__Output, DealSharesResponse>(rt.rpc, 'DealShares', async (req, call, audit) => {
      scoped(call, audit, req.keyName);
      return lc().dealShares(req.keyName, req.sessionId);
    }),
    OperationStatus: unary<OperationStatusRequest__Output, OperationStatusResponse>(
      rt.rpc,
      'OperationStatus',
      async (req, call, audit) => {
        scoped(call, audit, req.keyName);
        return lc().status(req.keyName);
      },
      { audited: false },
    ),
    RedeliverShare: unary<RedeliverShareRequest__Output, RedeliverShareResponse>(rt.rpc, 'RedeliverShare', async (req, call, audit) => {
      scoped(call, audit, req.keyName);
      audit.detail = `redeliver to ${req.receiver} in ${req.sessionId}`;
      return lc().redeliverShare(req.keyName, req.sessionId, req.receiver);
    }),
    FinalizeOperation: unary<FinalizeOperationRequest__Output, FinalizeOperationResponse>(rt.rpc, 'FinalizeOperation', async (req, call, audit) => {
      scoped(call, audit, req.keyName);
      return lc().finalize(req.keyName, req.sessionId, req.qualified, req.transcript);
    }),
    CanaryEvaluate: unary<CanaryEvaluateRequest__Output, CanaryEvaluateResponse>(rt.rpc, 'CanaryEvaluate', async (req, call, audit) => {
      scoped(call, audit, req.keyName);
      const res = await lc().canary(req.keyName, req.sessionId, req.blindedElements, req.current);
      return { nodeIndex: rt.config.index, evaluatedElements: res.evaluated, proof: res.proof };
    }),
    CommitOperation: unary<CommitOperationRequest__Output, CommitOperationResponse>(rt.rpc, 'CommitOperation', async (req, call, audit) => {
      scoped(call, audit, req.keyName);
      audit.detail = req.sessionId;
      return { committedNow: await lc().commit(req.keyName, req.sessionId) };
    }),
    AbortOperation: unary<AbortOperationRequest__Output, AbortOperationResponse>(rt.rpc, 'AbortOperation', async (req, call, audit) => {
      scoped(call, audit, req.keyName);
      return { abortedSession: await lc().abort(req.keyName, req.sessionId) };
    }),
    DestroyVersion: unary<DestroyVersionRequest__Output, DestroyVersionResponse>(rt.rpc, 'DestroyVersion', async (req, call, audit) => {
      scoped(call, audit, req.keyName, req.keyVersion);
      const destroyedNow = await rt.store.destroyVersion(req.keyName, req.keyVersion);
      if (destroyedNow) rt.log.warn({ key: req.keyName, version: req.keyVersion }, 'version destroyed: share erased');
      return { destroyedNow };
    }),
  };
}
