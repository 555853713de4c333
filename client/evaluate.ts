/**
 * Threshold evaluation from the appliance's side (DESIGN.md "Cryptography", steps 2–5):
 * blind, fan out to the version's nodes with a deadline, verify every answer's DLEQ proof against
 * that node's pk_i (computed here from the agreed Feldman commitments, never taken on a node's
 * word), keep the first t valid answers, combine, unblind, finalize.
 *
 * Hedging: t + `hedge` nodes are asked first; each failure asks the next node at once. Nodes that
 * stay silent too long are covered by asking the rest (the policy, its clock and its budget are
 * in client/hedge.ts). Proof checks run on worker threads (client/proof-checker.ts), and so do
 * the blinding and the combination of batches of at least OFFLOAD_MIN elements; on backends
 * without a fast `mulSum` each check also scales its answer for the combination, so that only a
 * sum is left. A node whose answer fails verification is reported by index and never contributes.
 */
import * as grpc from '@grpc/grpc-js';
import {
  VerifyError,
  agreeOnVersions,
  type Agreement,
  claim,
  checkCommitments,
  combineUnblindInverted,
  createSuite,
  finalizeHash,
  lagrangeCoefficients,
  loadGroup,
  publicShare,
  regression,
  remember,
  sumScaled,
  unblindWeights,
  type Element,
  type Claimed,
  type Group,
  type Remembered,
  type Scalar,
  type Suite,
  type Suspect,
  type VersionRecord,
} from '../crypto/index.js';
import type { EvaluateResponse__Output } from '../proto/gen/splitkey/v1/EvaluateResponse.js';
import type { KeyInfo__Output } from '../proto/gen/splitkey/v1/KeyInfo.js';
import type { KeyVersionInfo__Output } from '../proto/gen/splitkey/v1/KeyVersionInfo.js';
import { NodeChannels, unaryCall } from './channels.js';
import { minThresholdOf } from './descriptor.js';
import { ConfigError, KeyError, ThresholdError, type NodeFailure, type NodeFailureReason } from './errors.js';
import { HedgePolicy } from './hedge.js';
import { ProofChecker, defaultCheckThreads, type CheckOutcome } from './proof-checker.js';
import { packElements } from './proof-job.js';

export interface EvaluateOptions {
  /** Deadline of every node call. */
  timeoutMs: number;
  /** Nodes asked beyond t at first. */
  hedge: number;
  /** After this, every node not yet asked is asked. */
  hedgeDelayMs: number;
  /** How long agreed key information is reused. */
  keyInfoTtlMs: number;
  /**
   * Worker threads that check nodes' proofs (client/proof-checker.ts); 0 checks on the calling
   * thread. Default: one per core, at most 4, none on a single core.
   */
  checkThreads: number;
}

/**
 * Defaults. `hedge: 0`: exactly t nodes are asked at first, so no node computes an answer that
 * is thrown away (a fourth answer costs as much node CPU as each of the three that are used).
 * A failed call asks the next node at once; a node still silent `hedgeDelayMs` after another
 * one answered is covered by asking the rest, and is then asked last for a while.
 */
export const DEFAULT_EVALUATE_OPTIONS: EvaluateOptions = {
  timeoutMs: 2_000,
  hedge: 0,
  hedgeDelayMs: 150,
  keyInfoTtlMs: 30_000,
  checkThreads: defaultCheckThreads(),
};

/**
 * Batches of at least this many elements are blinded and combined on the proof-check workers
 * (client/proof-checker.ts), in slices of at least this many side by side; smaller ones on this
 * thread, where a slice costs less than the two thread hand-offs. Blinding and combining are a
 * constant-time scalar multiplication per element each; on this thread they made it the busiest
 * of a batched client, and every batch waited for it twice.
 */
export const OFFLOAD_MIN = 64;

/** Waits between the retries of a derivation whose key information went stale (retryStale). */
const STALE_RETRY_DELAYS_MS = [100, 300, 900, 2000];
/** No stale retry starts this long after the first failure (an attempt in flight still ends by its own deadlines). */
export const STALE_RETRY_BUDGET_MS = 4_000;
/** Passes of retryStale (key-information fetches) per derivation at most: waits and retries together. */
export const STALE_RETRY_MAX_PASSES = 8;

/**
 * Waits before asking again when nodes refused for their per-identity rate limit (node/limits.ts:
 * a token bucket refused before any work). A refusal says "slow down", not "fail": the
 * derivation is asked again after a growing pause (with up to 50 % jitter, so that the callers
 * of one client do not come back at once) while the refusals alone kept it from t answers; the
 * pauses end RATE_RETRY_BUDGET_MS after the first attempt started (the attempt then under way
 * still runs to its own deadline), and the ThresholdError names the refusals. Answers already
 * verified are kept: only the missing nodes are asked again, so no node computes (or charges to
 * the version's query budget) the same batch twice.
 */
export const RATE_RETRY_DELAYS_MS = [50, 100, 200, 400, 800];
export const RATE_RETRY_BUDGET_MS = 2_000;

/**
 * t answers were in reach but for refusals that pass with time: a node's token bucket ("rate
 * limit: …") or its full evaluation queue ("node busy: …"). A spent query budget or a batch over
 * the node's maximum (also RESOURCE_EXHAUSTED) never passes, and is not asked again. A node that
 * lies about being busy delays a derivation by RATE_RETRY_BUDGET_MS plus the last attempt's own
 * deadline at most, as a silent one would.
 */
function isRateLimited(e: unknown): e is ThresholdError {
  if (!(e instanceof ThresholdError)) return false;
  const passing = (f: NodeFailure) => f.reason === 'rate limited' && /^(rate limit|node busy): /.test(f.detail ?? '');
  const limited = new Set(e.failures.filter(passing).map((f) => f.index)).size;
  return limited > 0 && e.valid + limited >= e.threshold;
}

/** The verified answers a failed `collect` had (for a rate-limit retry to keep). */
const partialAnswers = new WeakMap<ThresholdError, CheckOutcome[]>();

/** Whether a failed evaluation says our key information may be stale (a refresh or reshare committed since). */
function isStale(e: unknown): boolean {
  return e instanceof ThresholdError && e.failures.some((f) => f.reason === 'wrong epoch' || f.reason === 'not found' || f.reason === 'failed precondition');
}

/**
 * After a stale-looking failure on record `tried` and a fresh fetch that resolved `current`:
 * - `retry` at once when t nodes now report another record (epoch, t, node set or key changed),
 *   or when a node that failed with "wrong epoch" / "not found" / "failed precondition" now
 *   reports the record it could not serve (it committed since: it caught up) — each node counts
 *   so at most once per derivation (`counted`: review K, F2);
 * - `wait` when a node answered with a newer epoch than the record and itself reports a record of
 *   that newer epoch (`reported`: node → epoch it reports for the version): a commit may be
 *   half-way, the new record short of t voices while a liar's vote keeps the old one agreed
 *   (review K, F1);
 * - `final` otherwise: t nodes still agree on the record that failed and no failing node caught
 *   up, so "stale" was only the failing nodes' claim and a retry would fail the same way.
 * (When no record can be resolved at all, the caller waits too.)
 */
export function staleRetryDecision(
  tried: VerifiedVersion,
  current: VerifiedVersion,
  failed: ThresholdError,
  seen: { counted?: ReadonlySet<number>; reported?: ReadonlyMap<number, string> } = {},
): 'retry' | 'final' | 'wait' {
  const same =
    current.epoch === tried.epoch &&
    current.threshold === tried.threshold &&
    current.nodeIndices.join(',') === tried.nodeIndices.join(',') &&
    Buffer.from(current.publicKey).equals(Buffer.from(tried.publicKey)) &&
    (current.forked ?? false) === (tried.forked ?? false);
  if (!same) return 'retry';
  if (caughtUpNodes(tried, current, failed).some((i) => !seen.counted?.has(i))) return 'retry';
  const newer = (e: string | undefined) => {
    try {
      return e !== undefined && BigInt(e) > BigInt(tried.epoch);
    } catch {
      return false;
    }
  };
  const committing = failed.failures.some((f) => f.reason === 'wrong epoch' && newer(f.epoch) && seen.reported?.get(f.index) === f.epoch);
  return committing ? 'wait' : 'final';
}

/** `a` then `b`, each failure (node, reason, detail) once. */
function distinctFailures(a: readonly NodeFailure[], b: readonly NodeFailure[]): NodeFailure[] {
  const seen = new Set<string>();
  return [...a, ...b].filter((f) => {
    const id = `${f.index}\0${f.reason}\0${f.detail}`;
    return seen.has(id) ? false : (seen.add(id), true);
  });
}

/** Nodes that failed as stale on `tried` and now report `current` (they committed since). */
export function caughtUpNodes(tried: VerifiedVersion, current: VerifiedVersion, failed: ThresholdError): number[] {
  const staleReasons = new Set<NodeFailureReason>(['wrong epoch', 'not found', 'failed precondition']);
  return failed.failures.filter((f) => staleReasons.has(f.reason) && current.holders.includes(f.index) && !tried.holders.includes(f.index)).map((f) => f.index);
}

/**
 * Combine weights prepared before the fan-out for the t nodes asked first (hedge 0): each
 * node's check also scales its answer, so that with no failure the combination is only additions.
 */
interface Speculation {
  set: number[];
  weights: Map<number, Scalar[]>;
}

export type VersionState = 'active' | 'decrypt-only' | 'destroyed';

/** A key version as at least t of its nodes reported it identically (t ≥ the policy's minimum), with pk_i computed locally. */
export interface VerifiedVersion {
  version: number;
  threshold: number;
  nodeIndices: number[];
  publicKey: Element;
  publicShares: Map<number, Element>;
  epoch: string;
  state: VersionState;
  /** Nodes that reported exactly this record. */
  holders: number[];
  /**
   * A same-key fork (crypto/records.ts `forks`), or one repaired by erasing its other branches:
   * true on every branch. A branch is evaluated on its own holders only (the other branches' nodes,
   * or one that missed the erasure, hold shares of another polynomial of the same k).
   */
  forked?: boolean;
  /** On the branch served first: the fork's other branches, best first, tried when it cannot answer. */
  branches?: VerifiedVersion[];
}

export interface VerifiedKey {
  keyName: string;
  versions: VerifiedVersion[];
  /** Nodes that did not answer key-info requests, with reasons. */
  failures: NodeFailure[];
  /** Nodes whose claims disagree with the quorum or break the policy: suspected liars. */
  suspects: Suspect[];
  /** Versions refused: conflicting records, or a record going back on what was accepted before. */
  refused: { version: number; reason: string; nodes: number[] }[];
  /** Versions served from one branch of a same-key fork (an operator repairs it: `splitkey key resolve-fork`). */
  forks: Agreement['forks'];
  /** Per version: the epoch each node reported (its claim, agreed or not), the newest when it reported several. */
  reported: Map<number, Map<number, string>>;
}

const STATE: Record<string, VersionState> = {
  KEY_STATE_ACTIVE: 'active',
  KEY_STATE_DECRYPT_ONLY: 'decrypt-only',
  KEY_STATE_DESTROYED: 'destroyed',
};

/** One node's wire record of a version as a claim (crypto/records.ts); shared with the operator tooling. */
export function claimOf(reporter: number, v: KeyVersionInfo__Output): Claimed<VersionRecord> {
  const lineage = (v.lineage ?? []).map((d) => Buffer.from(d).toString('hex'));
  return claim(reporter, { version: v.version, threshold: v.threshold, nodeIndices: v.nodeIndices, commitments: v.commitments, epoch: v.epoch, lineage }, STATE[v.state] ?? 'decrypt-only');
}

export function reasonOf(err: unknown): { reason: NodeFailureReason; detail: string } {
  const e = err as Partial<grpc.ServiceError>;
  const raw = (e.details ?? (err instanceof Error ? err.message : String(err))).replace(/\.? ?Resolution note: .*$/s, '');
  const refused = /ECONNREFUSED (\S+)/.exec(raw);
  const detail = refused ? `connection refused (${refused[1]})` : raw;
  switch (e.code) {
    case grpc.status.DEADLINE_EXCEEDED:
      return { reason: 'timeout', detail: 'no answer before the deadline' };
    case grpc.status.UNAVAILABLE:
      return { reason: 'unavailable', detail };
    case grpc.status.PERMISSION_DENIED:
    case grpc.status.UNAUTHENTICATED:
      return { reason: 'permission denied', detail };
    case grpc.status.NOT_FOUND:
      return { reason: 'not found', detail };
    case grpc.status.FAILED_PRECONDITION:
      return { reason: 'failed precondition', detail };
    case grpc.status.INVALID_ARGUMENT:
      return { reason: 'invalid argument', detail };
    case grpc.status.RESOURCE_EXHAUSTED:
      return { reason: 'rate limited', detail };
    default:
      return { reason: 'error', detail };
  }
}

export class ThresholdEvaluator {
  private readonly keys = new Map<string, { key: VerifiedKey; at: number }>();
  private readonly suite: Suite;
  readonly checker: ProofChecker;
  private readonly hedging: HedgePolicy;

  private constructor(
    readonly channels: NodeChannels,
    readonly group: Group,
    readonly options: EvaluateOptions,
  ) {
    this.suite = createSuite(group);
    this.checker = new ProofChecker(group, options.checkThreads);
    this.hedging = new HedgePolicy({ hedgeDelayMs: options.hedgeDelayMs });
  }

  static async create(channels: NodeChannels, options: Partial<EvaluateOptions> = {}): Promise<ThresholdEvaluator> {
    const o = { ...DEFAULT_EVALUATE_OPTIONS, ...options };
    if (!Number.isInteger(o.checkThreads) || o.checkThreads < 0 || o.checkThreads > 64) {
      throw new ConfigError(`checkThreads must be an integer from 0 to 64, got ${o.checkThreads}`);
    }
    return new ThresholdEvaluator(channels, await loadGroup(), o);
  }

  /**
   * Key information accepted only by quorum (crypto/records.ts): a version's record counts when
   * its threshold is at least the descriptor's minThreshold and t of its own nodes report it
   * identically. Conflicts and records that go back on what this client accepted before (another
   * pkS, an older epoch, a lower t) refuse the version and name the nodes.
   *
   * Waits only as long as it must: once every version some node reported has t agreeing voices
   * and no node still to answer could change that, the rest are not waited for.
   */
  async keyInfo(keyName: string, opts: { refresh?: boolean } = {}): Promise<VerifiedKey> {
    const cached = this.keys.get(keyName);
    if (cached && !opts.refresh && performance.now() - cached.at < this.options.keyInfoTtlMs) return cached.key;
    const failures: NodeFailure[] = [];
    const claims: Claimed<VersionRecord>[] = [];
    const nodes = this.channels.nodes;
    const started = performance.now();
    await new Promise<void>((resolve) => {
      const waiting = new Map<number, () => void>();
      let grace: NodeJS.Timeout | undefined;
      const finish = () => {
        clearTimeout(grace);
        for (const [index, cancel] of waiting) {
          cancel();
          failures.push({ index, reason: 'timeout', detail: 'not waited for: the others already agreed' });
        }
        waiting.clear();
        resolve();
      };
      const settled = () => {
        if (waiting.size === 0) return finish();
        // Nodes still silent cannot form a record of their own (fewer than minThreshold) and t
        // nodes already agree on something: give them a short grace, not the whole deadline.
        if (grace || waiting.size >= this.minThreshold) return;
        // Stop waiting only when everything reported so far is settled: every version agreed, no
        // conflict, nothing destroyed (never decided while holders are still silent).
        const sofar = agreeOnVersions(claims, { minThreshold: this.minThreshold, forks: 'serve' });
        if (sofar.versions.length === 0 || sofar.unconfirmed.length > 0 || sofar.conflicts.length > 0 || sofar.forks.length > 0) return;
        if (sofar.versions.some((v) => v.state === 'destroyed' || v.destroyedBy.length > 0)) return;
        grace = setTimeout(finish, Math.max(100, 2 * (performance.now() - started)));
        grace.unref?.();
      };
      for (const n of nodes) {
        const c = this.channels.evaluator(n.index);
        const call = unaryCall<{ keyName: string }, KeyInfo__Output>(c.GetKeyInfo.bind(c), { keyName }, this.channels.callMetadata(), this.options.timeoutMs);
        waiting.set(n.index, call.cancel);
        call.promise.then(
          (res) => {
            if (!waiting.delete(n.index)) return;
            for (const v of res.versions ?? []) claims.push(claimOf(n.index, v));
            settled();
          },
          (e) => {
            if (!waiting.delete(n.index)) return;
            failures.push({ index: n.index, ...reasonOf(e) });
            settled();
          },
        );
      }
    });
    const agreement = agreeOnVersions(claims, { minThreshold: this.minThreshold, forks: 'serve' });
    const versions: VerifiedVersion[] = [];
    const refused: VerifiedKey['refused'] = agreement.conflicts.map((c) => ({ version: c.version, reason: c.reason, nodes: c.reporters }));
    for (const v of agreement.versions) {
      const slot = `${keyName}@${v.version}`;
      const before = this.accepted.get(slot);
      // The branches of a fork (served, or repaired by erasing the others) have no order in time:
      // only pkS and t are held to what was accepted. Such a branch is evaluated on its holders only.
      const forked = v.branches !== undefined || v.repaired === true;
      const held = forked && before ? { ...before, epoch: 0n } : before;
      const usable: { record: VersionRecord; verified: VerifiedVersion }[] = [];
      for (const b of [v, ...(v.branches ?? [])]) {
        const back = regression(held, b);
        if (back) {
          refused.push({ version: b.version, reason: back, nodes: b.holders });
          continue;
        }
        let commitments: Element[];
        try {
          commitments = checkCommitments(this.group, b.commitments, b.threshold);
        } catch (e) {
          refused.push({ version: b.version, reason: `agreed commitments are malformed: ${(e as Error).message}`, nodes: b.holders });
          continue;
        }
        const publicShares = new Map(b.nodeIndices.map((i) => [i, publicShare(this.group, commitments, i)] as const));
        usable.push({ record: b, verified: { version: b.version, threshold: b.threshold, nodeIndices: b.nodeIndices, publicKey: commitments[0]!, publicShares, epoch: b.epoch, state: b.state, holders: b.holders, ...(forked ? { forked } : {}) } });
      }
      const [best, ...others] = usable;
      if (!best) continue;
      if (!forked) this.accepted.set(slot, remember(best.record));
      else if (!before) this.accepted.set(slot, { ...remember(best.record), epoch: 0n });
      versions.push(others.length > 0 ? { ...best.verified, branches: others.map((o) => o.verified) } : best.verified);
    }
    this.noteSuspects(agreement.suspects);
    if (versions.length === 0 && refused.length === 0) {
      if (failures.length === this.channels.nodes.length && !failures.every((f) => f.reason === 'not found')) throw new ThresholdError(keyName, 0, this.minThreshold, 0, failures);
      // Some nodes know the key but no record has t voices because others did not answer: that
      // is a threshold failure naming the missing nodes, not "not found".
      // The newest version some node reported: the one new data would use.
      const best = agreement.unconfirmed[agreement.unconfirmed.length - 1];
      if (best && failures.some((f) => f.reason !== 'not found')) {
        const voices = claims.filter((c) => c.version === best.version);
        throw new ThresholdError(keyName, best.version, Math.max(this.minThreshold, voices[0]?.threshold ?? 0), voices.length, failures);
      }
      if (agreement.unconfirmed.length > 0) {
        throw new KeyError('KEY_NOT_FOUND', `key ${keyName}: ${agreement.unconfirmed.map((u) => u.reason).join('; ')} (nodes ${[...new Set(agreement.unconfirmed.flatMap((u) => u.reporters))].join(',')})`);
      }
      throw new KeyError('KEY_NOT_FOUND', `key ${keyName} not found on enough nodes`);
    }
    const reported = new Map<number, Map<number, string>>();
    for (const c of claims) {
      const byNode = reported.get(c.version) ?? new Map<number, string>();
      reported.set(c.version, byNode);
      const was = byNode.get(c.reporter);
      try {
        if (was === undefined || BigInt(c.epoch) > BigInt(was)) byNode.set(c.reporter, String(c.epoch));
      } catch {
        // an epoch that is not a number is no claim of a newer one
      }
    }
    const key: VerifiedKey = { keyName, versions, failures, suspects: agreement.suspects, refused, forks: agreement.forks, reported };
    this.keys.set(keyName, { key, at: performance.now() });
    return key;
  }

  /** The descriptor's policy: no version with a smaller threshold is used. */
  private get minThreshold(): number {
    return minThresholdOf(this.channels.descriptor);
  }

  /** What this client accepted per key version; it refuses to go back. */
  private readonly accepted = new Map<string, Remembered>();

  /**
   * Per node: answers whose proof failed, and record claims that broke the policy or disagreed
   * with the quorum, since this client started (the library's metrics of lying nodes).
   */
  readonly nodeCounters = new Map<number, { invalidProofs: number; recordConflicts: number; last: string }>();
  private count(index: number, kind: 'invalidProofs' | 'recordConflicts', why: string): void {
    const c = this.nodeCounters.get(index) ?? { invalidProofs: 0, recordConflicts: 0, last: '' };
    c[kind]++;
    c.last = why;
    this.nodeCounters.set(index, c);
  }
  private noteSuspects(suspects: readonly Suspect[]): void {
    for (const s of suspects) this.count(s.index, 'recordConflicts', `version ${s.version}: ${s.reason}`);
  }

  /** The version to use: newest active (version 0) or the exact one asked for. */
  async resolveVersion(keyName: string, version: number): Promise<VerifiedVersion> {
    const key = await this.keyInfo(keyName);
    if (version === 0) {
      const active = key.versions.filter((v) => v.state === 'active');
      const newest = active[active.length - 1];
      if (!newest) throw new KeyError('KEY_NOT_FOUND', `key ${keyName} has no active version`);
      return newest;
    }
    let v = key.versions.find((x) => x.version === version);
    let latest = key;
    if (!v) {
      latest = await this.keyInfo(keyName, { refresh: true });
      v = latest.versions.find((x) => x.version === version);
    }
    const refused = latest.refused.find((r) => r.version === version);
    if (!v && refused) throw new KeyError('KEY_INFO_DISAGREEMENT', `version ${version} of key ${keyName} is refused: ${refused.reason} (nodes ${refused.nodes.join(',')})`);
    if (!v) throw new KeyError('KEY_NOT_FOUND', `key ${keyName} has no version ${version}`);
    if (v.state === 'destroyed') throw new KeyError('KEY_DESTROYED', `version ${version} of key ${keyName} was destroyed: data under it cannot be decrypted`);
    return v;
  }

  /** Evaluate the VOPRF on every input under one key version; outputs in input order. */
  async evaluate(keyName: string, version: number, inputs: Uint8Array[]): Promise<{ version: number; outputs: Uint8Array[]; warnings: NodeFailure[] }> {
    this.inflight++;
    try {
      return await this.evaluateOnce(keyName, version, inputs);
    } finally {
      this.inflight--;
    }
  }

  /**
   * Evaluations in flight. A lone small evaluation checks its answers on this thread: handing a
   * check of a few elements to a worker costs more CPU (two cold thread wake-ups) than it saves
   * when nothing else is waiting; under load, the workers take every check.
   */
  private inflight = 0;

  private async evaluateOnce(keyName: string, version: number, inputs: Uint8Array[]): Promise<{ version: number; outputs: Uint8Array[]; warnings: NodeFailure[] }> {
    let v = await this.resolveVersion(keyName, version);
    // A large batch is blinded on the worker threads, in slices side by side (see OFFLOAD_MIN);
    // otherwise, or while no worker is ready, here. Only the inverses r_j⁻¹ are kept.
    const offload = inputs.length >= OFFLOAD_MIN ? this.checker.blind(inputs, OFFLOAD_MIN) : undefined;
    const { blinded: B, inverses } = offload ? await offload : this.busy(() => this.checker.blindInline(inputs));
    try {
      return await this.evaluateBlinded(keyName, v, inputs, B, inverses);
    } finally {
      for (const inv of inverses) inv.fill(0);
    }
  }

  private async evaluateBlinded(
    keyName: string,
    v: VerifiedVersion,
    inputs: Uint8Array[],
    B: Element[],
    inverses: Scalar[],
  ): Promise<{ version: number; outputs: Uint8Array[]; warnings: NodeFailure[] }> {
    let result: { responses: CheckOutcome[]; failures: NodeFailure[]; speculation?: Speculation };
    try {
      result = await this.collectRateLimited(keyName, v, B, inverses);
    } catch (e) {
      // Our key information may be stale (a refresh or reshare committed since): fetch it again.
      if (!isStale(e)) throw e;
      ({ result, v } = await this.retryStale(keyName, v, B, inverses, e as ThresholdError));
    }
    const { responses, speculation } = result;
    const failures = result.failures;
    // N[j] = r_j⁻¹·Σ λ_i·Z_i[j], then the RFC 9497 Finalize hash. When the answers used are those
    // of the nodes asked first, each was already scaled by λ_i·r_j⁻¹ next to its proof check.
    const sameSet = speculation !== undefined && responses.every((r) => r.scaled !== undefined && speculation.set.includes(r.response.index));
    const offload = !sameSet && inverses.length >= OFFLOAD_MIN ? this.checker.combine(responses.map((r) => r.response), inverses, OFFLOAD_MIN) : undefined;
    const N = offload
      ? await offload
      : this.busy(() => (sameSet ? sumScaled(this.group, responses.map((r) => r.scaled!)) : combineUnblindInverted(this.suite, responses.map((r) => r.response), inverses)));
    const outputs = this.busy(() => inputs.map((x, j) => finalizeHash(this.suite, x, N[j]!)));
    return { version: v.version, outputs, warnings: failures.filter((f) => f.reason === 'invalid proof' || f.reason === 'wrong epoch') };
  }

  /**
   * collectOnBranches, asked again while nodes' rate-limit refusals alone keep it from t answers
   * (RATE_RETRY_DELAYS_MS). Invalid proofs of every attempt stay in the outcome, as in retryStale.
   */
  private async collectRateLimited(
    keyName: string,
    v: VerifiedVersion,
    B: Element[],
    inverses: Scalar[],
  ): Promise<{ responses: CheckOutcome[]; failures: NodeFailure[]; speculation?: Speculation }> {
    // A forked version's answers come from branches that cannot be combined: no retry there.
    if (v.branches?.length) return this.collectOnBranches(keyName, v, B, inverses);
    let invalid: NodeFailure[] = [];
    let prior: CheckOutcome[] = [];
    const started = performance.now();
    for (let attempt = 0; ; attempt++) {
      try {
        const result = await this.collect(keyName, v, B, inverses, prior);
        return invalid.length > 0 ? { ...result, failures: distinctFailures(invalid, result.failures) } : result;
      } catch (e) {
        if (!(e instanceof ThresholdError)) throw e;
        invalid = distinctFailures(invalid, e.failures.filter((f) => f.reason === 'invalid proof'));
        const final = invalid.length > 0 || attempt > 0 ? new ThresholdError(e.keyName, e.version, e.threshold, e.valid, distinctFailures(invalid, e.failures), attempt + 1) : e;
        const delay = RATE_RETRY_DELAYS_MS[attempt];
        // Stale key information is retryStale's to handle, at once.
        if (isStale(e) || !isRateLimited(e) || delay === undefined) throw final;
        const wait = delay * (1 + Math.random() / 2);
        if (performance.now() - started + wait > RATE_RETRY_BUDGET_MS) throw final;
        // The verified answers are kept, without their speculative scaling (weights λ_i·r⁻¹ of the
        // set that attempt expected, which the next one may not use): combined afresh.
        prior = (partialAnswers.get(e) ?? []).map((o) => ({ response: o.response }));
        await new Promise((r) => setTimeout(r, wait));
      }
    }
  }

  /**
   * After an answer that says our key information is stale: fetch it again and retry, only while
   * the cluster confirms the change (staleRetryDecision) and for at most STALE_RETRY_BUDGET_MS.
   * While a refresh or reshare commits node by node with a node away, neither the old record nor
   * the new one may have t live voices for a moment (the committed nodes answer only the new
   * epoch, the others only the old): then wait a little and ask again (STALE_RETRY_DELAYS_MS)
   * instead of failing a derivation the cluster serves again a moment later. A node's own "wrong
   * epoch" or "not found" is a claim: when t nodes still report the record that failed, with no
   * node catching up, the failure is final at once (one node cannot hold derivations for seconds).
   * Invalid proofs of every attempt stay in the outcome (onWarning, and the error that names them).
   */
  private async retryStale(
    keyName: string,
    v: VerifiedVersion,
    B: Element[],
    inverses: Scalar[],
    first: ThresholdError,
  ): Promise<{ result: { responses: CheckOutcome[]; failures: NodeFailure[]; speculation?: Speculation }; v: VerifiedVersion }> {
    const started = performance.now();
    /** Invalid proofs of the attempts so far (each named once). */
    let invalid: NodeFailure[] = [];
    const keepInvalid = (e: ThresholdError): void => {
      invalid = distinctFailures(invalid, e.failures.filter((f) => f.reason === 'invalid proof'));
    };
    /** Times the nodes were asked, rate-limit retries before the first stale answer included. */
    let asked = first.attempts;
    /** The latest failure, naming every invalid proof seen on the way. */
    const final = (e: ThresholdError): ThresholdError => new ThresholdError(e.keyName, e.version, e.threshold, e.valid, distinctFailures(invalid, e.failures), asked);
    let failed = first;
    let tried = v;
    keepInvalid(first);
    /** Nodes whose catching up already bought a retry (each does once: review K, F2). */
    const counted = new Set<number>();
    let waits = 0;
    for (let attempt = 0; ; attempt++) {
      // Every pass counts, retries included: at most STALE_RETRY_MAX_PASSES, none begun past the budget.
      if (attempt >= STALE_RETRY_MAX_PASSES || performance.now() - started > STALE_RETRY_BUDGET_MS) throw final(failed);
      let current: VerifiedVersion | undefined;
      let reported: ReadonlyMap<number, string> | undefined;
      try {
        reported = (await this.keyInfo(keyName, { refresh: true })).reported.get(v.version);
        current = await this.resolveVersion(keyName, v.version);
      } catch (refreshError) {
        // A destroyed version is the clearer answer; anything else, the failure of the derivation.
        if (refreshError instanceof KeyError && refreshError.code === 'KEY_DESTROYED') throw refreshError;
      }
      const decision = current ? staleRetryDecision(tried, current, failed, { counted, ...(reported ? { reported } : {}) }) : 'wait';
      if (decision === 'final') throw final(failed);
      if (decision === 'retry') for (const i of caughtUpNodes(tried, current!, failed)) counted.add(i);
      if (decision === 'wait') {
        const delay = STALE_RETRY_DELAYS_MS[Math.min(waits, STALE_RETRY_DELAYS_MS.length - 1)]!;
        if (waits >= STALE_RETRY_DELAYS_MS.length || performance.now() - started + delay > STALE_RETRY_BUDGET_MS) throw final(failed);
        waits++;
        await new Promise((r) => setTimeout(r, delay));
        continue;
      }
      try {
        asked++;
        const result = await this.collectOnBranches(keyName, current!, B, inverses);
        return { result: { ...result, failures: distinctFailures(invalid, result.failures) }, v: current! };
      } catch (next) {
        if (!(next instanceof ThresholdError)) throw next;
        if (!isStale(next) || performance.now() - started > STALE_RETRY_BUDGET_MS) throw final(next);
        keepInvalid(next);
        failed = next;
        tried = current!;
      }
    }
  }

  /**
   * `collect` on the version's record, and on a same-key fork's other branches in turn when it
   * cannot gather t verified answers (each branch's answers are checked against its own public
   * shares; any branch yields k·B). If every branch fails, the error names every branch's failed
   * nodes (the first branch's t): an invalid proof anywhere stays visible, and a later branch's
   * "wrong epoch" still tells the caller its key information is stale.
   */
  private async collectOnBranches(keyName: string, v: VerifiedVersion, B: Element[], inverses: Scalar[]): Promise<{ responses: CheckOutcome[]; failures: NodeFailure[]; speculation?: Speculation }> {
    try {
      return await this.collect(keyName, v, B, inverses);
    } catch (e) {
      if (!(e instanceof ThresholdError) || !v.branches?.length) throw e;
      const failures = [...e.failures];
      for (const b of v.branches) {
        try {
          const r = await this.collect(keyName, b, B, inverses);
          // An invalid proof on a branch tried before stays visible (onWarning).
          return { ...r, failures: [...failures.filter((f) => f.reason === 'invalid proof'), ...r.failures] };
        } catch (next) {
          if (!(next instanceof ThresholdError)) throw next;
          for (const f of next.failures) if (!failures.some((x) => x.index === f.index)) failures.push(f);
        }
      }
      throw new ThresholdError(e.keyName, e.version, e.threshold, e.valid, failures);
    }
  }

  /** With hedge 0 the first t nodes asked are the set that answers unless one fails. */
  private speculate(v: VerifiedVersion, order: number[], inverses: Scalar[]): Speculation | undefined {
    const t = v.threshold;
    if (this.options.hedge !== 0 || order.length < t) return undefined;
    const set = order.slice(0, t);
    const lambdas = this.lagrange(set);
    return { set, weights: new Map(set.map((index, i) => [index, unblindWeights(this.group, lambdas[i]!, inverses)] as const)) };
  }

  /** Fan out with hedging until t verified answers, or fail with every node's reason. */
  private collect(
    keyName: string,
    v: VerifiedVersion,
    B: Element[],
    inverses: Scalar[],
    prior: readonly CheckOutcome[] = [],
  ): Promise<{ responses: CheckOutcome[]; failures: NodeFailure[]; speculation?: Speculation }> {
    const t = v.threshold;
    // Nodes whose answers an earlier attempt verified (`prior`) are not asked again.
    const have = new Set(prior.map((p) => p.response.index));
    const order = this.preferenceOrder(v.forked ? v.holders : v.nodeIndices).filter((i) => !have.has(i));
    /** Prepared right after the first requests are sent, off the latency path. */
    let speculation: Speculation | undefined;
    // A lone small evaluation is checked on this thread (see `inflight`); otherwise the blinded
    // elements are packed once for the workers' jobs.
    const inline = this.inflight === 1 && B.length <= 4;
    const blindedPacked = this.checker.threads > 0 && !inline ? packElements(B) : undefined;
    const valid: CheckOutcome[] = [...prior];
    const failures: NodeFailure[] = [];
    /** Calls in flight (with their cancel), and answers whose check is in flight. */
    const pending = new Map<number, () => void>();
    const checking = new Set<number>();
    let next = 0;
    const dropWeights = (): void => {
      for (const w of speculation?.weights.values() ?? []) w.forEach((x) => x.fill(0));
    };
    return new Promise((resolve, reject) => {
      let done = false;
      let hedgeTimer: NodeJS.Timeout | undefined;
      let firstAnswer = (): void => undefined;
      const settle = () => {
        if (done) return;
        if (valid.length >= t) {
          done = true;
          clearTimeout(hedgeTimer);
          for (const cancel of pending.values()) cancel();
          dropWeights();
          resolve({ responses: valid.slice(0, t), failures, speculation });
        } else if (pending.size === 0 && checking.size === 0 && next >= order.length) {
          done = true;
          clearTimeout(hedgeTimer);
          dropWeights();
          const err = new ThresholdError(keyName, v.version, t, valid.length, failures);
          partialAnswers.set(err, [...valid]);
          reject(err);
        }
      };
      /** Ask the next node that can be asked (nodes missing from the descriptor fail at once). */
      const ask = (): void => {
        let index = order[next++];
        while (index !== undefined && !this.channels.endpoint(index)) {
          failures.push({ index, reason: 'unavailable', detail: 'not in the cluster descriptor' });
          index = order[next++];
        }
        if (index === undefined) return;
        const c = this.channels.evaluator(index);
        const call = unaryCall<object, EvaluateResponse__Output>(
          c.Evaluate.bind(c),
          { keyName, keyVersion: v.version, blindedElements: B },
          this.channels.callMetadata(),
          this.options.timeoutMs,
        );
        pending.set(index, call.cancel);
        const refuse = (problem: NodeFailure): void => {
          failures.push(problem);
          if (problem.reason === 'invalid proof') this.count(problem.index, 'invalidProofs', problem.detail);
          this.penalize(index);
          ask();
        };
        call.promise.then(
          (res) => {
            pending.delete(index);
            if (done) return;
            firstAnswer();
            // Checked maybe on a worker thread; the request is not lost while that runs.
            checking.add(index);
            const weights = speculation?.weights.get(index);
            speculation?.weights.delete(index);
            this.busy(() => this.check(index, v, B, blindedPacked, inline, res, weights)).then(
              (checked) => {
                checking.delete(index);
                if (done) return;
                valid.push(checked);
                settle();
              },
              (problem: NodeFailure) => {
                checking.delete(index);
                if (done) return;
                refuse(problem);
                settle();
              },
            );
          },
          (err) => {
            pending.delete(index);
            if (done) return;
            firstAnswer();
            refuse({ index, ...reasonOf(err) });
            settle();
          },
        );
      };
      // The hedge clock (client/hedge.ts): waiting time, without this thread's crypto time.
      const clock = this.hedging.start(() => this.busyMs, B.length);
      const armHedge = (delayMs: number) => {
        clearTimeout(hedgeTimer);
        hedgeTimer = setTimeout(() => {
          if (done) return;
          const left = clock.left();
          if (left > 0) return armHedge(left);
          // One more node for each silent one, within the budget; over budget, the calls' own
          // deadlines still bound the wait.
          const silent = [...pending.keys()];
          const extra = Math.min(silent.length, order.length - next);
          if (extra === 0 || !clock.takeBudget(extra)) return;
          // Nodes still silent now are asked last for a while.
          for (const index of silent) this.penalize(index);
          for (let i = 0; i < extra && !done; i++) ask();
          settle();
          if (done) return;
          // The nodes just asked get their own time before the next round.
          clock.hedged();
          armHedge(clock.left());
        }, delayMs);
      };
      // Called from answer callbacks, which run only after this function has returned.
      firstAnswer = () => {
        if (clock.hasAnswer) return;
        clock.answered();
        armHedge(clock.left());
      };
      for (let i = 0; i < Math.min(order.length, t - prior.length + this.options.hedge); i++) ask();
      // Per-node scaling next to each proof check (t constant-time multiplications per position)
      // pays only where the checks run side by side on worker threads and the backend has no
      // fast mulSum: on `native`, combineUnblind after the last answer forms the sum with a few
      // additions and multiplies once (84 µs per position against 255 µs of scaling, measured;
      // batched derivations +21 %). On this thread without workers, combineUnblind is cheaper too.
      // Not when answers were kept from an earlier attempt (`prior`): the set is no longer the
      // first t nodes asked, and those answers carry no scaling.
      const scaleOnWorkers = !inline && prior.length === 0 && this.checker.threads > 0 && this.group.name !== 'native';
      speculation = scaleOnWorkers ? this.busy(() => this.speculate(v, order, inverses)) : undefined;
      armHedge(clock.left());
      settle();
    });
  }

  /**
   * Check one answer: resolves with it once its proof verified (scaled for the combination when
   * `weights` are given), or rejects with the NodeFailure that says why it is refused.
   */
  private async check(
    index: number,
    v: VerifiedVersion,
    B: Element[],
    blindedPacked: Uint8Array | undefined,
    inline: boolean,
    res: EvaluateResponse__Output,
    weights: Scalar[] | undefined,
  ): Promise<CheckOutcome> {
    const refuse = (reason: NodeFailureReason, detail: string, epoch?: string): never => {
      weights?.forEach((w) => w.fill(0));
      throw { index, reason, detail, ...(epoch !== undefined ? { epoch } : {}) } satisfies NodeFailure;
    };
    if (res.nodeIndex !== index) refuse('invalid proof', `answered as node ${res.nodeIndex}`);
    if (res.keyVersion !== v.version) refuse('invalid proof', `answered for version ${res.keyVersion}`);
    if (res.epoch !== v.epoch) refuse('wrong epoch', `share epoch ${res.epoch}, expected ${v.epoch}`, res.epoch);
    try {
      return await this.checker.check({
        index,
        publicShare: v.publicShares.get(index)!,
        blinded: B,
        blindedPacked,
        evaluatedElements: res.evaluatedElements,
        proof: res.proof,
        weights,
        inline,
      });
    } catch (e) {
      // Anything else thrown while checking this node's answer is still this node's failure;
      // rethrowing it would leave the fan-out waiting for ever.
      throw { index, reason: e instanceof VerifyError ? 'invalid proof' : 'error', detail: (e as Error).message } satisfies NodeFailure;
    }
  }

  /** Lagrange coefficients at 0 of recently used node sets (public values; inversions are costly). */
  private readonly lambdaCache = new Map<string, Scalar[]>();
  private lagrange(set: number[]): Scalar[] {
    const key = set.join(',');
    let lambdas = this.lambdaCache.get(key);
    if (!lambdas) {
      lambdas = lagrangeCoefficients(this.group, set);
      if (this.lambdaCache.size >= 256) this.lambdaCache.clear();
      this.lambdaCache.set(key, lambdas);
    }
    return lambdas;
  }

  /** Milliseconds spent in this client's own crypto so far (the hedge clock leaves it out). */
  private busyMs = 0;
  private busy<T>(fn: () => T): T {
    const start = performance.now();
    try {
      return fn();
    } finally {
      this.busyMs += performance.now() - start;
    }
  }

  /** Nodes that failed recently are asked last. */
  private readonly penalties = new Map<number, number>();
  private penalize(index: number): void {
    this.penalties.set(index, performance.now());
  }
  private preferenceOrder(indices: number[]): number[] {
    const recent = (i: number) => {
      const at = this.penalties.get(i);
      return at !== undefined && performance.now() - at < 10_000 ? 1 : 0;
    };
    // Nodes this client has no address for come last: asking them fails at once.
    const unknown = (i: number) => (this.channels.endpoint(i) ? 0 : 2);
    const rotation = Math.floor(Math.random() * indices.length);
    const rotated = [...indices.slice(rotation), ...indices.slice(0, rotation)];
    return rotated.sort((a, b) => unknown(a) + recent(a) - (unknown(b) + recent(b)));
  }

  close(): void {
    this.channels.close();
    void this.checker.close();
  }
}

