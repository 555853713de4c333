/**
 * Multi-point operations from single ones, for the backends without a fused operation (noble,
 * sodium). The native backend has its own (group-native.ts).
 */
import { isAllZero } from './bytes.js';
import { ParameterError } from './errors.js';
import type { Element, Group, Scalar } from './group.js';

export function genericMultiScalarMul(group: Pick<Group, 'mul' | 'add'>, weights: readonly Scalar[], points: readonly Element[]): Element {
  if (weights.length !== points.length) {
    throw new ParameterError('multiScalarMul', `${weights.length} weights for ${points.length} points`);
  }
  // Zero weights are skipped (a zero product is the identity, which libsodium refuses to make);
  // whether a weight is zero is the only branch on the weights.
  let acc: Element | undefined;
  for (let i = 0; i < points.length; i++) {
    if (isAllZero(weights[i]!)) continue;
    const term = group.mul(weights[i]!, points[i]!);
    acc = acc === undefined ? term : group.add(acc, term);
  }
  return acc ?? new Uint8Array(32);
}

/** k·Σ w_i·P_i as Σ (k·w_i)·P_i: constant time in k (the products are wiped afterwards). */
export function genericMulSum(group: Pick<Group, 'mul' | 'add' | 'scalarMul'>, k: Scalar, weights: readonly Scalar[], points: readonly Element[]): Element {
  if (weights.length === 0 || weights.length !== points.length) {
    throw new ParameterError('mulSum', `${weights.length} weights for ${points.length} points`);
  }
  const scaled = weights.map((w) => group.scalarMul(k, w));
  try {
    return genericMultiScalarMul(group, scaled, points);
  } finally {
    for (const w of scaled) w.fill(0);
  }
}

export function genericMulBaseAdd(group: Pick<Group, 'mul' | 'mulBase' | 'add'>, a: Scalar, b: Scalar, P: Element): Element {
  const aZero = isAllZero(a);
  const bZero = isAllZero(b);
  if (aZero && bZero) return new Uint8Array(32);
  if (aZero) return group.mul(b, P);
  if (bZero) return group.mulBase(a);
  return group.add(group.mulBase(a), group.mul(b, P));
}
