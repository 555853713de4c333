/**
 * The client process of `npm run bench` (bench/cluster.ts forks it with an IPC channel and the
 * dev cluster's SPLITKEY_* environment). It holds three `connect()` clients — coalescing off
 * (`coalesceWindowMs: 0`), the default (coalescing on), and one with proof checks on this thread
 * (`checkThreads: 0`) for counting group operations — and runs one measurement per request from
 * the parent:
 *
 *   { id, op: 'sequential', seconds }                     one deriveKey at a time; latencies
 *   { id, op: 'concurrent', callers, seconds, coalesce }  `callers` loops of single deriveKey
 *   { id, op: 'batched', size, inflight, seconds }        `inflight` loops of deriveKeys(size)
 *   { id, op: 'count', size }                             group operations and Evaluate RPCs per derivation
 *   { id, op: 'encrypt' | 'decrypt', input, output }      file MB/s with RSS sampled every 20 ms
 *   { id, op: 'rawAes', input, output }                   node:crypto AES-256-GCM over the same file
 *   { id, op: 'rss' }                                     this process's VmRSS / VmHWM
 *
 * and answers { id, ok: true, result } or { id, ok: false, error }.
 */
import { createCipheriv, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { connect, type SplitkeyClient } from '../client/index.js';
import { loadGroup } from '../crypto/index.js';
import { percentile, readProcStatus } from './stats.js';

const KEY = process.env.BENCH_KEY ?? 'demo/bench';

type Request =
  | { id: number; op: 'sequential'; seconds: number; warmupSeconds: number; coalesce: boolean }
  | { id: number; op: 'concurrent'; callers: number; seconds: number; warmupSeconds: number; coalesce: boolean }
  | { id: number; op: 'batched'; size: number; inflight: number; seconds: number; warmupSeconds: number }
  | { id: number; op: 'count'; size: number }
  | { id: number; op: 'encrypt' | 'decrypt' | 'rawAes'; input: string; output: string }
  | { id: number; op: 'rss' }
  | { id: number; op: 'close' };

let seq = 0;
const nextId = (prefix: string): string => `${prefix}-${process.pid}-${seq++}`;

/** Evaluate RPCs issued by a client since it was connected (how many nodes were asked). */
function countEvaluateCalls(client: SplitkeyClient): () => number {
  let calls = 0;
  const channels = client.evaluator.channels;
  for (const n of channels.nodes) {
    const c = channels.evaluator(n.index) as unknown as { Evaluate: (...args: unknown[]) => unknown };
    const original = c.Evaluate;
    c.Evaluate = function (this: unknown, ...args: unknown[]) {
      calls++;
      return original.apply(this, args);
    };
  }
  return () => calls;
}

/** Run `loops` async loops of `step` for `seconds` after a warm-up; returns items/s. */
async function timedLoops(
  loops: number,
  seconds: number,
  warmupSeconds: number,
  step: () => Promise<number>,
  onTimedStart?: () => void,
): Promise<{ rate: number; items: number; seconds: number; errors: number; firstError?: string }> {
  let measuring = false;
  let items = 0;
  let errors = 0;
  let firstError: string | undefined;
  let stopAt = performance.now() + warmupSeconds * 1000;
  const loop = async (): Promise<void> => {
    while (performance.now() < stopAt) {
      try {
        const n = await step();
        if (measuring) items += n;
      } catch (e) {
        errors++;
        firstError ??= e instanceof Error ? e.message : String(e);
      }
    }
  };
  // Warm-up: the same loops, not counted; then the timed phase, counted until every loop ends.
  await Promise.all(Array.from({ length: loops }, loop));
  measuring = true;
  onTimedStart?.();
  const start = performance.now();
  stopAt = start + seconds * 1000;
  await Promise.all(Array.from({ length: loops }, loop));
  const elapsed = (performance.now() - start) / 1000;
  return { rate: items / elapsed, items, seconds: elapsed, errors, firstError };
}

/** Count every group operation (client side) and every Evaluate RPC issued while `fn` runs. */
async function countOps(client: SplitkeyClient, fn: () => Promise<unknown>): Promise<{ ops: Record<string, number>; evaluateCalls: number }> {
  const group = (await loadGroup()) as unknown as Record<string, unknown>;
  const ops: Record<string, number> = {};
  const saved = new Map<string, unknown>();
  for (const [name, value] of Object.entries(group)) {
    if (typeof value !== 'function') continue;
    saved.set(name, value);
    const f = value as (...args: unknown[]) => unknown;
    group[name] = (...args: unknown[]) => {
      ops[name] = (ops[name] ?? 0) + 1;
      return f(...args);
    };
  }
  const channels = client.evaluator.channels;
  let evaluateCalls = 0;
  const restoreCalls: (() => void)[] = [];
  for (const n of channels.nodes) {
    const c = channels.evaluator(n.index) as unknown as { Evaluate: (...args: unknown[]) => unknown };
    const original = c.Evaluate;
    c.Evaluate = function (this: unknown, ...args: unknown[]) {
      evaluateCalls++;
      return original.apply(this, args);
    };
    restoreCalls.push(() => (c.Evaluate = original));
  }
  try {
    await fn();
  } finally {
    for (const [name, value] of saved) group[name] = value;
    for (const r of restoreCalls) r();
  }
  return { ops, evaluateCalls };
}

function rssNow(): number {
  return process.memoryUsage().rss;
}

/** Sample RSS every 20 ms while `fn` runs. */
async function withRss<T>(fn: () => Promise<T>): Promise<{ value: T; seconds: number; rss: { before: number; min: number; max: number; after: number; samples: number; atQuarters: number[] } }> {
  global.gc?.();
  const before = rssNow();
  const samples: number[] = [];
  const timer = setInterval(() => samples.push(rssNow()), 20);
  const start = performance.now();
  let value: T;
  try {
    value = await fn();
  } finally {
    clearInterval(timer);
  }
  const seconds = (performance.now() - start) / 1000;
  const after = rssNow();
  const all = samples.length > 0 ? samples : [after];
  const q = (f: number) => all[Math.min(all.length - 1, Math.floor(f * all.length))]!;
  return {
    value,
    seconds,
    rss: { before, min: Math.min(...all), max: Math.max(...all), after, samples: samples.length, atQuarters: [q(0.25), q(0.5), q(0.75), q(0.99)] },
  };
}

/**
 * The bare-cipher comparison, as a user would write it with node:crypto alone: one AES-256-GCM
 * stream over the same file, `createReadStream → createCipheriv → createWriteStream` with
 * 1 MiB buffers, the tag appended, flushed to disk like encryptFile does.
 */
async function rawAesFile(input: string, output: string): Promise<{ bytes: number }> {
  const cipher = createCipheriv('aes-256-gcm', randomBytes(32), randomBytes(12));
  let bytes = 0;
  const source = createReadStream(input, { highWaterMark: 1 << 20 });
  source.on('data', (chunk) => (bytes += chunk.length));
  const sink = createWriteStream(output, { highWaterMark: 1 << 20, flush: true });
  await pipeline(source, cipher, async function* (encrypted: AsyncIterable<Buffer>) {
    yield* encrypted;
    yield cipher.getAuthTag();
  }, sink);
  return { bytes };
}

/** Pure cipher rate: AES-256-GCM over `totalBytes` from an in-memory 1 MiB buffer, no I/O. */
function rawAesMemory(totalBytes: number): { bytes: number; seconds: number } {
  const buf = randomBytes(1 << 20);
  const run = (bytes: number): void => {
    const cipher = createCipheriv('aes-256-gcm', randomBytes(32), randomBytes(12));
    for (let done = 0; done < bytes; done += buf.length) cipher.update(buf.subarray(0, Math.min(buf.length, bytes - done)));
    cipher.final();
  };
  run(64 << 20); // warm-up
  const start = performance.now();
  run(totalBytes);
  return { bytes: totalBytes, seconds: (performance.now() - start) / 1000 };
}

async function main(): Promise<void> {
  const unbatched = await connect({ coalesceWindowMs: 0 });
  const coalescing = await connect({});
  // Counting group operations patches this thread's group object: proof checks must run here.
  // No hedging, so that the count is the protocol's (t nodes asked), not the machine's mood.
  const counting = await connect({ coalesceWindowMs: 0, checkThreads: 0, hedgeDelayMs: 60_000, timeoutMs: 60_000 });
  // Key information and TLS sessions are set up before anything is timed.
  await unbatched.deriveKey(KEY, 'warm-up');
  await coalescing.deriveKey(KEY, 'warm-up');
  await counting.deriveKey(KEY, 'warm-up');
  const calls = new Map([
    [unbatched, countEvaluateCalls(unbatched)],
    [coalescing, countEvaluateCalls(coalescing)],
  ]);
  /** Run `fn` and add the Evaluate RPCs it issued (per derivation) to its result. */
  const withCalls = async <T extends { items: number }>(client: SplitkeyClient, fn: (onTimedStart: () => void) => Promise<T>): Promise<T & { evaluateCallsPerDerivation: number }> => {
    const count = calls.get(client)!;
    let before = count();
    const r = await fn(() => (before = count()));
    return { ...r, evaluateCallsPerDerivation: (count() - before) / Math.max(1, r.items) };
  };

  const handle = async (req: Request): Promise<unknown> => {
    switch (req.op) {
      case 'sequential': {
        const c = req.coalesce ? coalescing : unbatched;
        const latencies: number[] = [];
        const end = performance.now() + req.warmupSeconds * 1000;
        while (performance.now() < end) await c.deriveKey(KEY, nextId('seq-warm'));
        const stop = performance.now() + req.seconds * 1000;
        while (performance.now() < stop) {
          const t0 = performance.now();
          await c.deriveKey(KEY, nextId('seq'));
          latencies.push(performance.now() - t0);
        }
        latencies.sort((a, b) => a - b);
        return {
          count: latencies.length,
          p50: percentile(latencies, 0.5),
          p90: percentile(latencies, 0.9),
          p99: percentile(latencies, 0.99),
          min: latencies[0],
          max: latencies[latencies.length - 1],
          mean: latencies.reduce((a, b) => a + b, 0) / latencies.length,
        };
      }
      case 'concurrent': {
        const c = req.coalesce ? coalescing : unbatched;
        return withCalls(c, (onTimedStart) =>
          timedLoops(
            req.callers,
            req.seconds,
            req.warmupSeconds,
            async () => {
              await c.deriveKey(KEY, nextId('c'));
              return 1;
            },
            onTimedStart,
          ),
        );
      }
      case 'batched':
        return withCalls(unbatched, (onTimedStart) =>
          timedLoops(
            req.inflight,
            req.seconds,
            req.warmupSeconds,
            async () => {
              const ids = Array.from({ length: req.size }, () => nextId('b'));
              return (await unbatched.deriveKeys(KEY, ids)).length;
            },
            onTimedStart,
          ),
        );
      case 'count':
        return countOps(counting, () =>
          req.size === 1 ? counting.deriveKey(KEY, nextId('count')) : counting.deriveKeys(KEY, Array.from({ length: req.size }, () => nextId('count'))),
        );
      case 'encrypt': {
        const r = await withRss(() => unbatched.encryptFile(KEY, req.input, req.output, { resourceId: nextId('file') }));
        return { seconds: r.seconds, bytes: r.value.bytesIn, rss: r.rss };
      }
      case 'decrypt': {
        const r = await withRss(() => unbatched.decryptFile(req.input, req.output));
        return { seconds: r.seconds, bytes: r.value.bytesOut, rss: r.rss };
      }
      case 'rawAes': {
        const r = await withRss(() => rawAesFile(req.input, req.output));
        const memory = rawAesMemory(r.value.bytes);
        return { seconds: r.seconds, bytes: r.value.bytes, memory };
      }
      case 'rss':
        return readProcStatus(process.pid);
      case 'close':
        await unbatched.close();
        await coalescing.close();
        await counting.close();
        setImmediate(() => process.exit(0));
        return {};
    }
  };

  process.on('message', (msg) => {
    const req = msg as Request;
    handle(req).then(
      (result) => process.send!({ id: req.id, ok: true, result }),
      (e: unknown) => process.send!({ id: req.id, ok: false, error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) }),
    );
  });
  process.send!({ id: 0, ok: true, result: 'ready' });
}

main().catch((e: unknown) => {
  process.send?.({ id: 0, ok: false, error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) });
  process.exitCode = 1;
});
