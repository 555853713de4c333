/**
 * Safety: every output equals the reference computed before any fault. One wrong key makes the
 * whole run invalid; an output with no reference to compare against leaves the check unknown.
 */
import type { History } from '../history.js';
import { checkResult, type CheckResult } from './verdict.js';

export function checkSafety(h: History): CheckResult {
  const succeeded = h.ops.filter((o) => o.ok);
  const wrong = succeeded.filter((o) => o.expected !== undefined && o.output !== o.expected);
  const unchecked = succeeded.filter((o) => o.expected === undefined || o.output === undefined);
  const problems = wrong.map((o) => `operation ${o.id} (${o.kind} ${o.key}@${o.version} ${o.resource} at ${o.start} ms): output ${o.output ?? 'missing'} differs from the reference ${o.expected}`);
  const figures = { checked: succeeded.length - unchecked.length, wrongKeys: wrong.length, unchecked: unchecked.length };
  if (wrong.length > 0) return checkResult('safety', 'invalid', `${wrong.length} wrong output(s) of ${succeeded.length}`, problems, figures);
  if (succeeded.length === 0) return checkResult('safety', 'unknown', 'no operation succeeded: nothing to compare', [], figures);
  if (unchecked.length > 0) {
    return checkResult('safety', 'unknown', `${unchecked.length} output(s) had no reference`, unchecked.slice(0, 5).map((o) => `operation ${o.id} (${o.kind} ${o.key}@${o.version}) has no reference output`), figures);
  }
  return checkResult('safety', 'valid', `all ${succeeded.length} outputs equal the reference`, [], figures);
}
