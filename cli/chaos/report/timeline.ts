/**
 * The run as a picture: an inline SVG with the faults as bands (one lane per node), lifecycle
 * operations as markers, and below them the success rate and the median latency per time bucket.
 * No external asset: the report is one file an operator mails around.
 */
import type { History } from '../history.js';

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const COLORS: Record<string, string> = {
  kill: '#d62728', pause: '#ff7f0e', restart: '#9467bd', byzantine: '#8c564b', 'disk-corrupt': '#e377c2', 'disk-readonly': '#7f7f7f',
  'disk-full': '#c2255c', 'clock-skew': '#5f3dc4', 'cert-expired': '#bcbd22', 'cert-wrong-ca': '#17becf', partition: '#1f77b4', 'partition-oneway': '#aec7e8', bandwidth: '#2ca02c', latency: '#98df8a',
};
export const faultColor = (kind: string): string => COLORS[kind] ?? '#555';

export interface Bucket {
  from: number;
  ops: number;
  ok: number;
  medianMs: number;
}

/** Workload operations in `size` ms buckets: count, successes, median latency. */
export function buckets(h: History, size: number): Bucket[] {
  const end = Math.max(1, ...h.ops.map((o) => o.end));
  const out: Bucket[] = [];
  for (let from = 0; from < end; from += size) {
    const ops = h.ops.filter((o) => o.start >= from && o.start < from + size);
    const lat = ops.map((o) => o.end - o.start).sort((a, b) => a - b);
    out.push({ from, ops: ops.length, ok: ops.filter((o) => o.ok).length, medianMs: lat.length ? lat[Math.floor(lat.length / 2)]! : 0 });
  }
  return out;
}

export function timelineSvg(h: History, width = 1000): string {
  const end = Math.max(1000, h.meta.durationMs, ...h.ops.map((o) => o.end));
  const left = 70;
  const plotW = width - left - 20;
  const x = (ms: number) => left + (ms / end) * plotW;
  const laneH = 16;
  const lanesTop = 40;
  const lanesH = h.meta.n * laneH;
  const chartH = 90;
  const rateTop = lanesTop + lanesH + 30;
  const latTop = rateTop + chartH + 30;
  const height = latTop + chartH + 40;
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11" role="img" aria-label="chaos run timeline">`);
  parts.push(`<rect width="${width}" height="${height}" fill="#fff"/>`);
  // Node lanes and fault bands.
  for (let i = 1; i <= h.meta.n; i++) {
    const y = lanesTop + (i - 1) * laneH;
    parts.push(`<text x="${left - 8}" y="${y + 12}" text-anchor="end">node ${i}</text><rect x="${left}" y="${y + 2}" width="${plotW}" height="${laneH - 4}" fill="#f1f3f5"/>`);
  }
  for (const f of h.faults) {
    if (f.injectedAt === undefined) continue;
    const to = f.healedAt ?? end;
    for (const n of f.nodes) {
      const y = lanesTop + (n - 1) * laneH;
      parts.push(`<rect x="${x(f.injectedAt).toFixed(1)}" y="${y + 2}" width="${Math.max(2, x(to) - x(f.injectedAt)).toFixed(1)}" height="${laneH - 4}" fill="${faultColor(f.kind)}" opacity="0.85"><title>${esc(`${f.id} ${f.kind}${f.lie ? ` (${f.lie})` : ''} node ${n}: ${f.injectedAt}–${to} ms${f.error ? `; ${f.error}` : ''}`)}</title></rect>`);
    }
    // The same band, faint, behind the charts: what was faulty while the rate dipped.
    parts.push(`<rect x="${x(f.injectedAt).toFixed(1)}" y="${rateTop}" width="${Math.max(2, x(to) - x(f.injectedAt)).toFixed(1)}" height="${latTop + chartH - rateTop}" fill="${faultColor(f.kind)}" opacity="0.10"/>`);
  }
  // Lifecycle operations: a marker where each started, a bar for how long it ran (labels on two rows).
  h.lifecycle.forEach((l, i) => {
    const color = l.ok ? '#2b8a3e' : '#c92a2a';
    const y = lanesTop - 14 + (i % 2) * 8;
    parts.push(`<line x1="${x(l.start).toFixed(1)}" x2="${x(l.start).toFixed(1)}" y1="${y}" y2="${latTop + chartH}" stroke="${color}" stroke-dasharray="4 3" opacity="0.7"/>`);
    parts.push(`<rect x="${x(l.start).toFixed(1)}" y="${y - 2}" width="${Math.max(2, x(l.end) - x(l.start)).toFixed(1)}" height="3" fill="${color}"><title>${esc(`${l.op} ${l.key}: ${l.start}–${l.end} ms, ${l.ok ? 'ok' : 'refused'}`)}</title></rect>`);
    parts.push(`<text x="${(x(l.start) + 3).toFixed(1)}" y="${y - 4}" fill="${color}" font-size="10">${esc(l.op)}</text>`);
  });
  const size = Math.max(250, Math.round(end / 80 / 250) * 250);
  const bs = buckets(h, size).filter((b) => b.ops > 0);
  // Success rate.
  parts.push(`<text x="${left}" y="${rateTop - 8}" font-weight="bold">success rate per ${size} ms</text><rect x="${left}" y="${rateTop}" width="${plotW}" height="${chartH}" fill="none" stroke="#ced4da"/>`);
  parts.push(`<text x="${left - 8}" y="${rateTop + 10}" text-anchor="end">100 %</text><text x="${left - 8}" y="${rateTop + chartH}" text-anchor="end">0 %</text>`);
  const ratePts = bs.map((b) => `${x(b.from + size / 2).toFixed(1)},${(rateTop + chartH - (b.ok / b.ops) * chartH).toFixed(1)}`);
  if (ratePts.length) parts.push(`<polyline points="${ratePts.join(' ')}" fill="none" stroke="#2b8a3e" stroke-width="2"/>`);
  for (const b of bs.filter((b) => b.ok < b.ops)) parts.push(`<circle cx="${x(b.from + size / 2).toFixed(1)}" cy="${(rateTop + chartH - (b.ok / b.ops) * chartH).toFixed(1)}" r="3" fill="#c92a2a"><title>${b.ops - b.ok} of ${b.ops} failed</title></circle>`);
  // Latency.
  const maxLat = Math.max(10, ...bs.map((b) => b.medianMs));
  parts.push(`<text x="${left}" y="${latTop - 8}" font-weight="bold">median latency (max ${maxLat} ms)</text><rect x="${left}" y="${latTop}" width="${plotW}" height="${chartH}" fill="none" stroke="#ced4da"/>`);
  parts.push(`<text x="${left - 8}" y="${latTop + 10}" text-anchor="end">${maxLat} ms</text><text x="${left - 8}" y="${latTop + chartH}" text-anchor="end">0</text>`);
  const latPts = bs.map((b) => `${x(b.from + size / 2).toFixed(1)},${(latTop + chartH - (b.medianMs / maxLat) * chartH).toFixed(1)}`);
  if (latPts.length) parts.push(`<polyline points="${latPts.join(' ')}" fill="none" stroke="#1c7ed6" stroke-width="2"/>`);
  // Time axis.
  const step = Math.max(1000, Math.ceil(end / 10 / 1000) * 1000);
  for (let ms = 0; ms <= end; ms += step) parts.push(`<text x="${x(ms).toFixed(1)}" y="${latTop + chartH + 16}" text-anchor="middle">${(ms / 1000).toFixed(0)} s</text>`);
  parts.push('</svg>');
  return parts.join('\n');
}
