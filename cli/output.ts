/** CLI output conventions: results on stdout, diagnostics on stderr, errors as one clear line. */
export const out = (line: string): void => void process.stdout.write(`${line}\n`);
export const info = (line: string): void => void process.stderr.write(`${line}\n`);

/**
 * Exit codes (README "Exit codes"). Scripts rely on them; never reuse one for another meaning.
 */
export const EXIT = {
  /** Done, completely. */
  ok: 0,
  /** Failed or refused: nothing was done, or the result could not be established. */
  failed: 1,
  /** The command line is wrong: unknown command or option, missing or invalid value. */
  usage: 2,
  /** Incomplete: done where nodes answered, but some did not (the output names them). */
  incomplete: 3,
  /** An integrity check failed (`audit verify`). */
  integrity: 4,
  /** Standard output was closed early (e.g. piped into `head`); nothing more is printed. */
  brokenPipe: 141,
} as const;

/** A user-facing error: printed as one line, exit code 1 (or as given). */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.failed,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/**
 * One line for any error. Library errors are plain sentences already; their stable codes are for
 * programs (and the exit code tells the kind), so they stay out of the line.
 */
export function describeError(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Milliseconds since `start`, formatted. */
export const elapsed = (start: number): string => `${(performance.now() - start).toFixed(0)} ms`;

/** "1 key", "2 keys". */
export const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

/** `--output` of read commands. */
export type OutputFormat = 'text' | 'json';

/** Print a value as one JSON document on stdout. */
export const outJson = (value: unknown): void => out(JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2));
