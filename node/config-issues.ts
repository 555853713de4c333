/**
 * Plain-sentence reports of what is wrong in a JSON config file checked by a zod schema: the
 * field's path, what it must be, and for an unknown field the known name it most likely meant
 * ("limits.ratePerSecnd is not a known field; did you mean ratePerSecond?").
 */
import { z } from 'zod';

/** Levenshtein distance (insertions, deletions, substitutions), case-insensitive. */
export function editDistance(a: string, b: string): number {
  const s = a.toLowerCase();
  const t = b.toLowerCase();
  let prev = Array.from({ length: t.length + 1 }, (_, j) => j);
  for (let i = 1; i <= s.length; i++) {
    const row = [i];
    for (let j = 1; j <= t.length; j++) row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (s[i - 1] === t[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[t.length]!;
}

/** The closest known name within a third of its length in edits, if any. */
export function suggest(word: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const k of known) {
    const d = editDistance(word, k);
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  return best !== undefined && bestDistance <= Math.max(1, Math.floor(best.length / 3)) ? best : undefined;
}

/** The schema that validates the value at `path` (through optional, default, array and object). */
function schemaAt(schema: z.ZodTypeAny, path: (string | number)[]): z.ZodTypeAny | undefined {
  let s: z.ZodTypeAny | undefined = schema;
  const unwrap = (x: z.ZodTypeAny): z.ZodTypeAny => {
    for (;;) {
      if (x instanceof z.ZodOptional || x instanceof z.ZodNullable) x = x.unwrap() as z.ZodTypeAny;
      else if (x instanceof z.ZodDefault) x = x.removeDefault() as z.ZodTypeAny;
      else if (x instanceof z.ZodEffects) x = x.innerType() as z.ZodTypeAny;
      else return x;
    }
  };
  for (const part of path) {
    if (!s) return undefined;
    s = unwrap(s);
    if (s instanceof z.ZodObject) s = (s.shape as Record<string, z.ZodTypeAny>)[String(part)];
    else if (s instanceof z.ZodArray) s = s.element as z.ZodTypeAny;
    else return undefined;
  }
  return s ? unwrap(s) : undefined;
}

const fieldName = (path: (string | number)[]): string =>
  path.length === 0 ? '(the top level)' : path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');

/** One sentence per problem. */
export function describeIssues(schema: z.ZodTypeAny, error: z.ZodError): string[] {
  const lines: string[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      const owner = schemaAt(schema, issue.path);
      const known = owner instanceof z.ZodObject ? Object.keys(owner.shape as object) : [];
      for (const key of issue.keys) {
        const field = fieldName([...issue.path, key]);
        const guess = suggest(key, known);
        lines.push(guess ? `${field} is not a known field; did you mean ${guess}?` : `${field} is not a known field (known here: ${known.join(', ')})`);
      }
    } else if (issue.code === 'invalid_type' && issue.received === 'undefined') {
      lines.push(`${fieldName(issue.path)} is required`);
    } else {
      lines.push(`${fieldName(issue.path)} ${issue.message}`);
    }
  }
  return lines;
}

/** Integer field with one message for every way it can be wrong. */
export const intField = (min: number, max: number) => {
  const message = `must be an integer from ${min} to ${max}`;
  return z.number({ invalid_type_error: message }).int(message).min(min, message).max(max, message);
};

export const stringField = () => z.string({ invalid_type_error: 'must be a non-empty string' }).min(1, 'must be a non-empty string');
export const boolField = () => z.boolean({ invalid_type_error: 'must be true or false' });
