/**
 * The lifecycle protocols as state machines without a network: the coordinator drives pure
 * participants through an in-memory transport that can corrupt or drop messages.
 */
import { describe, expect, it } from 'vitest';
import { abortMessage, LifecycleAbort, LifecycleCoordinator, type LifecycleTransport } from '../client/lifecycle.js';
import {
  createDealing,
  evaluatePartial,
  finalizeParticipant,
  fromHex,
  interpolateSecret,
  loadGroup,
  prepareParticipant,
  publicShare,
  receiveShare,
  scalarFromBigint,
  shareFor,
  receivedDigests,
  complainsAbout,
  createSuite,
  toHex,
  type OperationParams,
  type ParticipantState,
} from '../crypto/index.js';
import { deterministicRng } from './helpers/rng.js';

const group = await loadGroup('sodium');
const suite = createSuite(group);

interface Committed {
  share: Uint8Array;
  commitments: string[];
  epoch: number;
  t: number;
  nodeIndices: number[];
}

/** n participants in memory, with fault injection. */
class MemoryNet implements LifecycleTransport {
  states = new Map<number, ParticipantState>();
  committed = new Map<number, Committed>();
  silent = new Set<number>();
  /** dealer → receiver whose share is corrupted (and whether the dealer delivers it right when asked again). */
  corrupt = new Map<number, { receiver: number; revealHonestly: boolean }>();
  /** dealer → receiver sent another, self-consistent dealing than the one broadcast (equivocation). */
  equivocate = new Map<number, number>();
  /** (dealer, receiver) of every share delivered again in the complaint round. */
  sentAgain: [number, number][] = [];
  rng = deterministicRng('net');

  private node(n: number): void {
    if (this.silent.has(n)) throw new Error(`node ${n} unavailable`);
  }
  private state(n: number): ParticipantState {
    const s = this.states.get(n);
    if (!s) throw new Error(`node ${n}: no pending operation`);
    return s;
  }
  async prepare(n: number, p: OperationParams) {
    this.node(n);
    const old = this.committed.get(n)?.share;
    const s = prepareParticipant(group, p, n, this.rng, old);
    this.states.set(n, s);
    return s.dealing ? s.dealing.commitments.map((c) => fromHex(c)) : [];
  }
  async deal(n: number) {
    this.node(n);
    const s = this.state(n);
    const delivered: number[] = [];
    for (const r of s.params.receivers) {
      if (this.silent.has(r)) continue;
      const { commitments, share } = shareFor(s, r);
      const bad = this.corrupt.get(n);
      const sent = bad?.receiver === r ? group.scalarAdd(share, scalarFromBigint(1n)) : share;
      if (this.equivocate.get(n) === r) {
        // Another polynomial with the same prescribed constant: self-consistent, passes every check of the receiver.
        const other = createDealing(group, { kind: s.params.kind, t: s.params.t, receivers: s.params.receivers, dealers: s.params.dealers, self: n, oldShare: this.committed.get(n)?.share }, this.rng);
        this.states.set(r, receiveShare(group, this.state(r), n, other.commitments, other.shares.get(r)!));
      } else {
        this.states.set(r, receiveShare(group, this.state(r), n, commitments, sent));
      }
      delivered.push(r);
    }
    return { delivered, failed: [] };
  }
  async status(n: number) {
    this.node(n);
    const s = this.states.get(n);
    return {
      sessionId: s?.params.sessionId ?? '',
      phase: s?.phase ?? '',
      received: Object.keys(s?.received ?? {}).map(Number),
      lastCommittedSession: '',
      receivedDigests: s ? [...receivedDigests(s)].map(([dealer, digest]) => ({ dealer, digest })) : [],
      receivers: s?.params.receivers ?? [],
    };
  }
  async redeliver(n: number, _k: string, _s: string, receiver: number) {
    this.node(n);
    if (!complainsAbout(this.state(receiver), n)) return { accepted: true, complaint: '' };
    const { commitments, share } = shareFor(this.state(n), receiver);
    this.sentAgain.push([n, receiver]);
    const bad = this.corrupt.get(n);
    const sent = bad?.receiver === receiver && !bad.revealHonestly ? group.scalarAdd(share, scalarFromBigint(1n)) : share;
    const next = receiveShare(group, this.state(receiver), n, commitments, sent);
    this.states.set(receiver, next);
    const complaint = next.complaints[String(n)];
    return { accepted: !complaint, complaint: complaint ?? '' };
  }
  async finalize(n: number, _k: string, _s: string, qualified: number[], transcript: Uint8Array) {
    this.node(n);
    const s = this.state(n);
    const next = finalizeParticipant(group, s, qualified, transcript, this.committed.get(n)?.share);
    this.states.set(n, next);
    if (!s.params.receivers.includes(n)) return { publicShare: new Uint8Array(0), commitments: [] };
    const C = next.ready!.commitments.map((c) => fromHex(c));
    return { publicShare: publicShare(group, C, n), commitments: C };
  }
  async canary(n: number, _k: string, _s: string, blinded: Uint8Array[], current: boolean) {
    this.node(n);
    const s = this.state(n);
    const share = current ? this.committed.get(n)!.share : fromHex(s.ready!.share);
    const C = (current ? this.committed.get(n)!.commitments : s.ready!.commitments).map((c) => fromHex(c));
    const r = evaluatePartial(suite, { index: n, value: share }, publicShare(group, C, n), blinded, this.rng);
    return { evaluated: r.evaluatedElements, proof: r.proof };
  }
  async commit(n: number) {
    this.node(n);
    const s = this.state(n);
    // Like a real node: ready itself; receivers need every receiver ready (or committed) with
    // the same transcript, a leaving dealer needs every receiver committed.
    if (s.phase !== 'ready') throw new Error(`node ${n} is not ready`);
    for (const r of s.params.receivers) {
      const other = this.states.get(r);
      const committedHere = !other && this.committed.has(r);
      if (s.params.receivers.includes(n) ? !committedHere && other?.ready?.transcript !== s.ready!.transcript : !committedHere) throw new Error(`node ${r} is not ready`);
    }
    if (s.params.receivers.includes(n)) {
      this.committed.set(n, { share: fromHex(s.ready!.share), commitments: s.ready!.commitments, epoch: s.params.epoch, t: s.params.t, nodeIndices: s.params.receivers });
    } else this.committed.delete(n);
    this.states.delete(n);
    return true;
  }
  async abort(n: number) {
    this.node(n);
    const had = this.states.get(n)?.params.sessionId ?? '';
    this.states.delete(n);
    return had;
  }
  async destroy() {
    return { destroyedNow: true };
  }
  secret(nodes: number[]) {
    return toHex(interpolateSecret(group, nodes.map((i) => ({ index: i, value: this.committed.get(i)!.share }))));
  }
}

const base = { keyName: 'acme/k', version: 1, epoch: 1 };
const all = [1, 2, 3, 4, 5];

async function dkg(net: MemoryNet, t = 3) {
  const coordinator = await LifecycleCoordinator.create(net);
  return coordinator.run({ ...base, kind: 'dkg', t, receivers: all, dealers: all });
}

describe('DKG state machine', () => {
  it('honest run: every t-subset of the shares gives the same k, and k·G = pkS', async () => {
    const net = new MemoryNet();
    const report = await dkg(net);
    const k = net.secret([1, 2, 3]);
    for (const subset of [[1, 2, 3], [2, 4, 5], [1, 3, 5], [1, 2, 3, 4, 5]]) expect(net.secret(subset)).toBe(k);
    expect(toHex(group.mulBase(fromHex(k)))).toBe(toHex(report.publicKey));
    for (const i of all) expect(toHex(report.publicShares.get(i)!)).toBe(toHex(group.mulBase(net.committed.get(i)!.share)));
  });

  it('a dealer sending an inconsistent share, and standing by it, is disqualified by name; DKG completes without it', async () => {
    const net = new MemoryNet();
    net.corrupt.set(2, { receiver: 4, revealHonestly: false });
    const report = await dkg(net);
    expect(report.disqualified.map((d) => d.index)).toEqual([2]);
    expect(report.disqualified[0]!.reason).toMatch(/complaint of node 4 upheld/);
    expect(net.secret([1, 2, 3])).toBe(net.secret([3, 4, 5]));
  });

  it('a complaint answered with a share that verifies keeps the dealer', async () => {
    const net = new MemoryNet();
    net.corrupt.set(3, { receiver: 1, revealHonestly: true });
    const report = await dkg(net);
    expect(report.disqualified).toEqual([]);
    expect(net.secret([1, 2, 3])).toBe(net.secret([1, 4, 5]));
  });

  it('a node silent from the start aborts cleanly: nothing pending, nothing committed', async () => {
    const net = new MemoryNet();
    net.silent.add(5);
    const err = await dkg(net).catch((e) => e);
    expect(err).toBeInstanceOf(LifecycleAbort);
    expect((err as Error).message).toMatch(/node 5/);
    expect(net.states.size).toBe(0);
    expect(net.committed.size).toBe(0);
  });

  it('a node lost mid-operation: the message does not claim the old state was kept, names the node, and sends the operator to abort-op (which then aborts)', async () => {
    const net = new MemoryNet();
    const prepare = net.prepare.bind(net);
    // Node 5 prepares, then goes silent: it holds the session pending and cannot be told to abort.
    net.prepare = async (n, p) => {
      const r = await prepare(n, p);
      if (n === 5) net.silent.add(5);
      return r;
    };
    const err = (await dkg(net).catch((e) => e)) as LifecycleAbort;
    expect(err).toBeInstanceOf(LifecycleAbort);
    expect(err.message).not.toMatch(/old state kept/);
    expect(err.message).toMatch(/^dkg of acme\/k@1 did not complete: /);
    expect(err.message).toMatch(/Aborted on nodes 1,2,3,4; could not abort on node 5 \(node 5 unavailable\)/);
    expect(err.message).toMatch(/run `splitkey key abort-op acme\/k` when it is back — it finishes the operation everywhere if every participant is ready or committed with one transcript, and aborts it everywhere otherwise/);
    expect([...net.states.keys()]).toEqual([5]);
    // Back: abort-op finds the session pending on node 5 alone and aborts it, as the message said it might.
    net.silent.clear();
    const coordinator = await LifecycleCoordinator.create(net);
    expect(await coordinator.resolvePending('acme/k', all)).toMatchObject({ outcome: 'aborted' });
    expect(net.states.size).toBe(0);
  });

  it('abort-op: a node outside the pending session that does not answer is reported, not fatal; a silent participant still is', async () => {
    const net = new MemoryNet();
    const coordinator = await LifecycleCoordinator.create(net);
    const params = { ...base, kind: 'dkg' as const, sessionId: 'ab'.repeat(16), t: 2, receivers: [1, 2, 3], dealers: [1, 2, 3] };
    for (const n of params.receivers) await net.prepare(n, params);
    net.silent.add(5);
    expect(await coordinator.resolvePending('acme/k', all)).toEqual({ sessionId: params.sessionId, outcome: 'aborted', unreachable: [5] });
    expect(net.states.size).toBe(0);
    for (const n of params.receivers) await net.prepare(n, params);
    net.silent.add(3);
    const err = (await coordinator.resolvePending('acme/k', all).catch((e) => e)) as LifecycleAbort;
    expect(err).toBeInstanceOf(LifecycleAbort);
    expect(err.message).toBe(`could not abort session ${params.sessionId}: node 3 (node 3 unavailable)`);
    expect([...net.states.keys()]).toEqual([3]);
    // A node that answered the status call and refuses the abort stays fatal, with its reason: a
    // liar's made-up session (answered first, so it wins a one-to-one count) must not turn an
    // honest node's refusal into "did not answer" (a review's attack on the rule above).
    const fake = 'ff'.repeat(16);
    const honest = new MemoryNet();
    await honest.prepare(3, params); // the real session, pending on node 3 alone (one voice each)
    const liar: LifecycleTransport = Object.assign(Object.create(honest) as MemoryNet, {
      status: async (n: number) => (n === 4 ? { sessionId: fake, phase: 'prepared', received: [], lastCommittedSession: '', receivers: [4] } : honest.status(n)),
      abort: async (n: number, k: string, s: string) => {
        if (n === 4) return s;
        const held = honest.states.get(n)?.params.sessionId;
        if (held && held !== s) throw new Error(`the pending operation on ${k} is ${held}, not ${s}`);
        return honest.abort(n);
      },
    });
    const refused = (await (await LifecycleCoordinator.create(liar)).resolvePending('acme/k', [4, 1, 2, 3, 5]).catch((e) => e)) as LifecycleAbort;
    expect(refused).toBeInstanceOf(LifecycleAbort);
    expect(refused.message).toMatch(new RegExp(`^could not abort session ${fake}: node \\d \\(the pending operation on acme/k is ${params.sessionId}, not ${fake}\\)`));
  });

  it('aborted on every participant: then, and only then, "old state kept"', () => {
    const p = { kind: 'refresh' as const, keyName: 'acme/k', version: 2, sessionId: 's1' };
    expect(abortMessage(p, 'canary failed', [1, 2, 3], new Map())).toBe('refresh of acme/k@2 aborted, old state kept: canary failed');
    const two = abortMessage(p, 'commit refused by every receiver', [1], new Map([[3, 'deadline exceeded'], [2, 'unavailable']]));
    expect(two).toMatch(/^refresh of acme\/k@2 did not complete: commit refused by every receiver\. Aborted on node 1; could not abort on node 2 \(unavailable\), node 3 \(deadline exceeded\)\. Whether session s1 committed is not known until they answer: run `splitkey key abort-op acme\/k` when they are back/);
  });

  it('too many disqualified dealers abort instead of producing a weak key', async () => {
    const net = new MemoryNet();
    for (const d of [1, 2, 3]) net.corrupt.set(d, { receiver: (d % 5) + 1, revealHonestly: false });
    const err = await dkg(net).catch((e) => e);
    expect(err).toBeInstanceOf(LifecycleAbort);
    expect((err as LifecycleAbort).disqualified.map((d) => d.index)).toEqual([1, 2, 3]);
    expect(net.committed.size).toBe(0);
  });
});

describe('complaint round: no share reaches the coordinator', () => {
  it('a missing share is delivered again to its receiver only; the coordinator learns the outcome, never the share', async () => {
    const net = new MemoryNet();
    net.corrupt.set(3, { receiver: 1, revealHonestly: true });
    const p: OperationParams = { ...base, sessionId: 'ab'.repeat(16), kind: 'dkg', t: 3, receivers: all, dealers: all };
    for (const i of all) await net.prepare(i, p);
    for (const i of all) await net.deal(i);
    expect(complainsAbout(net.states.get(1)!, 3)).toBe(true);
    const res = await net.redeliver(3, 'acme/k', p.sessionId, 1);
    expect(res).toEqual({ accepted: true, complaint: '' });
    expect(Object.keys(res)).not.toContain('share');
    expect(complainsAbout(net.states.get(1)!, 3)).toBe(false);
    // A receiver that holds a valid share: nothing is sent again.
    expect(net.sentAgain).toEqual([[3, 1]]);
    expect(await net.redeliver(3, 'acme/k', p.sessionId, 2)).toEqual({ accepted: true, complaint: '' });
    expect(net.sentAgain).toEqual([[3, 1]]);
  });

  it('redelivery has no t-1 cap to run into (DKG with t = 1 completes even with a complaint)', async () => {
    const net = new MemoryNet();
    net.corrupt.set(2, { receiver: 1, revealHonestly: true });
    const coordinator = await LifecycleCoordinator.create(net);
    const report = await coordinator.run({ ...base, kind: "dkg", t: 1, receivers: [1, 2, 3], dealers: [1, 2, 3] });
    expect(report.disqualified).toEqual([]);
    expect(net.secret([1])).toBe(net.secret([3]));
  });

  it('scenario 6: a participant refuses a qualified set smaller than t, whatever the coordinator says', async () => {
    const net = new MemoryNet();
    const p: OperationParams = { ...base, sessionId: 'cd'.repeat(16), kind: 'dkg', t: 3, receivers: all, dealers: all };
    for (const i of all) await net.prepare(i, p);
    for (const i of all) await net.deal(i);
    const { transcriptHash } = await import('../crypto/index.js');
    const dealings = new Map([[1, net.states.get(2)!.received['1']!.commitments.map((c) => fromHex(c))]]);
    const transcript = transcriptHash({ ...p, qualified: [1], dealings });
    expect(() => finalizeParticipant(group, net.states.get(2)!, [1], transcript)).toThrow(/only 1 qualified dealers.*at least t = 3/);
  });

  it('scenario 7: an equivocating dealer is named and disqualified; its victim is not blamed and the DKG completes', async () => {
    const net = new MemoryNet();
    net.equivocate.set(4, 2);
    const report = await dkg(net);
    expect(report.disqualified.map((d) => d.index)).toEqual([4]);
    expect(report.disqualified[0]!.reason).toMatch(/equivocation: dealer 4 delivered node 2/);
    expect(net.secret([1, 2, 3])).toBe(net.secret([2, 4, 5]));
  });
});

describe('refresh and reshare state machines', () => {
  it('refresh re-randomizes every share and keeps k; reshare moves k to new nodes and threshold', async () => {
    const net = new MemoryNet();
    const created = await dkg(net);
    const k = net.secret([1, 2, 3]);
    const old = (n: number) => ({ t: 3, nodeIndices: all, commitments: net.committed.get(n)!.commitments, epoch: net.committed.get(n)!.epoch });
    const before = toHex(net.committed.get(1)!.share);
    const coordinator = await LifecycleCoordinator.create(net);
    const refreshed = await coordinator.run({ ...base, kind: 'refresh', t: 3, receivers: all, dealers: all, epoch: 2, old: old(1) });
    expect(toHex(net.committed.get(1)!.share)).not.toBe(before);
    expect(net.secret([2, 3, 5])).toBe(k);
    expect(toHex(refreshed.publicKey)).toBe(toHex(created.publicKey));

    const moved = await coordinator.run({ ...base, kind: 'reshare', t: 2, receivers: [2, 6, 7], dealers: [1, 3, 4], epoch: 3, old: old(1) });
    expect(net.committed.has(1)).toBe(false);
    expect(net.secret([6, 7])).toBe(k);
    expect(net.secret([2, 7])).toBe(k);
    expect(toHex(moved.publicKey)).toBe(toHex(created.publicKey));
  });

  it('reshare completes with any t honest old holders: an equivocating dealer is dropped and the reshare runs again without it', async () => {
    const net = new MemoryNet();
    await dkg(net);
    const k = net.secret([1, 2, 3]);
    const old = { t: 3, nodeIndices: all, commitments: net.committed.get(1)!.commitments, epoch: 1 };
    net.equivocate.set(2, 4);
    const coordinator = await LifecycleCoordinator.create(net);
    const report = await coordinator.run({ ...base, kind: "reshare", t: 3, receivers: all, dealers: [1, 2, 3, 4], epoch: 2, old });
    expect(report.disqualified.map((d) => d.index)).toEqual([2]);
    expect(report.disqualified[0]!.reason).toMatch(/equivocation: dealer 2 delivered node 4/);
    expect(net.secret([1, 4, 5])).toBe(k);
    expect(net.committed.get(1)!.epoch).toBe(2);
  });

  it('a reshare dealer that deals something else than its weighted old share is caught and the reshare aborts', async () => {
    const net = new MemoryNet();
    await dkg(net);
    const k = net.secret([1, 2, 3]);
    const old = { t: 3, nodeIndices: all, commitments: net.committed.get(1)!.commitments, epoch: 1 };
    net.committed.get(3)!.share = group.scalarAdd(net.committed.get(3)!.share, scalarFromBigint(5n)); // node 3 lies about its share
    const coordinator = await LifecycleCoordinator.create(net);
    const err = await coordinator.run({ ...base, kind: 'reshare', t: 3, receivers: [1, 2, 4, 5, 6], dealers: [1, 2, 3], epoch: 2, old }).catch((e) => e);
    expect(err).toBeInstanceOf(LifecycleAbort);
    expect((err as LifecycleAbort).disqualified.map((d) => d.index)).toEqual([3]);
    expect(net.committed.has(6)).toBe(false);
    net.committed.get(3)!.share = group.scalarSub(net.committed.get(3)!.share, scalarFromBigint(5n));
    expect(net.secret([1, 2, 3])).toBe(k);
  });
});

describe('participant checks, each by name (a check deleted makes a test fail)', () => {
  const p = (over: Partial<OperationParams> = {}): OperationParams => ({ ...base, sessionId: 'ef'.repeat(16), kind: 'dkg', t: 3, receivers: all, dealers: all, ...over });

  it('the qualified set: indices, a subset of the dealers, |Q| ≥ t for DKG and refresh, every dealer for reshare', async () => {
    const { checkQualified, LifecycleError } = await import('../crypto/index.js');
    const code = (fn: () => void) => {
      try {
        fn();
        return 'ok';
      } catch (e) {
        expect(e).toBeInstanceOf(LifecycleError);
        return `${(e as { code: string }).code}: ${(e as Error).message}`;
      }
    };
    expect(code(() => checkQualified(p(), [1, 2, 3]))).toBe('ok');
    expect(code(() => checkQualified(p(), [1, 2]))).toMatch(/^BAD_PARAMS: only 2 qualified dealers; a dkg needs at least t = 3/);
    expect(code(() => checkQualified(p({ kind: 'refresh' }), [1, 2]))).toMatch(/^BAD_PARAMS: only 2 qualified dealers; a refresh needs/);
    expect(code(() => checkQualified(p(), [1, 2, 9]))).toMatch(/^BAD_PARAMS: a qualified dealer is not a dealer/);
    expect(code(() => checkQualified(p(), [1, 1, 2]))).toMatch(/^BAD_PARAMS: .*qualified/);
    expect(code(() => checkQualified(p(), [0, 1, 2]))).toMatch(/^BAD_PARAMS: .*qualified/);
    const reshare = p({ kind: 'reshare', dealers: [3, 1, 2] });
    expect(code(() => checkQualified(reshare, [1, 2, 3]))).toBe('ok');
    expect(code(() => checkQualified(reshare, [1, 2]))).toMatch(/^BAD_PARAMS: reshare needs every dealer qualified/);
  });

  it('only a DKG retires versions: a refresh or reshare with a retire list is refused (a refresh-only admin cannot demote the newest version)', async () => {
    const { checkOperationParams } = await import('../crypto/index.js');
    const old = { t: 3, nodeIndices: all, commitments: [], epoch: 1 };
    expect(() => checkOperationParams(p({ kind: 'refresh', epoch: 2, old, retire: [2] }))).toThrow(/only a DKG \(rotation\) retires versions, not a refresh/);
    expect(() => checkOperationParams(p({ kind: 'reshare', epoch: 2, old, retire: [2] }))).toThrow(/not a reshare/);
    expect(() => checkOperationParams(p({ retire: [1] }))).not.toThrow();
  });

  it('createDealing refuses a threshold out of range and a reshare dealer outside the dealer set', () => {
    const rng = deterministicRng('dealing-checks');
    expect(() => createDealing(group, { kind: 'dkg', t: 0, receivers: [1, 2, 3] }, rng)).toThrow(/t.*must be in \[1, 3\]/);
    expect(() => createDealing(group, { kind: 'dkg', t: 4, receivers: [1, 2, 3] }, rng)).toThrow(/t.*must be in \[1, 3\]/);
    expect(createDealing(group, { kind: 'dkg', t: 3, receivers: [1, 2, 3] }, rng).commitments).toHaveLength(3);
    const share = scalarFromBigint(7n);
    expect(() => createDealing(group, { kind: 'reshare', t: 2, receivers: [1, 2], dealers: [1, 2], self: 3, oldShare: share }, rng)).toThrow(/dealer 3 is not in the dealer set/);
    expect(() => createDealing(group, { kind: 'reshare', t: 2, receivers: [1, 2], dealers: [1, 2] }, rng)).toThrow(/needs dealers, self and the old share/);
  });

  it('a refresh dealing commits to a zero constant; a DKG dealing to a non-identity one', () => {
    const rng = deterministicRng('constants');
    const { IDENTITY, elementsEqual } = { IDENTITY: new Uint8Array(32), elementsEqual: (a: Uint8Array, b: Uint8Array) => toHex(a) === toHex(b) };
    expect(elementsEqual(createDealing(group, { kind: 'refresh', t: 2, receivers: [1, 2] }, rng).commitments[0]!, IDENTITY)).toBe(true);
    expect(elementsEqual(createDealing(group, { kind: 'dkg', t: 2, receivers: [1, 2] }, rng).commitments[0]!, IDENTITY)).toBe(false);
  });

  it('finalize: a dealer that leaves records only the transcript; a node outside the session is refused', () => {
    const rng = deterministicRng('leaving');
    const reshareParams = p({ kind: 'reshare', t: 2, receivers: [2, 3], dealers: [1, 2], epoch: 2, old: { t: 2, nodeIndices: [1, 2, 3], commitments: [], epoch: 1 } });
    const leaving = { params: reshareParams, self: 1, phase: 'prepared' as const, received: {}, complaints: {} };
    const ready = finalizeParticipant(group, leaving, [1, 2], new Uint8Array(32).fill(5));
    expect(ready.phase).toBe('ready');
    expect(ready.ready).toEqual({ share: '', commitments: [], transcript: '05'.repeat(32), qualified: [1, 2] });
    expect(() => finalizeParticipant(group, leaving, [1, 2], new Uint8Array(31))).toThrow(/transcript must be 32 bytes/);
    expect(() => finalizeParticipant(group, { ...leaving, self: 9 }, [1, 2], new Uint8Array(32))).toThrow(/node 9 takes no part/);
    void rng;
  });
});
