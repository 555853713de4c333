/**
 * Quorum agreement on key-version records (DESIGN.md "Trust anchors"). What one node says about a
 * version — its threshold, node set, Feldman commitments, epoch, state — is a *claim*. A record
 * becomes *agreed* only when
 *
 *   - its threshold is at least the cluster policy's `minThreshold` (given out of band, in the
 *     cluster descriptor), and
 *   - at least `t` of the record's own nodes report it identically.
 *
 * With at most `minThreshold − 1` liars no forged record gathers `t ≥ minThreshold` voices. Two
 * different records that both gather `t` voices are a conflict: the version is refused and every
 * reporter is named. Reporters that disagree with an agreed record are named as dissenters
 * (suspected liars, or nodes restored from an old backup). "Destroyed" holds only when fewer than
 * `t` of the agreeing nodes could still answer, so one voice cannot deny a version.
 *
 * The two kinds are kept apart in the types: only `agreeOnVersions` makes an `Agreed` record.
 */
import { sha512 } from '@noble/hashes/sha2.js';
import { concatBytes, fromHex, i2osp, toHex, utf8 } from './bytes.js';
import { ELEMENT_LENGTH } from './group.js';

export type RecordState = 'active' | 'decrypt-only' | 'destroyed';

/** The public record of one key version, as every node should hold it. */
export interface VersionRecord {
  version: number;
  threshold: number;
  nodeIndices: number[];
  /** Feldman commitments C_0..C_{t-1}; C_0 = pkS. */
  commitments: Uint8Array[];
  /** Share epoch as a decimal string (uint64 on the wire). */
  epoch: string;
  /**
   * Digests (recordDigest, hex) of the records this one descends from by refresh or reshare,
   * oldest first, at most MAX_LINEAGE; empty for a version as its DKG made it. A newer epoch
   * replaces an older record only if that record is in its lineage: two records that branch off
   * one ancestor (a fork a coordinator drove from a stale copy) are a conflict, never an update.
   */
  lineage?: string[];
}

/** How many ancestors a record remembers: a node more epochs behind than this is not updated by its peers' word. */
export const MAX_LINEAGE = 64;

/** A record's identity: SHA-512/256-style digest (first 32 bytes of SHA-512) of every field, lineage included. Hex. */
export function recordDigest(r: { version: number; threshold: number; nodeIndices: readonly number[]; commitments: readonly Uint8Array[]; epoch: string | number; lineage?: readonly string[] }): string {
  const epoch = BigInt(r.epoch);
  const lineage = r.lineage ?? [];
  const parts: Uint8Array[] = [
    utf8('splitkey/v1/record-digest'),
    i2osp(r.version, 4),
    i2osp(r.threshold, 2),
    i2osp(r.nodeIndices.length, 2),
    ...r.nodeIndices.map((i) => i2osp(i, 2)),
    i2osp(Number(epoch >> 32n), 4),
    i2osp(Number(epoch & 0xffffffffn), 4),
    i2osp(r.commitments.length, 2),
    ...r.commitments,
    i2osp(lineage.length, 2),
    ...lineage.map((d) => fromHex(d, 'lineage')),
  ];
  return toHex(sha512(concatBytes(...parts)).subarray(0, 32));
}

/** The lineage of a record made from `old` by refresh or reshare: old's lineage and old itself. */
export function nextLineage(old: { version: number; threshold: number; nodeIndices: readonly number[]; commitments: readonly Uint8Array[]; epoch: string | number; lineage?: readonly string[] }): string[] {
  return [...(old.lineage ?? []), recordDigest(old)].slice(-MAX_LINEAGE);
}

declare const claimedBrand: unique symbol;
declare const agreedBrand: unique symbol;

/** What one node reported: a claim, not yet evidence of anything. */
export type Claimed<T> = T & { readonly [claimedBrand]: true; readonly reporter: number; readonly state: RecordState };

/** A record that at least t of its nodes reported identically, with t ≥ minThreshold. */
export type Agreed<T> = T & {
  readonly [agreedBrand]: true;
  /** The state t nodes support: destroyed only when fewer than t could still answer. */
  readonly state: RecordState;
  /** Nodes that reported exactly this record (any state). */
  readonly holders: number[];
  /** Of those, the nodes that report it destroyed. */
  readonly destroyedBy: number[];
  /**
   * A same-key fork served under `forks: 'serve'`: the other branches, each agreed on its own (t
   * of its nodes), best first. This record is the best branch. Absent when the version is not forked.
   */
  readonly branches?: readonly Agreed<VersionRecord>[];
  /**
   * The live branch of a fork whose other branches were erased (`key resolve-fork`): one record
   * again, but a sibling of records a client may have accepted before, so not older or newer than them.
   */
  readonly repaired?: true;
};

export function claim(reporter: number, record: VersionRecord, state: RecordState): Claimed<VersionRecord> {
  return { ...record, reporter, state } as Claimed<VersionRecord>;
}

export interface TrustPolicy {
  /** No version with a smaller threshold is ever used. */
  minThreshold: number;
  /**
   * A same-key fork: two or more records of one version that each gather t voices of their own
   * nodes, all with the same pkS (C_0), none descending from all the others — two refreshes or
   * reshares of one record that both committed (a malicious coordinator with a lying node:
   * attack6 F6-1, F6-2). Every branch is then vouched for by at least one honest node (t ≥
   * minThreshold voices, at most minThreshold − 1 liars), so its pkS is the version's key; and an
   * output combined from t answers whose DLEQ proofs verify against one branch's public shares is
   * k·B for the k behind its C_0, whichever branch it is.
   *
   * 'refuse' (the default; nodes and lifecycle): a conflict, as for two keys — no share is dealt
   * or erased on the strength of a forked record. 'serve' (clients evaluating): the version is
   * agreed with the best branch (live first, then more voices, then the newer epoch, then the
   * lower digest) and the others in `branches`; the fork is reported in `forks`, and the other
   * branches' holders are not named as suspects. Records with different pkS stay a conflict.
   */
  forks?: 'refuse' | 'serve';
}

/** A node whose claim disagrees with what the quorum says, or that claims something impossible. */
export interface Suspect {
  index: number;
  version: number;
  reason: string;
}

export interface Agreement {
  versions: Agreed<VersionRecord>[];
  /** Same-key forks served under `forks: 'serve'` (each version is also in `versions`): for status and alerts. */
  forks: { version: number; reporters: number[]; reason: string; branches: { epoch: string; digest: string; holders: number[]; live: number[] }[] }[];
  /** Versions refused because two different records each gathered t voices. */
  conflicts: { version: number; reporters: number[]; reason: string }[];
  /** Versions some node reports that no quorum supports (forged, or not yet committed). */
  unconfirmed: { version: number; reporters: number[]; reason: string }[];
  suspects: Suspect[];
}

/** The part of a record that must be byte-identical across nodes (state excluded). */
export function recordFingerprint(r: VersionRecord): string {
  return [r.version, r.threshold, r.nodeIndices.join(','), r.commitments.map((c) => toHex(c)).join(','), r.epoch, (r.lineage ?? []).join(',')].join('|');
}

function shapeProblem(r: VersionRecord, policy: TrustPolicy): string | undefined {
  if (!Number.isInteger(r.threshold) || r.threshold < 1) return `threshold ${r.threshold} is not a positive integer`;
  if (r.threshold < policy.minThreshold) return `threshold ${r.threshold} is below the cluster's minimum ${policy.minThreshold}`;
  if (r.threshold > r.nodeIndices.length) return `threshold ${r.threshold} exceeds its ${r.nodeIndices.length} nodes`;
  if (new Set(r.nodeIndices).size !== r.nodeIndices.length || r.nodeIndices.some((i) => !Number.isInteger(i) || i < 1 || i > 255)) return 'node set has a bad or repeated index';
  if (r.commitments.length !== r.threshold) return `${r.commitments.length} commitments for threshold ${r.threshold}`;
  // One encoding per record: the digest (and so a lineage) joins commitments and reads the epoch
  // as a number, so a commitment of another length or an epoch with leading zeros would be a
  // second record with the same digest.
  if (r.commitments.some((c) => c.length !== ELEMENT_LENGTH)) return `a commitment is not ${ELEMENT_LENGTH} bytes`;
  if (!/^[1-9]\d{0,15}$/.test(r.epoch)) return `epoch ${r.epoch} is out of range or not in canonical form`;
  const lineage = r.lineage ?? [];
  if (lineage.length > MAX_LINEAGE || lineage.some((d) => !/^[0-9a-f]{64}$/.test(d))) return 'lineage is malformed';
  return undefined;
}

/**
 * Agree on every version any node reports. `claims` holds every claim of every node that
 * answered (a node that did not answer simply has none).
 */
export function agreeOnVersions(claims: readonly Claimed<VersionRecord>[], policy: TrustPolicy): Agreement {
  if (!Number.isInteger(policy.minThreshold) || policy.minThreshold < 1) throw new RangeError(`minThreshold must be a positive integer, got ${policy.minThreshold}`);
  const byVersion = new Map<number, Claimed<VersionRecord>[]>();
  for (const c of claims) byVersion.set(c.version, [...(byVersion.get(c.version) ?? []), c]);
  const out: Agreement = { versions: [], forks: [], conflicts: [], unconfirmed: [], suspects: [] };
  for (const [version, reports] of [...byVersion].sort((a, b) => a[0] - b[0])) {
    const groups = new Map<string, Claimed<VersionRecord>[]>();
    for (const r of reports) {
      // One voice per node per version: a node that reports the version twice is suspect.
      if (reports.filter((x) => x.reporter === r.reporter).length > 1) continue;
      const fp = recordFingerprint(r);
      groups.set(fp, [...(groups.get(fp) ?? []), r]);
    }
    for (const r of reports) {
      if (reports.filter((x) => x.reporter === r.reporter).length > 1 && !out.suspects.some((s) => s.index === r.reporter && s.version === version)) {
        out.suspects.push({ index: r.reporter, version, reason: 'reported two records for one version' });
      }
    }
    const eligible: Claimed<VersionRecord>[][] = [];
    for (const members of groups.values()) {
      const r = members[0]!;
      const problem = shapeProblem(r, policy);
      if (problem) {
        for (const m of members) out.suspects.push({ index: m.reporter, version, reason: problem });
        continue;
      }
      // Only the record's own nodes vote for it.
      const voices = members.filter((m) => r.nodeIndices.includes(m.reporter));
      if (voices.length >= r.threshold) eligible.push(voices);
    }
    const reporters = [...new Set(reports.map((r) => r.reporter))].sort((a, b) => a - b);
    /** Voices for a record other branches or records descend from: stale (missed a commit, restored from a backup) or lying. */
    const nameStale = (current: Claimed<VersionRecord>[][], of: string) => {
      for (const members of eligible) {
        if (current.includes(members)) continue;
        for (const m of members) out.suspects.push({ index: m.reporter, version, reason: `reports epoch ${m.epoch} of version ${version}, an ancestor of ${of} (stale: it missed a refresh or reshare, or lies)` });
      }
    };
    /**
     * Every reporter of none of the `agreed` records, not named yet and not `exempt`: it dissents.
     * The reason says what its record is to them: an ancestor (a stale voice), a sibling of the same
     * key held by the reporter (a fork's branch with fewer than t reachable voices — honest holders
     * of it cannot be told from a liar), or something else.
     */
    const nameDissenters = (agreed: readonly VersionRecord[], exempt: ReadonlySet<number>, what: string) => {
      const prints = new Set(agreed.map(recordFingerprint));
      for (const other of reports) {
        if (!prints.has(recordFingerprint(other)) && !exempt.has(other.reporter) && !out.suspects.some((s) => s.index === other.reporter && s.version === version)) {
          const reason = agreed.some((a) => descendsFrom(a, other))
            ? `reports epoch ${other.epoch} of version ${version}, an ancestor of ${agreed.length > 1 ? 'a branch of its fork' : what} (stale: it missed a refresh or reshare, or lies)`
            : other.nodeIndices.includes(other.reporter) && agreed.some((a) => sameKey(a, other) && sharesAncestor(a, other))
              ? `reports epoch ${other.epoch} of version ${version}, another branch of the same key that fewer than its t nodes confirm (a fork's branch whose other holders are out of reach, or a lie)`
              : `reports a record of version ${version} that differs from ${what}`;
          out.suspects.push({ index: other.reporter, version, reason });
        }
      }
    };
    /** A repaired fork's erased branches: their holders did what they were told and are not named. */
    let erased = new Set<number>();
    // An erased record (minThreshold holders say so, fewer than t answer) beside a live one of the
    // same pkS at a newer epoch is a repaired fork's tombstone, however far the live one has moved
    // on since (beyond the lineage window, the two no longer share an ancestor). A destroyed record
    // at the newer epoch stays in: a stale copy never revives a destroyed version.
    const tombstones = eligible.filter((g) => isErased(g, policy) && eligible.some((o) => !isErased(o, policy) && sameKey(o[0]!, g[0]!) && BigInt(o[0]!.epoch) > BigInt(g[0]!.epoch)));
    if (tombstones.length > 0) {
      erased = new Set(tombstones.flatMap((g) => g.map((m) => m.reporter)));
      eligible.splice(0, eligible.length, ...eligible.filter((g) => !tombstones.includes(g)));
    }
    if (eligible.length > 1) {
      const tips = forkTips(eligible);
      const live = onlyLiveTip(tips, policy);
      // One record descending from all the others (each is in its lineage, bound by the transcript
      // of every refresh and reshare in between): it is the current one, and every epoch yields the
      // same outputs. Or, of a fork whose every other branch was erased, the live branch: the
      // version for lifecycle too. Voices for an ancestor are stale; they erase their share once
      // they see it (node/reconcile.ts).
      const newest = live ?? newestOfOneKey(eligible);
      if (!newest) {
        // Another pkS, or records that branch off (a fork): a conflict — except that a client
        // serves a same-key fork from its best branch. The other branches' holders are not liars
        // (each branch has an honest voice); stale voices and dissenters are.
        if (policy.forks !== 'serve' || !tips) {
          out.conflicts.push({ version, reporters, reason: `${eligible.length} different records of version ${version} each have t voices` });
          continue;
        }
        const branches = tips.map(agreedOf).sort(branchOrder);
        nameStale(tips, "a fork's branches");
        nameDissenters(branches, new Set(), 'every branch of its fork');
        out.forks.push({
          version,
          reporters,
          reason: `version ${version} is forked into ${branches.length} records of one key, each with t voices (two refreshes or reshares of one record both committed); served from epoch ${branches[0]!.epoch} on nodes ${branches[0]!.holders.join(',')}`,
          branches: branches.map((b) => ({ epoch: b.epoch, digest: recordDigest(b), holders: b.holders, live: liveHolders(b) })),
        });
        out.versions.push({ ...branches[0]!, branches: branches.slice(1) } as Agreed<VersionRecord>);
        continue;
      }
      nameStale(live ? tips! : [newest], `epoch ${newest[0]!.epoch} that ${newest.length} nodes agree on`);
      if (live) erased = new Set([...erased, ...tips!.filter((g) => g !== live).flatMap((g) => g.map((m) => m.reporter))]);
      eligible.splice(0, eligible.length, newest);
    }
    if (eligible.length === 0) {
      out.unconfirmed.push({ version, reporters, reason: `no record of version ${version} is reported identically by t of its nodes (t ≥ ${policy.minThreshold})` });
      continue;
    }
    const voices = eligible[0]!;
    nameDissenters([voices[0]!], erased, `the one ${voices.length} nodes agree on`);
    out.versions.push(erased.size > 0 ? ({ ...agreedOf(voices), repaired: true } as Agreed<VersionRecord>) : agreedOf(voices));
  }
  return out;
}

/** The agreed record `voices` (t or more identical claims of the record's own nodes) support, with its state. */
function agreedOf(voices: readonly Claimed<VersionRecord>[]): Agreed<VersionRecord> {
  const r = voices[0]!;
  const destroyedBy = voices.filter((m) => m.state === 'destroyed').map((m) => m.reporter);
  const live = voices.filter((m) => m.state !== 'destroyed');
  const active = live.filter((m) => m.state === 'active');
  // Destroyed only when fewer than t holders could still answer. Active or decrypt-only (which
  // only decides whether new data may use the version) by majority of the live holders.
  const state: RecordState = live.length < r.threshold ? 'destroyed' : 2 * active.length >= live.length ? 'active' : 'decrypt-only';
  const record: VersionRecord = { version: r.version, threshold: r.threshold, nodeIndices: [...r.nodeIndices], commitments: r.commitments.map((c) => Uint8Array.from(c)), epoch: r.epoch, lineage: [...(r.lineage ?? [])] };
  return { ...record, state, holders: voices.map((m) => m.reporter).sort((a, b) => a - b), destroyedBy } as unknown as Agreed<VersionRecord>;
}

/**
 * The branches of a same-key fork: the eligible records no other one descends from, when every
 * eligible record has one pkS, there are at least two such tips, and every two of them share an
 * ancestor within their lineage windows (they branched off one record). Otherwise undefined (a
 * conflict): records of one pkS that cannot be placed relative to each other — a record restored
 * from beyond the lineage window beside the current one, say — are not siblings.
 */
function forkTips(eligible: Claimed<VersionRecord>[][]): Claimed<VersionRecord>[][] | undefined {
  const pkS = toHex(eligible[0]![0]!.commitments[0]!);
  if (eligible.some((g) => toHex(g[0]!.commitments[0]!) !== pkS)) return undefined;
  const tips = eligible.filter((g) => !eligible.some((o) => o !== g && descendsFrom(o[0]!, g[0]!)));
  if (tips.length < 2) return undefined;
  const siblings = tips.every((a, i) => tips.every((b, j) => j <= i || sharesAncestor(a[0]!, b[0]!)));
  return siblings ? tips : undefined;
}

/** Whether two records name a common ancestor in their lineages (they branched off one record). */
function sharesAncestor(a: VersionRecord, b: VersionRecord): boolean {
  return (a.lineage ?? []).some((d) => (b.lineage ?? []).includes(d));
}

/**
 * Of a same-key fork's branches, the one still live when every other one was erased: fewer than
 * t of its holders can answer *and* at least minThreshold of them say they erased their share (so
 * an honest one did: a liar's "destroyed" alone never settles a fork; `key resolve-fork`).
 * Otherwise undefined.
 */
function onlyLiveTip(tips: Claimed<VersionRecord>[][] | undefined, policy: TrustPolicy): Claimed<VersionRecord>[] | undefined {
  if (!tips) return undefined;
  const live = tips.filter((g) => !isErased(g, policy));
  return live.length === 1 ? live[0] : undefined;
}

/** Fewer than t of the record's holders can answer, and at least minThreshold of them say they erased (so an honest one did). */
function isErased(voices: Claimed<VersionRecord>[], policy: TrustPolicy): boolean {
  const a = agreedOf(voices);
  return a.state === 'destroyed' && a.destroyedBy.length >= policy.minThreshold;
}

function sameKey(a: VersionRecord, b: VersionRecord): boolean {
  return toHex(a.commitments[0]!) === toHex(b.commitments[0]!);
}

/** Holders of an agreed record that still answer for it (not destroyed). */
export function liveHolders(r: Agreed<VersionRecord>): number[] {
  return r.holders.filter((h) => !r.destroyedBy.includes(h));
}

/**
 * The nodes whose share of `version` `key resolve-fork` erases when it keeps `kept`: every holder
 * of another branch, and every node that reports a live record of the kept branch's key that is
 * neither the kept record, nor an ancestor of it (within its lineage window: reconcile erases
 * those on the kept branch's word), nor a descendant of it (a refresh of the kept branch that is
 * still committing). That covers stale copies of another branch's line (a node that missed a
 * refresh on it) and a branch with fewer than t voices in reach when the fork was read (its
 * holders would bring the fork back later). Each such claim decides only its own reporter's
 * share; malformed ones are skipped, and so is a newer record whose full lineage window no longer
 * reaches back to the kept one (it may descend from it beyond the window). Never a holder of the
 * kept branch. Sorted.
 */
export function forkErasures(claims: readonly Claimed<VersionRecord>[], version: number, kept: Agreed<VersionRecord>, branches: readonly Agreed<VersionRecord>[]): number[] {
  const erase = new Set(branches.flatMap((b) => b.holders)); // the kept branch's are taken out below
  const keptPrint = recordFingerprint(kept);
  for (const c of claims) {
    // A malformed claim (a liar's) names nothing: it is skipped, never parsed.
    if (c.version !== version || c.state === 'destroyed' || shapeProblem(c, { minThreshold: 1 })) continue;
    if (!sameKey(c, kept) || recordFingerprint(c) === keptPrint || descendsFrom(kept, c) || descendsFrom(c, kept)) continue;
    if (BigInt(c.epoch) > BigInt(kept.epoch) && (c.lineage ?? []).length >= MAX_LINEAGE) continue;
    erase.add(c.reporter);
  }
  for (const h of kept.holders) erase.delete(h);
  return [...erase].sort((x, y) => x - y);
}

/**
 * Why a branch of a fork may not be kept while every other branch is erased (`key resolve-fork`),
 * or undefined when it may: it needs t + minThreshold − 1 live holders, so that t of them are
 * honest whatever minThreshold − 1 liars do (a branch kept with fewer could be one the liars alone
 * decide to serve), and a threshold no lower than any other branch's (clients that accepted the
 * other refuse a version whose t went down).
 */
export function keepProblem(kept: Agreed<VersionRecord>, branches: readonly Agreed<VersionRecord>[], policy: TrustPolicy): string | undefined {
  const live = liveHolders(kept).length;
  const need = kept.threshold + policy.minThreshold - 1;
  if (live < need) return `it has ${live} live holders; keeping it alone needs t + minThreshold − 1 = ${need} (so that t of them are honest whatever minThreshold − 1 liars do)`;
  const highest = Math.max(...branches.map((b) => b.threshold));
  if (kept.threshold < highest) return `it has t = ${kept.threshold}, below another branch's ${highest}: clients that accepted that one would refuse it`;
  return undefined;
}

/** Best branch first: one that can still answer, then more live holders, then the newer epoch, then the lower digest. */
function branchOrder(a: Agreed<VersionRecord>, b: Agreed<VersionRecord>): number {
  const dead = Number(a.state === 'destroyed') - Number(b.state === 'destroyed');
  if (dead !== 0) return dead;
  const la = liveHolders(a).length;
  const lb = liveHolders(b).length;
  if (la !== lb) return lb - la;
  const ea = BigInt(a.epoch);
  const eb = BigInt(b.epoch);
  if (ea !== eb) return ea > eb ? -1 : 1;
  const da = recordDigest(a);
  const db = recordDigest(b);
  return da < db ? -1 : da > db ? 1 : 0;
}

/** Whether `newer` descends from `older` by refresh/reshare: same key, newer epoch, `older` in its lineage. */
export function descendsFrom(newer: VersionRecord, older: VersionRecord): boolean {
  if (toHex(newer.commitments[0]!) !== toHex(older.commitments[0]!)) return false;
  if (BigInt(newer.epoch) <= BigInt(older.epoch)) return false;
  return (newer.lineage ?? []).includes(recordDigest(older));
}

/**
 * Of several records that each gathered t voices, the one that descends from all the others (the
 * same key moved on by refresh or reshare). Otherwise (another pkS, a fork, two records of one
 * epoch) undefined: a conflict.
 */
function newestOfOneKey(eligible: Claimed<VersionRecord>[][]): Claimed<VersionRecord>[] | undefined {
  return eligible.find((g) => eligible.every((o) => o === g || descendsFrom(g[0]!, o[0]!)));
}

/**
 * Whether t nodes agree that a version this node holds has moved on: a record that descends from
 * `own` (same pkS, newer epoch, `own` in its lineage), agreed under `policy` from `claims` (this
 * node's own claim may be among them). A node seeing it erases its share of the older epoch, which no
 * quorum uses any more (a holder left out of a reshare, or one that missed a refresh).
 *
 * The newer record must be reported by at least max(own's t, minThreshold) nodes, not only by its
 * own t: the t − 1 liars `own`'s secrecy tolerates could otherwise make up a descendant of
 * threshold minThreshold held by themselves, and every honest holder would erase its share
 * (review F2). A genuine reshare to fewer holders than own's t gathers the rest from the old
 * holders that dealt and left (`leftFor`, supersedingVoices).
 */
export function supersededBy(own: VersionRecord, claims: readonly Claimed<VersionRecord>[], policy: TrustPolicy, leftFor?: ReadonlyMap<number, string>, ownAncestors?: readonly string[]): Agreed<VersionRecord> | undefined {
  const agreed = agreeOnVersions(
    claims.filter((c) => c.version === own.version),
    policy,
  ).versions.find((v) => v.version === own.version);
  if (!agreed || !descendsFrom(agreed, own)) return undefined;
  return supersedingVoices(own, agreed, leftFor, ownAncestors).length >= Math.max(own.threshold, policy.minThreshold) ? agreed : undefined;
}

/**
 * The nodes that vouch for `newer` superseding `own`: newer's holders, and nodes of own's record
 * that dealt in a reshare from it and left (`leftFor`: node → the digest of the outcome it reports
 * leaving for, Peer.VersionHistory left_for) for newer itself or for a record between own and
 * newer in newer's lineage (refreshed since). A reshare to fewer holders than own's t (4-of-7 →
 * 2-of-3) gathers own's t that way (review G3). An honest node reports leaving only for a record
 * every new holder showed it, which descends from the record it dealt from. A record at or before
 * own in newer's lineage says nothing about own, and counts for nothing; nor does one that own
 * itself descends from (`ownAncestors`: own's lineage, and the older ancestors the node witnessed)
 * — a node restored from a backup taken after it left for X, before it rejoined the version,
 * reports X, and liars could place X after own in a made-up lineage (review I1).
 */
export function supersedingVoices(own: VersionRecord, newer: Agreed<VersionRecord>, leftFor?: ReadonlyMap<number, string>, ownAncestors: readonly string[] = []): number[] {
  const voices = new Set(newer.holders);
  if (leftFor && leftFor.size > 0) {
    const ownDigest = recordDigest(own);
    const lineage = newer.lineage ?? [];
    const after = lineage.includes(ownDigest) ? lineage.slice(lineage.lastIndexOf(ownDigest) + 1) : [];
    const before = new Set([...(own.lineage ?? []), ...ownAncestors, ownDigest]);
    const movedOnTo = new Set([recordDigest(newer), ...after].filter((d) => !before.has(d)));
    for (const [j, d] of leftFor) if (movedOnTo.has(d) && own.nodeIndices.includes(j)) voices.add(j);
  }
  return [...voices].sort((a, b) => a - b);
}

/**
 * Whether t nodes agree on a record of the same key at a newer epoch whose lineage window is full
 * (MAX_LINEAGE ancestors) and does not name `own`: `own` may be an ancestor that fell out of the
 * window, or a fork — undecidable from digests. A node seeing this must not deal from `own` (it
 * may be superseded); it neither erases (it may be the current record) nor trusts it. Returns the
 * newer record, or undefined.
 */
export function beyondLineageWindow(own: VersionRecord, claims: readonly Claimed<VersionRecord>[], policy: TrustPolicy): Agreed<VersionRecord> | undefined {
  const ownPrint = recordFingerprint(own);
  const others = claims.filter((c) => c.version === own.version && recordFingerprint(c) !== ownPrint);
  const agreed = agreeOnVersions(others, policy).versions.find((v) => v.version === own.version);
  if (!agreed || toHex(agreed.commitments[0]!) !== toHex(own.commitments[0]!) || BigInt(agreed.epoch) <= BigInt(own.epoch)) return undefined;
  const lineage = agreed.lineage ?? [];
  return lineage.length >= MAX_LINEAGE && !lineage.includes(recordDigest(own)) ? agreed : undefined;
}

/**
 * How many ancestors older than the lineage window a node remembers for a record it held through
 * every step since (`carriedAncestors`). Beyond this (8,192 refreshes or reshares) an operator decides.
 */
export const MAX_WITNESSED = 8192;

type RecordFields = { version: number; threshold: number; nodeIndices: readonly number[]; commitments: readonly Uint8Array[]; epoch: string | number; lineage?: readonly string[] };

/**
 * The ancestors older than `lineage` (the lineage of a record this node just committed) that the
 * node witnessed: the ones it remembered for `held`, its record of the same version before the
 * commit, then held's own window. Only when the new record descends from `held` (held's digest is
 * in `lineage`) — otherwise the node did not hold the record the new one came from and knows no
 * more than the window. Oldest first, at most MAX_WITNESSED.
 */
export function carriedAncestors(held: (RecordFields & { ancestors?: readonly string[] }) | undefined, lineage: readonly string[]): string[] {
  if (!held) return [];
  const digest = recordDigest(held);
  if (!lineage.includes(digest)) return [];
  const inWindow = new Set(lineage);
  return [...(held.ancestors ?? []), ...(held.lineage ?? []), digest].filter((d) => !inWindow.has(d)).slice(-MAX_WITNESSED);
}

/**
 * A record held `own` may be superseded beyond the lineage window (`beyondLineageWindow`): then it
 * is superseded if at least max(own's t, minThreshold) holders of the agreed newer record confirm
 * that `own` is an ancestor they witnessed (Peer.VersionHistory `ancestor_held`). Fewer liars
 * (own's secrecy tolerates t − 1) cannot confirm alone, and an honest holder confirms only an
 * ancestor of the record it holds — a fork's holders never name the record it branched beside.
 * `confirmers`: the nodes that confirmed.
 */
export function supersededBeyondWindow(own: VersionRecord, claims: readonly Claimed<VersionRecord>[], policy: TrustPolicy, confirmers: ReadonlySet<number>): Agreed<VersionRecord> | undefined {
  const far = beyondLineageWindow(own, claims, policy);
  if (!far) return undefined;
  return far.holders.filter((h) => confirmers.has(h)).length >= Math.max(own.threshold, policy.minThreshold) ? far : undefined;
}

/** What a client accepted once for one version: it refuses to go back. */
export interface Remembered {
  publicKey: string;
  threshold: number;
  epoch: bigint;
}

/**
 * Refuse an agreed record that goes back on what was accepted before: another pkS for the same
 * version, an older epoch, or a lower threshold. Returns the reason, or undefined if acceptable.
 */
export function regression(before: Remembered | undefined, now: VersionRecord): string | undefined {
  if (!before) return undefined;
  if (toHex(now.commitments[0]!) !== before.publicKey) return `version ${now.version} now has another public key than the one accepted before`;
  if (BigInt(now.epoch) < before.epoch) return `version ${now.version} went back from epoch ${before.epoch} to ${now.epoch}`;
  if (now.threshold < before.threshold) return `version ${now.version} went down from threshold ${before.threshold} to ${now.threshold}`;
  return undefined;
}

export function remember(r: VersionRecord): Remembered {
  return { publicKey: toHex(r.commitments[0]!), threshold: r.threshold, epoch: BigInt(r.epoch) };
}
