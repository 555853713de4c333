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
import { describeGroup } from '../../crypto/group.js';
import { sameUniverse } from '../../crypto/lifecycle.js';
import { callerIdentity, peerCertificate, requireCapability, requireRole, type Capability, type Identity } from '../auth.js';
import { QueryBudget } from '../limits.js';
import { unary, type AuditScope } from '../rpc.js';
import { ReceiptSigner } from '../receipt.js';
import type { NodeRuntime } from '../runtime.js';
import { keyInfo } from './key-info.js';
import { paramsFromProto } from '../lifecycle.js';
import { failedPrecondition, invalidArgument } from '../errors.js';
import * as check from '../validate.js';
import type { OperationParams__Output } from '../../proto/gen/splitkey/v1/OperationParams.js';
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
      requireCapability(admin(call, audit), 'import');
      audit.key = req.keyName;
      audit.version = req.keyVersion;
      audit.detail = `import of a known secret, ${req.threshold}-of-${req.nodeIndices.length}`;
      check.keyName(req.keyName);
      check.version(req.keyVersion);
      const nodeIndices = check.nodeIndices(req.nodeIndices, 'node_indices');
      const t = check.threshold(req.threshold, nodeIndices.length);
      check.byteList(req.commitments, 32, 'commitments', t, t, 'threshold');
      check.nodeIndex(req.nodeIndex, 'node_index');
      check.bytes(req.share, 32, 'share');
      const quorum = check.universe(req.quorum, 'quorum');
      if (!rt.config.allowImport) throw failedPrecondition('this node refuses imports of known secrets ("allowImport": false): every key here comes from a DKG');
      const min = await rt.cluster.minThreshold();
      if (req.threshold < min) throw failedPrecondition(`threshold ${req.threshold} is below this cluster's minThreshold ${min}`);
      const f = await rt.cluster.faultTolerance();
      if (nodeIndices.length < t + f) throw failedPrecondition(`${t} of ${nodeIndices.length} nodes would not survive the ${f} silent nodes this cluster's policy allows for (faultTolerance); give at least ${t + f} nodes`);
      // As a DKG's record (node/lifecycle.ts checkNextQuorum): under the quorum policy an imported
      // record names the list later sessions from it are counted against, the same on every holder.
      if (await rt.cluster.lifecycleQuorum()) {
        if (!quorum) throw failedPrecondition("this cluster descriptor's quorum policy needs an import to name the node list and minThreshold its record is created under (quorum): import with splitkey's own tooling, which names its descriptor's");
        const own = { nodes: await rt.cluster.indices(), minThreshold: min };
        if (!sameUniverse(quorum, own)) {
          throw failedPrecondition(`the import's record would be created under nodes ${quorum.nodes.join(',')} (minThreshold ${quorum.minThreshold}), but this node's descriptor says nodes ${own.nodes.join(',')} (minThreshold ${own.minThreshold}); every node's descriptor must agree before an import`);
        }
      }
      const res = await rt.lifecycle.checkedImport(req.keyName, req.keyVersion, req.commitments[0]!, () =>
        rt.store.importShare({
          keyName: req.keyName,
          version: req.keyVersion,
          threshold: req.threshold,
          nodeIndices: req.nodeIndices,
          commitments: req.commitments,
          nodeIndex: req.nodeIndex,
          share: req.share,
          quorum,
        }),
      );
      rt.log.info({ key: req.keyName, version: req.keyVersion, created: res.created }, 'share imported');
      return { publicShare: res.publicShare, created: res.created };
    }),
    ListKeys: unary<ListKeysRequest__Output, ListKeysResponse>(rt.rpc, 'ListKeys', (req, call, audit) => {
      admin(call, audit);
      check.tenantFilter(req.tenant);
      const names = rt.store.keyNames().filter((n) => !req.tenant || n.startsWith(`${req.tenant}/`));
      return { keys: names.map((keyName) => ({ keyName, versions: rt.store.versions(keyName).map((v) => v.record.version) })) };
    }),
    KeyStatus: unary<KeyStatusRequest__Output, KeyStatusResponse>(rt.rpc, 'KeyStatus', (req, call, audit) => {
      admin(call, audit);
      audit.key = req.keyName;
      check.keyName(req.keyName);
      const info = keyInfo(rt.store, req.keyName);
      const health = rt.store.versions(req.keyName).map((v) => ({
        version: v.record.version,
        status: v.record.state === 'destroyed' ? 'destroyed' : (v.unavailable ?? 'ok'),
        queries: String(rt.queryBudget.get(QueryBudget.slot(req.keyName, v.record.version))),
        ...(v.record.quorum ? { quorum: { nodes: [...v.record.quorum.nodes], minThreshold: v.record.quorum.minThreshold } } : {}),
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
        groupBackend: describeGroup(rt.group),
        ratePerSecond: rt.rateLimiter.config.ratePerSecond,
        rateBurst: rt.rateLimiter.config.burst,
      };
    }),
    ...lifecycleHandlers(rt, admin),
  };
}

type AdminCheck = (call: unknown, audit: AuditScope) => Extract<Identity, { role: 'admin' }>;

const KIND_CAPABILITY: Record<string, Capability> = { dkg: 'create', refresh: 'refresh', reshare: 'reshare' };

const KINDS = ['dkg', 'refresh', 'reshare'];

function checkKind(kind: string | undefined): void {
  if (kind === undefined || !KINDS.includes(kind)) throw invalidArgument(`params.kind must be dkg, refresh or reshare, got ${check.shown(kind)}`);
}

/** Every field of the operation parameters, before node/lifecycle.ts reads any of them. */
function checkParams(p: OperationParams__Output | null): void {
  if (!p) throw invalidArgument('params is required, got nothing');
  const f = (name: string) => `params.${name}`;
  check.sessionId(p.sessionId, f('session_id'));
  checkKind(p.kind);
  check.keyName(p.keyName, f('key_name'));
  check.version(p.keyVersion, f('key_version'));
  const receivers = check.nodeIndices(p.receivers, f('receivers'));
  check.threshold(p.threshold, receivers.length, f('threshold'));
  check.nodeIndices(p.dealers, f('dealers'));
  check.epoch(p.epoch, f('epoch'));
  const retired = new Set<number>();
  p.retire.forEach((r, j) => {
    check.version(r, `${f('retire')}[${j}]`);
    if (r === p.keyVersion) throw invalidArgument(`params.retire names key_version ${r} itself`);
    if (retired.has(r)) throw invalidArgument(`params.retire names version ${r} twice`);
    retired.add(r);
  });
  if (p.kind === 'dkg') {
    if (p.oldThreshold !== 0 || p.oldNodeIndices.length > 0 || p.oldCommitments.length > 0 || String(p.oldEpoch) !== '0') {
      throw invalidArgument('params.old_threshold, old_node_indices, old_commitments and old_epoch must be empty for dkg');
    }
    return;
  }
  const oldNodes = check.nodeIndices(p.oldNodeIndices, f('old_node_indices'));
  const oldT = check.threshold(p.oldThreshold, oldNodes.length, f('old_threshold'));
  check.byteList(p.oldCommitments, 32, f('old_commitments'), oldT, oldT, 'old_threshold');
  check.epoch(p.oldEpoch, f('old_epoch'));
}

/** The lifecycle RPCs: admin only, audited, every field checked, then node/lifecycle.ts. */
function lifecycleHandlers(rt: NodeRuntime, admin: AdminCheck): Pick<
  AdminHandlers,
  'PrepareOperation' | 'DealShares' | 'OperationStatus' | 'RedeliverShare' | 'FinalizeOperation' | 'CanaryEvaluate' | 'CommitOperation' | 'AbortOperation' | 'DestroyVersion'
> {
  const lc = () => rt.lifecycle;
  const receipts = new ReceiptSigner(rt.config);
  const scoped = (call: unknown, audit: AuditScope, keyName: string, version?: number) => {
    const id = admin(call, audit);
    audit.key = keyName;
    audit.version = version;
    check.keyName(keyName);
    return id;
  };
  /**
   * A step of the pending session needs the capability of that session's kind; then its session
   * id is checked (`optional`: may be empty, for abort).
   */
  const sessionStep = async (call: unknown, audit: AuditScope, keyName: string, sessionId: string, optional = false) => {
    const id = scoped(call, audit, keyName);
    const pending = await rt.store.loadOperation(keyName).catch(() => undefined);
    const cap = pending ? KIND_CAPABILITY[pending.params.kind] : undefined;
    if (cap) requireCapability(id, cap);
    else if (!id.capabilities.some((c) => c === 'create' || c === 'refresh' || c === 'reshare')) requireCapability(id, 'create');
    (optional ? check.optionalSessionId : check.sessionId)(sessionId);
  };
  return {
    PrepareOperation: unary<PrepareOperationRequest__Output, PrepareOperationResponse>(rt.rpc, 'PrepareOperation', async (req, call, audit) => {
      const id = admin(call, audit);
      audit.key = req.params?.keyName;
      checkKind(req.params?.kind);
      requireCapability(id, KIND_CAPABILITY[req.params!.kind]!);
      checkParams(req.params);
      const params = paramsFromProto(req.params);
      audit.version = params.version;
      audit.detail = `${params.kind} ${params.sessionId}`;
      return { commitments: await lc().prepareOperation(params) };
    }),
    DealShares: unary<DealSharesRequest__Output, DealSharesResponse>(rt.rpc, 'DealShares', async (req, call, audit) => {
      await sessionStep(call, audit, req.keyName, req.sessionId);
      return lc().dealShares(req.keyName, req.sessionId);
    }),
    OperationStatus: unary<OperationStatusRequest__Output, OperationStatusResponse>(
      rt.rpc,
      'OperationStatus',
      async (req, call, audit) => {
        scoped(call, audit, req.keyName);
        return lc().status(req.keyName, req.sessionId ? check.sessionId(req.sessionId) : '');
      },
      { audited: false },
    ),
    RedeliverShare: unary<RedeliverShareRequest__Output, RedeliverShareResponse>(rt.rpc, 'RedeliverShare', async (req, call, audit) => {
      await sessionStep(call, audit, req.keyName, req.sessionId);
      check.nodeIndex(req.receiver, 'receiver');
      audit.detail = `redeliver to ${req.receiver} in ${req.sessionId}`;
      return lc().redeliverShare(req.keyName, req.sessionId, req.receiver);
    }),
    FinalizeOperation: unary<FinalizeOperationRequest__Output, FinalizeOperationResponse>(rt.rpc, 'FinalizeOperation', async (req, call, audit) => {
      await sessionStep(call, audit, req.keyName, req.sessionId);
      check.nodeIndices(req.qualified, 'qualified');
      check.bytes(req.transcript, 32, 'transcript');
      return lc().finalize(req.keyName, req.sessionId, req.qualified, req.transcript);
    }),
    CanaryEvaluate: unary<CanaryEvaluateRequest__Output, CanaryEvaluateResponse>(rt.rpc, 'CanaryEvaluate', async (req, call, audit) => {
      await sessionStep(call, audit, req.keyName, req.sessionId);
      check.byteList(req.blindedElements, 32, 'blinded_elements', 1, 16);
      const res = await lc().canary(req.keyName, req.sessionId, req.blindedElements, req.current);
      return { nodeIndex: rt.config.index, evaluatedElements: res.evaluated, proof: res.proof };
    }),
    CommitOperation: unary<CommitOperationRequest__Output, CommitOperationResponse>(rt.rpc, 'CommitOperation', async (req, call, audit) => {
      await sessionStep(call, audit, req.keyName, req.sessionId);
      audit.detail = req.sessionId;
      return { committedNow: await lc().commit(req.keyName, req.sessionId) };
    }),
    AbortOperation: unary<AbortOperationRequest__Output, AbortOperationResponse>(rt.rpc, 'AbortOperation', async (req, call, audit) => {
      await sessionStep(call, audit, req.keyName, req.sessionId, true);
      return { abortedSession: await lc().abort(req.keyName, req.sessionId) };
    }),
    DestroyVersion: unary<DestroyVersionRequest__Output, DestroyVersionResponse>(rt.rpc, 'DestroyVersion', async (req, call, audit) => {
      requireCapability(scoped(call, audit, req.keyName, req.keyVersion), 'destroy');
      // Never "the newest": a destructive call names its version exactly.
      check.version(req.keyVersion);
      const given = req.expectedRecord.length;
      if (given !== 0 && given !== 32) throw invalidArgument(`expected_record must be a 32-byte record digest or empty, got ${given} bytes`);
      const expected = given === 0 ? undefined : Buffer.from(req.expectedRecord).toString('hex');
      const order = req.order && req.order.order.length > 0 ? check.destroyOrder(req.order) : undefined;
      if (order && expected) throw invalidArgument('order and expected_record exclude each other: erasing one copy is no order to destroy the version');
      audit.detail = expected ? `destroy: erase this node's share of record ${expected}` : `destroy: erase this node's share${order ? ' (signed order)' : ''}`;
      const caller = peerCertificate(call as grpc.ServerUnaryCall<unknown, unknown>)?.raw;
      const { destroyedNow, orderKept } = await lc().destroy(req.keyName, req.keyVersion, expected, order, caller);
      if (destroyedNow) rt.log.warn({ key: req.keyName, version: req.keyVersion }, 'version destroyed: share erased');
      const record = rt.store.resolve(req.keyName, req.keyVersion).record;
      return { destroyedNow, orderKept, ...(await receipts.sign(record)) };
    }),
  };
}
