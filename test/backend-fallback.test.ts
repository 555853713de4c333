/**
 * The wasm fallback: a process where the native addon is not built (a copy of dist/ without
 * native/build) or where SPLITKEY_BACKEND=sodium forces it picks libsodium's wasm backend by
 * itself and still gives RFC 9497 outputs, verified proofs and threshold combinations; the CLI's
 * --version says which backend it would use. Everything runs the compiled code in a child process,
 * as an installed splitkey would.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MODE_VOPRF } from '../crypto/index.js';
import { NATIVE_ABI, addonMismatch, loadNativeBinding } from '../crypto/native-addon.js';
import { nativeGroup } from './helpers/backends.js';
import { rfcSuite } from './helpers/rfc-vectors.js';

const root = join(import.meta.dirname, '..');
const built = existsSync(join(root, 'dist', 'crypto', 'index.js'));
const vector = rfcSuite(MODE_VOPRF);

/** A threshold round and an RFC Evaluate with the default backend; prints JSON. */
const script = (cryptoIndex: string) => `
import * as c from ${JSON.stringify(cryptoIndex)};
const group = await c.loadGroup();
const suite = c.createSuite(group, c.MODE_VOPRF);
const rng = (n) => crypto.getRandomValues(new Uint8Array(n));
const k = c.fromHex(${JSON.stringify(vector.skSm)});
const input = c.fromHex(${JSON.stringify(vector.vectors[0]!.Input)});
const { shares, commitments } = c.splitSecret(group, k, 2, 3, rng);
const b = c.blind(suite, input, rng);
const answers = shares.slice(1).map((s) => c.verifyPartial(suite, c.publicShare(group, commitments, s.index), [b.blindedElement],
  c.evaluatePartial(suite, s, c.publicShare(group, commitments, s.index), [b.blindedElement], rng)));
const [Z] = c.combineResponses(suite, answers);
console.log(JSON.stringify({ backend: group.name, library: group.library, evaluate: c.toHex(c.evaluate(suite, k, input)), threshold: c.toHex(c.finalize(suite, input, b.blind, Z)) }));
`;

function run(cwd: string, env: Record<string, string>): { backend: string; library: string; evaluate: string; threshold: string } {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script(join(cwd, 'dist', 'crypto', 'index.js'))], {
    cwd,
    env: { PATH: process.env.PATH, ...env },
    encoding: 'utf8',
  });
  expect(r.stderr).toBe('');
  return JSON.parse(r.stdout);
}

const copies: string[] = [];
afterAll(() => copies.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe.skipIf(!built)('the libsodium wasm fallback', () => {
  it('SPLITKEY_BACKEND=sodium forces it: RFC 9497 output and a verified 2-of-3 round', () => {
    const r = run(root, { SPLITKEY_BACKEND: 'sodium' });
    expect(r).toEqual({ backend: 'sodium', library: 'libsodium wasm', evaluate: vector.vectors[0]!.Output, threshold: vector.vectors[0]!.Output });
  });

  it('without the addon (a copy of dist/ and no native/build) it is picked by itself, and --version says so', () => {
    const dir = mkdtempSync(join(tmpdir(), 'splitkey-nonative-'));
    copies.push(dir);
    cpSync(join(root, 'dist'), join(dir, 'dist'), { recursive: true });
    cpSync(join(root, 'package.json'), join(dir, 'package.json'));
    symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
    const r = run(dir, {});
    expect(r).toEqual({ backend: 'sodium', library: 'libsodium wasm', evaluate: vector.vectors[0]!.Output, threshold: vector.vectors[0]!.Output });
    const v = spawnSync(process.execPath, [join(dir, 'dist', 'cli', 'main.js'), '--version'], { env: { PATH: process.env.PATH }, encoding: 'utf8' });
    expect(v.stdout).toMatch(/^0\.1\.0\ngroup backend: sodium \(libsodium wasm; native addon unavailable: .+\)\n$/);
  });

  it.skipIf(!nativeGroup)('with the addon built the same script runs on native and gives the same bytes', () => {
    const r = run(root, {});
    expect(r).toEqual({ backend: 'native', library: 'libdecaf', evaluate: vector.vectors[0]!.Output, threshold: vector.vectors[0]!.Output });
  });

  it.skipIf(!nativeGroup)('an addon built from other sources (a function missing, another interface version) is not used, and says why', () => {
    const binding = loadNativeBinding().binding as unknown as Record<string, unknown>;
    expect(addonMismatch(binding)).toBeUndefined();
    expect(addonMismatch({ ...binding, abi: NATIVE_ABI - 1 })).toBe(`interface version ${NATIVE_ABI - 1}, this code needs ${NATIVE_ABI}`);
    expect(addonMismatch({ ...binding, abi: undefined })).toBe(`interface version none, this code needs ${NATIVE_ABI}`);
    const { multiScalarMulVartime: _, ...older } = binding;
    expect(addonMismatch(older)).toBe('no multiScalarMulVartime');
  });

  it('an unknown SPLITKEY_BACKEND is refused by name', () => {
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script(join(root, 'dist', 'crypto', 'index.js'))], {
      env: { PATH: process.env.PATH, SPLITKEY_BACKEND: 'gpu' },
      encoding: 'utf8',
    });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/SPLITKEY_BACKEND: expected native, sodium \(or wasm\) or auto, got "gpu"/);
  });
});
