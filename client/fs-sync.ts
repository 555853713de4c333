/** Durability helper shared by the client's atomic file writers (master half, envelopes). */
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
