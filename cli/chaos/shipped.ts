/** The plans shipped in deploy/chaos/*.yaml, found from dist/ or from the sources. */
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export function shippedPlansDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  // dist/cli/chaos → ../../../deploy/chaos; cli/chaos → ../../deploy/chaos
  for (const up of ['../../../deploy/chaos', '../../deploy/chaos']) {
    const d = resolve(here, up);
    if (existsSync(d)) return d;
  }
  throw new Error('the shipped chaos plans (deploy/chaos) are missing from this installation');
}

export async function shippedPlans(): Promise<{ name: string; path: string }[]> {
  const dir = shippedPlansDir();
  return (await readdir(dir))
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => ({ name: f.replace(/\.yaml$/, ''), path: join(dir, f) }));
}

/** A plan argument: a file path, or the name of a shipped plan. */
export async function resolvePlanPath(arg: string): Promise<string> {
  if (existsSync(arg)) return arg;
  const found = (await shippedPlans()).find((p) => p.name === arg);
  if (!found) throw new Error(`no plan file ${arg} and no shipped plan of that name (splitkey chaos plan lists them)`);
  return found.path;
}
