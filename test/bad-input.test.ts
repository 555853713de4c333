/**
 * The shared bad-input list against every public decode/verify function of the crypto core.
 * Each must refuse with a typed error (`DeserializeError` with a stable code) that names the field.
 */
import { describe, expect, it } from 'vitest';
import {
  DeserializeError,
  GENERATOR,
  blind,
  blindEvaluate,
  checkCommitments,
  createSuite,
  decodeElement,
  decodeProof,
  decodeScalar,
  finalize,
  generateProof,
  loadGroup,
  scalarFromBigint,
  verifyProof,
  type Group,
} from '../crypto/index.js';
import { backends } from './helpers/backends.js';
import { badElements, badProofs, badScalars } from './helpers/bad-inputs.js';

const sodium = await loadGroup('sodium');
const rng = (n: number) => new Uint8Array(n).map((_, i) => (i * 7 + 3) & 0xff);

function expectRefused(fn: () => unknown, field: RegExp): void {
  let error: unknown;
  try {
    fn();
  } catch (e) {
    error = e;
  }
  expect(error, 'expected the call to throw').toBeInstanceOf(DeserializeError);
  const err = error as DeserializeError;
  expect(err.code).toBe('DESERIALIZE_ERROR');
  expect(err.field).toMatch(field);
  expect(err.message).toMatch(field);
}

/** A good key, blinded element, evaluation and proof — made inside each test that needs them. */
function goodPath(group: Group) {
  const suite = createSuite(group);
  const k = scalarFromBigint(987654321n);
  const pk = group.mulBase(k);
  const good = blind(suite, new Uint8Array([1, 2, 3]), rng);
  const evaluated = blindEvaluate(suite, k, [good.blindedElement]);
  const proof = generateProof(suite, k, GENERATOR, pk, [good.blindedElement], evaluated, rng);
  return { suite, k, pk, good, evaluated, proof };
}

for (const group of backends) {
  describe(`bad elements on ${group.name}`, () => {
    it('the good path still verifies (the list is not testing a broken function)', () => {
      const { suite, pk, good, evaluated, proof } = goodPath(group);
      expect(verifyProof(suite, GENERATOR, pk, [good.blindedElement], evaluated, proof)).toBe(true);
    });
    for (const bad of badElements) {
      it(`${bad.name}: decodeElement, blindEvaluate, finalize, checkCommitments refuse it`, () => {
        const { suite, k, pk, good } = goodPath(group);
        expectRefused(() => decodeElement(group, bad.bytes, 'blindedElement'), /blindedElement/);
        expectRefused(() => blindEvaluate(suite, k, [good.blindedElement, bad.bytes]), /blindedElements\[1\]/);
        expectRefused(() => finalize(suite, new Uint8Array([1]), good.blind, bad.bytes), /evaluatedElement/);
        expectRefused(() => checkCommitments(group, [pk, bad.bytes], 2), /commitments\[1\]/);
      });
    }
  });

  describe(`bad scalars and proofs on ${group.name}`, () => {
    for (const bad of badScalars) {
      it(`scalar ${bad.name}: decodeScalar refuses it`, () => {
        expectRefused(() => decodeScalar(bad.bytes, 'skS'), /skS/);
      });
    }
    for (const bad of badProofs) {
      it(`proof ${bad.name}: decodeProof and verifyProof refuse it`, () => {
        const { suite, pk, good, evaluated } = goodPath(group);
        expectRefused(() => decodeProof(bad.bytes), /proof/);
        expectRefused(() => verifyProof(suite, GENERATOR, pk, [good.blindedElement], evaluated, bad.bytes), /proof/);
      });
    }
  });
}
