/**
 * The noble backend: @noble/curves' ristretto255, the reference. Its variable-base multiply is not
 * constant time (its README says so), so it is used for checking, not for secret scalars. Loaded
 * only by `loadGroup('noble')` (and by tests and benchmarks that import it), never on the default path.
 */
import { ristretto255, ristretto255_hasher } from '@noble/curves/ed25519.js';
import { bytesToNumberLE } from '@noble/curves/utils.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { ParameterError } from './errors.js';
import { scalarFromBigint, type Group, type Scalar } from './group.js';
import { genericMulBaseAdd, genericMulSum, genericMultiScalarMul } from './group-generic.js';

const { Point } = ristretto255;
const Fn = Point.Fn;

function nobleScalar(s: Scalar): bigint {
  return bytesToNumberLE(s);
}

function nonZero(k: bigint, op: string): bigint {
  if (k === 0n) throw new ParameterError(op, 'scalar is zero');
  return k;
}

export const nobleGroup: Group = {
  name: 'noble',
  library: '@noble/curves',
  isCanonicalElement(bytes) {
    try {
      Point.fromBytes(bytes);
      return true;
    } catch {
      return false;
    }
  },
  mul: (k, P) => Point.fromBytes(P).multiply(nonZero(nobleScalar(k), 'mul')).toBytes(),
  mulBase: (k) => Point.BASE.multiply(nonZero(nobleScalar(k), 'mulBase')).toBytes(),
  add: (P, Q) => Point.fromBytes(P).add(Point.fromBytes(Q)).toBytes(),
  sub: (P, Q) => Point.fromBytes(P).subtract(Point.fromBytes(Q)).toBytes(),
  multiScalarMul: (weights, points) => genericMultiScalarMul(nobleGroup, weights, points),
  multiScalarMulVartime: (weights, points) => genericMultiScalarMul(nobleGroup, weights, points),
  mulSum: (k, weights, points) => genericMulSum(nobleGroup, k, weights, points),
  mulBaseAddVartime: (a, b, P) => genericMulBaseAdd(nobleGroup, a, b, P),
  hashToGroup: (msg, dst) => ristretto255_hasher.hashToCurve(msg, { DST: dst }).toBytes(),
  hashToScalar: (msg, dst) => scalarFromBigint(ristretto255_hasher.hashToScalar(msg, { DST: dst })),
  sha512: (msg) => sha512(msg),
  reduceWide: (bytes64) => scalarFromBigint(Fn.create(bytesToNumberLE(bytes64))),
  scalarAdd: (a, b) => scalarFromBigint(Fn.add(nobleScalar(a), nobleScalar(b))),
  scalarSub: (a, b) => scalarFromBigint(Fn.sub(nobleScalar(a), nobleScalar(b))),
  scalarMul: (a, b) => scalarFromBigint(Fn.mul(nobleScalar(a), nobleScalar(b))),
  scalarNeg: (a) => scalarFromBigint(Fn.neg(nobleScalar(a))),
  scalarInvert: (a) => scalarFromBigint(Fn.inv(nonZero(nobleScalar(a), 'scalarInvert'))),
};

