/**
 * A seeded pseudo-random generator for fault schedules: SHA-256 in counter mode over the seed
 * (from @noble/hashes, already a dependency), so the same seed gives the same schedule on every
 * platform and Node version. Not for secrets.
 */
import { sha256 } from '@noble/hashes/sha2.js';

export interface Prng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [min, max]. */
  int(min: number, max: number): number;
  /** One element of a non-empty list. */
  pick<T>(items: readonly T[]): T;
  /** `k` distinct elements of `items`, in random order. */
  sample<T>(items: readonly T[], k: number): T[];
}

export function createPrng(seed: number): Prng {
  let counter = 0;
  let block = new Uint8Array(0);
  let offset = 0;
  const u32 = (): number => {
    if (offset + 4 > block.length) {
      const input = new Uint8Array(8);
      const view = new DataView(input.buffer);
      view.setUint32(0, seed >>> 0);
      view.setUint32(4, counter++);
      block = sha256(input);
      offset = 0;
    }
    const v = new DataView(block.buffer, block.byteOffset + offset, 4).getUint32(0);
    offset += 4;
    return v;
  };
  const next = (): number => u32() / 2 ** 32;
  const int = (min: number, max: number): number => {
    if (!Number.isInteger(min) || !Number.isInteger(max) || max < min) throw new RangeError(`int(${min}, ${max}): expected integers with min <= max`);
    return min + Math.floor(next() * (max - min + 1));
  };
  const pick = <T>(items: readonly T[]): T => {
    if (items.length === 0) throw new RangeError('pick: expected a non-empty list');
    return items[int(0, items.length - 1)]!;
  };
  const sample = <T>(items: readonly T[], k: number): T[] => {
    const pool = [...items];
    for (let i = pool.length - 1; i > 0; i--) {
      const j = int(0, i);
      [pool[i], pool[j]] = [pool[j]!, pool[i]!];
    }
    return pool.slice(0, Math.max(0, Math.min(k, pool.length)));
  };
  return { next, int, pick, sample };
}
