/**
 * Agreement: after the heal, every node holding a version reports the same record for it: state,
 * epoch, threshold, node set, pkS and public shares. A node that does not answer after the heal
 * leaves agreement unknown for the versions it holds.
 */
import type { History, VersionRecord } from '../history.js';
import { checkResult, type CheckResult } from './verdict.js';

const recordOf = (v: VersionRecord) => JSON.stringify([v.state, v.epoch, v.threshold, v.nodeIndices, v.publicKey, v.sharesDigest]);

export function checkAgreement(h: History): CheckResult {
  const after = h.snapshots.find((s) => s.phase === 'after');
  if (!after) return checkResult('agreement', 'unknown', 'no snapshot after the heal', []);
  const byVersion = new Map<string, Map<string, number[]>>();
  const silent: number[] = [];
  for (const [node, s] of Object.entries(after.nodes)) {
    if (!s.ok) {
      silent.push(Number(node));
      continue;
    }
    for (const v of s.versions) {
      if (!v.nodeIndices.includes(Number(node))) continue; // a node that left keeps no record to agree on
      const name = `${v.key}@${v.version}`;
      const records = byVersion.get(name) ?? new Map<string, number[]>();
      byVersion.set(name, records);
      const r = recordOf(v);
      records.set(r, [...(records.get(r) ?? []), Number(node)]);
    }
  }
  const problems: string[] = [];
  for (const [name, records] of byVersion) {
    if (records.size > 1) {
      const groups = [...records.entries()].map(([r, nodes]) => {
        const [state, epoch] = JSON.parse(r) as [string, string];
        return `nodes ${nodes.join(',')}: ${state}, epoch ${epoch}`;
      });
      problems.push(`${name}: nodes disagree (${groups.join(' / ')})`);
    }
  }
  const figures = { versions: byVersion.size, disagreements: problems.length, silentNodes: silent.length };
  if (problems.length > 0) return checkResult('agreement', 'invalid', problems[0]!, problems, figures);
  if (silent.length > 0) return checkResult('agreement', 'unknown', `node(s) ${silent.join(',')} did not answer after the heal`, [], figures);
  if (byVersion.size === 0) return checkResult('agreement', 'unknown', 'no version in the snapshot', [], figures);
  return checkResult('agreement', 'valid', `all nodes agree on ${byVersion.size} version(s)`, [], figures);
}
