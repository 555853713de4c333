/**
 * The concrete fault schedule of a plan: its fixed steps plus, when the plan asks for it, faults
 * drawn from a seeded PRNG (same seed, same schedule). Every fault has an injection and a heal
 * time; `restart` counts as down for its duration (the time a restarted node takes to serve
 * again is bounded by it in practice, and the runner tracks the real state anyway).
 *
 * The default rule: never more than n − t nodes faulty at once. A fixed schedule that breaks it
 * is refused unless the plan sets allowQuorumLoss; random faults are drawn within it.
 */
import type { ChaosPlan, FaultStep, Lie, NodeFaultKind } from './plan.js';
import { LIES, PlanError } from './plan.js';
import { createPrng } from './prng.js';

export interface ScheduledFault {
  /** f1, f2, … in injection order. */
  id: string;
  kind: NodeFaultKind;
  nodes: number[];
  at: number;
  healAt: number;
  lie?: Lie;
  rate?: string;
  delayMs?: number;
  skew?: string;
  /** Where it came from: a fixed step or the random schedule. */
  origin: 'fixed' | 'random';
}

/** Nodes faulty at time `ms` (a fault covers [at, healAt)). */
export function faultyAt(faults: readonly ScheduledFault[], ms: number): Set<number> {
  const down = new Set<number>();
  for (const f of faults) if (f.at <= ms && ms < f.healAt) for (const n of f.nodes) down.add(n);
  return down;
}

/** The largest number of nodes faulty at once, and when. */
export function peakFaulty(faults: readonly ScheduledFault[]): { count: number; at: number } {
  let peak = { count: 0, at: 0 };
  for (const f of faults) {
    const c = faultyAt(faults, f.at).size;
    if (c > peak.count) peak = { count: c, at: f.at };
  }
  return peak;
}

const fromStep = (s: FaultStep): Omit<ScheduledFault, 'id'> => ({
  kind: s.fault,
  nodes: [...s.nodes].sort((a, b) => a - b),
  at: s.at,
  healAt: s.at + s.durationMs,
  ...(s.lie ? { lie: s.lie } : {}),
  ...(s.rate ? { rate: s.rate } : {}),
  ...(s.delayMs !== undefined ? { delayMs: s.delayMs } : {}),
  ...(s.skew ? { skew: s.skew } : {}),
  origin: 'fixed',
});

/** Draw the random part of the schedule, fitting each fault around the ones already placed. */
function drawRandom(plan: ChaosPlan, placed: Omit<ScheduledFault, 'id'>[]): Omit<ScheduledFault, 'id'>[] {
  const r = plan.faults.random;
  if (!r) return [];
  const { nodes: n, threshold: t } = plan.target;
  const budget = plan.allowQuorumLoss ? n : n - t;
  const prng = createPrng(r.seed);
  const end = r.endMs ?? Math.max(r.startMs + 1, plan.workload.durationMs - r.maxDurationMs);
  const all = Array.from({ length: n }, (_, i) => i + 1);
  const drawn: Omit<ScheduledFault, 'id'>[] = [];
  for (let k = 0; k < r.count; k++) {
    // A bounded number of attempts per fault keeps the draw deterministic and finite; a fault
    // that fits nowhere is left out (the schedule says how many were placed).
    for (let attempt = 0; attempt < 20; attempt++) {
      const at = prng.int(r.startMs, Math.max(r.startMs, end - 1));
      const duration = prng.int(r.minDurationMs, r.maxDurationMs);
      const kind = prng.pick(r.kinds);
      const busy = new Set<number>();
      let maxBusy = 0;
      const everything = [...placed, ...drawn];
      for (const f of everything) {
        if (f.at < at + duration && at < f.healAt) for (const x of f.nodes) busy.add(x);
      }
      // Peak already reached somewhere in the window, counted at every start inside it.
      for (const probe of [at, ...everything.map((f) => f.at).filter((x) => x > at && x < at + duration)]) {
        maxBusy = Math.max(maxBusy, faultyAt(everything as ScheduledFault[], probe).size);
      }
      const room = Math.min(r.maxNodes, budget - Math.max(maxBusy, 0), n - busy.size);
      if (room < 1) continue;
      const free = all.filter((x) => !busy.has(x));
      const nodes = prng.sample(free, prng.int(1, room)).sort((a, b) => a - b);
      const fault: Omit<ScheduledFault, 'id'> = { kind, nodes, at, healAt: at + duration, origin: 'random' };
      if (kind === 'byzantine') fault.lie = prng.pick(LIES);
      if (kind === 'bandwidth') fault.rate = '1mbit';
      if (kind === 'clock-skew') fault.skew = prng.pick(['+2h', '-2h', '+1d', '+10m']);
      drawn.push(fault);
      break;
    }
  }
  return drawn;
}

/** The whole schedule, sorted by injection time, with ids. Throws PlanError if it breaks the n − t rule. */
export function buildSchedule(plan: ChaosPlan): ScheduledFault[] {
  const fixed = plan.faults.steps.map(fromStep);
  const all = [...fixed, ...drawRandom(plan, fixed)].sort((a, b) => a.at - b.at || a.nodes[0]! - b.nodes[0]!);
  const faults = all.map((f, i) => ({ id: `f${i + 1}`, ...f }));
  const { nodes: n, threshold: t } = plan.target;
  const peak = peakFaulty(faults);
  if (!plan.allowQuorumLoss && peak.count > n - t) {
    throw new PlanError([`faults: ${peak.count} nodes are faulty at ${peak.at} ms, more than n − t = ${n - t}; set allowQuorumLoss: true to test clean refusals below t`]);
  }
  return faults;
}
