/**
 * The `kubernetes` target: faults through `kubectl` against a cluster deployed with one
 * StatefulSet per node (`<prefix><i>`, one replica, pod `<prefix><i>-0`), as deploy/ describes.
 *
 *   kill          kubectl delete pod <prefix><i>-0 --grace-period=0 --force   (the StatefulSet restarts it)
 *   pause         kubectl scale statefulset <prefix><i> --replicas=0          (healed: --replicas=1, then wait Ready)
 *   restart       kubectl delete pod <prefix><i>-0                            (graceful)
 *   partition     a deny-all NetworkPolicy selecting the node's pod           (healed: delete it)
 *
 * The workload and the operator CLI run where this command runs, against the cluster descriptor
 * and credentials in the environment (SPLITKEY_*), as for any other command. Nothing here can run
 * in CI (no Kubernetes cluster): the commands are built by pure functions that the unit tests
 * check, and `kubectl` is run only by `KubernetesTarget`.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import type { ClusterDescriptor } from '../../../client/descriptor.js';
import type { NodeFaultKind } from '../plan.js';
import type { ScheduledFault } from '../schedule.js';
import type { ChaosTarget, ClusterAccess, CliResult } from './target.js';

export interface KubernetesSpec {
  namespace: string;
  statefulSetPrefix: string;
  nodes: number;
  threshold: number;
  context?: string;
}

const SUPPORTED: readonly NodeFaultKind[] = ['kill', 'pause', 'restart', 'partition'];

const base = (s: KubernetesSpec): string[] => [...(s.context ? ['--context', s.context] : []), '--namespace', s.namespace];
const policyName = (s: KubernetesSpec, i: number) => `${s.statefulSetPrefix}${i}-chaos-deny-all`;

/** A NetworkPolicy that denies all ingress and egress of node `i`'s pod. */
export function denyAllPolicy(s: KubernetesSpec, i: number): object {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: policyName(s, i), namespace: s.namespace, labels: { 'app.kubernetes.io/managed-by': 'splitkey-chaos' } },
    spec: { podSelector: { matchLabels: { 'statefulset.kubernetes.io/pod-name': `${s.statefulSetPrefix}${i}-0` } }, policyTypes: ['Ingress', 'Egress'], ingress: [], egress: [] },
  };
}

/** One kubectl invocation: its arguments, and the document it reads on stdin, if any. */
export interface KubectlCommand {
  args: string[];
  stdin?: string;
}

/** The kubectl commands that inject a fault on node `i`. */
export function injectCommands(s: KubernetesSpec, kind: NodeFaultKind, i: number): KubectlCommand[] {
  const sts = `${s.statefulSetPrefix}${i}`;
  switch (kind) {
    case 'kill':
      return [{ args: [...base(s), 'delete', 'pod', `${sts}-0`, '--grace-period=0', '--force', '--wait=false'] }];
    case 'pause':
      return [{ args: [...base(s), 'scale', 'statefulset', sts, '--replicas=0'] }];
    case 'restart':
      return [
        { args: [...base(s), 'delete', 'pod', `${sts}-0`, '--wait=true'] },
        { args: [...base(s), 'wait', '--for=condition=Ready', `pod/${sts}-0`, '--timeout=120s'] },
      ];
    case 'partition':
      return [{ args: [...base(s), 'apply', '-f', '-'], stdin: JSON.stringify(denyAllPolicy(s, i)) }];
    default:
      throw new Error(`the kubernetes target cannot inject ${kind}`);
  }
}

/** The kubectl commands that heal it and wait until the node's pod is Ready again. */
export function healCommands(s: KubernetesSpec, kind: NodeFaultKind, i: number): KubectlCommand[] {
  const sts = `${s.statefulSetPrefix}${i}`;
  const ready = { args: [...base(s), 'rollout', 'status', `statefulset/${sts}`, '--timeout=180s'] };
  switch (kind) {
    case 'kill':
      return [ready];
    case 'pause':
      return [{ args: [...base(s), 'scale', 'statefulset', sts, '--replicas=1'] }, ready];
    case 'restart':
      return [];
    case 'partition':
      return [{ args: [...base(s), 'delete', 'networkpolicy', policyName(s, i), '--ignore-not-found'] }];
    default:
      throw new Error(`the kubernetes target cannot heal ${kind}`);
  }
}

export type KubectlRunner = (cmd: KubectlCommand) => Promise<string>;

const runKubectl: KubectlRunner = (cmd) =>
  new Promise((resolve, reject) => {
    const child = execFile('kubectl', cmd.args, { timeout: 200_000 }, (err, stdout, stderr) => (err ? reject(new Error(`kubectl ${cmd.args.join(' ')}: ${stderr.trim() || err.message}`)) : resolve(stdout)));
    child.stdin?.end(cmd.stdin ?? '');
  });

export class KubernetesTarget implements ChaosTarget {
  readonly kind = 'kubernetes';

  constructor(
    private readonly spec: KubernetesSpec,
    private readonly kubectl: KubectlRunner = runKubectl,
  ) {}

  unsupported(kind: NodeFaultKind): string | undefined {
    return SUPPORTED.includes(kind) ? undefined : `${kind} is not available on the kubernetes target (it supports ${SUPPORTED.join(', ')})`;
  }

  async setup(opts: { outDir: string; byzantine: number[] }): Promise<ClusterAccess> {
    if (opts.byzantine.length > 0) throw new Error('byzantine faults need the local target');
    const env = (name: string) => {
      const v = process.env[name];
      if (!v) throw new Error(`the kubernetes target reads the cluster and credentials from the environment: set ${name}`);
      return v;
    };
    const descriptor = JSON.parse(await readFile(env('SPLITKEY_CLUSTER'), 'utf8')) as ClusterDescriptor;
    return {
      descriptor,
      clientDescriptor: descriptor,
      files: { ca: env('SPLITKEY_CA'), cert: env('SPLITKEY_CERT'), key: env('SPLITKEY_KEY'), adminCert: env('SPLITKEY_ADMIN_CERT'), adminKey: env('SPLITKEY_ADMIN_KEY'), master: env('SPLITKEY_MASTER') },
      tenant: process.env.SPLITKEY_CHAOS_TENANT ?? 'demo',
      masterKeyHex: env('SPLITKEY_MASTER_KEY'),
    };
  }

  private async each(f: ScheduledFault, commands: (i: number) => KubectlCommand[]): Promise<string> {
    const done: string[] = [];
    for (const i of f.nodes) for (const c of commands(i)) done.push((await this.kubectl(c)).trim().split('\n')[0] ?? '');
    return done.filter(Boolean).join('; ');
  }

  inject(f: ScheduledFault): Promise<string> {
    return this.each(f, (i) => injectCommands(this.spec, f.kind, i));
  }

  heal(f: ScheduledFault): Promise<string> {
    return this.each(f, (i) => healCommands(this.spec, f.kind, i));
  }

  async runCli(args: string[]): Promise<CliResult> {
    const { cliEntry } = await import('../../dev-cluster.js');
    return new Promise((resolve) => {
      execFile(process.execPath, [cliEntry(), ...args], { env: process.env }, (err, stdout, stderr) => resolve({ status: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }));
    });
  }

  async collectLogs(dir: string): Promise<void> {
    const { mkdir, writeFile } = await import('node:fs/promises');
    await mkdir(dir, { recursive: true });
    for (let i = 1; i <= this.spec.nodes; i++) {
      const log = await this.kubectl({ args: [...base(this.spec), 'logs', `${this.spec.statefulSetPrefix}${i}-0`, '--tail=5000'] }).catch((e: Error) => `kubectl logs failed: ${e.message}\n`);
      await writeFile(`${dir}/${i}.log`, log);
    }
  }

  async teardown(): Promise<void> {
    // Heals are run by the runner; a leftover deny-all policy is the one thing that would outlive it.
    for (let i = 1; i <= this.spec.nodes; i++) await this.kubectl({ args: [...base(this.spec), 'delete', 'networkpolicy', policyName(this.spec, i), '--ignore-not-found'] }).catch(() => undefined);
  }
}
