/**
 * When to ask more nodes than the t asked first (client/evaluate.ts), as a small policy with an
 * injected clock so that it can be tested without timers.
 *
 * - The clock of a request counts waiting time only: the time this client's thread spends on its
 *   own crypto (`busyMs`) is left out, so answers that arrived but wait behind a long local
 *   computation are not taken for slow nodes.
 * - Before any answer, nodes are slow after twice the recent first-answer time, and at least
 *   4 × `hedgeDelayMs`. Once a node answered, the others are slow when they stay silent for
 *   twice as long again as that answer took, and at least `hedgeDelayMs`: a large batch on a
 *   loaded cluster takes long at every node, and queues make answers spread.
 * - A hedge asks one more node for each silent one, and restarts the clock for them.
 * - Hedges are budgeted in units of work (a request of up to 32 elements is one unit, larger ones
 *   count in steps of 32): each request earns `ratio` of its units, each extra node asked spends
 *   the request's units, at most `burst` units are saved. On a saturated cluster every node is
 *   slow, and extra requests would only add work; a frozen node is found by the first hedges and
 *   then asked last.
 */

export interface HedgeOptions {
  hedgeDelayMs: number;
  /** Tokens earned per request. Default 0.02: one extra node per fifty requests. */
  ratio?: number;
  /** Tokens saved at most (and at the start). Default 10. */
  burst?: number;
}

/** Elements per unit of hedging budget. */
const UNIT = 32;

export class HedgePolicy {
  private tokens: number;
  private recentFirstAnswerMs = 0;
  private readonly ratio: number;
  private readonly burst: number;

  constructor(
    private readonly options: HedgeOptions,
    /** Milliseconds, monotonic. */
    private readonly now: () => number = () => performance.now(),
  ) {
    this.ratio = options.ratio ?? 0.02;
    this.burst = options.burst ?? 10;
    this.tokens = this.burst;
  }

  /** A new request of `elements`; `busyMs()` is the calling thread's crypto time so far. */
  start(busyMs: () => number, elements = 1): HedgeClock {
    const units = Math.max(1, Math.ceil(elements / UNIT));
    this.tokens = Math.min(this.burst, this.tokens + this.ratio * units);
    return new HedgeClock(this, this.now, busyMs, units);
  }

  /** Spend `units` from the budget, if it holds that many. */
  take(units = 1): boolean {
    // (The epsilon keeps fifty additions of 0.02 worth one token despite rounding.)
    if (this.tokens < units - 1e-9) return false;
    this.tokens = Math.max(0, this.tokens - units);
    return true;
  }

  /** @internal */
  noteFirstAnswer(ms: number): void {
    this.recentFirstAnswerMs = this.recentFirstAnswerMs === 0 ? ms : 0.8 * this.recentFirstAnswerMs + 0.2 * ms;
  }

  /** @internal */
  dueWithoutAnswer(): number {
    return Math.max(4 * this.options.hedgeDelayMs, 2 * this.recentFirstAnswerMs);
  }

  /** @internal */
  dueAfterAnswer(firstAnswerMs: number): number {
    return Math.max(this.options.hedgeDelayMs, 2 * firstAnswerMs);
  }
}

/** The hedge clock of one request. */
export class HedgeClock {
  private from: { at: number; busy: number };
  private firstAnswerMs: number | undefined;

  constructor(
    private readonly policy: HedgePolicy,
    private readonly now: () => number,
    private readonly busyMs: () => number,
    /** Budget units of one node's share of this request. */
    readonly units: number,
  ) {
    this.from = { at: now(), busy: busyMs() };
  }

  /** Spend the budget for asking `nodes` more nodes for this request, if it allows. */
  takeBudget(nodes: number): boolean {
    return this.policy.take(nodes * this.units);
  }

  /** Waiting time since the request (or since its first answer), without own crypto time. */
  waited(): number {
    return this.now() - this.from.at - (this.busyMs() - this.from.busy);
  }

  /** The first answer of the request (later calls do nothing); the clock restarts from it. */
  answered(): void {
    if (this.firstAnswerMs !== undefined) return;
    this.firstAnswerMs = this.waited();
    this.policy.noteFirstAnswer(this.firstAnswerMs);
    this.from = { at: this.now(), busy: this.busyMs() };
  }

  /** Nodes were just asked in a hedge: they get a full period from now. */
  hedged(): void {
    this.from = { at: this.now(), busy: this.busyMs() };
  }

  get hasAnswer(): boolean {
    return this.firstAnswerMs !== undefined;
  }

  /** Milliseconds of waiting left before the silent nodes count as slow (≤ 0: they do). */
  left(): number {
    const due = this.firstAnswerMs === undefined ? this.policy.dueWithoutAnswer() : this.policy.dueAfterAnswer(this.firstAnswerMs);
    return due - this.waited();
  }
}
