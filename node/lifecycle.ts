/**
 * The node's side of the key-lifecycle protocols: the Admin lifecycle RPCs and the Peer
 * DeliverShare RPC drive the pure participant state machine (crypto/lifecycle.ts); every
 * transition is persisted (sealed, synced) before the RPC answers. Steps on one key are
 * serialized by a per-key lock, so concurrent deliveries never lose an update.
 */
import { randomBytes } from 'node:crypto';
import {
  LifecycleError,
  acceptRevealedShare,
  checkKeyName,
  evaluatePartial,
  finalizeParticipant,
  fromHex,
  prepareParticipant,
  publicShare,
  receiveShare,
  revealShare,
  complainsAbout,
  shareFor,
  toHex,
  type OperationParams,
  type ParticipantState,
} from '../crypto/index.js';
import type { OperationParams__Output } from '../proto/gen/splitkey/v1/OperationParams.js';
import { crashPoint } from './crash.js';
import { NodeError, alreadyExists, failedPrecondition, invalidArgument, notFound } from './errors.js';
import type { PeerClients } from './peer-client.js';
import type { NodeRuntime } from './runtime.js';

const rng = (n: number) => new Uint8Array(randomBytes(n));

/** Map the state machine's errors to node errors (→ gRPC codes in rpc.ts). */
function lifecycleError(e: unknown): never {
  if (e instanceof LifecycleError) {
    if (e.code === 'BAD_PARAMS' || e.code === 'NOT_A_DEALER' || e.code === 'NOT_A_RECEIVER') throw invalidArgument(e.message);
    if (e.code === 'CONFLICT') throw alreadyExists(e.message);
    throw failedPrecondition(e.message);
  }
  throw e;
}

export function paramsFromProto(p: OperationParams__Output | null): OperationParams {
  if (!p) throw invalidArgument('params is required');
  if (p.kind !== 'dkg' && p.kind !== 'refresh' && p.kind !== 'reshare') throw invalidArgument(`kind must be dkg, refresh or reshare, got ${JSON.stringify(p.kind)}`);
  try {
    checkKeyName(p.keyName, 'key_name');
  } catch (e) {
    throw invalidArgument((e as Error).message);
  }
  const params: OperationParams = {
    sessionId: p.sessionId,
    kind: p.kind,
    keyName: p.keyName,
    version: p.keyVersion,
    t: p.threshold,
    receivers: p.receivers,
    dealers: p.dealers,
    epoch: Number(p.epoch),
    retire: p.retire,
  };
  if (p.kind !== 'dkg') {
    params.old = { t: p.oldThreshold, nodeIndices: p.oldNodeIndices, commitments: p.oldCommitments.map((c) => toHex(c)), epoch: Number(p.oldEpoch) };
  }
  return params;
}

export class LifecycleHandler {
  private readonly locks = new Map<string, Promise<unknown>>();

  constructor(
    private readonly rt: NodeRuntime,
    private readonly peers: PeerClients,
  ) {}

  private get store() {
    return this.rt.store;
  }

  /** Run `fn` with the key's lock held. */
  private withLock<T>(keyName: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.locks.get(keyName) ?? Promise.resolve();
    const run = prev.then(fn, fn);
    const tail = run.catch(() => undefined);
    this.locks.set(keyName, tail);
    void tail.then(() => this.locks.get(keyName) === tail && this.locks.delete(keyName));
    return run;
  }

  private async pending(keyName: string, sessionId: string): Promise<ParticipantState> {
    const state = await this.store.loadOperation(keyName);
    if (!state) throw notFound(`no pending operation on ${keyName}`);
    if (sessionId && state.params.sessionId !== sessionId) throw failedPrecondition(`the pending operation on ${keyName} is ${state.params.sessionId}, not ${sessionId}`);
    return state;
  }

  /** The current share needed by refresh (every receiver) and reshare (every dealer). */
  private oldShare(params: OperationParams): Uint8Array | undefined {
    if (params.kind === 'dkg') return undefined;
    return this.store.currentShare(params.keyName, params.version);
  }

  prepareOperation(params: OperationParams): Promise<Uint8Array[]> {
    return this.withLock(params.keyName, async () => {
      const existing = await this.store.loadOperation(params.keyName);
      if (existing) {
        if (existing.params.sessionId === params.sessionId && JSON.stringify(existing.params) === JSON.stringify(params)) {
          return existing.dealing ? existing.dealing.commitments.map((c) => fromHex(c)) : [];
        }
        throw failedPrecondition(`operation ${existing.params.sessionId} is pending on ${params.keyName}; finish it or abort it first`);
      }
      if ((await this.store.lastSession(params.keyName)) === params.sessionId) throw alreadyExists(`session ${params.sessionId} is already committed`);
      this.checkAgainstStore(params);
      let state: ParticipantState;
      try {
        state = prepareParticipant(this.rt.group, params, this.rt.config.index, rng, this.oldShare(params));
      } catch (e) {
        lifecycleError(e);
      }
      await this.store.saveOperation(state, 'prepare');
      this.rt.log.info({ key: params.keyName, version: params.version, session: params.sessionId, kind: params.kind }, 'lifecycle operation prepared');
      return state.dealing ? state.dealing.commitments.map((c) => fromHex(c)) : [];
    });
  }

  /** What the store says must hold before an operation may start on this node. */
  private checkAgainstStore(p: OperationParams): void {
    let current;
    try {
      current = this.store.resolve(p.keyName, p.version);
    } catch (e) {
      if (!(e instanceof NodeError && e.code === 'NOT_FOUND')) throw e;
    }
    if (p.kind === 'dkg') {
      if (current) throw alreadyExists(`version ${p.version} of ${p.keyName} already exists`);
      return;
    }
    const involved = p.dealers.includes(this.rt.config.index) || (p.kind === 'refresh' && p.receivers.includes(this.rt.config.index));
    if (!involved) return; // a node that only joins (reshare) has nothing yet
    if (!current) throw notFound(`this node holds no version ${p.version} of ${p.keyName}`);
    if (current.record.state === 'destroyed') throw failedPrecondition(`version ${p.version} of ${p.keyName} was destroyed`);
    const old = p.old!;
    if (current.record.epoch !== old.epoch || current.record.commitments.join() !== old.commitments.join()) {
      throw failedPrecondition(`this node's version ${p.version} of ${p.keyName} is at epoch ${current.record.epoch}, not the operation's epoch ${old.epoch}`);
    }
    if (!this.oldShare(p)) throw failedPrecondition(`this node's share of ${p.keyName}@${p.version} is unavailable`);
  }

  /** Dealer: push each receiver its share over Peer.DeliverShare. */
  async dealShares(keyName: string, sessionId: string, receivers: { index: number; address: string }[]): Promise<{ delivered: number[]; failed: string[] }> {
    const state = await this.pending(keyName, sessionId);
    if (!state.dealing) throw invalidArgument(`node ${this.rt.config.index} does not deal in session ${sessionId}`);
    const delivered: number[] = [];
    const failed: string[] = [];
    let first = true;
    await Promise.all(
      state.params.receivers.map(async (j) => {
        const { commitments, share } = shareFor(state, j);
        try {
          if (j === this.rt.config.index) {
            const res = await this.deliverShare(keyName, sessionId, j, commitments, share);
            if (!res.accepted) throw new Error(res.complaint);
          } else {
            const address = receivers.find((r) => r.index === j)?.address;
            if (!address) throw new Error('no address given');
            const res = await this.peers.deliverShare(j, address, { keyName, sessionId, dealer: this.rt.config.index, commitments, share });
            if (!res.accepted) throw new Error(res.complaint);
          }
          delivered.push(j);
          if (first) {
            first = false;
            crashPoint('deal:after-first');
          }
        } catch (e) {
          failed.push(`${j}: ${(e as { details?: string }).details ?? (e as Error).message}`);
        } finally {
          share.fill(0);
        }
      }),
    );
    return { delivered: delivered.sort((a, b) => a - b), failed };
  }

  /** Receiver: a dealer's share arrives (Peer service, or locally for the dealer's own share). */
  deliverShare(keyName: string, sessionId: string, dealer: number, commitments: Uint8Array[], share: Uint8Array): Promise<{ accepted: boolean; complaint: string }> {
    return this.withLock(keyName, async () => {
      const state = await this.pending(keyName, sessionId);
      let next: ParticipantState;
      try {
        next = receiveShare(this.rt.group, state, dealer, commitments, share);
      } catch (e) {
        lifecycleError(e);
      }
      if (next !== state) await this.store.saveOperation(next, 'deliver');
      const complaint = next.complaints[String(dealer)];
      if (complaint) this.rt.log.warn({ key: keyName, session: sessionId, dealer }, `complaint against dealer ${dealer}: ${complaint}`);
      return { accepted: !complaint, complaint: complaint ?? '' };
    });
  }

  async status(keyName: string): Promise<{ sessionId: string; phase: string; received: number[]; complaints: { dealer: number; reason: string }[]; lastCommittedSession: string }> {
    const state = await this.store.loadOperation(keyName);
    return {
      sessionId: state?.params.sessionId ?? '',
      phase: state?.phase ?? '',
      received: Object.keys(state?.received ?? {}).map(Number).sort((a, b) => a - b),
      complaints: Object.entries(state?.complaints ?? {}).map(([dealer, reason]) => ({ dealer: Number(dealer), reason })),
      lastCommittedSession: await this.store.lastSession(keyName),
    };
  }

  /**
   * Complaint round, dealer side: reveal the share owed to `receiver` only once the receiver
   * itself confirms (node-to-node, authenticated) that it lacks a valid one; at most t-1 reveals
   * per session (crypto/lifecycle.ts revealShare).
   */
  async revealShare(keyName: string, sessionId: string, receiver: number, receiverAddress: string): Promise<Uint8Array> {
    const state = await this.pending(keyName, sessionId);
    const self = this.rt.config.index;
    const confirmed = receiver === self ? complainsAbout(state, self) : await this.peers.confirmComplaint(receiver, receiverAddress, { keyName, sessionId, dealer: self });
    if (!confirmed) throw failedPrecondition(`node ${receiver} does not complain about dealer ${self}; nothing to reveal`);
    return this.withLock(keyName, async () => {
      const current = await this.pending(keyName, sessionId);
      try {
        const { share, state: next } = revealShare(current, receiver);
        if (next !== current) await this.store.saveOperation(next, 'reveal');
        this.rt.log.warn({ key: keyName, session: sessionId, receiver }, `share for node ${receiver} revealed in the complaint round`);
        return share;
      } catch (e) {
        lifecycleError(e);
      }
    });
  }

  /** Receiver side of a complaint: true if this node holds no valid share from `dealer`. */
  async complains(keyName: string, sessionId: string, dealer: number): Promise<boolean> {
    return complainsAbout(await this.pending(keyName, sessionId), dealer);
  }

  acceptRevealed(keyName: string, sessionId: string, dealer: number, commitments: Uint8Array[], share: Uint8Array): Promise<void> {
    return this.withLock(keyName, async () => {
      const state = await this.pending(keyName, sessionId);
      try {
        await this.store.saveOperation(acceptRevealedShare(this.rt.group, state, dealer, commitments, share), 'accept');
      } catch (e) {
        lifecycleError(e);
      }
    });
  }

  finalize(keyName: string, sessionId: string, qualified: number[], transcript: Uint8Array): Promise<{ publicShare: Uint8Array; commitments: Uint8Array[] }> {
    return this.withLock(keyName, async () => {
      const state = await this.pending(keyName, sessionId);
      if (!state.params.receivers.includes(this.rt.config.index)) return { publicShare: new Uint8Array(0), commitments: [] };
      let next: ParticipantState;
      try {
        next = finalizeParticipant(this.rt.group, state, qualified, transcript, this.oldShare(state.params));
      } catch (e) {
        lifecycleError(e);
      }
      if (next !== state) await this.store.saveOperation(next, 'finalize');
      const commitments = next.ready!.commitments.map((c) => fromHex(c));
      return { publicShare: publicShare(this.rt.group, commitments, this.rt.config.index), commitments };
    });
  }

  /** Canary evaluation with the pending (or committed) share, proven against its pk_i. */
  async canary(keyName: string, sessionId: string, blinded: Uint8Array[], current: boolean): Promise<{ evaluated: Uint8Array[]; proof: Uint8Array }> {
    if (blinded.length === 0 || blinded.length > 16) throw invalidArgument('canary takes 1..16 blinded elements');
    const state = await this.pending(keyName, sessionId);
    const group = this.rt.group;
    let share: Uint8Array | undefined;
    let commitments: Uint8Array[];
    if (current) {
      share = this.store.currentShare(keyName, state.params.version);
      commitments = state.params.old?.commitments.map((c) => fromHex(c)) ?? [];
    } else {
      share = state.ready ? fromHex(state.ready.share) : undefined;
      commitments = state.ready?.commitments.map((c) => fromHex(c)) ?? [];
    }
    if (!share) throw failedPrecondition(current ? 'no committed share to compare with' : 'operation is not ready on this node');
    const pk = publicShare(group, commitments, this.rt.config.index);
    const res = evaluatePartial(this.store.voprf, { index: this.rt.config.index, value: share }, pk, blinded, rng);
    return { evaluated: res.evaluatedElements, proof: res.proof };
  }

  commit(keyName: string, sessionId: string): Promise<boolean> {
    return this.withLock(keyName, async () => {
      const state = await this.store.loadOperation(keyName);
      if (!state || state.params.sessionId !== sessionId) {
        if ((await this.store.lastSession(keyName)) === sessionId) return false;
        throw failedPrecondition(`session ${sessionId} is not pending on ${keyName}`);
      }
      await this.store.commitOperation(state);
      this.rt.log.info({ key: keyName, version: state.params.version, session: sessionId, kind: state.params.kind, epoch: state.params.epoch }, 'lifecycle operation committed');
      return true;
    });
  }

  abort(keyName: string, sessionId: string): Promise<string> {
    return this.withLock(keyName, async () => {
      const raw = await this.store.loadOperation(keyName).catch(() => undefined);
      const pendingSession = raw?.params.sessionId ?? (await this.rawPendingSession(keyName));
      if (!pendingSession) return '';
      if (sessionId && pendingSession !== sessionId) throw failedPrecondition(`the pending operation on ${keyName} is ${pendingSession}, not ${sessionId}`);
      await this.store.deleteOperation(keyName);
      this.rt.log.warn({ key: keyName, session: pendingSession }, 'lifecycle operation aborted; old state kept');
      return pendingSession;
    });
  }

  private async rawPendingSession(keyName: string): Promise<string> {
    const raw = await this.store.db.get(`op\x00${keyName}`);
    return raw ? (JSON.parse(raw) as { sessionId: string }).sessionId : '';
  }
}

