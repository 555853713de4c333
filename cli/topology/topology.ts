/**
 * The topology file (YAML): where every node of a cluster lives, and the cluster's policy. One
 * file drives `splitkey cluster plan` (layout check), `splitkey cluster init` (bundles,
 * credentials, per-cloud deployment files) and the network-namespace test lab.
 *
 *   name: prod
 *   threshold: 3                # t of new keys; also the descriptor's minThreshold unless given
 *   faultTolerance: 2           # silent nodes every key must survive (default minThreshold − 1):
 *                               # the cluster needs at least threshold + faultTolerance nodes
 *   lifecycleQuorum: true       # refresh/reshare need ⌈(n + t)/2⌉ participants, t the version's
 *                               # threshold (no forks from one record; docs/fork-prevention.md);
 *                               # default false
 *   port: 7001                  # gRPC (mTLS) port of every node; metricsPort: 9101
 *   image: registry.example/splitkey:0.1.0
 *   operatorCidrs: [198.51.100.0/24]   # where admins (and the refresh scheduler's node) connect from
 *   clientCidrs: [203.0.113.0/24]      # where appliances connect from
 *   tenants: [acme]                    # a client certificate is issued per tenant
 *   refresh: { node: 1, intervalMinutes: 1440 }
 *   clouds:
 *     - name: aws                       # a cloud is a failure domain
 *       cidr: 10.61.0.0/24              # where its nodes' traffic comes from (egress / lab subnet)
 *       kubernetes: { namespace: splitkey, storageClass: retain-ssd, storage: 1Gi }
 *       nodes:
 *         - { index: 1, host: node1.aws.splitkey.example, ip: 10.61.0.11 }
 *
 * Every field is checked; an unknown field is refused (a typo must not silently fall back to a
 * default). Errors are plain sentences naming the field.
 */
import { isIP } from 'node:net';
import { parse as parseYaml } from 'yaml';
import { checkFailureDomains } from '../../client/descriptor.js';

/** Where a node's bundle is mounted in a container (read-only), and where its data lives. */
export const BUNDLE_MOUNT = '/etc/splitkey';
export const DATA_DIR = '/var/lib/splitkey';

export interface TopologyNode {
  index: number;
  /** DNS name every other node, operator and appliance dials (the descriptor's address host). */
  host: string;
  /** Optional IP address (certificate SAN; lab address). */
  ip?: string;
  /** Extra DNS names for the certificate (e.g. an internal Service name). */
  altNames: string[];
}

export interface KubernetesTarget {
  namespace: string;
  storageClass?: string;
  storage: string;
}

export interface Cloud {
  name: string;
  cidr?: string;
  kubernetes: KubernetesTarget;
  nodes: TopologyNode[];
}

export interface Topology {
  name: string;
  threshold: number;
  minThreshold: number;
  /** The descriptor's faultTolerance (default minThreshold − 1): a t-of-n key needs n ≥ t + this. */
  faultTolerance: number;
  /** The descriptor's lifecycleQuorum (default false). */
  lifecycleQuorum: boolean;
  port: number;
  metricsPort: number;
  image: string;
  shutdownGraceMs: number;
  operatorCidrs: string[];
  clientCidrs: string[];
  monitoringCidrs: string[];
  tenants: string[];
  refresh?: { node: number; intervalMinutes: number };
  clouds: Cloud[];
}

export class TopologyError extends Error {
  readonly code = 'TOPOLOGY_ERROR';
  constructor(message: string) {
    super(message);
    this.name = 'TopologyError';
  }
}

type Json = Record<string, unknown>;

const NAME_RE = /^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$/;
const DNS_RE = /^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
const QUANTITY_RE = /^[0-9]+(Mi|Gi|Ti)$/;

function object(v: unknown, where: string, known: readonly string[]): Json {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new TopologyError(`${where} must be a mapping (key: value)`);
  for (const k of Object.keys(v)) {
    if (!known.includes(k)) throw new TopologyError(`${where}: unknown field "${k}"; the known fields are ${known.join(', ')}`);
  }
  return v as Json;
}

function int(o: Json, field: string, where: string, min: number, max: number, fallback?: number): number {
  const v = o[field] ?? fallback;
  if (v === undefined) throw new TopologyError(`${where}.${field} is missing: give an integer in [${min}, ${max}]`);
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new TopologyError(`${where}.${field} must be an integer in [${min}, ${max}], got ${JSON.stringify(v)}`);
  }
  return v;
}

function text(o: Json, field: string, where: string, re?: RegExp, what?: string, fallback?: string): string {
  const v = o[field] ?? fallback;
  if (v === undefined) throw new TopologyError(`${where}.${field} is missing${what ? `: give ${what}` : ''}`);
  if (typeof v !== 'string' || v.length === 0 || (re && !re.test(v))) {
    throw new TopologyError(`${where}.${field} must be ${what ?? 'a non-empty string'}, got ${JSON.stringify(v)}`);
  }
  return v;
}

function cidr(v: unknown, where: string): string {
  const m = typeof v === 'string' ? /^([^/]+)\/(\d{1,3})$/.exec(v) : null;
  const family = m ? isIP(m[1]!) : 0;
  if (!m || family === 0 || Number(m[2]) > (family === 4 ? 32 : 128)) {
    throw new TopologyError(`${where} must be a CIDR such as 10.61.0.0/24, got ${JSON.stringify(v)}`);
  }
  return v as string;
}

function list<T>(o: Json, field: string, where: string, item: (v: unknown, where: string) => T): T[] {
  const v = o[field];
  if (v === undefined) return [];
  if (!Array.isArray(v)) throw new TopologyError(`${where}.${field} must be a list`);
  return v.map((x, i) => item(x, `${where}.${field}[${i}]`));
}

function parseNode(v: unknown, where: string): TopologyNode {
  const o = object(v, where, ['index', 'host', 'ip', 'altNames']);
  const host = text(o, 'host', where, DNS_RE, 'the DNS name other nodes and clients dial (not an IP address: TLS names a server by DNS name)');
  if (isIP(host) !== 0) throw new TopologyError(`${where}.host must be a DNS name, not the IP address ${host}; put the address in ${where}.ip and a name in /etc/hosts or DNS`);
  const ip = o.ip === undefined ? undefined : text(o, 'ip', where);
  if (ip !== undefined && isIP(ip) === 0) throw new TopologyError(`${where}.ip must be an IP address, got ${JSON.stringify(ip)}`);
  const altNames = list(o, 'altNames', where, (x, w) => {
    if (typeof x !== 'string' || !DNS_RE.test(x)) throw new TopologyError(`${w} must be a DNS name, got ${JSON.stringify(x)}`);
    return x;
  });
  return { index: int(o, 'index', where, 1, 255), host: host.toLowerCase(), ip, altNames };
}

function parseCloud(v: unknown, where: string): Cloud {
  const o = object(v, where, ['name', 'cidr', 'kubernetes', 'nodes']);
  const name = text(o, 'name', where, NAME_RE, 'a short lower-case name (letters, digits, dashes)');
  const k = object(o.kubernetes ?? {}, `${where}.kubernetes`, ['namespace', 'storageClass', 'storage']);
  const kubernetes: KubernetesTarget = {
    namespace: text(k, 'namespace', `${where}.kubernetes`, NAME_RE, 'a Kubernetes namespace name', 'splitkey'),
    storageClass: k.storageClass === undefined ? undefined : text(k, 'storageClass', `${where}.kubernetes`, NAME_RE, 'a StorageClass name'),
    storage: text(k, 'storage', `${where}.kubernetes`, QUANTITY_RE, 'a size such as 1Gi', '1Gi'),
  };
  const nodes = list(o, 'nodes', where, parseNode);
  if (nodes.length === 0) throw new TopologyError(`${where}.nodes is empty: a cloud needs at least one node (or remove the cloud)`);
  return { name, cidr: o.cidr === undefined ? undefined : cidr(o.cidr, `${where}.cidr`), kubernetes, nodes };
}

/** Parse and check a topology (structure only; `checkLayout` applies the failure-domain rule). */
export function parseTopology(source: string, file = 'topology'): Topology {
  let raw: unknown;
  try {
    raw = parseYaml(source);
  } catch (e) {
    throw new TopologyError(`${file} is not valid YAML: ${(e as Error).message}`);
  }
  const where = file;
  const o = object(raw, where, [
    'name', 'threshold', 'minThreshold', 'faultTolerance', 'lifecycleQuorum', 'port', 'metricsPort', 'image', 'shutdownGraceMs',
    'operatorCidrs', 'clientCidrs', 'monitoringCidrs', 'tenants', 'refresh', 'clouds',
  ]);
  const clouds = list(o, 'clouds', where, parseCloud);
  if (clouds.length === 0) throw new TopologyError(`${where}.clouds is missing or empty: list the clouds (failure domains) and their nodes`);
  const nodes = clouds.flatMap((c) => c.nodes);
  const seen = new Map<string, string>();
  for (const c of clouds) {
    if (seen.has(`cloud:${c.name}`)) throw new TopologyError(`${where}: cloud "${c.name}" is listed twice; give each cloud one entry`);
    seen.set(`cloud:${c.name}`, c.name);
    for (const n of c.nodes) {
      for (const [kind, value] of [['index', String(n.index)], ['host', n.host], ['ip', n.ip]] as const) {
        if (value === undefined) continue;
        const other = seen.get(`${kind}:${value}`);
        if (other) throw new TopologyError(`${where}: node ${kind} ${value} is used in cloud ${other} and again in cloud ${c.name}; every node needs its own ${kind}`);
        seen.set(`${kind}:${value}`, c.name);
      }
    }
  }
  const threshold = int(o, 'threshold', where, 1, nodes.length);
  const minThreshold = int(o, 'minThreshold', where, 1, threshold, threshold);
  const faultTolerance = int(o, 'faultTolerance', where, 0, minThreshold - 1, minThreshold - 1);
  const tenants = list(o, 'tenants', where, (x, w) => {
    if (typeof x !== 'string' || !/^[a-z0-9][a-z0-9._-]{0,62}$/.test(x)) throw new TopologyError(`${w} must be a tenant name ([a-z0-9][a-z0-9._-]*), got ${JSON.stringify(x)}`);
    return x;
  });
  let refresh: Topology['refresh'];
  if (o.refresh !== undefined) {
    const r = object(o.refresh, `${where}.refresh`, ['node', 'intervalMinutes']);
    refresh = { node: int(r, 'node', `${where}.refresh`, 1, 255), intervalMinutes: int(r, 'intervalMinutes', `${where}.refresh`, 1, 525_600, 1440) };
    if (!nodes.some((n) => n.index === refresh!.node)) throw new TopologyError(`${where}.refresh.node is ${refresh.node}, which is not a node of this topology; name the index of the node that schedules refreshes`);
  }
  if (o.lifecycleQuorum !== undefined && typeof o.lifecycleQuorum !== 'boolean') throw new TopologyError(`${where}.lifecycleQuorum must be true or false, got ${JSON.stringify(o.lifecycleQuorum)}`);
  const port = int(o, 'port', where, 1, 65535, 7001);
  const metricsPort = int(o, 'metricsPort', where, 1, 65535, 9101);
  if (port === metricsPort) throw new TopologyError(`${where}.metricsPort must differ from port (${port})`);
  return {
    name: text(o, 'name', where, NAME_RE, 'a short lower-case cluster name'),
    threshold,
    minThreshold,
    faultTolerance,
    lifecycleQuorum: o.lifecycleQuorum === true,
    port,
    metricsPort,
    image: text(o, 'image', where, undefined, 'a container image reference', 'splitkey:0.1.0'),
    shutdownGraceMs: int(o, 'shutdownGraceMs', where, 0, 600_000, 10_000),
    operatorCidrs: list(o, 'operatorCidrs', where, cidr),
    clientCidrs: list(o, 'clientCidrs', where, cidr),
    monitoringCidrs: list(o, 'monitoringCidrs', where, cidr),
    tenants,
    refresh,
    clouds,
  };
}

export const allNodes = (t: Topology): (TopologyNode & { cloud: Cloud })[] =>
  t.clouds.flatMap((cloud) => cloud.nodes.map((n) => ({ ...n, cloud }))).sort((a, b) => a.index - b.index);

/**
 * The failure-domain rule (DESIGN.md "Failure domains"), for the smallest threshold the policy
 * allows (no domain may hold that many shares) and for the default one (losing any domain must
 * leave that many nodes). Returns the problems as sentences; empty means the layout is sound.
 */
export function checkLayout(t: Topology): string[] {
  const endpoints = allNodes(t).map((n) => ({ index: n.index, address: `${n.host}:${t.port}`, domain: n.cloud.name }));
  const problems = new Set<string>();
  for (const p of checkFailureDomains(endpoints, t.minThreshold)) if (p.includes('could reconstruct')) problems.add(p);
  for (const p of checkFailureDomains(endpoints, t.threshold)) problems.add(p);
  const n = endpoints.length;
  if (n < t.threshold + t.faultTolerance) {
    problems.add(
      `${n} nodes cannot hold ${t.threshold}-of-${n} keys that survive ${t.faultTolerance} silent nodes (faultTolerance, default minThreshold − 1): every node refuses a key with fewer than threshold + faultTolerance = ${t.threshold + t.faultTolerance} nodes; add nodes, lower the threshold, or set faultTolerance (0..${t.minThreshold - 1})`,
    );
  }
  if (t.clouds.length < 2) problems.add(`only one cloud (${t.clouds[0]!.name}): a single provider holds every share; spread the nodes over at least three clouds`);
  return [...problems];
}

/** The domain × node matrix `cluster plan` prints, with each domain's share count and what losing it leaves. */
export function renderMatrix(t: Topology): string {
  const nodes = allNodes(t);
  const total = nodes.length;
  const cloudWidth = Math.max(5, ...t.clouds.map((c) => c.name.length));
  const cols = nodes.map((n) => `n${n.index}`);
  const colWidth = Math.max(3, ...cols.map((c) => c.length));
  const pad = (s: string, w: number) => s.padEnd(w);
  const lines = [
    `${pad('cloud', cloudWidth)}  ${cols.map((c) => pad(c, colWidth)).join(' ')}  shares  if lost  verdict`,
  ];
  for (const c of t.clouds) {
    const held = c.nodes.length;
    const left = total - held;
    const verdict = held >= t.minThreshold ? `holds ≥ t=${t.minThreshold}` : left < t.threshold ? `leaves < t=${t.threshold}` : 'ok';
    const cells = nodes.map((n) => pad(n.cloud === c ? '■' : '·', colWidth)).join(' ');
    lines.push(`${pad(c.name, cloudWidth)}  ${cells}  ${String(held).padStart(6)}  ${String(left).padStart(6)}  ${verdict}`);
  }
  lines.push(`${total} nodes, t = ${t.threshold}${t.minThreshold !== t.threshold ? ` (policy minThreshold ${t.minThreshold})` : ''}; any ${t.threshold} answer, ${t.minThreshold - 1} together learn nothing`);
  return lines.join('\n');
}
