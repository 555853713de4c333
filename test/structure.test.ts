/**
 * The layering rules of DESIGN.md, checked on the sources: crypto/ imports only @noble/* and
 * libsodium (and does no I/O; crypto/native-addon.ts alone loads the optional native addon and
 * reads SPLITKEY_BACKEND); node/ and client/ never import each other; only node/rpc.ts maps
 * errors to gRPC status codes; the generated proto types match the .proto files.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const sources = (dir: string): string[] =>
  readdirSync(join(root, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
const importsOf = (file: string): string[] =>
  [...readFileSync(join(root, file), 'utf8').matchAll(/^\s*(?:import|export)[^'"]*from\s+['"]([^'"]+)['"]/gm)].map((m) => m[1]!);

describe('layering', () => {
  it('crypto/ imports only @noble/*, libsodium-wrappers-sumo and itself (and node:module to load the native addon)', () => {
    const addonLoader = join('crypto', 'native-addon.ts');
    for (const f of sources('crypto')) {
      const allowed = (i: string) =>
        i.startsWith('./') || i.startsWith('@noble/') || i === 'libsodium-wrappers-sumo' || (f === addonLoader && i === 'node:module');
      for (const i of importsOf(f)) expect(allowed(i), `${f} imports ${i}`).toBe(true);
      const text = readFileSync(join(root, f), 'utf8');
      const checked = f === addonLoader ? text.replaceAll('process.env.SPLITKEY_BACKEND', '') : text;
      expect(checked, `${f} uses process/Buffer/fs`).not.toMatch(/\b(process\.|Buffer\.|readFile|writeFile)/);
    }
  });

  it('node/ and client/ never import each other; crypto/ imports neither', () => {
    for (const f of sources('node')) for (const i of importsOf(f)) expect(i, f).not.toMatch(/client\//);
    for (const f of sources('client')) for (const i of importsOf(f)) expect(i, f).not.toMatch(/(^|\/)node\//);
  });

  it('only node/rpc.ts chooses gRPC status codes in the node', () => {
    for (const f of sources('node').filter((f) => f !== join('node', 'rpc.ts'))) {
      expect(readFileSync(join(root, f), 'utf8'), f).not.toMatch(/status\.(INVALID_ARGUMENT|NOT_FOUND|PERMISSION_DENIED|FAILED_PRECONDITION|RESOURCE_EXHAUSTED|UNAVAILABLE)/);
    }
  });

  it('proto/gen is what proto-loader-gen-types makes of the current .proto files', () => {
    const out = mkdtempSync(join(tmpdir(), 'splitkey-gen-'));
    try {
      const script = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).scripts['proto:gen'] as string;
      const args = script.replace(/^proto-loader-gen-types\s+/, '').replace('--outDir=proto/gen', `--outDir=${out}`).split(/\s+/);
      execFileSync(join(root, 'node_modules', '.bin', 'proto-loader-gen-types'), args, { cwd: root });
      const list = (d: string): string[] => readdirSync(d, { recursive: true }).map(String).filter((f) => f.endsWith('.ts')).sort();
      expect(list(out)).toEqual(list(join(root, 'proto', 'gen')));
      for (const f of list(out)) expect(readFileSync(join(out, f), 'utf8'), f).toBe(readFileSync(join(root, 'proto', 'gen', f), 'utf8'));
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
