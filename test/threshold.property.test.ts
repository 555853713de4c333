/**
 * The threshold property (fast-check): for random k and 2 ≤ t ≤ n ≤ 7, every t-subset of
 * per-node evaluations — each proven with its own DLEQ proof against pk_i and verified —
 * combines, unblinds and finalizes to RFC 9497 Evaluate(k, input); a wrong partial is always
 * detected and attributed to its index; t-1 partials never give the output.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  VerifyError,
  blind,
  combineResponses,
  createSuite,
  evaluate,
  evaluatePartial,
  finalize,
  publicShare,
  splitSecret,
  verifyPartial,
  type PartialResponse,
} from '../crypto/index.js';
import { deterministicRng } from './helpers/rng.js';
import { fastBackends } from './helpers/backends.js';

for (const group of fastBackends) {
describe(`on ${group.name}`, () => {
  const suite = createSuite(group);
  const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

  function subsets<T>(items: T[], size: number): T[][] {
    if (size === 0) return [[]];
    if (items.length < size) return [];
    const [first, ...rest] = items as [T, ...T[]];
    return [...subsets(rest, size - 1).map((s) => [first, ...s]), ...subsets(rest, size)];
  }

  const scenario = fc
    .integer({ min: 2, max: 7 })
    .chain((n) => fc.record({ n: fc.constant(n), t: fc.integer({ min: 2, max: n }) }))
    .chain(({ n, t }) =>
      fc.record({
        n: fc.constant(n),
        t: fc.constant(t),
        seed: fc.integer(),
        input: fc.uint8Array({ minLength: 1, maxLength: 64 }),
        batch: fc.integer({ min: 1, max: 3 }),
        liar: fc.integer({ min: 1, max: n }),
      }),
    );

  describe('threshold VOPRF = RFC 9497 Evaluate', () => {
    it('every verified t-subset gives the RFC output; wrong partials are named; t-1 never suffice', () => {
      fc.assert(
        fc.property(scenario, ({ n, t, seed, input, batch, liar }) => {
          const rng = deterministicRng(seed);
          const k = group.reduceWide(rng(64));
          const { shares, commitments } = splitSecret(group, k, t, n, rng);
          const pks = shares.map((s) => publicShare(group, commitments, s.index));
          const inputs = Array.from({ length: batch }, (_, j) => Uint8Array.from([...input, j]));
          const blinded = inputs.map((x) => blind(suite, x, rng));
          const B = blinded.map((b) => b.blindedElement);
          const expected = inputs.map((x) => hex(evaluate(suite, k, x)));

          const responses = shares.map((s, i) => verifyPartial(suite, pks[i]!, B, evaluatePartial(suite, s, pks[i]!, B, rng)));
          for (const subset of subsets(responses, t)) {
            const Z = combineResponses(suite, subset);
            expect(inputs.map((x, j) => hex(finalize(suite, x, blinded[j]!.blind, Z[j]!)))).toEqual(expected);
          }

          // A wrong partial (another node's answer, or a tweaked element) is caught and attributed.
          const honest = responses[liar - 1]!;
          const other = responses[liar % n]!;
          const forged: PartialResponse[] = [
            { ...honest, evaluatedElements: other.evaluatedElements },
            { ...honest, evaluatedElements: honest.evaluatedElements.map((e) => group.add(e, pks[0]!)) },
            { ...honest, proof: other.proof },
          ];
          for (const f of forged) {
            let error: unknown;
            try {
              verifyPartial(suite, pks[liar - 1]!, B, f);
            } catch (e) {
              error = e;
            }
            expect(error).toBeInstanceOf(VerifyError);
            expect((error as VerifyError).field).toBe(`node[${liar}]`);
          }

          // t-1 partials combine to something that is not the output.
          for (const subset of subsets(responses, t - 1).slice(0, 5)) {
            const Z = combineResponses(suite, subset);
            expect(hex(finalize(suite, inputs[0]!, blinded[0]!.blind, Z[0]!))).not.toBe(expected[0]);
          }
        }),
        { numRuns: Number(process.env.SPLITKEY_PROPERTY_RUNS ?? 1000) },
      );
      // 1,000 random clusters per backend: about 50 s on libsodium's wasm on an idle core, more
      // when the machine is shared (the suite's 60 s default was met only on an idle machine).
    }, 300_000);
  });
});
}
