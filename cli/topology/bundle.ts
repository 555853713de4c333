/**
 * `splitkey cluster init`: everything a topology needs, written under one directory.
 *
 *   DIR/ca/ca.crt, ca.key                     the cluster CA (keep ca.key offline; re-runs need it
 *                                            only to issue what is missing)
 *   DIR/client/cluster.json, ca.crt           what appliances and operators are given out of band
 *   DIR/admin/admin.crt/.key                  an admin with every capability
 *   DIR/admin/refresh.crt/.key                refresh only (the refresh scheduler's credential)
 *   DIR/tenants/<tenant>/client.crt/.key      one client per tenant
 *   DIR/env                                   shell exports for an operator (admin + first tenant)
 *   DIR/clouds/<cloud>/nodes/<i>/             one node's bundle, mounted read-only at /etc/splitkey:
 *       config.json cluster.json ca.crt node.crt node.key seal.key [refresh.crt refresh.key]
 *   DIR/clouds/<cloud>/kustomization.yaml, k8s/*.yaml   Kubernetes for that cloud (kubernetes.ts)
 *   DIR/compose.yaml                          one-host staging of the whole topology (compose.ts)
 *
 * Nothing is ever overwritten: a file that exists is kept (and reported when what the topology
 * gives now differs), so a re-run after adding a tenant or a node adds only what is missing.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { stringify } from 'yaml';
import { nodeIdentity, type ClusterDescriptor } from '../../client/descriptor.js';
import { createCa, issueCert, type CertSpec, type PemPair } from '../pki.js';
import { composeFile } from './compose.js';
import { kubernetesFiles } from './kubernetes.js';
import { allNodes, checkLayout, DATA_DIR, TopologyError, type Cloud, type Topology, type TopologyNode } from './topology.js';


export interface InitReport {
  written: string[];
  kept: string[];
  /** Kept files whose content differs from what the topology gives now. */
  differs: string[];
}

export const nodeBundleDir = (out: string, cloud: Cloud, n: TopologyNode): string => join(out, 'clouds', cloud.name, 'nodes', String(n.index));

/** The descriptor every node and client is given: addresses by DNS name, failure domains, pinned identities, policy. */
export function clusterDescriptor(t: Topology): ClusterDescriptor {
  return {
    name: t.name,
    defaultThreshold: t.threshold,
    minThreshold: t.minThreshold,
    ...(t.faultTolerance !== t.minThreshold - 1 ? { faultTolerance: t.faultTolerance } : {}),
    ...(t.lifecycleQuorum ? { lifecycleQuorum: true } : {}),
    nodes: allNodes(t).map((n) => ({ index: n.index, address: `${n.host}:${t.port}`, domain: n.cloud.name, identity: nodeIdentity(n.index) })),
  };
}

/** A node's config.json: only fields node/config.ts parses; paths relative to the bundle. */
export function nodeConfig(t: Topology, n: TopologyNode): Record<string, unknown> {
  return {
    index: n.index,
    listen: `0.0.0.0:${t.port}`,
    dataDir: DATA_DIR,
    tls: { ca: 'ca.crt', cert: 'node.crt', key: 'node.key' },
    seal: { keyFile: 'seal.key' },
    metrics: { listen: `0.0.0.0:${t.metricsPort}` },
    shutdownGraceMs: t.shutdownGraceMs,
    cluster: 'cluster.json',
    allowImport: false,
    ...(t.refresh?.node === n.index
      ? { refreshSchedule: { intervalMinutes: t.refresh.intervalMinutes, cluster: 'cluster.json', adminCert: 'refresh.crt', adminKey: 'refresh.key' } }
      : {}),
  };
}

const json = (v: unknown): string => `${JSON.stringify(v, null, 2)}\n`;

class Writer {
  readonly report: InitReport = { written: [], kept: [], differs: [] };
  constructor(private readonly root: string) {}

  private rel(path: string): string {
    return relative(this.root, path);
  }

  /** Write `content` unless the file exists; `compare` reports a differing kept file. */
  async file(path: string, content: string | (() => string), opts: { mode?: number; compare?: boolean } = {}): Promise<void> {
    if (existsSync(path)) {
      this.report.kept.push(this.rel(path));
      if (opts.compare !== false && typeof content === 'string' && (await readFile(path, 'utf8')) !== content) this.report.differs.push(this.rel(path));
      return;
    }
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, typeof content === 'string' ? content : content(), { mode: opts.mode ?? 0o644, flag: 'wx' });
    this.report.written.push(this.rel(path));
  }

  /** A certificate and its key: both kept, or both issued; one without the other is an error. */
  async pair(dir: string, base: string, issue: () => Promise<PemPair>): Promise<void> {
    const crt = join(dir, `${base}.crt`);
    const key = join(dir, `${base}.key`);
    const has = [existsSync(crt), existsSync(key)];
    if (has[0] && has[1]) {
      this.report.kept.push(this.rel(crt), this.rel(key));
      return;
    }
    if (has[0] !== has[1]) {
      throw new TopologyError(`${has[0] ? crt : key} exists but ${has[0] ? key : crt} does not; delete the one that is left so both are issued again`);
    }
    const p = await issue();
    await this.file(key, p.keyPem, { mode: 0o600 });
    await this.file(crt, p.certPem);
  }
}

async function loadOrCreateCa(w: Writer, dir: string, name: string): Promise<() => Promise<PemPair>> {
  const crt = join(dir, 'ca.crt');
  const key = join(dir, 'ca.key');
  let ca: PemPair | undefined;
  if (!existsSync(crt) && !existsSync(key)) {
    ca = await createCa({ commonName: `splitkey ${name} CA` });
    await w.file(key, ca.keyPem, { mode: 0o600 });
    await w.file(crt, ca.certPem);
  } else {
    for (const f of [crt, key]) if (existsSync(f)) w.report.kept.push(relative(resolve(dir, '..'), f));
  }
  // The CA key is read only when something has to be issued: a re-run that adds nothing needs no CA key.
  return async () => {
    if (ca) return ca;
    if (!existsSync(crt)) throw new TopologyError(`${crt} is missing but ${key} exists; restore the CA certificate (a new CA would not match the certificates already issued)`);
    if (!existsSync(key)) throw new TopologyError(`a certificate is missing and has to be issued, but the CA key ${key} is not there; put the CA key back for this run (then keep it offline again)`);
    ca = { certPem: await readFile(crt, 'utf8'), keyPem: await readFile(key, 'utf8') };
    return ca;
  };
}

/** Write (what is missing of) the whole output of a topology. Refuses a bad layout. */
export async function initCluster(t: Topology, outDir: string): Promise<InitReport> {
  const problems = checkLayout(t);
  if (problems.length > 0) throw new TopologyError(`the layout is not sound, nothing written: ${problems.join('; ')}`);
  const out = resolve(outDir);
  const w = new Writer(out);
  const ca = await loadOrCreateCa(w, join(out, 'ca'), t.name);
  const caPem = await readFile(join(out, 'ca', 'ca.crt'), 'utf8');
  const issue = (spec: CertSpec) => async () => issueCert(await ca(), spec);
  const descriptor = json(clusterDescriptor(t));

  await w.file(join(out, 'client', 'cluster.json'), descriptor);
  await w.file(join(out, 'client', 'ca.crt'), caPem);
  await w.pair(join(out, 'admin'), 'admin', issue({ role: 'admin', name: 'operator' }));
  await w.pair(join(out, 'admin'), 'refresh', issue({ role: 'admin', name: 'refresh-scheduler', capabilities: ['refresh'] }));
  for (const tenant of t.tenants) await w.pair(join(out, 'tenants', tenant), 'client', issue({ role: 'client', tenant, name: 'appliance' }));

  const env: Record<string, string> = {
    SPLITKEY_CLUSTER: join(out, 'client', 'cluster.json'),
    SPLITKEY_CA: join(out, 'client', 'ca.crt'),
    SPLITKEY_ADMIN_CERT: join(out, 'admin', 'admin.crt'),
    SPLITKEY_ADMIN_KEY: join(out, 'admin', 'admin.key'),
  };
  if (t.tenants[0]) Object.assign(env, { SPLITKEY_CERT: join(out, 'tenants', t.tenants[0], 'client.crt'), SPLITKEY_KEY: join(out, 'tenants', t.tenants[0], 'client.key') });
  const envText = Object.entries(env).map(([k, v]) => `export ${k}='${v.replace(/'/g, `'\\''`)}'`).join('\n');
  await w.file(join(out, 'env'), `# splitkey cluster ${t.name}: operator environment (source this file)\n${envText}\n`);

  for (const n of allNodes(t)) {
    const dir = nodeBundleDir(out, n.cloud, n);
    await w.file(join(dir, 'config.json'), json(nodeConfig(t, n)));
    await w.file(join(dir, 'cluster.json'), descriptor);
    await w.file(join(dir, 'ca.crt'), caPem);
    const hosts = [n.host, ...n.altNames, ...(n.ip ? [n.ip] : [])];
    await w.pair(dir, 'node', issue({ role: 'node', index: n.index, hosts }));
    await w.file(join(dir, 'seal.key'), () => `${randomBytes(32).toString('hex')}\n`, { mode: 0o600 });
    if (t.refresh?.node === n.index) await w.pair(dir, 'refresh', issue({ role: 'admin', name: 'refresh-scheduler', capabilities: ['refresh'] }));
  }

  for (const cloud of t.clouds) {
    for (const f of kubernetesFiles(t, cloud)) {
      const text = f.documents.map((d) => stringify(d, { lineWidth: 0 })).join('---\n');
      await w.file(join(out, 'clouds', cloud.name, f.path), `${f.header ? `${f.header}\n` : ''}${text}`);
    }
  }
  await w.file(join(out, 'compose.yaml'), composeFile(t));
  return w.report;
}
