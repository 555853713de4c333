/**
 * Evaluate work off the event loop, bounded and shared fairly between tenants.
 *
 * One 1,024-element Evaluate is about 0.25–0.5 s of group arithmetic (two scalar multiplications
 * per element, RFC 9497 BlindEvaluate + GenerateProof). On the node's own thread that blocked
 * health checks, admin calls and every other tenant for as long. Here:
 *
 * - The arithmetic runs on a small pool of worker threads (node/evaluate-worker.ts), each with
 *   its own libsodium instance and the same crypto/ code. A worker gets a copy of k_i for one job
 *   only (transferred, zeroed by the worker when the job is done); it keeps no share.
 * - Requests wait in one queue per tenant. Whenever a worker is free it takes the oldest request
 *   of the waiting tenant that was served least recently (a tenant never served, or not for a
 *   long time, goes first), so a tenant that floods the node delays another tenant's request by
 *   at most the jobs already running, never by its backlog.
 * - The queue is bounded in elements, in all and per tenant; a request that does not fit is
 *   refused at once with RESOURCE_EXHAUSTED (before any work, and before it spends rate tokens).
 * - A request whose caller has gone (deadline passed, cancelled) is dropped when its turn comes.
 * - Small requests (at most `inlineMaxElements`, default 2: one derivation, or a hedge pair) run
 *   on the node's own thread, one per event-loop turn, in the same fair order among themselves.
 *   Such a job is about 0.2–0.3 ms of arithmetic natively (0.5–0.8 ms on wasm), so a call that
 *   arrives meanwhile waits at most that long; handing it to a worker cost more than the job
 *   (structured clone, a message each way, a wake-up): on the benchmark's 5 nodes on 2 cores,
 *   unbatched derivations (64 concurrent, coalescing off) ran ~17 % faster this way. Workers do
 *   not take small requests: letting an idle worker take them once they waited (2 ms) or once
 *   more than 4 or 32 waited measured 5–20 % slower than none, and under load the default client
 *   coalesces derivations into larger batches, which go to the workers.
 *
 * With `threads: 0`, or where the compiled worker is missing, every job runs on the calling
 * thread, one per event-loop turn, in the same fair order.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { DeserializeError, MODE_VOPRF, ParameterError, createSuite, evaluatePartial, type Group, type Suite, systemRng } from '../crypto/index.js';
import { resourceExhausted, unavailable } from './errors.js';
import { packElements, unpackElements, type EvaluateJob, type EvaluateResult } from './evaluate-job.js';
import type { Logger } from './log.js';

export interface EvaluatePoolOptions {
  /** Worker threads; -1 = one per core but one (at least 1, at most 4); 0 = the calling thread. */
  threads: number;
  /** Elements waiting (not yet on a worker), all tenants together. */
  maxQueued: number;
  /** Elements waiting for one tenant. */
  maxQueuedPerTenant: number;
  /** Requests of at most this many elements run on the calling thread (default 2; 0: none). */
  inlineMaxElements?: number;
}

/** What a job needs at the moment it starts (read then, so a share changed meanwhile is not used). */
export interface JobKey {
  index: number;
  /** k_i; copied for the job, never kept. */
  share: Uint8Array;
  publicShare: Uint8Array;
}

export interface JobOutcome<T> {
  prepared: T;
  evaluatedElements: Uint8Array[];
  proof: Uint8Array;
}

interface Task {
  tenant: string;
  blinded: Uint8Array;
  count: number;
  prepare: () => JobKey;
  gone: () => boolean;
  resolve: (outcome: JobOutcome<JobKey>) => void;
  reject: (e: unknown) => void;
}

interface PoolWorker {
  worker: Worker;
  ready: boolean;
  task?: { id: number; task: Task; prepared: JobKey };
}

const MAX_REMEMBERED_TENANTS = 10_000;
const DEFAULT_INLINE_MAX_ELEMENTS = 2;
/** Requests whose caller left that one turn drops at most (the rest in later turns). */
const DROP_PER_TURN = 256;

/**
 * Tasks in one queue per tenant; `take` gives the oldest task of the waiting tenant that was
 * served least recently (a tenant never served, or not for a long time, goes first).
 */
class FairQueue {
  private readonly queues = new Map<string, Task[]>();
  /** When each tenant was last served (a counter); tenants not here were never served. */
  private readonly lastServed = new Map<string, number>();
  private served = 0;
  /** Tasks waiting. */
  length = 0;

  push(task: Task): void {
    let queue = this.queues.get(task.tenant);
    if (!queue) this.queues.set(task.tenant, (queue = []));
    queue.push(task);
    this.length++;
  }

  take(): Task | undefined {
    let tenant: string | undefined;
    let when = Infinity;
    for (const t of this.queues.keys()) {
      const last = this.lastServed.get(t) ?? -1;
      if (last < when) [tenant, when] = [t, last];
    }
    if (tenant === undefined) return undefined;
    const queue = this.queues.get(tenant)!;
    const task = queue.shift()!;
    if (queue.length === 0) this.queues.delete(tenant);
    this.lastServed.delete(tenant); // re-inserted last: the map stays in serving order
    this.lastServed.set(tenant, this.served++);
    // Forget the tenants served longest ago once there are many (they count as never served).
    if (this.lastServed.size > MAX_REMEMBERED_TENANTS) this.lastServed.delete(this.lastServed.keys().next().value!);
    this.length--;
    return task;
  }

  /** Empty the queue; the tasks that were waiting. */
  drain(): Task[] {
    const all = [...this.queues.values()].flat();
    this.queues.clear();
    this.length = 0;
    return all;
  }
}

export function defaultEvaluateThreads(): number {
  return Math.max(1, Math.min(availableParallelism() - 1, 4));
}

/** The compiled worker next to this module, or under dist/ when this module runs from the sources. */
function workerScript(): URL | undefined {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const candidate of [join(here, 'evaluate-worker.js'), resolve(here, '..', 'dist', 'node', 'evaluate-worker.js')]) {
    if (existsSync(candidate)) return pathToFileURL(candidate);
  }
  return undefined;
}

/** A worker's error, as the error the same check throws on this thread. */
function fromWorker(result: Extract<EvaluateResult, { ok: false }>): Error {
  if (result.name === 'DeserializeError' && result.field !== undefined && result.reason !== undefined) return new DeserializeError(result.field, result.reason);
  if (result.name === 'ParameterError' && result.field !== undefined) return new ParameterError(result.field, result.message.slice(result.field.length + 2));
  return new Error(`evaluation worker: ${result.message}`);
}

export class EvaluatePool {
  /** Requests of more than `inlineMax` elements: for the workers. */
  private readonly large = new FairQueue();
  /** Requests of at most `inlineMax` elements: for this thread (every request when there are no workers). */
  private readonly small = new FairQueue();
  private readonly inlineMax: number;
  private readonly queuedByTenant = new Map<string, number>();
  private queuedTotal = 0;
  private readonly workers: PoolWorker[] = [];
  private readonly suite: Suite;
  private nextId = 1;
  private closed = false;
  private inlineScheduled = false;
  private dispatchScheduled = false;

  private constructor(
    group: Group,
    private readonly options: EvaluatePoolOptions,
    private readonly log: Logger,
    private readonly script: URL | undefined,
  ) {
    this.suite = createSuite(group, MODE_VOPRF);
    // Without workers every request is this thread's, in one fair order (two lanes served by one
    // thread would let a flood of small requests starve a large one).
    this.inlineMax = script ? (options.inlineMaxElements ?? DEFAULT_INLINE_MAX_ELEMENTS) : Infinity;
  }

  /** Start the workers and wait until each has loaded libsodium (about 100 ms). */
  static async start(group: Group, options: EvaluatePoolOptions, log: Logger): Promise<EvaluatePool> {
    const threads = options.threads < 0 ? defaultEvaluateThreads() : options.threads;
    const script = threads > 0 ? workerScript() : undefined;
    if (threads > 0 && !script) log.warn('evaluate-worker.js not found (run the build); Evaluate runs on the event loop');
    const pool = new EvaluatePool(group, options, log, script);
    if (script) await Promise.all(Array.from({ length: threads }, () => pool.spawn(script, group.name)));
    return pool;
  }

  /** Worker threads in use (0: the calling thread). */
  get threads(): number {
    return this.workers.length;
  }

  /** Elements waiting, in all. */
  get queued(): number {
    return this.queuedTotal;
  }

  /**
   * Refuse, before any work, a request of `count` elements that the queue cannot hold. Call it
   * in the same turn as `submit` so that nothing is queued in between.
   */
  admit(tenant: string, count: number): void {
    if (this.closed) throw unavailable('node is stopping');
    const mine = this.queuedByTenant.get(tenant) ?? 0;
    if (mine + count > this.options.maxQueuedPerTenant) {
      throw resourceExhausted(
        `node busy: tenant ${tenant} already has ${mine} elements waiting to be evaluated; ${count} more would pass its limit of ${this.options.maxQueuedPerTenant} (limits.maxQueuedElementsPerTenant); retry later`,
      );
    }
    if (this.queuedTotal + count > this.options.maxQueued) {
      throw resourceExhausted(
        `node busy: ${this.queuedTotal} elements are waiting to be evaluated; ${count} more would pass the limit of ${this.options.maxQueued} (limits.maxQueuedElements); retry later`,
      );
    }
  }

  /**
   * Queue one request (already admitted). `prepare` runs when the request's turn comes and
   * returns the share to use, read at that moment; `gone` says whether the caller left.
   */
  submit<T extends JobKey>(tenant: string, blinded: readonly Uint8Array[], prepare: () => T, gone: () => boolean): Promise<JobOutcome<T>> {
    this.admit(tenant, blinded.length);
    return new Promise<JobOutcome<T>>((resolvePromise, reject) => {
      const task: Task = {
        tenant,
        blinded: packElements(blinded),
        count: blinded.length,
        prepare,
        gone,
        resolve: resolvePromise as (o: JobOutcome<JobKey>) => void,
        reject,
      };
      (task.count <= this.inlineMax ? this.small : this.large).push(task);
      this.queuedByTenant.set(tenant, (this.queuedByTenant.get(tenant) ?? 0) + task.count);
      this.queuedTotal += task.count;
      this.dispatch();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of [...this.large.drain(), ...this.small.drain()]) t.reject(unavailable('node is stopping'));
    this.queuedByTenant.clear();
    this.queuedTotal = 0;
    const workers = this.workers.splice(0);
    for (const w of workers) w.task?.task.reject(unavailable('node is stopping'));
    await Promise.all(workers.map((w) => w.worker.terminate()));
  }

  /** The next task of `lane` in its fair order, taken off the element counts. */
  private take(lane: FairQueue): Task | undefined {
    const task = lane.take();
    if (!task) return undefined;
    const left = (this.queuedByTenant.get(task.tenant) ?? 0) - task.count;
    if (left > 0) this.queuedByTenant.set(task.tenant, left);
    else this.queuedByTenant.delete(task.tenant);
    this.queuedTotal -= task.count;
    return task;
  }

  /** Hand waiting tasks to free workers (or schedule the next inline turn). */
  private dispatch(): void {
    if (this.closed) return;
    this.scheduleInline();
    for (const w of this.workers) {
      if (!w.ready || w.task) continue;
      const next = this.nextLive(this.large);
      if (!next) {
        // Stopped at the drop budget with tasks left: go on in a later turn.
        if (this.large.length > 0 && !this.dispatchScheduled) {
          this.dispatchScheduled = true;
          setImmediate(() => {
            this.dispatchScheduled = false;
            this.dispatch();
          });
        }
        return;
      }
      this.post(w, next.task, next.prepared);
    }
  }

  /**
   * The next task of `lane` whose caller is still there, with its share read now. Drops at most
   * DROP_PER_TURN tasks whose caller left (or whose share cannot be read) per call, so that a
   * queue full of cancelled requests is cleared over several event-loop turns, not in one.
   */
  private nextLive(lane: FairQueue): { task: Task; prepared: JobKey } | undefined {
    for (let dropped = 0; dropped < DROP_PER_TURN; dropped++) {
      const task = this.take(lane);
      if (!task) return undefined;
      if (task.gone()) {
        task.reject(unavailable('the caller left before its turn'));
        continue;
      }
      try {
        return { task, prepared: task.prepare() };
      } catch (e) {
        task.reject(e);
      }
    }
    return undefined;
  }

  private post(w: PoolWorker, task: Task, prepared: JobKey): void {
    const id = this.nextId++;
    const share = new Uint8Array(prepared.share); // a copy, transferred: this thread keeps none
    const job: EvaluateJob = { id, index: prepared.index, share, publicShare: prepared.publicShare, blinded: task.blinded };
    w.task = { id, task, prepared };
    w.worker.postMessage(job, [share.buffer as ArrayBuffer, task.blinded.buffer as ArrayBuffer]);
  }

  /** Run the next request of the inline lane in a later event-loop turn (one per turn). */
  private scheduleInline(): void {
    if (this.inlineScheduled || this.small.length === 0) return;
    this.inlineScheduled = true;
    setImmediate(() => {
      this.inlineScheduled = false;
      if (this.closed) return;
      const next = this.nextLive(this.small);
      if (next) {
        const { task, prepared } = next;
        try {
          const res = evaluatePartial(this.suite, { index: prepared.index, value: prepared.share }, prepared.publicShare, unpackElements(task.blinded), systemRng);
          task.resolve({ prepared, evaluatedElements: res.evaluatedElements, proof: res.proof });
        } catch (e) {
          task.reject(e);
        }
      }
      this.scheduleInline();
    });
  }

  private spawn(script: URL, backend: string): Promise<void> {
    const worker = new Worker(script, { workerData: { backend } });
    const entry: PoolWorker = { worker, ready: false };
    this.workers.push(entry);
    worker.unref();
    return new Promise<void>((started) => {
      worker.on('message', (msg: EvaluateResult | 'ready') => {
        if (msg === 'ready') {
          entry.ready = true;
          started();
          return this.dispatch();
        }
        const running = entry.task;
        if (!running || running.id !== msg.id) return;
        entry.task = undefined;
        if (msg.ok) running.task.resolve({ prepared: running.prepared, evaluatedElements: unpackElements(new Uint8Array(msg.evaluated)), proof: new Uint8Array(msg.proof) });
        else running.task.reject(fromWorker(msg));
        this.dispatch();
      });
      const lost = (why: string) => {
        started();
        const i = this.workers.indexOf(entry);
        if (i < 0) return; // closed
        this.workers.splice(i, 1);
        entry.task?.task.reject(new Error(`evaluation worker stopped: ${why}`));
        entry.task = undefined;
        if (this.closed) return;
        this.log.error({ alert: 'evaluate-worker' }, `an evaluation worker stopped (${why}); starting another`);
        void this.spawn(script, backend);
      };
      worker.on('error', (e) => lost(e.message));
      worker.on('exit', (code) => lost(`exit code ${code}`));
    });
  }
}
