/**
 * The messages between the client's proof checker and its worker threads. Elements and scalars
 * travel packed (32 bytes each, back to back) in one buffer: one copy instead of a structured
 * clone of hundreds of small arrays.
 */
import type { Element } from '../crypto/index.js';

export interface CheckJob {
  id: number;
  index: number;
  publicShare: Uint8Array;
  /** m blinded elements, packed. */
  blinded: Uint8Array;
  /** m evaluated elements from the node, packed (each checked to be 32 bytes before packing). */
  evaluated: Uint8Array;
  proof: Uint8Array;
  /** m combine weights λ_i·r_j⁻¹, packed and transferred; the worker zeroes them after use. */
  weights?: Uint8Array;
}

export type CheckResult =
  | { id: number; ok: true; scaled?: Uint8Array }
  | { id: number; ok: false; name: string; field?: string; message: string };

export const PACKED = 32;

export function packElements(items: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(items.length * PACKED);
  items.forEach((e, j) => out.set(e, j * PACKED));
  return out;
}

export function unpackElements(packed: Uint8Array, count: number): Element[] {
  if (packed.length !== count * PACKED) throw new RangeError(`packed buffer of ${packed.length} bytes for ${count} items`);
  const out: Element[] = [];
  for (let j = 0; j < count; j++) out.push(packed.subarray(j * PACKED, (j + 1) * PACKED));
  return out;
}
