/**
 * The RFC 9497 ciphersuite ristretto255-SHA512 (§4.1) bound to a mode and a group backend:
 * contextString = "OPRFV1-" ‖ I2OSP(mode, 1) ‖ "-ristretto255-SHA512" (§3.1) and the DSTs
 * derived from it.
 */
import { concatBytes, utf8 } from './bytes.js';
import type { Element, Group, Scalar } from './group.js';

export const MODE_OPRF = 0x00;
export const MODE_VOPRF = 0x01;
export type Mode = typeof MODE_OPRF | typeof MODE_VOPRF;

export const SUITE_IDENTIFIER = 'ristretto255-SHA512';
/** Nh: output length of SHA-512, and of Finalize. */
export const OUTPUT_LENGTH = 64;

export interface Suite {
  readonly group: Group;
  readonly mode: Mode;
  readonly contextString: Uint8Array;
  readonly seedDst: Uint8Array;
  hash(msg: Uint8Array): Uint8Array;
  hashToGroup(msg: Uint8Array): Element;
  hashToScalar(msg: Uint8Array, dst?: Uint8Array): Scalar;
}

export function contextString(mode: Mode): Uint8Array {
  return concatBytes(utf8('OPRFV1-'), new Uint8Array([mode]), utf8(`-${SUITE_IDENTIFIER}`));
}

export function createSuite(group: Group, mode: Mode = MODE_VOPRF): Suite {
  const ctx = contextString(mode);
  const groupDst = concatBytes(utf8('HashToGroup-'), ctx);
  const scalarDst = concatBytes(utf8('HashToScalar-'), ctx);
  return {
    group,
    mode,
    contextString: ctx,
    seedDst: concatBytes(utf8('Seed-'), ctx),
    hash: (msg) => group.sha512(msg),
    hashToGroup: (msg) => group.hashToGroup(msg, groupDst),
    hashToScalar: (msg, dst = scalarDst) => group.hashToScalar(msg, dst),
  };
}
