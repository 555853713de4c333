/**
 * RFC 9497 OPRF (mode 0x00) and VOPRF (mode 0x01) protocol functions for ristretto255-SHA512:
 * Blind / BlindEvaluate / Finalize (§3.3.1, §3.3.2), Evaluate (§3.3.1) and DeriveKeyPair (§3.2.1).
 * The batched DLEQ proof lives in dleq.ts.
 */
import type { Rng } from './bytes.js';
import { concatBytes, i2osp, lengthPrefixed, utf8 } from './bytes.js';
import { DeserializeError, InvalidInputError, ParameterError } from './errors.js';
import type { Element, Scalar } from './group.js';
import { IDENTITY, decodeElement, elementsEqual, randomScalar, scalarIsZero } from './group.js';
import type { Suite } from './suite.js';

/** Inputs are framed with a 2-byte length in Finalize, so at most 65535 bytes (§3.3.1). */
export const MAX_INPUT_LENGTH = 0xffff;

const FINALIZE = utf8('Finalize');

function checkInput(input: Uint8Array, field = 'input'): void {
  if (!(input instanceof Uint8Array)) throw new ParameterError(field, 'expected a byte string');
  if (input.length > MAX_INPUT_LENGTH) {
    throw new ParameterError(field, `at most ${MAX_INPUT_LENGTH} bytes, got ${input.length}`);
  }
}

/** Blind (§3.3.1): blindedElement = r·HashToGroup(input). */
export function blind(suite: Suite, input: Uint8Array, rng: Rng): { blind: Scalar; blindedElement: Element } {
  checkInput(input);
  const inputElement = suite.hashToGroup(input);
  if (elementsEqual(inputElement, IDENTITY)) throw new InvalidInputError('input hashes to the identity element');
  const r = randomScalar(suite.group, rng);
  return { blind: r, blindedElement: suite.group.mul(r, inputElement) };
}

/** BlindEvaluate (§3.3.1), batched: every blinded element is decoded and validated first. */
export function blindEvaluate(suite: Suite, skS: Scalar, blindedElements: Uint8Array[]): Element[] {
  const decoded = blindedElements.map((b, i) => decodeElement(suite.group, b, `blindedElements[${i}]`));
  return decoded.map((B) => suite.group.mul(skS, B));
}

/** Unblind: N = r⁻¹·Z. */
export function unblind(suite: Suite, blindScalar: Scalar, evaluatedElement: Element): Element {
  return suite.group.mul(suite.group.scalarInvert(blindScalar), evaluatedElement);
}

/** The Finalize hash over an unblinded element N (§3.3.1). */
export function finalizeHash(suite: Suite, input: Uint8Array, unblindedElement: Element): Uint8Array {
  checkInput(input);
  return suite.hash(concatBytes(lengthPrefixed(input), lengthPrefixed(unblindedElement), FINALIZE));
}

/** Finalize (§3.3.1): unblind, then hash. The evaluated element is validated. */
export function finalize(suite: Suite, input: Uint8Array, blindScalar: Scalar, evaluatedElement: Uint8Array): Uint8Array {
  const Z = decodeElement(suite.group, evaluatedElement, 'evaluatedElement');
  return finalizeHash(suite, input, unblind(suite, blindScalar, Z));
}

/** Evaluate (§3.3.1): the server-side, unblinded computation of the same output. */
export function evaluate(suite: Suite, skS: Scalar, input: Uint8Array): Uint8Array {
  checkInput(input);
  const inputElement = suite.hashToGroup(input);
  if (elementsEqual(inputElement, IDENTITY)) throw new InvalidInputError('input hashes to the identity element');
  return finalizeHash(suite, input, suite.group.mul(skS, inputElement));
}

/** DeriveKeyPair (§3.2.1): deterministic key pair from a 32-byte seed and public info. */
export function deriveKeyPair(suite: Suite, seed: Uint8Array, info: Uint8Array): { skS: Scalar; pkS: Element } {
  if (!(seed instanceof Uint8Array) || seed.length !== 32) {
    throw new DeserializeError('seed', `expected 32 bytes, got ${seed?.length}`);
  }
  const deriveInput = concatBytes(seed, lengthPrefixed(info));
  const dst = concatBytes(utf8('DeriveKeyPair'), suite.contextString);
  for (let counter = 0; counter < 256; counter++) {
    const skS = suite.hashToScalar(concatBytes(deriveInput, i2osp(counter, 1)), dst);
    if (!scalarIsZero(skS)) return { skS, pkS: suite.group.mulBase(skS) };
  }
  throw new ParameterError('seed', 'DeriveKeyPairError: no non-zero scalar in 256 attempts');
}
