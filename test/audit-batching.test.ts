/**
 * The audit log's group commit (node/audit.ts): entries wait at most AUDIT_FLUSH_MS for others,
 * are written at once when AUDIT_BATCH_MAX are queued, and every batch keeps the keyed chain valid.
 * Real LevelDB in a temp dir; the clock of the entries is injected.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Level } from 'level';
import { afterEach, describe, expect, it } from 'vitest';
import { AUDIT_BATCH_MAX, AuditLog, verifyAuditLog } from '../node/audit.js';

let dir: string | undefined;
let db: Level<string, string> | undefined;
afterEach(async () => {
  await db?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
  db = undefined;
});

const key = new Uint8Array(32).fill(7);
const stored = async () => (await db!.keys({ gte: 'audit\x00', lt: 'audit\x00\xff' }).all()).length;
/** Waits until `n` entries are on disk (the batch write is asynchronous), at most 5 s. */
async function storedReaches(n: number): Promise<number> {
  const deadline = Date.now() + 5_000;
  while ((await stored()) < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  return stored();
}
const entry = (i: number) => ({ identity: 'splitkey://client/acme/app', action: 'Evaluate', key: 'acme/db', version: 1, batch: 1, status: 'OK', detail: `n${i}` });

describe('audit group commit', () => {
  it('a full batch is written at once; a partial one only after the window (or on flush); the chain verifies', async () => {
    dir = await mkdtemp(join(tmpdir(), 'splitkey-audit-'));
    db = new Level<string, string>(dir, { valueEncoding: 'utf8' });
    await db.open();
    // A long window, so that only the size trigger can write within this test's waits.
    const log = await AuditLog.open(db, { key, clock: () => new Date(0), flushDelayMs: 60_000 });
    for (let i = 0; i < AUDIT_BATCH_MAX - 1; i++) log.append(entry(i));
    await new Promise((r) => setTimeout(r, 50));
    expect(await stored()).toBe(0);
    log.append(entry(AUDIT_BATCH_MAX - 1));
    expect(await storedReaches(AUDIT_BATCH_MAX)).toBe(AUDIT_BATCH_MAX);
    log.append(entry(AUDIT_BATCH_MAX));
    await new Promise((r) => setTimeout(r, 50));
    expect(await stored()).toBe(AUDIT_BATCH_MAX);
    await log.flush();
    expect(await stored()).toBe(AUDIT_BATCH_MAX + 1);
    expect(await verifyAuditLog(db, key)).toMatchObject({ ok: true, keyed: true, entries: AUDIT_BATCH_MAX + 1 });
  });

  it('with the default window a lone entry reaches the disk by itself', async () => {
    dir = await mkdtemp(join(tmpdir(), 'splitkey-audit-'));
    db = new Level<string, string>(dir, { valueEncoding: 'utf8' });
    await db.open();
    const log = await AuditLog.open(db, { key });
    log.append(entry(0));
    expect(await storedReaches(1)).toBe(1);
    await log.flush();
  });
});
