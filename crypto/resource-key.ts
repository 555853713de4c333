/**
 * The per-resource key (DESIGN.md "Cryptography", step 6):
 *   resourceKey = HKDF-SHA256(ikm  = masterHalf ‖ oprfOut,
 *                             salt = "splitkey/v1/resource-key",
 *                             info = I2OSP(len(keyName), 2) ‖ keyName ‖ I2OSP(version, 4)
 *                                    ‖ I2OSP(len(resourceId), 2) ‖ resourceId)      → 32 bytes.
 * Both ikm parts have fixed lengths and every variable field carries its length, so no two
 * different (keyName, version, resourceId) triples share an info string.
 */
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { concatBytes, i2osp, isAllZero, lengthPrefixed, utf8 } from './bytes.js';
import { ParameterError } from './errors.js';
import { OUTPUT_LENGTH } from './suite.js';

export const MASTER_HALF_LENGTH = 32;
export const RESOURCE_KEY_LENGTH = 32;
export const MAX_KEY_NAME_LENGTH = 255;
export const MAX_RESOURCE_ID_LENGTH = 0xffff;
const SALT = utf8('splitkey/v1/resource-key');

/**
 * Key names are `tenant/label`: the tenant as in client certificates, then one or more label
 * segments separated by single slashes. Every segment starts with a lowercase letter or digit and
 * holds only lowercase letters, digits, '.', '_' and '-'; ".." appears nowhere, so no name reads
 * as a path that climbs out of its tenant. At most 255 bytes.
 */
const KEY_NAME = /^[a-z0-9][a-z0-9._-]{0,62}(?:\/[a-z0-9][a-z0-9._-]*)+$/;

/** A name as it arrived, quoted and cut short, for error messages. */
function quoted(value: unknown): string {
  if (typeof value !== 'string') return typeof value;
  const s = JSON.stringify(value);
  return s.length > 80 ? `${s.slice(0, 77)}…"` : s;
}

export function checkKeyName(keyName: string, field = 'keyName'): void {
  if (typeof keyName !== 'string' || !KEY_NAME.test(keyName) || keyName.includes('..') || utf8(keyName).length > MAX_KEY_NAME_LENGTH) {
    throw new ParameterError(
      field,
      `must look like tenant/label (lowercase letters, digits, '.', '_', '-'; segments separated by single '/'; no '..'; at most ${MAX_KEY_NAME_LENGTH} bytes), got ${quoted(keyName)}`,
    );
  }
}

export function checkResourceId(resourceId: Uint8Array, field = 'resourceId'): void {
  if (!(resourceId instanceof Uint8Array)) throw new ParameterError(field, 'expected a byte string');
  if (resourceId.length < 1 || resourceId.length > MAX_RESOURCE_ID_LENGTH) {
    throw new ParameterError(field, `must be 1..${MAX_RESOURCE_ID_LENGTH} bytes, got ${resourceId.length}`);
  }
}

export function checkVersion(version: number, field = 'version'): void {
  if (!Number.isInteger(version) || version < 1 || version > 0xffffffff) {
    throw new ParameterError(field, `must be an integer in [1, 2^32-1], got ${version}`);
  }
}

/** The HKDF info string for one resource (exported so tests can check injectivity directly). */
export function resourceKeyInfo(keyName: string, version: number, resourceId: Uint8Array): Uint8Array {
  checkKeyName(keyName);
  checkVersion(version);
  checkResourceId(resourceId);
  return concatBytes(lengthPrefixed(utf8(keyName)), i2osp(version, 4), lengthPrefixed(resourceId));
}

export function deriveResourceKey(
  masterHalf: Uint8Array,
  oprfOutput: Uint8Array,
  keyName: string,
  version: number,
  resourceId: Uint8Array,
): Uint8Array {
  if (!(masterHalf instanceof Uint8Array) || masterHalf.length !== MASTER_HALF_LENGTH) {
    throw new ParameterError('masterHalf', `expected ${MASTER_HALF_LENGTH} bytes`);
  }
  // All zero is a wiped master half (a closed client), never a drawn one: the key would be
  // HKDF(0³² ‖ output), which whoever holds the nodes can compute.
  if (isAllZero(masterHalf)) throw new ParameterError('masterHalf', 'is all zero (wiped)');
  if (!(oprfOutput instanceof Uint8Array) || oprfOutput.length !== OUTPUT_LENGTH) {
    throw new ParameterError('oprfOutput', `expected ${OUTPUT_LENGTH} bytes`);
  }
  const ikm = concatBytes(masterHalf, oprfOutput);
  const key = hkdf(sha256, ikm, SALT, resourceKeyInfo(keyName, version, resourceId), RESOURCE_KEY_LENGTH);
  ikm.fill(0);
  return key;
}
