/**
 * Opening the data directory at start (node/startup-checks.ts dataIndices): a read-only data dir
 * is named as read-only, not as "in use by another process" (LevelDB fails on its LOCK file first
 * either way), and a directory really locked by another open store still says so. The read-only
 * case needs root (a read-only bind mount; file modes do not bind root); skipped otherwise.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Level } from 'level';
import { describe, expect, it } from 'vitest';
import { dataIndices } from '../node/startup-checks.js';

const root = process.platform === 'linux' && process.getuid?.() === 0;

async function withStore(fn: (dir: string, db: Level<string, string>) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'splitkey-datadir-'));
  const db = new Level<string, string>(dir, { valueEncoding: 'utf8' });
  await db.open();
  await db.put('v\x00acme/k\x001', JSON.stringify({ nodeIndex: 3 }));
  try {
    await fn(dir, db);
  } finally {
    await db.close().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
}

describe('opening the data directory at start', () => {
  it('a store open in another process: "in use by another process"', async () => {
    await withStore(async (dir) => {
      await expect(dataIndices(dir)).rejects.toThrow(/is in use by another process/);
    });
  });

  it.skipIf(!root)('a read-only data dir: named read-only, not "in use"', async () => {
    await withStore(async (dir, db) => {
      await db.close();
      expect([...(await dataIndices(dir))]).toEqual([3]);
      execFileSync('mount', ['--bind', dir, dir]);
      try {
        execFileSync('mount', ['-o', 'remount,ro,bind', dir]);
        const err = (await dataIndices(dir).catch((e) => e)) as Error;
        expect(err.message).toBe(`the data directory ${dir} is read-only (the node writes its store there); remount it read-write`);
      } finally {
        execFileSync('umount', [dir]);
      }
    });
  });
});
