/**
 * The cluster descriptor (cluster.json), one of the two trust anchors given out of band (with the
 * CA; DESIGN.md "Trust anchors"): which nodes exist, where, in which failure domain, the identity
 * each must present, and the cluster's policy.
 *
 * { "name": "dev", "insecureLoopback": false,
 *   "defaultThreshold": 3,
 *   "minThreshold": 3,                 // no key version with a smaller t is ever used
 *   "faultTolerance": 2,               // every node set survives this many silent nodes (default minThreshold − 1)
 *   "nodes": [ { "index": 1, "address": "127.0.0.1:7001", "domain": "cloud-a",
 *                "identity": "splitkey://node/1" }, … ] }
 *
 * `identity` defaults to splitkey://node/<index> and must be exactly that: every channel to the
 * node (appliance, admin, peer) checks the certificate's URI SAN against it. `minThreshold`
 * defaults to `defaultThreshold`, else 2 (1 for a one-node cluster), so that no single node can
 * vouch for a record; the quorum rule holds against minThreshold − 1 liars. `faultTolerance` (at
 * most minThreshold − 1, the default) is how many silent nodes every key version must survive: a
 * t-of-n version needs n ≥ t + faultTolerance, so that the liars the policy allows for cannot make
 * it unusable by withholding (a lower value is an operator's explicit choice, e.g. 2-of-2).
 */
import { readFile } from 'node:fs/promises';
import { ConfigError } from './errors.js';

export interface NodeEndpoint {
  index: number;
  address: string;
  domain?: string;
  /** The URI SAN the node's certificate must carry: splitkey://node/<index>. */
  identity?: string;
}

export const nodeIdentity = (index: number): string => `splitkey://node/${index}`;

export interface ClusterDescriptor {
  name?: string;
  insecureLoopback?: boolean;
  /** Threshold used for new keys when none is given (written by `splitkey dev`). */
  defaultThreshold?: number;
  /** Trust policy: no key version with a smaller threshold is used (see minThresholdOf). */
  minThreshold?: number;
  /** Silent nodes every key version must survive (see faultToleranceOf). */
  faultTolerance?: number;
  /**
   * Refresh and reshare need ⌈(n + t)/2⌉ participants (t: the version's threshold, at least
   * minThreshold) of the n nodes (the coordinator adds witnesses), so that two sessions from one
   * record never both commit (docs/fork-prevention.md).
   * Every node enforces it from its own descriptor. Off by default: with 3 nodes every refresh and
   * reshare then needs all three up.
   */
  lifecycleQuorum?: boolean;
  nodes: NodeEndpoint[];
}

/**
 * The policy's minimum threshold: as given; else the descriptor's defaultThreshold; else 2 (1 for
 * a one-node cluster). The quorum rule holds against minThreshold − 1 liars, so a production
 * descriptor states it (`splitkey cluster init` and `splitkey dev` write it).
 */
export function minThresholdOf(d: ClusterDescriptor): number {
  return d.minThreshold ?? d.defaultThreshold ?? Math.min(2, d.nodes.length);
}

/** Silent nodes every version must survive: as given, else minThreshold − 1. A t-of-n set needs n ≥ t + this. */
export function faultToleranceOf(d: ClusterDescriptor): number {
  return d.faultTolerance ?? minThresholdOf(d) - 1;
}

export function parseDescriptor(raw: unknown, source = 'cluster descriptor'): ClusterDescriptor {
  const c = raw as Partial<ClusterDescriptor> | null;
  if (!c || typeof c !== 'object' || !Array.isArray(c.nodes) || c.nodes.length === 0) {
    throw new ConfigError(`${source}: expected an object with a non-empty "nodes" array`);
  }
  const seen = new Set<number>();
  for (const n of c.nodes) {
    if (!n || !Number.isInteger(n.index) || n.index < 1 || n.index > 255) throw new ConfigError(`${source}: node index must be an integer in [1, 255]`);
    if (seen.has(n.index)) throw new ConfigError(`${source}: node index ${n.index} appears twice`);
    seen.add(n.index);
    if (typeof n.address !== 'string' || !/^(\[[^\]]+\]|[^:[\]]+):\d{1,5}$/.test(n.address)) throw new ConfigError(`${source}: node ${n.index} address must be host:port`);
    if (n.identity !== undefined && n.identity !== nodeIdentity(n.index)) {
      throw new ConfigError(`${source}: node ${n.index} identity must be ${nodeIdentity(n.index)} (the URI SAN of its certificate), got ${JSON.stringify(n.identity)}`);
    }
  }
  if (c.minThreshold !== undefined && (!Number.isInteger(c.minThreshold) || c.minThreshold < 1 || c.minThreshold > c.nodes.length)) {
    throw new ConfigError(`${source}: minThreshold must be an integer in [1, ${c.nodes.length}]`);
  }
  if (c.defaultThreshold !== undefined && (!Number.isInteger(c.defaultThreshold) || c.defaultThreshold < 1 || c.defaultThreshold > c.nodes.length)) {
    throw new ConfigError(`${source}: defaultThreshold must be an integer in [1, ${c.nodes.length}]`);
  }
  if (c.minThreshold !== undefined && c.defaultThreshold !== undefined && c.defaultThreshold < c.minThreshold) {
    throw new ConfigError(`${source}: defaultThreshold ${c.defaultThreshold} is below minThreshold ${c.minThreshold}`);
  }
  if (c.faultTolerance !== undefined) {
    const max = (c.minThreshold ?? c.defaultThreshold ?? Math.min(2, c.nodes.length)) - 1;
    if (!Number.isInteger(c.faultTolerance) || c.faultTolerance < 0 || c.faultTolerance > max) {
      throw new ConfigError(`${source}: faultTolerance must be an integer in [0, ${max}] (at most minThreshold − 1)`);
    }
  }
  if (c.lifecycleQuorum !== undefined && typeof c.lifecycleQuorum !== 'boolean') throw new ConfigError(`${source}: lifecycleQuorum must be true or false`);
  return {
    name: c.name,
    insecureLoopback: c.insecureLoopback === true,
    defaultThreshold: c.defaultThreshold,
    minThreshold: c.minThreshold,
    ...(c.faultTolerance !== undefined ? { faultTolerance: c.faultTolerance } : {}),
    ...(c.lifecycleQuorum ? { lifecycleQuorum: true } : {}),
    nodes: c.nodes.map((n) => ({ index: n.index, address: n.address, domain: n.domain, identity: nodeIdentity(n.index) })),
  };
}

export async function loadDescriptor(path: string): Promise<ClusterDescriptor> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path, 'utf8'));
  } catch (e) {
    throw new ConfigError(`cannot read cluster descriptor ${path}: ${(e as Error).message}`);
  }
  return parseDescriptor(raw, path);
}

/**
 * Failure-domain check (DESIGN.md "Failure domains"): no domain may hold t or more of the
 * version's nodes, and losing any one domain must leave t nodes. Returns the problems found.
 */
export function checkFailureDomains(nodes: NodeEndpoint[], t: number): string[] {
  const byDomain = new Map<string, number>();
  for (const n of nodes) byDomain.set(n.domain ?? `node-${n.index}`, (byDomain.get(n.domain ?? `node-${n.index}`) ?? 0) + 1);
  const problems: string[] = [];
  for (const [domain, count] of byDomain) {
    if (count >= t) problems.push(`domain ${domain} holds ${count} shares (≥ t = ${t}): it alone could reconstruct the key`);
    if (nodes.length - count < t) problems.push(`losing domain ${domain} leaves ${nodes.length - count} nodes (< t = ${t}): service stops`);
  }
  return problems;
}

/**
 * The union of two descriptors (resharing to another cluster): every node of both, by index.
 * The same index with a different address is refused — Shamir indices must stay unique.
 */
export function mergeDescriptors(a: ClusterDescriptor, b: ClusterDescriptor): ClusterDescriptor {
  const nodes = [...a.nodes];
  for (const n of b.nodes) {
    const same = nodes.find((m) => m.index === n.index);
    if (!same) nodes.push(n);
    else if (same.address !== n.address) throw new ConfigError(`node index ${n.index} is ${same.address} in one descriptor and ${n.address} in the other; indices must be unique across both`);
  }
  const minThreshold = Math.max(minThresholdOf(a), minThresholdOf(b));
  const faultTolerance = Math.max(faultToleranceOf(a), faultToleranceOf(b));
  return { name: b.name ?? a.name, insecureLoopback: a.insecureLoopback && b.insecureLoopback, defaultThreshold: b.defaultThreshold, minThreshold, faultTolerance, ...(a.lifecycleQuorum || b.lifecycleQuorum ? { lifecycleQuorum: true } : {}), nodes: nodes.sort((x, y) => x.index - y.index) };
}
