/**
 * RFC 9497 Appendix A vectors for ristretto255-SHA512, loaded as data. A copy of
 * ../shared/vectors/rfc9497-ristretto255-sha512.json lives in test/vectors so a clean checkout is
 * self-contained.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface RfcVector {
  Batch: number;
  Blind: string;
  BlindedElement: string;
  EvaluationElement: string;
  Input: string;
  Output: string;
  Proof?: { proof: string; r: string };
}

export interface RfcSuite {
  mode: number;
  seed: string;
  keyInfo: string;
  skSm: string;
  pkSm?: string;
  vectors: RfcVector[];
}

const path = fileURLToPath(new URL('../vectors/rfc9497-ristretto255-sha512.json', import.meta.url));
export const rfcSuites: RfcSuite[] = JSON.parse(readFileSync(path, 'utf8'));

export const rfcSuite = (mode: number): RfcSuite => {
  const s = rfcSuites.find((x) => x.mode === mode);
  if (!s) throw new Error(`no RFC 9497 vectors for mode ${mode}`);
  return s;
};

/** A batch field is a comma-separated list of hex strings. */
export const splitHex = (field: string): Uint8Array[] => field.split(',').map((h) => Uint8Array.from(Buffer.from(h, 'hex')));

/** An rng that yields the given scalars in order, each as `s ‖ 0^32` (see crypto randomScalar). */
export function scalarRng(scalars: Uint8Array[]): (n: number) => Uint8Array {
  const queue = [...scalars];
  return (n) => {
    const s = queue.shift();
    if (!s || n !== 64) throw new Error('scalarRng exhausted or asked for an unexpected length');
    const out = new Uint8Array(64);
    out.set(s);
    return out;
  };
}
