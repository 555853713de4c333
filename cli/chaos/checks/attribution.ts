/**
 * Attribution: every failed request names the nodes that did not contribute and why (DESIGN.md
 * step 4: a node is never silently dropped). A failure with no node, or a node without a reason,
 * is invalid.
 */
import type { History } from '../history.js';
import { checkResult, type CheckResult } from './verdict.js';

export function checkAttribution(h: History): CheckResult {
  const failed = h.ops.filter((o) => !o.ok);
  const bad = failed.filter((o) => !o.failures || o.failures.length === 0 || o.failures.some((f) => !Number.isInteger(f.node) || f.node < 1 || f.node > h.meta.n || !f.reason));
  const problems = bad.map((o) => `operation ${o.id} (${o.kind} at ${o.start} ms) failed without naming nodes and reasons: ${o.error ?? o.code ?? 'no message'}`);
  const figures = { failed: failed.length, unattributed: bad.length };
  if (bad.length > 0) return checkResult('attribution', 'invalid', `${bad.length} of ${failed.length} failures name no node`, problems, figures);
  return checkResult('attribution', 'valid', failed.length === 0 ? 'no request failed' : `all ${failed.length} failures name their nodes and reasons`, [], figures);
}
