/** Prometheus metrics (prom-client), served on their own port at /metrics. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export class NodeMetrics {
  readonly registry = new Registry();
  readonly requests = new Counter({ name: 'splitkey_requests_total', help: 'RPCs by method and status code', labelNames: ['method', 'code'] as const, registers: [this.registry] });
  readonly latency = new Histogram({
    name: 'splitkey_request_duration_seconds',
    help: 'RPC latency by method',
    labelNames: ['method'] as const,
    buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1],
    registers: [this.registry],
  });
  readonly batchSize = new Histogram({ name: 'splitkey_evaluate_batch_size', help: 'Blinded elements per Evaluate', buckets: [1, 2, 4, 8, 16, 64, 256, 1024], registers: [this.registry] });
  readonly rateLimited = new Counter({ name: 'splitkey_rate_limited_total', help: 'Requests refused with RESOURCE_EXHAUSTED (rate limit, query budget, batch or message size)', registers: [this.registry] });
  readonly queries = new Counter({ name: 'splitkey_key_queries_total', help: 'Evaluated elements by key version', labelNames: ['key', 'version'] as const, registers: [this.registry] });

  readonly supersededShares = new Counter({
    name: 'splitkey_superseded_shares_total',
    help: 'Shares of an old epoch erased because t peers agree the version moved on without this node (node/reconcile.ts)',
    registers: [this.registry],
  });

  readonly lateDestroyedShares = new Counter({
    name: 'splitkey_late_destroyed_shares_total',
    help: "Shares erased because max(t, minThreshold) of the record's own nodes report this very record destroyed by an operator: a key destroy this node missed (node/reconcile.ts)",
    registers: [this.registry],
  });

  readonly groupBackend = new Gauge({
    name: 'splitkey_group_backend_info',
    help: 'The group arithmetic this node evaluates with (1 for the backend in use): native = libdecaf addon, sodium = libsodium wasm fallback',
    labelNames: ['backend', 'library'] as const,
    registers: [this.registry],
  });

  readonly rateLimit = new Gauge({
    name: 'splitkey_rate_limit',
    help: 'The per-identity Evaluate rate limit in force: elements per second (kind="per_second") and the token bucket (kind="burst"); the config\'s limits or the group backend\'s default',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'splitkey_' });
  }

  /** Serve /metrics on host:port (port 0 picks one); resolves to the bound port. */
  async serve(host: string, port: number): Promise<{ server: Server; port: number }> {
    const server = createServer((req, res) => {
      if (req.url !== '/metrics') {
        res.writeHead(404).end();
        return;
      }
      this.registry.metrics().then(
        (body) => res.writeHead(200, { 'content-type': this.registry.contentType }).end(body),
        () => res.writeHead(500).end(),
      );
    });
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, host, resolve));
    return { server, port: (server.address() as AddressInfo).port };
  }
}
