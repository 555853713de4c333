/**
 * Disk faults on a stopped node's data directory: bytes flipped in the LevelDB files, or the
 * directory made read-only. Each returns an `undo` that puts the directory back as it was (the
 * operator's restore from backup), so the node can rejoin after the fault.
 */
import { execFileSync } from 'node:child_process';
import { chmod, cp, open, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Prng } from '../prng.js';

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await filesUnder(p)));
    else if (e.isFile()) out.push(p);
  }
  return out.sort();
}

/** LevelDB's data files: tables, the write-ahead log and the manifest (not LOCK, LOG, CURRENT). */
const isLevelDbData = (path: string): boolean => /\.(ldb|sst|log)$/.test(path) || /MANIFEST-\d+$/.test(path);

/**
 * Flip `perFile` bytes in every LevelDB data file under `dataDir` (positions from `prng`), after
 * copying the directory aside. Returns what was flipped and how to restore it.
 */
export async function corruptDataDir(dataDir: string, prng: Prng, perFile = 8): Promise<{ flipped: string[]; undo: () => Promise<void> }> {
  const backup = `${dataDir}.chaos-backup`;
  await rm(backup, { recursive: true, force: true });
  await cp(dataDir, backup, { recursive: true });
  const flipped: string[] = [];
  for (const file of (await filesUnder(dataDir)).filter(isLevelDbData)) {
    const { size } = await stat(file);
    if (size === 0) continue;
    const fh = await open(file, 'r+');
    try {
      for (let k = 0; k < perFile; k++) {
        const pos = prng.int(0, size - 1);
        const b = Buffer.alloc(1);
        await fh.read(b, 0, 1, pos);
        b[0] = b[0]! ^ 0xff;
        await fh.write(b, 0, 1, pos);
      }
    } finally {
      await fh.close();
    }
    flipped.push(`${file.slice(dataDir.length + 1)} (${perFile} bytes)`);
  }
  return {
    flipped,
    undo: async () => {
      await rm(dataDir, { recursive: true, force: true });
      await cp(backup, dataDir, { recursive: true });
      await rm(backup, { recursive: true, force: true });
    },
  };
}

/**
 * Make `dataDir` read-only. As root, file modes do not bind, so a read-only bind mount of the
 * directory on itself is used; otherwise every mode loses its write bits.
 */
export async function makeReadOnly(dataDir: string): Promise<{ how: string; undo: () => Promise<void> }> {
  if (process.getuid?.() === 0) {
    execFileSync('mount', ['--bind', dataDir, dataDir]);
    execFileSync('mount', ['-o', 'remount,ro,bind', dataDir]);
    return { how: 'read-only bind mount', undo: async () => void execFileSync('umount', [dataDir]) };
  }
  const modes = new Map<string, number>();
  const paths = [dataDir, ...(await filesUnder(dataDir))];
  for (const p of paths) modes.set(p, (await stat(p)).mode & 0o7777);
  for (const p of paths) await chmod(p, modes.get(p)! & ~0o222);
  return {
    how: 'write permission removed',
    undo: async () => {
      for (const [p, m] of modes) await chmod(p, m);
    },
  };
}
