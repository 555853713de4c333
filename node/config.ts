/**
 * Node configuration: a JSON file, validated field by field with clear errors. Relative paths
 * are resolved against the file's directory.
 *
 * {
 *   "index": 1,                                  // Shamir index of this node, 1..255
 *   "listen": "127.0.0.1:7001",                  // gRPC address (port 0 = any free port)
 *   "dataDir": "data",                           // LevelDB directory
 *   "tls": { "ca": "ca.crt", "cert": "node.crt", "key": "node.key" },
 *   "insecureLoopback": false,                   // dev only: plaintext, loopback bind only
 *   "seal": { "keyFile": "seal.key" }            // or { "keyEnv": "VAR" } | { "passphraseEnv": "VAR" } | { "passphraseFile": "f" }
 *   "metrics": { "listen": "127.0.0.1:9101" },   // optional Prometheus endpoint
 *   "limits": { "maxMessageBytes": 65536, "maxBatch": 1024, "ratePerSecond": 2000, "burst": 4096,
 *               "queryWarnAt": 4294967296, "queryLimit": 1099511627776, "refuseOverBudget": true,
 *               "evaluateThreads": -1, "maxQueuedElements": 8192, "maxQueuedElementsPerTenant": 4096,
 *               "handshakeTimeoutMs": 10000, "idleTimeoutMs": 120000, "maxConnections": 512 },
 *   "shutdownGraceMs": 10000,
 *   "cluster": "cluster.json",                   // the node's own cluster descriptor: peer addresses, minThreshold
 *   "allowImport": true,                         // false: refuse ImportShare (every key came from a DKG)
 *   "refreshSchedule": { "intervalMinutes": 1440, "cluster": "cluster.json",   // optional: this node
 *                        "adminCert": "admin.crt", "adminKey": "admin.key" } //  coordinates refreshes
 * }
 */
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import type { SealSource } from './seal.js';

export interface Limits {
  maxMessageBytes: number;
  maxBatch: number;
  ratePerSecond: number;
  burst: number;
  queryWarnAt: number;
  queryLimit: number;
  refuseOverBudget: boolean;
  /** Evaluate work (see node/evaluate-pool.ts): worker threads, queued elements in all and per tenant. */
  evaluateThreads: number;
  maxQueuedElements: number;
  maxQueuedElementsPerTenant: number;
  /** Connections (see node/server.ts): TLS handshake and idle timeouts, open connections at most. */
  handshakeTimeoutMs: number;
  idleTimeoutMs: number;
  maxConnections: number;
}

/**
 * Proactive refresh on a schedule: the node holding this section coordinates a refresh of every
 * live version of every key it holds, every `intervalMinutes`, with the admin certificate given
 * here (set it on one node only). The CA is the node's own TLS CA.
 */
export interface RefreshSchedule {
  intervalMinutes: number;
  cluster: string;
  adminCert: string;
  adminKey: string;
}

export interface NodeConfig {
  index: number;
  listen: string;
  dataDir: string;
  tls?: { ca: string; cert: string; key: string };
  insecureLoopback: boolean;
  seal: SealSource;
  metrics?: { listen: string };
  limits: Limits;
  shutdownGraceMs: number;
  refreshSchedule?: RefreshSchedule;
  /**
   * The cluster descriptor this node trusts for peer addresses and the policy's minThreshold
   * (node/cluster-view.ts). Needed for lifecycle operations (DKG, refresh, reshare).
   */
  cluster?: string;
  /** Whether ImportShare (a dealer split of a known secret) is allowed. Default true. */
  allowImport: boolean;
}

/**
 * Evaluate costs two scalar multiplications per element plus a few per request. Measured with
 * the node's own worker pool (node/evaluate-pool.ts) on the 2-vCPU Xeon VM of the benchmarks:
 * about 1,750 elements per CPU-second at batch 1,024 and 1,600 at batch 64 while the machine
 * was shared (load average 8–9); `npm run bench:crypto` on the idle machine: 4,061/s at batch 64,
 * 2,071/s at batch 1. So one worker (the default on 2 cores) evaluates 2,000–4,000 elements/s:
 * one identity may use about that much (bursts of four full batches), and the queue holds a
 * second or two of a worker's work per tenant, a few seconds in all.
 */
export const DEFAULT_LIMITS: Limits = {
  maxMessageBytes: 64 * 1024,
  maxBatch: 1024,
  ratePerSecond: 2_000,
  burst: 4_096,
  // RFC 9497 §7.2.3: warn at 2^32 evaluations of one key version, refuse past 2^40 (rotate
  // before then; `key rotate` makes a new version with a fresh budget).
  queryWarnAt: 2 ** 32,
  queryLimit: 2 ** 40,
  refuseOverBudget: true,
  evaluateThreads: -1,
  maxQueuedElements: 8_192,
  maxQueuedElementsPerTenant: 4_096,
  handshakeTimeoutMs: 10_000,
  idleTimeoutMs: 120_000,
  maxConnections: 512,
};

export class ConfigError extends Error {
  readonly code = 'CONFIG_ERROR';
  constructor(field: string, reason: string) {
    super(`config ${field}: ${reason}`);
    this.name = 'ConfigError';
  }
}

type Json = Record<string, unknown>;

function int(obj: Json, field: string, min: number, max: number, fallback?: number): number {
  const v = obj[field] ?? fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new ConfigError(field, `must be an integer in [${min}, ${max}]`);
  }
  return v;
}

function str(obj: Json, field: string): string {
  const v = obj[field];
  if (typeof v !== 'string' || v.length === 0) throw new ConfigError(field, 'must be a non-empty string');
  return v;
}

/** Split "host:port" / "[v6]:port". */
export function parseHostPort(address: string, field = 'listen'): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(address);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new ConfigError(field, `expected host:port or [v6]:port, got ${JSON.stringify(address)}`);
  return { host: (m[1] ?? m[2])!, port };
}

export const isLoopbackHost = (host: string): boolean => host === '127.0.0.1' || host === '::1';

/** Validate a parsed config object; `base` resolves relative paths. */
export function parseNodeConfig(raw: unknown, base: string): NodeConfig {
  if (typeof raw !== 'object' || raw === null) throw new ConfigError('(root)', 'must be a JSON object');
  const c = raw as Json;
  const path = (p: string) => (isAbsolute(p) ? p : resolve(base, p));
  const insecureLoopback = c.insecureLoopback === true;
  const listen = str(c, 'listen');
  const { host } = parseHostPort(listen);
  if (insecureLoopback && !isLoopbackHost(host)) {
    throw new ConfigError('insecureLoopback', `plaintext is allowed only on 127.0.0.1 or ::1, not ${host}`);
  }
  let tls: NodeConfig['tls'];
  if (c.tls !== undefined) {
    const t = c.tls as Json;
    tls = { ca: path(str(t, 'ca')), cert: path(str(t, 'cert')), key: path(str(t, 'key')) };
  } else if (!insecureLoopback) {
    throw new ConfigError('tls', 'is required (mTLS is the default; insecureLoopback is for development only)');
  }
  const s = c.seal as Json | undefined;
  let seal: SealSource;
  if (!s || typeof s !== 'object') throw new ConfigError('seal', 'is required');
  if (typeof s.keyFile === 'string') seal = { keyFile: path(s.keyFile) };
  else if (typeof s.keyEnv === 'string') seal = { keyEnv: s.keyEnv };
  else if (typeof s.passphraseEnv === 'string') seal = { passphraseEnv: s.passphraseEnv };
  else if (typeof s.passphraseFile === 'string') seal = { passphraseFile: path(s.passphraseFile) };
  else throw new ConfigError('seal', 'needs keyFile, keyEnv, passphraseEnv or passphraseFile');
  const l = (c.limits ?? {}) as Json;
  const d = DEFAULT_LIMITS;
  const limits: Limits = {
    maxMessageBytes: int(l, 'maxMessageBytes', 1024, 64 * 1024 * 1024, d.maxMessageBytes),
    maxBatch: int(l, 'maxBatch', 1, 65535, d.maxBatch),
    ratePerSecond: int(l, 'ratePerSecond', 1, 1e9, d.ratePerSecond),
    burst: int(l, 'burst', 1, 1e9, d.burst),
    queryWarnAt: int(l, 'queryWarnAt', 1, Number.MAX_SAFE_INTEGER, d.queryWarnAt),
    queryLimit: int(l, 'queryLimit', 1, Number.MAX_SAFE_INTEGER, d.queryLimit),
    refuseOverBudget: l.refuseOverBudget === undefined ? d.refuseOverBudget : l.refuseOverBudget === true,
    evaluateThreads: int(l, 'evaluateThreads', -1, 64, d.evaluateThreads),
    maxQueuedElements: int(l, 'maxQueuedElements', 1, 1e9, d.maxQueuedElements),
    maxQueuedElementsPerTenant: int(l, 'maxQueuedElementsPerTenant', 1, 1e9, d.maxQueuedElementsPerTenant),
    handshakeTimeoutMs: int(l, 'handshakeTimeoutMs', 100, 600_000, d.handshakeTimeoutMs),
    idleTimeoutMs: int(l, 'idleTimeoutMs', 100, 86_400_000, d.idleTimeoutMs),
    maxConnections: int(l, 'maxConnections', 1, 1e6, d.maxConnections),
  };
  let metrics: NodeConfig['metrics'];
  if (c.metrics !== undefined) {
    const m = c.metrics as Json;
    parseHostPort(str(m, 'listen'), 'metrics.listen');
    metrics = { listen: m.listen as string };
  }
  let refreshSchedule: RefreshSchedule | undefined;
  if (c.refreshSchedule !== undefined) {
    const r = c.refreshSchedule as Json;
    if (!tls) throw new ConfigError('refreshSchedule', 'needs mTLS (the coordinator uses an admin certificate)');
    refreshSchedule = {
      intervalMinutes: int(r, 'intervalMinutes', 1, 525_600),
      cluster: path(str(r, 'cluster')),
      adminCert: path(str(r, 'adminCert')),
      adminKey: path(str(r, 'adminKey')),
    };
  }
  if (c.cluster !== undefined) str(c, 'cluster');
  if (c.allowImport !== undefined && typeof c.allowImport !== 'boolean') throw new ConfigError('allowImport', 'must be true or false');
  return {
    refreshSchedule,
    cluster: c.cluster === undefined ? undefined : path(c.cluster as string),
    allowImport: c.allowImport !== false,
    index: int(c, 'index', 1, 255),
    listen,
    dataDir: path(str(c, 'dataDir')),
    tls,
    insecureLoopback,
    seal,
    metrics,
    limits,
    shutdownGraceMs: int(c, 'shutdownGraceMs', 0, 600_000, 10_000),
  };
}

export async function loadNodeConfig(file: string): Promise<NodeConfig> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (e) {
    throw new ConfigError(file, `cannot be read as JSON: ${(e as Error).message}`);
  }
  return parseNodeConfig(raw, dirname(resolve(file)));
}
