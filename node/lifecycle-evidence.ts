/**
 * What a lifecycle participant learns from the other nodes before it acts (node/lifecycle.ts):
 * the old record's nodes on the record a session starts from, every node on whether a version
 * number is in use, rival sessions on the same record, the new holders' records before a
 * leaving dealer erases, and each participant's state in a session. Everything is asked node to
 * node over pinned mTLS (Peer.VersionHistory, Peer.SessionState), to the addresses of this
 * node's own descriptor; a node that cannot be asked gives no voice unless stated otherwise.
 */
import {
  agreeOnVersions,
  claim,
  elementsEqual,
  fromHex,
  nextLineage,
  outcomeDigest,
  paramsDigest,
  recordDigest,
  recordFingerprint,
  sessionParticipants,
  type Claimed,
  type OperationParams,
  type ParticipantState,
  type VersionRecord as PublicRecord,
} from '../crypto/index.js';
import type { VersionHistoryResponse__Output } from '../proto/gen/splitkey/v1/VersionHistoryResponse.js';
import { alreadyExists, failedPrecondition } from './errors.js';
import type { PeerClients } from './peer-client.js';
import type { NodeRuntime } from './runtime.js';

/** What the evidence functions need of the node: its runtime (store, descriptor, identity) and its peer clients. */
export interface EvidenceContext {
  rt: NodeRuntime;
  peers: PeerClients;
}

/** One node's Peer.SessionState answer: its phase, transcript and the digest of its parameters. */
export interface SessionView {
  phase: string;
  transcript: Uint8Array;
  paramsDigest: Uint8Array;
}

/** One node's Peer.VersionHistory answer as the version checks read it. */
export interface VersionAnswer {
  history: string;
  sessionId: string;
  publicKey: Uint8Array;
  /** The pending session's paramsDigest, hex. */
  pendingParams?: string;
  ancestorHeld?: boolean;
  /** recordDigest of the record held or destroyed there. */
  recordDigest?: string;
}

/** recordDigest of the record a VersionHistory answer reports, if it reports one. */
export function answeredDigest(version: number, h: VersionHistoryResponse__Output): string | undefined {
  if ((h.history !== 'held' && h.history !== 'destroyed') || h.commitments.length === 0 || !/^\d{1,16}$/.test(h.epoch)) return undefined;
  return recordDigest({ version, threshold: h.threshold, nodeIndices: h.nodeIndices, commitments: h.commitments.map((c) => new Uint8Array(c)), epoch: h.epoch, lineage: h.lineage.map((d) => Buffer.from(d).toString('hex')) });
}

/** recordDigest of the record a refresh or reshare starts from (its `old`). */
export function oldRecordDigest(p: OperationParams): string {
  const o = p.old!;
  return recordDigest({ version: p.version, threshold: o.t, nodeIndices: o.nodeIndices, commitments: o.commitments.map((c) => fromHex(c)), epoch: o.epoch, lineage: o.lineage ?? [] });
}

/**
 * A pending session on `version` as a destroy drops it (store destroyVersion): its id, parameter
 * digest and the old record it started from, which the drop marks consumed — as if this node had
 * committed from it, so a node freed by a destroy (a witness) never joins a rival session.
 */
export function droppedSession(op: ParticipantState | undefined, version: number): { sessionId: string; params: string; from?: string } | undefined {
  if (op?.params.version !== version) return undefined;
  return { sessionId: op.params.sessionId, params: paramsDigest(op.params), from: op.params.kind !== 'dkg' && op.params.old ? oldRecordDigest(op.params) : undefined };
}

/** What the old record's nodes answered (askOldHolders): their claims, and the query counts of those holding the claimed record. */
export interface OldHolderAnswers {
  claims: Claimed<PublicRecord>[];
  claimed: PublicRecord;
  counts: Record<string, number>;
  /** Nodes that report exactly the claimed record as destroyed. */
  destroyedBy: number[];
}

/**
 * A receiver that holds nothing of the version has no record of its own to compare the claimed
 * old one with: it asks the old record's nodes (Peer.VersionHistory, node to node) and joins
 * only if t of them (t ≥ minThreshold) report exactly the claimed record — otherwise a
 * coordinator could tell new holders other old commitments, epoch or lineage than the dealers
 * (they would commit a record of another key, or one no stale holder recognises).
 */
export async function oldRecordAgreed(ctx: EvidenceContext, p: OperationParams, asked?: OldHolderAnswers): Promise<void> {
  const old = p.old!;
  const { claims, claimed } = asked ?? (await askOldHolders(ctx, p));
  const agreed = agreeOnVersions(claims, { minThreshold: await ctx.rt.cluster.minThreshold() }).versions.find((v) => v.version === p.version);
  if (!agreed || recordFingerprint(agreed) !== recordFingerprint(claimed)) {
    const voices = claims.filter((c) => recordFingerprint(c) === recordFingerprint(claimed)).map((c) => c.reporter);
    throw failedPrecondition(
      `the operation's old record of ${p.keyName}@${p.version} is not one its nodes agree on: ${voices.length} of them (${voices.join(',') || 'none'}) report it, ${old.t} must (old t); this node holds nothing of the version to compare with, so it takes no part`,
    );
  }
}

/**
 * Ask the old record's nodes (not this one) what they hold of the version: their claims, and
 * the query counts of those that report exactly the claimed old record.
 */
export async function askOldHolders(ctx: EvidenceContext, p: OperationParams): Promise<OldHolderAnswers> {
  const old = p.old!;
  const self = ctx.rt.config.index;
  const claimed: PublicRecord = { version: p.version, threshold: old.t, nodeIndices: old.nodeIndices, commitments: old.commitments.map((c) => fromHex(c)), epoch: String(old.epoch), lineage: old.lineage ?? [] };
  const claims: Claimed<PublicRecord>[] = [];
  const counts: Record<string, number> = {};
  const destroyedBy: number[] = [];
  const claimedDigest = oldRecordDigest(p);
  await Promise.all(
    old.nodeIndices
      .filter((j) => j !== self)
      .map(async (j) => {
        try {
          const h = await ctx.peers.versionHistory(j, { keyName: p.keyName, keyVersion: p.version });
          if (h.history === 'destroyed' && answeredDigest(p.version, h) === claimedDigest) destroyedBy.push(j);
          if (h.history !== 'held' || h.commitments.length === 0) return;
          const state = h.state === 'active' || h.state === 'decrypt-only' ? h.state : undefined;
          if (!state) return;
          const c = claim(j, { version: p.version, threshold: h.threshold, nodeIndices: h.nodeIndices, commitments: h.commitments.map((x) => new Uint8Array(x)), epoch: h.epoch, lineage: h.lineage.map((d) => Buffer.from(d).toString('hex')) }, state);
          claims.push(c);
          const n = Number(h.queriesAnswered);
          if (recordFingerprint(c) === recordFingerprint(claimed) && Number.isSafeInteger(n) && n > 0) counts[String(j)] = n;
        } catch {
          // A node that cannot be asked gives no voice.
        }
      }),
  );
  return { claims, claimed, counts, destroyedBy: destroyedBy.sort((a, b) => a - b) };
}

/**
 * Before a DKG creates a version (and again at its commit), and before an import: this node's
 * own store, then every node of its own descriptor (node to node, pinned mTLS), must say the
 * number is unused — neither held, destroyed, left, nor pending in another session — except
 * for what `accept` allows (the session's own pending state, the same imported record). One
 * "used", or a node that cannot be asked (it might), refuses. A lying node can only veto (named
 * in the error); it cannot make a used number look free while one honest holder answers. As
 * every participant persists its pending state before it asks, two racing DKGs of one number
 * cannot both commit.
 */
export async function checkVersionUnused(ctx: EvidenceContext, keyName: string, version: number, accept: (h: VersionAnswer) => boolean = () => false, ancestor?: string): Promise<void> {
  const self = ctx.rt.config.index;
  const mine = await ctx.rt.store.versionHistory(keyName, version, ancestor);
  const own: VersionAnswer = {
    history: mine.history,
    sessionId: mine.sessionId,
    publicKey: mine.publicKey,
    pendingParams: mine.pendingParams,
    ancestorHeld: mine.ancestorHeld,
    recordDigest: mine.record ? recordDigest({ version, threshold: mine.record.threshold, nodeIndices: mine.record.nodeIndices, commitments: mine.record.commitments, epoch: mine.record.epoch, lineage: mine.record.lineage }) : undefined,
  };
  if (own.history !== 'none' && !accept(own)) {
    throw alreadyExists(`version ${version} of ${keyName} is ${own.history === 'left' ? 'one this node held and left' : `${own.history} on this node`}${own.sessionId ? ` (session ${own.sessionId})` : ''}; a version number is never reused`);
  }
  const others = (await ctx.rt.cluster.indices()).filter((j) => j !== self);
  const used: string[] = [];
  const unknown: string[] = [];
  await Promise.all(
    others.map(async (j) => {
      try {
        const r = await ctx.peers.versionHistory(j, { keyName, keyVersion: version, ...(ancestor ? { ancestor: fromHex(ancestor) } : {}) });
        const h: VersionAnswer = { history: r.history, sessionId: r.sessionId, publicKey: r.publicKey, pendingParams: Buffer.from(r.pendingParams).toString('hex') || undefined, ancestorHeld: r.ancestorHeld, recordDigest: answeredDigest(version, r) };
        if (h.history !== 'none' && !accept(h)) used.push(`node ${j} (${h.history})`);
      } catch (e) {
        unknown.push(`node ${j} (${(e as { details?: string }).details ?? (e as Error).message})`);
      }
    }),
  );
  if (used.length > 0) throw alreadyExists(`version ${version} of ${keyName} is or was in use: ${used.sort().join(', ')}; a version number is never reused`);
  if (unknown.length > 0) {
    throw failedPrecondition(`${keyName}@${version}: every node of the cluster must confirm the number is not in use elsewhere, and ${unknown.sort().join(', ')} cannot be asked; retry when they are back`);
  }
}

/**
 * A refresh or reshare about to commit (this node's intent persisted): another session pending
 * on the same version on any node of the descriptor, or a record of it at this epoch or later
 * written by another session, means a rival session from the same record — committing both
 * would fork the version. Each session has an honest old holder among its dealers (old t ≥
 * minThreshold), whose pending state the other session's participants see; as each asks after
 * persisting its intent, two racing sessions cannot both pass. A node that cannot be asked gives
 * no voice (a reshare away from a down node must still commit).
 */
export async function rivalSessions(ctx: EvidenceContext, state: ParticipantState): Promise<string[]> {
  const p = state.params;
  const { keyName, version, sessionId, epoch } = p;
  const self = ctx.rt.config.index;
  const digest = paramsDigest(p);
  const outcome = outcomeDigest(state);
  // Only the old record's nodes and this session's participants are asked: a rival session from
  // the same record has an honest old holder among its dealers, which shows it; a node outside
  // both cannot veto.
  const voters = [...new Set([...(p.old?.nodeIndices ?? []), ...sessionParticipants(p)])].filter((j) => j !== self);
  const problems: string[] = [];
  await Promise.all(
    voters.map(async (j) => {
      let h;
      try {
        h = await ctx.peers.versionHistory(j, { keyName, keyVersion: version, ancestor: fromHex(outcome) }, { quick: true });
      } catch {
        return;
      }
      const pendingParams = Buffer.from(h.pendingParams).toString('hex');
      if (h.pendingSession && (h.pendingSession !== sessionId || pendingParams !== digest)) {
        problems.push(`node ${j} has another session (${h.pendingSession}${h.pendingSession === sessionId ? ', same id, other parameters' : ''}) pending on ${keyName}@${version}`);
      } else if ((h.history === 'held' || h.history === 'destroyed') && BigInt(h.epoch || '0') >= BigInt(epoch) && !h.ancestorHeld && answeredDigest(version, h) !== outcome) {
        problems.push(`node ${j} holds ${keyName}@${version} at epoch ${h.epoch} from another session (${h.sessionId || 'an import'})`);
      }
    }),
  );
  return problems.sort();
}

/**
 * A dealer that leaves a reshare erases its share only once every new holder shows the record
 * this node's own view makes of it: written by this session, with this session's threshold,
 * node set and epoch, this node's pkS, and a lineage naming exactly this node's record. The
 * receivers' "committed" alone is not enough: receivers that hold nothing of the version were
 * told the old record by the coordinator, and a session id can be replayed from another version.
 * With no problem, `outcome` is that record's digest (the tombstone remembers it: review G3).
 */
export async function newHoldersDescend(ctx: EvidenceContext, state: ParticipantState): Promise<{ problems: string[]; outcome?: string }> {
  const p = state.params;
  let own;
  try {
    own = ctx.rt.store.resolve(p.keyName, p.version);
  } catch {
    return { problems: [`this node no longer holds ${p.keyName}@${p.version}`] };
  }
  const lineage = nextLineage({ version: p.version, threshold: own.record.threshold, nodeIndices: own.record.nodeIndices, commitments: own.commitments, epoch: own.record.epoch, lineage: own.record.lineage ?? [] });
  const problems: string[] = [];
  /** The first new holder's commitments (hex joined, to compare; and as elements). */
  let commitments: string | undefined;
  let agreed: Uint8Array[] = [];
  for (const j of p.receivers) {
    let h;
    try {
      h = await ctx.peers.versionHistory(j, { keyName: p.keyName, keyVersion: p.version });
    } catch (e) {
      problems.push(`node ${j}: not reachable (${(e as { details?: string }).details ?? (e as Error).message})`);
      continue;
    }
    const differs: string[] = [];
    if (h.history !== 'held') differs.push(`it is ${h.history}`);
    else {
      if (h.sessionId !== p.sessionId) differs.push(`written by session ${h.sessionId || '(none)'}`);
      if (h.threshold !== p.t || h.nodeIndices.join() !== p.receivers.join()) differs.push(`${h.threshold}-of-{${h.nodeIndices.join(',')}}`);
      if (h.epoch !== String(p.epoch)) differs.push(`epoch ${h.epoch}`);
      if (h.commitments.length === 0 || !elementsEqual(new Uint8Array(h.commitments[0]!), own.publicKey)) differs.push('another pkS');
      if (h.lineage.map((d) => Buffer.from(d).toString('hex')).join() !== lineage.join()) differs.push('a lineage that does not name this node’s record');
      const mine = h.commitments.map((c) => Buffer.from(c).toString('hex')).join();
      if (commitments !== undefined && mine !== commitments) differs.push('other commitments than the other new holders');
      if (commitments === undefined) {
        commitments = mine;
        agreed = h.commitments.map((c) => new Uint8Array(c));
      }
    }
    if (differs.length > 0) problems.push(`new holder ${j}'s record of ${p.keyName}@${p.version} is not this session's outcome: ${differs.join(', ')}`);
  }
  if (problems.length > 0 || commitments === undefined) return { problems };
  return { problems, outcome: recordDigest({ version: p.version, threshold: p.t, nodeIndices: p.receivers, commitments: agreed, epoch: p.epoch, lineage }) };
}

export async function peerViews(ctx: EvidenceContext, state: ParticipantState, nodes: readonly number[]): Promise<Map<number, SessionView | string>> {
  const { keyName, sessionId } = state.params;
  const self = ctx.rt.config.index;
  const out = new Map<number, SessionView | string>();
  await Promise.all(
    nodes
      .filter((j) => j !== self)
      .map(async (j) => {
        try {
          out.set(j, await ctx.peers.sessionState(j, { keyName, sessionId }));
        } catch (e) {
          out.set(j, `not reachable (${(e as { details?: string }).details ?? (e as Error).message})`);
        }
      }),
  );
  return out;
}
