/**
 * The participant-side checks of crypto/lifecycle.ts, one by one (pure): every parameter a
 * coordinator sends is refused by name when it breaks a rule, and the state machine refuses steps
 * out of order. test/lifecycle.test.ts runs whole sessions; this file makes each check fail alone.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  LifecycleError,
  MAX_LINEAGE,
  lifecycleQuorumSize,
  sameUniverse,
  sessionParticipants,
  checkOperationParams,
  checkQualified,
  committedLineage,
  complainsAbout,
  createDealing,
  finalizeParticipant,
  loadGroup,
  nextLineage,
  outcomeDigest,
  paramsDigest,
  prepareParticipant,
  recordDigest,
  receiveShare,
  fromHex,
  scalarFromBigint,
  shareFor,
  toHex,
  transcriptHash,
  type OperationParams,
  type ParticipantState,
  type Scalar,
} from '../crypto/index.js';
import { deterministicRng } from './helpers/rng.js';

const group = await loadGroup('sodium');
const rng = deterministicRng('lifecycle-checks');
const C = createDealing(group, { kind: 'dkg', t: 2, receivers: [1, 2, 3] }, rng).commitments.map(toHex);
const old = { t: 2, nodeIndices: [1, 2, 3], commitments: C, epoch: 1, lineage: [] as string[] };
const dkg: OperationParams = { sessionId: 'ab'.repeat(16), kind: 'dkg', keyName: 'acme/k', version: 1, t: 2, receivers: [1, 2, 3], dealers: [1, 2, 3], epoch: 1 };
const reshare: OperationParams = { ...dkg, kind: 'reshare', receivers: [1, 2, 4], dealers: [1, 2], epoch: 2, old };
const refresh: OperationParams = { ...dkg, kind: 'refresh', receivers: [1, 2, 3], dealers: [1, 2, 3], epoch: 2, old };
/** Dealer 1 leaves: it deals but receives nothing. */
const leavingReshare: OperationParams = { ...reshare, receivers: [2, 3, 4], dealers: [1, 2] };

function refused(p: OperationParams): string {
  try {
    checkOperationParams(p);
  } catch (e) {
    expect(e).toBeInstanceOf(LifecycleError);
    expect((e as Error).name).toBe('LifecycleError');
    expect((e as LifecycleError).code).toBe('BAD_PARAMS');
    return (e as Error).message;
  }
  return 'accepted';
}

describe('checkOperationParams', () => {
  it('accepts a well-formed DKG, refresh and reshare', () => {
    for (const p of [dkg, refresh, reshare, { ...reshare, old: { ...old, lineage: Array.from({ length: MAX_LINEAGE }, () => 'ab'.repeat(32)) } }]) expect(refused(p)).toBe('accepted');
  });

  it('refuses each broken parameter by name', () => {
    // Each refusal is anchored on "field: reason": the field names the parameter the coordinator got wrong.
    const lineageRule = new RegExp(`^old\\.lineage: must be at most ${MAX_LINEAGE} record digests of 32 bytes, lowercase hex$`);
    const cases: [OperationParams, RegExp][] = [
      [{ ...dkg, sessionId: 'AB'.repeat(16) }, /^sessionId: must be 16 random bytes in hex$/],
      [{ ...dkg, sessionId: 'ab'.repeat(15) }, /^sessionId: must be 16 random bytes in hex$/],
      [{ ...dkg, sessionId: `x${'ab'.repeat(16)}` }, /^sessionId: must be 16 random bytes in hex$/],
      [{ ...dkg, sessionId: `${'ab'.repeat(16)}0` }, /^sessionId: must be 16 random bytes in hex$/],
      [{ ...dkg, t: 4 }, /^t: threshold 4 exceeds the number of nodes 3$/],
      [{ ...dkg, receivers: [1, 1, 2] }, /^receivers: index 1 appears twice$/],
      [{ ...dkg, dealers: [1, 1] }, /^dealers: index 1 appears twice$/],
      [{ ...dkg, dealers: [] }, /^dealers: must not be empty$/],
      [{ ...dkg, epoch: 0 }, /^epoch: must be ≥ 1$/],
      [{ ...dkg, epoch: 1.5 }, /^epoch: must be ≥ 1$/],
      [{ ...refresh, retire: [1] }, /^retire: only a DKG \(rotation\) retires versions, not a refresh$/],
      [{ ...dkg, dealers: [1, 4] }, /^dealers: DKG dealers must be receivers$/],
      [{ ...refresh, old: undefined }, /^old: refresh needs the old version$/],
      [{ ...reshare, dealers: [1, 4] }, /^dealers: dealers must hold a share of the old version$/],
      [{ ...reshare, dealers: [1] }, /^dealers: reshare needs at least the old threshold 2 of dealers$/],
      [{ ...reshare, receivers: [1, 4, 5], dealers: [1, 2], old: { ...old, nodeIndices: [1, 2, 3, 6], t: 2 } }, /^dealers: old holders 3,6 take no part; at most 1 \(old t − 1\) may stay out/],
      [{ ...refresh, t: 3 }, /^receivers: refresh keeps the node set and threshold$/],
      [{ ...refresh, receivers: [1, 2] }, /^receivers: refresh keeps the node set and threshold$/],
      [{ ...reshare, epoch: 1 }, /^epoch: must be the old epoch \+ 1 \(2\)$/],
      [{ ...reshare, epoch: 3 }, /^epoch: must be the old epoch \+ 1 \(2\)$/],
      [{ ...refresh, epoch: 2 ** 53 - 1 }, /^epoch: must be the old epoch \+ 1 \(2\)$/],
      [{ ...refresh, dealers: [1] }, /^dealers: refresh needs at least the old threshold 2 of dealers$/],
      [{ ...refresh, old: { ...old, commitments: C.slice(0, 1) } }, /^old\.commitments: must hold old t = 2 commitments, got 1$/],
      [{ ...reshare, old: { ...old, commitments: [...C, C[0]!] } }, /^old\.commitments: must hold old t = 2 commitments, got 3$/],
      [{ ...reshare, old: { ...old, lineage: Array.from({ length: MAX_LINEAGE + 1 }, () => 'ab'.repeat(32)) } }, lineageRule],
      [{ ...reshare, old: { ...old, lineage: ['AB'.repeat(32)] } }, lineageRule],
      [{ ...reshare, old: { ...old, lineage: [`${'ab'.repeat(32)}0`] } }, lineageRule],
      [{ ...reshare, old: { ...old, lineage: [`z${'ab'.repeat(32)}`] } }, lineageRule],
    ];
    for (const [p, why] of cases) expect(refused(p), JSON.stringify(p).slice(0, 120)).toMatch(why);
  });

  it('one old holder left out (≤ old t − 1) is allowed', () => {
    expect(refused({ ...reshare, receivers: [1, 2, 4], dealers: [1, 2] })).toBe('accepted');
  });
});

describe('checkQualified', () => {
  const bad = (p: OperationParams, q: number[]) => {
    try {
      checkQualified(p, q);
      return 'accepted';
    } catch (e) {
      expect((e as LifecycleError).code).toBe('BAD_PARAMS');
      return (e as Error).message;
    }
  };
  it('a subset of the dealers; all of them for reshare; at least t otherwise', () => {
    expect(bad(dkg, [1, 2])).toBe('accepted');
    expect(bad(dkg, [1])).toMatch(/only 1 qualified dealers; a dkg needs at least t = 2/);
    expect(bad(dkg, [1, 4])).toMatch(/not a dealer of the session/);
    expect(bad(dkg, [1, 1])).toMatch(/qualified/);
    expect(bad(reshare, [1, 2])).toBe('accepted');
    expect(bad(reshare, [1])).toMatch(/reshare needs every dealer qualified/);
    expect(bad(refresh, [1])).toMatch(/a refresh needs at least t = 2/);
  });
});

describe('committedLineage', () => {
  it('none for a DKG; the old record and its lineage for refresh and reshare, capped', () => {
    expect(committedLineage(dkg)).toEqual([]);
    const one = committedLineage(reshare);
    expect(one).toHaveLength(1);
    expect(one).toEqual(committedLineage(refresh));
    const full = Array.from({ length: MAX_LINEAGE }, (_, i) => i.toString(16).padStart(64, '0'));
    const capped = committedLineage({ ...reshare, old: { ...old, lineage: full } });
    expect(capped).toHaveLength(MAX_LINEAGE);
    expect(capped[0]).toBe(full[1]);
    expect(capped[MAX_LINEAGE - 1]).toBe(nextLineage({ version: 1, threshold: 2, nodeIndices: [1, 2, 3], commitments: C.map((c) => Buffer.from(c, 'hex')), epoch: 1, lineage: full }).at(-1));
  });

  it('a DKG commits no lineage even if it carries an old version; an absent old lineage is an empty one; bad old commitments are named', () => {
    expect(committedLineage({ ...dkg, old })).toEqual([]);
    const { lineage: _, ...noLineage } = old;
    expect(committedLineage({ ...reshare, old: noLineage })).toEqual(committedLineage(reshare));
    expect(() => committedLineage({ ...reshare, old: { ...old, commitments: [C[0]!, 'zz'] } })).toThrow(/^old\.commitments: /);
  });
});

/** The LifecycleError code `fn` throws (node/lifecycle.ts maps it to a gRPC status). */
function code(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return (e as LifecycleError).code;
  }
  return 'none';
}

describe('the state machine refuses steps out of order', () => {
  it('each refusal carries the code the node maps to a status', () => {
    const p: OperationParams = { ...dkg, receivers: [1, 2, 3], dealers: [1, 2] };
    const d1 = prepareParticipant(group, p, 1, rng);
    const r3 = prepareParticipant(group, p, 3, rng);
    const { commitments, share } = shareFor(d1, 3);
    expect(code(() => prepareParticipant(group, dkg, 5, rng))).toBe('BAD_PARAMS');
    expect(code(() => prepareParticipant(group, reshare, 1, rng))).toBe('MISSING_SHARE');
    expect(code(() => shareFor(r3, 1))).toBe('NOT_A_DEALER');
    expect(code(() => shareFor(d1, 9))).toBe('BAD_PARAMS');
    expect(code(() => receiveShare(group, r3, 3, commitments, share))).toBe('NOT_A_DEALER');
    const l1 = prepareParticipant(group, leavingReshare, 1, rng, scalarFromBigint(5n));
    expect(code(() => receiveShare(group, l1, 2, commitments, share))).toBe('NOT_A_RECEIVER');
    const got = receiveShare(group, r3, 1, commitments, share);
    // The same commitments with another share is a second, different dealing too.
    expect(code(() => receiveShare(group, got, 1, commitments, shareFor(d1, 2).share))).toBe('CONFLICT');
    expect(code(() => receiveShare(group, got, 1, shareFor(prepareParticipant(group, p, 1, rng), 3).commitments, share))).toBe('CONFLICT');
    expect(code(() => finalizeParticipant(group, r3, [1, 2], new Uint8Array(32)))).toBe('MISSING_SHARE');
    expect(code(() => finalizeParticipant(group, l1, [1, 2], new Uint8Array(31)))).toBe('BAD_PARAMS');
    const ready = finalizeParticipant(group, l1, [1, 2], new Uint8Array(32));
    expect(code(() => finalizeParticipant(group, ready, [1, 2], new Uint8Array(32).fill(1)))).toBe('CONFLICT');
    expect(code(() => finalizeParticipant(group, ready, [1], new Uint8Array(32)))).toBe('CONFLICT');
    expect(code(() => receiveShare(group, { ...ready, params: { ...ready.params, receivers: [1, 2, 3, 4] } }, 2, commitments, share))).toBe('WRONG_PHASE');
    const d2 = prepareParticipant(group, p, 2, rng);
    let s3 = receiveShare(group, r3, 1, commitments, share);
    s3 = receiveShare(group, s3, 2, shareFor(d2, 3).commitments, shareFor(d2, 3).share);
    expect(code(() => finalizeParticipant(group, s3, [1, 2], new Uint8Array(32)))).toBe('TRANSCRIPT_MISMATCH');
    const outsider = { ...l1, self: 9 };
    expect(code(() => finalizeParticipant(group, outsider, [1, 2], new Uint8Array(32)))).toBe('NOT_A_RECEIVER');
  });

  it('a reshare to a larger threshold than its dealers count is fine (its dealers are fixed, not t)', () => {
    const wide: OperationParams = { ...reshare, t: 3, receivers: [1, 2, 3, 4], dealers: [1, 2] };
    expect(refused(wide)).toBe('accepted');
    expect(() => checkQualified(wide, [1, 2])).not.toThrow();
  });

  it('prepare: only participants; a reshare dealer needs its old share', () => {
    expect(() => prepareParticipant(group, dkg, 5, rng)).toThrow(/node 5 takes no part/);
    expect(() => prepareParticipant(group, reshare, 1, rng)).toThrow(/no share of the old version to reshare/);
  });

  it('receive: only from dealers, only on receivers, only while prepared; the same dealing twice is idempotent, another a conflict', () => {
    const p: OperationParams = { ...dkg, receivers: [1, 2, 3], dealers: [1, 2] };
    const d1 = prepareParticipant(group, p, 1, rng);
    const r3 = prepareParticipant(group, { ...p, receivers: [1, 2, 3] }, 3, rng);
    const { commitments, share } = shareFor(d1, 3);
    expect(() => shareFor(d1, 9)).toThrow(/node 9 is not a receiver/);
    expect(() => shareFor(r3, 1)).toThrow(/node 3 is not a dealer/);
    expect(() => receiveShare(group, r3, 3, commitments, share)).toThrow(/node 3 is not a dealer/);
    const got = receiveShare(group, r3, 1, commitments, share);
    expect(receiveShare(group, got, 1, commitments, share)).toBe(got);
    const other = shareFor(prepareParticipant(group, p, 1, rng), 3);
    expect(() => receiveShare(group, got, 1, other.commitments, other.share)).toThrow(/dealer 1 sent two different dealings/);
    // A bad share is a complaint naming the dealer, not an exception.
    const bad = receiveShare(group, r3, 2, commitments, shareFor(d1, 2).share);
    expect(Object.keys(bad.complaints)).toEqual(['2']);
    expect(complainsAbout(bad, 2)).toBe(true);
    expect(complainsAbout(got, 1)).toBe(false);
    expect(complainsAbout(got, 7)).toBe(false);
    // Not on a node that receives nothing (a dealer leaving in a reshare).
    const l1 = prepareParticipant(group, leavingReshare, 1, rng, scalarFromBigint(5n));
    expect(() => receiveShare(group, l1, 2, commitments, share)).toThrow(/node 1 receives nothing/);
  });

  it('finalize: a missing qualified share and a wrong transcript are refused; a leaving dealer keeps only the transcript, once', () => {
    const p: OperationParams = { ...dkg, receivers: [1, 2, 3], dealers: [1, 2] };
    const r3 = prepareParticipant(group, p, 3, rng);
    expect(() => finalizeParticipant(group, r3, [1, 2], new Uint8Array(32))).toThrow(/no valid share from qualified dealer 1/);
    const d1 = prepareParticipant(group, p, 1, rng);
    const d2 = prepareParticipant(group, p, 2, rng);
    let s = receiveShare(group, r3, 1, shareFor(d1, 3).commitments, shareFor(d1, 3).share);
    s = receiveShare(group, s, 2, shareFor(d2, 3).commitments, shareFor(d2, 3).share);
    expect(() => finalizeParticipant(group, s, [1, 2], new Uint8Array(32))).toThrow(/differs from this node's own view of session (ab){16}.*qualified dealers 1,2 or the commitments/);
    const l1 = prepareParticipant(group, leavingReshare, 1, rng, scalarFromBigint(5n));
    expect(() => finalizeParticipant(group, l1, [1, 2], new Uint8Array(31))).toThrow(/transcript must be 32 bytes/);
    const ready = finalizeParticipant(group, l1, [1, 2], new Uint8Array(32).fill(7));
    expect(ready.ready).toEqual({ share: '', commitments: [], transcript: '07'.repeat(32), qualified: [1, 2] });
    expect(finalizeParticipant(group, ready, [1, 2], new Uint8Array(32).fill(7))).toBe(ready);
    expect(() => finalizeParticipant(group, ready, [1, 2], new Uint8Array(32).fill(8))).toThrow(/already final with another transcript/);
    expect(() => receiveShare(group, { ...ready, params: { ...ready.params, receivers: [1, 2, 3] } }, 2, [], new Uint8Array(32))).toThrow(/already ready/);
  });
});

describe('receive: a complaint is about one dealer, and only a failed check is a complaint', () => {
  const p: OperationParams = { ...dkg, receivers: [1, 2, 3], dealers: [1, 2] };
  const d1 = prepareParticipant(group, p, 1, rng);
  const d2 = prepareParticipant(group, p, 2, rng);
  const r3 = prepareParticipant(group, p, 3, rng);

  it('a valid share from one dealer keeps the complaint about another', () => {
    const wrong = receiveShare(group, r3, 2, shareFor(d2, 3).commitments, shareFor(d2, 1).share);
    expect(Object.keys(wrong.complaints)).toEqual(['2']);
    const both = receiveShare(group, wrong, 1, shareFor(d1, 3).commitments, shareFor(d1, 3).share);
    expect(Object.keys(both.received)).toEqual(['1']);
    expect(Object.keys(both.complaints)).toEqual(['2']);
    expect(complainsAbout(both, 2)).toBe(true);
  });

  it('a share that is not a canonical scalar is a complaint naming the dealer’s share', () => {
    const s = receiveShare(group, r3, 1, shareFor(d1, 3).commitments, new Uint8Array(32).fill(0xff));
    expect(s.received).toEqual({});
    expect(s.complaints['1']).toMatch(/^dealer\[1\]\.share: /);
  });

  it('an error of the backend itself is thrown, not blamed on the dealer', () => {
    const failing = { ...group, mulBase: () => { throw new Error('backend failure'); } };
    expect(() => receiveShare(failing, r3, 1, shareFor(d1, 3).commitments, shareFor(d1, 3).share)).toThrow(/^backend failure$/);
    // The same call with the real backend accepts the share: the throw above is the backend's.
    expect(Object.keys(receiveShare(group, r3, 1, shareFor(d1, 3).commitments, shareFor(d1, 3).share).received)).toEqual(['1']);
  });
});

/**
 * Every dealer of `p` prepares (with its old share), every receiver receives every dealer's
 * share, and the transcript is the one of all dealers qualified (what the coordinator sends).
 */
function dealAll(p: OperationParams, oldShares: Map<number, Scalar>): { states: Map<number, ParticipantState>; qualified: number[]; transcript: Uint8Array } {
  const dealers = new Map(p.dealers.map((d) => [d, prepareParticipant(group, p, d, rng, oldShares.get(d))] as const));
  const states = new Map<number, ParticipantState>();
  for (const r of p.receivers) {
    let s = dealers.get(r) ?? prepareParticipant(group, p, r, rng, oldShares.get(r));
    for (const [d, ds] of dealers) {
      const { commitments, share } = shareFor(ds, r);
      s = receiveShare(group, s, d, commitments, share);
    }
    expect(s.complaints).toEqual({});
    states.set(r, s);
  }
  const qualified = [...p.dealers].sort((a, b) => a - b);
  const dealings = new Map([...dealers].map(([d, s]) => [d, s.dealing!.commitments.map((c) => fromHex(c))] as const));
  return { states, qualified, transcript: transcriptHash({ ...p, qualified, dealings }) };
}

describe('finalize: the new share and commitments are checked against the old version', () => {
  /** A real old version: t = 2 of nodes 1, 2, 3, with each node's share. */
  const key = createDealing(group, { kind: 'dkg', t: 2, receivers: [1, 2, 3] }, rng);
  const keyOld = { ...old, commitments: key.commitments.map(toHex) };
  const shares = key.shares;

  it('refresh: with its old share a node gets a new share of the same pkS; without it MISSING_SHARE, with a wrong one CHECK_FAILED', () => {
    const p: OperationParams = { ...refresh, old: keyOld };
    const { states, qualified, transcript } = dealAll(p, shares);
    const ready = finalizeParticipant(group, states.get(1)!, qualified, transcript, shares.get(1));
    expect(ready.phase).toBe('ready');
    expect(ready.ready!.commitments[0]).toBe(keyOld.commitments[0]);
    expect(ready.ready!.share).not.toBe(toHex(shares.get(1)!));
    // Its outcome: the digest of exactly the record it will commit (new t, receivers, commitments, epoch, lineage).
    const record = { version: p.version, threshold: p.t, nodeIndices: p.receivers, commitments: ready.ready!.commitments.map((c) => fromHex(c)), epoch: p.epoch, lineage: committedLineage(p) };
    expect(record.lineage).toHaveLength(1);
    expect(outcomeDigest(ready)).toBe(recordDigest(record));
    expect(outcomeDigest(ready)).not.toBe(recordDigest({ ...record, lineage: [] }));
    // Before ready, or a leaving dealer's ready (no commitments): no outcome, WRONG_PHASE naming the session.
    expect(() => outcomeDigest(states.get(1)!)).toThrow(new RegExp(`session ${p.sessionId} has no outcome on node 1`));
    expect(() => outcomeDigest({ ...ready, ready: { ...ready.ready!, commitments: [] } })).toThrow(LifecycleError);
    let e: unknown;
    try {
      finalizeParticipant(group, states.get(1)!, qualified, transcript);
    } catch (x) {
      e = x;
    }
    expect(e).toBeInstanceOf(LifecycleError);
    expect((e as LifecycleError).code).toBe('MISSING_SHARE');
    expect((e as Error).message).toBe('node 1 has no old share to refresh');
    // Node 2's share is a valid share of the key, but not node 1's.
    expect(code(() => finalizeParticipant(group, states.get(1)!, qualified, transcript, shares.get(2)))).toBe('CHECK_FAILED');
    expect(() => finalizeParticipant(group, states.get(1)!, qualified, transcript, shares.get(2))).toThrow(/^new share does not match the new commitments$/);
  });

  it('reshare: old commitments of a higher degree than the old t are refused at the start (the pkS check at finalize is a second line)', () => {
    const p: OperationParams = { ...reshare, old: keyOld };
    const { states, qualified, transcript } = dealAll(p, shares);
    expect(finalizeParticipant(group, states.get(4)!, qualified, transcript).ready!.commitments[0]).toBe(keyOld.commitments[0]);
    // The same reshare over a degree-2 old polynomial that still claims t = 2: two points do not
    // determine a degree-2 polynomial, so the dealings would not keep pkS; three commitments for
    // t = 2 are refused before anyone deals.
    const wide = createDealing(group, { kind: 'dkg', t: 3, receivers: [1, 2, 3] }, rng);
    const q: OperationParams = { ...reshare, old: { ...old, commitments: wide.commitments.map(toHex) } };
    expect(code(() => dealAll(q, wide.shares))).toBe('BAD_PARAMS');
    expect(() => dealAll(q, wide.shares)).toThrow(/old\.commitments: must hold old t = 2 commitments, got 3/);
  });
});

describe('paramsDigest: a session told apart by its parameters, not its id alone', () => {
  const base: OperationParams = {
    sessionId: 'ab'.repeat(16),
    kind: 'reshare',
    keyName: 'acme/k',
    version: 3,
    t: 2,
    receivers: [2, 4, 5],
    dealers: [2, 3],
    epoch: 7,
    old: { t: 2, nodeIndices: [1, 2, 3], commitments: ['AA'.repeat(32), 'bb'.repeat(32)], epoch: 6, lineage: ['cd'.repeat(32)] },
    retire: [1],
  };

  it('is SHA-512/256-style over a label and canonical JSON (keys sorted at every level, arrays in order)', () => {
    const json =
      '{"dealers":[2,3],"epoch":7,"keyName":"acme/k","kind":"reshare",' +
      `"old":{"commitments":["${'aa'.repeat(32)}","${'bb'.repeat(32)}"],"epoch":6,"lineage":["${'cd'.repeat(32)}"],"nodeIndices":[1,2,3],"t":2},` +
      `"receivers":[2,4,5],"retire":[1],"sessionId":"${'ab'.repeat(16)}","t":2,"version":3}`;
    const expected = createHash('sha512').update(`splitkey/v1/operation-params\n${json}`).digest().subarray(0, 32).toString('hex');
    expect(paramsDigest(base)).toBe(expected);
    // A DKG: no old record (null), absent retire and lineage as empty lists.
    const dkg: OperationParams = { sessionId: 'cd'.repeat(16), kind: 'dkg', keyName: 'acme/k', version: 1, t: 2, receivers: [1, 2, 3], dealers: [1, 2, 3], epoch: 1 };
    const dkgJson = `{"dealers":[1,2,3],"epoch":1,"keyName":"acme/k","kind":"dkg","old":null,"receivers":[1,2,3],"retire":[],"sessionId":"${'cd'.repeat(16)}","t":2,"version":1}`;
    expect(paramsDigest(dkg)).toBe(createHash('sha512').update(`splitkey/v1/operation-params\n${dkgJson}`).digest().subarray(0, 32).toString('hex'));
  });

  it('equal parameters digest alike however they were decoded: key order, absent vs empty lists, hex case, extra undefined fields', () => {
    const reordered = JSON.parse(JSON.stringify({ retire: base.retire, old: { lineage: base.old!.lineage, epoch: 6, commitments: base.old!.commitments.map((c) => c.toLowerCase()), nodeIndices: [1, 2, 3], t: 2 }, epoch: 7, dealers: [2, 3], receivers: [2, 4, 5], t: 2, version: 3, keyName: 'acme/k', kind: 'reshare', sessionId: base.sessionId })) as OperationParams;
    expect(paramsDigest(reordered)).toBe(paramsDigest(base));
    const { retire: _r, ...noRetire } = base;
    expect(paramsDigest({ ...noRetire, retire: [] })).toBe(paramsDigest(noRetire as OperationParams));
    const { lineage: _l, ...oldNoLineage } = base.old!;
    expect(paramsDigest({ ...base, old: { ...oldNoLineage, lineage: [] } })).toBe(paramsDigest({ ...base, old: oldNoLineage }));
    expect(paramsDigest({ ...base, extra: undefined } as unknown as OperationParams)).toBe(paramsDigest(base));
  });

  it('every parameter changes it', () => {
    const variants: [string, OperationParams][] = [
      ['sessionId', { ...base, sessionId: 'ac'.repeat(16) }],
      ['kind', { ...base, kind: 'refresh' }],
      ['keyName', { ...base, keyName: 'acme/l' }],
      ['version', { ...base, version: 4 }],
      ['t', { ...base, t: 3 }],
      ['receivers', { ...base, receivers: [2, 4, 6] }],
      ['receivers order', { ...base, receivers: [4, 2, 5] }],
      ['dealers', { ...base, dealers: [1, 3] }],
      ['epoch', { ...base, epoch: 8 }],
      ['old.t', { ...base, old: { ...base.old!, t: 3 } }],
      ['old.nodeIndices', { ...base, old: { ...base.old!, nodeIndices: [1, 2, 4] } }],
      ['old.commitments', { ...base, old: { ...base.old!, commitments: ['cc'.repeat(32), 'bb'.repeat(32)] } }],
      ['old.epoch', { ...base, old: { ...base.old!, epoch: 5 } }],
      ['old.lineage', { ...base, old: { ...base.old!, lineage: [] } }],
      ['old absent', { ...base, old: undefined }],
      ['retire', { ...base, retire: [1, 2] }],
      ['a list split differently', { ...base, receivers: [2, 4], dealers: [5, 2, 3] }],
    ];
    const seen = new Map([[paramsDigest(base), 'base']]);
    for (const [what, p] of variants) {
      const d = paramsDigest(p);
      expect(seen.get(d), what).toBeUndefined();
      seen.set(d, what);
    }
  });
});

describe('witnesses (descriptor policy lifecycleQuorum): nodes that only hold a session\'s place', () => {
  const refresh: OperationParams = { ...dkg, kind: 'refresh', epoch: 2, old };
  const code = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      return e instanceof LifecycleError ? `${e.code}: ${e.message}` : String(e);
    }
    return 'accepted';
  };

  it('the quorum is ⌈(n + t)/2⌉: two such sets share t nodes', () => {
    expect([lifecycleQuorumSize(3, 2), lifecycleQuorumSize(4, 2), lifecycleQuorumSize(5, 2), lifecycleQuorumSize(6, 2), lifecycleQuorumSize(7, 2), lifecycleQuorumSize(7, 3)]).toEqual([3, 3, 4, 4, 5, 5]);
    for (let n = 1; n <= 12; n++) for (let m = 1; m <= n; m++) expect(2 * lifecycleQuorumSize(n, m) - n, `n ${n}, minThreshold ${m}`).toBeGreaterThanOrEqual(m);
  });

  it('participants are receivers, dealers and witnesses, each once, ascending', () => {
    expect(sessionParticipants({ ...reshare, witnesses: [6, 3] })).toEqual([1, 2, 3, 4, 6]);
    expect(sessionParticipants(reshare)).toEqual([1, 2, 4]);
  });

  it('a witness neither deals nor receives, and a DKG has none; duplicates and index 0 are refused', () => {
    expect(code(() => checkOperationParams({ ...reshare, witnesses: [3] }))).toBe('accepted');
    expect(code(() => checkOperationParams({ ...refresh, witnesses: [4, 5] }))).toBe('accepted');
    expect(code(() => checkOperationParams({ ...reshare, witnesses: [2] }))).toMatch(/^BAD_PARAMS: witnesses: node\(s\) 2 already deal or receive/);
    expect(code(() => checkOperationParams({ ...reshare, witnesses: [4] }))).toMatch(/^BAD_PARAMS: witnesses: node\(s\) 4 already deal or receive/);
    expect(code(() => checkOperationParams({ ...dkg, witnesses: [4] }))).toMatch(/^BAD_PARAMS: witnesses: a DKG has no witnesses/);
    expect(code(() => checkOperationParams({ ...reshare, witnesses: [5, 5] }))).toMatch(/^BAD_PARAMS: /);
    expect(code(() => checkOperationParams({ ...reshare, witnesses: [0] }))).toMatch(/^BAD_PARAMS: /);
  });

  it('a witness prepares without dealing, is ready with the transcript alone, and nobody else is told it takes part', () => {
    const p: OperationParams = { ...reshare, witnesses: [5] };
    const w = prepareParticipant(group, p, 5, rng);
    expect([w.phase, w.dealing]).toEqual(['prepared', undefined]);
    expect(code(() => prepareParticipant(group, p, 6, rng))).toMatch(/^BAD_PARAMS: node 6 takes no part/);
    expect(code(() => prepareParticipant(group, reshare, 5, rng))).toMatch(/^BAD_PARAMS: node 5 takes no part/);
    const transcript = new Uint8Array(32).fill(7);
    const ready = finalizeParticipant(group, w, [1, 2], transcript);
    expect([ready.phase, ready.ready]).toEqual(['ready', { share: '', commitments: [], transcript: toHex(transcript), qualified: [1, 2] }]);
    expect(code(() => finalizeParticipant(group, w, [1, 2], new Uint8Array(31)))).toMatch(/^BAD_PARAMS: transcript must be 32 bytes/);
  });

  it('quorum universes: valid node lists and minThreshold only, none for a DKG\'s old record; part of the session\'s identity', () => {
    const u = { nodes: [1, 2, 3, 4], minThreshold: 2 };
    expect(code(() => checkOperationParams({ ...reshare, quorum: u, nextQuorum: u }))).toBe('accepted');
    expect(code(() => checkOperationParams({ ...dkg, nextQuorum: u }))).toBe('accepted');
    expect(code(() => checkOperationParams({ ...dkg, quorum: u }))).toMatch(/^BAD_PARAMS: quorum: a DKG starts from no record/);
    expect(code(() => checkOperationParams({ ...reshare, quorum: { nodes: [], minThreshold: 1 } }))).toMatch(/^BAD_PARAMS: quorum\.nodes: must name at least one node/);
    expect(code(() => checkOperationParams({ ...reshare, quorum: { nodes: [1, 1], minThreshold: 1 } }))).toMatch(/^BAD_PARAMS: /);
    expect(code(() => checkOperationParams({ ...reshare, nextQuorum: { nodes: [1, 2], minThreshold: 3 } }))).toMatch(/^BAD_PARAMS: nextQuorum\.minThreshold: must be an integer in \[1, 2\]/);
    expect(paramsDigest({ ...reshare, quorum: u })).not.toBe(paramsDigest(reshare));
    expect(paramsDigest({ ...reshare, quorum: u })).not.toBe(paramsDigest({ ...reshare, nextQuorum: u }));
    expect(sameUniverse(u, { nodes: [4, 3, 2, 1], minThreshold: 2 })).toBe(true);
    expect(sameUniverse(u, { nodes: [1, 2, 3], minThreshold: 2 })).toBe(false);
    expect(sameUniverse(u, { nodes: [1, 2, 3, 4], minThreshold: 3 })).toBe(false);
  });

  it('witnesses are part of a session\'s identity (paramsDigest); none digests as before they existed', () => {
    expect(paramsDigest({ ...reshare, witnesses: [] })).toBe(paramsDigest(reshare));
    expect(paramsDigest({ ...reshare, witnesses: [5] })).not.toBe(paramsDigest(reshare));
    expect(paramsDigest({ ...reshare, witnesses: [5] })).not.toBe(paramsDigest({ ...reshare, witnesses: [6] }));
  });
});
