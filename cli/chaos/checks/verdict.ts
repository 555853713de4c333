/**
 * Verdicts of the checkers and of a run. A check is `valid` when the history shows the property,
 * `invalid` when it shows it broken (with each problem named), and `unknown` when the history is
 * too thin to tell (no operation to judge, a snapshot missing). A run is invalid when any check
 * is, unknown when none is invalid but one is unknown, valid otherwise.
 */
export type Verdict = 'valid' | 'invalid' | 'unknown';

export interface CheckResult {
  name: string;
  valid: boolean | 'unknown';
  verdict: Verdict;
  summary: string;
  /** At most the first 50 problems, each a sentence naming the operation, node or version. */
  problems: string[];
  figures: Record<string, number>;
}

export function checkResult(name: string, verdict: Verdict, summary: string, problems: string[], figures: Record<string, number> = {}): CheckResult {
  const shown = problems.slice(0, 50);
  if (problems.length > shown.length) shown.push(`… and ${problems.length - shown.length} more`);
  return { name, valid: verdict === 'unknown' ? 'unknown' : verdict === 'valid', verdict, summary, problems: shown, figures };
}

export function combineVerdicts(results: readonly CheckResult[]): Verdict {
  if (results.some((r) => r.verdict === 'invalid')) return 'invalid';
  if (results.length === 0 || results.some((r) => r.verdict === 'unknown')) return 'unknown';
  return 'valid';
}

/** Exit codes of `splitkey chaos run` and `chaos report`: 0 valid, 1 invalid, 2 unknown. */
export const VERDICT_EXIT: Record<Verdict, number> = { valid: 0, invalid: 1, unknown: 2 };
