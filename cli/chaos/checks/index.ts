/** Every checker by name, and the run's results from a history. */
import type { CheckName } from '../plan.js';
import type { History } from '../history.js';
import { checkAgreement } from './agreement.js';
import { checkAttribution } from './attribution.js';
import { checkDurability } from './durability.js';
import { checkLiveness } from './liveness.js';
import { checkSafety } from './safety.js';
import { combineVerdicts, type CheckResult, type Verdict } from './verdict.js';

export { VERDICT_EXIT, type CheckResult, type Verdict } from './verdict.js';

export const CHECKERS: Record<CheckName, (h: History) => CheckResult> = {
  safety: checkSafety,
  liveness: checkLiveness,
  durability: checkDurability,
  agreement: checkAgreement,
  attribution: checkAttribution,
};

export interface RunFigures {
  operations: number;
  operationsChecked: number;
  faultsInjected: number;
  faultsSurvived: number;
  wrongKeys: number;
  sharesLost: number;
  worstRecoveryMs: number;
  /** Longest heal: from its start to the node serving again (a restart under load). */
  worstHealMs: number;
  lifecycleOps: number;
}

export interface Results {
  plan: string;
  target: string;
  seed?: number;
  verdict: Verdict;
  valid: boolean | 'unknown';
  checks: Record<string, CheckResult>;
  figures: RunFigures;
}

export function checkHistory(h: History, checks: readonly CheckName[]): Results {
  const results = checks.map((c) => CHECKERS[c](h));
  const verdict = combineVerdicts(results);
  const all = Object.fromEntries(results.map((r) => [r.name, r]));
  const safety = all.safety ?? CHECKERS.safety(h);
  const durability = all.durability ?? CHECKERS.durability(h);
  const liveness = all.liveness ?? CHECKERS.liveness(h);
  const injected = h.faults.filter((f) => f.injectedAt !== undefined);
  return {
    plan: h.meta.plan,
    target: h.meta.target,
    ...(h.meta.seed !== undefined ? { seed: h.meta.seed } : {}),
    verdict,
    valid: verdict === 'unknown' ? 'unknown' : verdict === 'valid',
    checks: all,
    figures: {
      operations: h.ops.length,
      operationsChecked: safety.figures.checked ?? 0,
      faultsInjected: injected.length,
      // Survived: healed, and the run's safety and durability held through it.
      faultsSurvived: safety.verdict === 'invalid' || durability.verdict === 'invalid' ? 0 : injected.filter((f) => f.healed).length,
      wrongKeys: safety.figures.wrongKeys ?? 0,
      sharesLost: durability.figures.sharesLost ?? 0,
      worstRecoveryMs: liveness.figures.worstRecoveryMs ?? 0,
      worstHealMs: Math.max(0, ...injected.map((f) => (f.healedAt ?? 0) - (f.healStartedAt ?? f.healedAt ?? 0))),
      lifecycleOps: h.lifecycle.length,
    },
  };
}
