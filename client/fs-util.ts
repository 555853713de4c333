/** File helpers shared by the client's file writers (master half, envelopes). */
import { open } from 'node:fs/promises';

/** fsync a directory so a rename into it survives a crash. Best effort: some platforms cannot. */
export async function syncDir(dir: string): Promise<void> {
  try {
    const fh = await open(dir, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch {
    // best effort
  }
}

/** An I/O error as one short line: "ENOENT: no such file or directory". */
export function errnoText(cause: unknown): string {
  if (cause instanceof Error) {
    const code = (cause as NodeJS.ErrnoException).code;
    const first = cause.message.split(', ')[0] ?? cause.message;
    return code && !first.startsWith(code) ? `${code}: ${first}` : first;
  }
  return String(cause);
}
