/**
 * The operator's coordinator for the key lifecycle: DKG (create, rotate), proactive refresh,
 * reshare, destroy. It is a messenger, not an authority: it relays public data (parameters,
 * commitments, qualified set, transcript) and orders the steps; every node checks what it is told
 * against its own view, and no share ever passes through the coordinator. Steps:
 *
 *   1 prepare   every participant checks the parameters against its own store and policy and
 *               makes its dealing (persisted); dealers answer with their broadcast commitments
 *   2 deal      every dealer sends each receiver its share, node to node over pinned mTLS
 *   3 complain  receivers report missing or bad shares and a digest of the commitments each
 *               dealer delivered. A digest that differs from the dealer's broadcast names the
 *               dealer as equivocating; a missing share makes the dealer deliver it again, directly
 *               to the receiver — a dealer whose share is still refused is disqualified by name
 *   4 finalize  every participant checks the qualified set itself (|Q| ≥ t; reshare: all dealers)
 *               and recomputes the transcript from its own view
 *   5 canary    a blinded canary is evaluated through the new shares (every t-subset agrees, and
 *               for refresh/reshare equals the old shares' answer); any mismatch → abort
 *   6 commit    receivers commit once each has seen every receiver ready with the same transcript
 *               (they ask each other); dealers that leave commit — erase — only after every
 *               receiver committed
 *
 * Any failure before commit aborts the session on every node and keeps the old state. Once a
 * node has committed, the coordinator rolls forward; `resolvePending` finishes or cancels a
 * session left behind by a crashed coordinator, and the nodes refuse whichever of the two their
 * own evidence contradicts. A reshare whose dealer is disqualified starts again without it while
 * at least the old threshold of dealers remain.
 *
 * The transport is an interface, so tests run the protocol in memory and inject faults.
 */
import { randomBytes } from 'node:crypto';
import {
  GENERATOR,
  blind,
  checkCommitments,
  combinePartials,
  commitmentsDigest,
  constantTimeEqual,
  createSuite,
  elementsEqual,
  loadGroup,
  publicShare,
  reshareConstant,
  sessionParticipants,
  sumCommitments,
  toHex,
  transcriptHash,
  verifyProof,
  type Element,
  type Group,
  type OperationParams,
  type SignedDestroyOrder,
  systemRng,
} from '../crypto/index.js';

/** A node's OperationStatus: public data only. */
export interface OperationStatus {
  sessionId: string;
  phase: string;
  received: number[];
  lastCommittedSession: string;
  receivedDigests?: { dealer: number; digest: Uint8Array }[];
  transcript?: Uint8Array;
  lastCommittedTranscript?: Uint8Array;
  receivers?: number[];
  dealers?: number[];
  witnesses?: number[];
}

export interface LifecycleTransport {
  prepare(node: number, params: OperationParams): Promise<Uint8Array[]>;
  deal(node: number, keyName: string, sessionId: string): Promise<{ delivered: number[]; failed: string[] }>;
  /** With `sessionId`: the last-committed fields describe that session if the node committed it. */
  status(node: number, keyName: string, sessionId?: string): Promise<OperationStatus>;
  /** Ask dealer `node` to deliver its share to `receiver` again, directly; nothing comes back but the outcome. */
  redeliver(node: number, keyName: string, sessionId: string, receiver: number): Promise<{ accepted: boolean; complaint: string }>;
  finalize(node: number, keyName: string, sessionId: string, qualified: number[], transcript: Uint8Array): Promise<{ publicShare: Uint8Array; commitments: Uint8Array[] }>;
  canary(node: number, keyName: string, sessionId: string, blinded: Uint8Array[], current: boolean): Promise<{ evaluated: Uint8Array[]; proof: Uint8Array }>;
  commit(node: number, keyName: string, sessionId: string): Promise<boolean>;
  abort(node: number, keyName: string, sessionId: string): Promise<string>;
  /** With `expectedRecord` (a record digest, hex), the node erases only if it holds exactly that record. */
  /** `order`: the operator's signed destroy order (crypto/destroy-order.ts), kept by the node and shown to peers that missed the destroy. */
  destroy(node: number, keyName: string, version: number, expectedRecord?: string, order?: SignedDestroyOrder): Promise<DestroyAnswer>;
}

/** One node's signed statement that it erased its share (client/receipt.ts verifies it). */
export interface SignedReceipt {
  node: number;
  /** The receipt JSON, base64. */
  receipt: string;
  /** ECDSA signature over it by the node's TLS key, base64 ('' in insecure-loopback mode). */
  signature: string;
  /** The node's certificate, PEM. */
  certificate: string;
}

export interface DestroyAnswer {
  destroyedNow: boolean;
  /** The node keeps the destroy order sent (it verified there): it shows it to peers that missed the destroy. */
  orderKept?: boolean;
  receipt?: SignedReceipt;
}

export interface OperationReport {
  sessionId: string;
  kind: OperationParams['kind'];
  keyName: string;
  version: number;
  epoch: number;
  publicKey: Uint8Array;
  publicShares: Map<number, Uint8Array>;
  /** Dealers excluded, with why (named, never silently dropped). */
  disqualified: { index: number; reason: string }[];
}

export class LifecycleAbort extends Error {
  readonly code = 'LIFECYCLE_ABORTED';
  /** Dealers to leave out of another attempt (reshare with a disqualified dealer). */
  retryWithout?: { index: number; reason: string }[];
  /** Nodes that refused at prepare (a witness that is busy may be replaced by another). */
  prepareRefused?: number[];
  constructor(
    message: string,
    readonly disqualified: { index: number; reason: string }[] = [],
  ) {
    super(message);
    this.name = 'LifecycleAbort';
  }
}

const describe = (e: unknown): string => (e as { details?: string }).details ?? (e instanceof Error ? e.message : String(e));
const newSessionId = (): string => randomBytes(16).toString('hex');

/** Settle `fn` on every node; answers by index and failures by index. */
async function onAll<T>(nodes: readonly number[], fn: (n: number) => Promise<T>): Promise<{ ok: Map<number, T>; failed: Map<number, string> }> {
  const ok = new Map<number, T>();
  const failed = new Map<number, string>();
  await Promise.all(
    nodes.map((n) =>
      fn(n).then(
        (v) => void ok.set(n, v),
        (e) => void failed.set(n, describe(e)),
      ),
    ),
  );
  return { ok, failed };
}

export class LifecycleCoordinator {
  private constructor(
    private readonly transport: LifecycleTransport,
    private readonly group: Group,
    private readonly log: (line: string) => void,
  ) {}

  static async create(transport: LifecycleTransport, log: (line: string) => void = () => undefined): Promise<LifecycleCoordinator> {
    return new LifecycleCoordinator(transport, await loadGroup(), log);
  }

  /**
   * Run one operation to commit, or abort it everywhere and throw LifecycleAbort. A reshare
   * whose dealer was disqualified runs again (new session) without it, while at least the old
   * threshold of dealers remain.
   */
  async run(params: Omit<OperationParams, 'sessionId'> & { sessionId?: string }): Promise<OperationReport> {
    let attempt: Omit<OperationParams, 'sessionId'> & { sessionId?: string } = params;
    const excluded: { index: number; reason: string }[] = [];
    for (;;) {
      try {
        const report = await this.runOnce(attempt);
        return { ...report, disqualified: [...excluded, ...report.disqualified] };
      } catch (e) {
        const retry = e instanceof LifecycleAbort && e.retryWithout;
        if (!retry || attempt.kind !== 'reshare') throw e;
        const dealers = attempt.dealers.filter((d) => !retry.some((r) => r.index === d));
        if (dealers.length < (attempt.old?.t ?? Infinity) || dealers.length === attempt.dealers.length) throw e;
        excluded.push(...retry);
        this.log(`reshare again without dealer(s) ${retry.map((r) => r.index).join(',')}: ${retry.map((r) => r.reason).join('; ')}`);
        attempt = { ...attempt, sessionId: undefined, dealers };
      }
    }
  }

  private async runOnce(params: Omit<OperationParams, 'sessionId'> & { sessionId?: string }): Promise<OperationReport> {
    const p: OperationParams = { ...params, sessionId: params.sessionId ?? newSessionId() };
    const participants = sessionParticipants(p);
    try {
      return await this.runSession(p, participants);
    } catch (e) {
      if (e instanceof CommittedSomewhere) throw e.cause;
      const aborted = await onAll(participants, (n) => this.transport.abort(n, p.keyName, p.sessionId));
      const why = e instanceof LifecycleAbort ? e.message : describe(e);
      const abort = new LifecycleAbort(abortMessage(p, why, [...aborted.ok.keys()], aborted.failed), e instanceof LifecycleAbort ? e.disqualified : []);
      if (e instanceof LifecycleAbort) {
        abort.retryWithout = e.retryWithout;
        abort.prepareRefused = e.prepareRefused;
      }
      throw abort;
    }
  }

  private async runSession(p: OperationParams, participants: number[]): Promise<OperationReport> {
    const t = this.transport;
    const { keyName, sessionId } = p;
    // 1 prepare
    const prepared = await onAll(participants, (n) => t.prepare(n, p));
    if (prepared.failed.size > 0) {
      const refused = new LifecycleAbort(`prepare failed on ${[...prepared.failed].map(([n, r]) => `node ${n} (${r})`).join(', ')}`);
      refused.prepareRefused = [...prepared.failed.keys()].sort((a, b) => a - b);
      throw refused;
    }
    const disqualified = new Map<number, string>();
    const broadcast = new Map<number, Element[]>();
    for (const d of p.dealers) {
      try {
        const C = checkCommitments(this.group, prepared.ok.get(d)!, p.t, { allowZeroSecret: p.kind === 'refresh' });
        if (p.kind === 'reshare') {
          const oldC = p.old!.commitments.map((c) => Uint8Array.from(Buffer.from(c, 'hex')));
          if (!elementsEqual(C[0]!, reshareConstant(this.group, p.dealers, d, publicShare(this.group, oldC, d)))) throw new Error('commitment does not match its old share');
        }
        broadcast.set(d, C);
      } catch (e) {
        disqualified.set(d, `bad commitments: ${describe(e)}`);
      }
    }
    this.log(`prepared ${p.kind} ${sessionId} on nodes ${participants.join(',')}`);

    // 2 deal
    const dealt = await onAll([...broadcast.keys()], (d) => t.deal(d, keyName, sessionId));
    for (const [d, reason] of dealt.failed) disqualified.set(d, `did not deal: ${reason}`);

    // 3 complaints: every receiver must hold a valid share from every remaining dealer, delivered
    // with the dealer's broadcast commitments.
    const statuses = await onAll(p.receivers, (r) => t.status(r, keyName));
    if (statuses.failed.size > 0) throw new LifecycleAbort(`receivers unreachable: ${[...statuses.failed].map(([n, r]) => `node ${n} (${r})`).join(', ')}`);
    const digests = new Map([...broadcast].map(([d, C]) => [d, commitmentsDigest(C)] as const));
    for (const [r, s] of statuses.ok) {
      if (s.sessionId !== sessionId) throw new LifecycleAbort(`node ${r} is not in session ${sessionId}`);
      for (const { dealer, digest } of s.receivedDigests ?? []) {
        const expected = digests.get(dealer);
        if (expected && !disqualified.has(dealer) && !constantTimeEqual(expected, digest)) {
          disqualified.set(dealer, `equivocation: dealer ${dealer} delivered node ${r} commitments that differ from the ones it broadcast`);
          this.log(`dealer ${dealer} disqualified: it sent node ${r} another dealing than it broadcast`);
        }
      }
    }
    for (const [r, s] of statuses.ok) {
      for (const d of broadcast.keys()) {
        if (disqualified.has(d) || s.received.includes(d)) continue;
        try {
          const res = await t.redeliver(d, keyName, sessionId, r);
          if (!res.accepted) throw new Error(res.complaint || 'refused');
          this.log(`complaint of node ${r} against dealer ${d} resolved: share delivered again, directly`);
        } catch (e) {
          disqualified.set(d, `complaint of node ${r} upheld: ${describe(e)}`);
          this.log(`dealer ${d} disqualified: ${describe(e)}`);
        }
      }
    }
    const qualified = p.dealers.filter((d) => !disqualified.has(d) && broadcast.has(d));
    const named = [...disqualified].map(([index, reason]) => ({ index, reason }));
    if (p.kind === 'reshare' && qualified.length !== p.dealers.length) {
      const abort = new LifecycleAbort(`reshare dealer(s) ${named.map((d) => d.index).join(',')} disqualified`, named);
      // Start again without dealers caught misbehaving (they answered, so they also abort this
      // session). A dealer that did not answer is not left behind: it may hold this session
      // pending and its old share; the reshare aborts and is run again when it is back.
      if (named.every((d) => !/^did not deal/.test(d.reason))) abort.retryWithout = named;
      throw abort;
    }
    if (p.kind !== 'reshare' && qualified.length < p.t) throw new LifecycleAbort(`only ${qualified.length} qualified dealers, need t = ${p.t}`, named);

    // 4 finalize
    const transcript = transcriptHash({ ...p, qualified, dealings: broadcast });
    const base = p.kind === 'refresh' ? p.old!.commitments.map((c) => Uint8Array.from(Buffer.from(c, 'hex'))) : undefined;
    const commitments = sumCommitments(this.group, qualified.map((d) => broadcast.get(d)!), base);
    const finals = await onAll(participants, (n) => t.finalize(n, keyName, sessionId, qualified, transcript));
    if (finals.failed.size > 0) throw new LifecycleAbort(`finalize failed on ${[...finals.failed].map(([n, r]) => `node ${n} (${r})`).join(', ')}`, named);
    const publicShares = new Map(p.receivers.map((r) => [r, publicShare(this.group, commitments, r)] as const));
    for (const r of p.receivers) {
      if (!elementsEqual(finals.ok.get(r)!.publicShare, publicShares.get(r)!)) throw new LifecycleAbort(`node ${r} computed a different public share`, named);
    }
    if (p.kind !== 'dkg' && !elementsEqual(commitments[0]!, base?.[0] ?? Uint8Array.from(Buffer.from(p.old!.commitments[0]!, 'hex')))) {
      throw new LifecycleAbort('new commitments do not keep pkS', named);
    }

    // 5 canary
    await this.canary(p, publicShares);

    // 6 commit: receivers first (each checks the others are ready), then witnesses (each checks
    // every participant), then dealers that leave (each checks every receiver committed). Roll
    // forward once anyone has committed.
    const witnesses = p.witnesses ?? [];
    const leaving = participants.filter((n) => !p.receivers.includes(n) && !witnesses.includes(n));
    const committed = await onAll(p.receivers, (n) => t.commit(n, keyName, sessionId));
    if (committed.failed.size > 0) {
      const retry = await onAll([...committed.failed.keys()], (n) => t.commit(n, keyName, sessionId));
      if (retry.failed.size > 0) {
        if (retry.failed.size === p.receivers.length) throw new LifecycleAbort(`commit refused by every receiver: ${[...retry.failed].map(([n, r]) => `node ${n} (${r})`).join(', ')}`, named);
        throw new CommittedSomewhere(
          new LifecycleAbort(
            `${p.kind} ${sessionId} committed on some nodes but not on ${[...retry.failed.keys()].join(',')}; run \`splitkey key abort-op ${keyName}\` when they are back (it rolls forward)`,
            named,
          ),
        );
      }
    }
    const witnessed = await onAll(witnesses, (n) => t.commit(n, keyName, sessionId));
    const left = await onAll(leaving, (n) => t.commit(n, keyName, sessionId));
    if (witnessed.failed.size > 0 || left.failed.size > 0) {
      const behind = [
        ...(left.failed.size > 0 ? [`old holder(s) ${[...left.failed.keys()].join(',')} have not erased their share yet`] : []),
        ...(witnessed.failed.size > 0 ? [`witness(es) ${[...witnessed.failed].map(([n, r]) => `node ${n} (${r})`).join(', ')} did not commit it yet`] : []),
      ];
      throw new CommittedSomewhere(
        new LifecycleAbort(`${p.kind} ${sessionId} committed on the new holders, but ${behind.join(', and ')}; run \`splitkey key abort-op ${keyName}\` when they are back`, named),
      );
    }
    this.log(`committed ${p.kind} ${sessionId}: ${keyName}@${p.version} epoch ${p.epoch}`);
    return { sessionId, kind: p.kind, keyName, version: p.version, epoch: p.epoch, publicKey: commitments[0]!, publicShares, disqualified: named };
  }

  /** Every t-subset of the new shares gives one answer; refresh/reshare: the old shares' answer. */
  private async canary(p: OperationParams, publicShares: Map<number, Uint8Array>): Promise<void> {
    const suite = createSuite(this.group);
    const rng = systemRng;
    const { blindedElement: B } = blind(suite, randomBytes(32), rng);
    const verified = async (nodes: number[], current: boolean, pks: Map<number, Uint8Array>) => {
      const res = await onAll(nodes, (n) => this.transport.canary(n, p.keyName, p.sessionId, [B], current));
      const out = new Map<number, Element>();
      for (const [n, r] of res.ok) {
        if (r.evaluated.length === 1 && verifyProof(suite, GENERATOR, pks.get(n)!, [B], r.evaluated, r.proof)) out.set(n, r.evaluated[0]!);
      }
      return { out, failed: res.failed };
    };
    const fresh = await verified(p.receivers, false, publicShares);
    if (fresh.out.size < p.receivers.length) throw new LifecycleAbort(`canary: nodes ${p.receivers.filter((r) => !fresh.out.has(r)).join(',')} gave no valid answer with their new share`);
    const entries = [...fresh.out].map(([index, element]) => ({ index, element }));
    const combined = new Set<string>();
    for (let start = 0; start + p.t <= entries.length; start++) combined.add(toHex(combinePartials(this.group, entries.slice(start, start + p.t))));
    combined.add(toHex(combinePartials(this.group, entries.slice(entries.length - p.t))));
    if (combined.size !== 1) throw new LifecycleAbort('canary: different subsets of the new shares disagree');
    if (p.kind === 'dkg') return;
    const oldC = p.old!.commitments.map((c) => Uint8Array.from(Buffer.from(c, 'hex')));
    const oldPks = new Map(p.old!.nodeIndices.map((i) => [i, publicShare(this.group, oldC, i)] as const));
    const oldHolders = p.kind === 'reshare' ? p.dealers : p.receivers;
    const old = await verified(oldHolders, true, oldPks);
    if (old.out.size < p.old!.t) throw new LifecycleAbort('canary: too few old shares answered to compare');
    const oldEntries = [...old.out].slice(0, p.old!.t).map(([index, element]) => ({ index, element }));
    if (toHex(combinePartials(this.group, oldEntries)) !== [...combined][0]) throw new LifecycleAbort('canary: the new shares do not evaluate like the old ones');
  }

  /**
   * Finish (roll forward) or cancel whatever session is pending on a key after a crash. Rolls
   * forward only when every receiver reports the session ready or committed with one transcript;
   * otherwise aborts. Either way each node checks its own evidence and refuses what it
   * contradicts, so one lying status cannot make honest nodes commit or erase.
   */
  async resolvePending(keyName: string, nodes: number[]): Promise<{ sessionId: string; outcome: 'none' | 'aborted' | 'committed'; unreachable: number[] }> {
    // A node may still be finishing a commit or an abort it was asked for earlier (its intent is
    // persisted and reported, so the others refuse meanwhile): look again a few times.
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.resolveOnce(keyName, nodes);
      } catch (e) {
        if (!(e instanceof LifecycleAbort) || !/ is (aborting|committing)\b|being committed/.test(e.message) || attempt >= 5) throw e;
        await new Promise((r) => setTimeout(r, 400 * attempt));
      }
    }
  }

  private async resolveOnce(keyName: string, nodes: number[]): Promise<{ sessionId: string; outcome: 'none' | 'aborted' | 'committed'; unreachable: number[] }> {
    const statuses = await onAll(nodes, (n) => this.transport.status(n, keyName));
    if (statuses.ok.size === 0) throw new LifecycleAbort(`no node answered: ${[...statuses.failed].map(([n, r]) => `node ${n} (${r})`).join(', ')}`);
    // The session most nodes report pending (one node's word does not choose it).
    const counts = new Map<string, { n: number; status: OperationStatus }>();
    for (const s of statuses.ok.values()) if (s.sessionId) counts.set(s.sessionId, { n: (counts.get(s.sessionId)?.n ?? 0) + 1, status: s });
    const pending = [...counts.values()].sort((a, b) => b.n - a.n)[0]?.status;
    const unreachable = [...statuses.failed.keys()].sort((a, b) => a - b);
    // Nothing pending on the nodes that answered: a silent node may still hold a prepared state
    // of its own (harmless: nobody can commit without it); the caller reports it.
    if (!pending) return { sessionId: '', outcome: 'none', unreachable };
    const session = pending.sessionId;
    const receivers = pending.receivers ?? [];
    const participants = [...new Set([...receivers, ...(pending.dealers ?? []), ...(pending.witnesses ?? [])])];
    // Asked again about this session: a node that committed it answers so, even if other sessions
    // on the key committed since (its "last" session is then another one).
    const about = await onAll(nodes, (n) => this.transport.status(n, keyName, session));
    const view = (r: number) => {
      const s = about.ok.get(r) ?? statuses.ok.get(r);
      if (!s) return undefined;
      if (s.sessionId === session && s.phase === 'ready') return toHex(s.transcript ?? new Uint8Array(0));
      if (s.lastCommittedSession === session) return toHex(s.lastCommittedTranscript ?? new Uint8Array(0));
      return undefined;
    };
    // Roll forward only if every participant (the leaving dealers too) is ready or committed with one transcript.
    const transcripts = new Set(participants.map(view));
    const only = [...transcripts][0];
    const allReady = receivers.length > 0 && transcripts.size === 1 && typeof only === 'string' && only.length > 0;
    if (allReady) {
      // Receivers first, then dealers that leave (they erase only after the receivers committed).
      const order = [...receivers, ...nodes.filter((n) => !receivers.includes(n))];
      const failed: string[] = [];
      for (const group of [receivers, order.slice(receivers.length)]) {
        const res = await onAll(group, (n) => this.transport.commit(n, keyName, session));
        failed.push(...[...res.failed].filter(([, r]) => !/not pending/.test(r)).map(([n, r]) => `node ${n} (${r})`));
      }
      if (failed.length > 0) throw new LifecycleAbort(`could not finish session ${session} on ${failed.join(', ')}`);
      return { sessionId: session, outcome: 'committed', unreachable };
    }
    const res = await onAll(nodes, (n) => this.transport.abort(n, keyName, session));
    // A node that did not answer the status call and is no participant has nothing known to
    // abort: its failure (down, or its channel still in reconnect backoff) is reported, not fatal.
    // A node that answered and then refuses stays fatal, with its reason: a liar's made-up session
    // (winning the count) must not turn an honest node's "another session is pending" into silence.
    const excused = (n: number) => !statuses.ok.has(n) && !participants.includes(n);
    const fatal = [...res.failed].filter(([n]) => !excused(n));
    if (fatal.length > 0) throw new LifecycleAbort(`could not abort session ${session}: ${fatal.map(([n, r]) => `node ${n} (${r})`).join(', ')}`);
    const missed = [...new Set([...unreachable, ...res.failed.keys()])].sort((a, b) => a - b);
    return { sessionId: session, outcome: 'aborted', unreachable: missed };
  }

  /**
   * Erase a version's shares on every node. `unreachable`: the nodes that could not be reached or
   * refused (each may still hold a share of the version, or of a pending session on it: run the
   * destroy again once they answer); `holdsNothing`: nodes that answered NOT_FOUND (they hold no
   * such version; a pending session on it there was dropped). `expected`: per node, the digest of
   * the record it must still hold to erase it.
   */
  async destroy(
    keyName: string,
    version: number,
    nodes: number[],
    expected?: ReadonlyMap<number, string>,
    order?: SignedDestroyOrder,
  ): Promise<{ destroyed: number[]; unreachable: { index: number; reason: string }[]; holdsNothing: number[]; receipts: SignedReceipt[]; orderKept: number[] }> {
    const holdsNothing: number[] = [];
    const res = await onAll(nodes, (n) =>
      this.transport.destroy(n, keyName, version, expected?.get(n), order).catch((e: unknown) => {
        if ((e as { code?: number }).code === 5) holdsNothing.push(n);
        throw e;
      }),
    );
    return {
      destroyed: [...res.ok.keys()].sort((a, b) => a - b),
      unreachable: [...res.failed].filter(([index]) => !holdsNothing.includes(index)).map(([index, reason]) => ({ index, reason })),
      holdsNothing: holdsNothing.sort((a, b) => a - b),
      receipts: [...res.ok.values()].flatMap((a) => (a.receipt ? [a.receipt] : [])).sort((a, b) => a.node - b.node),
      orderKept: [...res.ok].filter(([, a]) => a.orderKept).map(([n]) => n).sort((a, b) => a - b),
    };
  }

}

/**
 * What an operation that did not complete left behind. Aborted on every participant: the old
 * state is kept (a node that had committed would have refused the abort). Not on some: those may
 * have finished the operation before they went silent, so nothing is known yet — `key abort-op`
 * (resolvePending) commits it everywhere if every participant turns out ready or committed with
 * one transcript, and aborts it everywhere otherwise.
 */
export function abortMessage(p: Pick<OperationParams, 'kind' | 'keyName' | 'version' | 'sessionId'>, why: string, abortedOn: number[], notAborted: Map<number, string>): string {
  const op = `${p.kind} of ${p.keyName}@${p.version}`;
  if (notAborted.size === 0) return `${op} aborted, old state kept: ${why}`;
  const stuck = [...notAborted].sort(([a], [b]) => a - b);
  const list = (ns: number[]) => `node${ns.length > 1 ? 's' : ''} ${ns.join(',')}`;
  return (
    `${op} did not complete: ${why}. ` +
    (abortedOn.length > 0 ? `Aborted on ${list([...abortedOn].sort((a, b) => a - b))}; ` : '') +
    `could not abort on ${stuck.map(([n, r]) => `node ${n} (${r})`).join(', ')}. ` +
    `Whether session ${p.sessionId} committed is not known until ${stuck.length > 1 ? 'they answer' : 'it answers'}: ` +
    `run \`splitkey key abort-op ${p.keyName}\` when ${stuck.length > 1 ? 'they are' : 'it is'} back — it finishes the operation everywhere if every participant is ready or committed with one transcript, and aborts it everywhere otherwise`
  );
}

/** Internal: the session committed on some node, so it must not be aborted. */
class CommittedSomewhere extends Error {
  constructor(override readonly cause: LifecycleAbort) {
    super(cause.message);
  }
}
