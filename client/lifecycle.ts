/**
 * The operator's coordinator for the key lifecycle: DKG (create, rotate), proactive refresh,
 * reshare, destroy. It never sees a share except a disputed one revealed in the complaint round
 * (which the protocol makes public). Steps:
 *
 *   1 prepare   every participant validates the parameters and makes its dealing (persisted)
 *   2 deal      every dealer sends each receiver its share, node to node over mTLS
 *   3 complain  receivers report missing or bad shares; the accused dealer must reveal the share,
 *               which is checked publicly — a dealer that cannot is disqualified by name
 *   4 finalize  receivers combine the qualified dealings and check the transcript hash
 *   5 canary    a blinded canary is evaluated through the new shares (every t-subset agrees, and
 *               for refresh/reshare equals the old shares' answer); any mismatch → abort
 *   6 commit    every participant makes the new state current in one atomic write
 *
 * Any failure before commit aborts the session on every node and keeps the old state. Once a
 * node has committed, the coordinator rolls forward (commit is idempotent); `resolvePending`
 * finishes or cancels a session left behind by a crashed coordinator.
 *
 * The transport is an interface, so tests run the protocol in memory and inject faults.
 */
import { randomBytes } from 'node:crypto';
import {
  GENERATOR,
  blind,
  checkCommitments,
  combinePartials,
  createSuite,
  elementsEqual,
  loadGroup,
  publicShare,
  reshareConstant,
  sumCommitments,
  toHex,
  transcriptHash,
  verifyDealtShare,
  verifyProof,
  type Element,
  type Group,
  type OperationParams,
} from '../crypto/index.js';

export interface LifecycleTransport {
  prepare(node: number, params: OperationParams): Promise<Uint8Array[]>;
  deal(node: number, keyName: string, sessionId: string): Promise<{ delivered: number[]; failed: string[] }>;
  status(node: number, keyName: string): Promise<{ sessionId: string; phase: string; received: number[]; lastCommittedSession: string }>;
  reveal(node: number, keyName: string, sessionId: string, receiver: number): Promise<Uint8Array>;
  acceptRevealed(node: number, keyName: string, sessionId: string, dealer: number, commitments: Uint8Array[], share: Uint8Array): Promise<void>;
  finalize(node: number, keyName: string, sessionId: string, qualified: number[], transcript: Uint8Array): Promise<{ publicShare: Uint8Array; commitments: Uint8Array[] }>;
  canary(node: number, keyName: string, sessionId: string, blinded: Uint8Array[], current: boolean): Promise<{ evaluated: Uint8Array[]; proof: Uint8Array }>;
  commit(node: number, keyName: string, sessionId: string): Promise<boolean>;
  abort(node: number, keyName: string, sessionId: string): Promise<string>;
  destroy(node: number, keyName: string, version: number): Promise<boolean>;
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
    return new LifecycleCoordinator(transport, await loadGroup('sodium'), log);
  }

  /** Run one operation to commit, or abort it everywhere and throw LifecycleAbort. */
  async run(params: Omit<OperationParams, 'sessionId'> & { sessionId?: string }): Promise<OperationReport> {
    const p: OperationParams = { ...params, sessionId: params.sessionId ?? newSessionId() };
    const participants = [...new Set([...p.dealers, ...p.receivers])].sort((a, b) => a - b);
    try {
      return await this.runSession(p, participants);
    } catch (e) {
      if (e instanceof CommittedSomewhere) throw e.cause;
      const aborted = await onAll(participants, (n) => this.transport.abort(n, p.keyName, p.sessionId));
      const stuck = [...aborted.failed.keys()];
      const why = e instanceof LifecycleAbort ? e.message : describe(e);
      throw new LifecycleAbort(
        `${p.kind} of ${p.keyName}@${p.version} aborted, old state kept: ${why}` + (stuck.length ? ` (nodes ${stuck.join(',')} unreachable: run key abort-op when they are back)` : ''),
        e instanceof LifecycleAbort ? e.disqualified : [],
      );
    }
  }

  private async runSession(p: OperationParams, participants: number[]): Promise<OperationReport> {
    const t = this.transport;
    const { keyName, sessionId } = p;
    // 1 prepare
    const prepared = await onAll(participants, (n) => t.prepare(n, p));
    if (prepared.failed.size > 0) throw new LifecycleAbort(`prepare failed on ${[...prepared.failed].map(([n, r]) => `node ${n} (${r})`).join(', ')}`);
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

    // 3 complaints: every receiver must hold a valid share from every remaining dealer.
    const statuses = await onAll(p.receivers, (r) => t.status(r, keyName));
    if (statuses.failed.size > 0) throw new LifecycleAbort(`receivers unreachable: ${[...statuses.failed].map(([n, r]) => `node ${n} (${r})`).join(', ')}`);
    for (const [r, s] of statuses.ok) {
      if (s.sessionId !== sessionId) throw new LifecycleAbort(`node ${r} is not in session ${sessionId}`);
      for (const d of broadcast.keys()) {
        if (disqualified.has(d) || s.received.includes(d)) continue;
        try {
          const share = await t.reveal(d, keyName, sessionId, r);
          verifyDealtShare(this.group, broadcast.get(d)!, d, r, share);
          await t.acceptRevealed(r, keyName, sessionId, d, broadcast.get(d)!, share);
          this.log(`complaint of node ${r} against dealer ${d} resolved by a public reveal`);
        } catch (e) {
          disqualified.set(d, `complaint of node ${r} upheld: ${describe(e)}`);
          this.log(`dealer ${d} disqualified: ${describe(e)}`);
        }
      }
    }
    const qualified = p.dealers.filter((d) => !disqualified.has(d) && broadcast.has(d));
    const named = [...disqualified].map(([index, reason]) => ({ index, reason }));
    if (p.kind === 'reshare' && qualified.length !== p.dealers.length) throw new LifecycleAbort('a reshare dealer was disqualified', named);
    if (p.kind === 'dkg' && qualified.length < p.t) throw new LifecycleAbort(`only ${qualified.length} qualified dealers, need t = ${p.t}`, named);
    if (qualified.length === 0) throw new LifecycleAbort('no qualified dealer', named);

    // 4 finalize
    const transcript = transcriptHash({ sessionId, kind: p.kind, keyName, version: p.version, t: p.t, receivers: p.receivers, qualified, dealings: broadcast });
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

    // 6 commit (roll forward once anyone has committed)
    const committed = await onAll(participants, (n) => t.commit(n, keyName, sessionId));
    if (committed.failed.size > 0) {
      const retry = await onAll([...committed.failed.keys()], (n) => t.commit(n, keyName, sessionId));
      if (retry.failed.size > 0) {
        throw new CommittedSomewhere(
          new LifecycleAbort(
            `${p.kind} ${sessionId} committed on some nodes but not on ${[...retry.failed.keys()].join(',')}; run \`splitkey key abort-op ${keyName}\` when they are back (it rolls forward)`,
            named,
          ),
        );
      }
    }
    this.log(`committed ${p.kind} ${sessionId}: ${keyName}@${p.version} epoch ${p.epoch}`);
    return { sessionId, kind: p.kind, keyName, version: p.version, epoch: p.epoch, publicKey: commitments[0]!, publicShares, disqualified: named };
  }

  /** Every t-subset of the new shares gives one answer; refresh/reshare: the old shares' answer. */
  private async canary(p: OperationParams, publicShares: Map<number, Uint8Array>): Promise<void> {
    const suite = createSuite(this.group);
    const rng = (n: number) => new Uint8Array(randomBytes(n));
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

  /** Finish (roll forward) or cancel whatever session is pending on a key after a crash. */
  async resolvePending(keyName: string, nodes: number[]): Promise<{ sessionId: string; outcome: 'none' | 'aborted' | 'committed' }> {
    const statuses = await onAll(nodes, (n) => this.transport.status(n, keyName));
    const pending = [...statuses.ok.values()].map((s) => s.sessionId).find((s) => s);
    if (!pending) return { sessionId: '', outcome: 'none' };
    const committedSomewhere = [...statuses.ok.values()].some((s) => s.lastCommittedSession === pending);
    if (committedSomewhere) {
      const res = await onAll(nodes, (n) => this.transport.commit(n, keyName, pending));
      const failed = [...res.failed].filter(([, r]) => !/not pending/.test(r));
      if (failed.length > 0) throw new LifecycleAbort(`could not finish session ${pending} on nodes ${failed.map(([n]) => n).join(',')}`);
      return { sessionId: pending, outcome: 'committed' };
    }
    const res = await onAll(nodes, (n) => this.transport.abort(n, keyName, pending));
    if (res.failed.size > 0) throw new LifecycleAbort(`could not abort session ${pending} on nodes ${[...res.failed.keys()].join(',')}`);
    return { sessionId: pending, outcome: 'aborted' };
  }

  /** Erase a version's shares on every node; reports the nodes that could not be reached. */
  async destroy(keyName: string, version: number, nodes: number[]): Promise<{ destroyed: number[]; unreachable: { index: number; reason: string }[] }> {
    const res = await onAll(nodes, (n) => this.transport.destroy(n, keyName, version));
    return { destroyed: [...res.ok.keys()].sort((a, b) => a - b), unreachable: [...res.failed].map(([index, reason]) => ({ index, reason })) };
  }
}

/** Internal: the session committed on some node, so it must not be aborted. */
class CommittedSomewhere extends Error {
  constructor(override readonly cause: LifecycleAbort) {
    super(cause.message);
  }
}
