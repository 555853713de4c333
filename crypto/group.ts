/**
 * The prime-order group ristretto255 (RFC 9496) as RFC 9497 §4.1 uses it, behind one small
 * interface with three backends:
 *
 * - `noble`: @noble/curves' `ristretto255` — the reference. Its variable-base multiply is not
 *   constant-time (its README says so), so it is used for checking, not for secret scalars.
 * - `sodium`: libsodium (wasm, libsodium-wrappers-sumo) — constant-time scalar multiplication and
 *   scalar arithmetic, several times faster than noble. Always available: the fallback.
 * - `native`: libdecaf through the optional N-API addon in native/ (group-native.ts) — constant
 *   time like libsodium, 2–3× faster again, with multi-point operations on internal points.
 *   The default wherever the addon is built; `SPLITKEY_BACKEND=sodium` forces the fallback.
 *
 * All speak bytes: an element is its 32-byte canonical encoding, a scalar its 32-byte
 * little-endian canonical encoding (RFC 9497 §4.1 SerializeElement / SerializeScalar). The
 * backends are byte-identical (test/group.test.ts proves it on random inputs).
 */
// @noble/curves' ristretto255 (the reference backend, group-noble.ts) and its hash-to-curve (the
// sodium backend's expand_message_xmd) load only with the backend that uses them: a process on the
// native backend, or a CLI printing help, never loads them (about 30 ms of start-up).
import { bytesToNumberLE, numberToBytesLE } from '@noble/curves/utils.js';
import type { sha512 } from '@noble/hashes/sha2.js';
import type Sodium from 'libsodium-wrappers-sumo';
import { fromHex, isAllZero, type Rng } from './bytes.js';
import { DeserializeError, ParameterError } from './errors.js';
import { genericMulBaseAdd, genericMulSum, genericMultiScalarMul } from './group-generic.js';
import { buildNativeGroup } from './group-native.js';
import { loadNativeBinding, requestedBackend } from './native-addon.js';

/** 32-byte canonical encoding of a non-identity ristretto255 element (or the identity where said). */
export type Element = Uint8Array;
/** 32-byte little-endian encoding of an integer in [0, order). */
export type Scalar = Uint8Array;

export const ELEMENT_LENGTH = 32;
export const SCALAR_LENGTH = 32;
/** The prime order of ristretto255: 2^252 + 27742317777372353535851937790883648493 (test/group.test.ts checks it against noble). */
export const GROUP_ORDER = 2n ** 252n + 27742317777372353535851937790883648493n;
/** The generator G (RFC 9496 §4.4), encoded (test/group.test.ts checks it against every backend). */
export const GENERATOR: Element = fromHex('e2f2ae0a6abc4e71a884a961c500515f58e30b6aa582dd8db6a65945e08d2d76', 'GENERATOR');
/** The identity element's (only) encoding. */
export const IDENTITY: Element = new Uint8Array(ELEMENT_LENGTH);

export type BackendName = 'noble' | 'sodium' | 'native';

export interface Group {
  readonly name: BackendName;
  /** The library doing the arithmetic, for status output and metrics (`libdecaf`, `libsodium wasm`). */
  readonly library: string;
  /** True if `bytes` is a canonical encoding of some element (the identity included). */
  isCanonicalElement(bytes: Uint8Array): boolean;
  /** k·P. Throws if k is zero (the result would be the identity). */
  mul(k: Scalar, P: Element): Element;
  /** k·G. Throws if k is zero. */
  mulBase(k: Scalar): Element;
  add(P: Element, Q: Element): Element;
  sub(P: Element, Q: Element): Element;
  /**
   * Σ w_i·P_i (zero weights and no terms allowed; the identity encoding if the sum is the
   * identity). Constant time in the weights on `sodium` and `native`: safe for secret weights.
   * `native` decodes each point once and pairs terms in double-scalar multiplications.
   */
  multiScalarMul(weights: readonly Scalar[], points: readonly Element[]): Element;
  /**
   * The same sum for PUBLIC weights and points only (DLEQ composites, the client's integer
   * Lagrange sum): `native` runs it in variable time — double-and-add when every weight (or its
   * negation) has at most 64 bits, else the bucket method from 16 terms on and constant-time
   * pairs below; the others as `multiScalarMul`.
   */
  multiScalarMulVartime(weights: readonly Scalar[], points: readonly Element[]): Element;
  /**
   * k·Σ w_i·P_i for a possibly SECRET k (constant time in k) and PUBLIC weights and points:
   * `native` forms the sum in variable time (fast for short weights, such as the integer
   * Lagrange weights of a few nodes) and then multiplies by k in constant time; the others run
   * `multiScalarMul` over the weights k·w_i. At least one term.
   */
  mulSum(k: Scalar, weights: readonly Scalar[], points: readonly Element[]): Element;
  /**
   * a·G + b·P for PUBLIC a, b and P only: `native` runs it in variable time (proof
   * verification). Zero scalars allowed.
   */
  mulBaseAddVartime(a: Scalar, b: Scalar, P: Element): Element;
  /** RFC 9380 hash_to_ristretto255 with expand_message_xmd(SHA-512) and the given DST. */
  hashToGroup(msg: Uint8Array, dst: Uint8Array): Element;
  /** RFC 9497 §4.1 HashToScalar: expand_message_xmd to 64 bytes, reduced mod the order. */
  hashToScalar(msg: Uint8Array, dst: Uint8Array): Scalar;
  /** SHA-512 (the suite's hash), from the same library as the group operations. */
  sha512(msg: Uint8Array): Uint8Array;
  /** Reduce 64 little-endian bytes modulo the order. */
  reduceWide(bytes64: Uint8Array): Scalar;
  scalarAdd(a: Scalar, b: Scalar): Scalar;
  scalarSub(a: Scalar, b: Scalar): Scalar;
  scalarMul(a: Scalar, b: Scalar): Scalar;
  scalarNeg(a: Scalar): Scalar;
  /** a⁻¹. Throws on zero. */
  scalarInvert(a: Scalar): Scalar;
}

// ---------------------------------------------------------------------------------------------
// Validation shared by every backend (RFC 9497 §4.1: DeserializeElement / DeserializeScalar).

function checkLength(bytes: Uint8Array, length: number, field: string): void {
  if (!(bytes instanceof Uint8Array)) throw new DeserializeError(field, 'expected a byte string');
  if (bytes.length !== length) {
    throw new DeserializeError(field, `expected ${length} bytes, got ${bytes.length}`);
  }
}

/**
 * DeserializeElement: exactly 32 bytes, a canonical ristretto255 encoding, not the identity.
 * Returns the same bytes (elements are carried in encoded form).
 */
export function decodeElement(group: Group, bytes: Uint8Array, field: string): Element {
  checkLength(bytes, ELEMENT_LENGTH, field);
  if (!group.isCanonicalElement(bytes)) {
    throw new DeserializeError(field, 'not a canonical ristretto255 encoding');
  }
  if (isAllZero(bytes)) throw new DeserializeError(field, 'is the identity element');
  return bytes;
}

/** DeserializeScalar: exactly 32 bytes, little-endian, below the group order. */
export function decodeScalar(bytes: Uint8Array, field: string, opts: { nonZero?: boolean } = {}): Scalar {
  checkLength(bytes, SCALAR_LENGTH, field);
  const value = bytesToNumberLE(bytes);
  if (value >= GROUP_ORDER) throw new DeserializeError(field, 'scalar is not below the group order');
  if (opts.nonZero && value === 0n) throw new DeserializeError(field, 'scalar is zero');
  return bytes;
}

export function scalarFromBigint(value: bigint): Scalar {
  return numberToBytesLE(((value % GROUP_ORDER) + GROUP_ORDER) % GROUP_ORDER, SCALAR_LENGTH);
}

export function scalarToBigint(s: Scalar): bigint {
  return bytesToNumberLE(s);
}

export function scalarIsZero(s: Scalar): boolean {
  return isAllZero(s);
}

export function elementsEqual(a: Element, b: Element): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * RandomScalar (RFC 9497 §4.1): 64 bytes from `rng`, reduced mod the order, retried on zero.
 * Reducing 64 bytes makes the bias negligible, and lets tests inject an exact scalar `s` by
 * returning `s ‖ 0^32`.
 */
export function randomScalar(group: Group, rng: Rng): Scalar {
  for (let i = 0; i < 8; i++) {
    const bytes = rng(64);
    if (!(bytes instanceof Uint8Array) || bytes.length !== 64) {
      throw new ParameterError('rng', 'must return the number of bytes requested');
    }
    const s = group.reduceWide(bytes);
    bytes.fill(0);
    if (!scalarIsZero(s)) return s;
  }
  throw new ParameterError('rng', 'returned zero scalars repeatedly');
}

// ---------------------------------------------------------------------------------------------
// libsodium backend (constant-time, fast).

let sodiumGroup: Group | undefined;

function buildSodiumGroup(s: typeof Sodium, expand_message_xmd: typeof import('@noble/curves/abstract/hash-to-curve.js').expand_message_xmd): Group {
  // noble's expand_message_xmd (RFC 9380 §5.3.1) over libsodium's SHA-512: about twice as fast
  // as over noble's, byte for byte the same (test/group.test.ts compares the backends).
  const hash = Object.assign((msg: Uint8Array) => s.crypto_hash_sha512(msg), { outputLen: 64, blockLen: 128 });
  const expandHash64 = (msg: Uint8Array, dst: Uint8Array): Uint8Array => expand_message_xmd(msg, dst, 64, hash as unknown as typeof sha512);
  const requireNonZero = (k: Scalar, op: string): Scalar => {
    if (isAllZero(k)) throw new ParameterError(op, 'scalar is zero');
    return k;
  };
  const group: Group = {
    name: 'sodium',
    library: 'libsodium wasm',
    // libsodium's check rejects the identity (canonical here) and throws on another length.
    isCanonicalElement: (bytes) => bytes.length === ELEMENT_LENGTH && (isAllZero(bytes) || s.crypto_core_ristretto255_is_valid_point(bytes)),
    mul: (k, P) => s.crypto_scalarmult_ristretto255(requireNonZero(k, 'mul'), P),
    mulBase: (k) => s.crypto_scalarmult_ristretto255_base(requireNonZero(k, 'mulBase')),
    add: (P, Q) => s.crypto_core_ristretto255_add(P, Q),
    sub: (P, Q) => s.crypto_core_ristretto255_sub(P, Q),
    multiScalarMul: (weights, points) => genericMultiScalarMul(group, weights, points),
    multiScalarMulVartime: (weights, points) => genericMultiScalarMul(group, weights, points),
    mulSum: (k, weights, points) => genericMulSum(group, k, weights, points),
    mulBaseAddVartime: (a, b, P) => genericMulBaseAdd(group, a, b, P),
    hashToGroup: (msg, dst) => s.crypto_core_ristretto255_from_hash(expandHash64(msg, dst)),
    hashToScalar: (msg, dst) => s.crypto_core_ristretto255_scalar_reduce(expandHash64(msg, dst)),
    sha512: (msg) => s.crypto_hash_sha512(msg),
    reduceWide: (bytes64) => s.crypto_core_ristretto255_scalar_reduce(bytes64),
    scalarAdd: (a, b) => s.crypto_core_ristretto255_scalar_add(a, b),
    scalarSub: (a, b) => s.crypto_core_ristretto255_scalar_sub(a, b),
    scalarMul: (a, b) => s.crypto_core_ristretto255_scalar_mul(a, b),
    scalarNeg: (a) => s.crypto_core_ristretto255_scalar_negate(a),
    scalarInvert: (a) => s.crypto_core_ristretto255_scalar_invert(requireNonZero(a, 'scalarInvert')),
  };
  return group;
}

/**
 * The libsodium backend, once its wasm module has loaded. The module is imported here, not at the
 * top: a process on the native backend (or a CLI printing help) never loads the wasm.
 */
export async function loadSodiumGroup(): Promise<Group> {
  if (!sodiumGroup) {
    const sodium = (await import('libsodium-wrappers-sumo')).default;
    const { expand_message_xmd } = await import('@noble/curves/abstract/hash-to-curve.js');
    await sodium.ready;
    sodiumGroup = buildSodiumGroup(sodium, expand_message_xmd);
  }
  return sodiumGroup;
}

let nativeGroup: Group | undefined;

/** The libdecaf backend, or undefined with the reason when the addon is not built or not loadable. */
export function loadNativeGroup(): { group?: Group; reason?: string } {
  if (nativeGroup) return { group: nativeGroup };
  const { binding, reason } = loadNativeBinding();
  if (!binding) return { reason: reason ?? 'not available' };
  nativeGroup = buildNativeGroup(binding);
  return { group: nativeGroup };
}

/** How status output and metrics name a backend: `native (libdecaf)`, `sodium (libsodium wasm)`. */
export function describeGroup(group: Pick<Group, 'name' | 'library'>): string {
  return `${group.name} (${group.library})`;
}

/** The backend `loadGroup()` picks: SPLITKEY_BACKEND if set, else native when built, else sodium. */
export function defaultBackend(): 'native' | 'sodium' {
  return requestedBackend() ?? (loadNativeGroup().group ? 'native' : 'sodium');
}

/**
 * A backend by name. Without a name: `defaultBackend()` — the native one when its addon is built,
 * libsodium's wasm build otherwise (both constant time for secret scalars; noble only by name).
 * Asking for `native` where it is not built throws, naming the reason.
 */
export async function loadGroup(name: BackendName = defaultBackend()): Promise<Group> {
  if (name === 'noble') return (await import('./group-noble.js')).nobleGroup;
  if (name === 'native') {
    const { group, reason } = loadNativeGroup();
    if (!group) throw new ParameterError('backend', `native backend unavailable: ${reason}`);
    return group;
  }
  return loadSodiumGroup();
}
