/**
 * A write to the node's data directory that failed: what the node logs about it. LevelDB reports
 * a full disk as `LEVEL_IO_ERROR` with "No space left on device" in its message; the file system
 * as `ENOSPC`. The fields name the code and the file (paths, never values: nothing written to
 * the store is in an error message).
 */
export function isDiskFull(e: unknown): boolean {
  const err = e as { code?: unknown; message?: unknown; cause?: unknown } | undefined;
  if (!err || typeof err !== 'object') return false;
  if (err.code === 'ENOSPC') return true;
  if (typeof err.message === 'string' && /No space left on device|ENOSPC/.test(err.message)) return true;
  return err.cause !== undefined && err.cause !== e && isDiskFull(err.cause);
}

/** A failed write to the data directory (full, read-only, I/O error), as opposed to a bug. */
export function isStorageWriteError(e: unknown): boolean {
  const code = (e as { code?: unknown } | undefined)?.code;
  return isDiskFull(e) || code === 'LEVEL_IO_ERROR' || code === 'EROFS' || code === 'EIO' || code === 'EDQUOT';
}

/** Log fields for a failed write: the error's code and first line, shortened. */
export function storageFailureFields(e: unknown, dataDir: string): { event: 'storage-write-failed'; diskFull: boolean; code?: string; error: string; dataDir: string } {
  const err = e as { code?: unknown; message?: unknown } | undefined;
  const message = typeof err?.message === 'string' ? err.message : String(e);
  return {
    event: 'storage-write-failed',
    diskFull: isDiskFull(e),
    ...(typeof err?.code === 'string' ? { code: err.code } : {}),
    error: message.split('\n')[0]!.slice(0, 300),
    dataDir,
  };
}

/** The sentence logged with it: what happened and what the operator does. */
export function storageFailureMessage(e: unknown): string {
  return isDiskFull(e)
    ? 'the data directory is full (ENOSPC): writes to the store fail, so this node stops serving; free space or grow the volume, then start it again'
    : 'a write to the data directory failed, so this node stops serving; check the volume, then start it again';
}
