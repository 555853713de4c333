/**
 * Stale shares do not outlive their epoch. A node that missed a reshare or refresh of a version it
 * holds — it was down or partitioned while the others moved on (a reshare may leave out up to
 * t − 1 old holders), or it was restored from an old backup — still holds a share of the old
 * epoch. No quorum uses that share any more, but it still evaluates the key, and it must not
 * linger: proactive security counts on old shares being erased.
 *
 * The same pass finishes a `key destroy` the node missed: when one peer shows the destroy's signed
 * order (node/destroy-order.ts), or t of the record's own nodes report its very record destroyed
 * by an operator, it erases its share as the destroy would have (reconcileVersion).
 *
 * So at start and every `reconcileSeconds`, the node asks every node of its own descriptor for its
 * record of each version it holds (Peer.VersionHistory). Their answers are claims: only when
 * max(t of its record, minThreshold) nodes vouch for a record of the *same key* (same pkS) at a
 * newer epoch that *descends* from its record (its lineage names it; crypto/records.ts
 * `supersededBy`) does the node erase its share and keep a tombstone, so the version number stays
 * taken. A record names only its last MAX_LINEAGE ancestors; for a node further behind, each
 * peer also says whether its record descends from this node's (it remembers the ancestors it
 * witnessed, store `ancestors`), and that many confirming holders of the agreed record count as
 * descent (crypto/records.ts `supersededBeyondWindow`). The t − 1 liars its record tolerates can
 * never make it erase a live share, and a fork a
 * coordinator drives from a stale copy (a sibling, not a descendant) never counts. The same check
 * runs before a refresh or reshare prepares from a held record (node/lifecycle.ts), so nobody
 * deals from a superseded one. A session pending on the same version that is ready settles by its
 * own commit or abort (abort-op rolls it forward); one that is only prepared, from a superseded
 * record, is dropped. The check runs under the key's lock so it never interleaves with a step.
 */
import { MAX_LINEAGE, beyondLineageWindow, claim, fromHex, recordDigest, supersededBy, supersededBeyondWindow, toHex, type Claimed, type SignedDestroyOrder, type VersionRecord as PublicRecord } from '../crypto/index.js';
import { storeOrder, verifyDestroyOrder } from './destroy-order.js';
import { failedPrecondition } from './errors.js';
import { droppedSession } from './lifecycle-evidence.js';
import type { LifecycleHandler } from './lifecycle.js';
import type { PeerClients } from './peer-client.js';
import type { NodeRuntime } from './runtime.js';
import type { KeyStateName, LoadedVersion, VersionRecord } from './store.js';

/** Unverifiable destroy orders already warned about, per node runtime (reconcileVersion). */
const orderWarnings = new WeakMap<NodeRuntime, Set<string>>();

/** The lineage-window alert last raised per node runtime and version (reconcileVersion). */
const lineageAlerts = new WeakMap<NodeRuntime, Map<string, string>>();

export interface ReconcileOutcome {
  keyName: string;
  version: number;
  /** The epoch this node held, and the newer one t peers agree on. */
  fromEpoch: number;
  toEpoch: number;
  /** Whether this node is in the newer record's node set (then it needs a reshare to get a share back). */
  inNewSet: boolean;
  /**
   * Set when the share was erased because t of the record's nodes (so an honest one, on an
   * operator's authenticated destroy) report this very record destroyed by an operator — a
   * `key destroy` this node missed: those nodes. The epochs are then both this node's.
   */
  destroyedBy?: number[];
}

export class Reconciler {
  private timer?: NodeJS.Timeout;
  private running?: Promise<ReconcileOutcome[]>;

  constructor(
    private readonly rt: NodeRuntime,
    private readonly peers: PeerClients,
    private readonly lifecycle: LifecycleHandler,
  ) {}

  /** Run once now (in the background), then every `seconds` (0: only now). */
  start(seconds: number): void {
    const tick = () => void this.runOnce().catch((e: unknown) => this.rt.log.warn({ event: 'reconcile' }, `reconcile failed: ${(e as Error).message}`));
    setTimeout(tick, 0).unref();
    if (seconds > 0) this.timer = setInterval(tick, seconds * 1000).unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running?.catch(() => undefined);
  }

  /** One pass over every held version; overlapping calls share the pass. Returns what was erased. */
  runOnce(): Promise<ReconcileOutcome[]> {
    this.running ??= this.pass().finally(() => (this.running = undefined));
    return this.running;
  }

  private async pass(): Promise<ReconcileOutcome[]> {
    const out: ReconcileOutcome[] = [];
    for (const keyName of this.rt.store.keyNames()) {
      for (const v of this.rt.store.versions(keyName)) {
        if (v.record.state === 'destroyed') continue;
        const done = await this.lifecycle.locked(keyName, () => reconcileVersion(this.rt, this.peers, keyName, v.record.version));
        if (done) out.push(done);
      }
    }
    return out;
  }
}

/**
 * Ask every peer of this node's descriptor about one version it holds and, if t of them agree on a
 * descendant of its record, erase its share (and drop an unready session pending from that
 * record). The caller holds the key's lock. Returns what was erased, or undefined.
 */
export async function reconcileVersion(rt: NodeRuntime, peers: PeerClients, keyName: string, version: number, opts: { refuseIfAmbiguous?: boolean } = {}): Promise<ReconcileOutcome | undefined> {
  const store = rt.store;
  let own;
  try {
    own = store.resolve(keyName, version);
  } catch {
    return undefined;
  }
  if (own.record.state === 'destroyed') return undefined;
  const pending = await store.loadOperation(keyName).catch(() => 'unreadable' as const);
  if (pending === 'unreadable') return undefined;
  const samePending = pending && pending.params.version === version ? pending : undefined;
  const found = await findSuperseding(rt, peers, keyName, version, own);
  if (!found) return undefined;
  const { newer, ownRecord, confirmers, policy, claims, operatorDestroyed, orders } = found;
  // A destroy this node missed, shown by one peer with the operator's signed order for this very
  // key (its pkS, and a line of records that names this node's: an older epoch of the destroyed
  // record): the operator's word, which no node can forge, so one suffices
  // whatever else peers claim and whatever session is pending here (review F1/G4: a receiver held
  // back in a session while the version was destroyed no longer serves it beside a liar until the
  // destroy is run again). A peer's order that does not verify is ignored (and named in the log).
  const trusts = rt.rpc.trusts;
  for (const { reporter, order } of trusts ? orders : []) {
    try {
      verifyDestroyOrder(order, { keyName, version, publicKey: toHex(own.publicKey), line: [recordDigest(ownRecord), ...(ownRecord.lineage ?? []), ...(own.record.ancestors ?? [])], trusts: trusts!, now: Date.now() });
    } catch (e) {
      // Once per situation (node, version, reason), not on every pass (review J3).
      const why = `node ${reporter} shows a destroy order for ${keyName}@${version} that does not verify: ${(e as Error).message}`;
      const seen = orderWarnings.get(rt) ?? new Set<string>();
      orderWarnings.set(rt, seen);
      if (!seen.has(why)) {
        if (seen.size >= 1_000) seen.clear();
        seen.add(why);
        rt.log.warn({ key: keyName, version, reporter }, why);
      }
      continue;
    }
    if (!(await store.destroyVersion(keyName, version, recordDigest(ownRecord), droppedSession(pending, version), 'order', storeOrder(order)))) return undefined;
    rt.log.warn(
      { alert: 'share-destroyed-late', key: keyName, version, epoch: own.record.epoch, reporters: [reporter] },
      `${keyName}@${version} was destroyed by the operator's signed order (shown by node ${reporter}) while this node was away; its epoch-${own.record.epoch} share is erased now`,
    );
    rt.metrics.lateDestroyedShares.inc();
    return { keyName, version, fromEpoch: own.record.epoch, toEpoch: own.record.epoch, inNewSet: false, destroyedBy: [reporter] };
  }
  // A destroy this node missed (down or cut off while `key destroy` ran): t of the record's own
  // nodes (t ≥ minThreshold; so an honest one, which erased on an operator's authenticated
  // DestroyVersion) report this very record (same digest) destroyed by an operator — the rule
  // that supersedes a share, with destroyed voices. Fewer are liars' words and erase nothing; a
  // record destroyed by a late commit or by this very rule is no voice, so erasures never feed
  // on each other (review D1, D2). The erasure is the destroy's own (store destroyVersion, this
  // record only): a pending session on the version is dropped whatever its phase, its old record
  // marked consumed. Not when t agree on a record that descends from this one: then the record was
  // superseded, and reports of it destroyed are of stale copies (review E2); the share goes by the
  // superseding rule below, a ready session's by its own commit.
  const ownDigest = recordDigest(ownRecord);
  const needed = Math.max(own.record.threshold, policy.minThreshold);
  const destroyedBy = claims
    .filter((c) => c.reporter !== rt.config.index && own.record.nodeIndices.includes(c.reporter) && c.state === 'destroyed' && operatorDestroyed.has(c.reporter) && recordDigest(c) === ownDigest)
    .map((c) => c.reporter);
  if (!newer && destroyedBy.length >= needed) {
    if (!(await store.destroyVersion(keyName, version, ownDigest, droppedSession(pending, version), 'peers'))) return undefined;
    destroyedBy.sort((a, b) => a - b);
    rt.log.warn(
      { alert: 'share-destroyed-late', key: keyName, version, epoch: own.record.epoch, reporters: destroyedBy },
      `${keyName}@${version} was destroyed on nodes ${destroyedBy.join(',')} (at least t = ${needed} of the record's nodes report this node's epoch-${own.record.epoch} record destroyed by an operator) while this node was away; its share is erased now`,
    );
    rt.metrics.lateDestroyedShares.inc();
    return { keyName, version, fromEpoch: own.record.epoch, toEpoch: own.record.epoch, inNewSet: false, destroyedBy };
  }
  // A session on this version that got as far as ready settles by its own commit or abort.
  if (samePending && (samePending.phase !== 'prepared' || samePending.intent)) return undefined;
  if (!newer) {
    const far = beyondLineageWindow(ownRecord, claims, policy);
    // Raised once per situation, not on every pass (every reconcileSeconds) while it lasts.
    const seen = lineageAlerts.get(rt) ?? new Map<string, string>();
    lineageAlerts.set(rt, seen);
    const situation = far ? `${own.record.epoch}>${far.epoch}@${far.holders.join(',')}` : undefined;
    const repeated = situation !== undefined && seen.get(`${keyName}@${version}`) === situation;
    if (situation) seen.set(`${keyName}@${version}`, situation);
    else seen.delete(`${keyName}@${version}`);
    if (far && !repeated) {
      rt.log.warn(
        { alert: 'lineage-window', key: keyName, version, epoch: own.record.epoch, agreedEpoch: far.epoch, holders: far.holders },
        `${keyName}@${version}: nodes ${far.holders.join(',')} agree on epoch ${far.epoch}, whose last ${MAX_LINEAGE} ancestors do not include this node's epoch-${own.record.epoch} record, and fewer than ${Math.max(own.record.threshold, policy.minThreshold)} of them (${[...confirmers].join(',') || 'none'}) witnessed it as an ancestor: it may be superseded beyond the lineage window (or the other a fork); this node keeps its share but deals from it no more — an operator decides (destroy this node's copy, or reshare)`,
      );
    }
    if (far && opts.refuseIfAmbiguous) {
      throw failedPrecondition(`${keyName}@${version}: t nodes agree on epoch ${far.epoch}, beyond this node's lineage window (its record is epoch ${own.record.epoch}); it takes no part in a session from its record`);
    }
    return undefined;
  }
  if (samePending) {
    await store.deleteOperation(keyName);
    rt.log.warn({ key: keyName, version, session: samePending.params.sessionId }, `dropped the unready ${samePending.params.kind} ${samePending.params.sessionId} of ${keyName}@${version}: the record it started from was superseded`);
  }
  const inNewSet = newer.nodeIndices.includes(rt.config.index);
  if (!(await store.supersede(keyName, version, own.record.epoch, newer))) return undefined;
  const outcome = { keyName, version, fromEpoch: own.record.epoch, toEpoch: Number(newer.epoch), inNewSet };
  rt.log.warn(
    { alert: 'share-superseded', key: keyName, version, fromEpoch: outcome.fromEpoch, toEpoch: outcome.toEpoch, holders: newer.holders },
    `${keyName}@${version} moved on to epoch ${newer.epoch} without this node (nodes ${newer.holders.join(',')} agree); its epoch-${own.record.epoch} share was erased` +
      (inNewSet ? `; this node is in the new node set but holds no share: run splitkey key reshare ${keyName} --version ${version} --nodes ${newer.nodeIndices.join(',')} --threshold ${newer.threshold} to give it one` : ''),
  );
  rt.metrics.supersededShares.inc();
  return outcome;
}

/** What findSuperseding needs of a record: a held one, or a session's outcome not written yet. */
export interface HeldRecord {
  record: Pick<VersionRecord, 'threshold' | 'nodeIndices' | 'epoch' | 'lineage' | 'state' | 'ancestors'>;
  commitments: LoadedVersion['commitments'];
}

/**
 * Ask every peer of this node's descriptor about one version it holds (`own`): the record t of
 * them agree on that descends from `own` (within the lineage window, or beyond it on the word of
 * max(t, minThreshold) witnessing holders), if any, with what was gathered. Undefined with no peers.
 */
export async function findSuperseding(rt: NodeRuntime, peers: PeerClients, keyName: string, version: number, own: HeldRecord) {
  const self = rt.config.index;
  const others = (await rt.cluster.indices()).filter((j) => j !== self);
  if (others.length === 0) return undefined;
  const ownRecord: PublicRecord = { version, threshold: own.record.threshold, nodeIndices: own.record.nodeIndices, commitments: own.commitments, epoch: String(own.record.epoch), lineage: own.record.lineage ?? [] };
  const claims: Claimed<PublicRecord>[] = [claim(self, ownRecord, own.record.state)];
  // Each peer is also asked whether its record descends from this one beyond the lineage window.
  const ancestor = fromHex(recordDigest(ownRecord), 'digest');
  const confirmers = new Set<number>();
  /** Peers reporting their record destroyed by an operator (VersionHistory destroyed_by_operator). */
  const operatorDestroyed = new Set<number>();
  /** Peers that dealt in a reshare that left them out: the outcome they left for (VersionHistory left_for). */
  const leftFor = new Map<number, string>();
  /** Operators' signed destroy orders peers erased on (VersionHistory destroy_order), unchecked. */
  const orders: { reporter: number; order: SignedDestroyOrder }[] = [];
  await Promise.all(
    others.map(async (j) => {
      try {
        const h = await peers.versionHistory(j, { keyName, keyVersion: version, ancestor }, { quick: true });
        if (h.history === 'left' && h.leftFor.length === 32) leftFor.set(j, Buffer.from(h.leftFor).toString('hex'));
        if (h.history === 'destroyed' && h.destroyOrder && h.destroyOrder.order.length > 0) {
          orders.push({ reporter: j, order: { order: new Uint8Array(h.destroyOrder.order), signature: new Uint8Array(h.destroyOrder.signature), certificate: h.destroyOrder.certificate } });
        }
        if ((h.history !== 'held' && h.history !== 'destroyed') || h.commitments.length === 0) return;
        const state = (['active', 'decrypt-only', 'destroyed'] as const).includes(h.state as KeyStateName) ? (h.state as KeyStateName) : undefined;
        if (!state) return;
        const lineage = h.lineage.map((d) => Buffer.from(d).toString('hex'));
        claims.push(claim(j, { version, threshold: h.threshold, nodeIndices: h.nodeIndices, commitments: h.commitments.map((c) => new Uint8Array(c)), epoch: h.epoch, lineage }, state));
        if (h.ancestorHeld) confirmers.add(j);
        if (state === 'destroyed' && h.destroyedByOperator) operatorDestroyed.add(j);
      } catch {
        // A peer that cannot be asked gives no voice.
      }
    }),
  );
  const policy = { minThreshold: await rt.cluster.minThreshold() };
  const newer = supersededBy(ownRecord, claims, policy, leftFor, own.record.ancestors) ?? supersededBeyondWindow(ownRecord, claims, policy, confirmers);
  return { newer, ownRecord, confirmers, policy, claims, operatorDestroyed, orders };
}
