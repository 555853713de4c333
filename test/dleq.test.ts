/**
 * RFC 9497 §2.2 DLEQ proofs beyond the Appendix A vectors: interoperability with an independent
 * implementation (@noble/curves' RFC 9497 VOPRF) on batches past 256 elements, proofs for a base
 * other than G, refusals of malformed batches, and verification that answers `false` — never
 * throws, never accepts — for proofs with zero or tampered halves.
 */
import { ristretto255_oprf } from '@noble/curves/ed25519.js';
import { describe, expect, it } from 'vitest';
import {
  DeserializeError,
  GENERATOR,
  IDENTITY,
  PROOF_LENGTH,
  ParameterError,
  blind,
  blindEvaluate,
  computeComposites,
  createSuite,
  decodeProof,
  generateProof,
  loadGroup,
  scalarFromBigint,
  verifyProof,
} from '../crypto/index.js';
import { backends } from './helpers/backends.js';
import { deterministicRng } from './helpers/rng.js';

const sodium = await loadGroup('sodium');
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** A key, its public key and a batch of `size` blinded inputs and their evaluations. */
function batch(group: typeof sodium, seed: string, size: number) {
  const suite = createSuite(group);
  const rng = deterministicRng(seed);
  const k = group.reduceWide(rng(64));
  const pk = group.mulBase(k);
  const C = Array.from({ length: size }, (_, j) => blind(suite, Uint8Array.of(j >> 8, j & 0xff, 7), rng).blindedElement);
  const D = blindEvaluate(suite, k, C);
  return { suite, rng, k, pk, C, D };
}

describe('interoperability with @noble/curves RFC 9497 VOPRF', () => {
  it('a noble proof over 257 elements verifies here (two-byte composite index), and a wrong one does not', () => {
    const { suite, k, pk, C } = batch(sodium, 'noble-257', 257);
    const voprf = ristretto255_oprf.voprf;
    const nobleRng = deterministicRng('noble-r');
    const { evaluated, proof } = voprf.blindEvaluateBatch(k, pk, C, (n = 64) => nobleRng(n) as Uint8Array<ArrayBuffer>);
    expect(evaluated.map(hex)).toEqual(blindEvaluate(suite, k, C).map(hex));
    expect(verifyProof(suite, GENERATOR, pk, C, evaluated, proof)).toBe(true);
    const swapped = [...evaluated];
    [swapped[255], swapped[256]] = [swapped[256]!, swapped[255]!];
    expect(verifyProof(suite, GENERATOR, pk, C, swapped, proof)).toBe(false);
  });

  it('a proof made here verifies in noble, on every backend', () => {
    for (const group of backends) {
      const { suite, rng, k, pk, C, D } = batch(group, `to-noble-${group.name}`, 3);
      const proof = generateProof(suite, k, GENERATOR, pk, C, D, rng);
      const items = C.map((blinded, j) => ({ input: Uint8Array.of(j), blind: scalarFromBigint(1n), evaluated: D[j]!, blinded }));
      expect(() => ristretto255_oprf.voprf.finalizeBatch(items, pk, proof)).not.toThrow();
      const tampered = proof.slice();
      tampered[0]! ^= 1;
      expect(() => ristretto255_oprf.voprf.finalizeBatch(items, pk, tampered)).toThrow();
    }
  });
});

describe('generateProof / verifyProof', () => {
  for (const group of backends) {
    it(`${group.name}: proves B = k·A for a base A other than G (and only for that A)`, () => {
      const { suite, rng, k, C, D } = batch(group, `base-${group.name}`, 2);
      const A = group.mulBase(scalarFromBigint(12345n));
      const B = group.mul(k, A);
      const proof = generateProof(suite, k, A, B, C, D, rng);
      expect(verifyProof(suite, A, B, C, D, proof)).toBe(true);
      expect(verifyProof(suite, GENERATOR, B, C, D, proof)).toBe(false);
      expect(verifyProof(suite, GENERATOR, group.mulBase(k), C, D, proof)).toBe(false);
    });

    it(`${group.name}: rejects proofs for other statements or with tampered, zero or swapped halves`, () => {
      const { suite, rng, k, pk, C, D } = batch(group, `tamper-${group.name}`, 2);
      const proof = generateProof(suite, k, GENERATOR, pk, C, D, rng);
      expect(verifyProof(suite, GENERATOR, pk, C, D, proof)).toBe(true);
      const other = group.mulBase(scalarFromBigint(2n));
      expect(verifyProof(suite, GENERATOR, other, C, D, proof)).toBe(false);
      expect(verifyProof(suite, GENERATOR, pk, C, [D[0]!, other], proof)).toBe(false);
      expect(verifyProof(suite, GENERATOR, pk, [C[1]!, C[0]!], D, proof)).toBe(false);
      expect(verifyProof(suite, GENERATOR, pk, C.slice(1), D.slice(1), proof)).toBe(false);
      const c = proof.subarray(0, 32);
      const s = proof.subarray(32);
      const zero = new Uint8Array(32);
      for (const [name, bad] of [
        ['c ‖ 0', [c, zero]],
        ['0 ‖ s', [zero, s]],
        ['0 ‖ 0', [zero, zero]],
        ['s ‖ c', [s, c]],
        ['c+1 ‖ s', [group.scalarAdd(c, scalarFromBigint(1n)), s]],
        ['c ‖ s+1', [c, group.scalarAdd(s, scalarFromBigint(1n))]],
      ] as const) {
        expect(verifyProof(suite, GENERATOR, pk, C, D, Uint8Array.from([...bad[0], ...bad[1]])), name).toBe(false);
      }
    });
  }

  it('the prover uses a fresh nonce from rng: different r, different proof, both valid', () => {
    const { suite, k, pk, C, D } = batch(sodium, 'nonce', 1);
    const p1 = generateProof(suite, k, GENERATOR, pk, C, D, deterministicRng('r1'));
    const p2 = generateProof(suite, k, GENERATOR, pk, C, D, deterministicRng('r2'));
    expect(hex(p1)).not.toBe(hex(p2));
    expect(verifyProof(suite, GENERATOR, pk, C, D, p1) && verifyProof(suite, GENERATOR, pk, C, D, p2)).toBe(true);
  });

  it('refuses empty, mismatched and oversize batches before any work', () => {
    const { suite, rng, k, pk, C, D } = batch(sodium, 'refuse', 2);
    const proof = generateProof(suite, k, GENERATOR, pk, C, D, rng);
    const cases: [Uint8Array[], Uint8Array[], string][] = [
      [[], [], 'batch: must hold at least one element'],
      [C, D.slice(1), 'batch: 2 blinded elements but 1 evaluated elements'],
      [C.slice(1), D, 'batch: 1 blinded elements but 2 evaluated elements'],
      [new Array(65536).fill(C[0]), new Array(65536).fill(D[0]), 'batch: more than 65535 elements'],
    ];
    for (const [c, d, message] of cases) {
      expect(() => verifyProof(suite, GENERATOR, pk, c, d, proof)).toThrow(ParameterError);
      expect(() => verifyProof(suite, GENERATOR, pk, c, d, proof)).toThrow(message);
      expect(() => generateProof(suite, k, GENERATOR, pk, c, d, rng)).toThrow(message);
    }
  });
});

describe('decodeProof and computeComposites', () => {
  it('splits c ‖ s and names the bad half', () => {
    expect(PROOF_LENGTH).toBe(64);
    const c = scalarFromBigint(3n);
    const s = scalarFromBigint(4n);
    const p = decodeProof(Uint8Array.from([...c, ...s]));
    expect([hex(p.c), hex(p.s)]).toEqual([hex(c), hex(s)]);
    const high = new Uint8Array(32).fill(0xff);
    expect(() => decodeProof(Uint8Array.from([...high, ...s]), 'answer.proof')).toThrow('answer.proof.c: scalar is not below the group order');
    expect(() => decodeProof(Uint8Array.from([...c, ...high]))).toThrow('proof.s: scalar is not below the group order');
    expect(() => decodeProof(new Uint8Array(65), 'answer.proof')).toThrow('answer.proof: expected 64 bytes, got 65');
    expect(() => decodeProof([...c, ...s] as unknown as Uint8Array)).toThrow(DeserializeError);
    expect(() => decodeProof([...c, ...s] as unknown as Uint8Array)).toThrow('proof: expected a byte string');
  });

  it('the prover shortcut Z = k·M equals the verifier composite Σ d_i·D[i]', () => {
    for (const size of [1, 4]) {
      const { suite, k, pk, C, D } = batch(sodium, `composites-${size}`, size);
      const slow = computeComposites(suite, pk, C, D);
      const fast = computeComposites(suite, pk, C, D, k);
      expect(hex(fast.M)).toBe(hex(slow.M));
      expect(hex(fast.Z)).toBe(hex(slow.Z));
      expect(hex(slow.Z)).toBe(hex(sodium.mul(k, slow.M)));
      expect(hex(slow.M)).not.toBe(hex(IDENTITY));
    }
    const { suite, pk } = batch(sodium, 'composites-empty', 1);
    const empty = computeComposites(suite, pk, [], []);
    expect([hex(empty.M), hex(empty.Z)]).toEqual([hex(IDENTITY), hex(IDENTITY)]);
  });
});
