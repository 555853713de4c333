/** The target a plan names. Each target module is loaded only when a plan uses it. */
import type { TargetSpec } from '../plan.js';
import type { ChaosTarget } from './target.js';

export async function createTarget(spec: TargetSpec): Promise<ChaosTarget> {
  switch (spec.kind) {
    case 'local':
      return new (await import('./local.js')).LocalTarget(spec);
    case 'lab':
      return new (await import('./lab.js')).LabTarget(spec);
    case 'kubernetes':
      return new (await import('./kubernetes.js')).KubernetesTarget(spec);
  }
}
