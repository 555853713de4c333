/**
 * `splitkey chaos`: failover testing an operator runs against their own cluster.
 *
 *   splitkey chaos run PLAN [--seed N] [--out DIR]   run a plan; exit 0 valid, 1 invalid, 2 unknown
 *   splitkey chaos plan [PLAN] [--schedule]          list shipped plans, print one, or its schedule
 *   splitkey chaos plan --generate --seed N          print a seeded random plan
 *   splitkey chaos report DIR                        re-judge a run's history and rewrite its report
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { stringify as toYaml } from 'yaml';
import { integer } from '../options.js';
import { CliError, EXIT, info, out } from '../output.js';

export function registerChaos(program: Command): void {
  const chaos = program.command('chaos').description('failover testing against your own cluster: faults, a checked workload, a verdict and a report');

  chaos
    .command('run')
    .argument('<plan>', 'a plan file (YAML or JSON) or the name of a shipped plan')
    .description('run a chaos plan; writes results.json, history.jsonl, faults.jsonl, junit.xml, report.html and node logs to --out; exit 0 valid, 1 invalid, 2 unknown')
    .option('--seed <n>', "seed of the random schedule and the workload's choices (default: the plan's)", integer('The seed', 0, 2 ** 32 - 1))
    .option('--out <dir>', 'output directory (default: a new temp dir)')
    .action(async (planArg: string, opts: { seed?: number; out?: string }) => {
      const { parsePlanText, PlanError } = await import('../chaos/plan.js');
      const { resolvePlanPath } = await import('../chaos/shipped.js');
      const { runPlan } = await import('../chaos/runner.js');
      const { createTarget } = await import('../chaos/targets/index.js');
      const { writeRunOutput } = await import('../chaos/report/write.js');
      const { VERDICT_EXIT } = await import('../chaos/checks/index.js');
      let plan;
      try {
        plan = parsePlanText(await readFile(await resolvePlanPath(planArg), 'utf8'));
      } catch (e) {
        throw new CliError((e as Error).message, e instanceof PlanError ? EXIT.usage : EXIT.failed);
      }
      const outDir = resolve(opts.out ?? (await mkdtemp(join(tmpdir(), 'splitkey-chaos-'))));
      if (plan.target.kind === 'lab') {
        const lab = await import('../chaos/targets/lab-enter.js');
        if (!lab.insideLab()) {
          const why = lab.labTargetUnavailable();
          if (why) throw new CliError(`${why}; nothing was run (verdict unknown)`, VERDICT_EXIT.unknown);
          // The run happens inside the lab's client namespace; this process waits for it.
          process.exitCode = await lab.enterLabClient(plan.target, [process.argv[1]!, 'chaos', 'run', planArg, '--out', outDir, ...(opts.seed !== undefined ? ['--seed', String(opts.seed)] : [])]);
          return;
        }
      }
      const target = await createTarget(plan.target);
      let outcome;
      try {
        outcome = await runPlan(plan, target, { outDir, seed: opts.seed, log: (l) => info(`chaos: ${l}`) });
      } catch (e) {
        throw new CliError((e as Error).message, e instanceof PlanError ? EXIT.usage : EXIT.failed);
      }
      await writeRunOutput(outDir, outcome.history, outcome.results, outcome.schedule);
      const r = outcome.results;
      for (const c of Object.values(r.checks)) info(`${c.name}: ${c.verdict} — ${c.summary}`);
      const f = r.figures;
      info(`${f.operationsChecked} operations checked, ${f.faultsInjected} faults injected, ${f.faultsSurvived} survived, ${f.wrongKeys} wrong keys, ${f.sharesLost} shares lost, worst recovery ${f.worstRecoveryMs} ms, longest heal ${f.worstHealMs} ms`);
      out(`${r.verdict}\t${join(outDir, 'report.html')}`);
      process.exitCode = VERDICT_EXIT[r.verdict];
    });

  chaos
    .command('plan')
    .argument('[plan]', 'a plan file or the name of a shipped plan (default: list the shipped plans)')
    .description('list the shipped plans, print one (validated), print its concrete schedule, or generate a seeded random plan')
    .option('--schedule', 'print the concrete fault schedule the plan (and --seed) expands to, as JSON')
    .option('--generate', 'print a new plan with a seeded random schedule')
    .option('--seed <n>', 'seed of the random schedule', integer('The seed', 0, 2 ** 32 - 1))
    .option('--faults <k>', 'number of random faults (with --generate; default 8)', integer('The number of faults', 1, 1000))
    .option('--duration <ms>', 'workload duration in ms (with --generate; default 30000)', integer('The duration', 1000, 24 * 3600_000))
    .action(async (planArg: string | undefined, opts: { schedule?: boolean; generate?: boolean; seed?: number; faults?: number; duration?: number }) => {
      const { parsePlan, parsePlanText } = await import('../chaos/plan.js');
      const { resolvePlanPath, shippedPlans } = await import('../chaos/shipped.js');
      const { buildSchedule } = await import('../chaos/schedule.js');
      const { withSeed } = await import('../chaos/runner.js');
      if (opts.generate) {
        if (planArg) throw new CliError('--generate makes a new plan; give no plan with it', EXIT.usage);
        const seed = opts.seed ?? Math.floor(Math.random() * 2 ** 32);
        const doc = {
          name: `random-${seed}`,
          description: 'kill, pause and restart drawn from a seeded PRNG; never more than n − t nodes at once',
          target: { kind: 'local', nodes: 5, threshold: 3 },
          workload: { durationMs: opts.duration ?? 30_000, rate: 20 },
          faults: { random: { seed, count: opts.faults ?? 8, kinds: ['kill', 'pause', 'restart'] } },
        };
        parsePlan(doc);
        out(toYaml(doc).trimEnd());
        return;
      }
      if (!planArg) {
        for (const p of await shippedPlans()) {
          const plan = parsePlanText(await readFile(p.path, 'utf8'));
          out(`${p.name}\t${plan.description ?? ''}`);
        }
        return;
      }
      const text = await readFile(await resolvePlanPath(planArg), 'utf8');
      const plan = withSeed(parsePlanText(text), opts.seed);
      if (opts.schedule) out(JSON.stringify(buildSchedule(plan), null, 2));
      else {
        buildSchedule(plan); // refuses a schedule that breaks the n − t rule
        out(text.trimEnd());
      }
    });

  chaos
    .command('report')
    .argument('<dir>', 'output directory of a chaos run')
    .description("judge a run's history.jsonl and faults.jsonl again, rewrite results.json, junit.xml and report.html; exit 0 valid, 1 invalid, 2 unknown")
    .action(async (dir: string) => {
      const { rejudge } = await import('../chaos/report/write.js');
      const { VERDICT_EXIT } = await import('../chaos/checks/index.js');
      const r = await rejudge(dir);
      for (const c of Object.values(r.checks)) info(`${c.name}: ${c.verdict} — ${c.summary}`);
      out(`${r.verdict}\t${join(resolve(dir), 'report.html')}`);
      process.exitCode = VERDICT_EXIT[r.verdict];
    });
}
