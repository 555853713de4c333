/**
 * The kubernetes target cannot run in CI (no cluster): these tests check the kubectl commands it
 * would issue for each fault and heal, and that it refuses faults it cannot inject.
 */
import { describe, expect, it } from 'vitest';
import { parsePlan } from '../../cli/chaos/plan.js';
import { checkTargetSupports } from '../../cli/chaos/runner.js';
import { buildSchedule, type ScheduledFault } from '../../cli/chaos/schedule.js';
import { denyAllPolicy, healCommands, injectCommands, KubernetesTarget, type KubectlCommand } from '../../cli/chaos/targets/kubernetes.js';

const spec = { namespace: 'vault', statefulSetPrefix: 'splitkey-node-', nodes: 5, threshold: 3, context: 'prod-eu' };
const ns = ['--context', 'prod-eu', '--namespace', 'vault'];
const fault = (kind: ScheduledFault['kind'], nodes: number[]): ScheduledFault => ({ id: 'f1', kind, nodes, at: 0, healAt: 1000, origin: 'fixed' });

describe('kubernetes target: kubectl commands', () => {
  it('kill deletes the pod at once; the StatefulSet brings it back and the heal waits for the rollout', () => {
    expect(injectCommands(spec, 'kill', 2)).toEqual([{ args: [...ns, 'delete', 'pod', 'splitkey-node-2-0', '--grace-period=0', '--force', '--wait=false'] }]);
    expect(healCommands(spec, 'kill', 2)).toEqual([{ args: [...ns, 'rollout', 'status', 'statefulset/splitkey-node-2', '--timeout=180s'] }]);
  });

  it("pause scales the node's StatefulSet to 0 and back to 1", () => {
    expect(injectCommands(spec, 'pause', 4)).toEqual([{ args: [...ns, 'scale', 'statefulset', 'splitkey-node-4', '--replicas=0'] }]);
    expect(healCommands(spec, 'pause', 4).map((c) => c.args.slice(4))).toEqual([
      ['scale', 'statefulset', 'splitkey-node-4', '--replicas=1'],
      ['rollout', 'status', 'statefulset/splitkey-node-4', '--timeout=180s'],
    ]);
  });

  it('partition applies a deny-all NetworkPolicy on the pod and deletes it to heal', () => {
    const [apply] = injectCommands(spec, 'partition', 1);
    expect(apply!.args).toEqual([...ns, 'apply', '-f', '-']);
    expect(JSON.parse(apply!.stdin!)).toEqual(denyAllPolicy(spec, 1));
    expect(denyAllPolicy(spec, 1)).toMatchObject({
      kind: 'NetworkPolicy',
      metadata: { name: 'splitkey-node-1-chaos-deny-all', namespace: 'vault' },
      spec: { podSelector: { matchLabels: { 'statefulset.kubernetes.io/pod-name': 'splitkey-node-1-0' } }, policyTypes: ['Ingress', 'Egress'], ingress: [], egress: [] },
    });
    expect(healCommands(spec, 'partition', 1)).toEqual([{ args: [...ns, 'delete', 'networkpolicy', 'splitkey-node-1-chaos-deny-all', '--ignore-not-found'] }]);
  });

  it('without a context, only the namespace is given', () => {
    expect(injectCommands({ ...spec, context: undefined }, 'restart', 3)[0]!.args).toEqual(['--namespace', 'vault', 'delete', 'pod', 'splitkey-node-3-0', '--wait=true']);
  });

  it('runs the commands for every node of a fault, in order, through kubectl', async () => {
    const issued: KubectlCommand[] = [];
    const target = new KubernetesTarget(spec, async (c) => {
      issued.push(c);
      return 'ok\n';
    });
    await target.inject(fault('pause', [1, 3]));
    await target.heal(fault('pause', [1, 3]));
    expect(issued.map((c) => c.args.slice(4).join(' '))).toEqual([
      'scale statefulset splitkey-node-1 --replicas=0',
      'scale statefulset splitkey-node-3 --replicas=0',
      'scale statefulset splitkey-node-1 --replicas=1',
      'rollout status statefulset/splitkey-node-1 --timeout=180s',
      'scale statefulset splitkey-node-3 --replicas=1',
      'rollout status statefulset/splitkey-node-3 --timeout=180s',
    ]);
    issued.length = 0;
    await target.teardown();
    expect(issued).toHaveLength(5); // any leftover deny-all policy is removed
  });

  it('refuses, before anything starts, a plan with faults it cannot inject', () => {
    const target = new KubernetesTarget(spec, async () => '');
    const plan = parsePlan({ name: 'k', target: { kind: 'kubernetes' }, faults: { steps: [{ at: 0, fault: 'byzantine', lie: 'destroyed', nodes: [1] }, { at: 0, fault: 'disk-corrupt', nodes: [2] }] } });
    expect(() => checkTargetSupports(plan, buildSchedule(plan), target)).toThrow(/byzantine is not available on the kubernetes target.*disk-corrupt is not available/);
  });
});
