/**
 * The PVKM node process: binds its gRPC port (health NOT_SERVING), opens the sealed share store
 * and the audit log, then reports SERVING. On stop (SIGTERM/SIGINT in the CLI): NOT_SERVING and
 * new calls refused with UNAVAILABLE, in-flight calls drained, tryShutdown, forceShutdown after
 * the grace period, audit flushed, store closed.
 */
import type { Server as HttpServer } from 'node:http';
import * as grpc from '@grpc/grpc-js';
import { HealthImplementation, type ServingStatus } from 'grpc-health-check';
import { loadGroup, type Group } from '../crypto/index.js';
import { loadSplitkeyProto } from '../proto/load.js';
import { AuditLog } from './audit.js';
import { effectiveRateLimit, parseHostPort, type NodeConfig } from './config.js';
import { QueryBudget, RateLimiter } from './limits.js';
import { createLogger, type Logger } from './log.js';
import { NodeMetrics } from './metrics.js';
import { tolerantService, type RpcContext } from './rpc.js';
import type { NodeRuntime } from './runtime.js';
import { adminHandlers } from './services/admin.js';
import { evaluatorHandlers } from './services/evaluator.js';
import { peerHandlers } from './services/peer.js';
import { ShareStore } from './store.js';
import { LifecycleHandler } from './lifecycle.js';
import { Reconciler, type ReconcileOutcome } from './reconcile.js';
import { NodeListener } from './listener.js';
import { EvaluatePool } from './evaluate-pool.js';
import { PeerClients } from './peer-client.js';
import { ClusterView } from './cluster-view.js';
import { NodeTls, type TlsSummary } from './tls-material.js';
import { storageFailureFields, storageFailureMessage } from './storage-failure.js';

export const SERVICES = ['', 'splitkey.v1.Evaluator', 'splitkey.v1.Admin', 'splitkey.v1.Peer'];
const QUERY_COUNTS = 'meta\x00queries';
const QUERY_RESERVED = 'meta\x00queries-reserved';
const MAX_CONNECTION_AGE_MS = 30 * 60_000;
const MAX_CONNECTION_AGE_GRACE_MS = 30_000;
/** The role each service needs; rpc.ts checks it before it looks at a request's body. */
const ROLES: RpcContext['roles'] = { 'splitkey.v1.Evaluator': 'client', 'splitkey.v1.Admin': 'admin', 'splitkey.v1.Peer': 'node' };


export interface StartOptions {
  log?: Logger;
  group?: Group;
}

export class PvkmNode {
  private serving = false;
  private stopping: Promise<void> | undefined;
  private countsTimer: NodeJS.Timeout | undefined;
  private reconciler: Reconciler | undefined;
  private failure: unknown;
  private onFailure: ((e: unknown) => void) | undefined;
  /**
   * Resolves (never rejects) with the first failed write to the data directory (a full disk):
   * logged once, the node set NOT_SERVING; the caller stops it (`stop()`).
   */
  readonly failed: Promise<unknown> = new Promise((resolve) => (this.onFailure = resolve));

  private constructor(
    readonly config: NodeConfig,
    readonly port: number,
    readonly metricsPort: number | undefined,
    private readonly server: grpc.Server,
    private readonly listener: NodeListener,
    private readonly pool: EvaluatePool,
    private readonly health: HealthImplementation,
    private readonly runtime: NodeRuntime,
    private readonly audit: AuditLog,
    private readonly metricsServer: HttpServer | undefined,
    private readonly tls: NodeTls | undefined,
  ) {}

  get log(): Logger {
    return this.runtime.log;
  }

  static async start(config: NodeConfig, opts: StartOptions = {}): Promise<PvkmNode> {
    const log = opts.log ?? createLogger({ nodeIndex: config.index });
    const group = opts.group ?? (await loadGroup());
    const metrics = new NodeMetrics();
    metrics.groupBackend.set({ backend: group.name, library: group.library }, 1);
    const rateLimit = effectiveRateLimit(config.limits, group.name);
    metrics.rateLimit.set({ kind: 'per_second' }, rateLimit.ratePerSecond);
    metrics.rateLimit.set({ kind: 'burst' }, rateLimit.burst);
    const health = new HealthImplementation(Object.fromEntries(SERVICES.map((s) => [s, 'NOT_SERVING' as ServingStatus])));
    let node: PvkmNode | undefined;
    let audit: AuditLog | undefined;
    const tls = config.insecureLoopback || !config.tls ? undefined : await NodeTls.load(config.tls, config.index);
    const rpc: RpcContext = {
      log,
      insecure: config.insecureLoopback,
      roles: ROLES,
      metrics,
      audit: () => audit,
      draining: () => !node?.serving,
      inflight: { count: 0 },
      trusts: tls ? (cert) => tls.trusts(cert) : undefined,
    };
    const runtime = {
      config,
      group,
      log,
      metrics,
      rpc,
      rateLimiter: new RateLimiter(rateLimit),
      queryBudget: new QueryBudget(
        { warnAt: config.limits.queryWarnAt, limit: config.limits.queryLimit, refuse: config.limits.refuseOverBudget },
        (slot, count) => log.warn({ alert: 'query-budget', slot, count }, `key version ${slot} has answered ${count} evaluations; rotate it (RFC 9497 §7.2.3)`),
        (reserved) => runtime.store.db.put(QUERY_RESERVED, JSON.stringify(reserved), { sync: true }),
      ),
      startedAt: performance.now(),
    } as Omit<NodeRuntime, 'store' | 'lifecycle' | 'peers' | 'cluster'> as NodeRuntime;

    const server = new grpc.Server({
      'grpc.max_receive_message_length': config.limits.maxMessageBytes,
      'grpc.max_concurrent_streams': 1000,
      'grpc.keepalive_permit_without_calls': 1,
      'grpc.enable_channelz': 0,
      // No connection lives forever: idle ones close after idleTimeoutMs, every one after
      // MAX_CONNECTION_AGE_MS (calls in flight get a grace period); clients reconnect.
      'grpc.max_connection_idle_ms': config.limits.idleTimeoutMs,
      'grpc.max_connection_age_ms': MAX_CONNECTION_AGE_MS,
      'grpc.max_connection_age_grace_ms': MAX_CONNECTION_AGE_GRACE_MS,
    });
    const credentials = tls?.serverCredentials ?? grpc.ServerCredentials.createInsecure();
    const pool = await EvaluatePool.start(
      group,
      { threads: config.limits.evaluateThreads, maxQueued: config.limits.maxQueuedElements, maxQueuedPerTenant: config.limits.maxQueuedElementsPerTenant },
      log,
    );
    const proto = loadSplitkeyProto();
    server.addService(tolerantService(proto.splitkey.v1.Evaluator.service), evaluatorHandlers(runtime, pool));
    server.addService(tolerantService(proto.splitkey.v1.Admin.service), adminHandlers(runtime));
    server.addService(tolerantService(proto.splitkey.v1.Peer.service), peerHandlers(runtime));
    health.addToServer(server);

    const { host, port: wanted } = parseHostPort(config.listen);
    let refusedLogged = 0;
    const listener = await NodeListener.open(server, credentials, {
      host,
      port: wanted,
      maxConnections: config.limits.maxConnections,
      handshakeTimeoutMs: config.limits.handshakeTimeoutMs,
      onRefused: (open) => {
        if (performance.now() - refusedLogged < 10_000) return;
        refusedLogged = performance.now();
        log.warn({ alert: 'connection-cap', open }, `refusing connections: ${open} are open (limits.maxConnections)`);
      },
    }).catch(async (e) => {
      await pool.close();
      throw e;
    });
    const port = listener.port;
    let metricsServer: HttpServer | undefined;
    try {
      runtime.store = await ShareStore.open({ dir: config.dataDir, seal: config.seal, nodeIndex: config.index, group, log });
      audit = await AuditLog.open(runtime.store.db, { key: runtime.store.auditKey() });
      runtime.cluster = new ClusterView(config.cluster);
      runtime.peers = PeerClients.create(config, runtime.cluster, tls);
      runtime.lifecycle = new LifecycleHandler(runtime, runtime.peers);
      const counts = await runtime.store.db.get(QUERY_COUNTS);
      if (counts) for (const [slot, n] of Object.entries(JSON.parse(counts) as Record<string, number>)) runtime.queryBudget.restore(slot, n);
      const reserved = await runtime.store.db.get(QUERY_RESERVED);
      if (reserved) for (const [slot, n] of Object.entries(JSON.parse(reserved) as Record<string, number>)) runtime.queryBudget.restoreReserved(slot, n);
      let metricsPort: number | undefined;
      if (config.metrics) {
        const m = parseHostPort(config.metrics.listen, 'metrics.listen');
        ({ server: metricsServer, port: metricsPort } = await metrics.serve(m.host, m.port));
      }
      node = new PvkmNode(config, port, metricsPort, server, listener, pool, health, runtime, audit, metricsServer, tls);
    } catch (e) {
      server.forceShutdown();
      listener.destroyAll();
      await pool.close();
      metricsServer?.close();
      await runtime.store?.close().catch(() => undefined);
      throw e;
    }
    const n = node;
    audit.onWriteError = (e) => n.storageFailed(e);
    node.countsTimer = setInterval(() => void node!.saveQueryCounts(), 10_000).unref();
    node.reconciler = new Reconciler(runtime, runtime.peers, runtime.lifecycle);
    node.serving = true;
    for (const s of SERVICES) health.setStatus(s, 'SERVING');
    log.info({ port, metricsPort: node.metricsPort, tls: !config.insecureLoopback, keys: runtime.store.counts().keys, groupBackend: group.name, rateLimit: runtime.rateLimiter.config }, 'node serving');
    node.reconciler.start(config.reconcileSeconds);
    return node;
  }

  /**
   * A write to the data directory failed (a full disk): log it once, without secrets (the error
   * names a file, never a value), and stop serving; `failed` tells the caller to stop the node.
   */
  storageFailed(e: unknown): void {
    if (this.failure !== undefined) return;
    this.failure = e;
    this.log.error(storageFailureFields(e, this.config.dataDir), storageFailureMessage(e));
    this.serving = false;
    for (const s of SERVICES) this.health.setStatus(s, 'NOT_SERVING');
    this.onFailure?.(e);
  }

  private async saveQueryCounts(): Promise<void> {
    const counts = Object.fromEntries(this.runtime.queryBudget.entries());
    await this.runtime.store.db.put(QUERY_COUNTS, JSON.stringify(counts)).catch(() => undefined);
  }

  /** Graceful stop; idempotent. */
  stop(graceMs = this.config.shutdownGraceMs): Promise<void> {
    this.stopping ??= this.doStop(graceMs);
    return this.stopping;
  }

  private async doStop(graceMs: number): Promise<void> {
    this.serving = false;
    for (const s of SERVICES) this.health.setStatus(s, 'NOT_SERVING');
    clearInterval(this.countsTimer);
    await this.reconciler?.stop();
    const inflight = this.runtime.rpc.inflight;
    const deadline = setTimeout(() => inflight.idle?.(), graceMs);
    if (inflight.count > 0) await new Promise<void>((resolve) => (inflight.idle = resolve));
    clearTimeout(deadline);
    this.listener.stopAccepting();
    await new Promise<void>((resolve) => {
      const force = setTimeout(() => {
        this.server.forceShutdown();
        resolve();
      }, Math.max(100, graceMs));
      this.server.tryShutdown(() => {
        clearTimeout(force);
        resolve();
      });
    });
    this.listener.destroyAll();
    await this.pool.close();
    await new Promise<void>((resolve) => (this.metricsServer ? this.metricsServer.close(() => resolve()) : resolve()));
    // After a failed write (a full disk) these fail too: say so, and still close the store.
    await this.audit.flush().catch((e: unknown) => this.log.warn(storageFailureFields(e, this.config.dataDir), 'audit entries queued at stop could not be written'));
    await this.saveQueryCounts();
    this.runtime.peers.close();
    await this.runtime.store.close();
    this.log.info('node stopped');
  }

  /**
   * Reload the certificate, key and CA bundle from the config's files without a restart (SIGHUP):
   * new connections use them at once, peer channels are rebuilt, and callers on open connections
   * whose CA is no longer trusted are refused from their next call. On a bad file nothing changes
   * and this throws a TlsReloadError naming the problem.
   */
  async reloadTls(): Promise<TlsSummary> {
    if (!this.tls) throw new Error('this node runs without TLS (insecureLoopback); there is nothing to reload');
    const summary = await this.tls.reload();
    this.log.info({ event: 'tls-reloaded', certificate: summary.certificate, notAfter: summary.notAfter, cas: summary.cas }, 'TLS material reloaded');
    return summary;
  }

  /** Ask the peers now whether a held version moved on without this node (node/reconcile.ts). */
  reconcile(): Promise<ReconcileOutcome[]> {
    return this.reconciler!.runOnce();
  }

  /** Test and CLI hooks. */
  get store(): ShareStore {
    return this.runtime.store;
  }
  get lifecycle(): LifecycleHandler {
    return this.runtime.lifecycle;
  }
  flushAudit(): Promise<void> {
    return this.audit.flush();
  }
}
