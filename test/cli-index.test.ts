/**
 * The root help is printed from cli/command-index.ts without loading any command module; this
 * keeps that table honest: every command the modules register appears there, in order, with the
 * term and description commander would print for it. The start-up budget itself (--help without
 * gRPC, wasm or the addon) is checked by running the compiled CLI with module tracing.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { COMMANDS, HELP_INDEX } from '../cli/command-index.js';

const root = join(import.meta.dirname, '..');
const entry = join(root, 'dist', 'cli', 'main.js');

describe('the root help index', () => {
  it('matches what the command modules register', async () => {
    const program = new Command().name('splitkey');
    for (const [, load] of COMMANDS) (await load())(program);
    const help = program.createHelp();
    const actual = program.commands.map((c) => [c.name(), help.subcommandTerm(c), c.summary() || c.description()]);
    expect(actual).toEqual(HELP_INDEX);
  });

  it.skipIf(!existsSync(entry))('--help and usage errors load no gRPC, no libsodium wasm and no native addon', () => {
    const heavy = /@grpc\/grpc-js|libsodium-wrappers|@aws-sdk|splitkey_native\.node/;
    // NODE_DEBUG=module,esm traces every CommonJS and ES module loaded; none of the heavy ones may appear.
    const trace = (argv: string[]) =>
      spawnSync(process.execPath, argv, { cwd: root, env: { PATH: process.env.PATH, NODE_DEBUG: 'module,esm' }, encoding: 'utf8' })
        .stderr.split('\n')
        .filter((l) => heavy.test(l));
    // The trace does see them when they load.
    expect(trace(['--input-type=module', '-e', "await import('libsodium-wrappers-sumo'); await import('@grpc/grpc-js')"]).length).toBeGreaterThan(0);
    const runs = [[], ['--help'], ['encrypt'], ['status', '--bogus'], ['key', 'list', '--bogus'], ...HELP_INDEX.map(([name]) => [name, '--help'])];
    for (const args of runs) {
      expect(trace([entry, ...args]), args.join(' ') || '(no arguments)').toEqual([]);
    }
  });

  it.skipIf(!existsSync(join(root, 'dist', 'crypto', 'index.js')) || !existsSync(join(root, 'native', 'build', 'Release', 'splitkey_native.node')))(
    'the native backend loads no noble curve code (the reference backend and the sodium hash-to-curve load only with their backend)',
    () => {
      const noble = /@noble\/curves\/(ed25519|abstract\/edwards|abstract\/hash-to-curve)\.js/;
      const trace = (code: string) =>
        spawnSync(process.execPath, ['--input-type=module', '-e', code], { cwd: root, env: { PATH: process.env.PATH, NODE_DEBUG: 'module,esm' }, encoding: 'utf8' })
          .stderr.split('\n')
          .filter((l) => noble.test(l));
      const load = (backend: string) => `const c = await import('./dist/crypto/index.js'); const g = await c.loadGroup('${backend}'); if (g.name !== '${backend}') process.exit(3);`;
      // The trace does see them when they load.
      expect(trace(load('noble')).length).toBeGreaterThan(0);
      expect(trace(load('sodium')).length).toBeGreaterThan(0);
      expect(trace(load('native'))).toEqual([]);
    },
  );
});
