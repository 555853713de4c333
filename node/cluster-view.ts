/**
 * The node's own view of its cluster: the cluster descriptor file named by its config
 * (`"cluster": "cluster.json"`). It is the only source of peer addresses — a coordinator never
 * tells a node where to send a share — and of the policy's minThreshold, below which the node
 * takes part in no key version. The file is re-read when it changes, so peers can be added (for
 * a reshare to new nodes) without a restart.
 */
import { readFile, stat } from 'node:fs/promises';
import { lifecycleQuorumSize } from '../crypto/lifecycle.js';
import { failedPrecondition } from './errors.js';

export interface PeerEndpoint {
  index: number;
  address: string;
}

interface View {
  peers: Map<number, PeerEndpoint>;
  minThreshold: number;
  faultTolerance: number;
  lifecycleQuorum: boolean;
}

export class ClusterView {
  private cached?: { mtimeMs: number; size: number; view: View };

  constructor(private readonly path: string | undefined) {}

  private async load(): Promise<View> {
    if (!this.path) throw failedPrecondition('this node has no "cluster" descriptor in its config, so it knows no peer addresses; add "cluster": "cluster.json" and restart it');
    let st;
    try {
      st = await stat(this.path);
    } catch (e) {
      throw failedPrecondition(`cannot read this node's cluster descriptor ${this.path}: ${(e as Error).message}`);
    }
    if (this.cached && this.cached.mtimeMs === st.mtimeMs && this.cached.size === st.size) return this.cached.view;
    const view = parseView(await readFile(this.path, 'utf8'), this.path);
    this.cached = { mtimeMs: st.mtimeMs, size: st.size, view };
    return view;
  }

  /** Where to reach node `index`, from this node's own descriptor. */
  async peer(index: number): Promise<PeerEndpoint> {
    const p = (await this.load()).peers.get(index);
    if (!p) throw failedPrecondition(`node ${index} is not in this node's cluster descriptor ${this.path}; add it there first`);
    return p;
  }

  /** Every node index of the descriptor (empty for a node without one). */
  async indices(): Promise<number[]> {
    if (!this.path) return [];
    return [...(await this.load()).peers.keys()].sort((a, b) => a - b);
  }

  /** Silent nodes every version must survive (client/descriptor.ts faultToleranceOf): n ≥ t + this. */
  async faultTolerance(): Promise<number> {
    if (!this.path) return 1;
    return (await this.load()).faultTolerance;
  }

  /**
   * Whether a refresh or reshare needs ⌈(n + t)/2⌉ participants (t: the version's threshold, at
   * least minThreshold) of the descriptor's n nodes (filled up with witnesses), so that two
   * sessions from one record always share an honest participant and at most one commits
   * (docs/fork-prevention.md); `q` is the figure for t = minThreshold. Off unless the descriptor
   * says `"lifecycleQuorum": true`.
   */
  async lifecycleQuorum(): Promise<{ n: number; q: number } | undefined> {
    if (!this.path) return undefined;
    const v = await this.load();
    return v.lifecycleQuorum ? { n: v.peers.size, q: lifecycleQuorumSize(v.peers.size, v.minThreshold) } : undefined;
  }

  /** The policy's minimum threshold (as in client/descriptor.ts: given, else 2, or 1 for one node). */
  async minThreshold(): Promise<number> {
    if (!this.path) return 2;
    return (await this.load()).minThreshold;
  }
}

function parseView(text: string, path: string): View {
  let raw: { nodes?: unknown; minThreshold?: unknown; defaultThreshold?: unknown; faultTolerance?: unknown; lifecycleQuorum?: unknown };
  try {
    raw = JSON.parse(text) as typeof raw;
  } catch (e) {
    throw failedPrecondition(`cluster descriptor ${path} is not JSON: ${(e as Error).message}`);
  }
  if (!Array.isArray(raw.nodes) || raw.nodes.length === 0) throw failedPrecondition(`cluster descriptor ${path} has no "nodes"`);
  const peers = new Map<number, PeerEndpoint>();
  for (const n of raw.nodes as { index?: unknown; address?: unknown }[]) {
    if (!Number.isInteger(n.index) || (n.index as number) < 1 || (n.index as number) > 255 || typeof n.address !== 'string' || peers.has(n.index as number)) {
      throw failedPrecondition(`cluster descriptor ${path}: every node needs a distinct index in [1, 255] and an address`);
    }
    peers.set(n.index as number, { index: n.index as number, address: n.address });
  }
  const min = raw.minThreshold;
  if (min !== undefined && (!Number.isInteger(min) || (min as number) < 1)) throw failedPrecondition(`cluster descriptor ${path}: minThreshold must be a positive integer`);
  const fallback = Number.isInteger(raw.defaultThreshold) && (raw.defaultThreshold as number) >= 1 ? (raw.defaultThreshold as number) : Math.min(2, peers.size);
  const minThreshold = (min as number | undefined) ?? fallback;
  const f = raw.faultTolerance;
  if (f !== undefined && (!Number.isInteger(f) || (f as number) < 0 || (f as number) > minThreshold - 1)) {
    throw failedPrecondition(`cluster descriptor ${path}: faultTolerance must be an integer in [0, minThreshold − 1]`);
  }
  if (raw.lifecycleQuorum !== undefined && typeof raw.lifecycleQuorum !== 'boolean') throw failedPrecondition(`cluster descriptor ${path}: lifecycleQuorum must be true or false`);
  return { peers, minThreshold, faultTolerance: (f as number | undefined) ?? minThreshold - 1, lifecycleQuorum: raw.lifecycleQuorum === true };
}
