/**
 * Starts n real PVKM nodes in this process: gRPC on a free 127.0.0.1 port (cli/ports.ts) over mTLS with a fresh CA,
 * LevelDB in a temp dir each, seal keys in files. Always call `stop()` (afterAll).
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCa, issueCert, type PemPair } from '../../cli/pki.js';
import { freePort } from '../../cli/ports.js';
import { NodeChannels } from '../../client/channels.js';
import type { ClusterDescriptor } from '../../client/descriptor.js';
import { DEFAULT_LIMITS, parseNodeConfig, type Limits, type NodeConfig } from '../../node/config.js';
import { silentLogger } from '../../node/log.js';
import { PvkmNode } from '../../node/server.js';

export interface TestCluster {
  dir: string;
  ca: PemPair;
  nodes: (PvkmNode | undefined)[];
  configs: NodeConfig[];
  descriptor: () => ClusterDescriptor;
  /** Channels authenticated as a client of `tenant`, or as an admin. */
  clientChannels: (tenant: string, name?: string) => Promise<NodeChannels>;
  /** An admin's channels; `descriptor` replaces the cluster's (an operator whose descriptor lists fewer nodes). */
  adminChannels: (descriptor?: ClusterDescriptor) => Promise<NodeChannels>;
  certFor: (spec: Parameters<typeof issueCert>[1]) => Promise<PemPair>;
  start: (index: number) => Promise<PvkmNode>;
  stopNode: (index: number) => Promise<void>;
  stop: () => Promise<void>;
}

export async function startTestCluster(opts: { n: number; limits?: Partial<Limits>; metrics?: boolean; minThreshold?: number; faultTolerance?: number; lifecycleQuorum?: boolean }): Promise<TestCluster> {
  const dir = await mkdtemp(join(tmpdir(), 'splitkey-test-'));
  const ca = await createCa();
  await writeFile(join(dir, 'ca.crt'), ca.certPem);
  const configs: NodeConfig[] = [];
  for (let index = 1; index <= opts.n; index++) {
    const nodeDir = join(dir, `node-${index}`);
    const pair = await issueCert(ca, { role: 'node', index });
    await import('node:fs/promises').then((fs) => fs.mkdir(nodeDir, { recursive: true }));
    await writeFile(join(nodeDir, 'node.crt'), pair.certPem);
    await writeFile(join(nodeDir, 'node.key'), pair.keyPem, { mode: 0o600 });
    await writeFile(join(nodeDir, 'seal.key'), randomBytes(32).toString('hex'), { mode: 0o600 });
    configs.push(
      parseNodeConfig(
        {
          index,
          // Below the ephemeral range (cli/ports.ts): a node restarted on its port finds it free.
          listen: `127.0.0.1:${await freePort()}`,
          dataDir: 'data',
          tls: { ca: '../ca.crt', cert: 'node.crt', key: 'node.key' },
          seal: { keyFile: 'seal.key' },
          // The node's own descriptor (peer addresses, minThreshold), written once the ports are known.
          cluster: '../cluster.json',
          limits: { ...DEFAULT_LIMITS, ...opts.limits },
          ...(opts.metrics ? { metrics: { listen: '127.0.0.1:0' } } : {}),
          shutdownGraceMs: 2000,
        },
        nodeDir,
      ),
    );
  }
  const nodes: (PvkmNode | undefined)[] = new Array(opts.n).fill(undefined);
  const ports = new Map<number, number>();
  const descriptor = (): ClusterDescriptor => ({
    name: 'test',
    ...(opts.minThreshold ? { minThreshold: opts.minThreshold } : {}),
    ...(opts.faultTolerance !== undefined ? { faultTolerance: opts.faultTolerance } : {}),
    ...(opts.lifecycleQuorum ? { lifecycleQuorum: true } : {}),
    nodes: configs.map((c) => ({ index: c.index, address: `127.0.0.1:${ports.get(c.index)}` })),
  });
  const start = async (index: number) => {
    // First start on the port chosen below the ephemeral range (freePort), later ones on the port
    // it got: a port-0 listener, or a connection's source port, cannot take it while it is down.
    const config = { ...configs[index - 1]!, ...(ports.has(index) ? { listen: `127.0.0.1:${ports.get(index)}` } : {}) };
    let node: PvkmNode;
    for (let attempt = 1; ; attempt++) {
      try {
        node = await PvkmNode.start(config, { log: silentLogger() });
        break;
      } catch (e) {
        // Another process took the chosen port between freePort's check and this bind: choose again.
        if (ports.has(index) || attempt >= 3 || (e as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw e;
        config.listen = `127.0.0.1:${await freePort()}`;
      }
    }
    const moved = ports.get(index) !== node.port;
    ports.set(index, node.port);
    nodes[index - 1] = node;
    if (moved && ports.size === configs.length) await writeFile(join(dir, 'cluster.json'), JSON.stringify(descriptor(), null, 2));
    return node;
  };
  await Promise.all(configs.map((c) => start(c.index)));
  const channelsFor = async (spec: Parameters<typeof issueCert>[1], d = descriptor()) => {
    const pair = await issueCert(ca, spec);
    return new NodeChannels(d, { tls: { ca: Buffer.from(ca.certPem), cert: Buffer.from(pair.certPem), key: Buffer.from(pair.keyPem) } });
  };
  const stopNode = async (index: number) => {
    await nodes[index - 1]?.stop(500);
    nodes[index - 1] = undefined;
  };
  return {
    dir,
    ca,
    nodes,
    configs,
    descriptor,
    clientChannels: (tenant, name = 'app') => channelsFor({ role: 'client', tenant, name }),
    // The tests import known secrets (to compare with RFC 9497 Evaluate), so their admin may.
    adminChannels: (d) => channelsFor({ role: 'admin', name: 'ops', capabilities: ['create', 'refresh', 'reshare', 'destroy', 'import'] }, d),
    certFor: (spec) => issueCert(ca, spec),
    start,
    stopNode,
    stop: async () => {
      await Promise.all(nodes.map((_, i) => stopNode(i + 1)));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** `d` with the nodes in `instead` (proxies, liars: anything with an index and an address) at their addresses. */
export function descriptorBehind(d: ClusterDescriptor, instead: readonly { index: number; address: string }[]): ClusterDescriptor {
  return { ...d, nodes: d.nodes.map((n) => ({ ...n, address: instead.find((p) => p.index === n.index)?.address ?? n.address })) };
}
