/**
 * The `native` group backend: libdecaf's ristretto255 instance through an N-API addon
 * (native/splitkey_native.c). Same bytes in and out as the `noble` and `sodium` backends
 * (test/group.test.ts, test/ristretto255.test.ts and the RFC 9497 vectors prove it), 2–3× faster
 * than libsodium's wasm build per operation, and more where libdecaf's multi-point operations
 * replace several single ones (`multiScalarMul`, `mulBaseAddVartime`).
 *
 * Timing: constant time in every scalar (k·P, k·G through libdecaf's precomputed base table,
 * double-scalar multiplication, scalar arithmetic), except `mulBaseAddVartime` and
 * `multiScalarMulVartime`, which are variable time and only called on public data (DLEQ
 * verification and composites), and the inner sum of `mulSum` over public weights and points
 * (its multiplication by k is constant time).
 */
import type { BackendName, Element, Group, Scalar } from './group.js';
import { isAllZero } from './bytes.js';
import { ParameterError } from './errors.js';

/** What the addon exports (native/splitkey_native.c). Scalars in are reduced modulo the order. */
export interface NativeBinding {
  readonly library: string;
  /** The addon's interface version (SPLITKEY_NATIVE_ABI in native/splitkey_native.c). */
  readonly abi: number;
  isCanonical(bytes: Uint8Array): boolean;
  mul(k: Scalar, P: Element): Element;
  mulBase(k: Scalar): Element;
  add(P: Element, Q: Element): Element;
  sub(P: Element, Q: Element): Element;
  /** Σ w_i·P_i over packed 32-byte weights and packed 32-byte elements (constant time). */
  multiScalarMul(weights: Uint8Array, points: Uint8Array): Element;
  /** The same sum in VARIABLE time (bucket method from 16 terms): public weights and points only. */
  multiScalarMulVartime(weights: Uint8Array, points: Uint8Array): Element;
  /** k·Σ w_i·P_i: the sum in VARIABLE time (public weights and points), the product by k in constant time. */
  mulSum(k: Scalar, weights: Uint8Array, points: Uint8Array): Element;
  /** a·G + b·P, VARIABLE time: public inputs only. */
  mulBaseAddVartime(a: Scalar, b: Scalar, P: Element): Element;
  hashToGroup(msg: Uint8Array, dst: Uint8Array): Element;
  hashToScalar(msg: Uint8Array, dst: Uint8Array): Scalar;
  sha512(msg: Uint8Array): Uint8Array;
  reduceWide(bytes64: Uint8Array): Scalar;
  scalarAdd(a: Scalar, b: Scalar): Scalar;
  scalarSub(a: Scalar, b: Scalar): Scalar;
  scalarMul(a: Scalar, b: Scalar): Scalar;
  scalarNeg(a: Scalar): Scalar;
  scalarInvert(a: Scalar): Scalar;
}

function pack(items: readonly Uint8Array[], what: string): Uint8Array {
  const out = new Uint8Array(items.length * 32);
  items.forEach((e, j) => {
    if (e.length !== 32) throw new ParameterError(what, `expected 32 bytes, got ${e.length}`);
    out.set(e, j * 32);
  });
  return out;
}

/** True for an empty sum (the identity); throws when weights and points differ in number. */
function noTerms(weights: readonly Scalar[], points: readonly Element[], op: string): boolean {
  if (weights.length !== points.length) throw new ParameterError(op, `${weights.length} weights for ${points.length} points`);
  return weights.length === 0;
}

export function buildNativeGroup(b: NativeBinding): Group {
  const requireNonZero = (k: Scalar, op: string): Scalar => {
    if (isAllZero(k)) throw new ParameterError(op, 'scalar is zero');
    return k;
  };
  return {
    name: 'native' satisfies BackendName,
    library: b.library,
    isCanonicalElement: (bytes) => bytes.length === 32 && b.isCanonical(bytes),
    mul: (k, P) => b.mul(requireNonZero(k, 'mul'), P),
    mulBase: (k) => b.mulBase(requireNonZero(k, 'mulBase')),
    add: (P, Q) => b.add(P, Q),
    sub: (P, Q) => b.sub(P, Q),
    multiScalarMul: (weights, points) => {
      if (noTerms(weights, points, 'multiScalarMul')) return new Uint8Array(32);
      const w = pack(weights, 'weights');
      try {
        return b.multiScalarMul(w, pack(points, 'points'));
      } finally {
        w.fill(0);
      }
    },
    multiScalarMulVartime: (weights, points) => {
      if (noTerms(weights, points, 'multiScalarMulVartime')) return new Uint8Array(32);
      return b.multiScalarMulVartime(pack(weights, 'weights'), pack(points, 'points'));
    },
    mulSum: (k, weights, points) => {
      if (noTerms(weights, points, 'mulSum')) throw new ParameterError('mulSum', 'no terms');
      return b.mulSum(k, pack(weights, 'weights'), pack(points, 'points'));
    },
    mulBaseAddVartime: (a, c, P) => b.mulBaseAddVartime(a, c, P),
    hashToGroup: (msg, dst) => b.hashToGroup(msg, dst),
    hashToScalar: (msg, dst) => b.hashToScalar(msg, dst),
    sha512: (msg) => b.sha512(msg),
    reduceWide: (bytes64) => b.reduceWide(bytes64),
    scalarAdd: (x, y) => b.scalarAdd(x, y),
    scalarSub: (x, y) => b.scalarSub(x, y),
    scalarMul: (x, y) => b.scalarMul(x, y),
    scalarNeg: (x) => b.scalarNeg(x),
    scalarInvert: (x) => b.scalarInvert(requireNonZero(x, 'scalarInvert')),
  };
}
