/**
 * Key lifecycle as operators use it: create (DKG), rotate, refresh, reshare, destroy, and
 * resolving an operation left pending by a crash. The current state of a version is taken from
 * the nodes' KeyStatus answers only where at least t of them agree byte for byte.
 */
import { agreeOnVersions, checkKeyName, forkErasures, keepProblem, lifecycleQuorumSize, liveHolders, recordDigest, sameNodeSet, encodeDestroyOrder, fromHex, toHex, type Claimed, type OperationParams, type RecordState, type SignedDestroyOrder, type Suspect, type VersionRecord } from '../crypto/index.js';
import { faultToleranceOf, minThresholdOf } from './descriptor.js';
import { claimOf } from './evaluate.js';
import type { KeyVersionInfo__Output } from '../proto/gen/splitkey/v1/KeyVersionInfo.js';
import type { AdminClient } from './admin.js';
import { KeyError } from './errors.js';
import { LifecycleAbort, LifecycleCoordinator, type OperationReport } from './lifecycle.js';
import { GrpcLifecycleTransport } from './lifecycle-grpc.js';

export interface AgreedVersion {
  version: number;
  t: number;
  nodeIndices: number[];
  commitments: string[];
  epoch: number;
  /** Digests of the records this one descends from (crypto/records.ts), hex. */
  lineage: string[];
  state: string;
  /** Nodes that report exactly this record. */
  holders: number[];
  /**
   * The node list and minThreshold the record was created under (stored with it, outside its
   * digest), when t of its holders report the same one: under the quorum policy sessions from it
   * are counted against it. Absent for records that carry none, or without t such reports.
   */
  quorum?: { nodes: number[]; minThreshold: number };
}

const WIRE_STATE: Record<RecordState, string> = { active: 'KEY_STATE_ACTIVE', 'decrypt-only': 'KEY_STATE_DECRYPT_ONLY', destroyed: 'KEY_STATE_DESTROYED' };

export class KeyManager {
  private constructor(
    readonly admin: AdminClient,
    readonly coordinator: LifecycleCoordinator,
  ) {}

  static async create(admin: AdminClient, log: (line: string) => void = () => undefined, opts: { timeoutMs?: number } = {}): Promise<KeyManager> {
    return new KeyManager(admin, await LifecycleCoordinator.create(new GrpcLifecycleTransport(admin.channels, opts.timeoutMs), log));
  }

  private get nodes(): number[] {
    return this.admin.channels.nodes.map((n) => n.index).sort((a, b) => a - b);
  }

  /**
   * Versions of a key by quorum (crypto/records.ts): t ≥ the descriptor's minThreshold and t of
   * the version's own nodes report its record identically. The operator tooling never takes a
   * version's state from one node's word: refresh and reshare start from this agreed record.
   */
  async versions(keyName: string): Promise<AgreedVersion[]> {
    return (await this.agreement(keyName)).versions;
  }

  /** The agreed versions with the suspects and refused versions behind them. */
  async agreement(
    keyName: string,
    opts: { nodes?: number[]; timeoutMs?: number } = {},
  ): Promise<{
    versions: AgreedVersion[];
    suspects: Suspect[];
    refused: { version: number; reason: string; nodes: number[] }[];
    /**
     * Of the refused versions, the same-key forks (crypto/records.ts `forks`): clients still serve
     * them from one branch, but no refresh or reshare starts from a fork.
     */
    forks: { version: number; reason: string; nodes: number[] }[];
    /** Nodes that did not answer at all, with why (down, partitioned, refusing the channel). */
    unreachable: { node: number; reason: string }[];
  }> {
    const { claims, unreachable, lists } = await this.claims(keyName, opts);
    const policy = { minThreshold: minThresholdOf(this.admin.channels.descriptor) };
    const a = agreeOnVersions(claims, policy);
    // A record's list, when t of its holders report it identically (a node's word is a claim).
    const listOf = (version: number, holders: readonly number[], t: number) => {
      const votes = new Map<string, number>();
      for (const h of holders) {
        const u = lists.get(`${h}:${version}`);
        if (u) votes.set(JSON.stringify(u), (votes.get(JSON.stringify(u)) ?? 0) + 1);
      }
      const agreed = [...votes].find(([, n]) => n >= t);
      return agreed ? (JSON.parse(agreed[0]) as { nodes: number[]; minThreshold: number }) : undefined;
    };
    const forks = agreeOnVersions(claims, { ...policy, forks: 'serve' }).forks;
    return {
      versions: a.versions.map((v) => ({
        version: v.version,
        t: v.threshold,
        nodeIndices: v.nodeIndices,
        commitments: v.commitments.map((c) => toHex(c)),
        epoch: Number(v.epoch),
        lineage: [...(v.lineage ?? [])],
        state: WIRE_STATE[v.state],
        holders: v.holders,
        ...(((u) => (u ? { quorum: u } : {}))(listOf(v.version, v.holders, v.threshold))),
      })),
      suspects: a.suspects,
      refused: [...a.conflicts.map((c) => ({ version: c.version, reason: c.reason, nodes: c.reporters })), ...a.unconfirmed.map((u) => ({ version: u.version, reason: u.reason, nodes: u.reporters }))],
      forks: forks.map((f) => ({ version: f.version, reason: `${f.reason}; branches: ${f.branches.map((b) => `epoch ${b.epoch} on nodes ${b.holders.join(',')} (${b.live.length} live)`).join(' / ')}`, nodes: f.reporters })),
      unreachable,
    };
  }

  /** Every node's KeyStatus records of a key as claims, and the nodes that did not answer. */
  private async claims(
    keyName: string,
    opts: { nodes?: number[]; timeoutMs?: number },
  ): Promise<{ claims: Claimed<VersionRecord>[]; unreachable: { node: number; reason: string }[]; lists: Map<string, { nodes: number[]; minThreshold: number }> }> {
    const ok = new Map<number, Awaited<ReturnType<AdminClient['keyStatus']>>>();
    const unreachable: { node: number; reason: string }[] = [];
    await Promise.all(
      (opts.nodes ?? this.nodes).map((i) =>
        this.admin.keyStatus(i, keyName, opts.timeoutMs).then(
          (r) => void ok.set(i, r),
          (e: unknown) => {
            // NOT_FOUND is an answer: the node holds nothing of the key (e.g. it erased a stale share).
            if ((e as { code?: number }).code === 5) return void ok.set(i, { info: null } as unknown as Awaited<ReturnType<AdminClient['keyStatus']>>);
            unreachable.push({ node: i, reason: (e instanceof Error ? e.message : String(e)).split('\n')[0]!.slice(0, 200) });
          },
        ),
      ),
    );
    unreachable.sort((a, b) => a.node - b.node);
    const claims: Claimed<VersionRecord>[] = [];
    // "node:version" → the list the node stored with its record (KeyStatus health).
    const lists = new Map<string, { nodes: number[]; minThreshold: number }>();
    for (const [node, res] of ok) {
      for (const v of res.info?.versions ?? ([] as KeyVersionInfo__Output[])) {
        claims.push(claimOf(node, v));
      }
      for (const h of res.health ?? []) {
        if (h.quorum) lists.set(`${node}:${h.version}`, { nodes: [...h.quorum.nodes].sort((a, b) => a - b), minThreshold: h.quorum.minThreshold });
      }
    }
    return { claims, unreachable, lists };
  }

  /**
   * Repair a same-key fork of a version (two refreshes or reshares of one record that both
   * committed: README "Trust anchors", attack6 F6-1/F6-2). Keeps the branch whose holders are
   * exactly `keep` (the operator names it: `splitkey status` lists the branches) and erases the
   * version's share on every holder of the other branches (DestroyVersion on those nodes only,
   * with their signed receipts), and on every node reporting another record of the key that is
   * neither the kept one nor its ancestor or descendant (crypto/records.ts `forkErasures`); each
   * node erases only the record it reported (DestroyVersion `expected_record`). The kept branch is
   * untouched; once the others are erased it is the version for lifecycle too. Refused, before anything is erased, when the version is not a fork
   * of one key, when the kept branch has fewer than t + minThreshold − 1 live holders (then
   * minThreshold − 1 liars among them could leave fewer than t honest shares of the version), or
   * when its t is below another branch's (clients that accepted that one refuse a lower t).
   */
  async resolveFork(
    keyName: string,
    version: number,
    keep: readonly number[],
  ): Promise<{ kept: { epoch: string; holders: number[]; digest: string }; erased: number[]; unreachable: { index: number; reason: string }[]; unasked: { node: number; reason: string }[]; receipts: Awaited<ReturnType<LifecycleCoordinator['destroy']>>['receipts'] }> {
    checkKeyName(keyName);
    // `unasked`: nodes that did not answer when the records were read. One of them may hold a
    // branch that had fewer than t voices in reach: it brings the fork back when it returns.
    const { claims, unreachable: unasked } = await this.claims(keyName, {});
    const policy = { minThreshold: minThresholdOf(this.admin.channels.descriptor) };
    const served = agreeOnVersions(claims, { ...policy, forks: 'serve' });
    const v = served.versions.find((x) => x.version === version);
    const forked = v?.branches !== undefined && served.forks.some((f) => f.version === version);
    // Run again after a repair that could not reach every node: the erased branch now has fewer
    // than t live holders and minThreshold that erased, so the version is agreed on the kept
    // record, but a holder that was away may still hold a share of the other branch. Kept by
    // name, the agreed record is repaired by the same rule (its leftovers are erased, or nothing).
    const rerun = !forked && v !== undefined && v.state !== 'destroyed' && sameNodeSet(v.holders, keep);
    if (!forked && !rerun) {
      const why = agreeOnVersions(claims, policy).conflicts.find((c) => c.version === version)?.reason;
      throw new KeyError('KEY_INFO_DISAGREEMENT', `${keyName}@${version} is not a fork of one key${why ? `: ${why}` : ' (its record is agreed or unknown)'}; nothing erased`);
    }
    const branches = [v!, ...(v!.branches ?? [])];
    const listed = branches.map((b) => `epoch ${b.epoch}, t = ${b.threshold}, on nodes ${b.holders.join(',')} (${liveHolders(b).length} live)`).join(' / ');
    const kept = branches.find((b) => sameNodeSet(b.holders, keep));
    if (!kept) throw new KeyError('KEY_INFO_DISAGREEMENT', `no branch of ${keyName}@${version} is held by exactly nodes ${[...keep].sort((x, y) => x - y).join(',')}; its branches: ${listed}; nothing erased`);
    const problem = keepProblem(kept, branches, policy);
    if (problem) throw new KeyError('POLICY_VIOLATION', `the branch of ${keyName}@${version} on nodes ${kept.holders.join(',')} cannot be kept: ${problem}; its branches: ${listed}; nothing erased`);
    const erase = forkErasures(claims, version, kept, branches);
    // Each node erases only the record it reported when these claims were read (a liar that
    // reported two records of the version, or a malformed one, gets no expectation).
    const seen = new Map<number, string>();
    for (const n of erase) {
      const reported = claims.filter((c) => c.version === version && c.reporter === n);
      if (reported.length !== 1) continue;
      try {
        seen.set(n, recordDigest(reported[0]!));
      } catch {
        // malformed: no expectation
      }
    }
    const r = await this.coordinator.destroy(keyName, version, erase, seen);
    return { kept: { epoch: kept.epoch, holders: kept.holders, digest: recordDigest(kept) }, erased: r.destroyed, unreachable: r.unreachable, unasked, receipts: r.receipts };
  }

  /** The agreed version, and the nodes that did not answer when it was read. */
  private async versionWithReach(keyName: string, version: number): Promise<{ version: AgreedVersion; unreachable: { node: number; reason: string }[] }> {
    const a = await this.agreement(keyName);
    const v = a.versions.find((x) => x.version === version);
    const fork = a.forks.find((f) => f.version === version);
    if (!v && fork) {
      throw new KeyError(
        'KEY_INFO_DISAGREEMENT',
        `${keyName}@${version}: ${fork.reason}. Clients still serve it, but no refresh or reshare starts from a fork: run \`splitkey key resolve-fork ${keyName} --version ${version} --keep NODES\` first`,
      );
    }
    if (!v) throw new KeyError('KEY_NOT_FOUND', `no agreed version ${version} of ${keyName} (fewer than t nodes report it identically)`);
    if (v.state === 'KEY_STATE_DESTROYED') throw new KeyError('KEY_DESTROYED', `version ${version} of ${keyName} was destroyed`);
    return { version: v, unreachable: a.unreachable };
  }

  /** A new key by DKG among the given nodes (default: every node of the descriptor). */
  async createKey(keyName: string, t: number, nodes = this.nodes): Promise<OperationReport> {
    checkKeyName(keyName);
    if ((await this.admin.nextVersion(keyName)) !== 1) throw new KeyError('KEY_EXISTS', `key ${keyName} already exists; use key rotate to add a version`);
    return this.dkg(keyName, 1, t, nodes, []);
  }

  /** A new version by DKG with the newest version's node set and threshold (or the ones given). */
  async rotate(keyName: string, opts: { t?: number; nodes?: number[] } = {}): Promise<OperationReport> {
    const versions = (await this.versions(keyName)).filter((v) => v.state !== 'KEY_STATE_DESTROYED');
    const newest = versions[versions.length - 1];
    const nodes = opts.nodes ?? newest?.nodeIndices ?? this.nodes;
    const t = opts.t ?? newest?.t ?? Math.floor(nodes.length / 2) + 1;
    const next = await this.admin.nextVersion(keyName);
    return this.dkg(keyName, next, t, nodes, versions.filter((v) => v.state === 'KEY_STATE_ACTIVE').map((v) => v.version));
  }

  /** The cluster policy: no version below minThreshold, in the coordinator as in every node. */
  private checkPolicy(t: number, nodes: readonly number[]): void {
    const min = minThresholdOf(this.admin.channels.descriptor);
    if (t < min) throw new KeyError('POLICY_VIOLATION', `threshold ${t} is below the cluster's minThreshold ${min} (cluster descriptor)`);
    const f = faultToleranceOf(this.admin.channels.descriptor);
    if (nodes.length < t + f) {
      throw new KeyError('POLICY_VIOLATION', `${t} of ${nodes.length} nodes would not survive the ${f} silent nodes the cluster's policy allows for (faultTolerance, default minThreshold − 1); give at least ${t + f} nodes or a lower threshold`);
    }
  }

  private dkg(keyName: string, version: number, t: number, nodes: number[], retire: number[]): Promise<OperationReport> {
    this.checkPolicy(t, nodes);
    return this.coordinator.run({ kind: 'dkg', keyName, version, t, receivers: nodes, dealers: nodes, epoch: 1, retire, nextQuorum: this.universe() });
  }

  /**
   * The node list and minThreshold of the operator's descriptor: every session names it as the
   * list its new record is created under (nextQuorum). Under the quorum policy each participant
   * checks it against its own descriptor and every holder stores exactly it, so later sessions
   * from the record are counted against one list on every holder.
   */
  private universe(): { nodes: number[]; minThreshold: number } {
    return { nodes: this.nodes, minThreshold: minThresholdOf(this.admin.channels.descriptor) };
  }

  /**
   * What a refresh or reshare from a record of threshold `oldT` (created under `list`, when t of
   * its holders report one) needs under the descriptor's quorum policy: ⌈(n + t)/2⌉ participants
   * among the list's nodes (the record's list, else the descriptor's), t at least minThreshold.
   * Undefined when the policy is off. Nodes count the same way (node/lifecycle.ts).
   */
  sessionQuorum(oldT: number, list?: { nodes: readonly number[]; minThreshold: number }): { universe: { nodes: readonly number[]; minThreshold: number }; fromRecord: boolean; t: number; q: number } | undefined {
    const d = this.admin.channels.descriptor;
    if (!d.lifecycleQuorum) return undefined;
    // Counted against the list the record was created under (its holders do), when known; only
    // nodes of that list count, and only nodes of the descriptor can be asked.
    const universe = list ?? { nodes: this.nodes, minThreshold: minThresholdOf(d) };
    const t = Math.max(oldT, universe.minThreshold, minThresholdOf(d));
    return { universe, fromRecord: list !== undefined, t, q: lifecycleQuorumSize(universe.nodes.length, t) };
  }

  /**
   * Under the descriptor's quorum policy (`lifecycleQuorum`): nodes of the descriptor that neither
   * deal nor receive, enough of them that the session has ⌈(n + t)/2⌉ participants (t the
   * version's threshold, at least minThreshold) —
   * nodes that answered just now only. Every node checks the count itself.
   */
  private witnessesFor(participants: readonly number[], unreachable: readonly { node: number }[], oldT: number, list?: { nodes: readonly number[]; minThreshold: number }): number[] {
    const needs = this.sessionQuorum(oldT, list);
    if (!needs) return [];
    const { universe, t, q } = needs;
    const counted = new Set(participants.filter((n) => universe.nodes.includes(n)));
    const need = q - counted.size;
    if (need <= 0) return [];
    const away = new Set(unreachable.map((u) => u.node));
    const candidates = this.nodes.filter((n) => universe.nodes.includes(n) && !participants.includes(n) && !away.has(n));
    if (candidates.length < need) {
      throw new LifecycleAbort(
        `the cluster's policy (lifecycleQuorum) needs ${q} = ⌈(n + t)/2⌉ (t = ${t}: the version's threshold, at least minThreshold) of the ${universe.nodes.length} nodes ${list ? `the record was created under (${universe.nodes.join(',')})` : 'of the descriptor'} in every refresh and reshare, so that two sessions from one record never both commit; ${counted.size} of them take part and only ${candidates.length} other node(s) of them answered to witness it${away.size > 0 ? ` (not answering, or refused to witness: ${[...away].sort((a, b) => a - b).join(',')})` : ''}: bring nodes back and run it again`,
      );
    }
    return candidates.slice(0, need);
  }

  /**
   * Run a refresh or reshare with the witnesses the quorum policy needs (none without it). A
   * witness that refuses at prepare (busy with another session of the key, or holding a record of
   * the version it cannot vouch for) is replaced by the next candidate, twice at most; the session
   * it refused was aborted everywhere first.
   */
  private async runWitnessed(params: Omit<OperationParams, 'sessionId' | 'witnesses' | 'nextQuorum'>, unreachable: readonly { node: number }[]): Promise<OperationReport> {
    const skipped: { node: number }[] = [];
    for (let attempt = 1; ; attempt++) {
      const witnesses = this.witnessesFor([...params.receivers, ...params.dealers], [...unreachable, ...skipped], params.old?.t ?? params.t, params.quorum);
      try {
        return await this.coordinator.run({ ...params, nextQuorum: this.universe(), ...(witnesses.length > 0 ? { witnesses } : {}) });
      } catch (e) {
        const refused = e instanceof LifecycleAbort ? (e.prepareRefused ?? []) : [];
        if (attempt >= 3 || refused.length === 0 || !refused.every((n) => witnesses.includes(n))) throw e;
        skipped.push(...refused.map((node) => ({ node })));
      }
    }
  }

  /** Proactive refresh of one version: same pkS, new shares, epoch + 1. Needs every member up. */
  async refresh(keyName: string, version: number): Promise<OperationReport> {
    const { version: v, unreachable } = await this.versionWithReach(keyName, version);
    const missing = v.nodeIndices.filter((i) => !v.holders.includes(i));
    // A member that did not answer may be fine (down, partitioned): bring it back. Only one that
    // answered without the agreed record (an older epoch, no share) needs a reshare to recover.
    const down = unreachable.filter((u) => missing.includes(u.node));
    const stale = missing.filter((i) => !down.some((u) => u.node === i));
    const problems: string[] = [];
    if (down.length > 0) {
      problems.push(
        `node${down.length > 1 ? 's' : ''} ${down.map((u) => u.node).join(',')} did not answer (${down.map((u) => `node ${u.node}: ${u.reason}`).join('; ')}); refresh needs every member of ${keyName}@${version} up: bring ${down.length > 1 ? 'them' : 'it'} back and run it again`,
      );
    }
    if (stale.length > 0) {
      problems.push(`node${stale.length > 1 ? 's' : ''} ${stale.join(',')} answered but do${stale.length > 1 ? '' : 'es'} not hold the current state of ${keyName}@${version}; ${stale.length > 1 ? 'they need' : 'it needs'} recovery: run key reshare with the same node set`);
    }
    if (problems.length > 0) throw new LifecycleAbort(problems.join('; '));
    return this.runWitnessed({ kind: 'refresh', keyName, version, t: v.t, receivers: v.nodeIndices, dealers: v.nodeIndices, epoch: v.epoch + 1, old: this.old(v), ...this.claimedList(v) }, unreachable);
  }

  /** Move a version to a new node set and/or threshold, same pkS; dealers are its live members. */
  async reshare(keyName: string, version: number, nodes: number[], t: number): Promise<OperationReport> {
    this.checkPolicy(t, nodes);
    const { version: v, unreachable } = await this.versionWithReach(keyName, version);
    const dealers = v.holders.filter((h) => v.nodeIndices.includes(h)).sort((a, b) => a - b);
    if (dealers.length < v.t) throw new LifecycleAbort(`only ${dealers.length} members of ${keyName}@${version} are reachable; need ${v.t}`);
    return this.runWitnessed({ kind: 'reshare', keyName, version, t, receivers: [...nodes].sort((a, b) => a - b), dealers, epoch: v.epoch + 1, old: this.old(v), ...this.claimedList(v) }, unreachable);
  }

  /**
   * The record's list as the session's `quorum` claim, under the quorum policy and when t of its
   * holders report one: nodes that do not hold the record (witnesses, new receivers) count
   * against it as the holders do. Each holder checks the claim against what it stored.
   */
  private claimedList(v: AgreedVersion): Pick<OperationParams, 'quorum'> {
    return this.admin.channels.descriptor.lifecycleQuorum && v.quorum ? { quorum: v.quorum } : {};
  }

  private old(v: AgreedVersion): OperationParams['old'] {
    return { t: v.t, nodeIndices: v.nodeIndices, commitments: v.commitments, epoch: v.epoch, lineage: v.lineage };
  }

  async liveVersions(keyName: string): Promise<number[]> {
    return (await this.versions(keyName)).filter((v) => v.state !== 'KEY_STATE_DESTROYED').map((v) => v.version);
  }

  /**
   * Destroy a version on every node, with the operator's signed order (crypto/destroy-order.ts)
   * for the pkS t nodes agree on (`agreed`, else asked now): a node that misses the destroy erases
   * its share when it comes back and a peer shows it the order. Without TLS or an agreed record,
   * no order (the nodes erase all the same; one that missed it then needs t reports, or a re-run).
   */
  async destroy(keyName: string, version: number, agreed?: AgreedVersion) {
    const v = agreed ?? (await this.versions(keyName).catch(() => [])).find((x) => x.version === version);
    let order: SignedDestroyOrder | undefined;
    if (v?.commitments[0]) {
      // The agreed record and its lineage: the line of records this destroy erases (a node that
      // missed it holds one of them).
      const digest = recordDigest({ version, threshold: v.t, nodeIndices: v.nodeIndices, commitments: v.commitments.map((c) => fromHex(c)), epoch: v.epoch, lineage: v.lineage });
      const bytes = encodeDestroyOrder({ keyName, version, publicKey: v.commitments[0], records: [digest, ...v.lineage], signedAtMs: Date.now() });
      let signed: { signature: Uint8Array; certificate: string } | undefined;
      try {
        signed = this.admin.channels.signAsCaller(bytes);
      } catch {
        signed = undefined; // a key Node cannot sign SHA-256 with (Ed25519): destroy without an order
      }
      if (signed) order = { order: bytes, ...signed };
    }
    return this.coordinator.destroy(keyName, version, this.nodes, undefined, order);
  }

  abortOp(keyName: string) {
    return this.coordinator.resolvePending(keyName, this.nodes);
  }
}
