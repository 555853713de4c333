/**
 * Crash points for the crash-safety harness (test/crash-points.test.ts). Inert unless the
 * process was started with SPLITKEY_CRASH_POINT=<name> (e.g. "commit:after-write"): on reaching
 * that point the process kills itself with SIGKILL, exactly as a power cut or OOM kill would,
 * with nothing flushed beyond what the code already wrote.
 */
const target = process.env.SPLITKEY_CRASH_POINT;

export function crashPoint(name: string): void {
  if (target !== undefined && target === name) process.kill(process.pid, 'SIGKILL');
}
