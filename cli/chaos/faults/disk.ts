/**
 * Disk faults on a stopped node's data directory: bytes flipped in the LevelDB files, or the
 * directory made read-only. Each returns an `undo` that puts the directory back as it was (the
 * operator's restore from backup), so the node can rejoin after the fault.
 */
import { execFileSync } from 'node:child_process';
import { chmod, cp, mkdir, open, readdir, rename, rm, stat, statfs } from 'node:fs/promises';
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

/**
 * A full disk: the data directory moved onto a small tmpfs (root only). The node starts there
 * with room to spare; `fill()`, called once it serves, takes all but `leave` bytes with a filler
 * file, so its next writes (audit entries, compactions) fail with ENOSPC. The undo removes the
 * filler and copies back what the node managed to write (the disk was enlarged, nothing lost).
 */
export async function fillDisk(dataDir: string, leave = 4096): Promise<{ detail: string; fill: () => Promise<string>; undo: () => Promise<string> }> {
  if (process.getuid?.() !== 0) throw new Error('disk-full needs root (it mounts a small tmpfs)');
  let used = 0;
  for (const f of await filesUnder(dataDir)) used += (await stat(f)).size;
  const size = Math.ceil((used + 4 * 1024 * 1024) / 4096) * 4096;
  const aside = `${dataDir}.chaos-full`;
  const filler = join(dataDir, 'chaos-filler');
  await rm(aside, { recursive: true, force: true });
  await rename(dataDir, aside);
  await mkdir(dataDir);
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0700`, 'chaos-full', dataDir]);
  await cp(aside, dataDir, { recursive: true });
  const freeBytes = async () => {
    const fs = await statfs(dataDir);
    return Number(fs.bavail) * Number(fs.bsize);
  };
  return {
    detail: `data dir on a ${Math.round(size / 1024)} KiB tmpfs`,
    fill: async () => {
      const fh = await open(filler, 'w');
      try {
        const chunk = Buffer.alloc(64 * 1024);
        for (let free = await freeBytes(); free > leave; free = await freeBytes()) {
          await fh.write(chunk, 0, Math.min(chunk.length, free - leave)).catch(() => undefined);
          if ((await freeBytes()) === free) break; // nothing more fits
        }
      } finally {
        await fh.close();
      }
      return `filled: ${Math.round((await freeBytes()) / 1024)} KiB left`;
    },
    undo: async () => {
      await rm(filler, { force: true });
      await rm(aside, { recursive: true, force: true });
      await cp(dataDir, aside, { recursive: true });
      execFileSync('umount', [dataDir]);
      await rm(dataDir, { recursive: true, force: true });
      await rename(aside, dataDir);
      return 'filler removed, data copied back';
    },
  };
}
