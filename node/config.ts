/**
 * Node configuration: a JSON file, validated against a strict schema (an unknown field, such
 * as a typo, is refused with the known name it most likely meant). Relative paths are resolved
 * against the file's directory.
 *
 * {
 *   "index": 1,                                  // Shamir index of this node, 1..255
 *   "listen": "127.0.0.1:7001",                  // gRPC address (port 0 = any free port)
 *   "dataDir": "data",                           // LevelDB directory
 *   "tls": { "ca": "ca.crt", "cert": "node.crt", "key": "node.key" },
 *   "insecureLoopback": false,                   // dev only: plaintext, loopback bind only
 *   "seal": { "keyFile": "seal.key" }            // or { "keyEnv": "VAR" } | { "passphraseEnv": "VAR" } | { "passphraseFile": "f" }
 *   "metrics": { "listen": "127.0.0.1:9101" },   // optional Prometheus endpoint
 *   "limits": { "maxMessageBytes": 65536, "maxBatch": 1024,
 *               "ratePerSecond": 4000, "burst": 8192,   // unset: by backend, native 4000/8192, wasm 2000/4096
 *               "queryWarnAt": 4294967296, "queryLimit": 1099511627776, "refuseOverBudget": true,
 *               "evaluateThreads": -1, "maxQueuedElements": 8192, "maxQueuedElementsPerTenant": 4096,
 *               "handshakeTimeoutMs": 10000, "idleTimeoutMs": 120000, "maxConnections": 512 },
 *   "shutdownGraceMs": 10000,
 *   "cluster": "cluster.json",                   // the node's own cluster descriptor: peer addresses, minThreshold
 *   "allowImport": true,                         // false: refuse ImportShare (every key came from a DKG)
 *   "reconcileSeconds": 300,                     // how often to ask the peers whether a held version moved on (0 = only at start)
 *   "refreshSchedule": { "intervalMinutes": 1440, "cluster": "cluster.json",   // optional: this node
 *                        "adminCert": "admin.crt", "adminKey": "admin.key" } //  coordinates refreshes
 * }
 */
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { boolField, describeIssues, intField, stringField } from './config-issues.js';
import type { BackendName } from '../crypto/index.js';
import type { SealSource } from './seal.js';

export interface Limits {
  maxMessageBytes: number;
  maxBatch: number;
  /**
   * Per-identity token bucket (elements/s, largest burst). Unset: sized by the node's group
   * backend at start (`defaultRateLimit`); set either to fix it.
   */
  ratePerSecond?: number;
  burst?: number;
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
  /**
   * Every this many seconds (and once at start) the node asks its peers whether a version it holds
   * moved on to a newer epoch it missed, and erases the stale share (node/reconcile.ts). 0: only at
   * start. Default 300.
   */
  reconcileSeconds: number;
}

/**
 * Evaluate costs two scalar multiplications per element plus a few per request. One evaluation
 * worker (the default on 2 cores) of the benchmark VM (2-vCPU AMD EPYC, `npm run bench`, node CPU
 * per element priced with each backend) evaluates about 13,000 elements/s natively (libdecaf,
 * batch 256; ~3,700/s at batch 1) and about 5,000/s on libsodium's wasm build (~2,400/s at
 * batch 1); under heavy shared load earlier runs saw less than half of that. Hence the per-identity
 * rate (`defaultRateLimit`): about what one worker does at batch 1 on the idle machine (lone
 * requests run on the event loop, so one identity sending them at the limit keeps about one core
 * busy), a third to a half of its batched rate (one appliance's batched load, ~2,300 elements/s
 * per node in the benchmark, is not refused), with a bucket of eight full batches; the queues hold
 * a second or two of a worker's work per tenant.
 */
/** The per-identity rate limit when the configuration sets neither `ratePerSecond` nor `burst` (see above). */
export function defaultRateLimit(backend: BackendName): { ratePerSecond: number; burst: number } {
  return backend === 'native' ? { ratePerSecond: 4_000, burst: 8_192 } : { ratePerSecond: 2_000, burst: 4_096 };
}

/**
 * The rate limit a node enforces: its backend's default when the config sets neither value. A
 * config that sets one of them keeps the other at its backend-independent value (2,000/s, burst
 * 4,096), as before the default depended on the backend: tightening one knob never loosens the other.
 */
export function effectiveRateLimit(limits: Limits, backend: BackendName): { ratePerSecond: number; burst: number } {
  if (limits.ratePerSecond === undefined && limits.burst === undefined) return defaultRateLimit(backend);
  const fixed = defaultRateLimit('sodium');
  return { ratePerSecond: limits.ratePerSecond ?? fixed.ratePerSecond, burst: limits.burst ?? fixed.burst };
}

export const DEFAULT_LIMITS: Limits = {
  maxMessageBytes: 64 * 1024,
  maxBatch: 1024,
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
    super(field ? `config ${field}: ${reason}` : `config: ${reason}`);
    this.name = 'ConfigError';
  }
}

/** Split "host:port" / "[v6]:port". */
export function parseHostPort(address: string, field = 'listen'): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(address);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new ConfigError(field, `expected host:port or [v6]:port, got ${JSON.stringify(address)}`);
  return { host: (m[1] ?? m[2])!, port };
}

export const isLoopbackHost = (host: string): boolean => host === '127.0.0.1' || host === '::1';

const hostPort = () => stringField().refine((v) => /^(?:\[[^\]]+\]|[^:[\]]+):\d{1,5}$/.test(v) && Number(v.slice(v.lastIndexOf(':') + 1)) <= 65535, 'must be host:port or [v6]:port');

/** The file's shape: every field known, every unknown one refused (a typo must not be ignored). */
export const NODE_CONFIG_SCHEMA = z
  .object({
    index: intField(1, 255),
    listen: hostPort(),
    dataDir: stringField(),
    tls: z.object({ ca: stringField(), cert: stringField(), key: stringField() }).strict().optional(),
    insecureLoopback: boolField().optional(),
    seal: z
      .object({ keyFile: stringField().optional(), keyEnv: stringField().optional(), passphraseEnv: stringField().optional(), passphraseFile: stringField().optional() })
      .strict()
      .refine((s) => Object.values(s).filter((v) => v !== undefined).length === 1, 'needs exactly one of keyFile, keyEnv, passphraseEnv and passphraseFile'),
    metrics: z.object({ listen: hostPort() }).strict().optional(),
    limits: z
      .object({
        maxMessageBytes: intField(1024, 64 * 1024 * 1024),
        maxBatch: intField(1, 65535),
        ratePerSecond: intField(1, 1e9),
        burst: intField(1, 1e9),
        queryWarnAt: intField(1, Number.MAX_SAFE_INTEGER),
        queryLimit: intField(1, Number.MAX_SAFE_INTEGER),
        refuseOverBudget: boolField(),
        evaluateThreads: intField(-1, 64),
        maxQueuedElements: intField(1, 1e9),
        maxQueuedElementsPerTenant: intField(1, 1e9),
        handshakeTimeoutMs: intField(100, 600_000),
        idleTimeoutMs: intField(100, 86_400_000),
        maxConnections: intField(1, 1e6),
      })
      .partial()
      .strict()
      .optional(),
    shutdownGraceMs: intField(0, 600_000).optional(),
    refreshSchedule: z.object({ intervalMinutes: intField(1, 525_600), cluster: stringField(), adminCert: stringField(), adminKey: stringField() }).strict().optional(),
    /** The node's own cluster descriptor: peer addresses, minThreshold. */
    cluster: stringField().optional(),
    /** false: refuse ImportShare (every key came from a DKG). Default true. */
    allowImport: boolField().optional(),
    /** Seconds between checks for versions that moved on without this node; 0 = only at start. */
    reconcileSeconds: intField(0, 86_400).optional(),
  })
  .strict();

/** Validate a parsed config object; `base` resolves relative paths. */
export function parseNodeConfig(raw: unknown, base: string): NodeConfig {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ConfigError('(root)', 'must be a JSON object');
  const parsed = NODE_CONFIG_SCHEMA.safeParse(raw);
  if (!parsed.success) {
    const problems = describeIssues(NODE_CONFIG_SCHEMA, parsed.error);
    throw new ConfigError('', problems.join('; '));
  }
  const c = parsed.data;
  const path = (p: string) => (isAbsolute(p) ? p : resolve(base, p));
  const insecureLoopback = c.insecureLoopback === true;
  const { host } = parseHostPort(c.listen);
  if (insecureLoopback && !isLoopbackHost(host)) {
    throw new ConfigError('insecureLoopback', `plaintext is allowed only on 127.0.0.1 or ::1, not ${host}`);
  }
  const tls = c.tls ? { ca: path(c.tls.ca), cert: path(c.tls.cert), key: path(c.tls.key) } : undefined;
  if (!tls && !insecureLoopback) throw new ConfigError('tls', 'is required (mTLS is the default; insecureLoopback is for development only)');
  const s = c.seal;
  const seal: SealSource =
    s.keyFile !== undefined ? { keyFile: path(s.keyFile) }
    : s.keyEnv !== undefined ? { keyEnv: s.keyEnv }
    : s.passphraseEnv !== undefined ? { passphraseEnv: s.passphraseEnv }
    : { passphraseFile: path(s.passphraseFile!) };
  if (c.refreshSchedule && !tls) throw new ConfigError('refreshSchedule', 'needs mTLS (the coordinator uses an admin certificate)');
  const r = c.refreshSchedule;
  return {
    cluster: c.cluster === undefined ? undefined : path(c.cluster),
    allowImport: c.allowImport !== false,
    reconcileSeconds: c.reconcileSeconds ?? 300,
    refreshSchedule: r ? { intervalMinutes: r.intervalMinutes, cluster: path(r.cluster), adminCert: path(r.adminCert), adminKey: path(r.adminKey) } : undefined,
    index: c.index,
    listen: c.listen,
    dataDir: path(c.dataDir),
    tls,
    insecureLoopback,
    seal,
    metrics: c.metrics,
    limits: { ...DEFAULT_LIMITS, ...c.limits },
    shutdownGraceMs: c.shutdownGraceMs ?? 10_000,
  };
}

export async function loadNodeConfig(file: string): Promise<NodeConfig> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (e) {
    throw new ConfigError(file, `cannot be read as JSON: ${(e as Error).message}`);
  }
  try {
    return parseNodeConfig(raw, dirname(resolve(file)));
  } catch (e) {
    if (e instanceof ConfigError) e.message = `node config ${file}: ${e.message.replace(/^config:? /, '')}`;
    throw e;
  }
}
