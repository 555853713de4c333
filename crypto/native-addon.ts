/**
 * Locates the optional native addon (native/splitkey_native.c over libdecaf, built by
 * native/build.mjs) and reads the process-wide backend choice. This is the one file in crypto/
 * that touches the process (test/structure.test.ts allows exactly this): it loads a compiled
 * module and reads SPLITKEY_BACKEND, as libsodium-wrappers loads its wasm; it does no other I/O.
 */
import { createRequire } from 'node:module';
import type { NativeBinding } from './group-native.js';

/** Where the addon is, relative to crypto/ (sources under vitest) and dist/crypto/ (compiled). */
const CANDIDATES = ['../native/build/Release/splitkey_native.node', '../../native/build/Release/splitkey_native.node'];

/** The addon interface this code expects: SPLITKEY_NATIVE_ABI in native/splitkey_native.c. */
export const NATIVE_ABI = 3;

/** Every function crypto/group-native.ts calls (a Record, so that none can be left out). */
const FUNCTIONS: Record<Exclude<keyof NativeBinding, 'library' | 'abi'>, true> = {
  isCanonical: true,
  mul: true,
  mulBase: true,
  add: true,
  sub: true,
  multiScalarMul: true,
  multiScalarMulVartime: true,
  mulSum: true,
  mulBaseAddVartime: true,
  hashToGroup: true,
  hashToScalar: true,
  sha512: true,
  reduceWide: true,
  scalarAdd: true,
  scalarSub: true,
  scalarMul: true,
  scalarNeg: true,
  scalarInvert: true,
};

/** Why a loaded addon does not fit this code (built from other sources), or undefined. */
export function addonMismatch(binding: Record<string, unknown>): string | undefined {
  const missing = Object.keys(FUNCTIONS).filter((f) => typeof binding[f] !== 'function');
  if (missing.length > 0) return `no ${missing.join(', ')}`;
  if (binding.abi !== NATIVE_ABI) return `interface version ${String(binding.abi ?? 'none')}, this code needs ${NATIVE_ABI}`;
  return undefined;
}

let loaded: { binding?: NativeBinding; reason?: string } | undefined;

/** The addon, or undefined with the reason it could not be loaded (not built, libdecaf missing). */
export function loadNativeBinding(): { binding?: NativeBinding; reason?: string } {
  if (loaded) return loaded;
  const require = createRequire(import.meta.url);
  const reasons: string[] = [];
  for (const rel of CANDIDATES) {
    const path = new URL(rel, import.meta.url).pathname;
    try {
      const binding = require(path) as NativeBinding;
      // An addon built from other sources than this code: not used, and said why.
      const mismatch = addonMismatch(binding as unknown as Record<string, unknown>);
      if (mismatch) {
        reasons.push(`${path} was built from other sources (${mismatch}): run npm run build:native`);
        continue;
      }
      loaded = { binding };
      return loaded;
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      if (err.code !== 'MODULE_NOT_FOUND') reasons.push(`${path}: ${err.message}`);
    }
  }
  loaded = { reason: reasons.length > 0 ? reasons.join('; ') : 'the native addon is not built (npm run build:native, needs libdecaf-dev)' };
  return loaded;
}

/** SPLITKEY_BACKEND, when set: `native` or `sodium` (the wasm build) — `noble` is not offered here. */
export function requestedBackend(): 'native' | 'sodium' | undefined {
  const v = process.env.SPLITKEY_BACKEND;
  if (v === undefined || v === '' || v === 'auto') return undefined;
  if (v === 'native' || v === 'sodium') return v;
  if (v === 'wasm') return 'sodium';
  throw new RangeError(`SPLITKEY_BACKEND: expected native, sodium (or wasm) or auto, got ${JSON.stringify(v)}`);
}
