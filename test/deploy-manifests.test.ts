/**
 * Every Kubernetes manifest `cluster init` generates, validated against the official schema
 * (kubernetes-models) with unknown fields rejected.
 *
 * The kubernetes-models validators are compiled JSON-schema checks that ignore properties the
 * schema does not define, so a misspelled field (`periodSecond`) passes them and the API server
 * would drop it (or refuse it under strict field validation). The strict check here runs the same
 * validator on a proxy of the object that records every property the validator reads: the
 * validator reads each property its schema defines (and every key of a map such as `labels`), so
 * a key it never read is one the schema does not know.
 */
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { validate as validateNamespace } from 'kubernetes-models/_schemas/IoK8sApiCoreV1Namespace';
import { validate as validateService } from 'kubernetes-models/_schemas/IoK8sApiCoreV1Service';
import { validate as validateStatefulSet } from 'kubernetes-models/_schemas/IoK8sApiAppsV1StatefulSet';
import { validate as validatePdb } from 'kubernetes-models/_schemas/IoK8sApiPolicyV1PodDisruptionBudget';
import { validate as validateNetworkPolicy } from 'kubernetes-models/_schemas/IoK8sApiNetworkingV1NetworkPolicy';
import { initCluster } from '../cli/topology/bundle.js';
import { terminationGraceSeconds } from '../cli/topology/kubernetes.js';
import { parseTopology } from '../cli/topology/topology.js';

type Validator = ((data: unknown) => boolean) & { errors?: { instancePath: string; message?: string; keyword: string; params: unknown }[] | null };

const VALIDATORS: Record<string, Validator> = {
  'v1/Namespace': validateNamespace as Validator,
  'v1/Service': validateService as Validator,
  'apps/v1/StatefulSet': validateStatefulSet as Validator,
  'policy/v1/PodDisruptionBudget': validatePdb as Validator,
  'networking.k8s.io/v1/NetworkPolicy': validateNetworkPolicy as Validator,
};

/** Schema errors, plus every property the schema does not define ("unknown field /spec/x"). */
export function strictValidate(doc: Record<string, unknown>): string[] {
  const key = `${doc.apiVersion}/${doc.kind}`;
  const validate = VALIDATORS[key];
  if (!validate) return [`no schema for ${key}`];
  const read = new WeakMap<object, Set<string>>();
  const proxies = new WeakMap<object, object>();
  const wrap = (v: unknown): unknown => {
    if (v === null || typeof v !== 'object') return v;
    let p = proxies.get(v);
    if (!p) {
      const keys = new Set<string>();
      read.set(v, keys);
      p = new Proxy(v, {
        get: (t, k, r) => {
          if (typeof k === 'string') keys.add(k);
          return wrap(Reflect.get(t, k, r));
        },
        has: (t, k) => {
          if (typeof k === 'string') keys.add(k);
          return Reflect.has(t, k);
        },
      });
      proxies.set(v, p);
    }
    return p;
  };
  const errors: string[] = [];
  if (!validate(wrap(doc))) for (const e of validate.errors ?? []) errors.push(`${e.instancePath || '/'}: ${e.keyword} ${JSON.stringify(e.params)}`);
  const walk = (v: unknown, path: string): void => {
    if (v === null || typeof v !== 'object') return;
    if (Array.isArray(v)) return v.forEach((x, i) => walk(x, `${path}/${i}`));
    const keys = read.get(v);
    for (const [k, x] of Object.entries(v)) {
      if (!keys?.has(k)) errors.push(`unknown field ${path}/${k}`);
      else walk(x, `${path}/${k}`);
    }
  };
  walk(doc, '');
  return errors;
}

const KUSTOMIZATION_FIELDS = ['apiVersion', 'kind', 'namespace', 'resources', 'secretGenerator'];

let out: string;
beforeAll(async () => {
  out = await mkdtemp(join(tmpdir(), 'splitkey-manifests-'));
  await initCluster(parseTopology(await readFile('deploy/topology.example.yaml', 'utf8')), out);
});
afterAll(() => rm(out, { recursive: true, force: true }));

async function manifests(cloud: string): Promise<{ file: string; doc: Record<string, unknown> }[]> {
  const dir = join(out, 'clouds', cloud, 'k8s');
  const all = [];
  for (const f of (await readdir(dir)).sort()) {
    for (const d of parseAllDocuments(await readFile(join(dir, f), 'utf8'))) {
      expect(d.errors).toEqual([]);
      all.push({ file: f, doc: d.toJS() as Record<string, unknown> });
    }
  }
  return all;
}

describe('generated Kubernetes manifests', () => {
  for (const cloud of ['aws', 'gcp', 'azure']) {
    it(`${cloud}: every document passes the schema with unknown fields rejected`, async () => {
      const docs = await manifests(cloud);
      expect(docs.length).toBeGreaterThan(4);
      for (const { file, doc } of docs) expect({ file, kind: doc.kind, errors: strictValidate(doc) }).toEqual({ file, kind: doc.kind, errors: [] });
    });

    it(`${cloud}: the kustomization names only files that exist, and only fields kustomize knows`, async () => {
      const k = parseAllDocuments(await readFile(join(out, 'clouds', cloud, 'kustomization.yaml'), 'utf8'))[0]!.toJS() as Record<string, unknown>;
      expect(Object.keys(k).filter((f) => !KUSTOMIZATION_FIELDS.includes(f))).toEqual([]);
      for (const r of k.resources as string[]) expect(existsSync(join(out, 'clouds', cloud, r))).toBe(true);
      for (const g of k.secretGenerator as { name: string; files: string[] }[]) {
        expect(Object.keys(g).sort()).toEqual(['files', 'name']);
        for (const f of g.files) expect(existsSync(join(out, 'clouds', cloud, f.split('=')[1]!))).toBe(true);
      }
    });
  }

  it('one StatefulSet per node, replicas 1, probes the kubelet can run, grace longer than the drain, Retain', async () => {
    const docs = (await manifests('aws')).map((d) => d.doc) as any[];
    const sets = docs.filter((d) => d.kind === 'StatefulSet');
    expect(sets.map((s) => s.metadata.name)).toEqual(['splitkey-node-1', 'splitkey-node-2']);
    const t = parseTopology(await readFile('deploy/topology.example.yaml', 'utf8'));
    for (const s of sets) {
      expect(s.spec.replicas).toBe(1);
      expect(s.spec.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: 'Retain', whenScaled: 'Retain' });
      const pod = s.spec.template.spec;
      const c = pod.containers[0];
      for (const probe of ['startupProbe', 'readinessProbe', 'livenessProbe']) {
        expect(c[probe].exec.command.slice(0, 6)).toEqual(['node', '/app/dist/cli/main.js', 'cluster', 'probe', '--config', '/etc/splitkey/config.json']);
        expect(c[probe].grpc).toBeUndefined();
      }
      expect(c.livenessProbe.exec.command).toContain('--live');
      expect(c.readinessProbe.exec.command).not.toContain('--live');
      expect(pod.terminationGracePeriodSeconds).toBe(terminationGraceSeconds(t));
      expect(pod.terminationGracePeriodSeconds * 1000).toBeGreaterThan(t.shutdownGraceMs + 5000);
      expect(c.lifecycle.preStop.exec.command[0]).toBe('node');
      expect(pod.volumes[0].secret.secretName).toBe(s.metadata.name);
      expect(pod.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey).toBe('kubernetes.io/hostname');
      expect(s.spec.volumeClaimTemplates[0].spec.storageClassName).toBe('splitkey-retain');
    }
    const policy = docs.find((d) => d.kind === 'NetworkPolicy');
    const cidrs = policy.spec.ingress[0].from.filter((f: any) => f.ipBlock).map((f: any) => f.ipBlock.cidr);
    expect(cidrs).toEqual(['10.62.0.0/24', '10.63.0.0/24', '10.61.0.0/24', '198.51.100.0/24', '203.0.113.0/24']);
    expect(policy.spec.ingress[1]).toEqual({ from: [{ ipBlock: { cidr: '10.0.0.0/8' } }], ports: [{ protocol: 'TCP', port: 9101 }] });
    expect(docs.find((d) => d.kind === 'PodDisruptionBudget').spec.maxUnavailable).toBe(1);
  });
});

describe('the strict check itself', () => {
  const base = () => ({
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'x', labels: { 'any-label': 'is fine' }, annotations: { 'any/annotation': 'too' } },
    spec: {
      serviceName: 'x',
      selector: { matchLabels: { a: 'b' } },
      template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'n', image: 'i', readinessProbe: { periodSeconds: 5, exec: { command: ['true'] } } }] } },
    },
  });

  it('passes a correct object (map keys such as labels are not fields)', () => {
    expect(strictValidate(base())).toEqual([]);
  });

  it('catches a misspelled field that the plain validator lets through', () => {
    const doc = base() as any;
    delete doc.spec.template.spec.containers[0].readinessProbe.periodSeconds;
    doc.spec.template.spec.containers[0].readinessProbe.periodSecond = 5;
    doc.spec.replica = 1;
    expect((validateStatefulSet as Validator)(doc)).toBe(true); // the validator alone: no complaint
    expect(strictValidate(doc).sort()).toEqual(['unknown field /spec/replica', 'unknown field /spec/template/spec/containers/0/readinessProbe/periodSecond']);
  });

  it('still reports schema errors (wrong types)', () => {
    const doc = base() as any;
    doc.spec.replicas = 'one';
    expect(strictValidate(doc).join()).toMatch(/\/spec\/replicas: type/);
  });
});
