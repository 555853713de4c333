/**
 * The messages between the client's proof checker and its worker threads. Elements and scalars
 * travel packed (32 bytes each, back to back) in one buffer: one copy instead of a structured
 * clone of hundreds of small arrays. Secret scalars (blind inverses, combine weights) are
 * transferred, never copied, and zeroed by whichever side used them last.
 */
import type { Element } from '../crypto/index.js';

export type Job = CheckJob | BlindJob | CombineJob;

/** Blind inputs (RFC 9497 Blind with the worker's own randomness); the blinds never leave it. */
export interface BlindJob {
  kind: 'blind';
  id: number;
  /** The inputs back to back; `lengths[j]` bytes each. */
  inputs: Uint8Array;
  lengths: number[];
}

/** N[j] = r_j⁻¹·Σ λ_i·Z_i[j] over checked answers (crypto/threshold.ts `combineUnblindInverted`). */
export interface CombineJob {
  kind: 'combine';
  id: number;
  /** The answering nodes' indices, and each node's m evaluated elements, packed. */
  indices: number[];
  evaluated: Uint8Array[];
  /** m blind inverses r_j⁻¹, packed and transferred; the worker zeroes them after use. */
  inverses: Uint8Array;
}

export interface CheckJob {
  kind: 'check';
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

/**
 * A job's outcome. `out`, transferred: check → [scaled] when weights were given, else [];
 * blind → [blinded elements, blind inverses]; combine → [N].
 */
export type JobResult =
  | { id: number; ok: true; out: Uint8Array[] }
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
