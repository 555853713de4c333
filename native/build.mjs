#!/usr/bin/env node
/**
 * Builds the optional native group backend (native/splitkey_native.c against libdecaf) with
 * node-gyp. Run by `npm install` / `npm ci` (the package's postinstall) and by `npm run
 * build:native`. It never fails the install: without libdecaf's headers, a compiler or node-gyp
 * it says why and exits 0, and splitkey uses the libsodium wasm backend (crypto/group.ts).
 * `--strict` (CI, the Dockerfile) makes a failed build an error instead.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const strict = process.argv.includes('--strict');
const HEADER = '/usr/include/decaf/decaf/point_255.h';

function skip(reason) {
  const msg = `splitkey: native backend not built (${reason}); using the libsodium wasm backend. ` +
    'For the fast path: apt-get install libdecaf-dev, then npm run build:native';
  if (strict) {
    process.stderr.write(`${msg}\n`);
    process.exit(1);
  }
  process.stdout.write(`${msg}\n`);
  process.exit(0);
}

if (process.env.SPLITKEY_SKIP_NATIVE === '1') skip('SPLITKEY_SKIP_NATIVE=1');
if (!existsSync(HEADER)) skip(`${HEADER} missing`);

// npm sets npm_config_node_gyp for lifecycle scripts; otherwise npm's own copy next to node.
const candidates = [
  process.env.npm_config_node_gyp,
  join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
].filter((p) => p && existsSync(p));
const gyp = candidates[0];
const cmd = gyp ? process.execPath : 'node-gyp';
// Build against the headers of the running Node (no download: this may run offline).
const prefix = join(dirname(process.execPath), '..');
const nodedir = process.env.npm_config_nodedir || (existsSync(join(prefix, 'include', 'node', 'node_api.h')) ? prefix : undefined);
const args = [...(gyp ? [gyp] : []), 'rebuild', '--directory', here, ...(nodedir ? [`--nodedir=${nodedir}`] : [])];
const run = spawnSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
if (run.error || run.status !== 0) {
  process.stderr.write(run.stderr?.slice(-2000) ?? '');
  skip(run.error ? `node-gyp: ${run.error.message}` : `node-gyp exited with ${run.status}`);
}
process.stdout.write(`splitkey: native backend built (${join(here, 'build', 'Release', 'splitkey_native.node')})\n`);
