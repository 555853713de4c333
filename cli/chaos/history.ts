/**
 * What a chaos run records, and what the checkers read: every workload operation, every fault,
 * every lifecycle operation and the cluster's records before the faults and after the heal.
 * Outputs are fingerprints (the first 16 bytes of SHA-256 of the key or plaintext), never keys:
 * history.jsonl is a file an operator shares.
 */
export type OpKind = 'derive' | 'encrypt' | 'decrypt';

export interface Attribution {
  node: number;
  reason: string;
  detail?: string;
}

export interface OpRecord {
  type: 'op';
  id: number;
  kind: OpKind;
  key: string;
  /** The version asked for (0: newest active) and the one used, when known. */
  version: number;
  resource: string;
  /** Milliseconds since the workload started. */
  start: number;
  end: number;
  ok: boolean;
  /** `final`: the probes after every fault is healed (every reference output once more). */
  phase: 'workload' | 'final';
  /** Fingerprint of what came out, and of what the reference says must come out. */
  output?: string;
  expected?: string;
  /** Honest nodes reachable during the whole operation (the least count while it ran). */
  reachable: number;
  nodesAsked: number[];
  /** On failure: the error's code and message, and the nodes it names. */
  code?: string;
  error?: string;
  failures?: Attribution[];
  /** The request was aimed at a version a lifecycle operation destroyed: a refusal is expected. */
  expectRefusal?: boolean;
}

export interface FaultRecord {
  type: 'fault';
  id: string;
  kind: string;
  nodes: number[];
  lie?: string;
  /** Planned and actual times (ms since the workload started). */
  plannedAt: number;
  injectedAt?: number;
  /** The injection finished: the fault is in place (a restarted node serves into it). */
  inPlaceAt?: number;
  /** The heal began (a restart: the injection itself), and it finished. */
  healStartedAt?: number;
  healedAt?: number;
  /** The heal finished: the node serves again (or the network is restored). */
  healed: boolean;
  detail?: string;
  error?: string;
}

export interface LifecycleRecord {
  type: 'lifecycle';
  op: string;
  key: string;
  version?: number;
  start: number;
  end: number;
  ok: boolean;
  detail?: string;
  failures?: Attribution[];
}

export interface VersionRecord {
  key: string;
  version: number;
  state: string;
  epoch: string;
  threshold: number;
  nodeIndices: number[];
  /** Hex of pkS, and a fingerprint of the public shares. */
  publicKey: string;
  sharesDigest: string;
  /** The node's own health of its share: "ok" or why it cannot evaluate. */
  health: string;
}

export interface NodeSnapshot {
  ok: boolean;
  error?: string;
  versions: VersionRecord[];
}

export interface SnapshotRecord {
  type: 'snapshot';
  phase: 'before' | 'after';
  at: number;
  nodes: Record<string, NodeSnapshot>;
}

export type HistoryEvent = OpRecord | FaultRecord | LifecycleRecord | SnapshotRecord;

export interface RunMeta {
  plan: string;
  target: string;
  n: number;
  t: number;
  seed?: number;
  allowQuorumLoss: boolean;
  bounds: { successRate: number; recoveryMs: number };
  startedAt: string;
  durationMs: number;
  /** Versions destroyed on purpose by the plan's lifecycle operations ("key@version"). */
  destroyed: string[];
}

export interface History {
  meta: RunMeta;
  ops: OpRecord[];
  faults: FaultRecord[];
  lifecycle: LifecycleRecord[];
  snapshots: SnapshotRecord[];
}

/** One history as JSON lines (meta first), and back. */
export function historyToJsonl(h: History): string {
  const lines = [JSON.stringify({ type: 'meta', ...h.meta }), ...[...h.snapshots, ...h.lifecycle, ...h.ops].map((e) => JSON.stringify(e))];
  return `${lines.join('\n')}\n`;
}

export function historyFromJsonl(history: string, faults: string): History {
  const h: History = { meta: undefined as unknown as RunMeta, ops: [], faults: [], lifecycle: [], snapshots: [] };
  for (const line of `${history}\n${faults}`.split('\n')) {
    if (!line.trim()) continue;
    const e = JSON.parse(line) as HistoryEvent | ({ type: 'meta' } & RunMeta);
    if (e.type === 'meta') {
      const { type: _, ...meta } = e;
      h.meta = meta;
    } else if (e.type === 'op') h.ops.push(e);
    else if (e.type === 'fault') h.faults.push(e);
    else if (e.type === 'lifecycle') h.lifecycle.push(e);
    else if (e.type === 'snapshot') h.snapshots.push(e);
  }
  if (!h.meta) throw new Error('history.jsonl has no meta line');
  return h;
}
