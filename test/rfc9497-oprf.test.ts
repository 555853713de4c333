/**
 * RFC 9497 Appendix A.1 (ristretto255-SHA512): every OPRF (mode 0x00) and VOPRF (mode 0x01)
 * vector, byte for byte, on every group backend (noble, libsodium wasm, native libdecaf when built). Blind and the proof's r are injected through rng.
 */
import { describe, expect, it } from 'vitest';
import {
  GENERATOR,
  MODE_OPRF,
  MODE_VOPRF,
  blind,
  blindEvaluate,
  createSuite,
  deriveKeyPair,
  evaluate,
  finalize,
  fromHex,
  generateProof,
  loadGroup,
  toHex,
  verifyProof,
  type Mode,
} from '../crypto/index.js';
import { backendNames } from './helpers/backends.js';
import { rfcSuite, scalarRng, splitHex } from './helpers/rfc-vectors.js';

for (const backend of backendNames) {
  for (const mode of [MODE_OPRF, MODE_VOPRF] as Mode[]) {
    describe(`RFC 9497 ${mode === MODE_OPRF ? 'OPRF' : 'VOPRF'} ristretto255-SHA512 on ${backend}`, async () => {
      const group = await loadGroup(backend);
      const suite = createSuite(group, mode);
      const data = rfcSuite(mode);

      it('DeriveKeyPair reproduces skSm (and pkSm)', () => {
        const { skS, pkS } = deriveKeyPair(suite, fromHex(data.seed), fromHex(data.keyInfo));
        expect(toHex(skS)).toBe(data.skSm);
        if (data.pkSm) expect(toHex(pkS)).toBe(data.pkSm);
      });

      data.vectors.forEach((v, n) => {
        it(`vector ${n + 1} (batch ${v.Batch})`, () => {
          const skS = fromHex(data.skSm);
          const inputs = splitHex(v.Input);
          const blinds = splitHex(v.Blind);
          const blinded = inputs.map((input, i) => blind(suite, input, scalarRng([blinds[i]!])));
          expect(blinded.map((b) => toHex(b.blindedElement)).join(',')).toBe(v.BlindedElement);

          const evaluated = blindEvaluate(suite, skS, blinded.map((b) => b.blindedElement));
          expect(evaluated.map(toHex).join(',')).toBe(v.EvaluationElement);

          if (v.Proof) {
            const pkS = group.mulBase(skS);
            const C = blinded.map((b) => b.blindedElement);
            const proof = generateProof(suite, skS, GENERATOR, pkS, C, evaluated, scalarRng([fromHex(v.Proof.r)]));
            expect(toHex(proof)).toBe(v.Proof.proof);
            expect(verifyProof(suite, GENERATOR, pkS, C, evaluated, proof)).toBe(true);
          }

          const outputs = inputs.map((input, i) => finalize(suite, input, blinded[i]!.blind, evaluated[i]!));
          expect(outputs.map(toHex).join(',')).toBe(v.Output);
          expect(inputs.map((input) => toHex(evaluate(suite, skS, input))).join(',')).toBe(v.Output);
        });
      });
    });
  }
}
