/**
 * The cluster descriptor (cluster.json): which nodes exist, where, and in which failure domain.
 *
 * { "name": "dev", "insecureLoopback": false,
 *   "defaultThreshold": 3,
 *   "nodes": [ { "index": 1, "address": "127.0.0.1:7001", "domain": "cloud-a" }, … ] }
 */
import { readFile } from 'node:fs/promises';
import { ConfigError } from './errors.js';

export interface NodeEndpoint {
  index: number;
  address: string;
  domain?: string;
}

export interface ClusterDescriptor {
  name?: string;
  insecureLoopback?: boolean;
  /** Threshold used for new keys when none is given (written by `splitkey dev`). */
  defaultThreshold?: number;
  nodes: NodeEndpoint[];
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
  }
  if (c.defaultThreshold !== undefined && (!Number.isInteger(c.defaultThreshold) || c.defaultThreshold < 1 || c.defaultThreshold > c.nodes.length)) {
    throw new ConfigError(`${source}: defaultThreshold must be an integer in [1, ${c.nodes.length}]`);
  }
  return { name: c.name, insecureLoopback: c.insecureLoopback === true, defaultThreshold: c.defaultThreshold, nodes: c.nodes.map((n) => ({ index: n.index, address: n.address, domain: n.domain })) };
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
  return { name: b.name ?? a.name, insecureLoopback: a.insecureLoopback && b.insecureLoopback, defaultThreshold: b.defaultThreshold, nodes: nodes.sort((x, y) => x.index - y.index) };
}
