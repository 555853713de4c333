/**
 * Blinding and combining large batches on the client's worker threads (ProofChecker.blind and
 * .combine, client/proof-checker.ts) on real workers (compiled dist/): byte-identical to RFC 9497
 * Evaluate at every slice boundary on each backend, the secret inverses only ever transferred and
 * zeroed (also when a result arrives after close()), and no job lost or hung on failure paths.
 * Written by an adversarial review of the change; its findings are fixed and asserted here.
 */
import type { Worker } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import { ParameterError, combineUnblindInverted, createSuite, evaluate, finalizeHash, loadGroup, splitSecret, type Group, type PartialResponse } from '../crypto/index.js';
import { ProofChecker } from '../client/proof-checker.js';
import { deterministicRng } from './helpers/rng.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
type Entry = { worker: Worker; pending: Map<number, unknown>; ready: boolean };
const entries = (c: ProofChecker) => (c as unknown as { workers: Entry[] }).workers;
const allZero = (b: Uint8Array) => b.every((x) => x === 0);

const backends: Group[] = [await loadGroup('sodium')];
try {
  backends.push(await loadGroup('native'));
} catch {
  // native not built
}

const checkers: ProofChecker[] = [];
afterAll(async () => {
  for (const c of checkers) await c.close();
});

/** Shares of k for 5 nodes (t = 3); answers Z_i = k_i·B without proofs (combine takes checked answers). */
function answers(group: Group, seed: number, B: Uint8Array[]) {
  const rng = deterministicRng(seed);
  const k = group.reduceWide(rng(64));
  const { shares } = splitSecret(group, k, 3, 5, rng);
  const memo = new Map<number, Uint8Array[]>();
  const resp = (i: number): PartialResponse => {
    const s = shares.find((x) => x.index === i)!;
    if (!memo.has(i)) memo.set(i, B.map((b) => group.mul(s.value, b)));
    return { index: i, evaluatedElements: [...memo.get(i)!], proof: new Uint8Array(0) };
  };
  return { k, resp };
}

for (const group of backends) {
  const suite = createSuite(group);
  describe(`offload on ${group.name}`, () => {
    it('slice boundaries (64, 65, 127, 128, 129, 200, 1000 on 3 workers), any answer order: byte-identical to RFC 9497 Evaluate', async () => {
      const c = new ProofChecker(group, 3);
      checkers.push(c);
      await c.ready();
      for (const m of [64, 65, 127, 128, 129, 200, 1000]) {
        const inputs = Array.from({ length: m }, (_, j) => Uint8Array.from([m & 0xff, j & 0xff, j >> 8]));
        const job = c.blind(inputs, 64)!;
        const slices = entries(c).reduce((a, w) => a + w.pending.size, 0);
        expect(slices, `m=${m}`).toBe(Math.min(3, Math.floor(m / 64)));
        const { blinded, inverses } = await job;
        expect(blinded).toHaveLength(m);
        const { k, resp } = answers(group, m, blinded);
        for (const set of [[5, 1, 3], [2, 4, 5], [3, 2, 1]]) {
          const N = await c.combine(set.map(resp), inverses, 64)!;
          expect(N).toHaveLength(m);
          inputs.forEach((x, j) => expect(hex(finalizeHash(suite, x, N[j]!)), `m=${m} set=${set} j=${j}`).toBe(hex(evaluate(suite, k, x))));
        }
        for (const inv of inverses) inv.fill(0);
      }
    });
  });
}

const group = backends[0]!;

describe('secret hygiene of the transferred buffers', () => {
  it('blind: each slice’s inverses are views of one transferred buffer of exactly slice·32 bytes; the caller’s per-element zeroing clears it', async () => {
    const c = new ProofChecker(group, 2);
    checkers.push(c);
    await c.ready();
    const inputs = Array.from({ length: 129 }, (_, j) => Uint8Array.from([j]));
    const { inverses } = await c.blind(inputs, 64)!;
    const buffers = [...new Set(inverses.map((x) => x.buffer))];
    expect(buffers).toHaveLength(2);
    expect(buffers.map((b) => b.byteLength).sort()).toEqual([64 * 32, 65 * 32]);
    for (const inv of inverses) inv.fill(0);
    for (const b of buffers) expect(allZero(new Uint8Array(b))).toBe(true);
  });

  it('combine: the packed inverses posted to each worker are detached on this thread (transferred, not copied)', async () => {
    const c = new ProofChecker(group, 2);
    checkers.push(c);
    await c.ready();
    const posted: { inverses?: Uint8Array }[] = [];
    for (const e of entries(c)) {
      const orig = e.worker.postMessage.bind(e.worker);
      e.worker.postMessage = ((msg: { inverses?: Uint8Array }, transfer?: readonly ArrayBuffer[]) => {
        orig(msg, transfer as ArrayBuffer[]);
        posted.push(msg);
      }) as Worker['postMessage'];
    }
    const inputs = Array.from({ length: 130 }, (_, j) => Uint8Array.from([j]));
    const { blinded, inverses } = await c.blind(inputs, 64)!;
    const { resp } = answers(group, 1, blinded);
    await c.combine([1, 2, 3].map(resp), inverses, 64)!;
    const combines = posted.filter((p) => p.inverses !== undefined);
    expect(combines).toHaveLength(2);
    for (const p of combines) expect(p.inverses!.byteLength).toBe(0);
  });

  it('an input the inline path refuses (not bytes, too long) never reaches a worker: blind() leaves it to the inline path and its error', async () => {
    const c = new ProofChecker(group, 2);
    checkers.push(c);
    await c.ready();
    const ok = Array.from({ length: 128 }, (_, j) => Uint8Array.from([j]));
    const cases: Array<[string, unknown, RegExp]> = [
      ['an ArrayBuffer', Uint8Array.from([1, 2]).buffer, /expected a byte string/],
      ['a string', 'resource-1', /expected a byte string/],
      ['65,536 bytes', new Uint8Array(65_536), /at most 65535 bytes, got 65536/],
    ];
    for (const [name, bad, message] of cases) {
      const inputs = [...ok] as unknown[];
      inputs[100] = bad;
      expect(c.blind(inputs as Uint8Array[], 64), name).toBeUndefined();
      expect(c.blind(ok, 64), 'the same batch without it').toBeDefined();
      expect(() => c.blindInline(inputs as Uint8Array[]), name).toThrow(ParameterError);
      expect(() => c.blindInline(inputs as Uint8Array[]), name).toThrow(message);
    }
  });

  it('a blind result that arrives after close() has its inverses r⁻¹ zeroed', async () => {
    const c = new ProofChecker(group, 1);
    await c.ready();
    const e = entries(c)[0]!;
    let late: Uint8Array[] | undefined;
    e.worker.on('message', (r: 'ready' | { ok?: boolean; out?: Uint8Array[] }) => {
      if (r !== 'ready' && r.ok) late = r.out;
    });
    const inputs = Array.from({ length: 64 }, (_, j) => Uint8Array.from([j]));
    const job = c.blind(inputs, 64)!;
    const rejected = expect(job).rejects.toThrow('the client was closed');
    // This thread is busy (as a loaded client is) while the worker finishes and posts its result.
    const until = Date.now() + 300;
    while (Date.now() < until);
    await c.close();
    await rejected;
    await new Promise((r) => setTimeout(r, 100));
    expect(late, 'the result reached this thread').toBeDefined();
    expect(allZero(late![1]!), 'inverses zeroed').toBe(true);
  });
});

describe('failure paths', () => {
  it('close() with blind and combine jobs pending: both reject, no hang', async () => {
    const c = new ProofChecker(group, 2);
    await c.ready();
    const inputs = Array.from({ length: 256 }, (_, j) => Uint8Array.from([j]));
    const { blinded, inverses } = await c.blind(inputs, 64)!;
    const { resp } = answers(group, 2, blinded);
    const set = [1, 2, 3].map(resp);
    const blinding = c.blind(inputs, 64)!;
    const combining = c.combine(set, inverses, 64)!;
    blinding.catch(() => undefined);
    combining.catch(() => undefined);
    await c.close();
    await expect(blinding).rejects.toThrow('the client was closed');
    await expect(combining).rejects.toThrow('the client was closed');
  });

  it('a worker already dead (exit event not yet seen) when its slice is posted: the slice is done inline', async () => {
    const c = new ProofChecker(group, 2);
    checkers.push(c);
    await c.ready();
    void entries(c)[0]!.worker.terminate();
    const inputs = Array.from({ length: 128 }, (_, j) => Uint8Array.from([j, 1]));
    const job = c.blind(inputs, 64)!;
    expect(entries(c).map((w) => w.pending.size)).toEqual([1, 1]);
    const { blinded, inverses } = await job;
    inputs.forEach((x, j) => expect(hex(group.mul(inverses[j]!, blinded[j]!))).toBe(hex(createSuite(group).hashToGroup(x))));
    expect(c.threads).toBe(1);
  });

  it('a worker error on one combine slice rejects with the inline error’s message and name', async () => {
    const c = new ProofChecker(group, 2);
    checkers.push(c);
    await c.ready();
    const inputs = Array.from({ length: 128 }, (_, j) => Uint8Array.from([j, 2]));
    const { blinded, inverses } = await c.blind(inputs, 64)!;
    const { resp } = answers(group, 3, blinded);
    const set = [1, 2, 3].map(resp);
    // identity elements in the second half of every answer: N[j] is the identity there
    for (const r of set) for (let j = 64; j < 128; j++) r.evaluatedElements[j] = new Uint8Array(32);
    const err = await c.combine(set, inverses, 64)!.catch((e: Error) => e);
    let here: Error | undefined;
    try {
      combineUnblindInverted(createSuite(group), set, inverses);
    } catch (e) {
      here = e as Error;
    }
    expect([(err as Error).name, (err as Error).message]).toEqual([here!.name, here!.message]);
  });
});
