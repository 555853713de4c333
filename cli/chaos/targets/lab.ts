/** The `lab` target (network namespaces): see below. */
import type { NodeFaultKind } from '../plan.js';
import type { ScheduledFault } from '../schedule.js';
import type { ChaosTarget, ClusterAccess, CliResult } from './target.js';

export class LabTarget implements ChaosTarget {
  readonly kind = 'lab';
  constructor(private readonly spec: { nodes: number; threshold: number; clouds: number }) {}
  unsupported(kind: NodeFaultKind): string | undefined {
    return `${kind}: the lab target is not built yet (${this.spec.nodes} nodes)`;
  }
  setup(): Promise<ClusterAccess> {
    throw new Error('the lab target is not built yet');
  }
  inject(_f: ScheduledFault): Promise<string> {
    throw new Error('the lab target is not built yet');
  }
  heal(_f: ScheduledFault): Promise<string> {
    throw new Error('the lab target is not built yet');
  }
  runCli(_args: string[]): Promise<CliResult> {
    throw new Error('the lab target is not built yet');
  }
  async collectLogs(): Promise<void> {}
  async teardown(): Promise<void> {}
}
