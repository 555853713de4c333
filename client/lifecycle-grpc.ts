/** The coordinator's transport over the nodes' Admin service (admin certificate). */
import { fromHex, type OperationParams, type SignedDestroyOrder } from '../crypto/index.js';
import { NodeChannels } from './channels.js';
import type { DestroyAnswer, LifecycleTransport, OperationStatus } from './lifecycle.js';

const TIMEOUT_MS = 10_000;

export class GrpcLifecycleTransport implements LifecycleTransport {
  constructor(
    private readonly channels: NodeChannels,
    private readonly timeoutMs = TIMEOUT_MS,
  ) {}

  private call<Res>(node: number, method: string, req: object): Promise<Res> {
    return this.channels.adminCall<Res>(node, method, req, this.timeoutMs).promise;
  }

  async prepare(node: number, p: OperationParams): Promise<Uint8Array[]> {
    const params = {
      sessionId: p.sessionId,
      kind: p.kind,
      keyName: p.keyName,
      keyVersion: p.version,
      threshold: p.t,
      receivers: p.receivers,
      dealers: p.dealers,
      epoch: String(p.epoch),
      oldThreshold: p.old?.t ?? 0,
      oldNodeIndices: p.old?.nodeIndices ?? [],
      oldCommitments: (p.old?.commitments ?? []).map((c) => fromHex(c)),
      oldEpoch: String(p.old?.epoch ?? 0),
      oldLineage: (p.old?.lineage ?? []).map((d) => fromHex(d)),
      retire: p.retire ?? [],
      witnesses: p.witnesses ?? [],
      ...(p.quorum ? { quorum: p.quorum } : {}),
      ...(p.nextQuorum ? { nextQuorum: p.nextQuorum } : {}),
    };
    return (await this.call<{ commitments: Uint8Array[] }>(node, 'PrepareOperation', { params })).commitments;
  }

  deal(node: number, keyName: string, sessionId: string) {
    return this.call<{ delivered: number[]; failed: string[] }>(node, 'DealShares', { keyName, sessionId });
  }

  status(node: number, keyName: string, sessionId = ''): Promise<OperationStatus> {
    return this.call<OperationStatus>(node, 'OperationStatus', { keyName, sessionId });
  }

  redeliver(node: number, keyName: string, sessionId: string, receiver: number) {
    return this.call<{ accepted: boolean; complaint: string }>(node, 'RedeliverShare', { keyName, sessionId, receiver });
  }

  finalize(node: number, keyName: string, sessionId: string, qualified: number[], transcript: Uint8Array) {
    return this.call<{ publicShare: Uint8Array; commitments: Uint8Array[] }>(node, 'FinalizeOperation', { keyName, sessionId, qualified, transcript });
  }

  async canary(node: number, keyName: string, sessionId: string, blinded: Uint8Array[], current: boolean) {
    const r = await this.call<{ evaluatedElements: Uint8Array[]; proof: Uint8Array }>(node, 'CanaryEvaluate', { keyName, sessionId, blindedElements: blinded, current });
    return { evaluated: r.evaluatedElements, proof: r.proof };
  }

  async commit(node: number, keyName: string, sessionId: string) {
    return (await this.call<{ committedNow: boolean }>(node, 'CommitOperation', { keyName, sessionId })).committedNow;
  }

  async abort(node: number, keyName: string, sessionId: string) {
    return (await this.call<{ abortedSession: string }>(node, 'AbortOperation', { keyName, sessionId })).abortedSession;
  }

  async destroy(node: number, keyName: string, version: number, expectedRecord?: string, order?: SignedDestroyOrder): Promise<DestroyAnswer> {
    const r = await this.call<{ destroyedNow: boolean; receipt: Uint8Array; signature: Uint8Array; certificate: string; orderKept: boolean }>(node, 'DestroyVersion', {
      keyName,
      keyVersion: version,
      ...(expectedRecord ? { expectedRecord: Buffer.from(expectedRecord, 'hex') } : {}),
      ...(order ? { order } : {}),
    });
    return { destroyedNow: r.destroyedNow, orderKept: r.orderKept, receipt: { node, receipt: Buffer.from(r.receipt).toString('base64'), signature: Buffer.from(r.signature).toString('base64'), certificate: r.certificate } };
  }
}
