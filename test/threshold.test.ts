/**
 * Threshold evaluation, piece by piece (DESIGN.md "Cryptography", steps 3–5): what the client
 * refuses in a node's answer and how it names the node, the batch inversion of the blinds, and the
 * split combine-and-unblind (`scaleElements` per node, then `sumScaled`) checked against RFC 9497
 * Evaluate. The end-to-end property over random clusters is in threshold.property.test.ts.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DeserializeError,
  GROUP_ORDER,
  IDENTITY,
  ParameterError,
  VerifyError,
  blind,
  blindInverted,
  combineResponses,
  combineUnblind,
  combineUnblindInverted,
  createSuite,
  evaluate,
  evaluatePartial,
  finalizeHash,
  invertBlinds,
  MAX_INPUT_LENGTH,
  lagrangeCoefficients,
  lagrangeIntegerWeights,
  publicShare,
  scalarFromBigint,
  scalarToBigint,
  scaleElements,
  splitSecret,
  sumScaled,
  unblindWeights,
  verifyPartial,
} from '../crypto/index.js';
import { badElements } from './helpers/bad-inputs.js';
import { deterministicRng } from './helpers/rng.js';
import { backends, fastBackends } from './helpers/backends.js';

for (const group of fastBackends) {
describe(`on ${group.name}`, () => {
  const suite = createSuite(group);
  const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

  /** A 3-of-5 cluster and a batch of `size` blinded inputs, all from one seed. */
  function cluster(seed: string, size = 2) {
    const rng = deterministicRng(seed);
    const k = group.reduceWide(rng(64));
    const { shares, commitments } = splitSecret(group, k, 3, 5, rng);
    const pks = shares.map((s) => publicShare(group, commitments, s.index));
    const inputs = Array.from({ length: size }, (_, j) => Uint8Array.of(j, ...Buffer.from(seed)));
    const blinded = inputs.map((x) => blind(suite, x, rng));
    const B = blinded.map((b) => b.blindedElement);
    const responses = shares.map((s, i) => evaluatePartial(suite, s, pks[i]!, B, rng));
    return { k, shares, pks, inputs, blinded, B, responses, rng };
  }

  function caught(fn: () => unknown): unknown {
    try {
      fn();
    } catch (e) {
      return e;
    }
    throw new Error('expected the call to throw');
  }

  describe('evaluatePartial', () => {
    it('answers with its own index, k_i·B[j] at every position and a proof that verifies', () => {
      const { shares, pks, B, responses } = cluster('evaluate');
      responses.forEach((r, i) => {
        expect(r.index).toBe(shares[i]!.index);
        expect(r.evaluatedElements.map(hex)).toEqual(B.map((b) => hex(group.mul(shares[i]!.value, b))));
        expect(verifyPartial(suite, pks[i]!, B, r).evaluatedElements.map(hex)).toEqual(r.evaluatedElements.map(hex));
      });
    });

    it('refuses a bad blinded element before any work', () => {
      const { shares, pks, B, rng } = cluster('evaluate-bad', 1);
      for (const bad of badElements) {
        const e = caught(() => evaluatePartial(suite, shares[0]!, pks[0]!, [B[0]!, bad.bytes], rng));
        expect(e, bad.name).toBeInstanceOf(DeserializeError);
        expect((e as DeserializeError).field).toBe('blindedElements[1]');
      }
    });
  });

  describe('verifyPartial names the node and why', () => {
    // Built inside each test, so that mutation testing attributes the work to the test.
    const node3 = () => {
      const { pks, B, responses } = cluster('verify');
      return { pks, B, r: responses[2]! };
    };

    it('returns the decoded answer of an honest node', () => {
      const { pks, B, r } = node3();
      const ok = verifyPartial(suite, pks[2]!, B, r);
      expect(ok.index).toBe(3);
      expect(ok.proof).toBe(r.proof);
      expect(ok.evaluatedElements.map(hex)).toEqual(r.evaluatedElements.map(hex));
    });

    it('a wrong number of elements', () => {
      const { pks, B, r } = node3();
      for (const evaluatedElements of [r.evaluatedElements.slice(1), [...r.evaluatedElements, r.evaluatedElements[0]!], []]) {
        const e = caught(() => verifyPartial(suite, pks[2]!, B, { ...r, evaluatedElements }));
        expect(e).toBeInstanceOf(VerifyError);
        expect((e as VerifyError).field).toBe('node[3]');
        expect((e as VerifyError).message).toBe(`node[3]: returned ${evaluatedElements.length} elements for 2 inputs`);
      }
    });

    it('a malformed element or proof (the shared bad-input lists)', () => {
      const { pks, B, r } = node3();
      for (const bad of badElements) {
        const e = caught(() => verifyPartial(suite, pks[2]!, B, { ...r, evaluatedElements: [r.evaluatedElements[0]!, bad.bytes] }));
        expect(e, bad.name).toBeInstanceOf(VerifyError);
        expect((e as VerifyError).message).toMatch(/^node\[3\]: malformed answer: evaluatedElements\[1\]: /);
      }
      const e = caught(() => verifyPartial(suite, pks[2]!, B, { ...r, proof: r.proof.subarray(1) }));
      expect(e).toBeInstanceOf(VerifyError);
      expect((e as VerifyError).message).toBe('node[3]: malformed answer: proof: expected 64 bytes, got 63');
    });

    it('a proof that does not verify against its own public share', () => {
      const { pks, B, r } = node3();
      for (const pk of [pks[1]!, pks[3]!]) {
        const e = caught(() => verifyPartial(suite, pk, B, r));
        expect(e).toBeInstanceOf(VerifyError);
        expect((e as VerifyError).message).toBe('node[3]: DLEQ proof does not verify against its public share');
      }
      const swapped = { ...r, evaluatedElements: [r.evaluatedElements[1]!, r.evaluatedElements[0]!] };
      expect(() => verifyPartial(suite, pks[2]!, B, swapped)).toThrow('node[3]: DLEQ proof');
    });

    it('a caller error is not blamed on the node', () => {
      const { pks, B, r } = node3();
      // An empty batch is the caller's mistake: a ParameterError, not a VerifyError naming node 3.
      const e = caught(() => verifyPartial(suite, pks[2]!, [], { ...r, evaluatedElements: [] }));
      expect(e).toBeInstanceOf(ParameterError);
      expect(e).not.toBeInstanceOf(VerifyError);
    });
  });

  describe('combineResponses', () => {
    it('any 3 of the 5 answers give k·B[j] at every position, 2 do not', () => {
      const { k, B, responses } = cluster('combine', 3);
      const expected = B.map((b) => hex(group.mul(k, b)));
      expect(combineResponses(suite, [responses[4]!, responses[0]!, responses[2]!]).map(hex)).toEqual(expected);
      expect(combineResponses(suite, responses.slice(1, 4)).map(hex)).toEqual(expected);
      expect(combineResponses(suite, responses.slice(0, 2)).map(hex)).not.toEqual(expected);
    });

    it('refuses no answers, answers of different sizes and repeated nodes', () => {
      const { responses } = cluster('combine-refuse');
      expect(() => combineResponses(suite, [])).toThrow('responses: need at least one response');
      const short = { ...responses[1]!, evaluatedElements: responses[1]!.evaluatedElements.slice(1) };
      for (const set of [[responses[0]!, short, responses[2]!], [responses[0]!, responses[2]!, short]]) {
        expect(() => combineResponses(suite, set)).toThrow('responses: answers hold different numbers of elements');
      }
      expect(() => combineResponses(suite, [responses[0]!, responses[0]!, responses[1]!])).toThrow(/appears twice/);
    });
  });

  describe('invertBlinds (Montgomery batch inversion)', () => {
    const nonZero = fc.bigInt({ min: 1n, max: GROUP_ORDER - 1n }).map(scalarFromBigint);

    it('gives r⁻¹ for every blind and leaves the blinds as they were', () => {
      fc.assert(
        fc.property(fc.array(nonZero, { minLength: 1, maxLength: 6 }), (blinds) => {
          const before = blinds.map(hex);
          const inverses = invertBlinds(group, blinds);
          expect(inverses).toHaveLength(blinds.length);
          inverses.forEach((inv, j) => expect((scalarToBigint(inv) * scalarToBigint(blinds[j]!)) % GROUP_ORDER).toBe(1n));
          expect(blinds.map(hex)).toEqual(before);
        }),
        { numRuns: 50 },
      );
      expect(invertBlinds(group, [])).toEqual([]);
    });

    it('refuses a zero blind', () => {
      expect(() => invertBlinds(group, [scalarFromBigint(3n), scalarFromBigint(0n)])).toThrow(/zero/);
    });
  });

  describe('split combine-and-unblind = RFC 9497 Evaluate', () => {
    it('scaleElements per node, then sumScaled, finalizes to Evaluate(k, x) at every position; so does combineUnblind', () => {
      for (const size of [1, 3]) {
        const { k, inputs, blinded, responses } = cluster(`split-${size}`, size);
        const expected = inputs.map((x) => hex(evaluate(suite, k, x)));
        const set = [responses[1]!, responses[3]!, responses[4]!];
        const lambdas = lagrangeCoefficients(group, set.map((r) => r.index));
        const inverses = invertBlinds(group, blinded.map((b) => b.blind));
        const scaled = set.map((r, i) => {
          const w = unblindWeights(group, lambdas[i]!, inverses);
          expect(w.map((x) => scalarToBigint(x))).toEqual(inverses.map((inv) => (scalarToBigint(lambdas[i]!) * scalarToBigint(inv)) % GROUP_ORDER));
          return scaleElements(group, w, r.evaluatedElements);
        });
        const finalized = (N: Uint8Array[]) => N.map((n, j) => hex(finalizeHash(suite, inputs[j]!, n)));
        expect(finalized(sumScaled(group, scaled))).toEqual(expected);
        expect(finalized(combineUnblind(suite, set, blinded.map((b) => b.blind)))).toEqual(expected);
        // Two nodes' answers do not give the output.
        expect(finalized(combineUnblind(suite, set.slice(1), blinded.map((b) => b.blind)))).not.toEqual(expected);
      }
    });

    it('combineUnblind leaves its inputs as they were', () => {
      const { blinded, responses } = cluster('untouched', 2);
      const blinds = blinded.map((b) => b.blind);
      const before = [...blinds.map(hex), ...responses.flatMap((r) => r.evaluatedElements.map(hex))];
      combineUnblind(suite, responses.slice(0, 3), blinds);
      expect([...blinds.map(hex), ...responses.flatMap((r) => r.evaluatedElements.map(hex))]).toEqual(before);
    });

    it('refuses mismatched lengths and empty sets, naming the field', () => {
      const { blinded, responses } = cluster('split-refuse', 2);
      const blinds = blinded.map((b) => b.blind);
      expect(() => combineUnblind(suite, responses.slice(0, 3), blinds.slice(1))).toThrow('blinds: 1 blinds for 2 elements');
      expect(() => combineUnblind(suite, [], blinds)).toThrow('responses: need at least one response');
      const one = scalarFromBigint(1n);
      expect(() => scaleElements(group, [one], responses[0]!.evaluatedElements)).toThrow('weights: 1 weights for 2 elements');
      expect(() => scaleElements(group, [one, one, one], responses[0]!.evaluatedElements)).toThrow(ParameterError);
      expect(() => sumScaled(group, [])).toThrow('responses: need at least one response');
      const [a, b] = responses.map((r) => r.evaluatedElements);
      expect(() => sumScaled(group, [a!, b!.slice(1)])).toThrow('responses: answers hold different numbers of elements');
      expect(() => sumScaled(group, [a!.slice(1), b!])).toThrow(ParameterError);
    });

    it('refuses an identity sum as Finalize would, and sums every node at every position', () => {
      const { responses } = cluster('identity', 2);
      const [P, Q] = responses[0]!.evaluatedElements as [Uint8Array, Uint8Array];
      const minusP = group.sub(Q, group.add(P, Q));
      expect(hex(group.add(P, minusP))).toBe(hex(IDENTITY));
      const e = caught(() => sumScaled(group, [[Q, P], [P, minusP]]));
      expect(e).toBeInstanceOf(DeserializeError);
      expect((e as DeserializeError).message).toBe('evaluatedElement: is the identity element');
      // Three rows: every row counts at every position.
      const R = responses[1]!.evaluatedElements[0]!;
      expect(sumScaled(group, [[P, Q], [Q, R], [R, P]]).map(hex)).toEqual([
        hex(group.add(group.add(P, Q), R)),
        hex(group.add(group.add(Q, R), P)),
      ]);
      expect(sumScaled(group, [[P]]).map(hex)).toEqual([hex(P)]);
    });

    it('the weights of one node are its λ times each inverse', () => {
      const lambda = scalarFromBigint(5n);
      const inverses = [scalarFromBigint(7n), scalarFromBigint(GROUP_ORDER - 2n)];
      expect(unblindWeights(group, lambda, inverses).map(scalarToBigint)).toEqual([35n, GROUP_ORDER - 10n]);
    });
  });
});
}

describe('combineUnblind: one multi-scalar sum per position', () => {
  const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

  it('is byte-identical on every backend (noble, sodium, native) and to scaling per node then summing', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 3 }), fc.string({ minLength: 1 }), (t, size, seed) => {
        const outputs = backends.map((group) => {
          const suite = createSuite(group);
          const rng = deterministicRng(`msm/${seed}`);
          const k = group.reduceWide(rng(64));
          const { shares, commitments } = splitSecret(group, k, t, 5, rng);
          const blinded = Array.from({ length: size }, (_, j) => blind(suite, Uint8Array.of(j, t), rng));
          const B = blinded.map((b) => b.blindedElement);
          const set = shares.slice(5 - t).map((sh) => evaluatePartial(suite, sh, publicShare(group, commitments, sh.index), B, rng));
          const blinds = blinded.map((b) => b.blind);
          const viaMsm = combineUnblind(suite, set, blinds).map(hex);
          const lambdas = lagrangeCoefficients(group, set.map((r) => r.index));
          const inverses = invertBlinds(group, blinds);
          const viaScale = sumScaled(group, set.map((r, i) => scaleElements(group, unblindWeights(group, lambdas[i]!, inverses), r.evaluatedElements))).map(hex);
          expect(viaMsm, group.name).toEqual(viaScale);
          return viaMsm;
        });
        for (const o of outputs.slice(1)) expect(o).toEqual(outputs[0]);
      }),
      { numRuns: 12 },
    );
  });

  it('finalizes to Evaluate(k, x) on both paths: short integer weights (mulSum) and long ones (nodes 1, 37, 77, 100, 199, 200, 250: 70 bits)', () => {
    for (const group of backends) {
      const suite = createSuite(group);
      const rng = deterministicRng(`long/${group.name}`);
      const k = group.reduceWide(rng(64));
      const { shares, commitments } = splitSecret(group, k, 7, 250, rng);
      const inputs = [Uint8Array.of(1), Uint8Array.of(2, 3)];
      const blinded = inputs.map((x) => blind(suite, x, rng));
      const B = blinded.map((b) => b.blindedElement);
      const expected = inputs.map((x) => hex(evaluate(suite, k, x)));
      for (const indices of [[1, 37, 77, 100, 199, 200, 250], [1, 2, 3, 4, 5, 6, 7], [244, 245, 246, 247, 248, 249, 250]]) {
        const bits = Math.max(...lagrangeIntegerWeights(indices).weights.map((w) => (w < 0n ? -w : w).toString(2).length));
        expect(bits > 64, `${indices}: ${bits} bits`).toBe(indices[1] === 37);
        const set = indices.map((i) => shares[i - 1]!).map((sh) => evaluatePartial(suite, sh, publicShare(group, commitments, sh.index), B, rng));
        const N = combineUnblind(suite, set, blinded.map((b) => b.blind));
        expect(inputs.map((x, j) => hex(finalizeHash(suite, x, N[j]!))), `${group.name} ${indices}`).toEqual(expected);
        // The client's form, with the blinds it inverted already: same result, its inverses kept.
        const inverses = invertBlinds(group, blinded.map((b) => b.blind));
        const kept = inverses.map(hex);
        expect(combineUnblindInverted(suite, set, inverses).map(hex)).toEqual(N.map(hex));
        expect(inverses.map(hex)).toEqual(kept);
      }
    }
  });

  it('refuses a position whose weighted sum is the identity, on every backend', () => {
    for (const group of backends) {
      const suite = createSuite(group);
      // Nodes 1 and 2: λ1·Z1 + λ2·Z2 = 0 when Z2 = −λ1·λ2⁻¹·Z1.
      const [l1, l2] = lagrangeCoefficients(group, [1, 2]) as [Uint8Array, Uint8Array];
      const Z1 = group.mulBase(scalarFromBigint(12345n));
      const Z2 = group.mul(group.scalarNeg(group.scalarMul(l1, group.scalarInvert(l2))), Z1);
      const ok = group.mulBase(scalarFromBigint(99n));
      const e = caught(() =>
        combineUnblind(suite, [
          { index: 1, evaluatedElements: [ok, Z1], proof: new Uint8Array(64) },
          { index: 2, evaluatedElements: [ok, Z2], proof: new Uint8Array(64) },
        ], [scalarFromBigint(3n), scalarFromBigint(7n)]),
      );
      expect(e, group.name).toBeInstanceOf(DeserializeError);
      expect((e as DeserializeError).message).toBe('evaluatedElement: is the identity element');
    }
  });
});

function caught(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected the call to throw');
}

describe('blindInverted: blind a batch, keep only r⁻¹', () => {
  const group = fastBackends[0]!;
  const suite = createSuite(group);
  const allZero = (b: Uint8Array) => b.every((x) => x === 0);

  it('r⁻¹·B = HashToGroup(x) for every input; the randomness drawn and every blind are zeroed, also when a later input is refused', () => {
    const drawn: Uint8Array[] = [];
    const rng = (n: number) => {
      const b = deterministicRng(drawn.length + 1)(n);
      drawn.push(b);
      return b;
    };
    const blinds: Uint8Array[] = [];
    // A view of the group that records the scalars Blind multiplies by (the blinds r).
    const spy = Object.create(group) as typeof group;
    spy.mul = (k, P) => (blinds.push(k), group.mul(k, P));
    const spySuite = { ...suite, group: spy };
    const inputs = [Uint8Array.of(1), Uint8Array.of(2), Uint8Array.of(3)];
    const { blinded, inverses } = blindInverted(spySuite, inputs, rng);
    inputs.forEach((x, j) => expect(Buffer.from(group.mul(inverses[j]!, blinded[j]!)).toString('hex')).toBe(Buffer.from(suite.hashToGroup(x)).toString('hex')));
    expect(drawn.length).toBeGreaterThanOrEqual(3);
    expect(blinds).toHaveLength(3);
    expect([...drawn, ...blinds].every(allZero)).toBe(true);

    drawn.length = 0;
    blinds.length = 0;
    expect(() => blindInverted(spySuite, [...inputs, new Uint8Array(MAX_INPUT_LENGTH + 1)], rng)).toThrow(ParameterError);
    expect(blinds).toHaveLength(3);
    expect([...drawn, ...blinds].every(allZero), 'blinds drawn before the refused input').toBe(true);
  });
});
