/**
 * The node's side of the key-lifecycle protocols: the Admin lifecycle RPCs and the Peer
 * DeliverShare RPC drive the pure participant state machine (crypto/lifecycle.ts); every
 * transition is persisted (sealed, synced) before the RPC answers. Steps on one key are
 * serialized by a per-key lock, so concurrent deliveries never lose an update.
 *
 * The coordinator is a messenger, not an authority (DESIGN.md "Trust anchors"): this node checks
 * every claim about existing state against its own store, applies its own descriptor's
 * minThreshold, computes the transcript from its own view, sends shares only node to node to the
 * addresses of its own descriptor, and commits only on evidence it gathers itself from the other
 * participants (Peer.SessionState). What it asks the other nodes, and how it reads the answers, is
 * in node/lifecycle-evidence.ts.
 */
import {
  LifecycleError,
  MAX_LINEAGE,
  checkKeyName,
  evaluatePartial,
  finalizeParticipant,
  committedLineage,
  fromHex,
  type SignedDestroyOrder,
  outcomeDigest,
  paramsDigest,
  prepareParticipant,
  publicShare,
  receiveShare,
  recordDigest,
  receivedDigests,
  complainsAbout,
  elementsEqual,
  shareFor,
  sessionParticipants,
  lifecycleQuorumSize,
  sameUniverse,
  toHex,
  type QuorumUniverse,
  type OperationParams,
  type ParticipantState,
  systemRng,
} from '../crypto/index.js';
import type { OperationParams__Output } from '../proto/gen/splitkey/v1/OperationParams.js';
import { crashPoint } from './crash.js';
import { NodeError, alreadyExists, failedPrecondition, invalidArgument, notFound } from './errors.js';
import type { PeerClients } from './peer-client.js';
import { QueryBudget } from './limits.js';
import { askOldHolders, checkVersionUnused, droppedSession, newHoldersDescend, oldRecordAgreed, oldRecordDigest, peerViews, rivalSessions, type EvidenceContext, type SessionView, type VersionAnswer } from './lifecycle-evidence.js';
import { findSuperseding, reconcileVersion } from './reconcile.js';
import { storeOrder, verifyDestroyOrder, type StoredDestroyOrder } from './destroy-order.js';
import type { NodeRuntime } from './runtime.js';

const rng = systemRng;

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
    ...(p.witnesses.length > 0 ? { witnesses: p.witnesses } : {}),
    ...(p.quorum ? { quorum: { nodes: p.quorum.nodes, minThreshold: p.quorum.minThreshold } } : {}),
    ...(p.nextQuorum ? { nextQuorum: { nodes: p.nextQuorum.nodes, minThreshold: p.nextQuorum.minThreshold } } : {}),
  };
  if (p.kind !== 'dkg') {
    if (p.oldLineage.length > MAX_LINEAGE || p.oldLineage.some((d) => d.length !== 32)) throw invalidArgument(`old_lineage must be at most ${MAX_LINEAGE} digests of 32 bytes`);
    params.old = { t: p.oldThreshold, nodeIndices: p.oldNodeIndices, commitments: p.oldCommitments.map((c) => toHex(c)), epoch: Number(p.oldEpoch), lineage: p.oldLineage.map((d) => toHex(d)) };
  }
  return params;
}

/** A quorum universe as operators read it. */
function listOf(u: QuorumUniverse): string {
  return `nodes ${u.nodes.join(',')} (minThreshold ${u.minThreshold})`;
}

/** Every node taking part in a session: receivers, dealers and witnesses. */
function participantsOf(state: ParticipantState): number[] {
  return sessionParticipants(state.params);
}

export class LifecycleHandler {
  private readonly locks = new Map<string, Promise<unknown>>();
  private readonly ctx: EvidenceContext;

  constructor(
    private readonly rt: NodeRuntime,
    private readonly peers: PeerClients,
  ) {
    this.ctx = { rt, peers };
  }

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
      if (await this.store.committedSession(params.keyName, params.sessionId)) throw alreadyExists(`session ${params.sessionId} is already committed`);
      // Nobody deals from, or refreshes, a record the cluster has moved on from (node/reconcile.ts):
      // a coordinator could otherwise fork the version from a stale copy.
      if (params.kind !== 'dkg' && this.store.currentShare(params.keyName, params.version) !== undefined) {
        const erased = await reconcileVersion(this.rt, this.peers, params.keyName, params.version, { refuseIfAmbiguous: true });
        if (erased?.destroyedBy) throw failedPrecondition(`${params.keyName}@${params.version} was destroyed on nodes ${erased.destroyedBy.join(',')} while this node was away; its share was erased now, and a destroyed version is never refreshed or reshared`);
        if (erased) throw failedPrecondition(`${params.keyName}@${params.version} moved on to epoch ${erased.toEpoch} without this node (t peers agree); its epoch-${erased.fromEpoch} share was erased and it takes no part in a session from the old record`);
      }
      const { counts, counted } = await this.checkAgainstStore(params);
      let state: ParticipantState;
      try {
        state = prepareParticipant(this.rt.group, params, this.rt.config.index, rng, this.oldShare(params));
      } catch (e) {
        lifecycleError(e);
      }
      // The old holders' query counts (a reshare's new holders carry the version's budget).
      if (counts && Object.keys(counts).length > 0) state = { ...state, carriedReports: { ...counts } };
      if (counted) state = { ...state, counted };
      await this.store.saveOperation(state, 'prepare');
      this.rt.log.info({ key: params.keyName, version: params.version, session: params.sessionId, kind: params.kind }, 'lifecycle operation prepared');
      return state.dealing ? state.dealing.commitments.map((c) => fromHex(c)) : [];
    });
  }

  /**
   * What this node's own store and policy say must hold before an operation may start here. Any
   * participant that holds the version — dealer, receiver, or both — compares the claimed old
   * state (t, node set, commitments, epoch) with its own record; nobody joins a version below the
   * policy's minThreshold.
   */
  private async checkAgainstStore(p: OperationParams): Promise<{ counts?: Record<string, number>; counted?: QuorumUniverse }> {
    const min = await this.rt.cluster.minThreshold();
    if (p.t < min) throw failedPrecondition(`threshold ${p.t} is below this cluster's minThreshold ${min}; this node takes no part`);
    // The old record is vouched for only by the participants that hold it. A receiver that does
    // not hold the version compares nothing: with old t ≥ minThreshold the dealers (≥ old t, each
    // must hold the version) include at least one honest holder, which checks the old record —
    // lineage included — against its own store, and the transcript binds it for everyone. With an
    // old t below the policy, minThreshold − 1 liars could be every dealer of a made-up old record.
    if (p.kind !== 'dkg' && p.old && p.old.t < min) throw failedPrecondition(`the old threshold ${p.old.t} is below this cluster's minThreshold ${min}: no such record is ever agreed, and its dealers could all be liars; this node takes no part`);
    // A new node set must stay usable with the faulty nodes the policy allows for (faultTolerance,
    // by default minThreshold − 1) silent: otherwise a coordinator could pick a set in which one
    // liar withholding loses the version. (A refresh keeps the set it has.)
    const f = await this.rt.cluster.faultTolerance();
    if (p.kind !== 'refresh' && p.receivers.length < p.t + f) {
      throw failedPrecondition(`${p.t} of ${p.receivers.length} nodes would not survive the ${f} silent nodes this cluster's policy allows for (faultTolerance); this node takes no part (give at least ${p.t + f} nodes)`);
    }
    // Under the policy every session is judged here (checkNextQuorum, checkQuorum) and marked as
    // judged (ParticipantState.counted); a DKG has no participants to count, only its list.
    let counted: QuorumUniverse | undefined = (await this.checkNextQuorum(p)) ? p.nextQuorum : undefined;
    if (p.kind !== 'dkg') {
      counted = await this.checkQuorum(p);
      // A node that committed a session from this very record (in any role) never takes part in
      // another: with quorum-sized sessions, that is what keeps a second one from committing.
      const from = oldRecordDigest(p);
      // A session is its id and its parameters (a coordinator chooses ids): the same id with other
      // parameters is another session.
      const mark = await this.store.consumedMark(p.keyName, p.version, from);
      if (mark !== undefined && (mark.session !== p.sessionId || (mark.params ?? paramsDigest(p)) !== paramsDigest(p))) {
        throw failedPrecondition(`this node committed session ${mark.session}${mark.session === p.sessionId ? ' (with other parameters)' : ''} from this record of ${p.keyName}@${p.version} already; no other session moves it on`);
      }
    }
    // A reshare's receivers ask the old record's nodes: for their query counts (the budget the
    // new holders carry), and, if they hold nothing, to check the claimed old record.
    // Every participant asks them whether any destroyed this very record: a destroyed version is
    // never moved on, even if a holder that missed the destroy (and a liar) would deal it.
    const answers = p.kind !== 'dkg' && p.old ? await askOldHolders(this.ctx, p) : undefined;
    if (answers && answers.destroyedBy.length > 0) {
      const min = await this.rt.cluster.minThreshold();
      const who = `node(s) ${answers.destroyedBy.join(',')}`;
      // minThreshold reports include an honest one: an operator destroyed the record. Fewer may be
      // one liar's word: the session is refused all the same (a version being destroyed must not
      // spread), but nobody is told to destroy a version honest nodes may still hold.
      throw failedPrecondition(
        answers.destroyedBy.length >= min
          ? `${p.keyName}@${p.version} was destroyed on ${who} (the record this session starts from); a destroyed version is never refreshed or reshared: run splitkey key destroy again to finish the erasure on the nodes that missed it`
          : `${who} report${answers.destroyedBy.length > 1 ? '' : 's'} the record this session starts from destroyed, fewer than minThreshold = ${min}: either a key destroy did not reach every node (then run it again), or ${answers.destroyedBy.length > 1 ? 'they lie' : 'it lies'} (then take ${answers.destroyedBy.length > 1 ? 'them' : 'it'} out of the cluster descriptor); nothing is refreshed or reshared meanwhile`,
      );
    }
    const asked = p.kind === 'reshare' && p.receivers.includes(this.rt.config.index) ? answers : undefined;
    let current;
    try {
      current = this.store.resolve(p.keyName, p.version);
    } catch (e) {
      if (!(e instanceof NodeError && e.code === 'NOT_FOUND')) throw e;
    }
    if (p.kind === 'dkg') {
      if (current) throw alreadyExists(`version ${p.version} of ${p.keyName} already exists`);
      // The session's own pending state on other participants (prepared before this one) is fine.
      const digest = paramsDigest(p);
      await checkVersionUnused(this.ctx, p.keyName, p.version, (h) => h.history === 'pending' && h.sessionId === p.sessionId && h.pendingParams === digest);
      return { counted };
    }
    const self = this.rt.config.index;
    const old = p.old!;
    const mustHold = p.dealers.includes(self) || (p.kind === 'refresh' && p.receivers.includes(self));
    if (!current) {
      if (mustHold) throw notFound(`this node holds no version ${p.version} of ${p.keyName}`);
      // A node that joins (reshare) has nothing to compare; but a node the old record names as a
      // holder must hold it — unless its stale share of that very record was erased (a node
      // restored from an old backup): then it may join a reshare as a receiver to get one back.
      if (old.nodeIndices.includes(self)) {
        const erased = p.kind === 'reshare' ? await this.store.supersededInSet(p.keyName, p.version) : undefined;
        const oldDigest = recordDigest({ version: p.version, threshold: old.t, nodeIndices: old.nodeIndices, commitments: old.commitments.map((c) => fromHex(c)), epoch: old.epoch, lineage: old.lineage ?? [] });
        if (erased === undefined || erased !== oldDigest) throw failedPrecondition(`the operation says this node holds ${p.keyName}@${p.version}, but it does not`);
      }
      await oldRecordAgreed(this.ctx, p, answers);
      return { counts: asked?.counts, counted };
    }
    if (current.record.state === 'destroyed') throw failedPrecondition(`version ${p.version} of ${p.keyName} was destroyed`);
    const r = current.record;
    const differs: string[] = [];
    if (r.threshold !== old.t) differs.push(`threshold ${old.t} (here ${r.threshold})`);
    if (r.nodeIndices.join() !== old.nodeIndices.join()) differs.push(`nodes ${old.nodeIndices.join(',')} (here ${r.nodeIndices.join(',')})`);
    if (r.epoch !== old.epoch) differs.push(`epoch ${old.epoch} (here ${r.epoch})`);
    if (r.commitments.join() !== old.commitments.join()) differs.push('other commitments');
    if ((r.lineage ?? []).join() !== (old.lineage ?? []).join()) differs.push('another lineage');
    if (differs.length > 0) throw failedPrecondition(`the operation's old state of ${p.keyName}@${p.version} is not this node's: ${differs.join(', ')}`);
    if (mustHold && !this.oldShare(p)) throw failedPrecondition(`this node's share of ${p.keyName}@${p.version} is unavailable`);
    return { counts: asked?.counts, counted };
  }

  /** This node's own descriptor as a quorum universe (node list and minThreshold). */
  private async ownUniverse(): Promise<QuorumUniverse> {
    return { nodes: await this.rt.cluster.indices(), minThreshold: await this.rt.cluster.minThreshold() };
  }

  /**
   * The node list and minThreshold the session's new record is created under (nextQuorum): under
   * the quorum policy every session names it — a DKG too — and every participant checks it against
   * its own descriptor at prepare. Every receiver then stores exactly it with the record (commit),
   * never its own descriptor of the moment: the parameters are bound by the transcript, so all of
   * a record's holders count later sessions against one list, however long a coordinator delays
   * one of their commits across a descriptor change (docs/fork-prevention.md, F1). Without the
   * policy the list is stored as named, unchecked: it only matters once the policy is on, and any
   * one list, shared by every holder, keeps two quorum-sized sessions overlapping.
   */
  private async checkNextQuorum(p: OperationParams): Promise<boolean> {
    if (!(await this.rt.cluster.lifecycleQuorum())) return false;
    if (!p.nextQuorum) {
      throw failedPrecondition(`this cluster descriptor's quorum policy needs every ${p.kind} to name the node list and minThreshold its record is created under (nextQuorum); the coordinator named none: run it with splitkey's own tooling (splitkey key …), which names its descriptor's`);
    }
    const own = await this.ownUniverse();
    if (!sameUniverse(p.nextQuorum, own)) {
      throw failedPrecondition(`the session's new record would be created under ${listOf(p.nextQuorum)}, but this node's descriptor says ${listOf(own)}; every node's descriptor must agree before a lifecycle operation`);
    }
    return true;
  }

  /**
   * Under the descriptor's quorum policy (`lifecycleQuorum`), a refresh or reshare needs
   * ⌈(n + t)/2⌉ participants (receivers, dealers, witnesses) among the n nodes of the universe its
   * old record was created under: stored with the record by every holder (so an honest dealer
   * checks the coordinator's claim), this node's own descriptor for older records. t is the old
   * record's threshold (at least the record's and today's minThreshold, which no session from a
   * record below it passes), the same for every session from the record, so two such sets share
   * at least t nodes — more than the t − 1 liars the key's own secrecy allows — however the
   * descriptor or its minThreshold changed in between (a rising minThreshold would otherwise
   * shrink the overlap of a session counted before the rise and one after: F4). That honest node
   * holds one session per key at a time and commits at most one session per record, and every
   * committing node asks it (commit), so of two sessions from one record at most one commits. The record a session creates is created under the list the session names
   * (nextQuorum, checkNextQuorum).
   */
  private async checkQuorum(p: OperationParams): Promise<QuorumUniverse | undefined> {
    if (!(await this.rt.cluster.lifecycleQuorum())) return undefined;
    const own = await this.ownUniverse();
    let held;
    try {
      held = this.store.resolve(p.keyName, p.version).record;
    } catch {
      held = undefined;
    }
    // A holder counts against the list it stored (whatever the session claims); a node without
    // the record against the claim, else its own descriptor. Every session has an honest dealer
    // holding the record, so the stored list is always checked by one honest node.
    const expected = held ? (held.quorum ?? own) : undefined;
    const universe = p.quorum ?? expected ?? own;
    if (expected && !sameUniverse(expected, universe)) {
      throw failedPrecondition(`${p.keyName}@${p.version}'s record was created under ${listOf(expected)}; sessions from it are counted against that list, not ${listOf(universe)}`);
    }
    const t = Math.max(p.old?.t ?? 0, universe.minThreshold, own.minThreshold);
    const q = lifecycleQuorumSize(universe.nodes.length, t);
    const counted = sessionParticipants(p).filter((j) => universe.nodes.includes(j));
    if (counted.length < q) {
      throw failedPrecondition(
        `${p.kind} ${p.sessionId} of ${p.keyName}@${p.version} has ${counted.length} participant(s) among the ${universe.nodes.length} nodes its record was created under; the cluster's policy (lifecycleQuorum) needs ⌈(n + t)/2⌉ = ${q} of them (t = ${t}: the record's threshold, at least minThreshold), so that two sessions from one record always share an honest node; add witnesses (nodes that neither deal nor receive)`,
      );
    }
    return { nodes: [...universe.nodes], minThreshold: universe.minThreshold };
  }

  /**
   * An import may not fork a version: every node must hold nothing of the number, or the same key
   * (held, or being imported there right now: an import is repeated node by node). Under the key's
   * lock this node first persists a mark of the import (pkS), then asks; the others report the mark
   * as "pending", so of two racing imports of one number with different keys on disjoint nodes at
   * least one sees the other and refuses. `store` runs only if every node agreed.
   */
  checkedImport<T>(keyName: string, version: number, publicKey: Uint8Array, store: () => Promise<T>): Promise<T> {
    const same = (h: VersionAnswer) =>
      (h.history === 'held' || (h.history === 'pending' && h.sessionId === '')) && h.publicKey.length > 0 && elementsEqual(h.publicKey, publicKey);
    return this.withLock(keyName, async () => {
      await this.store.markImport(keyName, version, publicKey);
      try {
        crashPoint('import:marked');
        await checkVersionUnused(this.ctx, keyName, version, same);
        return await store();
      } finally {
        await this.store.clearImport(keyName, version).catch(() => undefined);
      }
    });
  }

  /**
   * Crypto-shred this node's share of keyName@version (Admin.DestroyVersion) under the key's lock,
   * so no commit, rotation or reconcile of the key writes between the check and the erasure. A
   * pending session on that version is dropped in the same write, whatever its phase: it would
   * otherwise bring the key back (a refresh rewrites the share; a reshare's new holders commit
   * while the dealers look ready), and its pending share is key material of the version too. A
   * node that holds no such version drops its pending session on it (a new holder of an unfinished
   * reshare) and answers NOT_FOUND. With `expected` (one record's digest: an operator erasing a
   * fork branch's or a stale copy, KeyManager.resolveFork) the erasure is of that copy, not of the
   * version, and is no voice for finishing a destroy elsewhere (cause "copy"; review E2).
   * With `order` (the operator's signed destroy order, node/destroy-order.ts, signed with the
   * caller's certificate `caller`) the node checks it against the record it holds and keeps it
   * with the erased record, to show peers that missed the destroy. The caller's admin certificate
   * with the destroy capability is the authority to erase; an order that does not verify (a
   * lagging clock, an unusual key) is only not kept, with a warning (review J2).
   */
  destroy(keyName: string, version: number, expected?: string, order?: SignedDestroyOrder, caller?: Buffer): Promise<{ destroyedNow: boolean; orderKept: boolean }> {
    return this.withLock(keyName, async () => {
      let stored: StoredDestroyOrder | undefined;
      const trusts = this.rt.rpc.trusts;
      let held;
      try {
        held = this.store.resolve(keyName, version);
      } catch {
        held = undefined; // holds nothing: destroyVersion answers NOT_FOUND below
      }
      if (order && held) {
        try {
          if (!trusts) throw new Error('this node runs without TLS (insecure-loopback): no order can be checked');
          const lineage = held.record.lineage ?? [];
          const line = [recordDigest({ version, threshold: held.record.threshold, nodeIndices: held.record.nodeIndices, commitments: held.commitments, epoch: held.record.epoch, lineage }), ...lineage, ...(held.record.ancestors ?? [])];
          verifyDestroyOrder(order, { keyName, version, publicKey: toHex(held.publicKey), line, trusts, now: Date.now(), ...(caller ? { caller } : {}) });
          stored = storeOrder(order);
        } catch (e) {
          this.rt.log.warn({ key: keyName, version }, `the destroy order sent with this destroy is not kept: ${(e as Error).message}; the share is erased all the same (peers that missed the destroy will not learn it from this node)`);
        }
      }
      const op = await this.store.loadOperation(keyName).catch(() => undefined);
      const destroyedNow = await this.store.destroyVersion(keyName, version, expected, droppedSession(op, version), expected === undefined ? 'operator' : 'copy', stored);
      return { destroyedNow, orderKept: stored !== undefined && this.store.resolve(keyName, version).record.destroyOrder !== undefined };
    });
  }

  /** Run `fn` with the key's lock held (node/reconcile.ts). */
  locked<T>(keyName: string, fn: () => Promise<T>): Promise<T> {
    return this.withLock(keyName, fn);
  }

  /**
   * Dealer: push each receiver its share over Peer.DeliverShare, to the address of this node's own
   * cluster descriptor (the receiver must present splitkey://node/<j>).
   */
  async dealShares(keyName: string, sessionId: string): Promise<{ delivered: number[]; failed: string[] }> {
    const state = await this.pending(keyName, sessionId);
    if (!state.dealing) throw invalidArgument(`node ${this.rt.config.index} does not deal in session ${sessionId}`);
    const delivered: number[] = [];
    const failed: string[] = [];
    let first = true;
    await Promise.all(
      state.params.receivers.map(async (j) => {
        const { commitments, share } = shareFor(state, j);
        try {
          await this.deliverTo(keyName, sessionId, j, commitments, share, state.params.version);
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

  /** Deliver one share to receiver `j` (locally for this node's own share). Throws the complaint if refused. */
  private async deliverTo(keyName: string, sessionId: string, j: number, commitments: Uint8Array[], share: Uint8Array, version?: number): Promise<void> {
    const res =
      j === this.rt.config.index
        ? await this.deliverShare(keyName, sessionId, j, commitments, share)
        : await this.peers.deliverShare(j, { keyName, sessionId, dealer: this.rt.config.index, commitments, share, queriesAnswered: String(version === undefined ? 0 : this.queriesOf(keyName, version)) });
    if (!res.accepted) throw new Error(res.complaint || 'refused');
  }

  /** How many evaluations this node answered with a version. */
  private queriesOf(keyName: string, version: number): number {
    return this.rt.queryBudget.get(QueryBudget.slot(keyName, version));
  }

  /** Receiver: a dealer's share arrives (Peer service, or locally for the dealer's own share). */
  deliverShare(keyName: string, sessionId: string, dealer: number, commitments: Uint8Array[], share: Uint8Array, queriesAnswered = 0): Promise<{ accepted: boolean; complaint: string }> {
    return this.withLock(keyName, async () => {
      const state = await this.pending(keyName, sessionId);
      let next: ParticipantState;
      try {
        next = receiveShare(this.rt.group, state, dealer, commitments, share);
      } catch (e) {
        lifecycleError(e);
      }
      if (Number.isSafeInteger(queriesAnswered) && queriesAnswered > 0 && next.received[String(dealer)] && next.carriedReports?.[String(dealer)] !== queriesAnswered) {
        next = { ...next, carriedReports: { ...next.carriedReports, [String(dealer)]: queriesAnswered } };
      }
      if (next !== state) await this.store.saveOperation(next, 'deliver');
      const complaint = next.complaints[String(dealer)];
      if (complaint) this.rt.log.warn({ key: keyName, session: sessionId, dealer }, `complaint against dealer ${dealer}: ${complaint}`);
      return { accepted: !complaint, complaint: complaint ?? '' };
    });
  }

  async status(keyName: string, askedSession = ''): Promise<{
    sessionId: string;
    phase: string;
    received: number[];
    complaints: { dealer: number; reason: string }[];
    lastCommittedSession: string;
    receivedDigests: { dealer: number; digest: Uint8Array }[];
    transcript: Uint8Array;
    lastCommittedTranscript: Uint8Array;
    receivers: number[];
    dealers: number[];
    witnesses: number[];
  }> {
    const state = await this.store.loadOperation(keyName);
    const asked = await this.store.committedSession(keyName, askedSession);
    const lastSession = asked ? askedSession : await this.store.lastSession(keyName);
    const lastTranscript = asked ? asked.transcript : await this.store.lastTranscript(keyName);
    return {
      sessionId: state?.params.sessionId ?? '',
      phase: state?.phase ?? '',
      received: Object.keys(state?.received ?? {}).map(Number).sort((a, b) => a - b),
      complaints: Object.entries(state?.complaints ?? {}).map(([dealer, reason]) => ({ dealer: Number(dealer), reason })),
      lastCommittedSession: lastSession,
      receivedDigests: state ? [...receivedDigests(state)].map(([dealer, digest]) => ({ dealer, digest })) : [],
      transcript: state?.ready ? fromHex(state.ready.transcript) : new Uint8Array(0),
      lastCommittedTranscript: fromHex(lastTranscript),
      receivers: state?.params.receivers ?? [],
      dealers: state?.params.dealers ?? [],
      witnesses: state?.params.witnesses ?? [],
    };
  }

  /**
   * Whether this node's record of keyName@version is the outcome of `sessionId` (the session wrote
   * it) or descends from that outcome (`outcome`, its digest as committed here, is in the record's
   * lineage or witnessed ancestors).
   */
  private recordFrom(keyName: string, version: number, sessionId: string, outcome: string | undefined): boolean {
    try {
      const r = this.store.resolve(keyName, version).record;
      return r.session === sessionId || (outcome !== undefined && ((r.lineage ?? []).includes(outcome) || (r.ancestors ?? []).includes(outcome)));
    } catch {
      return false;
    }
  }

  /** The record t nodes agree on that descends from this receiver's outcome of `state`, if any. */
  private async movedOn(state: ParticipantState) {
    const p = state.params;
    const existing = this.store.history(p.keyName, p.version) === 'held' ? this.store.resolve(p.keyName, p.version).record : undefined;
    const outcome = {
      record: { threshold: p.t, nodeIndices: p.receivers, epoch: p.epoch, lineage: committedLineage(p), state: existing?.state ?? ('active' as const) },
      commitments: state.ready!.commitments.map((c) => fromHex(c)),
    };
    const found = await findSuperseding(this.rt, this.peers, p.keyName, p.version, outcome);
    return found?.newer;
  }

  /** Where this node stands in a session (Peer.SessionState): public evidence for other participants. */
  async sessionState(keyName: string, sessionId: string): Promise<SessionView> {
    const state = await this.store.loadOperation(keyName);
    // A node never vouches for a session on a version it holds as destroyed: it says "destroyed"
    // (a participant that missed the commit then commits as destroyed, writing no share; review
    // of the destroy races, F1).
    const destroyedHere = (version: number) => version > 0 && this.store.history(keyName, version) === 'destroyed';
    if (state && state.params.sessionId === sessionId) {
      const transcript = state.ready ? fromHex(state.ready.transcript) : new Uint8Array(0);
      const digest = fromHex(paramsDigest(state.params));
      if (destroyedHere(state.params.version)) return { phase: 'destroyed', transcript, paramsDigest: digest };
      const phase = state.phase === 'ready' && state.intent ? state.intent : state.phase;
      return { phase, transcript, paramsDigest: digest };
    }
    const committed = await this.store.committedSession(keyName, sessionId);
    const digest = committed?.params ? fromHex(committed.params) : new Uint8Array(0);
    // For a committed session, "destroyed" only when the destroyed record is that session's own
    // outcome or descends from it (a later refresh or reshare moved it on, then the version was
    // destroyed: review E1): a witness (whose record the session did not touch) or a node whose
    // destroyed record is another one answers "committed" (review D1: an operator erasing a
    // witness's stale copy of the old record must not make a late participant commit the live
    // new one as destroyed).
    const outcomeDestroyed = (c: { version: number; outcome?: string }) => destroyedHere(c.version) && this.recordFrom(keyName, c.version, sessionId, c.outcome);
    if (committed && outcomeDestroyed(committed)) return { phase: 'destroyed', transcript: fromHex(committed.transcript), paramsDigest: digest };
    if (committed) return { phase: 'committed', transcript: fromHex(committed.transcript), paramsDigest: digest };
    return { phase: 'none', transcript: new Uint8Array(0), paramsDigest: new Uint8Array(0) };
  }

  /**
   * Complaint round, dealer side: deliver the share owed to `receiver` again, directly to it, once
   * the receiver itself confirms (node to node, pinned mTLS) that it lacks a valid one. The share
   * goes only to its receiver; the caller learns whether it was accepted.
   */
  async redeliverShare(keyName: string, sessionId: string, receiver: number): Promise<{ accepted: boolean; complaint: string }> {
    const state = await this.pending(keyName, sessionId);
    const self = this.rt.config.index;
    if (!state.params.receivers.includes(receiver)) throw invalidArgument(`node ${receiver} is not a receiver of session ${sessionId}`);
    if (!state.dealing) throw invalidArgument(`node ${self} does not deal in session ${sessionId}`);
    const confirmed = receiver === self ? complainsAbout(state, self) : await this.peers.confirmComplaint(receiver, { keyName, sessionId, dealer: self });
    if (!confirmed) return { accepted: true, complaint: '' };
    const { commitments, share } = shareFor(state, receiver);
    try {
      await this.deliverTo(keyName, sessionId, receiver, commitments, share, state.params.version);
      this.rt.log.warn({ key: keyName, session: sessionId, receiver }, `share for node ${receiver} delivered again after its complaint`);
      return { accepted: true, complaint: '' };
    } catch (e) {
      return { accepted: false, complaint: (e as { details?: string }).details ?? (e as Error).message };
    } finally {
      share.fill(0);
    }
  }

  /** Receiver side of a complaint: true if this node holds no valid share from `dealer`. */
  async complains(keyName: string, sessionId: string, dealer: number): Promise<boolean> {
    return complainsAbout(await this.pending(keyName, sessionId), dealer);
  }

  finalize(keyName: string, sessionId: string, qualified: number[], transcript: Uint8Array): Promise<{ publicShare: Uint8Array; commitments: Uint8Array[] }> {
    return this.withLock(keyName, async () => {
      const state = await this.pending(keyName, sessionId);
      let next: ParticipantState;
      try {
        next = finalizeParticipant(this.rt.group, state, qualified, transcript, this.oldShare(state.params));
      } catch (e) {
        lifecycleError(e);
      }
      if (next !== state) await this.store.saveOperation(next, 'finalize');
      if (!state.params.receivers.includes(this.rt.config.index)) return { publicShare: new Uint8Array(0), commitments: [] };
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

  /**
   * Commit, on evidence this node gathers itself: it must be ready, and every other participant
   * (receivers and dealers) must report (Peer.SessionState, pinned mTLS, addresses from this
   * node's descriptor) the same transcript, ready or committed; a dealer that leaves needs every
   * receiver committed before it erases its old share. One node's word — "I committed" — makes
   * no other node commit.
   */
  commit(keyName: string, sessionId: string): Promise<boolean> {
    return this.withLock(keyName, async () => {
      const state = await this.store.loadOperation(keyName);
      if (!state || state.params.sessionId !== sessionId) {
        if (await this.store.committedSession(keyName, sessionId)) return false;
        throw failedPrecondition(`session ${sessionId} is not pending on ${keyName}`);
      }
      if (state.phase !== 'ready' || !state.ready) throw failedPrecondition(`session ${sessionId} is not ready on node ${this.rt.config.index}; it cannot commit`);
      const self = this.rt.config.index;
      const witness = (state.params.witnesses ?? []).includes(self);
      const leaving = !state.params.receivers.includes(self) && !witness;
      // Intent first, questions after (see ParticipantState.intent): an abort racing this commit
      // on another honest node either sees "committing" here or is seen as "aborting" there.
      const intending: ParticipantState = { ...state, intent: 'committing' };
      if (state.intent !== 'committing') await this.store.saveOperation(intending, 'commit-intent');
      const views = await peerViews(this.ctx, state, leaving ? state.params.receivers : participantsOf(state));
      const problems: string[] = [];
      // Roll forward without the rival checks once this session committed elsewhere. A DKG needs
      // minThreshold participants to report it committed with this transcript (then an honest one
      // did, after passing the check; one liar's "committed" must not let a DKG of another key
      // land under the same number). A refresh or reshare rolls forward on one report: a node
      // that committed has replaced or erased its old share, so refusing could strand the
      // version; a liar's false report can at worst let a rival session of the same record
      // commit too — the same key on two node sets, a conflict an operator repairs (README).
      // A participant counts only with this session's transcript and parameters: a coordinator may
      // tell a witness or a leaving dealer (neither checks the transcript) other parameters under
      // this session's id — then its abort would ask other nodes, and it could leave unseen.
      const ownDigest = paramsDigest(state.params);
      const sameSession = (v: SessionView) =>
        toHex(v.transcript) === state.ready!.transcript && (toHex(v.paramsDigest) === ownDigest || (v.paramsDigest.length === 0 && (v.phase === 'committed' || v.phase === 'destroyed')));
      const same = (v: SessionView | string, phase: string) => typeof v !== 'string' && v.phase === phase && sameSession(v);
      // Participants that committed this session and have since destroyed the version answer
      // "destroyed" (sessionState). With minThreshold of them (so an honest one: an operator
      // destroyed it there) this node commits too, but as destroyed: no share is written, and
      // the version stays shredded. Fewer settle nothing (a liar's word).
      const destroyedBy = [...views.values()].filter((v) => same(v, 'destroyed')).length;
      const min = await this.rt.cluster.minThreshold();
      const asDestroyed = destroyedBy >= min;
      const committedBy = [...views.values()].filter((v) => same(v, 'committed')).length + (asDestroyed ? destroyedBy : 0);
      const committedElsewhere = committedBy >= (state.params.kind === 'dkg' ? min : 1);
      if (state.params.kind === 'dkg' && !committedElsewhere) {
        // Asked again after the intent: another DKG of this number prepared meanwhile (by any
        // coordinator, on any nodes) is seen here, or sees this one. This session's own state
        // counts only with its own parameters (a session id is the coordinator's choice): pending
        // with the same parameter digest, or held as exactly this session's outcome or a record
        // descending from it (a participant that committed, then refreshed).
        const digest = paramsDigest(state.params);
        const outcome = outcomeDigest(state);
        const ours = (h: VersionAnswer) =>
          (h.history === 'pending' && h.sessionId === sessionId && h.pendingParams === digest) || (h.history === 'held' && (h.recordDigest === outcome || h.ancestorHeld === true));
        await checkVersionUnused(this.ctx, keyName, state.params.version, ours, outcome).catch((e: Error & { details?: string }) => problems.push(e.details ?? e.message));
      }
      // A witness has no outcome of its own to compare; it asks every participant below.
      if (state.params.kind !== 'dkg' && !leaving && !witness && !committedElsewhere) problems.push(...(await rivalSessions(this.ctx, state)));
      // The quorum policy judged the session at prepare (its participants cannot change since); a
      // descriptor that grew, or a minThreshold that rose, in between must not strand a participant
      // the others committed with (fork-quorum F1, review R-A). A session prepared before the
      // policy was switched on was never counted, and its record would carry no list (R-B): it
      // commits under the policy only if minThreshold participants (so an honest one) committed
      // it before; otherwise the operator aborts it and runs it again.
      if (!state.counted && (await this.rt.cluster.lifecycleQuorum()) && committedBy < min) {
        problems.push(
          `session ${sessionId} was prepared before this cluster's quorum policy (lifecycleQuorum) was switched on, so nobody counted its participants and its record would name no node list; it commits now only if minThreshold = ${min} participants committed it before (${committedBy} did): abort it (splitkey key abort-op) and run it again`,
        );
      }
      // Fewer than minThreshold "destroyed" answers settle nothing (a liar's word): once
      // minThreshold *receivers* report the session committed — so an honest one holds its outcome
      // live — such an answer no longer holds this node back (a real destroy that missed this node
      // is finished by a re-run; review D1's held-back receiver). Witnesses do not count: a witness
      // says "committed" whatever happened to the outcome since (review G2).
      const receiversCommitted = [...views].filter(([j, v]) => state.params.receivers.includes(j) && same(v, 'committed')).length;
      const settledDestroyed = asDestroyed || (!leaving && receiversCommitted >= min);
      const goodPhases = [...(leaving ? ['committed'] : ['ready', 'committing', 'committed']), ...(settledDestroyed ? ['destroyed'] : [])];
      for (const [j, v] of views) {
        if (typeof v === 'string') problems.push(`node ${j}: ${v}`);
        else if (toHex(v.transcript) !== state.ready.transcript) problems.push(`node ${j} is ${v.phase} with ${v.transcript.length ? 'another transcript' : 'no transcript'}`);
        else if (!sameSession(v)) problems.push(`node ${j} holds session ${sessionId} with other parameters than this node`);
        else if (!goodPhases.includes(v.phase)) problems.push(`node ${j} is ${v.phase}`);
      }
      // A leaving dealer of a version destroyed since erases its share without looking further.
      let leftFor: string | undefined;
      if (leaving && !asDestroyed && problems.length === 0) {
        const outcome = await newHoldersDescend(this.ctx, state);
        leftFor = outcome.outcome;
        // The new holders may have moved on since (a refresh while this node was down): then t
        // nodes agree on a record descending from this node's own, and its share is superseded
        // anyway (the reconcile rule, node/reconcile.ts), so it may leave.
        // Its tombstone then names the record it found (review I5): a voice, for another holder
        // left out, that the version moved on from their common record (node/reconcile.ts).
        if (outcome.problems.length > 0) {
          const own = this.store.resolve(keyName, state.params.version);
          const found = await findSuperseding(this.rt, this.peers, keyName, state.params.version, own);
          if (!found?.newer) problems.push(...outcome.problems);
          else leftFor = recordDigest(found.newer);
        }
      }
      if (problems.length > 0) {
        await this.store.saveOperation({ ...state, intent: undefined }, 'commit-refused');
        throw failedPrecondition(
          `node ${self} will not commit session ${sessionId} yet: ${leaving ? 'every new holder must have committed before this node erases its share' : 'every participant must be ready with the same transcript'} (${problems.join('; ')})`,
        );
      }
      // A receiver committing late (others committed before it) first asks whether its outcome was
      // moved on meanwhile: max(t, minThreshold) nodes reporting one record that descends from it
      // — a later refresh or reshare, live or destroyed since (findSuperseding). Then it writes no share (review E1: a share of a
      // moved-on record is stale, and beside a liar's kept one could make t again).
      const supersededBy = !leaving && !witness && !asDestroyed && committedBy > 0 ? await this.movedOn(state) : undefined;
      // The new record remembers the universe the session named (checkNextQuorum), exactly that.
      await this.store.commitOperation(intending, Date.now, { asDestroyed, supersededBy, leftFor, quorum: state.params.nextQuorum });
      if (supersededBy) this.rt.log.warn({ key: keyName, version: state.params.version, session: sessionId, epoch: supersededBy.epoch, holders: supersededBy.holders }, `session committed as superseded: nodes ${supersededBy.holders.join(',')} agree on epoch ${supersededBy.epoch}, which descends from this session's outcome; no share written`);
      if (asDestroyed) this.rt.log.warn({ key: keyName, version: state.params.version, session: sessionId }, `session committed as destroyed: ${destroyedBy} participants report the version destroyed since they committed it; no share written`);
      const slot = QueryBudget.slot(keyName, state.params.version);
      // The t-th largest (t of the old version) of the counts reported by the old holders asked at
      // prepare and by the dealers' deliveries: at most t − 1 liars cannot inflate it past an
      // honest holder's count, and an idle or withholding dealer no longer resets it.
      const reports = Object.values(state.carriedReports ?? {}).sort((a, b) => b - a);
      const quorumCount = reports[(state.params.old?.t ?? state.params.t) - 1] ?? 0;
      const carried = Math.max(quorumCount, state.params.dealers.includes(self) ? this.queriesOf(keyName, state.params.version) : 0);
      if (carried > this.rt.queryBudget.get(slot)) {
        this.rt.queryBudget.restore(slot, carried);
        await this.rt.queryBudget.reserve(slot, 0);
      }
      this.rt.log.info({ key: keyName, version: state.params.version, session: sessionId, kind: state.params.kind, epoch: state.params.epoch }, 'lifecycle operation committed');
      return true;
    });
  }

  /** The SessionState of each of `nodes` (this node left out), or why it could not be asked. */

  /**
   * Drop the pending operation. A ready node first asks the other participants: if any reports
   * the session committed, or cannot be asked (it may have), the session must roll forward
   * instead. A node that is not ready cannot have been counted by anyone's commit evidence, so it
   * may always abort.
   */
  abort(keyName: string, sessionId: string): Promise<string> {
    return this.withLock(keyName, async () => {
      const raw = await this.store.loadOperation(keyName).catch(() => undefined);
      const pendingSession = raw?.params.sessionId ?? (await this.rawPendingSession(keyName));
      if (!pendingSession) return '';
      if (sessionId && pendingSession !== sessionId) throw failedPrecondition(`the pending operation on ${keyName} is ${pendingSession}, not ${sessionId}`);
      if (raw?.phase === 'ready') {
        // Intent first, questions after (see commit).
        if (raw.intent !== 'aborting') await this.store.saveOperation({ ...raw, intent: 'aborting' }, 'abort-intent');
        const views = await peerViews(this.ctx, raw, participantsOf(raw));
        const committed = [...views].filter(([, v]) => typeof v !== 'string' && v.phase === 'committed').map(([j]) => j);
        const committing = [...views].filter(([, v]) => typeof v !== 'string' && v.phase === 'committing').map(([j]) => j);
        const unknown = [...views].filter(([, v]) => typeof v === 'string').map(([j]) => j);
        const refuse = async (why: string): Promise<never> => {
          await this.store.saveOperation({ ...raw, intent: undefined }, 'abort-refused');
          throw failedPrecondition(why);
        };
        if (committed.length > 0) await refuse(`session ${pendingSession} is committed on node(s) ${committed.join(',')}; it must roll forward (splitkey key abort-op finishes it), not abort`);
        if (committing.length > 0) await refuse(`session ${pendingSession} is being committed by node(s) ${committing.join(',')}; retry: it rolls forward or they give up`);
        if (unknown.length > 0) await refuse(`session ${pendingSession} is ready here and node(s) ${unknown.join(',')} cannot be asked whether they committed; retry when they are back`);
      }
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

