/**
 * Rate limits and query budgets.
 *
 * - Token buckets per caller identity, charged one token per evaluated element, refilled
 *   continuously; an empty bucket refuses with RESOURCE_EXHAUSTED before any work is done.
 * - A query counter per key version. RFC 9497 §7.2.3: the security of the key degrades with the
 *   number of evaluations an attacker obtains (a Q-strong-DH style bound), so each version has a
 *   budget that warns when crossed and, if configured, refuses further queries.
 */
import { resourceExhausted } from './errors.js';

export interface RateLimitConfig {
  /** Elements per second per identity. */
  ratePerSecond: number;
  /** Bucket size (largest burst). */
  burst: number;
}

export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  constructor(
    readonly config: RateLimitConfig,
    private readonly clock: () => number = () => performance.now(),
  ) {}

  /**
   * Throw RESOURCE_EXHAUSTED when a batch of `cost` can never pass (more than the burst), however
   * long the caller waits: said apart from "rate limit: …", which a client waits out and asks again.
   */
  checkSize(who: string, cost: number): void {
    if (cost > this.config.burst) {
      throw resourceExhausted(`batch larger than the rate limit's burst: ${cost} elements, but ${who} may evaluate at most ${this.config.burst} at once (${this.config.ratePerSecond} elements/s); send smaller batches`);
    }
  }

  /** Take `cost` tokens for `who`, or throw RESOURCE_EXHAUSTED. */
  take(who: string, cost: number): void {
    this.checkSize(who, cost);
    const now = this.clock();
    const b = this.buckets.get(who) ?? { tokens: this.config.burst, at: now };
    b.tokens = Math.min(this.config.burst, b.tokens + ((now - b.at) / 1000) * this.config.ratePerSecond);
    b.at = now;
    this.buckets.set(who, b);
    if (b.tokens < cost) {
      throw resourceExhausted(`rate limit: ${who} may evaluate ${this.config.ratePerSecond} elements/s (burst ${this.config.burst})`);
    }
    b.tokens -= cost;
  }
}

export interface QueryBudgetConfig {
  /** Log a warning once a version has answered this many elements. */
  warnAt: number;
  /** Hard budget per version. */
  limit: number;
  /** Refuse queries past `limit` (otherwise only warn). */
  refuse: boolean;
}

/**
 * Evaluations answered per key version (RFC 9497 §7.2.3: every answer gives the caller one more
 * sample of k_i·B for a B of its choice, and the cost of a static Diffie-Hellman attack on k falls
 * as the number of samples grows — a version should be rotated long before an attacker could
 * gather enough). Counted durably: before a count passes what is on disk, the node writes (synced)
 * a reservation `RESERVE_CHUNK` ahead, so a crash or a kill never gives the budget back; a restart
 * starts from the reservation (overcounting by at most one chunk).
 */
export const RESERVE_CHUNK = 65_536;

export class QueryBudget {
  private readonly counts = new Map<string, number>();
  private readonly reserved = new Map<string, number>();
  private readonly warned = new Set<string>();
  private persisting: Promise<void> = Promise.resolve();
  constructor(
    private readonly config: QueryBudgetConfig,
    private readonly onWarn: (slot: string, count: number) => void,
    /** Writes every reservation, synced. Without it, counts live in memory only (tests). */
    private readonly persist?: (reserved: Record<string, number>) => Promise<void>,
  ) {}

  /**
   * Make sure the durable reservation of `slot` covers `n` more queries; resolves once it is on
   * disk. Cheap when it already does (no I/O for RESERVE_CHUNK queries at a time).
   */
  async reserve(slot: string, n: number): Promise<void> {
    if (!this.persist || this.get(slot) + n <= (this.reserved.get(slot) ?? 0)) return;
    this.reserved.set(slot, this.get(slot) + n + RESERVE_CHUNK);
    const snapshot = Object.fromEntries(this.reserved);
    this.persisting = this.persisting.then(() => this.persist!(snapshot));
    await this.persisting;
  }

  /** Restore a durable reservation (at start): counting resumes from it. */
  restoreReserved(slot: string, upTo: number): void {
    this.reserved.set(slot, upTo);
    if (upTo > this.get(slot)) this.counts.set(slot, upTo);
  }

  static slot(keyName: string, version: number): string {
    return `${keyName}@${version}`;
  }

  /** Restore persisted counts. */
  restore(slot: string, count: number): void {
    this.counts.set(slot, count);
  }

  get(slot: string): number {
    return this.counts.get(slot) ?? 0;
  }

  /** Refuse, before any work, `n` more queries that would overspend the budget (if refusing). */
  check(slot: string, n: number): void {
    if (this.config.refuse && this.get(slot) + n > this.config.limit) {
      throw resourceExhausted(`query budget of ${slot} is spent (${this.config.limit} evaluations); rotate the key`);
    }
  }

  /** Count `n` answered queries against `slot` (after `check`). */
  charge(slot: string, n: number): number {
    const next = this.get(slot) + n;
    this.counts.set(slot, next);
    if (next >= this.config.warnAt && !this.warned.has(slot)) {
      this.warned.add(slot);
      this.onWarn(slot, next);
    }
    return next;
  }

  /** Give back `n` charged queries that were not answered after all. */
  refund(slot: string, n: number): void {
    this.counts.set(slot, Math.max(0, this.get(slot) - n));
  }

  entries(): [string, number][] {
    return [...this.counts.entries()];
  }
}
