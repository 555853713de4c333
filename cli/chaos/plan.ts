/**
 * A chaos plan: the target, the workload, the fault schedule (fixed steps or seeded random),
 * the lifecycle operations started under faults, the checks and their bounds. Plans are YAML or
 * JSON files validated here with zod; every number has a default, so the smallest plan is
 * `target: { kind: local }` plus a schedule.
 *
 * The rule this module enforces: a schedule never has more than `n − t` nodes faulty at once
 * unless the plan sets `allowQuorumLoss: true` (then requests while fewer than `t` honest nodes
 * are reachable are expected to be refused cleanly, and liveness does not count them).
 */
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

/** Faults that take a node out of the honest, reachable set while they last. */
export const NODE_FAULTS = ['kill', 'pause', 'restart', 'byzantine', 'disk-corrupt', 'disk-readonly', 'disk-full', 'clock-skew', 'cert-expired', 'cert-wrong-ca', 'partition', 'partition-oneway', 'bandwidth', 'latency'] as const;
export type NodeFaultKind = (typeof NODE_FAULTS)[number];

/** What a byzantine node lies about (the adversarial harness of the trust issue). */
export const LIES = ['wrong-partial', 'forge-version', 'rewrite', 'destroyed'] as const;
export type Lie = (typeof LIES)[number];

export const LIFECYCLE_OPS = ['rotate', 'refresh', 'reshare', 'destroy'] as const;
export type LifecycleOp = (typeof LIFECYCLE_OPS)[number];

export const CHECKS = ['safety', 'liveness', 'durability', 'agreement', 'attribution'] as const;
export type CheckName = (typeof CHECKS)[number];

const nodeIndex = z.number().int().min(1).max(64);
const ms = z.number().int().min(0).max(24 * 3600_000);

const faultStep = z
  .object({
    /** Milliseconds after the workload starts. */
    at: ms,
    fault: z.enum(NODE_FAULTS),
    nodes: z.array(nodeIndex).min(1),
    /** How long the fault lasts before it is healed; `restart` is instantaneous. */
    durationMs: ms.default(3000),
    lie: z.enum(LIES).optional(),
    /** `bandwidth`: rate limit of the node's link (tc tbf), e.g. "1mbit". */
    rate: z.string().regex(/^\d+(kbit|mbit|gbit)$/).optional(),
    /** `latency`: added delay (needs the lab's latency proxy, see lab target). */
    delayMs: ms.optional(),
    /** `clock-skew`: how far the node's clock is moved (libfaketime), e.g. "+2h", "-10m". */
    skew: z.string().regex(/^[+-]\d{1,6}[smhd]$/).optional(),
  })
  .strict();
export type FaultStep = z.infer<typeof faultStep>;

const randomSchedule = z
  .object({
    seed: z.number().int().min(0).max(2 ** 32 - 1),
    count: z.number().int().min(1).max(1000),
    kinds: z.array(z.enum(NODE_FAULTS)).min(1).default(['kill', 'pause', 'restart']),
    /** Faults start within [startMs, endMs) of the workload. */
    startMs: ms.default(1000),
    endMs: ms.optional(),
    minDurationMs: ms.default(500),
    maxDurationMs: ms.default(4000),
    /** Largest number of nodes one fault takes (still bounded by n − t overall). */
    maxNodes: z.number().int().min(1).default(2),
  })
  .strict();

const lifecycleStep = z
  .object({
    at: ms,
    op: z.enum(LIFECYCLE_OPS),
    /** `reshare`: the new node set (default: the same nodes, a fresh sharing). */
    nodes: z.array(nodeIndex).optional(),
  })
  .strict();
export type LifecycleStep = z.infer<typeof lifecycleStep>;

const target = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('local'),
      /** A dev cluster directory to run against (reused as it is; must not be running). Default: a new cluster under the run's output directory. */
      dir: z.string().optional(),
      nodes: z.number().int().min(1).max(64).default(5),
      threshold: z.number().int().min(1).max(64).default(3),
    })
    .strict(),
  z
    .object({
      kind: z.literal('lab'),
      /** A topology file (the deployment issue's format); default: the shipped deploy/topology.example.yaml (2/2/1 over three clouds). */
      topology: z.string().optional(),
      /** Must match the topology (checked when the lab is built). */
      nodes: z.number().int().min(1).max(64).default(5),
      threshold: z.number().int().min(1).max(64).default(3),
    })
    .strict(),
  z
    .object({
      kind: z.literal('kubernetes'),
      namespace: z.string().default('splitkey'),
      /** StatefulSet of node i: `${statefulSetPrefix}${i}`. */
      statefulSetPrefix: z.string().default('splitkey-node-'),
      nodes: z.number().int().min(1).max(64).default(5),
      threshold: z.number().int().min(1).max(64).default(3),
      context: z.string().optional(),
    })
    .strict(),
]);
export type TargetSpec = z.infer<typeof target>;

const workload = z
  .object({
    /** Keys created at setup (chaos/k1, chaos/k2, …). */
    keys: z.number().int().min(1).max(16).default(2),
    /** Resource ids per key whose outputs are computed before any fault. */
    resources: z.number().int().min(1).max(10_000).default(16),
    /** Operations started per second, spread over `concurrency` workers. */
    rate: z.number().min(0.1).max(10_000).default(20),
    concurrency: z.number().int().min(1).max(256).default(4),
    durationMs: ms.default(20_000),
    /** Shares of each operation kind (normalised). */
    mix: z
      .object({ derive: z.number().min(0).default(0.7), encrypt: z.number().min(0).default(0.15), decrypt: z.number().min(0).default(0.15) })
      .strict()
      .default({}),
    /** Deadline of each node call. */
    timeoutMs: z.number().int().min(100).max(60_000).default(1500),
  })
  .strict();

const bounds = z
  .object({
    /** Success rate required while at least t honest nodes are reachable. */
    successRate: z.number().min(0).max(1).default(0.999),
    /** After a heal, the first success must come within this many milliseconds (node restart included). */
    recoveryMs: ms.default(15_000),
    /**
     * A healed node counts as reachable again only this long after it serves: the client's
     * reconnect backoff. Requests in that window count against liveness only if t other nodes were up.
     */
    rejoinMs: ms.default(2_000),
  })
  .strict();

export const planSchema = z
  .object({
    name: z.string().min(1).max(100).regex(/^[A-Za-z0-9._-]+$/),
    description: z.string().optional(),
    target,
    workload: workload.default({}),
    faults: z.object({ steps: z.array(faultStep).default([]), random: randomSchedule.optional() }).strict().default({}),
    lifecycle: z.array(lifecycleStep).default([]),
    checks: z.array(z.enum(CHECKS)).min(1).default([...CHECKS]),
    bounds: bounds.default({}),
    /** Let the schedule take more than n − t nodes down; requests then must be refused cleanly. */
    allowQuorumLoss: z.boolean().default(false),
  })
  .strict();

export type ChaosPlan = z.infer<typeof planSchema>;
export type PlanInput = z.input<typeof planSchema>;

/** A plan that cannot be run: every problem, one per line, each naming its field. */
export class PlanError extends Error {
  readonly code = 'CHAOS_PLAN_INVALID';
  constructor(readonly problems: string[]) {
    super(`invalid chaos plan: ${problems.join('; ')}`);
    this.name = 'PlanError';
  }
}

/** Validate a plan object (already parsed from YAML or JSON). */
export function parsePlan(input: unknown): ChaosPlan {
  const r = planSchema.safeParse(input);
  if (!r.success) throw new PlanError(r.error.issues.map((i) => `${i.path.join('.') || '(plan)'}: ${i.message}`));
  const plan = r.data;
  const { nodes: n, threshold: t } = plan.target;
  const problems: string[] = [];
  if (t > n) problems.push(`target.threshold: ${t} is more than target.nodes ${n}`);
  plan.faults.steps.forEach((s, i) => {
    for (const node of s.nodes) if (node > n) problems.push(`faults.steps.${i}.nodes: node ${node} does not exist (the target has ${n})`);
    if (s.at >= plan.workload.durationMs) problems.push(`faults.steps.${i}.at: ${s.at} ms is not within the workload (durationMs ${plan.workload.durationMs})`);
    if (s.fault === 'byzantine' && !s.lie) problems.push(`faults.steps.${i}.lie: a byzantine fault needs lie (${LIES.join(', ')})`);
    if (s.fault === 'bandwidth' && !s.rate) problems.push(`faults.steps.${i}.rate: a bandwidth fault needs rate, e.g. "1mbit"`);
    if (s.fault === 'clock-skew' && !s.skew) problems.push(`faults.steps.${i}.skew: a clock-skew fault needs skew, e.g. "+2h"`);
    if (s.fault === 'latency' && s.delayMs === undefined) problems.push(`faults.steps.${i}.delayMs: a latency fault needs delayMs`);
  });
  const rnd = plan.faults.random;
  if (rnd && rnd.minDurationMs > rnd.maxDurationMs) problems.push('faults.random: minDurationMs is more than maxDurationMs');
  plan.lifecycle.forEach((s, i) => {
    if (s.at >= plan.workload.durationMs) problems.push(`lifecycle.${i}.at: ${s.at} ms is not within the workload (durationMs ${plan.workload.durationMs})`);
    for (const node of s.nodes ?? []) if (node > n) problems.push(`lifecycle.${i}.nodes: node ${node} does not exist`);
    if (s.nodes && s.nodes.length < t) problems.push(`lifecycle.${i}.nodes: fewer than t = ${t} nodes`);
  });
  if (problems.length > 0) throw new PlanError(problems);
  return plan;
}

/** Parse plan text: YAML (a superset of JSON). */
export function parsePlanText(text: string): ChaosPlan {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    throw new PlanError([`not YAML or JSON: ${(e as Error).message.split('\n')[0]}`]);
  }
  return parsePlan(doc);
}
