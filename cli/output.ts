/** CLI output conventions: results on stdout, diagnostics on stderr, errors as one clear line. */
export const out = (line: string): void => void process.stdout.write(`${line}\n`);
export const info = (line: string): void => void process.stderr.write(`${line}\n`);

/** A user-facing error: printed as one line, exit code 1 (or as given). */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export function describeError(e: unknown): string {
  if (e instanceof Error) {
    const code = (e as { code?: unknown }).code;
    return typeof code === 'string' && !(e instanceof CliError) ? `${e.message} [${code}]` : e.message;
  }
  return String(e);
}

/** Milliseconds since `start`, formatted. */
export const elapsed = (start: number): string => `${(performance.now() - start).toFixed(0)} ms`;
