/**
 * The dealing checks of crypto/dealing.ts, one by one (pure; the lifecycle state machine's tests
 * in test/lifecycle.test.ts reach them only through whole sessions). Each refusal is a check a
 * malicious dealer or coordinator would want gone: a refresh that changes the key, a reshare
 * that does not carry the dealer's weighted old share, a share that does not match its
 * commitments, a transcript that leaves a parameter out.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  IDENTITY,
  checkDealingCommitments,
  commitmentsDigest,
  createDealing,
  dealerWeight,
  elementsEqual,
  loadGroup,
  reshareConstant,
  scalarFromBigint,
  sumCommitments,
  toHex,
  transcriptHash,
  verifyDealtShare,
  type TranscriptParams,
} from '../crypto/index.js';
import { deterministicRng } from './helpers/rng.js';

const group = await loadGroup('sodium');
const rng = deterministicRng('dealing');

describe('checkDealingCommitments', () => {
  it('a refresh polynomial must commit to zero; a DKG one to anything', () => {
    const dkg = createDealing(group, { kind: 'dkg', t: 2, receivers: [1, 2, 3] }, rng);
    expect(() => checkDealingCommitments(group, 'refresh', dkg.commitments, 2, 4)).toThrow(/dealer\[4\]\.commitments\[0\].*zero constant term/);
    expect(checkDealingCommitments(group, 'dkg', dkg.commitments, 2, 4)).toHaveLength(2);
    const refresh = createDealing(group, { kind: 'refresh', t: 2, receivers: [1, 2, 3] }, rng);
    expect(elementsEqual(checkDealingCommitments(group, 'refresh', refresh.commitments, 2, 1)[0]!, IDENTITY)).toBe(true);
    // Only a refresh may commit to a zero secret: a DKG dealer contributing nothing is refused.
    expect(() => checkDealingCommitments(group, 'dkg', refresh.commitments, 2, 4)).toThrow();
  });

  it('a reshare dealing must commit to λ_i·pk_i, and is refused without the expected constant', () => {
    const oldShare = scalarFromBigint(12345n);
    const dealers = [1, 2, 3];
    const d = createDealing(group, { kind: 'reshare', t: 2, receivers: [4, 5, 6], dealers, self: 2, oldShare }, rng);
    const expected = reshareConstant(group, dealers, 2, group.mulBase(oldShare));
    expect(checkDealingCommitments(group, 'reshare', d.commitments, 2, 2, expected)).toHaveLength(2);
    expect(() => checkDealingCommitments(group, 'reshare', d.commitments, 2, 2)).toThrow(/dealer\[2\].*weighted old share/);
    const other = reshareConstant(group, dealers, 3, group.mulBase(oldShare));
    expect(() => checkDealingCommitments(group, 'reshare', d.commitments, 2, 2, other)).toThrow(/weighted old share/);
  });

  it('a reshare dealing needs dealers, self and the old share; a dealer outside the set has no weight', () => {
    const base = { kind: 'reshare' as const, t: 2, receivers: [1, 2, 3] };
    expect(() => createDealing(group, { ...base, dealers: [1, 2], self: 1 }, rng)).toThrow(/^reshare: needs dealers, self and the old share$/);
    expect(() => createDealing(group, { ...base, oldShare: scalarFromBigint(5n), self: 1 }, rng)).toThrow(/^reshare: needs dealers, self and the old share$/);
    expect(() => createDealing(group, { ...base, oldShare: scalarFromBigint(5n), dealers: [1, 2] }, rng)).toThrow(/^reshare: needs dealers, self and the old share$/);
    expect(() => dealerWeight(group, [1, 2], 3)).toThrow(/^dealers: dealer 3 is not in the dealer set$/);
  });

  it('refuses a repeated receiver by name', () => {
    expect(() => createDealing(group, { kind: 'dkg', t: 2, receivers: [1, 2, 2] }, rng)).toThrow(/^receivers: index 2 appears twice$/);
  });
});

describe('verifyDealtShare and sumCommitments', () => {
  it('a share is checked against the commitments at the receiver’s index, naming dealer and receiver', () => {
    const d = createDealing(group, { kind: 'dkg', t: 2, receivers: [1, 2, 3] }, rng);
    verifyDealtShare(group, d.commitments, 7, 2, d.shares.get(2)!);
    expect(() => verifyDealtShare(group, d.commitments, 7, 3, d.shares.get(2)!)).toThrow(/dealer\[7\].*receiver 3 does not match/);
    // A zero share matches only commitments that evaluate to the identity there.
    const zero = new Uint8Array(32);
    expect(() => verifyDealtShare(group, d.commitments, 7, 2, zero)).toThrow(/does not match/);
    verifyDealtShare(group, [IDENTITY, IDENTITY], 7, 2, zero);
  });

  it('sums commitment vectors position by position, over a base, and refuses vectors of different lengths', () => {
    const a = createDealing(group, { kind: 'dkg', t: 2, receivers: [1, 2] }, rng).commitments;
    const b = createDealing(group, { kind: 'dkg', t: 2, receivers: [1, 2] }, rng).commitments;
    const sum = sumCommitments(group, [a, b]);
    expect(sum.map(toHex)).toEqual([toHex(group.add(a[0]!, b[0]!)), toHex(group.add(a[1]!, b[1]!))]);
    const over = sumCommitments(group, [b], a);
    expect(over.map(toHex)).toEqual(sum.map(toHex));
    expect(() => sumCommitments(group, [a, [b[0]!]])).toThrow(/^commitments: vectors of different lengths$/);
  });
});

describe('transcriptHash binds every parameter', () => {
  const C = createDealing(group, { kind: 'dkg', t: 2, receivers: [1, 2, 3] }, rng).commitments;
  const base: TranscriptParams = { sessionId: 'ab'.repeat(16), kind: 'reshare', keyName: 'acme/k', version: 1, t: 2, receivers: [1, 2, 3], dealers: [1, 2], epoch: 2, old: { t: 2, nodeIndices: [1, 2, 3], commitments: C.map(toHex), epoch: 1, lineage: [] } };
  const h = (p: TranscriptParams, dealings = new Map([[1, C], [2, C]])) => toHex(transcriptHash({ ...p, qualified: [1, 2], dealings }));

  it('each field changes the hash', () => {
    const ref = h(base);
    const variants: TranscriptParams[] = [
      { ...base, sessionId: 'cd'.repeat(16) },
      { ...base, kind: 'refresh' },
      { ...base, keyName: 'acme/j' },
      { ...base, version: 2 },
      { ...base, t: 3 },
      { ...base, receivers: [1, 2, 4] },
      { ...base, dealers: [1, 3] },
      { ...base, epoch: 3 },
      { ...base, old: undefined },
      { ...base, old: { ...base.old!, t: 3 } },
      { ...base, old: { ...base.old!, nodeIndices: [1, 2, 4] } },
      { ...base, old: { ...base.old!, epoch: 0 } },
      { ...base, old: { ...base.old!, commitments: [...base.old!.commitments].reverse() } },
      { ...base, old: { ...base.old!, lineage: ['00'.repeat(32)] } },
      { ...base, retire: [1] },
      { ...base, witnesses: [4] },
      { ...base, witnesses: [5] },
      { ...base, witnesses: [4, 5] },
      { ...base, quorum: { nodes: [1, 2, 3, 4], minThreshold: 2 } },
      { ...base, quorum: { nodes: [1, 2, 3, 4], minThreshold: 3 } },
      { ...base, nextQuorum: { nodes: [1, 2, 3, 4], minThreshold: 2 } },
      { ...base, quorum: { nodes: [1, 2, 3], minThreshold: 2 }, nextQuorum: { nodes: [1, 2, 3, 4], minThreshold: 2 } },
    ];
    const hashes = variants.map((v) => h(v));
    for (const [i, x] of hashes.entries()) expect(x, `variant ${i}`).not.toBe(ref);
    expect(new Set(hashes).size).toBe(hashes.length);
    expect(h(base, new Map([[1, C], [2, [C[1]!, C[0]!]]]))).not.toBe(ref);
    // Deterministic.
    expect(h({ ...base })).toBe(ref);
    // No witnesses hashes as before they existed: an empty list is the same as none.
    expect(h({ ...base, witnesses: [] })).toBe(ref);
  });

  it('refuses uppercase hex, a negative or unsafe epoch, and a qualified dealer without commitments', () => {
    expect(() => h({ ...base, old: { ...base.old!, commitments: base.old!.commitments.map((c) => c.toUpperCase()) } })).toThrow(/old\.commitments.*lowercase/);
    expect(() => h({ ...base, old: { ...base.old!, lineage: ['AB'.repeat(32)] } })).toThrow(/old\.lineage.*lowercase/);
    expect(() => h({ ...base, epoch: -1 })).toThrow(/epoch.*\[0, 2\^53\)/);
    expect(() => h({ ...base, epoch: 2 ** 53 })).toThrow(/epoch/);
    expect(h({ ...base, epoch: 0 })).toMatch(/^[0-9a-f]{64}$/);
    expect(() => h(base, new Map([[1, C]]))).toThrow(/^dealings: no commitments from qualified dealer 2$/);
  });

  it('refuses old commitments and lineage digests that are not hex, naming the field', () => {
    for (const bad of ['zz', 'abc']) {
      expect(() => h({ ...base, old: { ...base.old!, commitments: [base.old!.commitments[0]!, bad] } })).toThrow(/^old\.commitments: expected an even-length hexadecimal string$/);
      expect(() => h({ ...base, old: { ...base.old!, lineage: [bad] } })).toThrow(/^old\.lineage: expected an even-length hexadecimal string$/);
    }
  });

  /**
   * The encoding written out again from transcriptHash's documentation, with Buffer and
   * node:crypto instead of crypto/bytes: the domain label, then every field fixed-width
   * (big-endian) or length-prefixed (u16). Transcripts and digests are compared between nodes and
   * the coordinator, possibly of different builds, so the exact bytes (the label included) are part
   * of the protocol.
   */
  const u = (x: number, n: number) => {
    const b = Buffer.alloc(n);
    if (n === 8) b.writeBigUInt64BE(BigInt(x));
    else b.writeUIntBE(x, 0, n);
    return b;
  };
  const lp = (b: Uint8Array) => Buffer.concat([u(b.length, 2), b]);
  const list = (xs: readonly number[]) => Buffer.concat([u(xs.length, 2), ...xs.map((x) => u(x, 2))]);
  const sha = (...parts: Uint8Array[]) => new Uint8Array(createHash('sha512').update(Buffer.concat(parts)).digest().subarray(0, 32));

  it('is SHA-512/256-truncated over the documented encoding, domain label first', () => {
    const lineage = ['11'.repeat(32)];
    const p: TranscriptParams = { ...base, old: { ...base.old!, lineage }, retire: [] };
    const D = createDealing(group, { kind: 'dkg', t: 2, receivers: [1, 2, 3] }, rng).commitments;
    const old = p.old!;
    const expected = sha(
      Buffer.from('splitkey/v2/lifecycle-transcript'),
      lp(Buffer.from(p.sessionId)),
      lp(Buffer.from(p.kind)),
      lp(Buffer.from(p.keyName)),
      u(p.version, 4),
      u(p.epoch, 8),
      u(p.t, 2),
      list(p.receivers),
      list(p.dealers),
      u(1, 1),
      u(old.t, 2),
      list(old.nodeIndices),
      u(old.epoch, 8),
      u(old.commitments.length, 2),
      ...old.commitments.map((c) => lp(Buffer.from(c, 'hex'))),
      u(lineage.length, 2),
      ...lineage.map((d) => lp(Buffer.from(d, 'hex'))),
      list([]),
      list([1, 2]),
      u(1, 2), u(C.length, 2), ...C.map(lp),
      u(2, 2), u(D.length, 2), ...D.map(lp),
    );
    expect(toHex(transcriptHash({ ...p, qualified: [1, 2], dealings: new Map([[1, C], [2, D]]) }))).toBe(toHex(expected));
  });

  it('the commitments digest is SHA-512 truncated to 32 bytes over its own label, a count and each commitment length-prefixed', () => {
    const expected = sha(Buffer.from('splitkey/v1/commitments-digest'), u(C.length, 2), ...C.map(lp));
    expect(toHex(commitmentsDigest(C))).toBe(toHex(expected));
    // Not the transcript's domain: the same commitments under another label hash differently.
    expect(toHex(commitmentsDigest(C))).not.toBe(toHex(sha(u(C.length, 2), ...C.map(lp))));
  });
});
