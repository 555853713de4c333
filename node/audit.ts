/**
 * The node's audit log: every Evaluate (identity, key, version, batch size, status — never
 * elements) and every admin action, appended to a hash chain in LevelDB:
 *   hash_n = SHA-256(hash_{n-1} ‖ canonical JSON of entry n without its hash), hash_0 = 0^32.
 * A head record (last sequence number and hash) is kept so that deleting entries at the end is
 * caught as well as editing or deleting them in the middle.
 *
 * Entries are group-committed: appends are queued and written in one batch every few
 * milliseconds (or by `flush()`), so the hot path never waits on the disk. A crash can lose the
 * last unflushed entries; the chain on disk stays valid.
 */
import { createHash } from 'node:crypto';
import type { Level } from 'level';

export interface AuditFields {
  identity: string;
  action: string;
  key?: string;
  version?: number;
  batch?: number;
  status: string;
  detail?: string;
}

export interface AuditEntry extends AuditFields {
  seq: number;
  time: string;
  prev: string;
  hash: string;
}

const SEP = '\x00';
const PREFIX = `audit${SEP}`;
const HEAD = `meta${SEP}audit-head`;
const ZERO = '0'.repeat(64);
const entryKey = (seq: number) => `${PREFIX}${seq.toString(16).padStart(16, '0')}`;

function hashEntry(prev: string, entry: Omit<AuditEntry, 'hash'>): string {
  const canonical = JSON.stringify(entry, Object.keys(entry).sort());
  return createHash('sha256').update(Buffer.from(prev, 'hex')).update(canonical).digest('hex');
}

export class AuditLog {
  private queue: AuditEntry[] = [];
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();

  private constructor(
    private readonly db: Level<string, string>,
    private seq: number,
    private head: string,
    private readonly clock: () => Date,
    private readonly flushDelayMs: number,
  ) {}

  static async open(db: Level<string, string>, opts: { clock?: () => Date; flushDelayMs?: number } = {}): Promise<AuditLog> {
    const head = await db.get(HEAD);
    const { seq, hash } = head ? (JSON.parse(head) as { seq: number; hash: string }) : { seq: 0, hash: ZERO };
    return new AuditLog(db, seq, hash, opts.clock ?? (() => new Date()), opts.flushDelayMs ?? 5);
  }

  append(fields: AuditFields): void {
    const body = { ...fields, seq: this.seq + 1, time: this.clock().toISOString(), prev: this.head };
    for (const k of Object.keys(body) as (keyof typeof body)[]) if (body[k] === undefined) delete body[k];
    const hash = hashEntry(this.head, body);
    this.seq = body.seq;
    this.head = hash;
    this.queue.push({ ...body, hash });
    this.timer ??= setTimeout(() => void this.flush(), this.flushDelayMs);
  }

  /** Write every queued entry (and the head) in one batch. */
  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const entries = this.queue;
    this.queue = [];
    if (entries.length > 0) {
      const last = entries[entries.length - 1]!;
      const ops = entries.map((e) => ({ type: 'put' as const, key: entryKey(e.seq), value: JSON.stringify(e) }));
      ops.push({ type: 'put', key: HEAD, value: JSON.stringify({ seq: last.seq, hash: last.hash }) });
      this.writing = this.writing.then(() => this.db.batch(ops));
    }
    await this.writing;
  }
}

export interface AuditVerifyResult {
  ok: boolean;
  entries: number;
  /** The first entry that is missing, edited or out of chain, with why. */
  firstBroken?: { seq: number; reason: string };
}

/** Walk the chain from the start and report the first entry that breaks it. */
export async function verifyAuditLog(db: Level<string, string>): Promise<AuditVerifyResult> {
  let expectedSeq = 1;
  let prev = ZERO;
  let count = 0;
  for await (const [key, value] of db.iterator({ gte: PREFIX, lt: `${PREFIX}\xff` })) {
    let entry: AuditEntry;
    try {
      entry = JSON.parse(value) as AuditEntry;
    } catch {
      return { ok: false, entries: count, firstBroken: { seq: expectedSeq, reason: 'entry is not valid JSON' } };
    }
    if (key !== entryKey(entry.seq)) return { ok: false, entries: count, firstBroken: { seq: expectedSeq, reason: 'entry stored under another sequence number' } };
    if (entry.seq !== expectedSeq) return { ok: false, entries: count, firstBroken: { seq: expectedSeq, reason: 'entry is missing' } };
    if (entry.prev !== prev) return { ok: false, entries: count, firstBroken: { seq: entry.seq, reason: 'previous-hash link does not match' } };
    const { hash, ...body } = entry;
    if (hashEntry(prev, body) !== hash) return { ok: false, entries: count, firstBroken: { seq: entry.seq, reason: 'entry was modified (hash mismatch)' } };
    prev = hash;
    expectedSeq++;
    count++;
  }
  const head = await db.get(HEAD);
  if (head) {
    const h = JSON.parse(head) as { seq: number; hash: string };
    if (h.seq !== count || h.hash !== prev) {
      return { ok: false, entries: count, firstBroken: { seq: count + 1, reason: `entries after ${count} are missing (head says ${h.seq})` } };
    }
  } else if (count > 0) {
    return { ok: false, entries: count, firstBroken: { seq: count, reason: 'the head record is missing' } };
  }
  return { ok: true, entries: count };
}
