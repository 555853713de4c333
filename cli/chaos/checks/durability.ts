/**
 * Durability: after every fault is healed, every node still holds every version it held before
 * (unless the plan destroyed it or a reshare moved it away), every share opens, and every
 * reference output comes out unchanged in the final probes.
 */
import type { History, SnapshotRecord } from '../history.js';
import { checkResult, type CheckResult } from './verdict.js';

const snapshot = (h: History, phase: SnapshotRecord['phase']) => h.snapshots.find((s) => s.phase === phase);

export function checkDurability(h: History): CheckResult {
  const before = snapshot(h, 'before');
  const after = snapshot(h, 'after');
  if (!before || !after) return checkResult('durability', 'unknown', `the ${before ? 'after' : 'before'} snapshot is missing`, []);
  const destroyed = new Set(h.meta.destroyed);
  const problems: string[] = [];
  let lost = 0;
  let checked = 0;
  for (const [node, b] of Object.entries(before.nodes)) {
    if (!b.ok) continue;
    const a = after.nodes[node];
    if (!a?.ok) {
      problems.push(`node ${node} did not answer after the heal${a?.error ? `: ${a.error}` : ''}`);
      continue;
    }
    for (const v of b.versions) {
      const name = `${v.key}@${v.version}`;
      if (destroyed.has(name)) continue;
      checked++;
      const now = a.versions.find((x) => x.key === v.key && x.version === v.version);
      // A reshare may legitimately move a version off this node: the new record says so.
      const movedAway = h.lifecycle.some((l) => l.ok && l.op === 'reshare') && after.nodes && Object.values(after.nodes).some((o) => o.versions.some((x) => x.key === v.key && x.version === v.version && !x.nodeIndices.includes(Number(node))));
      if (!now) {
        if (movedAway) continue;
        lost++;
        problems.push(`node ${node} lost ${name}`);
      } else if (now.state === 'destroyed' && v.state !== 'destroyed') {
        lost++;
        problems.push(`node ${node} reports ${name} destroyed, which no operation of the plan did`);
      } else if (now.health !== 'ok' && now.state !== 'destroyed' && !movedAway) {
        lost++;
        problems.push(`node ${node}: the share of ${name} does not open (${now.health})`);
      }
    }
  }
  const finals = h.ops.filter((o) => o.phase === 'final');
  const changed = finals.filter((o) => !o.ok || (o.expected !== undefined && o.output !== o.expected));
  for (const o of changed) problems.push(`final probe ${o.id} (${o.key}@${o.version} ${o.resource}) ${o.ok ? 'gave a different output' : `failed: ${o.error ?? 'no reason'}`}`);
  const figures = { versionsChecked: checked, sharesLost: lost, finalProbes: finals.length, finalChanged: changed.length };
  if (problems.length > 0) return checkResult('durability', 'invalid', problems[0]!, problems, figures);
  if (finals.length === 0) return checkResult('durability', 'unknown', 'no final probe ran after the heal', [], figures);
  return checkResult('durability', 'valid', `${checked} node-versions kept, ${finals.length} final outputs unchanged`, [], figures);
}
