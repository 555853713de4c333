/**
 * `splitkey chaos` without a cluster: the shipped plans list and validate, generated plans are
 * a function of their seed, a bad plan is a usage error, and `chaos report` turns a saved history
 * into exit codes 0 / 1 / 2 (valid / invalid / unknown).
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkHistory } from '../../cli/chaos/checks/index.js';
import type { History } from '../../cli/chaos/history.js';
import { writeRunOutput } from '../../cli/chaos/report/write.js';

const CLI = join(process.cwd(), 'dist', 'cli', 'main.js');
const splitkey = (args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });

function history(output: string): History {
  const v = { key: 'demo/chaos-1', version: 1, state: 'active', epoch: '1', threshold: 3, nodeIndices: [1, 2, 3], publicKey: 'ab', sharesDigest: 'cd', health: 'ok' };
  const snap = (phase: 'before' | 'after') => ({ type: 'snapshot' as const, phase, at: 0, nodes: Object.fromEntries([1, 2, 3].map((i) => [String(i), { ok: true, versions: [v] }])) });
  return {
    meta: { plan: 'saved', target: 'local', n: 3, t: 2, allowQuorumLoss: false, bounds: { successRate: 0.999, recoveryMs: 5000 }, startedAt: '2026-01-01T00:00:00Z', durationMs: 100, destroyed: [] },
    ops: [
      { type: 'op', id: 1, kind: 'derive', key: 'demo/chaos-1', version: 1, resource: 'r', start: 0, end: 5, ok: true, phase: 'workload', output, expected: 'aa', reachable: 3, nodesAsked: [1, 2, 3] },
      { type: 'op', id: 2, kind: 'derive', key: 'demo/chaos-1', version: 1, resource: 'r', start: 50, end: 55, ok: true, phase: 'final', output: 'aa', expected: 'aa', reachable: 3, nodesAsked: [1, 2, 3] },
    ],
    faults: [],
    lifecycle: [],
    snapshots: [snap('before'), snap('after')],
  };
}

describe('splitkey chaos (no cluster)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'splitkey-chaos-cli-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('lists the shipped plans, each of which validates, and prints one', () => {
    const list = splitkey(['chaos', 'plan']);
    expect(list.status, list.stderr).toBe(0);
    const names = list.stdout.trim().split('\n').map((l) => l.split('\t')[0]);
    expect(names).toEqual(expect.arrayContaining(['kill-two', 'quorum-loss', 'random', 'lab-network', 'lifecycle-under-faults']));
    expect(names.length).toBeGreaterThanOrEqual(12);
    const one = splitkey(['chaos', 'plan', 'kill-two']);
    expect(one.stdout).toMatch(/^name: kill-two/);
  });

  it('generates a plan from a seed: same seed, same plan and schedule', async () => {
    const a = splitkey(['chaos', 'plan', '--generate', '--seed', '99', '--faults', '5']);
    expect(a.status, a.stderr).toBe(0);
    expect(splitkey(['chaos', 'plan', '--generate', '--seed', '99', '--faults', '5']).stdout).toBe(a.stdout);
    await writeFile(join(dir, 'gen.yaml'), a.stdout);
    const s1 = splitkey(['chaos', 'plan', join(dir, 'gen.yaml'), '--schedule']);
    expect(s1.status, s1.stderr).toBe(0);
    expect(JSON.parse(s1.stdout)).toHaveLength(5);
    expect(splitkey(['chaos', 'plan', join(dir, 'gen.yaml'), '--schedule', '--seed', '100']).stdout).not.toBe(s1.stdout);
  });

  it('a plan that breaks the n − t rule or names an unknown field is a usage error, named', async () => {
    await writeFile(join(dir, 'bad.yaml'), 'name: bad\ntarget: { kind: local }\nfaults:\n  steps:\n    - { at: 0, fault: kill, nodes: [1, 2, 3] }\n');
    const r = splitkey(['chaos', 'run', join(dir, 'bad.yaml'), '--out', join(dir, 'bad-out')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/3 nodes are faulty at 0 ms, more than n − t = 2; set allowQuorumLoss/);
    await writeFile(join(dir, 'typo.yaml'), 'name: typo\ntarget: { kind: local }\nworkload: { rat: 5 }\n');
    expect(splitkey(['chaos', 'plan', join(dir, 'typo.yaml')]).stderr).toMatch(/workload: Unrecognized key.*rat/);
  });

  it('chaos report exits 0 for a valid history, 1 for one wrong key, 2 when the history cannot tell', async () => {
    const cases: [string, History, number, RegExp][] = [
      ['valid', history('aa'), 0, /^valid\t/],
      ['wrong', history('bb'), 1, /^invalid\t/],
      ['thin', { ...history('aa'), snapshots: [] }, 2, /^unknown\t/],
    ];
    for (const [name, h, code, verdict] of cases) {
      const out = join(dir, name);
      await writeRunOutput(out, h, checkHistory(h, ['safety', 'durability']), []);
      const r = splitkey(['chaos', 'report', out]);
      expect(r.status, `${name}: ${r.stderr}`).toBe(code);
      expect(r.stdout).toMatch(verdict);
    }
  });
});
