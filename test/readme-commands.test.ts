/**
 * A command in the README is a promise: every `splitkey …` subcommand the README shows must be
 * run by some test (through the CLI or, where listed below with the reason, through the library
 * function the command is a thin shell over). A command added to the README without a test
 * fails here, naming it.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const TOP = ['appliance', 'audit', 'ca', 'cert', 'chaos', 'cluster', 'decrypt', 'demo', 'dev', 'encrypt', 'key', 'master', 'node', 'oprf', 'receipt', 'rewrap', 's3', 'status', 'volume'];
/** Commands with a second word. */
const GROUPS = new Set(['audit', 'ca', 'cert', 'chaos', 'cluster', 'key', 'master', 'node', 'receipt', 's3', 'volume']);

/** Shown in the README but exercised only through the library, or not runnable here: with why. */
const NOT_RUN_BY_CLI: Record<string, string> = {
  'volume close': 'needs device-mapper, which this machine and CI lack (volume open --test is run)',
  's3 rewrap': 'test/s3.integration runs the library function the command wraps (client/s3.ts rewrapObject)',
  's3 head': 'test/s3.integration reads the same header through the library',
};

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** "key create" for `splitkey key create NAME`, "status" for `splitkey status`. */
function documented(readme: string): Set<string> {
  const out = new Set<string>();
  for (const m of readme.matchAll(/(?:npx )?splitkey ((?:[a-z0-9-]+)(?: [a-z0-9-]+)?)/g)) {
    const [first, second] = m[1]!.split(' ');
    if (!TOP.includes(first!)) continue;
    // A group named alone ("splitkey key …") is not a command.
    if (GROUPS.has(first!) && (!second || second.startsWith('-'))) continue;
    out.add(GROUPS.has(first!) ? `${first} ${second}` : first!);
  }
  return out;
}

/** Subcommands some test runs: argument arrays ['key', 'create', …] or command strings "key create". */
function exercised(sources: string[]): Set<string> {
  const out = new Set<string>();
  for (const src of sources) {
    for (const m of src.matchAll(/\[\s*(?:[A-Za-z_.()]+,\s*)?'([a-z0-9-]+)'(?:\s*,\s*'([a-z0-9-]+)')?/g)) {
      if (!TOP.includes(m[1]!)) continue;
      out.add(GROUPS.has(m[1]!) && m[2] && !m[2].startsWith('-') ? `${m[1]} ${m[2]}` : m[1]!);
    }
    for (const m of src.matchAll(/['"`](?:splitkey )?([a-z0-9-]+) ([a-z0-9-]+)\b/g)) {
      if (TOP.includes(m[1]!) && GROUPS.has(m[1]!)) out.add(`${m[1]} ${m[2]}`);
    }
  }
  return out;
}

describe('README commands', () => {
  it('every splitkey subcommand the README shows is run by a test', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const shown = documented(readme);
    const tests = files(join(root, 'test')).filter((f) => !f.endsWith('readme-commands.test.ts')).map((f) => readFileSync(f, 'utf8'));
    const run = exercised(tests);
    expect(shown.size).toBeGreaterThan(20);
    const missing = [...shown].filter((c) => !run.has(c) && !NOT_RUN_BY_CLI[c]).sort();
    expect(missing, `README commands no test runs: ${missing.join(', ')}`).toEqual([]);
  });

  it('the list of exceptions has no stale entry', () => {
    const shown = documented(readFileSync(join(root, 'README.md'), 'utf8'));
    for (const c of Object.keys(NOT_RUN_BY_CLI)) expect(shown.has(c), `${c} is no longer in the README`).toBe(true);
  });
});
