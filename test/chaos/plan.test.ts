/** Chaos plans: validation, the n − t rule, and the seeded random schedule. */
import { describe, expect, it } from 'vitest';
import { parsePlan, parsePlanText, PlanError } from '../../cli/chaos/plan.js';
import { createPrng } from '../../cli/chaos/prng.js';
import { buildSchedule, peakFaulty } from '../../cli/chaos/schedule.js';

const base = { name: 'p', target: { kind: 'local', nodes: 5, threshold: 3 } };

describe('chaos plan', () => {
  it('fills defaults for a minimal plan', () => {
    const p = parsePlan(base);
    expect(p.workload.rate).toBe(20);
    expect(p.checks).toEqual(['safety', 'liveness', 'durability', 'agreement', 'attribution']);
    expect(p.bounds).toEqual({ successRate: 0.999, recoveryMs: 15_000, rejoinMs: 2_000 });
    expect(p.allowQuorumLoss).toBe(false);
  });

  it('reads YAML and names every bad field', () => {
    const p = parsePlanText('name: y\ntarget: { kind: local }\nfaults:\n  steps:\n    - { at: 100, fault: kill, nodes: [2], durationMs: 500 }\n');
    expect(p.faults.steps[0]).toMatchObject({ fault: 'kill', nodes: [2] });
    const e = (() => {
      try {
        parsePlan({ ...base, faults: { steps: [{ at: 0, fault: 'explode', nodes: [9] }, { at: 0, fault: 'byzantine', nodes: [1] }] } });
      } catch (x) {
        return x as PlanError;
      }
    })();
    expect(e).toBeInstanceOf(PlanError);
    expect(e!.message).toMatch(/faults\.steps\.0\.fault/);
    expect(() => parsePlan({ ...base, faults: { steps: [{ at: 0, fault: 'byzantine', nodes: [1] }] } })).toThrow(/needs lie/);
    expect(() => parsePlan({ ...base, faults: { steps: [{ at: 0, fault: 'kill', nodes: [6] }] } })).toThrow(/node 6 does not exist/);
    expect(() => parsePlanText('name: [')).toThrow(PlanError);
    expect(() => parsePlan({ ...base, surprise: 1 })).toThrow(/Unrecognized key/);
  });

  it('refuses more than n − t faulty nodes unless the plan allows quorum loss', () => {
    const steps = [
      { at: 0, fault: 'kill', nodes: [1, 2], durationMs: 1000 },
      { at: 500, fault: 'pause', nodes: [3], durationMs: 1000 },
    ];
    expect(() => buildSchedule(parsePlan({ ...base, faults: { steps } }))).toThrow(/3 nodes are faulty at 500 ms, more than n − t = 2/);
    const s = buildSchedule(parsePlan({ ...base, faults: { steps }, allowQuorumLoss: true }));
    expect(peakFaulty(s).count).toBe(3);
    // Back to back is fine: the first fault is healed when the second starts.
    expect(() => buildSchedule(parsePlan({ ...base, faults: { steps: [steps[0], { ...steps[1], at: 1000 }] } }))).not.toThrow();
  });
});

describe('seeded random schedule', () => {
  const random = (seed: number) => parsePlan({ ...base, workload: { durationMs: 30_000 }, faults: { random: { seed, count: 12, kinds: ['kill', 'pause', 'restart', 'byzantine'] } } });

  it('the same seed gives the same schedule; another seed another one', () => {
    const a = buildSchedule(random(7));
    expect(buildSchedule(random(7))).toEqual(a);
    expect(buildSchedule(random(8))).not.toEqual(a);
    expect(a.length).toBeGreaterThan(4);
  });

  it('never draws more than n − t faulty nodes at once', () => {
    for (let seed = 0; seed < 40; seed++) expect(peakFaulty(buildSchedule(random(seed))).count, `seed ${seed}`).toBeLessThanOrEqual(2);
  });

  it('the PRNG is a fixed function of the seed', () => {
    const p = createPrng(1);
    const first = [p.next(), p.int(1, 6), p.pick(['a', 'b', 'c'])];
    const q = createPrng(1);
    expect([q.next(), q.int(1, 6), q.pick(['a', 'b', 'c'])]).toEqual(first);
    expect(createPrng(2).next()).not.toBe(first[0]);
    expect(() => p.int(3, 1)).toThrow(RangeError);
    expect(p.sample([1, 2, 3, 4], 2)).toHaveLength(2);
  });
});
