/**
 * The messages between the node's Evaluate pool (node/evaluate-pool.ts) and its worker threads
 * (node/evaluate-worker.ts). Elements travel packed, 32 bytes each back to back, in one buffer.
 * The share travels in its own 32-byte buffer that is transferred (not copied) to the worker,
 * which zeroes it once the evaluation and proof are done.
 */
export const PACKED = 32;

export interface EvaluateJob {
  id: number;
  /** Shamir index i of this node. */
  index: number;
  /** k_i, transferred; the worker zeroes it. */
  share: Uint8Array;
  /** pk_i = k_i·G, for the proof. */
  publicShare: Uint8Array;
  /** m blinded elements, packed (each checked to be 32 bytes before packing). */
  blinded: Uint8Array;
}

export type EvaluateResult =
  | { id: number; ok: true; evaluated: Uint8Array; proof: Uint8Array }
  | { id: number; ok: false; name: string; field?: string; reason?: string; message: string };

export function packElements(items: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(items.length * PACKED);
  items.forEach((e, j) => out.set(e, j * PACKED));
  return out;
}

export function unpackElements(packed: Uint8Array): Uint8Array[] {
  if (packed.length % PACKED !== 0) throw new RangeError(`packed buffer of ${packed.length} bytes is not a whole number of elements`);
  const out: Uint8Array[] = [];
  for (let j = 0; j < packed.length; j += PACKED) out.push(packed.subarray(j, j + PACKED));
  return out;
}
