/**
 * The output directory of a run:
 *
 *   results.json    verdict and valid: true/false/"unknown" per check, and the run's figures
 *   history.jsonl   a meta line, the snapshots, lifecycle operations and every operation
 *   faults.jsonl    every fault with planned, injected and healed times
 *   schedule.json   the concrete schedule (what the seed expanded to)
 *   junit.xml       one test case per check
 *   report.html     the self-contained report with the timeline
 *   nodes/<i>.log   each node's log (written by the target)
 */
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { checkHistory, type Results } from '../checks/index.js';
import { historyFromJsonl, historyToJsonl, type History } from '../history.js';
import type { CheckName } from '../plan.js';
import type { ScheduledFault } from '../schedule.js';
import { reportHtml } from './html.js';
import { junitXml } from './junit.js';

export async function writeRunOutput(dir: string, h: History, r: Results, schedule: readonly ScheduledFault[]): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'results.json'), `${JSON.stringify(r, null, 2)}\n`);
  await writeFile(join(dir, 'history.jsonl'), historyToJsonl(h));
  await writeFile(join(dir, 'faults.jsonl'), h.faults.map((f) => `${JSON.stringify(f)}\n`).join(''));
  await writeFile(join(dir, 'schedule.json'), `${JSON.stringify(schedule, null, 2)}\n`);
  await writeFile(join(dir, 'junit.xml'), junitXml(r));
  await writeFile(join(dir, 'report.html'), reportHtml(h, r));
}

/** Re-judge a run from its files (the checks it was run with), and rewrite its report. */
export async function rejudge(dir: string): Promise<Results> {
  const h = historyFromJsonl(await readFile(join(dir, 'history.jsonl'), 'utf8'), await readFile(join(dir, 'faults.jsonl'), 'utf8'));
  const old = JSON.parse(await readFile(join(dir, 'results.json'), 'utf8')) as Results;
  const r = checkHistory(h, Object.keys(old.checks) as CheckName[]);
  await writeFile(join(dir, 'results.json'), `${JSON.stringify(r, null, 2)}\n`);
  await writeFile(join(dir, 'junit.xml'), junitXml(r));
  await writeFile(join(dir, 'report.html'), reportHtml(h, r));
  return r;
}
