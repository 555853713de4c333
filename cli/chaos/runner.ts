/**
 * One chaos run: set the target up, create the run's keys, compute the reference outputs with
 * every node healthy, then run the workload, the fault schedule and the lifecycle operations
 * together; heal everything, probe every reference output once more, take the nodes' records,
 * and judge the history.
 *
 * Timing: all times in the history are milliseconds since the workload started. A node counts
 * as faulty from just before its fault is injected until its heal is complete, and an operation
 * records the fewest honest nodes reachable at any moment while it ran.
 */
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { connect, type SplitkeyClient } from '../../client/client.js';
import type { AdminClient } from '../../client/admin.js';
import { checkHistory, type Results } from './checks/index.js';
import type { FaultRecord, History, LifecycleRecord, OpRecord } from './history.js';
import { PlanError, type ChaosPlan } from './plan.js';
import { createPrng } from './prng.js';
import { buildSchedule, type ScheduledFault } from './schedule.js';
import { openAdmin, takeSnapshot } from './snapshot.js';
import type { ChaosTarget, ClusterAccess } from './targets/target.js';
import { attributionOf, buildReference, fingerprint, nextOp, openWithReference, plaintextOf, refId, resourceName, runOp, type OpOutcome, type Reference } from './workload.js';

export interface RunOptions {
  outDir: string;
  /** Overrides the plan's random seed (and seeds the workload's choices). */
  seed?: number;
  log?: (line: string) => void;
}

export interface RunOutcome {
  history: History;
  results: Results;
  schedule: ScheduledFault[];
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, Math.max(0, ms)));

/** A plan with the seed applied: the random schedule's seed, if the plan has one. */
export function withSeed(plan: ChaosPlan, seed: number | undefined): ChaosPlan {
  if (seed === undefined || !plan.faults.random) return plan;
  return { ...plan, faults: { ...plan.faults, random: { ...plan.faults.random, seed } } };
}

/** Refuse before anything starts: a fault the target cannot inject. */
export function checkTargetSupports(plan: ChaosPlan, schedule: readonly ScheduledFault[], target: ChaosTarget): void {
  const problems = [...new Set(schedule.map((f) => f.kind))].flatMap((k) => {
    const why = target.unsupported(k);
    return why ? [`faults: ${why}`] : [];
  });
  if (problems.length > 0) throw new PlanError(problems);
}

class Run {
  readonly ops: OpRecord[] = [];
  readonly faults: FaultRecord[] = [];
  readonly lifecycle: LifecycleRecord[] = [];
  readonly destroyed: string[] = [];
  private readonly faulty = new Map<number, number>();
  private pendingRejoins = 0;
  private readonly inflight = new Set<{ least: number }>();
  private t0 = 0;

  constructor(
    readonly plan: ChaosPlan,
    readonly target: ChaosTarget,
    readonly access: ClusterAccess,
    readonly client: SplitkeyClient,
    readonly admin: AdminClient,
    readonly ref: Reference,
    readonly keys: string[],
    readonly scratch: string | undefined,
    readonly workDir: string,
    readonly seed: number,
    readonly log: (line: string) => void,
  ) {}

  now(): number {
    return Math.round(performance.now() - this.t0);
  }

  private honest(): number {
    return this.plan.target.nodes - this.faulty.size;
  }

  private mark(nodes: number[], delta: 1 | -1): void {
    if (delta < 0 && this.plan.bounds.rejoinMs > 0) {
      // Reachable again once the client had time to reconnect (bounds.rejoinMs).
      this.pendingRejoins++;
      void sleep(this.plan.bounds.rejoinMs).then(() => {
        this.pendingRejoins--;
        this.count(nodes, -1);
      });
      return;
    }
    this.count(nodes, delta);
  }

  private count(nodes: number[], delta: 1 | -1): void {
    for (const n of nodes) {
      const c = (this.faulty.get(n) ?? 0) + delta;
      if (c <= 0) this.faulty.delete(n);
      else this.faulty.set(n, c);
    }
    for (const op of this.inflight) op.least = Math.min(op.least, this.honest());
    if (delta < 0) for (const w of this.budgetWaiters.splice(0)) w();
  }

  /**
   * Fault actions on one node run in schedule order (a heal and an injection on the same node
   * never race); actions on different nodes run independently.
   */
  private onNodes<T>(nodes: readonly number[], action: () => Promise<T>): Promise<T> {
    const p = Promise.all(nodes.map((n) => this.nodeQueues.get(n) ?? Promise.resolve())).then(action);
    const settled = p.then(
      () => undefined,
      () => undefined,
    );
    for (const n of nodes) this.nodeQueues.set(n, settled);
    return p;
  }

  private readonly nodeQueues = new Map<number, Promise<void>>();
  private budgetWaiters: (() => void)[] = [];

  /**
   * The n − t rule at run time: a heal can take longer than planned (a restart drains first), so
   * an injection waits until taking its nodes keeps at most n − t faulty (unless the plan allows
   * quorum loss), and marks its nodes faulty. Waits at most `maxMs`, then goes ahead.
   */
  private async budgetFor(nodes: readonly number[], maxMs = 30_000): Promise<number> {
    const { nodes: n, threshold: t } = this.plan.target;
    const budget = this.plan.allowQuorumLoss ? n : n - t;
    const start = performance.now();
    const fits = () => new Set([...this.faulty.keys(), ...nodes]).size <= budget;
    while (!fits() && performance.now() - start < maxMs) {
      await new Promise<void>((resolve) => {
        this.budgetWaiters.push(resolve);
        setTimeout(resolve, 500);
      });
    }
    // Taken in the same tick as the check: two injections woken together cannot both fit.
    this.mark([...nodes], 1);
    return Math.round(performance.now() - start);
  }

  private scheduleFault(f: ScheduledFault): void {
    const rec: FaultRecord = { type: 'fault', id: f.id, kind: f.kind, nodes: f.nodes, ...(f.lie ? { lie: f.lie } : {}), plannedAt: f.at, healed: false };
    this.faults.push(rec);
    const entry = { f, rec, injected: false, cancelled: false };
    this.entries.push(entry);
    void sleep(f.at - this.now()).then(() =>
      this.onNodes(f.nodes, async () => {
        if (entry.cancelled) return;
        const waited = await this.budgetFor(f.nodes);
        rec.injectedAt = this.now();
        entry.injected = true;
        try {
          rec.detail = `${waited > 50 ? `waited ${waited} ms for earlier faults to heal (n − t); ` : ''}${await this.target.inject(f)}`;
          rec.inPlaceAt = this.now();
          this.log(`${rec.injectedAt} ms: ${f.id} ${f.kind} node ${f.nodes.join(',')}: ${rec.detail}`);
        } catch (e) {
          rec.error = `inject: ${(e as Error).message}`; // the heal still runs: it undoes whatever part was done
          this.log(`${rec.injectedAt} ms: ${f.id} ${f.kind} failed: ${rec.error}`);
        }
        if (f.kind === 'restart') {
          rec.healStartedAt = rec.injectedAt;
          rec.healedAt = this.now();
          rec.healed = !rec.error && !/did not start/.test(rec.detail ?? '');
          if (rec.healed) this.mark(f.nodes, -1);
        }
      }),
    );
    this.healTimers.push(sleep(f.healAt - this.now()).then(() => this.heal(entry)));
  }

  private readonly entries: { f: ScheduledFault; rec: FaultRecord; injected: boolean; cancelled: boolean }[] = [];
  private healingAll = false;
  private readonly healTimers: Promise<void>[] = [];

  /** Heal one fault (once), after its injection on the same nodes. */
  private heal(e: { f: ScheduledFault; rec: FaultRecord; injected: boolean; cancelled: boolean }): Promise<void> {
    if (e.f.kind === 'restart') return Promise.resolve();
    return this.onNodes(e.f.nodes, async () => {
      if (!e.injected) {
        // Its injection has not run yet (the run is ending): it never will.
        e.cancelled = true;
        e.rec.detail = 'not injected: the workload ended first';
        return;
      }
      if (e.rec.healStartedAt !== undefined) return;
      // A fault lasts its planned duration once it is in place, also when it was injected late
      // (it waited for earlier heals) or its injection took a while (a node restarted into it).
      const due = (e.rec.inPlaceAt ?? e.rec.injectedAt ?? 0) + (e.f.healAt - e.f.at);
      if (!this.healingAll && due > this.now()) await sleep(due - this.now());
      e.rec.healStartedAt = this.now();
      try {
        const detail = await this.target.heal(e.f);
        e.rec.healed = !/did not start/.test(detail);
        e.rec.detail = `${e.rec.detail ?? ''}; heal: ${detail}`;
        if (!e.rec.healed) e.rec.error = `heal: ${detail}`;
      } catch (err) {
        e.rec.error = `heal: ${(err as Error).message}`;
      }
      e.rec.healedAt = this.now();
      if (e.rec.healed) this.mark(e.f.nodes, -1);
      this.log(`${e.rec.healedAt} ms: ${e.f.id} healed${e.rec.error ? ` with error: ${e.rec.error}` : ''}`);
    });
  }

  /** Run one operator command and record it. */
  private async operator(label: string, key: string, args: string[], version?: number): Promise<LifecycleRecord> {
    const start = this.now();
    const r = await this.target.runCli(args);
    const rec: LifecycleRecord = {
      type: 'lifecycle',
      op: label,
      key,
      ...(version !== undefined ? { version } : {}),
      start,
      end: this.now(),
      ok: r.status === 0,
      detail: `exit ${r.status}: ${(r.status === 0 ? r.stdout : r.stderr).replace(/\.? ?Resolution note: [^)]*/g, '').trim().split('\n').slice(-2).join(' | ').slice(0, 400)}`,
    };
    this.lifecycle.push(rec);
    this.log(`${rec.start} ms: ${rec.op} ${key}: ${rec.detail}`);
    return rec;
  }

  /**
   * A lifecycle operation of the plan: rotate, refresh and reshare act on the first workload key,
   * destroy on a scratch key made for it. A refusal is allowed (a DKG needs every member); what
   * must hold is that it leaves the old or the new state whole, which agreement and durability
   * check after the heal.
   */
  private async lifecycleOp(op: ChaosPlan['lifecycle'][number]): Promise<void> {
    const { threshold: t } = this.plan.target;
    const key = op.op === 'destroy' ? this.scratch! : this.keys[0]!;
    const nodes = (op.nodes ?? this.access.descriptor.nodes.map((n) => n.index)).join(',');
    const args = op.op === 'destroy' ? ['key', 'destroy', key, '--version', '1', '--yes'] : op.op === 'reshare' ? ['key', 'reshare', key, '--nodes', nodes, '--threshold', String(t)] : ['key', op.op, key];
    const rec = await this.operator(op.op, key, args, op.op === 'destroy' ? 1 : undefined);
    const status = Number(/^exit (\d+)/.exec(rec.detail ?? '')?.[1]);
    if (op.op === 'destroy' && (status === 0 || status === 3)) this.destroyed.push(`${key}@1`);
    if (!rec.ok) this.afterHeal.push({ label: op.op, key, args, again: op.op === 'destroy' && status === 3 });
  }

  /** What an operator does once the faults are healed: resolve operations left pending, finish an incomplete destroy. */
  private readonly afterHeal: { label: string; key: string; args: string[]; again: boolean }[] = [];

  private async finishLifecycle(): Promise<void> {
    const pending = this.afterHeal.splice(0);
    for (const key of new Set(pending.filter((p) => !p.again).map((p) => p.key))) await this.operator('abort-op (after heal)', key, ['key', 'abort-op', key]);
    for (const p of pending.filter((x) => x.again)) await this.operator(`${p.label} (again after heal)`, p.key, p.args, 1);
  }

  private record(id: number, kind: OpRecord['kind'], key: string, resource: string, start: number, least: number, o: OpOutcome, phase: OpRecord['phase']): OpRecord {
    const rec: OpRecord = {
      type: 'op',
      id,
      kind,
      key,
      version: o.version,
      resource,
      start,
      end: this.now(),
      ok: o.ok,
      phase,
      reachable: least,
      nodesAsked: this.access.clientDescriptor.nodes.map((n) => n.index),
      ...(o.output !== undefined ? { output: o.output } : {}),
      ...(o.expected !== undefined ? { expected: o.expected } : {}),
      ...(o.code ? { code: o.code, error: o.error, failures: o.failures } : {}),
      ...(this.destroyed.includes(`${key}@${o.version}`) ? { expectRefusal: true } : {}),
    };
    this.ops.push(rec);
    return rec;
  }

  private readonly deferred: { rec: OpRecord; envelope: NonNullable<OpOutcome['deferred']> }[] = [];

  private async workload(): Promise<void> {
    const w = this.plan.workload;
    const prng = createPrng(this.seed ^ 0x5eed);
    const interval = 1000 / w.rate;
    const running = new Set<Promise<void>>();
    let id = 0;
    // The load runs for durationMs and on until every fault is healed (so recovery is measured
    // with real requests), at most two minutes more.
    const healed = () => this.entries.every((e) => e.rec.healedAt !== undefined || e.cancelled);
    for (let next = 0; next < w.durationMs || (!healed() && next < w.durationMs + 120_000); next += interval) {
      if (next >= w.durationMs && !this.healingAll) {
        this.healingAll = true;
        for (const e of this.entries) void this.heal(e);
      }
      await sleep(next - this.now());
      if (running.size >= w.concurrency) continue; // the load backs off rather than queueing
      const op = nextOp(prng, this.keys, w.resources, w.mix, 1);
      const opId = ++id;
      const tracker = { least: this.honest() };
      this.inflight.add(tracker);
      const start = this.now();
      const p = runOp(this.client, this.ref, op, this.workDir, opId).then((o) => {
        this.inflight.delete(tracker);
        const rec = this.record(opId, op.kind, op.key, op.resource, start, tracker.least, o, 'workload');
        if (o.deferred) this.deferred.push({ rec, envelope: o.deferred });
      });
      running.add(p);
      void p.finally(() => running.delete(p));
    }
    await Promise.all(running);
  }

  /** Until every node answers its status (or `ms` pass). */
  private async settle(ms: number): Promise<void> {
    const until = performance.now() + ms;
    while (performance.now() < until) {
      const { failures } = await this.admin.each((i) => this.admin.nodeStatus(i, 1_000));
      if (failures.length === 0) return;
      await sleep(250);
    }
  }

  /** Every reference output once more (one batch per key version), and the outputs of versions made during the run. */
  private async finalProbes(): Promise<void> {
    let id = this.ops.length + 1000;
    const groups = new Map<string, string[]>();
    for (const name of this.ref.keys.keys()) {
      const slash = name.lastIndexOf('/');
      const keyVersion = name.slice(0, slash);
      if (!this.destroyed.includes(keyVersion)) groups.set(keyVersion, [...(groups.get(keyVersion) ?? []), name.slice(slash + 1)]);
    }
    for (const [keyVersion, resources] of groups) {
      const [key, v] = keyVersion.split('@') as [string, string];
      const start = this.now();
      let outcomes: OpOutcome[];
      try {
        const derived = await this.client.deriveKeys(key, resources, { version: Number(v) });
        outcomes = derived.map((d, i) => ({ version: d.version, ok: true, output: fingerprint(d.key), expected: fingerprint(this.ref.keys.get(refId(key, Number(v), resources[i]!))!) }));
      } catch (e) {
        outcomes = resources.map(() => ({ version: Number(v), ok: false, ...attributionOf(e) }));
      }
      outcomes.forEach((o, i) => this.record(++id, 'derive', key, resources[i]!, start, this.honest(), o, 'final'));
    }
    // Versions made during the run: their reference is what the healed cluster gives now.
    const fresh = new Set([...this.ops.filter((o) => o.ok && o.expected === undefined).map((o) => `${o.key}@${o.version}`), ...this.deferred.map((d) => `${d.envelope.key}@${d.envelope.version}`)]);
    for (const kv of fresh) {
      const [key, v] = kv.split('@');
      const ids = Array.from({ length: this.plan.workload.resources }, (_, i) => resourceName(i + 1));
      try {
        const derived = await this.client.deriveKeys(key!, ids, { version: Number(v) });
        derived.forEach((d, i) => this.ref.keys.set(refId(key!, d.version, ids[i]!), d.key));
      } catch (e) {
        this.log(`no reference for ${kv} after the heal: ${(e as Error).message}`);
      }
    }
    for (const o of this.ops) {
      if (o.ok && o.expected === undefined && o.kind === 'derive') {
        const k = this.ref.keys.get(refId(o.key, o.version, o.resource));
        if (k) o.expected = fingerprint(k);
      }
    }
    for (const d of this.deferred) {
      const opened = await openWithReference(this.ref, d.envelope.path, `${d.envelope.path}.check`);
      if (!('missing' in opened)) {
        d.rec.output = opened.output;
        d.rec.expected = fingerprint(plaintextOf(d.rec.resource));
      }
    }
  }

  async execute(schedule: ScheduledFault[]): Promise<{ before: History['snapshots'][number]; after: History['snapshots'][number] }> {
    const allKeys = [...this.keys, ...(this.scratch ? [this.scratch] : [])];
    this.t0 = performance.now();
    const before = await takeSnapshot(this.admin, allKeys, 'before', 0);
    this.t0 = performance.now();
    for (const f of schedule) this.scheduleFault(f);
    const lifecycle = this.plan.lifecycle.map((l) => sleep(l.at).then(() => this.lifecycleOp(l)));
    await this.workload();
    // Past the workload: heal what is still faulty, at once (each after its injection).
    await Promise.all(this.entries.map((e) => this.heal(e)));
    await Promise.all([...this.healTimers, ...lifecycle]);
    await Promise.all(this.nodeQueues.values());
    await this.settle(20_000);
    await this.finishLifecycle();
    await this.finalProbes();
    const after = await takeSnapshot(this.admin, allKeys, 'after', this.now());
    return { before, after };
  }
}

/** Run a plan against a target; the target is torn down before this returns. */
export async function runPlan(plan: ChaosPlan, target: ChaosTarget, opts: RunOptions): Promise<RunOutcome> {
  const log = opts.log ?? (() => undefined);
  const seeded = withSeed(plan, opts.seed);
  const schedule = buildSchedule(seeded);
  checkTargetSupports(seeded, schedule, target);
  const seed = opts.seed ?? seeded.faults.random?.seed ?? 1;
  const workDir = join(opts.outDir, 'work');
  await mkdir(workDir, { recursive: true });
  const startedAt = new Date().toISOString();
  const byzantine = [...new Set(schedule.filter((f) => f.kind === 'byzantine').flatMap((f) => f.nodes))];
  let client: SplitkeyClient | undefined;
  let admin: AdminClient | undefined;
  try {
    log(`setting up the ${target.kind} target (${seeded.target.nodes} nodes, t = ${seeded.target.threshold})`);
    const access = await target.setup({ outDir: opts.outDir, byzantine, faultKinds: [...new Set(schedule.map((f) => f.kind))] });
    const keys = Array.from({ length: seeded.workload.keys }, (_, i) => `${access.tenant}/chaos-${i + 1}`);
    const scratch = seeded.lifecycle.some((l) => l.op === 'destroy') ? `${access.tenant}/chaos-scratch` : undefined;
    await Promise.all(
      [...keys, ...(scratch ? [scratch] : [])].map(async (key) => {
        const r = await target.runCli(['key', 'create', key]);
        if (r.status !== 0) throw new Error(`key create ${key} failed before any fault: ${r.stderr.trim()}`);
      }),
    );
    const common = { ca: access.files.ca, cert: access.files.cert, key: access.files.key, master: access.files.master, masterUnlock: { key: Buffer.from(access.masterKeyHex, 'hex') }, coalesceWindowMs: 0 };
    // The reference: every node healthy, the real nodes (never a byzantine stand-in).
    const healthy = await connect({ ...common, cluster: access.descriptor });
    const ref = await buildReference(healthy, keys, seeded.workload.resources, workDir).finally(() => healthy.close());
    log(`reference: ${ref.keys.size} resource keys, ${ref.envelopes.length} envelopes`);
    client = await connect({ ...common, cluster: access.clientDescriptor, timeoutMs: seeded.workload.timeoutMs });
    admin = await openAdmin(access.descriptor, access.files);
    const run = new Run(seeded, target, access, client, admin, ref, keys, scratch, workDir, seed, log);
    const { before, after } = await run.execute(schedule);
    const history: History = {
      meta: {
        plan: seeded.name,
        target: target.kind,
        n: seeded.target.nodes,
        t: seeded.target.threshold,
        ...(seeded.faults.random ? { seed } : {}),
        allowQuorumLoss: seeded.allowQuorumLoss,
        bounds: seeded.bounds,
        startedAt,
        durationMs: run.now(),
        destroyed: run.destroyed,
      },
      ops: run.ops.sort((a, b) => a.start - b.start || a.id - b.id),
      faults: run.faults,
      lifecycle: run.lifecycle,
      snapshots: [before, after],
    };
    return { history, results: checkHistory(history, seeded.checks), schedule };
  } finally {
    await client?.close().catch(() => undefined);
    admin?.channels.close();
    await target.collectLogs(join(opts.outDir, 'nodes')).catch(() => undefined);
    await target.teardown().catch((e: Error) => log(`teardown: ${e.message}`));
    await rm(workDir, { recursive: true, force: true });
  }
}
