/**
 * Kubernetes manifests for one cloud of a topology, as a kustomize directory:
 *
 *   clouds/<cloud>/kustomization.yaml   namespace, resources, one secretGenerator per node (the
 *                                       node's bundle files, mounted read-only at /etc/splitkey)
 *   clouds/<cloud>/k8s/namespace.yaml
 *   clouds/<cloud>/k8s/node-<i>.yaml    headless Service + LoadBalancer Service + StatefulSet
 *   clouds/<cloud>/k8s/pdb.yaml         at most one node of this cloud down voluntarily
 *   clouds/<cloud>/k8s/networkpolicy.yaml
 *
 * Nodes are not replicas: each has its own StatefulSet (replicas 1), certificate, seal key and
 * volume. Probes run `splitkey cluster probe` inside the container: the grpc.health.v1 check over
 * mTLS with the node's own certificate (the kubelet's own gRPC probe is plaintext and presents no
 * client certificate, so it can never pass a node that requires mTLS). deploy/README.md explains.
 */
import { BUNDLE_MOUNT, DATA_DIR, type Cloud, type Topology, type TopologyNode } from './topology.js';

export interface ManifestFile {
  /** Relative to clouds/<cloud>/. */
  path: string;
  header?: string;
  documents: Record<string, unknown>[];
}

/** Seconds the preStop hook waits so load balancers stop sending new connections first. */
export const PRE_STOP_SECONDS = 5;
export const BUNDLE_FILES = ['config.json', 'cluster.json', 'ca.crt', 'node.crt', 'node.key', 'seal.key'] as const;

const APP = 'splitkey';
const labelsOf = (t: Topology, n?: TopologyNode): Record<string, string> => ({
  'app.kubernetes.io/name': APP,
  'app.kubernetes.io/instance': t.name,
  ...(n ? { 'splitkey.io/node': String(n.index) } : {}),
});

/** The probe command: grpc.health.v1 over mTLS with the node's own certificate (`--live`: any answer). */
export const probeCommand = (live: boolean): string[] => [
  'node', '/app/dist/cli/main.js', 'cluster', 'probe', '--config', `${BUNDLE_MOUNT}/config.json`, ...(live ? ['--live'] : []),
];

/** Grace: preStop wait + the node's own drain (shutdownGraceMs) + margin for the store to close. */
export const terminationGraceSeconds = (t: Topology): number => PRE_STOP_SECONDS + Math.ceil(t.shutdownGraceMs / 1000) + 5;

function statefulSet(t: Topology, cloud: Cloud, n: TopologyNode): Record<string, unknown> {
  const name = `splitkey-node-${n.index}`;
  const labels = labelsOf(t, n);
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name, labels },
    spec: {
      serviceName: name,
      replicas: 1,
      selector: { matchLabels: labels },
      persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
      updateStrategy: { type: 'RollingUpdate' },
      template: {
        metadata: { labels },
        spec: {
          terminationGracePeriodSeconds: terminationGraceSeconds(t),
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          securityContext: { runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, fsGroup: 10001, seccompProfile: { type: 'RuntimeDefault' } },
          affinity: {
            // Two nodes of this cloud on one machine would be one failure, not two.
            podAntiAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: [
                { labelSelector: { matchLabels: labelsOf(t) }, topologyKey: 'kubernetes.io/hostname' },
              ],
            },
          },
          topologySpreadConstraints: [
            { maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: labelsOf(t) } },
          ],
          containers: [
            {
              name: 'node',
              image: t.image,
              args: ['node', 'start', '--config', `${BUNDLE_MOUNT}/config.json`],
              ports: [
                { name: 'grpc', containerPort: t.port, protocol: 'TCP' },
                { name: 'metrics', containerPort: t.metricsPort, protocol: 'TCP' },
              ],
              // Startup: opening the store may take a while after a crash; up to 2 minutes.
              startupProbe: { exec: { command: probeCommand(false) }, periodSeconds: 2, timeoutSeconds: 5, failureThreshold: 60 },
              readinessProbe: { exec: { command: probeCommand(false) }, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 1, successThreshold: 1 },
              // Liveness accepts NOT_SERVING (a draining node is alive); only no answer at all restarts it.
              livenessProbe: { exec: { command: probeCommand(true) }, periodSeconds: 20, timeoutSeconds: 5, failureThreshold: 3 },
              lifecycle: { preStop: { exec: { command: ['node', '-e', `setTimeout(() => {}, ${PRE_STOP_SECONDS * 1000})`] } } },
              resources: { requests: { cpu: '500m', memory: '192Mi' }, limits: { memory: '384Mi' } },
              securityContext: { readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
              volumeMounts: [
                { name: 'bundle', mountPath: BUNDLE_MOUNT, readOnly: true },
                { name: 'data', mountPath: DATA_DIR },
              ],
            },
          ],
          volumes: [{ name: 'bundle', secret: { secretName: name, defaultMode: 0o440 } }],
        },
      },
      volumeClaimTemplates: [
        {
          metadata: { name: 'data', labels },
          spec: {
            accessModes: ['ReadWriteOnce'],
            ...(cloud.kubernetes.storageClass ? { storageClassName: cloud.kubernetes.storageClass } : {}),
            resources: { requests: { storage: cloud.kubernetes.storage } },
          },
        },
      ],
    },
  };
}

function services(t: Topology, n: TopologyNode): Record<string, unknown>[] {
  const name = `splitkey-node-${n.index}`;
  const labels = labelsOf(t, n);
  return [
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, labels },
      spec: { clusterIP: 'None', selector: labels, ports: [{ name: 'grpc', port: t.port, targetPort: 'grpc' }, { name: 'metrics', port: t.metricsPort, targetPort: 'metrics' }] },
    },
    {
      // L4 passthrough: mTLS ends at the node. Point the DNS name n.host at this load balancer.
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: `${name}-wan`, labels, annotations: { 'splitkey.io/dns-name': n.host } },
      spec: {
        type: 'LoadBalancer',
        externalTrafficPolicy: 'Local',
        selector: labels,
        ports: [{ name: 'grpc', port: t.port, targetPort: 'grpc', protocol: 'TCP' }],
      },
    },
  ];
}

function networkPolicy(t: Topology, cloud: Cloud): Record<string, unknown> {
  const others = t.clouds.filter((c) => c !== cloud && c.cidr).map((c) => c.cidr!);
  const grpcFrom = [...new Set([...others, ...(cloud.cidr ? [cloud.cidr] : []), ...t.operatorCidrs, ...t.clientCidrs])];
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: 'splitkey-nodes', labels: labelsOf(t) },
    spec: {
      podSelector: { matchLabels: labelsOf(t) },
      policyTypes: ['Ingress'],
      ingress: [
        {
          // The one gRPC port carries Peer, Admin and Evaluator; which service a caller may use is
          // decided by its mTLS identity. Here: only other nodes, operators and appliances reach it.
          from: [{ podSelector: { matchLabels: labelsOf(t) } }, ...grpcFrom.map((c) => ({ ipBlock: { cidr: c } }))],
          ports: [{ protocol: 'TCP', port: t.port }],
        },
        ...(t.monitoringCidrs.length > 0
          ? [{ from: t.monitoringCidrs.map((c) => ({ ipBlock: { cidr: c } })), ports: [{ protocol: 'TCP', port: t.metricsPort }] }]
          : []),
      ],
    },
  };
}

/** Every file of one cloud's kustomize directory. */
export function kubernetesFiles(t: Topology, cloud: Cloud): ManifestFile[] {
  const ns = cloud.kubernetes.namespace;
  const nodes = [...cloud.nodes].sort((a, b) => a.index - b.index);
  const files: ManifestFile[] = [
    { path: 'k8s/namespace.yaml', documents: [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels: labelsOf(t) } }] },
    ...nodes.map((n) => ({
      path: `k8s/node-${n.index}.yaml`,
      header: `# splitkey node ${n.index} (${n.host}) in cloud ${cloud.name}: not a replica of any other node.`,
      documents: [...services(t, n), statefulSet(t, cloud, n)],
    })),
    {
      path: 'k8s/pdb.yaml',
      header: '# At most one node of this cloud down by eviction at a time. Clusters do not coordinate: drain one cloud at a time.',
      documents: [{ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'splitkey-nodes', labels: labelsOf(t) }, spec: { maxUnavailable: 1, selector: { matchLabels: labelsOf(t) } } }],
    },
    { path: 'k8s/networkpolicy.yaml', documents: [networkPolicy(t, cloud)] },
  ];
  const kustomization = {
    apiVersion: 'kustomize.config.k8s.io/v1beta1',
    kind: 'Kustomization',
    namespace: ns,
    resources: files.map((f) => f.path),
    secretGenerator: nodes.map((n) => ({
      name: `splitkey-node-${n.index}`,
      files: [...BUNDLE_FILES, ...(t.refresh?.node === n.index ? ['refresh.crt', 'refresh.key'] : [])].map((f) => `${f}=nodes/${n.index}/${f}`),
    })),
  };
  return [
    { path: 'kustomization.yaml', header: `# kubectl apply -k clouds/${cloud.name}  (cluster ${t.name}, cloud ${cloud.name})`, documents: [kustomization] },
    ...files,
  ];
}
