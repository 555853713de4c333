/**
 * The client's hedge policy (client/hedge.ts) with an injected clock: when silent nodes count as
 * slow, that the client's own crypto time is not counted as waiting, and the hedge budget.
 */
import { describe, expect, it } from 'vitest';
import { HedgePolicy } from '../client/hedge.js';

function setup(opts: { hedgeDelayMs?: number; ratio?: number; burst?: number } = {}) {
  let now = 1_000;
  let busy = 0;
  const policy = new HedgePolicy({ hedgeDelayMs: opts.hedgeDelayMs ?? 150, ratio: opts.ratio, burst: opts.burst }, () => now);
  return {
    policy,
    advance: (ms: number) => (now += ms),
    crypto: (ms: number) => {
      now += ms;
      busy += ms;
    },
    start: (elements?: number) => policy.start(() => busy, elements),
  };
}

describe('HedgePolicy', () => {
  it('with no answer yet, waits 4 × hedgeDelayMs', () => {
    const s = setup();
    const clock = s.start();
    expect(clock.left()).toBe(600);
    s.advance(599);
    expect(clock.left()).toBe(1);
    s.advance(1);
    expect(clock.left()).toBe(0);
  });

  it('after a fast first answer, the others have hedgeDelayMs more', () => {
    const s = setup();
    const clock = s.start();
    s.advance(3);
    clock.answered();
    expect(clock.left()).toBe(150);
    s.advance(150);
    expect(clock.left()).toBe(0);
  });

  it('after a slow first answer (a large batch), the others have twice as long again', () => {
    const s = setup();
    const clock = s.start();
    s.advance(400);
    clock.answered();
    expect(clock.left()).toBe(800);
    s.advance(799);
    expect(clock.left()).toBe(1);
    // Only the first answer restarts the clock.
    clock.answered();
    expect(clock.left()).toBe(1);
  });

  it('gives the nodes asked in a hedge a full period of their own', () => {
    const s = setup();
    const clock = s.start();
    s.advance(5);
    clock.answered();
    s.advance(150);
    expect(clock.left()).toBe(0);
    clock.hedged();
    expect(clock.left()).toBe(150);
  });

  it('does not count the client’s own crypto time as waiting', () => {
    const s = setup();
    const clock = s.start();
    s.advance(10);
    clock.answered(); // first answer after 10 ms of waiting
    s.crypto(500); // checking it took 500 ms of this thread
    s.advance(100);
    expect(clock.waited()).toBe(100);
    expect(clock.left()).toBe(50); // max(150, 2 × 10) - 100
  });

  it('learns the usual first-answer time for requests that have no answer yet', () => {
    const s = setup();
    for (let i = 0; i < 30; i++) {
      const c = s.start();
      s.advance(1_000);
      c.answered();
    }
    // Twice the recent first-answer time (about 1 s) instead of 600 ms.
    const clock = s.start();
    expect(clock.left()).toBeGreaterThan(1_900);
    expect(clock.left()).toBeLessThanOrEqual(2_000);
  });

  it('spends at most the saved budget, then one extra node per fifty requests', () => {
    const s = setup({ burst: 10 });
    s.start();
    let granted = 0;
    while (s.policy.take()) granted++;
    expect(granted).toBe(10);
    for (let i = 0; i < 49; i++) s.start();
    expect(s.policy.take()).toBe(false);
    s.start();
    expect(s.policy.take()).toBe(true);
    expect(s.policy.take()).toBe(false);
    // Two extra nodes need two tokens.
    for (let i = 0; i < 75; i++) s.start();
    expect(s.policy.take(2)).toBe(false);
    for (let i = 0; i < 25; i++) s.start();
    expect(s.policy.take(2)).toBe(true);
  });

  it('counts large requests in units of 32 elements, earned and spent alike', () => {
    const s = setup({ burst: 10 });
    s.start();
    while (s.policy.take()) undefined; // spend the saved budget
    // 50 requests of 256 elements (8 units each) earn one hedge of one node for such a request.
    let clock = s.start(256);
    expect(clock.units).toBe(8);
    expect(clock.takeBudget(1)).toBe(false);
    for (let i = 0; i < 49; i++) clock = s.start(256);
    expect(clock.takeBudget(1)).toBe(true);
    expect(clock.takeBudget(1)).toBe(false);
    // A saved budget of 10 units covers one extra node for a batch of 256, not two.
    for (let i = 0; i < 1000; i++) s.start();
    const big = s.start(256);
    expect(big.takeBudget(2)).toBe(false);
    expect(big.takeBudget(1)).toBe(true);
    expect(s.start(33).units).toBe(2);
    expect(s.start(32).units).toBe(1);
  });

  it('never saves more than the burst', () => {
    const s = setup({ burst: 3, ratio: 1 });
    for (let i = 0; i < 100; i++) s.start();
    let granted = 0;
    while (s.policy.take()) granted++;
    expect(granted).toBe(3);
  });
});
