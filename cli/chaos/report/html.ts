/**
 * report.html: one self-contained page (inline CSS and SVG, no script, no external asset) that
 * answers at a glance: the verdict, the figures, each check, the timeline, the faults.
 */
import type { Results } from '../checks/index.js';
import type { History } from '../history.js';
import { faultColor, timelineSvg } from './timeline.js';

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const VERDICT_COLOR = { valid: '#2b8a3e', invalid: '#c92a2a', unknown: '#e67700' } as const;

export function reportHtml(h: History, r: Results): string {
  const f = r.figures;
  const figures: [string, string | number][] = [
    ['operations checked', f.operationsChecked],
    ['faults injected', f.faultsInjected],
    ['faults survived', f.faultsSurvived],
    ['wrong keys', f.wrongKeys],
    ['shares lost', f.sharesLost],
    ['worst recovery', `${f.worstRecoveryMs} ms`],
    ['longest heal', `${f.worstHealMs} ms`],
    ['lifecycle operations', f.lifecycleOps],
  ];
  const checks = Object.values(r.checks)
    .map((c) => `<tr><td>${esc(c.name)}</td><td><b style="color:${VERDICT_COLOR[c.verdict]}">${c.verdict}</b></td><td>${esc(c.summary)}${c.problems.length ? `<ul>${c.problems.map((p) => `<li>${esc(p)}</li>`).join('')}</ul>` : ''}</td></tr>`)
    .join('\n');
  const faults = h.faults
    .map((x) => `<tr><td>${esc(x.id)}</td><td><span class="sw" style="background:${faultColor(x.kind)}"></span>${esc(x.kind)}${x.lie ? ` (${esc(x.lie)})` : ''}</td><td>${x.nodes.join(', ')}</td><td>${x.injectedAt ?? '–'}</td><td>${x.healedAt ?? '–'}</td><td>${x.healed ? 'yes' : '<b>no</b>'}</td><td>${esc(x.error ?? x.detail ?? '')}</td></tr>`)
    .join('\n');
  const lifecycle = h.lifecycle.map((l) => `<tr><td>${esc(l.op)}</td><td>${esc(l.key)}</td><td>${l.start}–${l.end}</td><td>${l.ok ? 'ok' : '<b>refused</b>'}</td><td>${esc(l.detail ?? '')}</td></tr>`).join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>splitkey chaos: ${esc(r.plan)} — ${r.verdict}</title>
<style>
body{font-family:system-ui,sans-serif;margin:24px;color:#212529;max-width:1040px}
h1{font-size:22px;margin:0 0 4px}
.verdict{display:inline-block;padding:4px 12px;border-radius:4px;color:#fff;font-weight:bold;background:${VERDICT_COLOR[r.verdict]}}
.figs{display:flex;flex-wrap:wrap;gap:10px;margin:16px 0}
.fig{border:1px solid #dee2e6;border-radius:6px;padding:8px 12px;min-width:110px}
.fig b{display:block;font-size:20px}
table{border-collapse:collapse;width:100%;margin:8px 0 20px;font-size:13px}
td,th{border-bottom:1px solid #e9ecef;padding:4px 6px;text-align:left;vertical-align:top}
.sw{display:inline-block;width:10px;height:10px;margin-right:5px;border-radius:2px}
.meta{color:#495057;font-size:13px}
</style></head>
<body>
<h1>splitkey chaos: ${esc(r.plan)} <span class="verdict">${r.verdict.toUpperCase()}</span></h1>
<div class="meta">target ${esc(h.meta.target)} · ${h.meta.n} nodes, t = ${h.meta.t}${h.meta.seed !== undefined ? ` · seed ${h.meta.seed}` : ''} · started ${esc(h.meta.startedAt)} · ${(h.meta.durationMs / 1000).toFixed(1)} s · ${f.operations} operations</div>
<div class="figs">${figures.map(([k, v]) => `<div class="fig"><b>${esc(String(v))}</b>${esc(k)}</div>`).join('')}</div>
<h2>Timeline</h2>
${timelineSvg(h)}
<h2>Checks</h2>
<table><tr><th>check</th><th>verdict</th><th>what the history shows</th></tr>
${checks}
</table>
<h2>Faults</h2>
<table><tr><th>id</th><th>fault</th><th>nodes</th><th>injected (ms)</th><th>healed (ms)</th><th>healed</th><th>detail</th></tr>
${faults}
</table>
${lifecycle ? `<h2>Lifecycle operations</h2><table><tr><th>operation</th><th>key</th><th>ms</th><th>outcome</th><th>detail</th></tr>${lifecycle}</table>` : ''}
</body></html>
`;
}
