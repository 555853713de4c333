/**
 * The client's proof checker (client/proof-checker.ts) on real worker threads: the same answers
 * as the inline check, the same refusals naming the node, the combination split into per-node
 * scaling plus a sum equal to RFC 9497 Evaluate, blinding and combining of large batches in
 * slices on the workers, and no job lost when a worker dies mid-job.
 * Workers run the compiled dist/ (npm test builds first).
 */
import { afterAll, describe, expect, it } from 'vitest';
import {
  VerifyError,
  blind,
  combineUnblind,
  createSuite,
  evaluate,
  evaluatePartial,
  finalizeHash,
  invertBlinds,
  lagrangeCoefficients,
  loadGroup,
  publicShare,
  splitSecret,
  sumScaled,
  unblindWeights,
  type PartialResponse,
} from '../crypto/index.js';
import { ProofChecker } from '../client/proof-checker.js';
import { deterministicRng } from './helpers/rng.js';

const group = await loadGroup('sodium');
const suite = createSuite(group);
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

function fixture(seed: number, batch: number) {
  const rng = deterministicRng(seed);
  const k = group.reduceWide(rng(64));
  const { shares, commitments } = splitSecret(group, k, 3, 5, rng);
  const pks = new Map(shares.map((s) => [s.index, publicShare(group, commitments, s.index)] as const));
  const inputs = Array.from({ length: batch }, (_, j) => Uint8Array.from([seed & 0xff, j, 7]));
  const blinded = inputs.map((x) => blind(suite, x, rng));
  const B = blinded.map((b) => b.blindedElement);
  const answers = shares.map((s) => evaluatePartial(suite, s, pks.get(s.index)!, B, rng));
  return { k, pks, inputs, blinded, B, answers };
}

const pooled = new ProofChecker(group, 2);
const inline = new ProofChecker(group, 0);
// Until its workers have started a checker checks inline; these tests are about the workers.
await pooled.ready();
afterAll(async () => {
  await pooled.close();
  await inline.close();
});

describe('ProofChecker', () => {
  it('runs on worker threads here (the compiled worker exists)', () => {
    expect(pooled.threads).toBe(2);
    expect(inline.threads).toBe(0);
  });

  it('checks inline while its workers are still starting, with the same result', async () => {
    const fresh = new ProofChecker(group, 2);
    try {
      const f = fixture(4, 2);
      const a = f.answers[0]!;
      const outcome = await fresh.check({ index: a.index, publicShare: f.pks.get(a.index)!, blinded: f.B, evaluatedElements: a.evaluatedElements, proof: a.proof });
      expect(outcome.response.index).toBe(a.index);
      const busy = (fresh as unknown as { workers: { pending: Map<number, unknown> }[] }).workers.map((w) => w.pending.size);
      expect(busy).toEqual([0, 0]);
    } finally {
      await fresh.close();
    }
  });

  it('accepts honest answers and combines them to RFC 9497 Evaluate, on workers and inline alike', async () => {
    const f = fixture(1, 5);
    const set = f.answers.slice(1, 4); // nodes 2, 3, 4
    const inverses = invertBlinds(group, f.blinded.map((b) => b.blind));
    const lambdas = lagrangeCoefficients(group, set.map((a) => a.index));
    for (const checker of [pooled, inline]) {
      const outcomes = await Promise.all(
        set.map((a, i) =>
          checker.check({
            index: a.index,
            publicShare: f.pks.get(a.index)!,
            blinded: f.B,
            evaluatedElements: a.evaluatedElements,
            proof: a.proof,
            weights: unblindWeights(group, lambdas[i]!, inverses),
          }),
        ),
      );
      const N = sumScaled(group, outcomes.map((o) => o.scaled!));
      const viaCombine = combineUnblind(suite, outcomes.map((o) => o.response), f.blinded.map((b) => b.blind));
      expect(N.map(hex)).toEqual(viaCombine.map(hex));
      f.inputs.forEach((x, j) => expect(hex(finalizeHash(suite, x, N[j]!))).toBe(hex(evaluate(suite, f.k, x))));
    }
  });

  it('refuses a wrong partial with a VerifyError naming the node, on workers and inline alike', async () => {
    const f = fixture(2, 3);
    const honest = f.answers[2]!;
    const other = f.answers[3]!;
    // Node 3 answers with node 4's (valid, but not its own) elements and proof.
    const lying: PartialResponse = { index: honest.index, evaluatedElements: other.evaluatedElements, proof: other.proof };
    const flipped = Uint8Array.from(honest.proof);
    flipped[5] = flipped[5]! ^ 1;
    const cases = [
      { name: 'another node’s answer', response: lying, message: /node\[3\].*DLEQ proof does not verify/ },
      { name: 'a flipped proof bit', response: { ...honest, proof: flipped }, message: /node\[3\].*DLEQ proof does not verify/ },
      { name: 'a 31-byte element', response: { ...honest, evaluatedElements: [honest.evaluatedElements[0]!.subarray(1), ...honest.evaluatedElements.slice(1)] }, message: /node\[3\].*malformed answer.*evaluatedElements\[0\].*expected 32 bytes, got 31/ },
      { name: 'a missing element', response: { ...honest, evaluatedElements: honest.evaluatedElements.slice(1) }, message: /node\[3\].*returned 2 elements for 3 inputs/ },
      { name: 'the identity', response: { ...honest, evaluatedElements: [new Uint8Array(32), ...honest.evaluatedElements.slice(1)] }, message: /node\[3\].*identity/ },
    ];
    for (const checker of [pooled, inline]) {
      for (const c of cases) {
        const weights = unblindWeights(group, group.reduceWide(new Uint8Array(64).fill(3)), invertBlinds(group, f.blinded.map((b) => b.blind)));
        const attempt = checker.check({ index: c.response.index, publicShare: f.pks.get(3)!, blinded: f.B, evaluatedElements: c.response.evaluatedElements, proof: c.response.proof, weights });
        await expect(attempt, c.name).rejects.toThrow(VerifyError);
        await expect(attempt, c.name).rejects.toThrow(c.message);
        // The weights (secret: they hold 1/r) are wiped whatever the outcome.
        expect(weights.every((w) => w.every((b) => b === 0)), c.name).toBe(true);
      }
    }
  });

  it('a worker that dies mid-job loses no answer: its jobs are checked inline', async () => {
    const checker = new ProofChecker(group, 1);
    try {
      await checker.ready();
      const f = fixture(3, 64);
      const jobs = f.answers.map((a) =>
        checker.check({ index: a.index, publicShare: f.pks.get(a.index)!, blinded: f.B, evaluatedElements: a.evaluatedElements, proof: a.proof }),
      );
      // Kill the only worker while it holds all five jobs (64 elements each take a while).
      const entry = (checker as unknown as { workers: { worker: { terminate(): Promise<number> }; pending: Map<number, unknown> }[] }).workers[0]!;
      expect(entry.pending.size).toBe(5);
      await entry.worker.terminate();
      const outcomes = await Promise.all(jobs);
      expect(outcomes.map((o) => o.response.index)).toEqual([1, 2, 3, 4, 5]);
      expect(checker.threads).toBe(0);
      // And a wrong answer is still refused on the inline path that took over.
      const bad = { ...f.answers[0]!, proof: f.answers[1]!.proof };
      await expect(checker.check({ index: 1, publicShare: f.pks.get(1)!, blinded: f.B, evaluatedElements: bad.evaluatedElements, proof: bad.proof })).rejects.toThrow(/node\[1\]/);
    } finally {
      await checker.close();
    }
  });

  const pendingSizes = (checker: ProofChecker): number[] =>
    (checker as unknown as { workers: { pending: Map<number, unknown> }[] }).workers.map((w) => w.pending.size);

  it('blinds a large batch on the workers, in slices side by side: r⁻¹·B = HashToGroup(x) for every input, fresh blinds each time', async () => {
    const inputs = Array.from({ length: 130 }, (_, j) => Uint8Array.from([j, j >> 8, 9]));
    const job = pooled.blind(inputs, 64)!;
    expect(job).toBeDefined();
    // Two slices of 65, one on each worker.
    expect(pendingSizes(pooled)).toEqual([1, 1]);
    const { blinded, inverses } = await job;
    expect(blinded).toHaveLength(130);
    expect(inverses).toHaveLength(130);
    inputs.forEach((x, j) => {
      expect(hex(group.mul(inverses[j]!, blinded[j]!)), `input ${j}`).toBe(hex(suite.hashToGroup(x)));
      expect(hex(blinded[j]!)).not.toBe(hex(suite.hashToGroup(x)));
    });
    const again = await pooled.blind(inputs, 64)!;
    expect(new Set([...blinded, ...again.blinded].map(hex)).size).toBe(260);
    // A batch below twice the slice size is one job.
    const one = pooled.blind(inputs.slice(0, 100), 64)!;
    expect(pendingSizes(pooled).reduce((a, b) => a + b, 0)).toBe(1);
    expect((await one).blinded).toHaveLength(100);
  });

  it('combines checked answers on the workers to RFC 9497 Evaluate, the caller’s inverses left as they were', async () => {
    const f = fixture(5, 150);
    const set = [f.answers[4]!, f.answers[0]!, f.answers[2]!]; // nodes 5, 1, 3
    const inverses = invertBlinds(group, f.blinded.map((b) => b.blind));
    const before = inverses.map(hex);
    const job = pooled.combine(set, inverses, 64)!;
    expect(pendingSizes(pooled)).toEqual([1, 1]);
    const N = await job;
    expect(inverses.map(hex)).toEqual(before);
    f.inputs.forEach((x, j) => expect(hex(finalizeHash(suite, x, N[j]!)), `input ${j}`).toBe(hex(evaluate(suite, f.k, x))));
  });

  it('blind and combine leave the work to the caller when no worker is ready', () => {
    const f = fixture(6, 70);
    expect(inline.blind(f.inputs, 64)).toBeUndefined();
    expect(inline.combine(f.answers.slice(0, 3), invertBlinds(group, f.blinded.map((b) => b.blind)), 64)).toBeUndefined();
  });

  it('a worker that dies mid-blind or mid-combine loses no job: it is done inline, with the same results', async () => {
    const checker = new ProofChecker(group, 1);
    try {
      await checker.ready();
      const f = fixture(7, 200);
      const set = f.answers.slice(0, 3);
      const inverses = invertBlinds(group, f.blinded.map((b) => b.blind));
      const blinding = checker.blind(f.inputs, 64)!;
      const combining = checker.combine(set, inverses, 64)!;
      const entry = (checker as unknown as { workers: { worker: { terminate(): Promise<number> }; pending: Map<number, unknown> }[] }).workers[0]!;
      expect(entry.pending.size).toBe(2);
      await entry.worker.terminate();
      const { blinded, inverses: inv } = await blinding;
      f.inputs.forEach((x, j) => expect(hex(group.mul(inv[j]!, blinded[j]!))).toBe(hex(suite.hashToGroup(x))));
      const N = await combining;
      f.inputs.forEach((x, j) => expect(hex(finalizeHash(suite, x, N[j]!))).toBe(hex(evaluate(suite, f.k, x))));
      expect(checker.threads).toBe(0);
    } finally {
      await checker.close();
    }
  });
});
