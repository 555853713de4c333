/**
 * Shared helpers for the benchmarks in bench/: a time-boxed measurement loop, a seeded byte
 * generator, an aligned text table and a description of the machine the figures come from.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { cpus, loadavg, platform, arch } from 'node:os';

export interface Measurement {
  /** Calls of the measured function in the timed phase (warm-up excluded). */
  iterations: number;
  /** Wall time of the timed phase, seconds. */
  seconds: number;
  opsPerSec: number;
  /** Relative standard deviation of the per-chunk rates (0.05 = ±5 %); a noise indicator. */
  rsd: number;
}

/** Seconds each measurement runs for: env BENCH_SECONDS, default 0.5. */
export function benchSeconds(fallback = 0.5): number {
  const raw = process.env.BENCH_SECONDS;
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`BENCH_SECONDS must be a positive number, got "${raw}"`);
  return value;
}

/** Results are written here so that the optimiser cannot drop a call whose value is unused. */
let sink: unknown;

/** Call `fn` `count` times; returns the elapsed milliseconds. */
function runChunk(fn: () => unknown, count: number): number {
  const start = performance.now();
  for (let i = 0; i < count; i++) sink = fn();
  return performance.now() - start;
}

/**
 * Time-boxed measurement: warm up for a fifth of `seconds`, then run `fn` in chunks (doubling
 * the chunk size until a chunk takes ≥ 10 ms, so the clock is read rarely) until `seconds`
 * have elapsed. The rate is total calls / total time of the timed phase.
 */
export function measure(fn: () => unknown, seconds: number): Measurement {
  const minChunkMs = 10;
  let chunk = 1;
  for (let warm = 0; warm < (seconds * 1000) / 5; ) {
    const ms = runChunk(fn, chunk);
    warm += ms;
    if (ms < minChunkMs) chunk *= 2;
  }
  const rates: number[] = [];
  let iterations = 0;
  let elapsedMs = 0;
  while (elapsedMs < seconds * 1000) {
    const ms = runChunk(fn, chunk);
    iterations += chunk;
    elapsedMs += ms;
    if (ms >= minChunkMs) rates.push((chunk * 1000) / ms);
    else chunk *= 2;
  }
  return { iterations, seconds: elapsedMs / 1000, opsPerSec: (iterations * 1000) / elapsedMs, rsd: relativeStdDev(rates) };
}

function relativeStdDev(xs: readonly number[]): number {
  if (xs.length < 2) return 0;
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const variance = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1);
  return Math.sqrt(variance) / mean;
}

/** A seeded, reproducible byte generator (SHA-256 in counter mode). For benchmarks only. */
export function seededRng(seed: string): (length: number) => Uint8Array {
  let counter = 0;
  return (length) => {
    const out = new Uint8Array(length);
    for (let off = 0; off < length; off += 32) {
      const block = createHash('sha256').update(`${seed}:${counter++}`).digest();
      out.set(block.subarray(0, Math.min(32, length - off)), off);
    }
    return out;
  };
}

export interface Environment {
  date: string;
  node: string;
  cpu: string;
  cpuCount: number;
  platform: string;
  /** 1-minute load average at start: other work on the machine skews the figures. */
  loadAverage1m: number;
}

export function environment(): Environment {
  const list = cpus();
  return {
    date: new Date().toISOString(),
    node: process.version,
    cpu: list[0]?.model.trim() ?? 'unknown',
    cpuCount: list.length,
    platform: `${platform()}-${arch()}`,
    loadAverage1m: loadavg()[0] ?? 0,
  };
}

/** Rates with thousands separators and a sensible number of significant digits. */
export function formatRate(opsPerSec: number): string {
  const digits = opsPerSec >= 100 ? 0 : opsPerSec >= 10 ? 1 : 2;
  return opsPerSec.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** An aligned text table: first column left-aligned, the others right-aligned. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** The `q` quantile (0..1) of ascending-sorted values, nearest-rank. */
export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil(q * sorted.length) - 1;
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))]!;
}

/** Resident set size now (VmRSS) and its high-water mark (VmHWM) of a process, in bytes (Linux). */
export function readProcStatus(pid: number): { rss: number; hwm: number } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN) * 1024;
    return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
  } catch {
    return undefined;
  }
}
