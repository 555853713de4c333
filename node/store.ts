/**
 * The node's LevelDB store: one record per key version this node holds a share of, with the
 * share sealed (seal.ts) and the public data (threshold, node set, Feldman commitments, state,
 * epoch) beside it. Writes of shares are single atomic puts/batches with `sync: true`.
 *
 * On open every share is unsealed and checked against its commitments (k_i·G = pk_i). A share
 * that fails either check makes only that version unavailable, with the reason kept for status
 * calls and an alert in the log; the node serves every other version.
 */
import { Level } from 'level';
import {
  MODE_VOPRF,
  checkCommitments,
  checkIndices,
  checkKeyName,
  checkThreshold,
  checkVersion,
  concatBytes,
  createSuite,
  decodeScalar,
  elementsEqual,
  i2osp,
  lengthPrefixed,
  publicShare,
  recordDigest,
  carriedAncestors,
  utf8,
  verifyShare,
  type Element,
  type Group,
  type Scalar,
  type Suite,
} from '../crypto/index.js';
import { alreadyExists, failedPrecondition, invalidArgument, notFound } from './errors.js';
import { crashPoint } from './crash.js';
import { committedLineage, paramsDigest, type ParticipantState } from '../crypto/lifecycle.js';
import { hkdfSync } from 'node:crypto';
import type { Logger } from './log.js';
import type { StoredDestroyOrder } from './destroy-order.js';
import { SealError, loadSealKey, needsSalt, newSalt, open, seal, type SealSource } from './seal.js';

export type KeyStateName = 'active' | 'decrypt-only' | 'destroyed';

/** What is persisted per key version (JSON). Byte fields are hex (public) or base64 (sealed). */
export interface VersionRecord {
  keyName: string;
  version: number;
  threshold: number;
  nodeIndices: number[];
  commitments: string[];
  state: KeyStateName;
  epoch: number;
  createdAtMs: number;
  nodeIndex: number;
  /** Sealed k_i; absent once destroyed. */
  sealedShare?: string;
  /** Lifecycle session that produced this state (absent for dealer imports). */
  session?: string;
  /** Digests of the records this one descends from (crypto/records.ts; absent = none). */
  lineage?: string[];
  /**
   * Older ancestors than the lineage window that this node witnessed (it held each record in
   * between; crypto/records.ts `carriedAncestors`), oldest first. Local knowledge, not part of the
   * record: it answers Peer.VersionHistory's "do you descend from this?" for a node far behind.
   */
  ancestors?: string[];
  /**
   * The descriptor's node list and minThreshold when this record was created here (the quorum
   * policy counts every session from this record against it; node/lifecycle.ts checkQuorum).
   * Local knowledge, not part of the record's digest; absent on records from before it existed.
   */
  quorum?: { nodes: number[]; minThreshold: number };
  /**
   * Why the record is destroyed here: "operator" (Admin.DestroyVersion, an authenticated destroy),
   * "copy" (Admin.DestroyVersion naming one record: an operator erasing a fork branch's or a stale
   * copy, not the version), "session" (a late participant committed as destroyed) or "peers" (a
   * destroy this node missed, finished by reconcile). Only "operator" counts as a voice for
   * finishing a destroy elsewhere (node/reconcile.ts), so erasures never feed on each other.
   * Absent: destroyed before it existed (counted as "operator"). "order": erased on an operator's
   * signed destroy order a peer showed (node/destroy-order.ts); no voice either, the order is.
   */
  destroyedBy?: 'operator' | 'copy' | 'session' | 'peers' | 'order';
  /**
   * The operator's signed destroy order this record was erased on (given to Admin.DestroyVersion,
   * or relayed by a peer): shown to peers that still hold the version (Peer.VersionHistory).
   */
  destroyOrder?: StoredDestroyOrder;
}

/** A version as held in memory. */
export interface LoadedVersion {
  record: VersionRecord;
  commitments: Element[];
  publicKey: Element;
  publicShares: Map<number, Element>;
  share?: Scalar;
  /** Why this node cannot evaluate the version, if it cannot. */
  unavailable?: string;
}

const SEP = '\x00';
/** Node indices are 1..255 (the node config's range). */
const MAX_NODE_INDEX = 255;
const versionKey = (name: string, version: number) => `v${SEP}${name}${SEP}${version.toString().padStart(10, '0')}`;
const SEAL_META = `meta${SEP}seal`;
const opKey = (name: string) => `op${SEP}${name}`;
const lastSessionKey = (name: string) => `meta${SEP}last-session${SEP}${name}`;
const lastTranscriptKey = (name: string) => `meta${SEP}last-transcript${SEP}${name}`;
/** Every session this node committed on a key (public: transcript, version, epoch), kept for good. */
const sessionKey = (name: string, sessionId: string) => `meta${SEP}session${SEP}${name}${SEP}${sessionId}`;
/** The session this node committed from a version's record (digest hex), in any role: kept for good. */
const consumedKey = (name: string, version: number, digest: string) => `consumed${SEP}${name}${SEP}${version.toString().padStart(10, '0')}${SEP}${digest}`;
/** A version this node held and left (reshare to other nodes): its number is never reused. */
const leftKey = (name: string, version: number) => `left${SEP}${name}${SEP}${version.toString().padStart(10, '0')}`;
/**
 * An import this node is checking (ImportShare): written before it asks the others, so that two
 * racing imports of one number on disjoint nodes cannot both pass (each sees the other's mark).
 * Erased when the import is stored or refused, and on open (an import in flight died with it).
 */
const importKey = (name: string, version: number) => `import${SEP}${name}${SEP}${version.toString().padStart(10, '0')}`;
const SEAL_CHECK = utf8('splitkey/v1/seal-check');
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const unhex = (s: string) => new Uint8Array(Buffer.from(s, 'hex'));

function deriveAuditKey(sealKey: Uint8Array): Uint8Array {
  return new Uint8Array(hkdfSync('sha256', sealKey, utf8('splitkey/v1/audit-mac'), new Uint8Array(0), 32));
}

/** Associated data of a sealed share: its slot, so it cannot be moved to another. */
export function shareAad(keyName: string, version: number, nodeIndex: number, epoch: number): Uint8Array {
  return concatBytes(utf8('splitkey/v1/share'), lengthPrefixed(utf8(keyName)), i2osp(version, 4), i2osp(nodeIndex, 4), i2osp(epoch, 8));
}

export interface ImportShareInput {
  keyName: string;
  version: number;
  threshold: number;
  nodeIndices: number[];
  commitments: Uint8Array[];
  nodeIndex: number;
  share: Uint8Array;
  /** The node list and minThreshold the record is created under (as a DKG's nextQuorum). */
  quorum?: { nodes: readonly number[]; minThreshold: number };
}

/** What this node knows of a version number (Peer.VersionHistory answers with it). */
export type VersionHistory = 'none' | 'pending' | 'held' | 'destroyed' | 'left';

/** Peer.VersionHistory's answer: the history, and the record when held or destroyed here. */
export interface VersionHistoryAnswer {
  history: VersionHistory;
  sessionId: string;
  publicKey: Uint8Array;
  record?: { threshold: number; nodeIndices: number[]; commitments: Uint8Array[]; epoch: number; state: KeyStateName; lineage: string[]; destroyedByOperator?: boolean; destroyOrder?: StoredDestroyOrder };
  /** Whether the held record descends from the asked ancestor digest (in its lineage or witnessed older). */
  ancestorHeld?: boolean;
  /** The session pending on this version here, if any ('?' when the pending state does not open). */
  pendingSession?: string;
  /** Its parameter digest (crypto/lifecycle.ts paramsDigest), hex. */
  pendingParams?: string;
  /** "left" as a dealer of a reshare that left this node out: that reshare's outcome digest, hex. */
  leftFor?: string;
}

/** The public record a quorum agreed on (crypto/records.ts `Agreed`), as the store needs it. */
export interface AgreedRecord {
  threshold: number;
  nodeIndices: number[];
  commitments: Uint8Array[];
  epoch: string;
  lineage?: string[];
}

export class ShareStore {
  private readonly keys = new Map<string, Map<number, LoadedVersion>>();
  /** `${keyName}\0${version}` of every version this node left by reshare (tombstones). */
  private readonly left = new Set<string>();
  /** `${keyName}\0${version}` → pkS (hex) of imports being checked right now. */
  private readonly importing = new Map<string, string>();
  private readonly suite: Suite;

  private constructor(
    readonly db: Level<string, string>,
    private readonly sealKey: Uint8Array,
    readonly nodeIndex: number,
    private readonly group: Group,
    private readonly log: Logger,
  ) {
    this.suite = createSuite(group, MODE_VOPRF);
  }

  static async open(opts: { dir: string; seal: SealSource; nodeIndex: number; group: Group; log: Logger }): Promise<ShareStore> {
    const db = new Level<string, string>(opts.dir, { valueEncoding: 'utf8' });
    await db.open();
    try {
      const sealKey = await ShareStore.resolveSealKey(db, opts.seal);
      const store = new ShareStore(db, sealKey, opts.nodeIndex, opts.group, opts.log);
      await store.loadAll();
      return store;
    } catch (e) {
      await db.close();
      throw e;
    }
  }

  /**
   * The audit log's MAC key: HKDF-SHA256 of the seal key (salt "splitkey/v1/audit-mac"), so
   * that whoever can write the disk but does not hold the seal key cannot recompute the chain.
   */
  auditKey(): Uint8Array {
    return deriveAuditKey(this.sealKey);
  }

  /** The audit MAC key of a data directory whose node is stopped (for `splitkey audit verify`). */
  static async auditKeyOf(db: Level<string, string>, source: SealSource): Promise<Uint8Array> {
    if ((await db.get(SEAL_META)) === undefined) throw new SealError('this data directory has no seal record');
    const key = await ShareStore.resolveSealKey(db, source);
    try {
      return deriveAuditKey(key);
    } finally {
      key.fill(0);
    }
  }

  /** First open records a salt (passphrases) and a check value; later opens verify the key. */
  private static async resolveSealKey(db: Level<string, string>, source: SealSource): Promise<Uint8Array> {
    const meta = await db.get(SEAL_META);
    if (meta === undefined) {
      const salt = needsSalt(source) ? newSalt() : undefined;
      const key = await loadSealKey(source, salt);
      const record = { salt: salt ? Buffer.from(salt).toString('base64') : undefined, check: Buffer.from(seal(key, SEAL_CHECK, SEAL_CHECK)).toString('base64') };
      await db.put(SEAL_META, JSON.stringify(record), { sync: true });
      return key;
    }
    const record = JSON.parse(meta) as { salt?: string; check: string };
    const key = await loadSealKey(source, record.salt ? new Uint8Array(Buffer.from(record.salt, 'base64')) : undefined);
    try {
      open(key, new Uint8Array(Buffer.from(record.check, 'base64')), SEAL_CHECK);
    } catch {
      throw new SealError('the seal key does not match this data directory');
    }
    return key;
  }

  private async loadAll(): Promise<void> {
    for await (const [, value] of this.db.iterator({ gte: `v${SEP}`, lt: `v${SEP}\xff` })) {
      this.install(this.load(JSON.parse(value) as VersionRecord));
    }
    for await (const [, value] of this.db.iterator({ gte: `left${SEP}`, lt: `left${SEP}\xff` })) {
      const t = JSON.parse(value) as { keyName: string; version: number };
      this.left.add(`${t.keyName}${SEP}${t.version}`);
    }
    // Imports in flight when the node stopped never finished: their marks go.
    const stale: string[] = [];
    for await (const key of this.db.keys({ gte: `import${SEP}`, lt: `import${SEP}\xff` })) stale.push(key);
    if (stale.length > 0) await this.db.batch(stale.map((key) => ({ type: 'del' as const, key })), { sync: true });
  }

  /**
   * Whether this node holds, destroyed or left a version. A version number that any node has
   * ever used is never created again by a DKG (node/lifecycle.ts asks every peer).
   */
  history(keyName: string, version: number): VersionHistory {
    const v = this.keys.get(keyName)?.get(version);
    if (v) return v.record.state === 'destroyed' ? 'destroyed' : 'held';
    return this.left.has(`${keyName}${SEP}${version}`) ? 'left' : 'none';
  }

  /**
   * What this node knows of a version, a pending session on it included: the answer of
   * Peer.VersionHistory. A pending operation that does not open counts as pending (unknown).
   */
  async versionHistory(keyName: string, version: number, ancestor?: string): Promise<VersionHistoryAnswer> {
    const h = this.history(keyName, version);
    const v = this.keys.get(keyName)?.get(version);
    const op = await this.loadOperation(keyName).catch(() => 'unreadable' as const);
    const pendingSession = op === 'unreadable' ? '?' : op && op.params.version === version ? op.params.sessionId : undefined;
    const pendingParams = op && op !== 'unreadable' && op.params.version === version ? paramsDigest(op.params) : undefined;
    if (v && (h === 'held' || h === 'destroyed')) {
      const { threshold, nodeIndices, epoch, state } = v.record;
      const ancestorHeld = ancestor !== undefined && ((v.record.lineage ?? []).includes(ancestor) || (v.record.ancestors ?? []).includes(ancestor));
      return { history: h, sessionId: v.record.session ?? '', publicKey: v.publicKey, record: { threshold, nodeIndices: [...nodeIndices], commitments: v.commitments, epoch, state, lineage: [...(v.record.lineage ?? [])], destroyedByOperator: state === 'destroyed' && (v.record.destroyedBy ?? 'operator') === 'operator', ...(state === 'destroyed' && v.record.destroyOrder ? { destroyOrder: v.record.destroyOrder } : {}) }, ancestorHeld, pendingSession, pendingParams };
    }
    const importing = this.importing.get(`${keyName}${SEP}${version}`);
    if (importing !== undefined) return { history: 'pending', sessionId: '', publicKey: unhex(importing), pendingSession, pendingParams };
    const none = new Uint8Array(0);
    if (op === 'unreadable') return { history: 'pending', sessionId: '', publicKey: none, pendingSession, pendingParams };
    if (op && op.params.version === version) return { history: 'pending', sessionId: op.params.sessionId, publicKey: none, pendingSession, pendingParams };
    if (h === 'left') {
      const raw = await this.db.get(leftKey(keyName, version));
      const outcome = raw ? (JSON.parse(raw) as { outcome?: unknown }).outcome : undefined;
      if (typeof outcome === 'string' && /^[0-9a-f]{64}$/.test(outcome)) return { history: h, sessionId: '', publicKey: none, leftFor: outcome };
    }
    return { history: h, sessionId: '', publicKey: none };
  }

  /**
   * Mark an import of `keyName@version` with pkS `publicKey` as being checked (persisted, synced,
   * before the node asks the others). Refused while another import of the number is being
   * checked here with another pkS.
   */
  async markImport(keyName: string, version: number, publicKey: Uint8Array): Promise<void> {
    const slot = `${keyName}${SEP}${version}`;
    const pk = hex(publicKey);
    const other = this.importing.get(slot);
    if (other !== undefined && other !== pk) throw alreadyExists(`another import of ${keyName}@${version} with another key is being checked on this node`);
    // Reserved in memory first (a racing import with another key is refused at once), dropped
    // again if the synced write fails, so no mark exists that the disk does not hold.
    this.importing.set(slot, pk);
    try {
      await this.db.put(importKey(keyName, version), pk, { sync: true });
    } catch (e) {
      if (other === undefined) this.importing.delete(slot);
      throw e;
    }
  }

  /**
   * The record a quorum agreed on when this node's share was erased as superseded while it stayed
   * in the node set (a node restored from an old backup): its digest. Such a node may join a
   * reshare of exactly that record as a receiver, to get a share back.
   */
  async supersededInSet(keyName: string, version: number): Promise<string | undefined> {
    const raw = await this.db.get(leftKey(keyName, version));
    if (raw === undefined) return undefined;
    const t = JSON.parse(raw) as { superseded?: { inNewSet?: boolean; digest?: string } };
    return t.superseded?.inNewSet ? t.superseded.digest : undefined;
  }

  /** Drop an import mark (the import was refused). */
  async clearImport(keyName: string, version: number): Promise<void> {
    this.importing.delete(`${keyName}${SEP}${version}`);
    await this.db.del(importKey(keyName, version), { sync: true });
  }

  /**
   * t nodes agree that a version this node holds moved on to a newer epoch of the same key (a
   * reshare or refresh this node missed: it was down, partitioned, or restored from a backup).
   * Its share of the old epoch is erased — no quorum uses it, and old shares must not outlive
   * their epoch — and a tombstone keeps the number taken. Returns false if the record changed
   * meanwhile (then nothing is written).
   */
  async supersede(keyName: string, version: number, expectEpoch: number, agreed: AgreedRecord, clock: () => number = Date.now): Promise<boolean> {
    const v = this.keys.get(keyName)?.get(version);
    if (!v || v.record.epoch !== expectEpoch || v.record.state === 'destroyed') return false;
    const key = versionKey(keyName, version);
    const tombstone = {
      keyName,
      version,
      epoch: Number(agreed.epoch),
      nodeIndices: [...agreed.nodeIndices],
      superseded: { epoch: expectEpoch, inNewSet: agreed.nodeIndices.includes(this.nodeIndex), digest: recordDigest({ version, ...agreed }) },
      atMs: clock(),
    };
    crashPoint('supersede:before-write');
    await this.db.batch(
      [
        { type: 'del', key },
        { type: 'put', key: leftKey(keyName, version), value: JSON.stringify(tombstone) },
      ],
      { sync: true },
    );
    crashPoint('supersede:after-write');
    v.share?.fill(0);
    this.keys.get(keyName)?.delete(version);
    this.left.add(`${keyName}${SEP}${version}`);
    await this.compactKey(key);
    return true;
  }

  /** Unseal and check one record; failures are recorded, not thrown. */
  private load(record: VersionRecord): LoadedVersion {
    const commitments = record.commitments.map(unhex);
    const publicShares = new Map(record.nodeIndices.map((i) => [i, publicShare(this.group, commitments, i)] as const));
    const loaded: LoadedVersion = { record, commitments, publicKey: commitments[0]!, publicShares };
    if (record.state === 'destroyed' || record.sealedShare === undefined) return loaded;
    try {
      const aad = shareAad(record.keyName, record.version, record.nodeIndex, record.epoch);
      const share = open(this.sealKey, new Uint8Array(Buffer.from(record.sealedShare, 'base64')), aad);
      decodeScalar(share, 'share', { nonZero: true });
      verifyShare(this.group, { index: record.nodeIndex, value: share }, commitments);
      loaded.share = share;
    } catch (e) {
      loaded.unavailable = e instanceof SealError ? 'sealed share does not open (corrupted, moved, or wrong seal key)' : 'share does not match its commitments';
      this.log.error({ alert: 'share-unavailable', key: record.keyName, version: record.version }, `share of ${record.keyName}@${record.version} is unavailable: ${loaded.unavailable}`);
    }
    return loaded;
  }

  private install(v: LoadedVersion): void {
    let versions = this.keys.get(v.record.keyName);
    if (!versions) this.keys.set(v.record.keyName, (versions = new Map()));
    versions.set(v.record.version, v);
  }

  /** All versions of a key, ascending. */
  versions(keyName: string): LoadedVersion[] {
    const versions = this.keys.get(keyName);
    if (!versions || versions.size === 0) throw notFound(`key ${keyName} not found`);
    return [...versions.values()].sort((a, b) => a.record.version - b.record.version);
  }

  keyNames(): string[] {
    return [...this.keys].filter(([, vs]) => vs.size > 0).map(([name]) => name).sort();
  }

  /** The version to evaluate: an exact version, or (0) the newest active one. */
  resolve(keyName: string, version: number): LoadedVersion {
    const versions = this.versions(keyName);
    if (version === 0) {
      const active = versions.filter((v) => v.record.state === 'active');
      const newest = active[active.length - 1];
      if (!newest) throw notFound(`key ${keyName} has no active version`);
      return newest;
    }
    const v = versions.find((x) => x.record.version === version);
    if (!v) throw notFound(`key ${keyName} has no version ${version}`);
    return v;
  }

  /** The share to evaluate with, or the precise reason there is none. */
  usableShare(v: LoadedVersion): Scalar {
    const { keyName, version } = v.record;
    if (v.record.state === 'destroyed') throw failedPrecondition(`version ${version} of key ${keyName} was destroyed`);
    if (v.unavailable || !v.share) throw failedPrecondition(`version ${version} of key ${keyName} is unavailable on this node: ${v.unavailable ?? 'no share'}`);
    return v.share;
  }

  /** Store a dealer-split share after checking it against the commitments. Idempotent. */
  async importShare(input: ImportShareInput, clock: () => number = Date.now): Promise<{ publicShare: Element; created: boolean }> {
    const { keyName, version, threshold, nodeIndices, nodeIndex } = input;
    try {
      checkKeyName(keyName, 'key_name');
      checkVersion(version, 'key_version');
      checkThreshold(threshold, nodeIndices.length);
      checkIndices(nodeIndices, MAX_NODE_INDEX, 'node_indices');
    } catch (e) {
      throw invalidArgument((e as Error).message);
    }
    if (nodeIndices.length === 0) throw invalidArgument('node_indices must name at least one node, got none');
    if (nodeIndex !== this.nodeIndex) throw invalidArgument(`node_index ${nodeIndex} is not this node's index ${this.nodeIndex}`);
    if (!nodeIndices.includes(nodeIndex)) throw invalidArgument(`node_indices does not include this node's index ${nodeIndex}`);
    let commitments: Element[];
    let share: Scalar;
    try {
      commitments = checkCommitments(this.group, input.commitments, threshold);
      share = decodeScalar(new Uint8Array(input.share), 'share', { nonZero: true });
      verifyShare(this.group, { index: nodeIndex, value: share }, commitments);
    } catch (e) {
      throw invalidArgument((e as Error).message);
    }
    const pk = this.group.mulBase(share);
    const existing = this.keys.get(keyName)?.get(version);
    if (existing) {
      const same =
        existing.share !== undefined &&
        elementsEqual(existing.share, share) &&
        existing.record.threshold === threshold &&
        existing.commitments.every((c, j) => elementsEqual(c, commitments[j]!)) &&
        existing.record.nodeIndices.join(',') === nodeIndices.join(',');
      if (same) return { publicShare: pk, created: false };
      throw alreadyExists(`version ${version} of key ${keyName} already exists with different data`);
    }
    const record: VersionRecord = {
      keyName,
      version,
      threshold,
      nodeIndices: [...nodeIndices],
      commitments: commitments.map(hex),
      state: 'active',
      epoch: 1,
      createdAtMs: clock(),
      nodeIndex,
      ...(input.quorum ? { quorum: { nodes: [...input.quorum.nodes], minThreshold: input.quorum.minThreshold } } : {}),
    };
    record.sealedShare = Buffer.from(seal(this.sealKey, share, shareAad(keyName, version, nodeIndex, record.epoch))).toString('base64');
    await this.db.batch(
      [
        { type: 'put', key: versionKey(keyName, version), value: JSON.stringify(record) },
        { type: 'del', key: importKey(keyName, version) },
      ],
      { sync: true },
    );
    this.importing.delete(`${keyName}${SEP}${version}`);
    this.install(this.load(record));
    return { publicShare: pk, created: true };
  }

  // ---- Lifecycle operations: one pending participant state per key, sealed as a whole. ----

  private opAad(keyName: string, sessionId: string): Uint8Array {
    return concatBytes(utf8('splitkey/v1/operation'), lengthPrefixed(utf8(keyName)), lengthPrefixed(utf8(sessionId)), i2osp(this.nodeIndex, 4));
  }

  /** The pending operation on a key, or undefined. A state that does not open is an error. */
  async loadOperation(keyName: string): Promise<ParticipantState | undefined> {
    const raw = await this.db.get(opKey(keyName));
    if (raw === undefined) return undefined;
    const { sessionId, sealed } = JSON.parse(raw) as { sessionId: string; sealed: string };
    try {
      const plain = open(this.sealKey, new Uint8Array(Buffer.from(sealed, 'base64')), this.opAad(keyName, sessionId));
      return JSON.parse(Buffer.from(plain).toString('utf8')) as ParticipantState;
    } catch {
      throw failedPrecondition(`pending operation ${sessionId} on ${keyName} does not open (corrupted or wrong seal key); abort it`);
    }
  }

  /** Persist a participant state (sealed, synced) at a named step. */
  async saveOperation(state: ParticipantState, step: string): Promise<void> {
    const { keyName, sessionId } = state.params;
    crashPoint(`${step}:before-write`);
    const sealed = seal(this.sealKey, utf8(JSON.stringify(state)), this.opAad(keyName, sessionId));
    await this.db.put(opKey(keyName), JSON.stringify({ sessionId, sealed: Buffer.from(sealed).toString('base64') }), { sync: true });
    crashPoint(`${step}:after-write`);
  }

  async deleteOperation(keyName: string): Promise<void> {
    crashPoint('abort:before-write');
    await this.db.del(opKey(keyName), { sync: true });
    crashPoint('abort:after-write');
    // The sealed pending share goes from the files too, not only from the index.
    await this.compactKey(opKey(keyName));
  }

  /** The committed share of a version, if this node holds a usable one. */
  currentShare(keyName: string, version: number): Scalar | undefined {
    const v = this.keys.get(keyName)?.get(version);
    return v && !v.unavailable && v.record.state !== 'destroyed' ? v.share : undefined;
  }

  /** The session of the last lifecycle operation this node committed on the key ('' if none). */
  async lastSession(keyName: string): Promise<string> {
    return (await this.db.get(lastSessionKey(keyName))) ?? '';
  }

  /** A session this node committed on the key (however many committed since), or undefined. */
  /** The session this node committed from record `digest` (hex) of keyName@version, if any. */
  async consumedBy(keyName: string, version: number, digest: string): Promise<string | undefined> {
    return (await this.consumedMark(keyName, version, digest))?.session;
  }

  /** The consumed mark of a record: the session (id and paramsDigest) that moved it on here, or that a destroy dropped. */
  async consumedMark(keyName: string, version: number, digest: string): Promise<{ session: string; params?: string } | undefined> {
    const raw = await this.db.get(consumedKey(keyName, version, digest));
    return raw === undefined ? undefined : (JSON.parse(raw) as { session: string; params?: string });
  }

  /** A session this node committed: its transcript, version, epoch and (since it is recorded) its paramsDigest. */
  async committedSession(keyName: string, sessionId: string): Promise<{ transcript: string; version: number; epoch: number; params?: string; outcome?: string } | undefined> {
    if (!sessionId) return undefined;
    const raw = await this.db.get(sessionKey(keyName, sessionId));
    if (raw !== undefined) return JSON.parse(raw) as { transcript: string; version: number; epoch: number; params?: string; outcome?: string };
    // Sessions committed before per-session records existed: only the last one is known.
    if ((await this.lastSession(keyName)) === sessionId) return { transcript: await this.lastTranscript(keyName), version: 0, epoch: 0 };
    return undefined;
  }

  /** The transcript (hex) of the last session this node committed on the key ('' if unknown). */
  async lastTranscript(keyName: string): Promise<string> {
    return (await this.db.get(lastTranscriptKey(keyName))) ?? '';
  }

  /**
   * Make a ready operation current in one synced batch: the version's new record (or its removal
   * for a node that leaves), retired versions marked decrypt-only, the pending state deleted.
   */
  /**
   * `asDestroyed`: participants that committed this session report the version destroyed since
   * (node/lifecycle.ts commit): a receiver writes its record as destroyed, with no share.
   */
  async commitOperation(state: ParticipantState, clock: () => number = Date.now, opts: { asDestroyed?: boolean; supersededBy?: AgreedRecord; leftFor?: string; quorum?: { nodes: number[]; minThreshold: number } } = {}): Promise<void> {
    const p = state.params;
    const key = versionKey(p.keyName, p.version);
    const existing = this.keys.get(p.keyName)?.get(p.version);
    const ops: ({ type: 'put'; key: string; value: string } | { type: 'del'; key: string })[] = [];
    let record: VersionRecord | undefined;
    // A destroyed version stays destroyed: no session writes a share into it or replaces its record.
    if (existing?.record.state === 'destroyed') throw failedPrecondition(`version ${p.version} of ${p.keyName} was destroyed on node ${this.nodeIndex}; session ${p.sessionId} cannot commit onto it (abort it)`);
    const witness = (p.witnesses ?? []).includes(this.nodeIndex);
    if (witness) {
      // A witness only held the session's place: nothing of the version changes here.
      if (state.phase !== 'ready') throw failedPrecondition(`operation ${p.sessionId} is not ready to commit on this node`);
    } else if (p.receivers.includes(this.nodeIndex)) {
      if (state.phase !== 'ready' || !state.ready) throw failedPrecondition(`operation ${p.sessionId} is not ready to commit on this node`);
      record = {
        keyName: p.keyName,
        version: p.version,
        threshold: p.t,
        nodeIndices: [...p.receivers],
        commitments: state.ready.commitments,
        state: existing?.record.state ?? 'active',
        epoch: p.epoch,
        createdAtMs: existing?.record.createdAtMs ?? clock(),
        nodeIndex: this.nodeIndex,
        session: p.sessionId,
        lineage: committedLineage(p),
        ...(opts.quorum ? { quorum: { nodes: [...opts.quorum.nodes], minThreshold: opts.quorum.minThreshold } } : {}),
      };
      const ancestors = existing ? carriedAncestors({ ...existing.record, commitments: existing.commitments }, record.lineage!) : [];
      if (ancestors.length > 0) record.ancestors = ancestors;
      if (opts.asDestroyed) {
        record.state = 'destroyed';
        record.destroyedBy = 'session';
      } else if (opts.supersededBy) {
        // t nodes agree on a record that descends from this session's outcome (it moved on while
        // this node was held back): the share would be erased on the next reconcile pass, and
        // meanwhile count towards t beside a liar's kept one. Written as superseded at once —
        // the tombstone store.supersede writes — with no share (review E1).
      } else {
        const share = Buffer.from(state.ready.share, 'hex');
        record.sealedShare = Buffer.from(seal(this.sealKey, share, shareAad(p.keyName, p.version, this.nodeIndex, p.epoch))).toString('base64');
        share.fill(0);
      }
      if (opts.supersededBy) {
        const agreed = opts.supersededBy;
        ops.push({ type: 'del', key });
        ops.push({ type: 'put', key: leftKey(p.keyName, p.version), value: JSON.stringify({ keyName: p.keyName, version: p.version, session: p.sessionId, epoch: Number(agreed.epoch), nodeIndices: [...agreed.nodeIndices], superseded: { epoch: p.epoch, inNewSet: agreed.nodeIndices.includes(this.nodeIndex), digest: recordDigest({ version: p.version, ...agreed }) }, atMs: clock() }) });
      } else ops.push({ type: 'put', key, value: JSON.stringify(record) });
    } else {
      // A dealer that leaves erases its share only from a ready state (node/lifecycle.ts checks
      // that every new holder committed first).
      // It keeps a tombstone: the version number stays taken here (no later DKG may reuse it).
      if (state.phase !== 'ready') throw failedPrecondition(`operation ${p.sessionId} is not ready to commit on this node`);
      // With the outcome's digest (the record every new holder showed it, node/lifecycle.ts): the
      // old record's other nodes count this node as a voice for it (VersionHistory left_for; G3).
      const leftFor = opts.leftFor;
      ops.push({ type: 'del', key });
      ops.push({ type: 'put', key: leftKey(p.keyName, p.version), value: JSON.stringify({ keyName: p.keyName, version: p.version, session: p.sessionId, epoch: p.epoch, nodeIndices: p.receivers, ...(leftFor ? { outcome: leftFor } : {}), atMs: clock() }) });
    }
    for (const r of p.retire ?? []) {
      const v = this.keys.get(p.keyName)?.get(r);
      if (v && v.record.state === 'active') ops.push({ type: 'put', key: versionKey(p.keyName, r), value: JSON.stringify({ ...v.record, state: 'decrypt-only' }) });
    }
    // Whatever this node's role, it remembers which session moved the old record on (node/lifecycle.ts
    // refuses any other session from it).
    if (p.kind !== 'dkg' && p.old) {
      const from = recordDigest({ version: p.version, threshold: p.old.t, nodeIndices: p.old.nodeIndices, commitments: p.old.commitments.map(unhex), epoch: p.old.epoch, lineage: p.old.lineage ?? [] });
      ops.push({ type: 'put', key: consumedKey(p.keyName, p.version, from), value: JSON.stringify({ session: p.sessionId, params: paramsDigest(p), atMs: clock() }) });
    }
    ops.push({ type: 'del', key: opKey(p.keyName) });
    ops.push({ type: 'put', key: lastSessionKey(p.keyName), value: p.sessionId });
    // A receiver remembers its outcome's digest: later records that descend from it (lineage) tell
    // that a destroy of the version here destroyed this session's outcome (node/lifecycle.ts
    // sessionState; review E1).
    const outcome = record ? recordDigest({ version: p.version, threshold: record.threshold, nodeIndices: record.nodeIndices, commitments: record.commitments.map(unhex), epoch: record.epoch, lineage: record.lineage ?? [] }) : undefined;
    ops.push({ type: 'put', key: sessionKey(p.keyName, p.sessionId), value: JSON.stringify({ transcript: state.ready?.transcript ?? '', version: p.version, epoch: p.epoch, kind: p.kind, params: paramsDigest(p), ...(outcome ? { outcome } : {}) }) });
    if (state.ready) ops.push({ type: 'put', key: lastTranscriptKey(p.keyName), value: state.ready.transcript });
    crashPoint('commit:before-write');
    await this.db.batch(ops, { sync: true });
    crashPoint('commit:after-write');
    if (record && !opts.supersededBy) {
      existing?.share?.fill(0);
      this.install(this.load(record));
    } else if (!witness) {
      existing?.share?.fill(0);
      this.keys.get(p.keyName)?.delete(p.version);
      this.left.add(`${p.keyName}${SEP}${p.version}`);
    }
    for (const r of p.retire ?? []) {
      const v = this.keys.get(p.keyName)?.get(r);
      if (v && v.record.state === 'active') v.record = { ...v.record, state: 'decrypt-only' };
    }
    if (!witness) await this.compactKey(key);
  }

  /**
   * Erase a version's share (crypto-shredding), keeping its record as destroyed. Returns false if
   * it was already destroyed. The version is always exact: 0 ("the newest" elsewhere) is refused,
   * never resolved. With `expected` (a record digest, hex), only if the record held is exactly
   * that one, checked in the same turn as the write begins. `pendingSession` names this node's
   * pending session on the same version (node/lifecycle.ts `destroy`): it is deleted in the same
   * write, and also when this node holds no such version (then NOT_FOUND all the same). Callers
   * hold the key's lifecycle lock.
   */
  async destroyVersion(
    keyName: string,
    version: number,
    expected?: string,
    pending?: { sessionId: string; params: string; from?: string },
    cause: 'operator' | 'copy' | 'peers' | 'order' = 'operator',
    order?: StoredDestroyOrder,
  ): Promise<boolean> {
    const pendingSession = pending?.sessionId;
    try {
      checkKeyName(keyName, 'key_name');
      checkVersion(version, 'key_version');
    } catch (e) {
      throw invalidArgument((e as Error).message);
    }
    let v: LoadedVersion;
    try {
      v = this.resolve(keyName, version);
    } catch (e) {
      if (pendingSession === undefined) throw e;
      await this.db.batch(this.dropOps(keyName, version, pending!), { sync: true });
      this.log.warn({ key: keyName, version, session: pendingSession }, 'pending lifecycle session dropped: its version is being destroyed');
      throw notFound(`${(e as Error & { details?: string }).details ?? (e as Error).message}; this node's pending session ${pendingSession} on that version was dropped (its share was key material of the version being destroyed)`);
    }
    if (expected !== undefined) {
      const held = recordDigest({ version, threshold: v.record.threshold, nodeIndices: v.record.nodeIndices, commitments: v.commitments, epoch: v.record.epoch, lineage: v.record.lineage ?? [] });
      if (held !== expected) {
        throw failedPrecondition(`${keyName}@${version}: this node holds the epoch-${v.record.epoch} record ${held.slice(0, 16)}…, not the record ${expected.slice(0, 16)}… the caller saw; nothing erased`);
      }
    }
    const dropOp = pending === undefined ? [] : this.dropOps(keyName, version, pending);
    if (v.record.state === 'destroyed') {
      // Destroyed before without an order (an older tool, a relayed voice): keep this one to show.
      const withOrder: VersionRecord | undefined = order && !v.record.destroyOrder ? { ...v.record, destroyOrder: order } : undefined;
      const ops = [...(withOrder ? [{ type: 'put' as const, key: versionKey(keyName, version), value: JSON.stringify(withOrder) }] : []), ...dropOp];
      if (ops.length > 0) await this.db.batch(ops, { sync: true });
      if (withOrder) this.install({ ...v, record: withOrder });
      if (dropOp.length > 0) this.log.warn({ key: keyName, version, session: pendingSession }, 'pending lifecycle session dropped: its version was destroyed');
      return false;
    }
    const record: VersionRecord = { ...v.record, state: 'destroyed', destroyedBy: cause, ...(order ? { destroyOrder: order } : {}) };
    delete record.sealedShare;
    crashPoint('destroy:before-write');
    await this.db.batch([{ type: 'put', key: versionKey(keyName, version), value: JSON.stringify(record) }, ...dropOp], { sync: true });
    crashPoint('destroy:after-write');
    v.share?.fill(0);
    this.install({ ...v, record, share: undefined, unavailable: undefined });
    await this.compactKey(versionKey(keyName, version));
    if (dropOp.length > 0) {
      await this.compactKey(opKey(keyName));
      this.log.warn({ key: keyName, version, session: pendingSession }, 'pending lifecycle session dropped: its version was destroyed');
    }
    return true;
  }

  /** Drop a pending session (destroyVersion), marking the record it started from as consumed by it. */
  private dropOps(keyName: string, version: number, pending: { sessionId: string; params: string; from?: string }): ({ type: 'del'; key: string } | { type: 'put'; key: string; value: string })[] {
    return [
      { type: 'del', key: opKey(keyName) },
      ...(pending.from ? [{ type: 'put' as const, key: consumedKey(keyName, version, pending.from), value: JSON.stringify({ session: pending.sessionId, params: pending.params, dropped: 'destroy', atMs: Date.now() }) }] : []),
    ];
  }

  /** Ask LevelDB to rewrite the files holding an overwritten share, so the old bytes go too. */
  private async compactKey(key: string): Promise<void> {
    const db = this.db as unknown as { compactRange?: (a: string, b: string) => Promise<void> };
    await db.compactRange?.(key, `${key}\xff`).catch(() => undefined);
  }

  /** Counts used by status calls. */
  counts(): { keys: number; versions: number; unavailable: string[] } {
    let versions = 0;
    const unavailable: string[] = [];
    for (const [name, vs] of this.keys) {
      if (vs.size === 0) continue;
      versions += vs.size;
      for (const v of vs.values()) if (v.unavailable) unavailable.push(`${name}@${v.record.version}`);
    }
    return { keys: this.keyNames().length, versions, unavailable };
  }

  async close(): Promise<void> {
    for (const vs of this.keys.values()) for (const v of vs.values()) v.share?.fill(0);
    this.sealKey.fill(0);
    await this.db.close();
  }

  /** The suite shares are used with (VOPRF mode). */
  get voprf(): Suite {
    return this.suite;
  }
}

export { versionKey as storeVersionKey, sessionKey as storeSessionKey, lastSessionKey as storeLastSessionKey };
