/**
 * The chaos report renders: report.html of a history (faults, lifecycle operations, a failed
 * request) is parsed by headless Chromium with its inline SVG timeline, and a screenshot of it is
 * a real picture. With SPLITKEY_CHAOS_SCREENSHOT=DIR the report of a real run in DIR is
 * screenshot to docs/chaos-report.png (how the README's picture is made).
 */
import { copyFile, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { checkHistory } from '../../cli/chaos/checks/index.js';
import type { History, OpRecord } from '../../cli/chaos/history.js';
import { reportHtml } from '../../cli/chaos/report/html.js';
import { junitXml } from '../../cli/chaos/report/junit.js';
import { buckets } from '../../cli/chaos/report/timeline.js';
import { chromiumUnavailable, dumpDom, screenshot } from '../helpers/chromium.js';

const skip = chromiumUnavailable();
if (skip) process.stderr.write(`skipping the report rendering test: ${skip}\n`);

function history(): History {
  const ops: OpRecord[] = [];
  for (let ms = 0; ms < 8000; ms += 40) {
    const down = ms >= 3000 && ms < 5000;
    ops.push({
      type: 'op', id: ops.length + 1, kind: 'derive', key: 'demo/chaos-1', version: 1, resource: 'chaos-r1', start: ms, end: ms + (down ? 60 : 15), ok: !down, phase: 'workload',
      ...(down ? { failures: [{ node: 1, reason: 'unavailable' }, { node: 2, reason: 'unavailable' }, { node: 3, reason: 'unavailable' }] } : { output: 'aa', expected: 'aa' }),
      reachable: down ? 2 : 5, nodesAsked: [1, 2, 3, 4, 5],
    });
  }
  const v = { key: 'demo/chaos-1', version: 1, state: 'active', epoch: '1', threshold: 3, nodeIndices: [1, 2, 3, 4, 5], publicKey: 'ab', sharesDigest: 'cd', health: 'ok' };
  const snap = (phase: 'before' | 'after') => ({ type: 'snapshot' as const, phase, at: 0, nodes: Object.fromEntries([1, 2, 3, 4, 5].map((i) => [String(i), { ok: true, versions: [v] }])) });
  return {
    meta: { plan: 'render <test>', target: 'local', n: 5, t: 3, allowQuorumLoss: true, bounds: { successRate: 0.999, recoveryMs: 5000 }, startedAt: '2026-01-01T00:00:00Z', durationMs: 8100, destroyed: [] },
    ops: [...ops, { ...ops[0]!, id: 9999, phase: 'final', start: 8050, end: 8070 }],
    faults: [
      { type: 'fault', id: 'f1', kind: 'kill', nodes: [1, 2, 3], plannedAt: 3000, injectedAt: 3000, healStartedAt: 5000, healedAt: 6000, healed: true },
      { type: 'fault', id: 'f2', kind: 'byzantine', lie: 'wrong-partial', nodes: [5], plannedAt: 1000, injectedAt: 1000, healStartedAt: 2500, healedAt: 2500, healed: true },
    ],
    lifecycle: [{ type: 'lifecycle', op: 'rotate', key: 'demo/chaos-1', start: 1500, end: 2500, ok: true, detail: 'exit 0' }],
    snapshots: [snap('before'), snap('after')],
  };
}

describe.skipIf(skip !== undefined)('chaos report in headless Chromium', () => {
  let dir: string | undefined;
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('parses with its timeline, escapes what the plan names, and screenshots to a real picture', async () => {
    dir = await mkdtemp(join(tmpdir(), 'splitkey-chaos-render-'));
    const h = history();
    const r = checkHistory(h, ['safety', 'liveness', 'durability', 'agreement', 'attribution']);
    expect(r.verdict).toBe('valid');
    const html = reportHtml(h, r);
    expect(html).not.toMatch(/<script|(src|href)=["']?https?:|@import|url\(/); // self-contained: no script, no external asset
    const file = join(dir, 'report.html');
    await writeFile(file, html);
    const dom = await dumpDom(pathToFileURL(file).href);
    expect(dom).toMatch(/<svg[^>]*aria-label="chaos run timeline"/);
    expect(dom).toContain('render &lt;test&gt;');
    expect(dom).toMatch(/class="verdict">VALID</);
    expect((dom.match(/<rect /g) ?? []).length).toBeGreaterThan(10);
    const png = join(dir, 'report.png');
    await screenshot(pathToFileURL(file).href, png);
    expect((await stat(png)).size).toBeGreaterThan(20_000);
    // The failed bucket is drawn in the success-rate chart.
    expect(buckets(h, 1000).find((b) => b.from === 3000)).toMatchObject({ ok: 0 });
    expect(junitXml(r)).toContain('name="liveness"');
  }, 120_000);

  it.runIf(process.env.SPLITKEY_CHAOS_SCREENSHOT)('screenshots a real run for the README (docs/chaos-report.png)', async () => {
    const run = process.env.SPLITKEY_CHAOS_SCREENSHOT!;
    const png = join(run, 'report.png');
    await screenshot(pathToFileURL(join(run, 'report.html')).href, png, 1100, 1700);
    await copyFile(png, join(process.cwd(), 'docs', 'chaos-report.png'));
  }, 120_000);
});
