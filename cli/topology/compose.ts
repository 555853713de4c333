/**
 * DIR/compose.yaml: the whole topology on one host, for staging. Each cloud gets its own network
 * (internal: its nodes only) and every node also joins one shared "wan" network, where it is
 * reachable under the DNS names of the topology (network aliases) — exactly the addresses of the
 * cluster descriptor, so certificates and pinned identities work unchanged. The `operator`
 * service (profile "tools") runs the CLI on the WAN with the admin and first tenant credentials.
 *
 * The image is ${SPLITKEY_IMAGE} (default: the topology's image); build it with deploy/Dockerfile,
 * whose base image is a build argument (BASE).
 */
import { stringify } from 'yaml';
import { allNodes, BUNDLE_MOUNT, DATA_DIR, type Topology } from './topology.js';
import { probeCommand } from './kubernetes.js';

export function composeFile(t: Topology): string {
  const image = `\${SPLITKEY_IMAGE:-${t.image}}`;
  const services: Record<string, unknown> = {};
  const volumes: Record<string, object> = {};
  for (const n of allNodes(t)) {
    volumes[`data${n.index}`] = {};
    services[`node${n.index}`] = {
      image,
      command: ['node', 'start', '--config', `${BUNDLE_MOUNT}/config.json`],
      restart: 'unless-stopped',
      stop_signal: 'SIGTERM',
      stop_grace_period: `${Math.ceil(t.shutdownGraceMs / 1000) + 5}s`,
      read_only: true,
      user: '10001',
      healthcheck: { test: ['CMD', ...probeCommand(false)], interval: '10s', timeout: '5s', retries: 3, start_period: '20s' },
      volumes: [`./clouds/${n.cloud.name}/nodes/${n.index}:${BUNDLE_MOUNT}:ro`, `data${n.index}:${DATA_DIR}`],
      networks: {
        [`cloud-${n.cloud.name}`]: {},
        wan: { aliases: [n.host, ...n.altNames] },
      },
    };
  }
  const first = t.tenants[0];
  services.operator = {
    image,
    profiles: ['tools'],
    user: '10001',
    volumes: ['./client:/etc/splitkey/client:ro', './admin:/etc/splitkey/admin:ro', ...(first ? [`./tenants/${first}:/etc/splitkey/tenant:ro`] : [])],
    environment: {
      SPLITKEY_CLUSTER: '/etc/splitkey/client/cluster.json',
      SPLITKEY_CA: '/etc/splitkey/client/ca.crt',
      SPLITKEY_ADMIN_CERT: '/etc/splitkey/admin/admin.crt',
      SPLITKEY_ADMIN_KEY: '/etc/splitkey/admin/admin.key',
      ...(first ? { SPLITKEY_CERT: '/etc/splitkey/tenant/client.crt', SPLITKEY_KEY: '/etc/splitkey/tenant/client.key' } : {}),
    },
    networks: ['wan'],
  };
  const networks: Record<string, object> = { wan: {} };
  for (const c of t.clouds) networks[`cloud-${c.name}`] = { internal: true };
  const header = [
    `# splitkey cluster ${t.name} on one host (staging): ${t.clouds.map((c) => `${c.name} ${c.nodes.length}`).join(', ')}; t = ${t.threshold}.`,
    '# Bundles are read by uid 10001: chown -R 10001 clouds tenants admin client; then docker compose up -d',
    '# Operator: docker compose run --rm operator status',
  ].join('\n');
  return `${header}\n${stringify({ name: `splitkey-${t.name}`, services, networks, volumes }, { lineWidth: 0 })}`;
}
