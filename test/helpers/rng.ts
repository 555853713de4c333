/** A seeded, reproducible byte generator for tests (SHA-256 in counter mode). Not for production. */
import { createHash } from 'node:crypto';

export function deterministicRng(seed: number | string): (n: number) => Uint8Array {
  let counter = 0;
  return (n) => {
    const out = new Uint8Array(n);
    for (let off = 0; off < n; off += 32) {
      const block = createHash('sha256').update(`${seed}:${counter++}`).digest();
      out.set(block.subarray(0, Math.min(32, n - off)), off);
    }
    return out;
  };
}
