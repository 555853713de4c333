/**
 * The participant side of the key-lifecycle protocols (DKG, refresh, reshare) as a pure state
 * machine: each transition takes a state and a message and returns a new state or throws a named
 * error. The node persists the (sealed) state after every transition, so a crash at any point
 * resumes from the last persisted state; nothing here touches the network or the disk.
 *
 * Phases: prepared (own dealing made) → received shares / complaints → ready (new share computed,
 * transcript agreed) → committed by the node shell in one atomic write.
 */
import { DeserializeError, ParameterError, VerifyError } from './errors.js';
import type { Element, Group, Scalar } from './group.js';
import { decodeScalar, elementsEqual } from './group.js';
import type { Rng } from './bytes.js';
import { constantTimeEqual, fromHex, toHex } from './bytes.js';
import {
  checkDealingCommitments,
  combineDealtShares,
  commitmentsDigest,
  createDealing,
  reshareConstant,
  sumCommitments,
  transcriptHash,
  verifyDealtShare,
  type DealingKind,
} from './dealing.js';
import { checkIndices, checkThreshold, publicShare } from './shamir.js';
import { MAX_LINEAGE, nextLineage, recordDigest } from './records.js';
import { sha512 } from '@noble/hashes/sha2.js';

/**
 * The lineage of the record an operation commits: none for a DKG; for refresh and reshare the old
 * record's lineage and the old record itself (crypto/records.ts `nextLineage`).
 */
export function committedLineage(p: OperationParams): string[] {
  if (p.kind === 'dkg' || !p.old) return [];
  const o = p.old;
  return nextLineage({ version: p.version, threshold: o.t, nodeIndices: o.nodeIndices, commitments: o.commitments.map((c) => fromHex(c, 'old.commitments')), epoch: o.epoch, lineage: o.lineage ?? [] });
}

/** JSON with object keys sorted at every level (arrays keep their order): one text per value. */
function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    return `{${Object.keys(v)
      .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

/**
 * A session's identity beyond its id: the first 32 bytes of SHA-512 over its parameters'
 * canonical JSON, hex. A coordinator chooses session ids; two sessions under one id with other
 * parameters (another dealer set, another version) differ here.
 */
export function paramsDigest(p: OperationParams): string {
  // Every field named, absent ones at their defaults, so that equal parameters digest alike
  // however they were decoded (an absent list and an empty one are the same).
  const o = p.old;
  const fields = {
    sessionId: p.sessionId,
    kind: p.kind,
    keyName: p.keyName,
    version: p.version,
    t: p.t,
    receivers: p.receivers,
    dealers: p.dealers,
    epoch: p.epoch,
    old: o ? { t: o.t, nodeIndices: o.nodeIndices, commitments: o.commitments.map((c) => c.toLowerCase()), epoch: o.epoch, lineage: o.lineage ?? [] } : null,
    retire: p.retire ?? [],
    // Absent when empty, so that a session without witnesses digests as before.
    witnesses: p.witnesses?.length ? p.witnesses : undefined,
    quorum: p.quorum ? { nodes: p.quorum.nodes, minThreshold: p.quorum.minThreshold } : undefined,
    nextQuorum: p.nextQuorum ? { nodes: p.nextQuorum.nodes, minThreshold: p.nextQuorum.minThreshold } : undefined,
  };
  return toHex(sha512(new TextEncoder().encode(`splitkey/v1/operation-params\n${canonicalJson(fields)}`)).subarray(0, 32));
}

/** The digest (recordDigest) of the record a ready receiver will commit: its session's outcome. */
export function outcomeDigest(state: ParticipantState): string {
  const p = state.params;
  if (!state.ready || state.ready.commitments.length === 0) throw new LifecycleError('WRONG_PHASE', `session ${p.sessionId} has no outcome on node ${state.self}`);
  return recordDigest({ version: p.version, threshold: p.t, nodeIndices: p.receivers, commitments: state.ready.commitments.map((c) => fromHex(c)), epoch: p.epoch, lineage: committedLineage(p) });
}

/** Public parameters of one operation; identical on every participant. Byte fields are hex. */
export interface OperationParams {
  sessionId: string;
  kind: DealingKind;
  keyName: string;
  version: number;
  /** New threshold and node set. */
  t: number;
  receivers: number[];
  /** Who deals: all participants (dkg), the live members (refresh), t or more old members (reshare). */
  dealers: number[];
  /** Epoch of the new shares. */
  epoch: number;
  /**
   * The version as it stands (refresh, reshare); `lineage` is its record's (crypto/records.ts:
   * digests of the records it descends from, hex; absent = none).
   */
  old?: { t: number; nodeIndices: number[]; commitments: string[]; epoch: number; lineage?: string[] };
  /** Versions to mark decrypt-only when this one commits (rotation). */
  retire?: number[];
  /**
   * Refresh and reshare: nodes of the descriptor that neither deal nor receive, and take part only
   * to hold the session's place, so that the participants number a quorum of the descriptor
   * (docs/fork-prevention.md, the descriptor's `lifecycleQuorum`). A witness prepares, becomes
   * ready with the transcript alone, and commits without any share changing; its share of the
   * version, if it holds one, is untouched.
   */
  witnesses?: number[];
  /**
   * Under the quorum policy: the node list and minThreshold the record this session starts from
   * was created under (refresh, reshare), which its participants are counted against, so that
   * every session from one record is counted against the same list however the descriptor
   * changed since. Absent: the node's own descriptor (records from before it existed).
   */
  quorum?: QuorumUniverse;
  /** Under the quorum policy: the node list and minThreshold the record this session creates is created under (every participant's own descriptor). */
  nextQuorum?: QuorumUniverse;
}

/** A descriptor's node list and minThreshold, as a quorum is counted against them. */
export interface QuorumUniverse {
  nodes: number[];
  minThreshold: number;
}

/** Whether two quorum universes are the same (node lists compared as sets). */
export function sameUniverse(a: QuorumUniverse, b: QuorumUniverse): boolean {
  return a.minThreshold === b.minThreshold && sameNodeSet(a.nodes, b.nodes);
}

/** Whether two lists name the same nodes, whatever their order or repetitions. */
export function sameNodeSet(a: readonly number[], b: readonly number[]): boolean {
  const set = (l: readonly number[]) => [...new Set(l)].sort((x, y) => x - y).join();
  return set(a) === set(b);
}

/** Every node taking part in a session: receivers, dealers and witnesses, ascending. */
export function sessionParticipants(p: OperationParams): number[] {
  return [...new Set([...p.receivers, ...p.dealers, ...(p.witnesses ?? [])])].sort((a, b) => a - b);
}

/**
 * The participants a session needs under a quorum policy: ⌈(n + t) / 2⌉ of the n nodes of the
 * record's list, t the record's threshold (at least minThreshold): two such sets share t nodes.
 */
export function lifecycleQuorumSize(n: number, t: number): number {
  return Math.ceil((n + t) / 2);
}

export type Phase = 'prepared' | 'ready';

/** A participant's state. Fields marked secret are sealed by the node before they touch disk. */
export interface ParticipantState {
  params: OperationParams;
  self: number;
  phase: Phase;
  /** Own dealing (dealers only): commitments (public) and shares for each receiver (secret). */
  dealing?: { commitments: string[]; shares: Record<string, string> };
  /** Shares received (receivers only): dealer → commitments and the share (secret). */
  received: Record<string, { commitments: string[]; share: string }>;
  /** Dealers whose share failed verification, with the reason. */
  complaints: Record<string, string>;
  /** The query count of the version each dealer reported with its share (budget carried across reshare). */
  carriedReports?: Record<string, number>;
  /**
   * Set once ready: the new share (secret), commitments, transcript, qualified dealers. A dealer
   * that receives nothing (it leaves in a reshare) holds only the transcript: share '' and no
   * commitments.
   */
  ready?: { share: string; commitments: string[]; transcript: string; qualified: number[] };
  /**
   * A ready node's persisted intent, written before it asks the others for the last time: it is
   * about to commit, or about to abort. Each node writes its own intent before it reads anyone
   * else's, so of two honest nodes racing a commit against an abort at least one sees the other's
   * intent and refuses (node/lifecycle.ts).
   */
  intent?: 'committing' | 'aborting';
  /**
   * Set when the quorum policy judged the session at prepare (node/lifecycle.ts): the node list
   * and minThreshold its participants were counted against (a DKG: the list it names). Commit does
   * not judge it again; a session without it was prepared before the policy was switched on.
   */
  counted?: QuorumUniverse;
}

export class LifecycleError extends Error {
  constructor(
    readonly code: 'BAD_PARAMS' | 'NOT_A_DEALER' | 'NOT_A_RECEIVER' | 'WRONG_PHASE' | 'CONFLICT' | 'TRANSCRIPT_MISMATCH' | 'MISSING_SHARE' | 'CHECK_FAILED',
    message: string,
  ) {
    super(message);
    this.name = 'LifecycleError';
  }
}

const hexAll = (xs: readonly Uint8Array[]) => xs.map(toHex);
const unhexAll = (xs: readonly string[]) => xs.map((x) => fromHex(x));

/**
 * The qualified set, checked by every participant itself: a subset of the dealers, at least t of
 * them for DKG and refresh (so at least one honest dealer's randomness is in the result: with at
 * most t-1 colluders nobody learns k), every dealer for reshare (its Lagrange weights are fixed by
 * the dealer set).
 */
export function checkQualified(p: OperationParams, qualified: readonly number[]): void {
  try {
    checkIndices(qualified, undefined, 'qualified');
  } catch (e) {
    throw new LifecycleError('BAD_PARAMS', (e as Error).message);
  }
  if (qualified.some((d) => !p.dealers.includes(d))) throw new LifecycleError('BAD_PARAMS', 'a qualified dealer is not a dealer of the session');
  if (p.kind === 'reshare' && qualified.join() !== [...p.dealers].sort((a, b) => a - b).join()) {
    throw new LifecycleError('BAD_PARAMS', 'reshare needs every dealer qualified (Lagrange weights are fixed by the dealer set)');
  }
  if (p.kind !== 'reshare' && qualified.length < p.t) {
    throw new LifecycleError('BAD_PARAMS', `only ${qualified.length} qualified dealers; a ${p.kind} needs at least t = ${p.t} so that no coalition of t-1 knows the result`);
  }
}

/** Validate parameters the same way on every participant. */
export function checkOperationParams(p: OperationParams): void {
  try {
    if (!/^[0-9a-f]{32}$/.test(p.sessionId)) throw new ParameterError('sessionId', 'must be 16 random bytes in hex');
    checkThreshold(p.t, p.receivers.length);
    checkIndices(p.receivers, undefined, 'receivers');
    checkIndices(p.dealers, undefined, 'dealers');
    if (p.dealers.length === 0) throw new ParameterError('dealers', 'must not be empty');
    if (!Number.isInteger(p.epoch) || p.epoch < 1) throw new ParameterError('epoch', 'must be ≥ 1');
    // Retiring versions is part of rotation only: a refresh or reshare (e.g. by a refresh-only
    // scheduler) must not mark the newest version decrypt-only.
    if (p.kind !== 'dkg' && (p.retire?.length ?? 0) > 0) throw new ParameterError('retire', `only a DKG (rotation) retires versions, not a ${p.kind}`);
    if (p.kind === 'dkg' && p.dealers.some((d) => !p.receivers.includes(d))) throw new ParameterError('dealers', 'DKG dealers must be receivers');
    const witnesses = p.witnesses ?? [];
    if (witnesses.length > 0) {
      if (p.kind === 'dkg') throw new ParameterError('witnesses', 'a DKG has no witnesses (a new version number is checked with every node)');
      checkIndices(witnesses, undefined, 'witnesses');
      const both = witnesses.filter((w) => p.receivers.includes(w) || p.dealers.includes(w));
      if (both.length > 0) throw new ParameterError('witnesses', `node(s) ${both.join(',')} already deal or receive; a witness does neither`);
    }
    if (p.quorum && p.kind === 'dkg') throw new ParameterError('quorum', 'a DKG starts from no record');
    for (const [field, u] of [['quorum', p.quorum], ['nextQuorum', p.nextQuorum]] as const) {
      if (!u) continue;
      checkIndices(u.nodes, undefined, `${field}.nodes`);
      if (u.nodes.length === 0) throw new ParameterError(`${field}.nodes`, 'must name at least one node');
      if (!Number.isInteger(u.minThreshold) || u.minThreshold < 1 || u.minThreshold > u.nodes.length) throw new ParameterError(`${field}.minThreshold`, `must be an integer in [1, ${u.nodes.length}]`);
    }
    if (p.kind !== 'dkg') {
      if (!p.old) throw new ParameterError('old', `${p.kind} needs the old version`);
      if (p.dealers.some((d) => !p.old!.nodeIndices.includes(d))) throw new ParameterError('dealers', 'dealers must hold a share of the old version');
      // A refresh or reshare needs old t dealers to finish (checkQualified): refused at the start.
      if (p.dealers.length < p.old.t) throw new ParameterError('dealers', `${p.kind} needs at least the old threshold ${p.old.t} of dealers`);
      if (p.old.commitments.length !== p.old.t) throw new ParameterError('old.commitments', `must hold old t = ${p.old.t} commitments, got ${p.old.commitments.length}`);
      // Old holders the session leaves out keep the old record and share. t of them would still
      // agree on it beside the new one (a forked version, and a node meant to be evicted keeps its
      // share): at most old t − 1 (e.g. nodes that are down for good) may stay out.
      const out = p.old.nodeIndices.filter((i) => !p.dealers.includes(i) && !p.receivers.includes(i));
      if (out.length >= p.old.t) throw new ParameterError('dealers', `old holders ${out.join(',')} take no part; at most ${p.old.t - 1} (old t − 1) may stay out, or they would keep an agreed old record`);
      if (p.kind === 'refresh' && (p.t !== p.old.t || p.receivers.join() !== p.old.nodeIndices.join())) {
        throw new ParameterError('receivers', 'refresh keeps the node set and threshold');
      }
      // Exactly one step: an epoch far ahead (2^53 − 1) would leave no next epoch for any later
      // refresh or reshare; every holder checks old.epoch against its store, the transcript binds both.
      if (p.epoch !== p.old.epoch + 1) throw new ParameterError('epoch', `must be the old epoch + 1 (${p.old.epoch + 1})`);
      const lineage = p.old.lineage ?? [];
      if (lineage.length > MAX_LINEAGE || lineage.some((d) => !/^[0-9a-f]{64}$/.test(d))) {
        throw new ParameterError('old.lineage', `must be at most ${MAX_LINEAGE} record digests of 32 bytes, lowercase hex`);
      }
    }
  } catch (e) {
    throw new LifecycleError('BAD_PARAMS', (e as Error).message);
  }
}

/** Start: make own dealing if a dealer. `oldShare` is this node's current share (refresh, reshare). */
export function prepareParticipant(group: Group, params: OperationParams, self: number, rng: Rng, oldShare?: Scalar): ParticipantState {
  checkOperationParams(params);
  if (!sessionParticipants(params).includes(self)) throw new LifecycleError('BAD_PARAMS', `node ${self} takes no part in this operation`);
  const state: ParticipantState = { params, self, phase: 'prepared', received: {}, complaints: {} };
  if (params.dealers.includes(self)) {
    if (params.kind === 'reshare' && !oldShare) throw new LifecycleError('MISSING_SHARE', `node ${self} has no share of the old version to reshare`);
    const d = createDealing(group, { kind: params.kind, t: params.t, receivers: params.receivers, dealers: params.dealers, self, oldShare }, rng);
    state.dealing = { commitments: hexAll(d.commitments), shares: Object.fromEntries([...d.shares].map(([j, s]) => [String(j), toHex(s)])) };
    for (const s of d.shares.values()) s.fill(0);
  }
  return state;
}

/**
 * The share this dealer sends to `receiver` — in the deal step, and again in the complaint round,
 * directly to that receiver once it confirmed it lacks a valid one. Nothing is revealed to anyone
 * else (not the coordinator, not other nodes), so no number of complaints determines a share or a
 * polynomial (a refresh polynomial, g(0) = 0, would be determined by t-1 public reveals).
 */
export function shareFor(state: ParticipantState, receiver: number): { commitments: Uint8Array[]; share: Uint8Array } {
  if (!state.dealing) throw new LifecycleError('NOT_A_DEALER', `node ${state.self} is not a dealer`);
  const s = state.dealing.shares[String(receiver)];
  if (!s) throw new LifecycleError('BAD_PARAMS', `node ${receiver} is not a receiver`);
  return { commitments: unhexAll(state.dealing.commitments), share: fromHex(s) };
}

/** Digest of the commitments this receiver was delivered by each dealer (public; equivocation check). */
export function receivedDigests(state: ParticipantState): Map<number, Uint8Array> {
  return new Map(Object.entries(state.received).map(([d, r]) => [Number(d), commitmentsDigest(unhexAll(r.commitments))] as const));
}

/** Receiver side of a complaint: true if no valid share from `dealer` is held. */
export function complainsAbout(state: ParticipantState, dealer: number): boolean {
  return state.params.dealers.includes(dealer) && state.params.receivers.includes(state.self) && !state.received[String(dealer)];
}

/** What G_0 must be for this dealer (reshare: λ_i·pk_i of the old version). */
function expectedConstant(group: Group, p: OperationParams, dealer: number): Element | undefined {
  if (p.kind !== 'reshare') return undefined;
  const oldCommitments = unhexAll(p.old!.commitments);
  return reshareConstant(group, p.dealers, dealer, publicShare(group, oldCommitments, dealer));
}

/**
 * Receive a dealer's commitments and share. A share that fails its checks becomes a complaint
 * (the dealer is named); the same dealer sending different data twice is a conflict.
 */
export function receiveShare(group: Group, state: ParticipantState, dealer: number, commitments: Uint8Array[], share: Uint8Array): ParticipantState {
  const p = state.params;
  if (state.phase !== 'prepared') throw new LifecycleError('WRONG_PHASE', `session ${p.sessionId} is already ${state.phase}`);
  if (!p.dealers.includes(dealer)) throw new LifecycleError('NOT_A_DEALER', `node ${dealer} is not a dealer of this session`);
  if (!p.receivers.includes(state.self)) throw new LifecycleError('NOT_A_RECEIVER', `node ${state.self} receives nothing in this session`);
  const entry = { commitments: hexAll(commitments), share: toHex(share) };
  const prior = state.received[String(dealer)];
  if (prior) {
    if (prior.share === entry.share && prior.commitments.join() === entry.commitments.join()) return state;
    throw new LifecycleError('CONFLICT', `dealer ${dealer} sent two different dealings`);
  }
  const next: ParticipantState = { ...state, received: { ...state.received }, complaints: { ...state.complaints } };
  try {
    const C = checkDealingCommitments(group, p.kind, commitments, p.t, dealer, expectedConstant(group, p, dealer));
    decodeScalar(share, `dealer[${dealer}].share`);
    verifyDealtShare(group, C, dealer, state.self, share);
    next.received[String(dealer)] = entry;
    delete next.complaints[String(dealer)];
  } catch (e) {
    if (!(e instanceof VerifyError || e instanceof DeserializeError || e instanceof ParameterError)) throw e;
    next.complaints[String(dealer)] = e.message;
  }
  return next;
}

/**
 * Compute the new share from the qualified dealers, check the agreed transcript, the new public
 * share, and (refresh, reshare) that the new commitments keep pkS. → phase `ready`.
 */
export function finalizeParticipant(group: Group, state: ParticipantState, qualified: number[], transcript: Uint8Array, oldShare?: Scalar): ParticipantState {
  const p = state.params;
  if (state.phase === 'ready') {
    if (state.ready!.transcript === toHex(transcript) && state.ready!.qualified.join() === qualified.join()) return state;
    throw new LifecycleError('CONFLICT', `session ${p.sessionId} is already final with another transcript`);
  }
  checkQualified(p, qualified);
  if (!p.receivers.includes(state.self)) {
    // A dealer that leaves (reshare) keeps only the transcript, to compare with the new holders'
    // before it erases its old share; so does a witness, which only reports it.
    if (!p.dealers.includes(state.self) && !(p.witnesses ?? []).includes(state.self)) throw new LifecycleError('NOT_A_RECEIVER', `node ${state.self} takes no part in session ${p.sessionId}`);
    if (transcript.length !== 32) throw new LifecycleError('BAD_PARAMS', 'transcript must be 32 bytes');
    return { ...state, phase: 'ready', ready: { share: '', commitments: [], transcript: toHex(transcript), qualified } };
  }
  const dealings = new Map<number, Element[]>();
  const shares: Scalar[] = [];
  for (const d of qualified) {
    const r = state.received[String(d)];
    if (!r) throw new LifecycleError('MISSING_SHARE', `no valid share from qualified dealer ${d}`);
    dealings.set(d, unhexAll(r.commitments));
    shares.push(fromHex(r.share));
  }
  const expected = transcriptHash({ ...p, qualified, dealings });
  if (!constantTimeEqual(expected, transcript)) {
    throw new LifecycleError('TRANSCRIPT_MISMATCH', `the transcript differs from this node's own view of session ${p.sessionId} (parameters, qualified dealers ${qualified.join(',')} or the commitments they delivered)`);
  }
  const oldCommitments = p.kind === 'refresh' ? unhexAll(p.old!.commitments) : undefined;
  if (p.kind === 'refresh' && !oldShare) throw new LifecycleError('MISSING_SHARE', `node ${state.self} has no old share to refresh`);
  const newShare = combineDealtShares(group, shares, p.kind === 'refresh' ? oldShare : undefined);
  const newCommitments = sumCommitments(group, [...dealings.values()], oldCommitments);
  if (p.kind !== 'dkg' && !elementsEqual(newCommitments[0]!, fromHex(p.old!.commitments[0]!))) {
    throw new LifecycleError('CHECK_FAILED', 'new commitments do not keep the public key pkS');
  }
  if (!elementsEqual(group.mulBase(newShare), publicShare(group, newCommitments, state.self))) {
    throw new LifecycleError('CHECK_FAILED', 'new share does not match the new commitments');
  }
  return { ...state, phase: 'ready', ready: { share: toHex(newShare), commitments: hexAll(newCommitments), transcript: toHex(transcript), qualified } };
}
