/**
 * Liveness: while at least t honest nodes are reachable, at least `bounds.successRate` of the
 * requests succeed; after each heal a request succeeds again within `bounds.recoveryMs`. The
 * worst recovery time is reported. Requests aimed at a destroyed version are not counted.
 */
import type { FaultRecord, History, OpRecord } from '../history.js';
import { checkResult, type CheckResult } from './verdict.js';

/**
 * Milliseconds from the start of the heal (the operator's action: restart, SIGCONT, restore) to
 * the end of the first successful operation started after it. It includes the time a node takes
 * to serve again.
 */
export function recoveryTime(f: FaultRecord, ops: readonly OpRecord[]): number | undefined {
  const from = f.healStartedAt ?? f.healedAt;
  if (from === undefined) return undefined;
  const after = ops.filter((o) => o.ok && !o.expectRefusal && o.start >= from).sort((a, b) => a.end - b.end)[0];
  return after ? after.end - from : undefined;
}

export function checkLiveness(h: History): CheckResult {
  const { t, bounds } = h.meta;
  const counted = h.ops.filter((o) => o.reachable >= t && !o.expectRefusal);
  const failed = counted.filter((o) => !o.ok);
  const rate = counted.length === 0 ? 0 : (counted.length - failed.length) / counted.length;
  const problems: string[] = [];
  if (counted.length > 0 && rate < bounds.successRate) {
    problems.push(`success rate ${(rate * 100).toFixed(2)} % with at least t = ${t} honest nodes reachable is below ${(bounds.successRate * 100).toFixed(2)} % (${failed.length} of ${counted.length} failed)`);
    for (const o of failed.slice(0, 10)) problems.push(`operation ${o.id} (${o.kind} at ${o.start} ms, ${o.reachable} reachable) failed: ${o.error ?? o.code ?? 'no reason'}`);
  }
  let worst = 0;
  let unmeasured = 0;
  for (const f of h.faults) {
    if (f.injectedAt === undefined) continue;
    if (!f.healed) {
      problems.push(`fault ${f.id} (${f.kind} of node ${f.nodes.join(',')}) was never healed${f.error ? `: ${f.error}` : ''}`);
      continue;
    }
    const r = recoveryTime(f, h.ops);
    if (r === undefined) {
      unmeasured++;
      continue;
    }
    worst = Math.max(worst, r);
    if (r > bounds.recoveryMs) problems.push(`after fault ${f.id} (${f.kind} of node ${f.nodes.join(',')}) was healed at ${f.healStartedAt ?? f.healedAt} ms, the first success came ${r} ms later, past the bound of ${bounds.recoveryMs} ms`);
  }
  const figures = { counted: counted.length, failed: failed.length, successRatePermille: Math.floor(rate * 1000), worstRecoveryMs: worst, unmeasuredRecoveries: unmeasured };
  if (problems.length > 0) return checkResult('liveness', 'invalid', problems[0]!, problems, figures);
  if (counted.length === 0) return checkResult('liveness', 'unknown', 'no request ran with t honest nodes reachable', [], figures);
  if (unmeasured > 0) return checkResult('liveness', 'unknown', `${unmeasured} heal(s) had no request after them to measure recovery`, [], figures);
  return checkResult('liveness', 'valid', `${((rate * 100).toFixed(2))} % of ${counted.length} requests succeeded with ≥ t reachable; worst recovery ${worst} ms (bound ${bounds.recoveryMs} ms)`, [], figures);
}
