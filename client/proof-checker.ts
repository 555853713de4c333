/**
 * Checks nodes' answers — decode every evaluated element, verify the batched DLEQ proof against
 * the node's pk_i — and, when asked, scales the verified elements for the combination
 * (W[j] = λ_i·r_j⁻¹·Z_i[j], see crypto/threshold.ts `combineUnblind`).
 *
 * Proof checks are most of the client's work (two scalar multiplications per element per node,
 * plus four per node and batch), and the answers of different nodes are independent, so they run
 * on a small pool of worker threads: the checks of the t answers of one derivation run side by
 * side, and the main thread stays free for blinding, gRPC and combining. With `threads: 0` (or
 * where the compiled worker is missing) everything runs inline on the calling thread, with the
 * same functions and the same results.
 *
 * Workers start on the first check that could use one (not with the checker: a process that only
 * ever checks inline — a CLI command deriving one key — never pays for starting threads, each of
 * which loads the module graph and a group backend again, about 0.3 s of CPU on a 2-core machine,
 * taken from the main thread's start-up). They take jobs only once their group backend is loaded
 * (about 100 ms): until then checks run inline, so nothing ever waits for a thread to start. A
 * worker that dies takes no answer with it: its jobs are checked inline, and the pool goes on
 * with the workers it has left.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import {
  VerifyError,
  createSuite,
  scaleElements,
  verifyPartial,
  type Element,
  type Group,
  type PartialResponse,
  type Scalar,
  type Suite,
} from '../crypto/index.js';
import { PACKED, packElements, unpackElements, type CheckJob, type CheckResult } from './proof-job.js';

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

interface Pending {
  request: CheckRequest;
  resolve: (outcome: CheckOutcome) => void;
  reject: (e: unknown) => void;
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
    const id = this.nextId++;
    const job: CheckJob = {
      id,
      index: request.index,
      publicShare: request.publicShare,
      blinded: request.blindedPacked ?? packElements(request.blinded),
      evaluated: packElements(request.evaluatedElements),
      proof: request.proof,
      weights: request.weights ? packElements(request.weights) : undefined,
    };
    request.weights?.forEach((w) => w.fill(0));
    return new Promise<CheckOutcome>((resolve, reject) => {
      if (target.pending.size === 0) target.worker.ref();
      target.pending.set(id, { request: { ...request, weights: job.weights ? unpackElements(job.weights.slice(), request.blinded.length) : undefined }, resolve, reject });
      target.worker.postMessage(job, job.weights ? [job.weights.buffer as ArrayBuffer] : []);
    });
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
        p.request.weights?.forEach((x) => x.fill(0));
        p.reject(new Error('the client was closed'));
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
    worker.on('message', (result: CheckResult | 'ready') => {
      if (result === 'ready') {
        entry.ready = true;
        return started();
      }
      const p = entry.pending.get(result.id);
      if (!p) return;
      entry.pending.delete(result.id);
      if (entry.pending.size === 0) worker.unref();
      p.request.weights?.forEach((w) => w.fill(0));
      if (result.ok) {
        const m = p.request.blinded.length;
        p.resolve({
          response: { index: p.request.index, evaluatedElements: p.request.evaluatedElements, proof: p.request.proof },
          scaled: result.scaled ? unpackElements(new Uint8Array(result.scaled), m) : undefined,
        });
      } else {
        p.reject(result.name === 'VerifyError' && result.field ? new VerifyError(result.field, result.message.slice(result.field.length + 2)) : new Error(result.message));
      }
    });
    const retire = (): void => {
      started();
      const i = this.workers.indexOf(entry);
      if (i >= 0) this.workers.splice(i, 1);
      // Whatever the worker still held is checked here instead.
      for (const p of entry.pending.values()) {
        try {
          p.resolve(this.checkInline(p.request));
        } catch (e) {
          p.reject(e);
        }
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
