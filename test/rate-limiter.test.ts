/** node/limits.ts RateLimiter: a token bucket per identity, driven by an injected clock. */
import { describe, expect, it } from 'vitest';
import { RateLimiter } from '../node/limits.js';

function limiter(ratePerSecond: number, burst: number) {
  let now = 0;
  const l = new RateLimiter({ ratePerSecond, burst }, () => now);
  const refused = (who: string, cost: number): string | undefined => {
    try {
      l.take(who, cost);
      return undefined;
    } catch (e) {
      expect((e as { code: string }).code).toBe('RESOURCE_EXHAUSTED');
      return (e as Error).message;
    }
  };
  return { refused, advance: (ms: number) => void (now += ms) };
}

describe('RateLimiter', () => {
  it('serves a full bucket, refuses the next element, refills at the rate and never above the burst', () => {
    const l = limiter(100, 50);
    expect(l.refused('a', 50)).toBeUndefined();
    expect(l.refused('a', 1)).toMatch(/^rate limit: a may evaluate 100 elements\/s \(burst 50\)$/);
    l.advance(100); // 10 tokens
    expect(l.refused('a', 11)).toMatch(/^rate limit: /);
    expect(l.refused('a', 10)).toBeUndefined();
    l.advance(60_000);
    expect(l.refused('a', 50)).toBeUndefined();
    expect(l.refused('a', 1)).toMatch(/^rate limit: /);
    // Buckets are per identity.
    expect(l.refused('b', 50)).toBeUndefined();
  });

  it('refuses a batch larger than the burst as such (it can never pass), and takes no tokens for it', () => {
    const l = limiter(100, 50);
    const m = l.refused('a', 51);
    expect(m).toBe("batch larger than the rate limit's burst: 51 elements, but a may evaluate at most 50 at once (100 elements/s); send smaller batches");
    // Not the "rate limit: " refusal a client waits out.
    expect(m).not.toMatch(/^rate limit: /);
    expect(l.refused('a', 50)).toBeUndefined();
  });
});
