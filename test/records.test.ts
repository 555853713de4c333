/**
 * Quorum agreement on key-version records (crypto/records.ts, DESIGN.md "Trust anchors"): a
 * node's record is a claim; only t ≥ minThreshold identical voices of the version's own nodes
 * make it agreed. Pure: records are built from a real dealing's commitments.
 */
import { describe, expect, it } from 'vitest';
import { agreeOnVersions, forkErasures, keepProblem, liveHolders, beyondLineageWindow, carriedAncestors, claim, MAX_LINEAGE, MAX_WITNESSED, nextLineage, recordDigest, supersededBeyondWindow, supersededBy, createDealing, loadGroup, recordFingerprint, regression, remember, type RecordState, type VersionRecord } from '../crypto/index.js';
import { concatBytes } from '../crypto/bytes.js';
import { deterministicRng } from './helpers/rng.js';

const group = await loadGroup('sodium');
const rng = deterministicRng('records');
const nodes = [1, 2, 3, 4, 5];
const commitments = (t: number) => createDealing(group, { kind: 'dkg', t, receivers: nodes }, rng).commitments;

const honest: VersionRecord = { version: 1, threshold: 3, nodeIndices: nodes, commitments: commitments(3), epoch: '1' };
const policy = { minThreshold: 3 };
const everyone = (r: VersionRecord, state: RecordState = 'active', who = nodes) => who.map((i) => claim(i, r, state));

describe('agreeOnVersions', () => {
  it('t identical voices of the version’s own nodes make a record agreed, with its holders', () => {
    const a = agreeOnVersions(everyone(honest, 'active', [1, 2, 3]), policy);
    expect(a.versions).toHaveLength(1);
    expect(a.versions[0]!.holders).toEqual([1, 2, 3]);
    expect(a.versions[0]!.state).toBe('active');
    expect(a.suspects).toEqual([]);
  });

  it('t - 1 voices are not enough: the version is unconfirmed, not agreed', () => {
    const a = agreeOnVersions(everyone(honest, 'active', [1, 2]), policy);
    expect(a.versions).toEqual([]);
    expect(a.unconfirmed.map((u) => u.version)).toEqual([1]);
  });

  it('scenario 1: a forged extra version with t = 1, held by the liar alone, is refused and the liar named', () => {
    const forged: VersionRecord = { version: 2, threshold: 1, nodeIndices: [1], commitments: commitments(1), epoch: '1' };
    const a = agreeOnVersions([...everyone(honest), claim(1, forged, 'active')], policy);
    expect(a.versions.map((v) => v.version)).toEqual([1]);
    expect(a.suspects).toEqual([{ index: 1, version: 2, reason: "threshold 1 is below the cluster's minimum 3" }]);
  });

  it('scenario 2: a rewritten record of an existing version loses to the quorum; the liar is named', () => {
    const rewritten: VersionRecord = { version: 1, threshold: 1, nodeIndices: [1], commitments: commitments(1), epoch: '1' };
    const a = agreeOnVersions([claim(1, rewritten, 'active'), ...everyone(honest, 'active', [2, 3, 4, 5])], policy);
    expect(a.versions).toHaveLength(1);
    expect(a.versions[0]!.commitments).toEqual(honest.commitments);
    expect(a.versions[0]!.holders).toEqual([2, 3, 4, 5]);
    expect(a.suspects.map((s) => s.index)).toEqual([1]);
  });

  it('a rewritten record at the policy threshold still needs t voices: two liars with t = 3 are unconfirmed', () => {
    const rewritten: VersionRecord = { ...honest, commitments: commitments(3) };
    const a = agreeOnVersions([...everyone(rewritten, 'active', [1, 2]), ...everyone(honest, 'active', [3, 4, 5])], policy);
    expect(a.versions[0]!.commitments).toEqual(honest.commitments);
    expect(a.suspects.map((s) => s.index).sort()).toEqual([1, 2]);
  });

  it('two records that both gather t voices are a conflict: the version is refused, every reporter named', () => {
    const other: VersionRecord = { ...honest, threshold: 2, commitments: commitments(2) };
    const a = agreeOnVersions([...everyone(other, 'active', [1, 2]), ...everyone(honest, 'active', [3, 4, 5])], { minThreshold: 2 });
    expect(a.versions).toEqual([]);
    expect(a.conflicts).toEqual([{ version: 1, reporters: [1, 2, 3, 4, 5], reason: '2 different records of version 1 each have t voices' }]);
  });

  it('only the version’s own nodes vote: outsiders reporting it add no voice', () => {
    const small: VersionRecord = { ...honest, nodeIndices: [1, 2, 3] };
    const a = agreeOnVersions([claim(1, small, 'active'), claim(2, small, 'active'), claim(4, small, 'active'), claim(5, small, 'active')], policy);
    expect(a.versions).toEqual([]);
  });

  it('scenario 3: one voice saying destroyed does not deny a version four nodes still serve', () => {
    const a = agreeOnVersions([claim(1, honest, 'destroyed'), ...everyone(honest, 'active', [2, 3, 4, 5])], policy);
    expect(a.versions[0]!.state).toBe('active');
    expect(a.versions[0]!.destroyedBy).toEqual([1]);
  });

  it('destroyed is a fact once fewer than t holders could still answer', () => {
    const a = agreeOnVersions([...everyone(honest, 'destroyed', [1, 2, 3]), ...everyone(honest, 'active', [4, 5])], policy);
    expect(a.versions[0]!.state).toBe('destroyed');
    const b = agreeOnVersions(everyone(honest, 'destroyed', [1, 2, 3]), policy);
    expect(b.versions[0]!.state).toBe('destroyed');
  });

  it('active or decrypt-only by majority of the live holders (one liar cannot flip it)', () => {
    const rotated = agreeOnVersions([claim(1, honest, 'active'), ...everyone(honest, 'decrypt-only', [2, 3, 4, 5])], policy);
    expect(rotated.versions[0]!.state).toBe('decrypt-only');
    const newest = agreeOnVersions([claim(1, honest, 'decrypt-only'), ...everyone(honest, 'active', [2, 3])], policy);
    expect(newest.versions[0]!.state).toBe('active');
  });

  it('refuses malformed claims by name: commitments not matching t, a threshold above n, a bad epoch', () => {
    const bad = [
      claim(1, { ...honest, commitments: honest.commitments.slice(0, 2) }, 'active'),
      claim(2, { ...honest, threshold: 6 }, 'active'),
      claim(3, { ...honest, epoch: '0' }, 'active'),
    ];
    const a = agreeOnVersions([...bad, ...everyone(honest, 'active', [4, 5])], policy);
    expect(a.versions).toEqual([]);
    expect(a.suspects.map((s) => [s.index, s.reason])).toEqual([
      [1, '2 commitments for threshold 3'],
      [2, 'threshold 6 exceeds its 5 nodes'],
      [3, 'epoch 0 is out of range or not in canonical form'],
    ]);
  });

  it('one encoding per record: commitments cut at other byte boundaries, or an epoch with a leading zero, have the honest digest but are refused by name', () => {
    // The same bytes, cut 31 | 33 | 32: another fingerprint, the same digest (commitments are
    // joined). And epoch "01" reads as 1 in the digest. Each would be a twin of the honest record.
    const joined = concatBytes(...honest.commitments);
    const recut = { ...honest, commitments: [joined.subarray(0, 31), joined.subarray(31, 64), joined.subarray(64)] };
    const padded = { ...honest, epoch: '01' };
    expect(recordDigest(recut)).toBe(recordDigest(honest));
    expect(recordDigest(padded)).toBe(recordDigest(honest));
    const a = agreeOnVersions([claim(1, recut, 'active'), claim(2, padded, 'active'), ...everyone(honest, 'active', [3, 4, 5])], policy);
    expect(a.versions.map((v) => [v.epoch, v.holders])).toEqual([['1', [3, 4, 5]]]);
    expect(a.suspects.map((s) => [s.index, s.reason])).toEqual([
      [1, 'a commitment is not 32 bytes'],
      [2, 'epoch 01 is out of range or not in canonical form'],
    ]);
  });

  it('a lone stale voice beside an agreed record is named as an ancestor of it, not a dissenter', () => {
    const next: VersionRecord = { ...honest, epoch: '2', commitments: [honest.commitments[0]!, ...commitments(3).slice(1)], lineage: nextLineage(honest) };
    const a = agreeOnVersions([...everyone(next, 'active', [1, 2, 3]), claim(4, honest, 'active')], policy);
    expect(a.versions.map((v) => v.epoch)).toEqual(['2']);
    expect(a.suspects).toEqual([{ index: 4, version: 1, reason: 'reports epoch 1 of version 1, an ancestor of the one 3 nodes agree on (stale: it missed a refresh or reshare, or lies)' }]);
  });

  it('a node reporting one version twice gets no voice and is named', () => {
    const a = agreeOnVersions([claim(1, honest, 'active'), claim(1, { ...honest, epoch: '2' }, 'active'), ...everyone(honest, 'active', [2, 3])], policy);
    expect(a.versions).toEqual([]);
    expect(a.suspects.map((s) => s.index)).toEqual([1]);
  });

  it('refuses a policy without a positive minThreshold', () => {
    expect(() => agreeOnVersions([], { minThreshold: 0 })).toThrow(RangeError);
  });

  it('every node that reports a version twice is named, for every version it does so (one naming does not cover another node or version)', () => {
    const v2: VersionRecord = { ...honest, version: 2, commitments: commitments(3) };
    const twice = (i: number, r: VersionRecord) => [claim(i, r, 'active'), claim(i, { ...r, epoch: '2' }, 'active')];
    // Nodes 1 and 2 double-report version 1, node 1 version 2 as well; 3, 4, 5 agree on each.
    const a = agreeOnVersions([...twice(1, honest), ...twice(2, honest), ...everyone(honest, 'active', [3, 4, 5]), ...twice(1, v2), ...everyone(v2, 'active', [3, 4, 5])], policy);
    expect(a.versions.map((v) => [v.version, v.holders])).toEqual([[1, [3, 4, 5]], [2, [3, 4, 5]]]);
    const dup = 'reported two records for one version';
    expect(a.suspects).toEqual([{ index: 1, version: 1, reason: dup }, { index: 2, version: 1, reason: dup }, { index: 1, version: 2, reason: dup }]);
  });

  it('a claim whose commitments are cut at other byte boundaries is another record: it lends the honest record no voice and borrows none', () => {
    // The same bytes, run together alike, but split differently between C_0 and C_1 (still t of them).
    const [c0, c1, c2] = honest.commitments as [Uint8Array, Uint8Array, Uint8Array];
    const recut: VersionRecord = { ...honest, commitments: [Uint8Array.from([...c0, ...c1.subarray(0, 16)]), c1.subarray(16), c2] };
    expect(recordFingerprint(recut)).not.toBe(recordFingerprint(honest));
    // The liar's claim first: with t honest voices the honest record is agreed, on its own holders, and the liar dissents.
    const a = agreeOnVersions([claim(1, recut, 'active'), ...everyone(honest, 'active', [2, 3, 4])], policy);
    expect(a.versions).toHaveLength(1);
    expect(a.versions[0]!.commitments).toEqual(honest.commitments);
    expect(a.versions[0]!.holders).toEqual([2, 3, 4]);
    expect(a.suspects.map((s) => s.index)).toEqual([1]);
    // With t − 1 honest voices the liar's claim does not make up the t-th: nothing is agreed.
    const b = agreeOnVersions([claim(1, recut, 'active'), ...everyone(honest, 'active', [2, 3])], policy);
    expect(b.versions).toEqual([]);
    expect(b.unconfirmed.map((u) => u.version)).toEqual([1]);
  });

  it('a record without a lineage and one with an empty lineage are one record (one digest): their voices count together, and the agreed record is exactly that record', () => {
    const empty: VersionRecord = { ...honest, lineage: [] };
    expect(honest.lineage).toBeUndefined();
    expect(recordDigest(empty)).toBe(recordDigest(honest));
    const a = agreeOnVersions([...everyone(honest, 'active', [1, 2]), claim(3, empty, 'active')], policy);
    expect(a.versions).toHaveLength(1);
    expect(a.versions[0]!.holders).toEqual([1, 2, 3]);
    expect(a.suspects).toEqual([]);
    // A DKG record agreed from claims without a lineage: an empty lineage, the same digest (what a refresh's lineage names).
    const b = agreeOnVersions(everyone(honest, 'active', [1, 2, 3]), policy);
    expect(b.versions[0]!.lineage).toEqual([]);
    expect(recordDigest(b.versions[0]!)).toBe(recordDigest(honest));
    expect(nextLineage(b.versions[0]!)).toEqual(nextLineage(honest));
  });
});

describe('one key at two epochs (a reshare that left out up to t − 1 old holders)', () => {
  // v1 resharded from {1,2,3} (t = 2, epoch 1) to {1,2,4} (t = 2, epoch 2): the same pkS, new
  // commitments. Node 3 was down and still reports epoch 1; node 1 lies and reports epoch 1 too.
  const old: VersionRecord = { version: 1, threshold: 2, nodeIndices: [1, 2, 3], commitments: commitments(2), epoch: '1' };
  const moved: VersionRecord = { version: 1, threshold: 2, nodeIndices: [1, 2, 4], commitments: [old.commitments[0]!, ...commitments(2).slice(1)], epoch: '2', lineage: nextLineage(old) };
  // F6: a fork a coordinator drove from the stale epoch-1 copy (node 1 left out, a liar that kept
  // its old share), at an epoch it chose: the same key, a higher epoch, but not a descendant of `moved`.
  const fork: VersionRecord = { version: 1, threshold: 2, nodeIndices: [1, 3], commitments: [old.commitments[0]!, ...commitments(2).slice(1)], epoch: '9', lineage: nextLineage(old) };
  const p2 = { minThreshold: 2 };

  it('M1: a stale holder plus one liar give the old epoch t voices, and still the newest epoch of the same key is agreed (no denial); both are named', () => {
    const a = agreeOnVersions([claim(1, old, 'active'), claim(3, old, 'active'), claim(2, moved, 'active'), claim(4, moved, 'active')], p2);
    expect(a.conflicts).toEqual([]);
    expect(a.versions).toHaveLength(1);
    expect(a.versions[0]!.epoch).toBe('2');
    expect(a.versions[0]!.holders).toEqual([2, 4]);
    expect(a.suspects.map((s) => s.index).sort()).toEqual([1, 3]);
    expect(a.suspects[0]!.reason).toMatch(/an ancestor of epoch 2/);
  });

  it('F6: a fork from an ancestor at a higher epoch is a conflict with the current record, never its replacement', () => {
    const a = agreeOnVersions([claim(1, fork, 'active'), claim(3, fork, 'active'), claim(2, moved, 'active'), claim(4, moved, 'active')], p2);
    expect(a.versions).toEqual([]);
    expect(a.conflicts).toHaveLength(1);
    // A holder of the current record never erases for the fork, however high its epoch.
    expect(supersededBy(moved, [claim(2, moved, 'active'), claim(1, fork, 'active'), claim(3, fork, 'active')], p2)).toBeUndefined();
    // A record that claims the same epoch and pkS but no lineage is no descendant either.
    const noLineage: VersionRecord = { ...moved, lineage: [] };
    expect(supersededBy(old, [claim(2, noLineage, 'active'), claim(4, noLineage, 'active')], p2)).toBeUndefined();
  });

  it('a holder several epochs behind learns it moved on (its record is in the lineage), and agreement picks the newest of a chain', () => {
    const third: VersionRecord = { ...moved, epoch: '3', commitments: [old.commitments[0]!, ...commitments(2).slice(1)], lineage: nextLineage(moved) };
    expect(third.lineage).toHaveLength(2);
    expect(supersededBy(old, [claim(2, third, 'active'), claim(4, third, 'active')], p2)?.epoch).toBe('3');
    // Node 3 missed two epochs; node 2 lies with the epoch-1 record (t voices for it); nodes 1, 4 hold epoch 3.
    const a = agreeOnVersions([claim(3, old, 'active'), claim(2, old, 'active'), claim(1, third, 'active'), claim(4, third, 'active')], p2);
    expect(a.conflicts).toEqual([]);
    expect(a.versions[0]!.epoch).toBe('3');
    expect(a.suspects.map((x) => x.index).sort()).toEqual([2, 3]);
  });

  it('the newest epoch wins whatever order the claims arrive in, and when it is destroyed the version is destroyed', () => {
    const a = agreeOnVersions([claim(2, moved, 'destroyed'), claim(3, old, 'active'), claim(4, moved, 'destroyed'), claim(1, old, 'active')], p2);
    expect(a.versions[0]!.epoch).toBe('2');
    expect(a.versions[0]!.state).toBe('destroyed');
  });

  it('two records with t voices each stay a conflict when their pkS differ, or when their epochs are equal', () => {
    const otherKey: VersionRecord = { ...moved, commitments: commitments(2) };
    const a = agreeOnVersions([claim(1, old, 'active'), claim(3, old, 'active'), claim(2, otherKey, 'active'), claim(4, otherKey, 'active')], p2);
    expect(a.versions).toEqual([]);
    expect(a.conflicts).toHaveLength(1);
    const sameEpoch: VersionRecord = { ...moved, epoch: '1' };
    const b = agreeOnVersions([claim(1, old, 'active'), claim(3, old, 'active'), claim(2, sameEpoch, 'active'), claim(4, sameEpoch, 'active')], p2);
    expect(b.conflicts).toHaveLength(1);
  });

  it('forks: serve — a same-key fork is served from its best branch (more voices, then the newer epoch), the others kept as branches, nobody named', () => {
    const serve = { minThreshold: 2, forks: 'serve' as const };
    const claims = [claim(1, fork, 'active'), claim(3, fork, 'active'), claim(2, moved, 'active'), claim(4, moved, 'active')];
    for (const order of [claims, [...claims].reverse()]) {
      const a = agreeOnVersions(order, serve);
      expect(a.conflicts).toEqual([]);
      expect(a.suspects).toEqual([]);
      expect(a.versions).toHaveLength(1);
      // Two voices each: the newer epoch (9) first.
      expect(a.versions[0]!.epoch).toBe('9');
      expect(a.versions[0]!.holders).toEqual([1, 3]);
      expect(a.versions[0]!.branches!.map((b) => [b.epoch, b.holders])).toEqual([['2', [2, 4]]]);
      expect(a.forks).toEqual([{ version: 1, reporters: [1, 2, 3, 4], reason: expect.stringMatching(/forked into 2 records of one key.*served from epoch 9 on nodes 1,3/) as string, branches: [{ epoch: '9', digest: recordDigest(fork), holders: [1, 3], live: [1, 3] }, { epoch: '2', digest: recordDigest(moved), holders: [2, 4], live: [2, 4] }] }]);
    }
    // More voices beat a newer epoch: a third holder of `moved` (node 1 is on both node sets; it reports moved).
    const wider: VersionRecord = { ...moved, nodeIndices: [1, 2, 4, 5], threshold: 2 };
    const b = agreeOnVersions([claim(3, fork, 'active'), claim(1, fork, 'active'), claim(2, wider, 'active'), claim(4, wider, 'active'), claim(5, wider, 'active')], serve);
    expect(b.versions[0]!.holders).toEqual([2, 4, 5]);
    expect(b.versions[0]!.branches![0]!.epoch).toBe('9');
    // The default policy (nodes, lifecycle) still refuses the same claims.
    expect(agreeOnVersions(claims, p2).conflicts).toHaveLength(1);
    expect(agreeOnVersions(claims, p2).forks).toEqual([]);
  });

  it('a fork whose other branches were erased is repaired: the live branch is agreed under either policy, nobody named; one liar cannot revive an erased branch', () => {
    for (const p of [p2, { minThreshold: 2, forks: 'serve' as const }]) {
      const a = agreeOnVersions([claim(1, fork, 'destroyed'), claim(3, fork, 'destroyed'), claim(2, moved, 'active'), claim(4, moved, 'active')], p);
      expect(a.conflicts).toEqual([]);
      expect(a.forks).toEqual([]);
      expect(a.suspects).toEqual([]);
      expect(a.versions.map((v) => [v.epoch, v.state, v.holders, v.branches, v.repaired])).toEqual([['2', 'active', [2, 4], undefined, true]]);
    }
    // One voice saying "destroyed" (a liar's, or one honest erasure of t) does not settle a fork for
    // lifecycle: minThreshold holders must say they erased. Clients still serve it, live holders first.
    const half = [claim(1, fork, 'active'), claim(3, fork, 'destroyed'), claim(2, moved, 'active'), claim(4, moved, 'active')];
    expect(agreeOnVersions(half, p2).conflicts).toHaveLength(1);
    const served = agreeOnVersions(half, { minThreshold: 2, forks: 'serve' });
    expect(served.versions[0]!.holders).toEqual([2, 4]);
    expect(served.versions[0]!.repaired).toBeUndefined();
    expect(served.forks[0]!.branches.map((b) => b.live)).toEqual([[2, 4], [1]]);
    // Both branches erased: no live branch, still a conflict for lifecycle (nothing to start from).
    expect(agreeOnVersions([claim(1, fork, 'destroyed'), claim(3, fork, 'destroyed'), claim(2, moved, 'destroyed'), claim(4, moved, 'destroyed')], p2).conflicts).toHaveLength(1);
  });

  it('forks: branches are ordered by live holders, not by every voice (destroyed ones cannot answer)', () => {
    const serve = { minThreshold: 2, forks: 'serve' as const };
    const wideFork: VersionRecord = { ...fork, nodeIndices: [1, 3, 5, 6, 7] };
    const wideMoved: VersionRecord = { ...moved, nodeIndices: [2, 4, 8, 9] };
    // wideFork: 5 voices, 3 of them destroyed (2 live); wideMoved: 3 live voices.
    const a = agreeOnVersions([...[1, 3].map((i) => claim(i, wideFork, 'active')), ...[5, 6, 7].map((i) => claim(i, wideFork, 'destroyed')), ...[2, 4, 8].map((i) => claim(i, wideMoved, 'active'))], serve);
    expect(a.versions[0]!.holders).toEqual([2, 4, 8]);
    expect(a.forks[0]!.branches.map((b) => b.live)).toEqual([[2, 4, 8], [1, 3]]);
  });

  it('forks: records of one pkS with no common ancestor in their windows are no fork (a record restored from beyond the window beside a destroyed current one stays a conflict)', () => {
    const serve = { minThreshold: 2, forks: 'serve' as const };
    // The current record, 65 epochs on: its window no longer names `old`. Destroyed everywhere;
    // nodes 1 and 3 were restored from a backup holding `old` (epoch 1).
    let cur: VersionRecord = old;
    for (let e = 2; e <= 66; e++) cur = { ...cur, epoch: String(e), nodeIndices: [1, 2, 3, 4], lineage: nextLineage(cur) };
    expect(cur.lineage).not.toContain(recordDigest(old));
    const claims = [claim(1, old, 'active'), claim(3, old, 'active'), claim(2, cur, 'destroyed'), claim(4, cur, 'destroyed')];
    for (const p of [p2, serve]) {
      const a = agreeOnVersions(claims, p);
      expect(a.versions).toEqual([]);
      expect(a.forks).toEqual([]);
      expect(a.conflicts).toHaveLength(1);
    }
  });

  it('forkErasures: resolve-fork erases the other branches\' holders, stale copies of their line and under-voiced branches, never the kept branch\'s line or a common ancestor', () => {
    const serve = { minThreshold: 2, forks: 'serve' as const };
    // wide (epoch 1, nodes 1..7) → L2 on {2,4,6} → L3 (a refresh node 6 missed); and R on {1,3,5}.
    const wide: VersionRecord = { ...old, nodeIndices: [1, 2, 3, 4, 5, 6, 7] };
    const L2: VersionRecord = { ...moved, nodeIndices: [2, 4, 6], lineage: nextLineage(wide) };
    const L3: VersionRecord = { ...L2, epoch: '3', commitments: [old.commitments[0]!, ...commitments(2).slice(1)], lineage: nextLineage(L2) };
    const R: VersionRecord = { ...fork, nodeIndices: [1, 3, 5], epoch: '2', lineage: nextLineage(wide) };
    const claims = [claim(2, L3, 'active'), claim(4, L3, 'active'), claim(6, L2, 'active'), ...[1, 3, 5].map((i) => claim(i, R, 'active')), claim(7, wide, 'active'), claim(8, L2, 'destroyed')];
    const a = agreeOnVersions(claims, serve);
    const all = [a.versions[0]!, ...a.versions[0]!.branches!];
    const left = all.find((b) => b.epoch === '3')!;
    const right = all.find((b) => b.holders.includes(1))!;
    expect([left.holders, right.holders]).toEqual([[2, 4], [1, 3, 5]]);
    // Node 6's L2 is an ancestor of one branch (L3), not of both: named stale, not a sibling branch.
    expect(a.suspects.find((x) => x.index === 6)!.reason).toMatch(/^reports epoch 2 of version 1, an ancestor of a branch of its fork \(stale/);
    // Keep R: L3's holders, and node 6 (L2 is L3's ancestor, not R's). Node 7 holds the common
    // ancestor (reconcile erases it by R); node 8 already erased.
    expect(forkErasures(claims, 1, right, all)).toEqual([2, 4, 6]);
    // Keep L3: R's holders only; node 6's L2 is an ancestor of the kept branch (reconcile's job).
    expect(forkErasures(claims, 1, left, all)).toEqual([1, 3, 5]);
    // A third branch with one voice in reach (node 13 of {13,14}; 14 silent) is erased too: its
    // holders would bring the fork back. A refresh of the kept branch still committing (node 15
    // ahead of R) and a record of another key (node 16) are left alone.
    const third: VersionRecord = { ...fork, nodeIndices: [13, 14], epoch: '2', commitments: [old.commitments[0]!, ...commitments(2).slice(1)], lineage: nextLineage(wide) };
    const ahead: VersionRecord = { ...R, nodeIndices: [1, 3, 15], epoch: '3', commitments: [old.commitments[0]!, ...commitments(2).slice(1)], lineage: nextLineage(R) };
    const otherKey: VersionRecord = { ...R, nodeIndices: [16, 17], commitments: commitments(2) };
    const more = [claim(13, third, 'active'), claim(15, ahead, 'active'), claim(16, otherKey, 'active')];
    expect(forkErasures([...claims, ...more], 1, right, all)).toEqual([2, 4, 6, 13]);
    expect(forkErasures([...claims, ...more], 1, left, all)).toEqual([1, 3, 5, 13, 15]);
    // Claims of another version never count; malformed ones (a liar's) are skipped, not parsed.
    const malformed = [claim(9, { ...L2, version: 2 }, 'active'), claim(10, { ...L2, commitments: [] }, 'active'), claim(11, { ...L2, epoch: 'x' }, 'active'), claim(12, { ...L2, lineage: ['zz'] }, 'active')];
    expect(forkErasures([...claims, ...malformed], 1, right, all)).toEqual([2, 4, 6]);
    // The result is sorted whatever order the claims came in; a node outside R's node set that
    // reports R's exact record (no voice, no share to erase) is left alone.
    expect(forkErasures([claim(18, R, 'active'), ...more, ...claims].reverse(), 1, right, all)).toEqual([2, 4, 6, 13]);
    expect(forkErasures([...claims, ...more].reverse(), 1, left, all)).toEqual([1, 3, 5, 13, 15]);
    // A record of R's line more than MAX_LINEAGE refreshes on (node 19, its window no longer names
    // R) may descend from the kept record: left alone. A newer sibling with room in its window
    // that does not name R (node 13's line one refresh on, node 20) is still erased.
    let far: VersionRecord = { ...R, nodeIndices: [1, 3, 19] };
    for (let e = 3; e <= 3 + MAX_LINEAGE; e++) far = { ...far, epoch: String(e), lineage: nextLineage(far) };
    expect(far.lineage).not.toContain(recordDigest(R));
    const thirdNext: VersionRecord = { ...third, nodeIndices: [13, 20], epoch: '3', lineage: nextLineage(third) };
    expect(forkErasures([...claims, claim(19, far, 'active'), claim(20, thirdNext, 'active')], 1, right, all)).toEqual([2, 4, 6, 20]);
  });

  it('forkErasures: a branch holder that already erased (its claim says destroyed) is asked again, for its receipt', () => {
    const serve = { minThreshold: 2, forks: 'serve' as const };
    const wide: VersionRecord = { ...old, nodeIndices: [1, 2, 3, 4, 5, 6, 7] };
    const L: VersionRecord = { ...moved, nodeIndices: [2, 4, 6], lineage: nextLineage(wide) };
    const R: VersionRecord = { ...fork, nodeIndices: [1, 3, 5], epoch: '2', lineage: nextLineage(wide) };
    // L: 2 and 4 live, 6 erased already (an interrupted resolve-fork); R: three live holders.
    const claims = [claim(2, L, 'active'), claim(4, L, 'active'), claim(6, L, 'destroyed'), ...[1, 3, 5].map((i) => claim(i, R, 'active'))];
    const a = agreeOnVersions(claims, serve);
    const all = [a.versions[0]!, ...a.versions[0]!.branches!];
    const right = all.find((b) => b.holders.includes(1))!;
    const left = all.find((b) => b.holders.includes(2))!;
    expect(left.holders).toEqual([2, 4, 6]);
    expect(forkErasures(claims, 1, right, all)).toEqual([2, 4, 6]);
  });

  it('keepProblem: a branch kept alone needs t + minThreshold − 1 live holders, and a t no lower than another branch\'s', () => {
    const serve = { minThreshold: 2, forks: 'serve' as const };
    const three: VersionRecord = { ...moved, nodeIndices: [2, 4, 5] };
    const a = agreeOnVersions([claim(1, fork, 'active'), claim(3, fork, 'active'), claim(2, three, 'active'), claim(4, three, 'active'), claim(5, three, 'active')], serve);
    const all = [a.versions[0]!, ...a.versions[0]!.branches!];
    const [best, other] = all;
    expect(best!.holders).toEqual([2, 4, 5]);
    expect(keepProblem(best!, all, serve)).toBeUndefined(); // 3 ≥ 2 + 2 − 1
    expect(keepProblem(other!, all, serve)).toMatch(/it has 2 live holders; keeping it alone needs t \+ minThreshold − 1 = 3/); // one liar of two leaves one honest share of t = 2
    const b = agreeOnVersions([claim(1, fork, 'active'), claim(3, fork, 'active'), claim(2, three, 'active'), claim(4, three, 'active'), claim(5, three, 'destroyed')], serve);
    const bAll = [b.versions[0]!, ...b.versions[0]!.branches!];
    const withFive = bAll.find((x) => x.holders.includes(5))!;
    expect(liveHolders(withFive)).toEqual([2, 4]);
    expect(keepProblem(withFive, bAll, serve)).toMatch(/2 live holders/);
    // A reshare to t = 2 beside a refresh at t = 3: the t = 2 branch is not kept, however many hold it.
    const key = old.commitments[0]!;
    const t3: VersionRecord = { version: 1, threshold: 3, nodeIndices: [1, 2, 3, 4, 5], commitments: [key, ...createDealing(group, { kind: 'dkg', t: 3, receivers: nodes }, rng).commitments.slice(1)], epoch: '2', lineage: nextLineage(old) };
    const t2: VersionRecord = { ...moved, nodeIndices: [6, 7, 8, 9] };
    const c = agreeOnVersions([...[1, 2, 3, 4, 5].map((i) => claim(i, t3, 'active')), ...[6, 7, 8, 9].map((i) => claim(i, t2, 'active'))], serve);
    const cAll = [c.versions[0]!, ...c.versions[0]!.branches!];
    expect(keepProblem(cAll.find((x) => x.threshold === 2)!, cAll, serve)).toMatch(/t = 2, below another branch's 3/);
    expect(keepProblem(cAll.find((x) => x.threshold === 3)!, cAll, serve)).toBeUndefined();
  });

  it('a repaired fork still names stale voices for the common ancestor and a dissenter, never the erased branch', () => {
    const wide: VersionRecord = { ...old, nodeIndices: [1, 2, 3, 4, 5, 6, 7] };
    const left: VersionRecord = { ...moved, lineage: nextLineage(wide) };
    const right: VersionRecord = { ...fork, epoch: '2', lineage: nextLineage(wide) };
    const forged: VersionRecord = { ...left, nodeIndices: [2, 4, 7] };
    const claims = [claim(2, left, 'active'), claim(4, left, 'active'), claim(1, right, 'destroyed'), claim(3, right, 'destroyed'), claim(5, wide, 'active'), claim(6, wide, 'active'), claim(7, forged, 'active')];
    for (const p of [p2, { minThreshold: 2, forks: 'serve' as const }]) {
      const a = agreeOnVersions(claims, p);
      expect(a.versions.map((v) => [v.holders, v.repaired])).toEqual([[[2, 4], true]]);
      expect(a.suspects.map((x) => x.index).sort()).toEqual([5, 6, 7]);
      expect(a.suspects.find((x) => x.index === 5)!.reason).toMatch(/reports epoch 1 of version 1, an ancestor of epoch 2 that 2 nodes agree on/);
      // Node 7's record (the agreed one's key and lineage, another node set holding 7) could be a
      // branch whose other holders are out of reach, or a lie: named, and the reason says which.
      expect(a.suspects.find((x) => x.index === 7)!.reason).toMatch(/reports epoch 2 of version 1, another branch of the same key that fewer than its t nodes confirm \(.*or a lie\)/);
    }
  });

  it('forks: with as many live holders, the newer epoch first, whatever the digests say; then the lower digest, in every claim order', () => {
    const serve = { minThreshold: 2, forks: 'serve' as const };
    const sibling = (nodes: number[], epoch: string): VersionRecord => ({ ...moved, nodeIndices: nodes, epoch, commitments: [old.commitments[0]!, ...commitments(2).slice(1)] });
    // Find a pair whose digest order is the opposite of their epoch order, so that only the epoch rule puts the newer first.
    let pair: [VersionRecord, VersionRecord] | undefined;
    for (let i = 0; i < 20 && !pair; i++) {
      const a = sibling([1, 3], '5');
      const b = sibling([2, 4], '3');
      if (recordDigest(a) > recordDigest(b)) pair = [a, b];
    }
    const [newer, older] = pair!;
    const claims = [claim(1, newer, 'active'), claim(3, newer, 'active'), claim(2, older, 'active'), claim(4, older, 'active')];
    for (const order of [claims, [...claims].reverse()]) expect(agreeOnVersions(order, serve).versions[0]!.epoch).toBe('5');
    // Three siblings of one epoch: lowest digest first, the others ascending, for every order of the claims.
    const three = [sibling([1, 3], '2'), sibling([2, 4], '2'), sibling([5, 6], '2')].map((r) => ({ ...r, nodeIndices: [...r.nodeIndices] }));
    const wanted = three.map((r) => recordDigest(r)).sort();
    const perms = [[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]];
    for (const perm of perms) {
      const cs = perm.flatMap((k) => three[k]!.nodeIndices.map((n) => claim(n, three[k]!, 'active')));
      const v = agreeOnVersions(cs, serve).versions[0]!;
      expect([v, ...v.branches!].map((b) => recordDigest(b)), `order ${perm}`).toEqual(wanted);
    }
  });

  it('forks: a branch that can no longer answer comes after the live ones even with more live holders (another t)', () => {
    const serve = { minThreshold: 2, forks: 'serve' as const };
    const key = old.commitments[0]!;
    const withT = (t: number, nodes: number[]): VersionRecord => ({ version: 1, threshold: t, nodeIndices: nodes, commitments: [key, ...createDealing(group, { kind: 'dkg', t, receivers: nodes }, rng).commitments.slice(1)], epoch: '2', lineage: nextLineage(old) });
    // X: t = 4 on 1..6, three of them erased (3 live < 4: it cannot answer); Y and Z: t = 2, two live each.
    const X = withT(4, [1, 2, 3, 4, 5, 6]);
    const Y = withT(2, [7, 8]);
    const Z = withT(2, [9, 10]);
    const claims = [...[1, 2, 3].map((i) => claim(i, X, 'active')), ...[4, 5, 6].map((i) => claim(i, X, 'destroyed')), claim(7, Y, 'active'), claim(8, Y, 'active'), claim(9, Z, 'active'), claim(10, Z, 'active')];
    const a = agreeOnVersions(claims, serve);
    expect(a.versions[0]!.state).toBe('active');
    expect(a.versions[0]!.threshold).toBe(2);
    expect(a.versions[0]!.branches!.map((b) => b.state)).toEqual(['active', 'destroyed']);
  });

  it('a repaired fork stays repaired however far the kept branch moves on (beyond the window its tombstoned sibling shares no ancestor with it)', () => {
    // moved {2,4} kept; fork {1,3} erased by both holders; then moved refreshed 65 times.
    let kept: VersionRecord = moved;
    for (let e = 3; e <= 67; e++) kept = { ...kept, epoch: String(e), lineage: nextLineage(kept) };
    expect(kept.lineage!.some((d) => (fork.lineage ?? []).includes(d))).toBe(false);
    const claims = [claim(1, fork, 'destroyed'), claim(3, fork, 'destroyed'), claim(2, kept, 'active'), claim(4, kept, 'active')];
    for (const p of [p2, { minThreshold: 2, forks: 'serve' as const }]) {
      const a = agreeOnVersions(claims, p);
      expect(a.conflicts).toEqual([]);
      expect(a.suspects).toEqual([]);
      expect(a.versions.map((v) => [v.epoch, v.state, v.holders, v.repaired])).toEqual([['67', 'active', [2, 4], true]]);
    }
    // One liar's "destroyed" is no tombstone: still a conflict (no common ancestor, nothing erased).
    expect(agreeOnVersions([claim(1, fork, 'destroyed'), claim(3, fork, 'active'), claim(2, kept, 'active'), claim(4, kept, 'active')], p2).conflicts).toHaveLength(1);
  });

  it('forks: serve — equal branches are ordered by digest', () => {
    const serve = { minThreshold: 2, forks: 'serve' as const };
    // Two siblings at one epoch with as many voices: the lower digest first, whatever the order of the claims.
    const sib: VersionRecord = { ...moved, nodeIndices: [1, 3], commitments: [old.commitments[0]!, ...commitments(2).slice(1)] };
    const first = recordDigest(sib) < recordDigest(moved) ? sib : moved;
    const claims = [claim(1, sib, 'active'), claim(3, sib, 'active'), claim(2, moved, 'active'), claim(4, moved, 'active')];
    expect(recordDigest(agreeOnVersions(claims, serve).versions[0]!)).toBe(recordDigest(first));
    expect(recordDigest(agreeOnVersions([...claims].reverse(), serve).versions[0]!)).toBe(recordDigest(first));
  });

  it('forks: serve — another pkS is still a conflict; stale voices for the common ancestor and a lone forger are named', () => {
    const serve = { minThreshold: 2, forks: 'serve' as const };
    const otherKey: VersionRecord = { ...fork, commitments: commitments(2) };
    const a = agreeOnVersions([claim(1, otherKey, 'active'), claim(3, otherKey, 'active'), claim(2, moved, 'active'), claim(4, moved, 'active')], serve);
    expect(a.versions).toEqual([]);
    expect(a.forks).toEqual([]);
    expect(a.conflicts).toHaveLength(1);
    // Old {1..5} t = 2; branches {2,4} and {1,3} of it; nodes 5 and 6 still report the ancestor… and a forger.
    const wide: VersionRecord = { ...old, nodeIndices: [1, 2, 3, 4, 5, 6] };
    const left: VersionRecord = { ...moved, lineage: nextLineage(wide) };
    const right: VersionRecord = { ...fork, epoch: '2', lineage: nextLineage(wide) };
    const forged: VersionRecord = { ...left, nodeIndices: [2, 4, 7] };
    const b = agreeOnVersions([claim(2, left, 'active'), claim(4, left, 'active'), claim(1, right, 'active'), claim(3, right, 'active'), claim(5, wide, 'active'), claim(6, wide, 'active'), claim(7, forged, 'active')], serve);
    expect(b.forks).toHaveLength(1);
    expect(b.versions[0]!.branches).toHaveLength(1);
    expect(b.suspects.map((x) => x.index).sort()).toEqual([5, 6, 7]);
    expect(b.suspects.find((x) => x.index === 5)!.reason).toMatch(/an ancestor of a fork's branches/);
    expect(b.suspects.find((x) => x.index === 7)!.reason).toMatch(/another branch of the same key that fewer than its t nodes confirm/);
  });

  it('forks: serve — a third branch with fewer than t reachable voices, a lone stale voice and a record of another key are each named with what they are (P4)', () => {
    const serve = { minThreshold: 2, forks: 'serve' as const };
    // Old {1..7} t = 2, three reshares of it: {2,4} and {1,3} each with t voices; {5,6} with one
    // reachable holder (node 5; node 6 answers with a record of another key). Node 7 alone still
    // reports the old record.
    const wide: VersionRecord = { ...old, nodeIndices: [1, 2, 3, 4, 5, 6, 7] };
    const left: VersionRecord = { ...moved, lineage: nextLineage(wide) };
    const right: VersionRecord = { ...fork, epoch: '2', lineage: nextLineage(wide) };
    const third: VersionRecord = { ...moved, nodeIndices: [5, 6], commitments: [old.commitments[0]!, ...commitments(2).slice(1)], lineage: nextLineage(wide) };
    const otherKey: VersionRecord = { ...wide, commitments: commitments(2) };
    // Node 8: a record of another key that names the same ancestor (a sibling's lineage, not its key).
    const otherKeySibling: VersionRecord = { ...left, nodeIndices: [2, 4, 8], commitments: commitments(2) };
    const claims = [claim(2, left, 'active'), claim(4, left, 'active'), claim(1, right, 'active'), claim(3, right, 'active'), claim(5, third, 'active'), claim(7, wide, 'active'), claim(6, otherKey, 'active'), claim(8, otherKeySibling, 'active')];
    for (const order of [claims, [...claims].reverse()]) {
      const a = agreeOnVersions(order, serve);
      expect(a.forks.map((f) => f.branches.map((b) => b.holders).sort())).toEqual([[[1, 3], [2, 4]]]);
      const reasons = Object.fromEntries(a.suspects.map((x) => [x.index, x.reason]));
      expect(Object.keys(reasons).map(Number).sort()).toEqual([5, 6, 7, 8]);
      expect(reasons[8]).toMatch(/^reports a record of version 1 that differs from every branch of its fork$/);
      expect(reasons[5]).toMatch(/^reports epoch 2 of version 1, another branch of the same key that fewer than its t nodes confirm/);
      expect(reasons[7]).toMatch(/^reports epoch 1 of version 1, an ancestor of a branch of its fork \(stale/);
      expect(reasons[6]).toMatch(/^reports a record of version 1 that differs from every branch of its fork$/);
    }
  });

  it('beyond the lineage window: a record 65 epochs on no longer names the old one; that is flagged, not taken for a descendant', () => {
    let r: VersionRecord = moved;
    for (let e = 3; e <= 2 + MAX_LINEAGE; e++) r = { ...r, epoch: String(e), lineage: nextLineage(r) };
    expect(r.lineage).toHaveLength(MAX_LINEAGE);
    expect(r.lineage).not.toContain(nextLineage(old)[0]);
    const voices = [claim(2, r, 'active'), claim(4, r, 'active')];
    expect(supersededBy(old, voices, p2)).toBeUndefined();
    expect(beyondLineageWindow(old, voices, p2)?.epoch).toBe(String(2 + MAX_LINEAGE));
    // Within the window: a descendant, not flagged.
    expect(beyondLineageWindow(moved, voices, p2)).toBeUndefined();
    expect(supersededBy(moved, voices, p2)?.epoch).toBe(String(2 + MAX_LINEAGE));
    // One voice is not enough to flag.
    expect(beyondLineageWindow(old, voices.slice(0, 1), p2)).toBeUndefined();
  });

  it('beyondLineageWindow flags only a full window of the same key at a newer epoch, whatever the stale record’s own voices', () => {
    let r: VersionRecord = moved;
    for (let e = 3; e <= 2 + MAX_LINEAGE; e++) r = { ...r, epoch: String(e), lineage: nextLineage(r) };
    const far = [claim(2, r, 'active'), claim(4, r, 'active')];
    // The stale record has t voices itself (node 3 and a liar): still flagged, never "agreed".
    expect(beyondLineageWindow(old, [claim(3, old, 'active'), claim(1, old, 'active'), ...far], p2)?.epoch).toBe(r.epoch);
    // Claims of another version do not count.
    expect(beyondLineageWindow(old, far.map((c) => claim(c.reporter, { ...r, version: 2 }, 'active')), p2)).toBeUndefined();
    // Another key: not flagged.
    const otherKey = { ...r, commitments: [commitments(2)[0]!, r.commitments[1]!] };
    expect(beyondLineageWindow(old, [claim(2, otherKey, 'active'), claim(4, otherKey, 'active')], p2)).toBeUndefined();
    // Not newer: not flagged.
    const same = { ...r, epoch: old.epoch };
    expect(beyondLineageWindow(old, [claim(2, same, 'active'), claim(4, same, 'active')], p2)).toBeUndefined();
    // A window that is not full and does not name the record is a fork within the window: a conflict, not flagged.
    const short = { ...r, lineage: r.lineage!.slice(1) };
    expect(beyondLineageWindow(old, [claim(2, short, 'active'), claim(4, short, 'active')], p2)).toBeUndefined();
  });

  it('refuses a claimed lineage that is too long or not lowercase 32-byte hex digests (named, no voice)', () => {
    const d = nextLineage(old)[0]!;
    const bad = [Array.from({ length: MAX_LINEAGE + 1 }, () => d), [d.slice(1)], [`zz${d}`], [`${d}0`], [d.toUpperCase()]];
    for (const lineage of bad) {
      const forged: VersionRecord = { ...moved, lineage };
      const a = agreeOnVersions([claim(1, forged, 'active'), claim(2, moved, 'active'), claim(4, moved, 'active')], p2);
      expect(a.suspects, JSON.stringify(lineage).slice(0, 40)).toContainEqual({ index: 1, version: 1, reason: 'lineage is malformed' });
      expect(a.versions[0]!.holders).toEqual([2, 4]);
    }
    // Exactly MAX_LINEAGE digests is well formed.
    const full: VersionRecord = { ...moved, lineage: Array.from({ length: MAX_LINEAGE }, () => d) };
    expect(agreeOnVersions([claim(1, full, 'active'), claim(2, full, 'active')], p2).suspects).toEqual([]);
  });

  it('supersededBy: a holder of the old epoch learns it moved on only from t agreeing voices of the same key', () => {
    // The stale node's own view: its claim, and the others'.
    expect(supersededBy(old, [claim(3, old, 'active'), claim(2, moved, 'active'), claim(4, moved, 'active')], p2)?.epoch).toBe('2');
    // One voice (a liar) for a newer epoch is not enough.
    expect(supersededBy(old, [claim(3, old, 'active'), claim(2, old, 'active'), claim(4, moved, 'active')], p2)).toBeUndefined();
    // t voices, but below the policy's minThreshold.
    const low: VersionRecord = { ...moved, threshold: 1, commitments: [old.commitments[0]!] };
    expect(supersededBy(old, [claim(2, low, 'active')], p2)).toBeUndefined();
    // t voices for a newer epoch of another key: not this key moving on (never erase for it).
    const otherKey: VersionRecord = { ...moved, commitments: commitments(2), lineage: nextLineage(old) };
    expect(supersededBy(old, [claim(2, otherKey, 'active'), claim(4, otherKey, 'active')], p2)).toBeUndefined();
    // The same epoch is not newer.
    expect(supersededBy(moved, [claim(2, moved, 'active'), claim(4, moved, 'active')], p2)).toBeUndefined();
  });

  it('review F2: a 3-of-5 record is superseded only on 3 voices, not on a made-up 2-of-2 descendant of its t − 1 liars', () => {
    const old3: VersionRecord = { version: 1, threshold: 3, nodeIndices: [1, 2, 3, 4, 5], commitments: commitments(3), epoch: '1' };
    const fake: VersionRecord = { version: 1, threshold: 2, nodeIndices: [4, 5], commitments: [old3.commitments[0]!, ...commitments(2).slice(1)], epoch: '2', lineage: nextLineage(old3) };
    expect(supersededBy(old3, [claim(3, old3, 'active'), claim(4, fake, 'active'), claim(5, fake, 'active')], p2)).toBeUndefined();
    // The same descendant reported by three nodes (a genuine 2-of-3 reshare) supersedes it.
    const real: VersionRecord = { ...fake, nodeIndices: [4, 5, 6] };
    expect(supersededBy(old3, [claim(4, real, 'active'), claim(5, real, 'active'), claim(6, real, 'active')], p2)?.epoch).toBe('2');
    expect(supersededBy(old3, [claim(4, real, 'active'), claim(5, real, 'active')], p2)).toBeUndefined();
  });

  it('review G3: a reshare to fewer holders than the old t gathers the rest from old holders that dealt and left for exactly it', () => {
    const old3: VersionRecord = { version: 1, threshold: 3, nodeIndices: [1, 2, 3, 4, 5], commitments: commitments(3), epoch: '1' };
    const small: VersionRecord = { version: 1, threshold: 2, nodeIndices: [1, 2], commitments: [old3.commitments[0]!, ...commitments(2).slice(1)], epoch: '2', lineage: nextLineage(old3) };
    const voices = [claim(1, small, 'active'), claim(2, small, 'active')];
    expect(supersededBy(old3, voices, p2)).toBeUndefined();
    expect(supersededBy(old3, voices, p2, new Map([[3, recordDigest(small)]]))?.epoch).toBe('2');
    // Left for another record, or a node outside the old record: no voice.
    expect(supersededBy(old3, voices, p2, new Map([[3, recordDigest(old3)]]))).toBeUndefined();
    expect(supersededBy(old3, voices, p2, new Map([[6, recordDigest(small)]]))).toBeUndefined();
    // Refreshed since: a dealer that left for `small` still counts for its descendant.
    const refreshed: VersionRecord = { ...small, epoch: '3', commitments: [old3.commitments[0]!, ...commitments(2).slice(1)], lineage: nextLineage(small) };
    const later = [claim(1, refreshed, 'active'), claim(2, refreshed, 'active')];
    expect(supersededBy(old3, later, p2, new Map([[3, recordDigest(small)]]))?.epoch).toBe('3');
    // Left for an ancestor of own (at or before own in the lineage): nothing about own.
    const older: VersionRecord = { version: 1, threshold: 3, nodeIndices: [1, 2, 3, 4, 5], commitments: [old3.commitments[0]!, ...commitments(3).slice(1)], epoch: '0' };
    const mid: VersionRecord = { ...old3, lineage: nextLineage(older) };
    const fromMid: VersionRecord = { ...small, lineage: nextLineage(mid) };
    expect(supersededBy(mid, [claim(1, fromMid, 'active'), claim(2, fromMid, 'active')], p2, new Map([[3, recordDigest(older)]]))).toBeUndefined();
    // Review I1: liars place own's ancestor `older` after own in a made-up lineage; a node restored
    // from a backup still reports leaving for `older`. Not a voice: own descends from it.
    const forged: VersionRecord = { ...fromMid, lineage: [...nextLineage(mid), recordDigest(older)] };
    expect(supersededBy(mid, [claim(1, forged, 'active'), claim(2, forged, 'active')], p2, new Map([[3, recordDigest(older)]]))).toBeUndefined();
    // Same beyond own's lineage window: an ancestor the node witnessed (store `ancestors`).
    const noLineage: VersionRecord = { ...mid, lineage: [] };
    const forged2: VersionRecord = { ...fromMid, lineage: [...nextLineage(noLineage), recordDigest(older)] };
    const voices2 = [claim(1, forged2, 'active'), claim(2, forged2, 'active')];
    expect(supersededBy(noLineage, voices2, p2, new Map([[3, recordDigest(older)]]))?.epoch).toBe('2');
    expect(supersededBy(noLineage, voices2, p2, new Map([[3, recordDigest(older)]]), [recordDigest(older)])).toBeUndefined();
  });

  it('A4-4: beyond the window, a stale record is superseded only when minThreshold holders of the agreed record witnessed it', () => {
    let r: VersionRecord = moved;
    for (let e = 3; e <= 2 + MAX_LINEAGE; e++) r = { ...r, epoch: String(e), lineage: nextLineage(r) };
    const far = [claim(2, r, 'active'), claim(4, r, 'active'), claim(5, r, 'active')];
    const p = { minThreshold: 2 };
    expect(supersededBeyondWindow(old, far, p, new Set([2, 4]))?.epoch).toBe(r.epoch);
    // One confirmation (it may be a liar's) is not enough, whoever gives it.
    expect(supersededBeyondWindow(old, far, p, new Set([4]))).toBeUndefined();
    // Confirmations from nodes that do not hold the agreed record do not count.
    expect(supersededBeyondWindow(old, far, p, new Set([1, 3, 4]))).toBeUndefined();
    // The policy sets the count: with minThreshold 3, two confirmations are not enough.
    expect(supersededBeyondWindow(old, far, { minThreshold: 3 }, new Set([2, 4]))).toBeUndefined();
    // Within the window it is not this rule's case (supersededBy decides there).
    expect(supersededBeyondWindow(moved, far, p, new Set([2, 4, 5]))).toBeUndefined();
    // Another key at a newer epoch is never a descendant, confirmed or not.
    const otherKey = { ...r, commitments: [commitments(2)[0]!, r.commitments[1]!] };
    expect(supersededBeyondWindow(old, [claim(2, otherKey, 'active'), claim(4, otherKey, 'active')], p, new Set([2, 4]))).toBeUndefined();
    // Fewer than t voices for the newer record: nothing agreed, nothing erased.
    expect(supersededBeyondWindow(old, far.slice(0, 1), p, new Set([2, 4]))).toBeUndefined();
    // The stale record's own t sets the count too (review F2): a 3-of-n record needs 3 confirmations.
    expect(supersededBeyondWindow({ ...old, threshold: 3 }, far, p, new Set([2, 4]))).toBeUndefined();
  });

  it('a record agreed without any erased branch is not marked repaired (a client holds it to the epoch it accepted)', () => {
    const plain = agreeOnVersions([claim(2, moved, 'active'), claim(4, moved, 'active')], p2);
    expect(plain.versions.map((v) => [v.epoch, v.repaired])).toEqual([['2', undefined]]);
    // The newest of a chain beside stale voices (M1): the stale ones are named, not erased; not a repair either.
    const m1 = agreeOnVersions([claim(1, old, 'active'), claim(3, old, 'active'), claim(2, moved, 'active'), claim(4, moved, 'active')], p2);
    expect(m1.versions.map((v) => [v.epoch, v.repaired])).toEqual([['2', undefined]]);
    expect(m1.suspects.map((s) => s.index).sort()).toEqual([1, 3]);
  });

  it('a lineage whose digests are run together is malformed in either claim order: its reporter is named and lends the record no voice', () => {
    const third: VersionRecord = { ...moved, epoch: '3', commitments: [old.commitments[0]!, ...commitments(2).slice(1)], lineage: nextLineage(moved) };
    expect(third.lineage).toHaveLength(2);
    // The same characters as the honest lineage, as one 128-digit entry.
    const glued: VersionRecord = { ...third, lineage: [third.lineage!.join('')] };
    const honestVoices = [claim(2, third, 'active'), claim(4, third, 'active')];
    for (const claims of [[claim(1, glued, 'active'), ...honestVoices], [...honestVoices, claim(1, glued, 'active')]]) {
      const a = agreeOnVersions(claims, p2);
      expect(a.versions.map((v) => [v.epoch, v.holders])).toEqual([['3', [2, 4]]]);
      expect(a.suspects).toEqual([{ index: 1, version: 1, reason: 'lineage is malformed' }]);
    }
  });

  it('an erased record of another key is no tombstone: two keys for one version stay a conflict, even beside a live record at a newer epoch', () => {
    // Nodes 1 and 3 both say they erased `otherKey` (minThreshold of them, none live): were it of moved's key, a tombstone.
    const otherKey: VersionRecord = { ...old, commitments: commitments(2) };
    const claims = [claim(1, otherKey, 'destroyed'), claim(3, otherKey, 'destroyed'), claim(2, moved, 'active'), claim(4, moved, 'active')];
    for (const p of [p2, { minThreshold: 2, forks: 'serve' as const }]) {
      const a = agreeOnVersions(claims, p);
      expect(a.versions).toEqual([]);
      expect(a.conflicts.map((c) => [c.version, c.reporters])).toEqual([[1, [1, 2, 3, 4]]]);
    }
    // The same claims with the erased record of moved's own key: the tombstone of a repaired fork.
    const sameKey = agreeOnVersions([claim(1, fork, 'destroyed'), claim(3, fork, 'destroyed'), claim(2, moved, 'active'), claim(4, moved, 'active')], p2);
    expect(sameKey.versions.map((v) => [v.epoch, v.repaired])).toEqual([['2', true]]);
  });

  it('forks: a branch that cannot answer is served after a live one with fewer live holders, in either claim order', () => {
    const serve = { minThreshold: 2, forks: 'serve' as const };
    const key = old.commitments[0]!;
    const withT = (t: number, who: number[]): VersionRecord => ({ version: 1, threshold: t, nodeIndices: who, commitments: [key, ...createDealing(group, { kind: 'dkg', t, receivers: who }, rng).commitments.slice(1)], epoch: '2', lineage: nextLineage(old) });
    // X: t = 4, three live holders and one erased (it cannot answer; one "destroyed" does not make it erased). Y: t = 2, two live.
    const X = withT(4, [1, 2, 3, 4]);
    const Y = withT(2, [7, 8]);
    const xs = [claim(1, X, 'active'), claim(2, X, 'active'), claim(3, X, 'active'), claim(4, X, 'destroyed')];
    const ys = [claim(7, Y, 'active'), claim(8, Y, 'active')];
    for (const claims of [[...xs, ...ys], [...ys, ...xs]]) {
      const a = agreeOnVersions(claims, serve);
      expect(a.versions).toHaveLength(1);
      expect([a.versions[0]!.threshold, a.versions[0]!.state, a.versions[0]!.holders]).toEqual([2, 'active', [7, 8]]);
      expect(a.versions[0]!.branches!.map((b) => [b.threshold, b.state, liveHolders(b)])).toEqual([[4, 'destroyed', [1, 2, 3]]]);
    }
  });

  it('descent is never inferred through a middle record: a record that fell out of the newest one\'s window stays a conflict (beyond the window only witnesses decide)', () => {
    // old (epoch 1) → moved (epoch 2) → … → cur (epoch 66): cur names moved but no longer old.
    let cur: VersionRecord = moved;
    for (let e = 3; e <= 66; e++) cur = { ...cur, epoch: String(e), nodeIndices: [2, 4, 5, 6], lineage: nextLineage(cur) };
    expect(cur.lineage).toContain(recordDigest(moved));
    expect(cur.lineage).not.toContain(recordDigest(old));
    const claims = [claim(1, old, 'active'), claim(3, old, 'active'), claim(2, moved, 'active'), claim(4, moved, 'active'), claim(5, cur, 'active'), claim(6, cur, 'active')];
    for (const p of [p2, { minThreshold: 2, forks: 'serve' as const }]) {
      const a = agreeOnVersions(claims, p);
      expect(a.versions).toEqual([]);
      expect(a.forks).toEqual([]);
      expect(a.conflicts.map((c) => c.reporters)).toEqual([[1, 2, 3, 4, 5, 6]]);
    }
    // Without the voices for old, cur descends from every other record: it is agreed, moved's voices named stale.
    const b = agreeOnVersions(claims.slice(2), p2);
    expect(b.versions.map((v) => [v.epoch, v.holders])).toEqual([['66', [5, 6]]]);
    expect(b.suspects.map((s) => s.index)).toEqual([2, 4]);
  });

  it('carriedAncestors: a node that held each record remembers the ones that leave the window, and only then', () => {
    const withAnc = (rec: VersionRecord, ancestors: string[]) => ({ ...rec, ancestors });
    // One step within the window: nothing falls out.
    expect(carriedAncestors(old, nextLineage(old))).toEqual([]);
    // Walk 70 refreshes from `old`, carrying what each step returns.
    let held: VersionRecord & { ancestors: string[] } = withAnc(old, []);
    const chain: string[] = [];
    for (let e = 2; e <= 71; e++) {
      chain.push(recordDigest(held));
      const next: VersionRecord = { ...held, epoch: String(e), lineage: nextLineage(held) };
      held = withAnc(next, carriedAncestors(held, next.lineage!));
    }
    expect(held.lineage).toEqual(chain.slice(-MAX_LINEAGE));
    // What fell out of the window, oldest first, is remembered exactly.
    expect(held.ancestors).toEqual(chain.slice(0, chain.length - MAX_LINEAGE));
    expect(held.ancestors[0]).toBe(recordDigest(old));
    // A record this node did not hold the parent of (a receiver of a reshare, or a fork): only the window.
    const other: VersionRecord = { ...moved, epoch: '5' };
    expect(carriedAncestors(withAnc(other, ['ab'.repeat(32)]), held.lineage!)).toEqual([]);
    expect(carriedAncestors(undefined, held.lineage!)).toEqual([]);
    // At most MAX_WITNESSED, the newest kept.
    const many = Array.from({ length: MAX_WITNESSED + 5 }, (_, i) => i.toString(16).padStart(64, '0'));
    const parent = withAnc(held, many);
    const kept = carriedAncestors(parent, nextLineage(parent));
    expect(kept).toHaveLength(MAX_WITNESSED);
    expect(kept[kept.length - 1]).toBe(parent.lineage![0]);
    expect(kept).not.toContain(many[0]);
  });
});

describe('a client refuses to go back on what it accepted', () => {
  const before = remember({ ...honest, epoch: '3' });
  it('accepts the same record and a newer epoch', () => {
    expect(regression(before, { ...honest, epoch: '3' })).toBeUndefined();
    expect(regression(before, { ...honest, epoch: '4' })).toBeUndefined();
    expect(regression(undefined, honest)).toBeUndefined();
  });
  it('refuses an older epoch, a lower threshold, another pkS', () => {
    expect(regression(before, { ...honest, epoch: '2' })).toMatch(/went back from epoch 3 to 2/);
    const lower = { ...honest, epoch: '3', threshold: 2, commitments: [honest.commitments[0]!, honest.commitments[1]!] };
    expect(regression(before, lower)).toMatch(/went down from threshold 3 to 2/);
    expect(regression(before, { ...honest, epoch: '3', commitments: commitments(3) })).toMatch(/another public key/);
  });
});

describe('record shape checks, each named (a claim that breaks one is never counted)', () => {
  const only = (r: VersionRecord) => agreeOnVersions(everyone(r), policy);
  it.each([
    [{ ...honest, threshold: 0, commitments: [] }, /threshold 0 is not a positive integer/],
    [{ ...honest, threshold: 2.5 }, /threshold 2.5 is not a positive integer/],
    [{ ...honest, nodeIndices: [1, 2, 2, 4, 5] }, /node set has a bad or repeated index/],
    [{ ...honest, nodeIndices: [0, 1, 2, 3, 4] }, /node set has a bad or repeated index/],
    [{ ...honest, nodeIndices: [1, 2, 3, 4, 256] }, /node set has a bad or repeated index/],
    [{ ...honest, nodeIndices: [1, 2, 3, 4, 4.5] }, /node set has a bad or repeated index/],
    [{ ...honest, epoch: '12345678901234567' }, /epoch 12345678901234567 is out of range/],
    [{ ...honest, epoch: '-1' }, /epoch -1 is out of range/],
    [{ ...honest, epoch: '1e3' }, /epoch 1e3 is out of range/],
  ])('refuses %#', (record, reason) => {
    const a = only(record as VersionRecord);
    expect(a.versions).toEqual([]);
    expect(a.suspects.length).toBeGreaterThan(0);
    for (const s of a.suspects) expect(s.reason).toMatch(reason);
  });

  it('a threshold equal to the node count and an epoch of 16 digits are accepted', () => {
    const all5 = { ...honest, threshold: 5, commitments: commitments(5), epoch: '1234567890123456' };
    expect(only(all5).versions).toHaveLength(1);
  });

  it('the fingerprint keeps fields apart: node sets and commitments that concatenate alike are different records', () => {
    const a: VersionRecord = { ...honest, nodeIndices: [1, 2, 3, 4, 5] };
    const b: VersionRecord = { ...honest, nodeIndices: [1, 2, 3, 45] };
    expect(recordFingerprint(a)).not.toBe(recordFingerprint(b));
    const swapped = { ...honest, commitments: [honest.commitments[1]!, honest.commitments[0]!, honest.commitments[2]!] };
    expect(recordFingerprint(swapped)).not.toBe(recordFingerprint(honest));
    expect(recordFingerprint({ ...honest, epoch: '2' })).not.toBe(recordFingerprint(honest));
    expect(recordFingerprint({ ...honest, version: 2 })).not.toBe(recordFingerprint(honest));
    // Field boundaries: threshold 2 with nodes 11,12 is not threshold 21 with nodes 1,12.
    expect(recordFingerprint({ ...honest, threshold: 2, nodeIndices: [11, 12] })).not.toBe(recordFingerprint({ ...honest, threshold: 21, nodeIndices: [1, 12] }));
    const d = nextLineage(honest)[0]!;
    expect(recordFingerprint({ ...honest, lineage: [d] })).not.toBe(recordFingerprint(honest));
  });

  it('index 255 is a valid node, 256 is not; minThreshold 1 is a valid policy', () => {
    const top: VersionRecord = { version: 1, threshold: 1, nodeIndices: [255], commitments: commitments(1), epoch: '1' };
    expect(agreeOnVersions([claim(255, top, 'active')], { minThreshold: 1 }).versions).toHaveLength(1);
    const over: VersionRecord = { ...top, nodeIndices: [256] };
    expect(agreeOnVersions([claim(256, over, 'active')], { minThreshold: 1 }).suspects[0]!.reason).toBe('node set has a bad or repeated index');
  });

  it('a tie between active and decrypt-only live holders is active; conflict reporters come out sorted', () => {
    const two: VersionRecord = { ...honest, threshold: 2, nodeIndices: [1, 2, 3, 4], commitments: commitments(2) };
    const a = agreeOnVersions([claim(1, two, 'active'), claim(2, two, 'decrypt-only')], { minThreshold: 2 });
    expect(a.versions[0]!.state).toBe('active');
    const other: VersionRecord = { ...two, commitments: commitments(2) };
    const c = agreeOnVersions([claim(4, other, 'active'), claim(2, two, 'active'), claim(3, other, 'active'), claim(1, two, 'active')], { minThreshold: 2 });
    expect(c.conflicts[0]!.reporters).toEqual([1, 2, 3, 4]);
  });

  it('a dissenter is named once per version, however it dissents', () => {
    const other = { ...honest, epoch: '2' };
    const a = agreeOnVersions([...everyone(honest, 'active', [1, 2, 3]), claim(4, other, 'active'), claim(5, other, 'destroyed')], policy);
    expect(a.suspects.map((s) => s.index)).toEqual([4, 5]);
    expect(a.versions[0]!.holders).toEqual([1, 2, 3]);
    expect(a.versions[0]!.destroyedBy).toEqual([]);
  });

  it('a dissenter is named in every version it dissents in (being named for one version does not cover the next)', () => {
    const v2: VersionRecord = { ...honest, version: 2, commitments: commitments(3) };
    const a = agreeOnVersions([...everyone(honest, 'active', [1, 2, 3]), claim(4, { ...honest, epoch: '2' }, 'active'), ...everyone(v2, 'active', [1, 2, 3]), claim(4, { ...v2, epoch: '2' }, 'active')], policy);
    expect(a.versions.map((v) => v.version)).toEqual([1, 2]);
    expect(a.suspects.map((s) => [s.index, s.version])).toEqual([[4, 1], [4, 2]]);
  });

  it('agreed records are copies: changing one later does not change the claims', () => {
    const claims = everyone({ ...honest, nodeIndices: [...nodes], commitments: honest.commitments.map((c) => Uint8Array.from(c)) });
    const firstByte = claims[0]!.commitments[0]![0];
    const a = agreeOnVersions(claims, policy);
    a.versions[0]!.commitments[0]![0]! ^= 1;
    a.versions[0]!.nodeIndices.push(9);
    expect(claims[0]!.commitments[0]![0]).toBe(firstByte);
    expect(claims[0]!.nodeIndices).toEqual([1, 2, 3, 4, 5]);
  });

  it('versions come out in ascending order whatever order the claims arrive in', () => {
    const v2: VersionRecord = { ...honest, version: 2, commitments: commitments(3) };
    const a = agreeOnVersions([...everyone(v2), ...everyone(honest)], policy);
    expect(a.versions.map((v) => v.version)).toEqual([1, 2]);
  });
});
