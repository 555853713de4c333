/**
 * The chaos CI tier: every shipped plan run through `splitkey chaos run` on the local target
 * (separate node processes), each expected valid (exit 0), plus the seeded random plan run twice
 * with one seed (same schedule, same verdict). The figures of the run are printed and written to
 * $TMPDIR/splitkey-chaos-ci/summary.json (the README publishes those of the last run).
 *
 * The lab target's plans run in test/chaos/lab-tier.test.ts (root only).
 */
import { spawn } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Results } from '../../cli/chaos/checks/index.js';

const CLI = join(process.cwd(), 'dist', 'cli', 'main.js');
const OUT = join(tmpdir(), 'splitkey-chaos-ci');
const FIXED = ['kill-two', 'pause-two', 'crash-loop', 'rolling-restart', 'byzantine-partials', 'byzantine-records', 'disk-faults', 'bad-certificates', 'lifecycle-under-faults', 'quorum-loss'];
const SEED = '4242';

function splitkey(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string; ms: number }> {
  const start = performance.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_OPTIONS: '' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (status) => resolve({ status, stdout, stderr, ms: Math.round(performance.now() - start) }));
  });
}

const summary: { plan: string; verdict: string; seconds: number; figures: Results['figures'] }[] = [];

async function runPlan(plan: string, out: string, extra: string[] = []): Promise<Results> {
  const r = await splitkey(['chaos', 'run', plan, '--out', out, ...extra]);
  const results = JSON.parse(await readFile(join(out, 'results.json'), 'utf8')) as Results;
  const failed = Object.values(results.checks).filter((c) => c.verdict !== 'valid');
  expect(failed.map((c) => `${c.name}: ${c.summary} ${c.problems.slice(0, 3).join(' | ')}`), `${plan}: ${r.stderr.slice(-1500)}`).toEqual([]);
  expect(r.status).toBe(0);
  expect(r.stdout).toMatch(/^valid\t.*report\.html/);
  summary.push({ plan: `${plan}${extra.length ? ` ${extra.join(' ')}` : ''}`, verdict: results.verdict, seconds: Math.round(r.ms / 1000), figures: results.figures });
  return results;
}

describe('chaos CI tier (local target)', () => {
  afterAll(async () => {
    const total = summary.reduce(
      (a, s) => ({
        plans: a.plans + 1,
        operationsChecked: a.operationsChecked + s.figures.operationsChecked,
        faultsInjected: a.faultsInjected + s.figures.faultsInjected,
        faultsSurvived: a.faultsSurvived + s.figures.faultsSurvived,
        wrongKeys: a.wrongKeys + s.figures.wrongKeys,
        sharesLost: a.sharesLost + s.figures.sharesLost,
        worstRecoveryMs: Math.max(a.worstRecoveryMs, s.figures.worstRecoveryMs),
        worstHealMs: Math.max(a.worstHealMs, s.figures.worstHealMs),
        lifecycleOps: a.lifecycleOps + s.figures.lifecycleOps,
        seconds: a.seconds + s.seconds,
      }),
      { plans: 0, operationsChecked: 0, faultsInjected: 0, faultsSurvived: 0, wrongKeys: 0, sharesLost: 0, worstRecoveryMs: 0, worstHealMs: 0, lifecycleOps: 0, seconds: 0 },
    );
    await mkdir(OUT, { recursive: true });
    await writeFile(join(OUT, 'summary.json'), `${JSON.stringify({ total, runs: summary }, null, 2)}\n`);
    process.stderr.write(`chaos CI tier: ${JSON.stringify(total)}\n${summary.map((s) => `  ${s.plan}: ${s.verdict} in ${s.seconds} s, ${JSON.stringify(s.figures)}`).join('\n')}\n`);
  });

  it.each(FIXED)('%s is valid', async (plan) => {
    const out = join(OUT, plan);
    await rm(out, { recursive: true, force: true });
    const r = await runPlan(plan, out);
    expect(r.figures.wrongKeys).toBe(0);
    expect(r.figures.sharesLost).toBe(0);
    expect(r.figures.faultsInjected).toBeGreaterThan(0);
    // The run leaves what an operator reads: results, history, faults, junit, the report, node logs.
    for (const f of ['results.json', 'history.jsonl', 'faults.jsonl', 'junit.xml', 'report.html', 'nodes/1.log']) await readFile(join(out, f));
    if (plan === 'quorum-loss') {
      // Below t every request was refused, and each refusal named its nodes.
      expect(r.checks.attribution!.figures.failed).toBeGreaterThan(0);
    }
    // `chaos report` re-judges the saved history to the same verdict.
    const again = await splitkey(['chaos', 'report', out]);
    expect(again.status).toBe(0);
    expect(again.stdout).toMatch(/^valid\t/);
  }, 150_000);

  it('the seeded random run is reproducible: same seed, same schedule, same verdict', async () => {
    for (const d of ['random-a', 'random-b']) await rm(join(OUT, d), { recursive: true, force: true });
    const planned = await splitkey(['chaos', 'plan', 'random', '--schedule', '--seed', SEED]);
    expect(planned.status).toBe(0);
    const a = await runPlan('random', join(OUT, 'random-a'), ['--seed', SEED]);
    const b = await runPlan('random', join(OUT, 'random-b'), ['--seed', SEED]);
    const scheduleA = await readFile(join(OUT, 'random-a', 'schedule.json'), 'utf8');
    expect(scheduleA).toBe(await readFile(join(OUT, 'random-b', 'schedule.json'), 'utf8'));
    expect(JSON.parse(scheduleA)).toEqual(JSON.parse(planned.stdout));
    expect(a.seed).toBe(Number(SEED));
    expect(b.verdict).toBe(a.verdict);
    expect(a.figures.faultsInjected).toBe(b.figures.faultsInjected);
  }, 200_000);
});
