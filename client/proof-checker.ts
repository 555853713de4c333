/**
 * The client's crypto threads. Checks nodes' answers — decode every evaluated element, verify the
 * batched DLEQ proof against the node's pk_i — and, when asked, scales the verified elements for
 * the combination (W[j] = λ_i·r_j⁻¹·Z_i[j], see crypto/threshold.ts `combineUnblind`). For large
 * batches it also blinds the inputs and combines the checked answers (`blind`, `combine`).
 *
 * Proof checks are most of the client's work (two scalar multiplications per element per node,
 * plus four per node and batch), and the answers of different nodes are independent, so they run
 * on a small pool of worker threads: the checks of the t answers of one derivation run side by
 * side, and the main thread stays free for gRPC. Blinding and combining are one constant-time
 * scalar multiplication per element each; on the main thread they made it the busiest thread of a
 * batched client (about half its time), and a batch waited for it twice. Split across the workers
 * they run side by side too (measured: see `OFFLOAD_MIN` in client/evaluate.ts). With
 * `threads: 0` (or where the compiled worker is missing) everything runs inline on the calling
 * thread, with the same functions and the same results.
 *
 * Workers start on the first job that could use one (not with the checker: a process that only
 * ever checks inline — a CLI command deriving one key — never pays for starting threads, each of
 * which loads the module graph and a group backend again, about 0.3 s of CPU on a 2-core machine,
 * taken from the main thread's start-up). They take jobs only once their group backend is loaded
 * (about 100 ms): until then jobs run inline, so nothing ever waits for a thread to start. A
 * worker that dies takes no job with it: its jobs run inline, and the pool goes on with the
 * workers it has left.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import {
  DeserializeError,
  InvalidInputError,
  ParameterError,
  VerifyError,
  blindInverted,
  combineUnblindInverted,
  createSuite,
  MAX_INPUT_LENGTH,
  scaleElements,
  verifyPartial,
  type Element,
  type Group,
  type PartialResponse,
  type Scalar,
  type Suite,
  systemRng,
} from '../crypto/index.js';
import { PACKED, packElements, unpackElements, type Job, type JobResult } from './proof-job.js';

export interface CheckRequest {
  index: number;
  publicShare: Element;
  blinded: readonly Element[];
  /** `blinded` packed once per request and shared by the jobs of every node. */
  blindedPacked?: Uint8Array;
  evaluatedElements: Uint8Array[];
  proof: Uint8Array;
  /** Combine weights for this node; they are zeroed (or moved to a worker) by `check`. */
  weights?: Scalar[];
  /** Check on the calling thread even if workers are free (the caller knows it is idle). */
  inline?: boolean;
}

export interface CheckOutcome {
  response: PartialResponse;
  /** `weights[j]·Z_i[j]` when weights were given. */
  scaled?: Element[];
}

/** Worker threads used by default: one per core, at most 4; none on a single core. */
export function defaultCheckThreads(): number {
  const cores = availableParallelism();
  return cores > 1 ? Math.min(cores, 4) : 0;
}

/** The compiled worker next to this module, or under dist/ when this module runs from the sources. */
function workerScript(): URL | undefined {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const candidate of [join(here, 'proof-worker.js'), resolve(here, '..', 'dist', 'client', 'proof-worker.js')]) {
    if (existsSync(candidate)) return pathToFileURL(candidate);
  }
  return undefined;
}

/** A job on a worker: what to do with its result, and how to do it here if the worker dies. */
interface Pending {
  done: (out: Uint8Array[]) => void;
  inline: () => void;
  fail: (result: Extract<JobResult, { ok: false }>) => void;
  /** Zero what the job's caller handed over (called once, whatever the outcome). */
  drop: () => void;
}

/** The blinded batch: elements for the nodes, and the inverses r_j⁻¹ the caller zeroes after use. */
export interface BlindedBatch {
  blinded: Element[];
  inverses: Scalar[];
}

/** Resolve with `fn()`, or reject with what it throws. */
function settleWith<T>(resolve: (v: T) => void, reject: (e: unknown) => void, fn: () => T): void {
  try {
    resolve(fn());
  } catch (e) {
    reject(e);
  }
}

/** Error a worker reported, rebuilt here as the class the inline path throws (field and message kept). */
function rebuild(result: Extract<JobResult, { ok: false }>): Error {
  const reason = result.field ? result.message.slice(result.field.length + 2) : result.message;
  if (result.field && result.name === 'VerifyError') return new VerifyError(result.field, reason);
  if (result.field && result.name === 'DeserializeError') return new DeserializeError(result.field, reason);
  if (result.field && result.name === 'ParameterError') return new ParameterError(result.field, reason);
  if (result.name === 'InvalidInputError') return new InvalidInputError(result.message);
  const e = new Error(result.message);
  e.name = result.name;
  return e;
}

interface PoolWorker {
  worker: Worker;
  pending: Map<number, Pending>;
  ready: boolean;
}

export class ProofChecker {
  private readonly suite: Suite;
  private readonly workers: PoolWorker[] = [];
  private nextId = 1;
  private closed = false;
  private readonly started: Promise<void>[] = [];
  /** The pool not started yet: its script and size (spawned by the first check that could use it). */
  private unstarted: { script: URL; threads: number } | undefined;

  constructor(
    readonly group: Group,
    threads: number = defaultCheckThreads(),
  ) {
    this.suite = createSuite(group);
    const script = threads > 0 ? workerScript() : undefined;
    if (script) this.unstarted = { script, threads };
  }

  /** Worker threads in use, or to be started on demand (0: checks run inline). */
  get threads(): number {
    return this.unstarted ? this.unstarted.threads : this.workers.length;
  }

  /** Starts the workers (if not yet) and resolves once each has started (or died); checks never need to wait for this. */
  async ready(): Promise<void> {
    this.start();
    await Promise.all(this.started);
  }

  private start(): void {
    const pool = this.unstarted;
    if (!pool || this.closed) return;
    this.unstarted = undefined;
    for (let i = 0; i < pool.threads; i++) this.spawn(pool.script);
  }

  /**
   * Check one node's answer. Resolves with the verified response (and scaled elements), or
   * rejects with the VerifyError (field `node[i]`) that an inline check would throw.
   */
  check(request: CheckRequest): Promise<CheckOutcome> {
    const malformed = request.evaluatedElements.length !== request.blinded.length || request.evaluatedElements.some((e) => !(e instanceof Uint8Array) || e.length !== PACKED);
    // A malformed answer fails on decoding, before any multiplication: inline is as fast, and
    // keeps packing simple (every packed element is exactly 32 bytes).
    if (!malformed && !request.inline) this.start();
    const target = malformed || request.inline ? undefined : this.pick();
    if (!target) {
      try {
        return Promise.resolve(this.checkInline(request));
      } catch (e) {
        return Promise.reject(e);
      }
    }
    const weights = request.weights ? packElements(request.weights) : undefined;
    // The worker gets the packed weights (transferred); a copy stays here for an inline re-check
    // if the worker dies, zeroed once the job is over.
    const kept = weights ? unpackElements(weights.slice(), request.blinded.length) : undefined;
    request.weights?.forEach((w) => w.fill(0));
    const job: Job = {
      kind: 'check',
      id: 0,
      index: request.index,
      publicShare: request.publicShare,
      blinded: request.blindedPacked ?? packElements(request.blinded),
      evaluated: packElements(request.evaluatedElements),
      proof: request.proof,
      weights,
    };
    return new Promise<CheckOutcome>((resolve, reject) => {
      const m = request.blinded.length;
      this.post(target, job, weights ? [weights] : [], {
        done: ([scaled]) => resolve({ response: { index: request.index, evaluatedElements: request.evaluatedElements, proof: request.proof }, scaled: scaled ? unpackElements(scaled, m) : undefined }),
        inline: () => settleWith(resolve, reject, () => this.checkInline({ ...request, weights: kept })),
        fail: (result) => reject(rebuild(result)),
        drop: () => kept?.forEach((w) => w.fill(0)),
      });
    });
  }

  /**
   * Blind `inputs` on the workers, split in slices that run side by side (one per ready worker,
   * at least `minSlice` inputs each); undefined when no worker is ready (the caller blinds on its
   * own thread). The blinds never leave the workers; the caller zeroes the inverses after use.
   */
  blind(inputs: readonly Uint8Array[], minSlice: number): Promise<BlindedBatch> | undefined {
    // An input the inline path would refuse (not bytes, too long) is refused there, with its own
    // error: packing would turn it into other bytes first.
    if (inputs.some((x) => !(x instanceof Uint8Array) || x.length > MAX_INPUT_LENGTH)) return undefined;
    const slices = this.slices(inputs.length, minSlice);
    if (!slices) return undefined;
    const parts = slices.map(
      ([from, to]) =>
        new Promise<BlindedBatch>((resolve, reject) => {
          const part = inputs.slice(from, to);
          const lengths = part.map((x) => x.length);
          const packed = new Uint8Array(lengths.reduce((a, b) => a + b, 0));
          let at = 0;
          for (const x of part) {
            packed.set(x, at);
            at += x.length;
          }
          this.post(this.pick()!, { kind: 'blind', id: 0, inputs: packed, lengths }, [], {
            done: ([blinded, inverses]) => resolve({ blinded: unpackElements(blinded!, part.length), inverses: unpackElements(inverses!, part.length) }),
            inline: () => settleWith(resolve, reject, () => this.blindInline(part)),
            fail: (result) => reject(rebuild(result)),
            drop: () => undefined,
          });
        }),
    );
    return Promise.allSettled(parts).then((settled) => {
      const failed = settled.find((r) => r.status === 'rejected');
      if (failed) {
        // A slice failed (an input no one can blind): the other slices' inverses are not used.
        for (const r of settled) if (r.status === 'fulfilled') r.value.inverses.forEach((x) => x.fill(0));
        throw failed.reason;
      }
      const done = settled.map((r) => (r as PromiseFulfilledResult<BlindedBatch>).value);
      return { blinded: done.flatMap((p) => p.blinded), inverses: done.flatMap((p) => p.inverses) };
    });
  }

  /** RFC 9497 Blind on this thread, keeping only the inverses (the blinds are zeroed). */
  blindInline(inputs: readonly Uint8Array[]): BlindedBatch {
    return blindInverted(this.suite, inputs, systemRng);
  }

  /**
   * N[j] = r_j⁻¹·Σ λ_i·Z_i[j] (crypto/threshold.ts `combineUnblindInverted`) over checked answers,
   * on the workers in slices side by side; undefined when no worker is ready. `inverses` is left
   * as it was (the workers get copies, transferred and zeroed there).
   */
  combine(responses: readonly PartialResponse[], inverses: readonly Scalar[], minSlice: number): Promise<Element[]> | undefined {
    const slices = this.slices(inverses.length, minSlice);
    if (!slices) return undefined;
    const indices = responses.map((r) => r.index);
    return Promise.all(
      slices.map(
        ([from, to]) =>
          new Promise<Element[]>((resolve, reject) => {
            const packedInverses = packElements(inverses.slice(from, to));
            const job: Job = { kind: 'combine', id: 0, indices, evaluated: responses.map((r) => packElements(r.evaluatedElements.slice(from, to))), inverses: packedInverses };
            this.post(this.pick()!, job, [packedInverses], {
              done: ([N]) => resolve(unpackElements(N!, to - from)),
              inline: () => settleWith(resolve, reject, () => combineUnblindInverted(this.suite, responses.map((r) => ({ ...r, evaluatedElements: r.evaluatedElements.slice(from, to) })), inverses.slice(from, to))),
              fail: (result) => reject(rebuild(result)),
              drop: () => undefined,
            });
          }),
      ),
    ).then((parts) => parts.flat());
  }

  /** [from, to) slices of m items for the ready workers, at least `minSlice` each; undefined if none is ready. */
  private slices(m: number, minSlice: number): Array<[number, number]> | undefined {
    this.start();
    const ready = this.workers.filter((w) => w.ready).length;
    if (ready === 0 || m === 0) return undefined;
    const count = Math.max(1, Math.min(ready, Math.floor(m / Math.max(1, minSlice))));
    const out: Array<[number, number]> = [];
    for (let i = 0; i < count; i++) out.push([Math.floor((i * m) / count), Math.floor(((i + 1) * m) / count)]);
    return out;
  }

  /** Send `job` to `target` (its id assigned here), transferring `transfer`. */
  private post(target: PoolWorker, job: Job, transfer: Uint8Array[], pending: Pending): void {
    const id = this.nextId++;
    job.id = id;
    try {
      target.worker.postMessage(job, transfer.map((b) => b.buffer as ArrayBuffer));
    } catch (e) {
      // Not sent: the secrets meant for the worker are zeroed here, and the job is not pending.
      for (const b of transfer) b.fill(0);
      throw e;
    }
    if (target.pending.size === 0) target.worker.ref();
    target.pending.set(id, pending);
  }

  /** The same check on the calling thread. */
  checkInline(request: CheckRequest): CheckOutcome {
    const weights = request.weights;
    try {
      const response = verifyPartial(this.suite, request.publicShare, [...request.blinded], {
        index: request.index,
        evaluatedElements: request.evaluatedElements,
        proof: request.proof,
      });
      const scaled = weights ? scaleElements(this.group, weights, response.evaluatedElements) : undefined;
      return { response, scaled };
    } finally {
      weights?.forEach((w) => w.fill(0));
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.unstarted = undefined;
    const workers = this.workers.splice(0);
    for (const w of workers) {
      for (const p of w.pending.values()) {
        p.drop();
        p.fail({ id: 0, ok: false, name: 'Error', message: 'the client was closed' });
      }
      w.pending.clear();
    }
    await Promise.all(workers.map((w) => w.worker.terminate()));
  }

  private pick(): PoolWorker | undefined {
    let best: PoolWorker | undefined;
    for (const w of this.workers) if (w.ready && (!best || w.pending.size < best.pending.size)) best = w;
    return best;
  }

  private spawn(script: URL): void {
    const worker = new Worker(script, { workerData: { backend: this.group.name } });
    const entry: PoolWorker = { worker, pending: new Map(), ready: false };
    let started = (): void => undefined;
    this.started.push(new Promise<void>((resolve) => (started = resolve)));
    worker.unref();
    worker.on('message', (result: JobResult | 'ready') => {
      if (result === 'ready') {
        entry.ready = true;
        return started();
      }
      const p = entry.pending.get(result.id);
      if (!p) {
        // A result posted before close() dropped its job: its buffers may hold blind inverses.
        if (result.ok) for (const b of result.out) b.fill(0);
        return;
      }
      entry.pending.delete(result.id);
      if (entry.pending.size === 0) worker.unref();
      p.drop();
      // The buffers arrive transferred (no copy here: the inverses among them are zeroed by the caller).
      if (result.ok) p.done(result.out);
      else p.fail(result);
    });
    const retire = (): void => {
      started();
      const i = this.workers.indexOf(entry);
      if (i >= 0) this.workers.splice(i, 1);
      // Whatever the worker still held is done here instead.
      for (const p of entry.pending.values()) {
        p.inline();
        p.drop();
      }
      entry.pending.clear();
    };
    worker.on('error', retire);
    worker.on('exit', () => {
      if (!this.closed) retire();
    });
    this.workers.push(entry);
  }
}
