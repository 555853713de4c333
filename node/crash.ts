/**
 * Crash points for the crash-safety harness (test/crash-*.test.ts). Inert unless the process
 * was started with SPLITKEY_CRASH_POINT=<name> (e.g. "commit:after-write") or with
 * SPLITKEY_CRASH_POINT_FILE=<path> (a file holding the name, read at each point so a test can arm
 * a running node). On reaching the armed point the process kills itself with SIGKILL, exactly as
 * a power cut or an OOM kill would: nothing is flushed beyond what the code already wrote.
 */
import { readFileSync } from 'node:fs';

const fixed = process.env.SPLITKEY_CRASH_POINT;
const file = process.env.SPLITKEY_CRASH_POINT_FILE;

function armed(): string | undefined {
  if (fixed !== undefined) return fixed;
  if (file === undefined) return undefined;
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return undefined;
  }
}

export function crashPoint(name: string): void {
  if ((fixed !== undefined || file !== undefined) && armed() === name) process.kill(process.pid, 'SIGKILL');
}
