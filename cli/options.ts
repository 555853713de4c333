/**
 * Parsers of command-line values. Each one refuses what it cannot use with a sentence that says
 * what is allowed; commander prefixes it with the flag and the value given, so the error line
 * names both ("option '--threshold <t>' argument 'x' is invalid. …").
 */
import { InvalidArgumentError } from 'commander';
import { checkKeyName } from '../crypto/resource-key.js';
import { CliError, EXIT } from './output.js';

/** A whole number in [min, max], written in decimal digits only ("1e3", "0x10", "" are refused). */
export function integer(what: string, min: number, max: number): (value: string) => number {
  return (value: string): number => {
    const n = /^\s*\d{1,16}\s*$/.test(value) ? Number(value) : NaN;
    if (!Number.isSafeInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`${what} must be a whole number from ${min} to ${max}.`);
    }
    return n;
  };
}

/** A key version: 1 or more (there is no version 0; leave the flag out for the newest). */
export const versionNumber = integer('A key version', 1, 0xffffffff);
/** A threshold t: how many nodes must answer. */
export const thresholdValue = integer('The threshold', 1, 255);
/** The deadline of one node call. */
export const timeoutValue = integer('The timeout in milliseconds', 1, 600_000);

/** Comma-separated node indices ("1,2,4"). */
export function nodeList(value: string): number[] {
  const parse = integer('Each node index', 1, 255);
  const list = value.split(',').map((x) => parse(x));
  if (new Set(list).size !== list.length) throw new InvalidArgumentError('Each node index may appear only once.');
  return list;
}

export const KEY_NAME_RULE =
  'a key name is tenant/label: lowercase letters, digits, ".", "_" and "-" in segments separated by single "/" ' +
  '(each segment starts with a letter or digit; the tenant is at most 63 characters), no "..", at most 255 bytes in all';

/** A key name argument, checked (by the library's own rule) before anything connects. */
export function checkKeyNameArg(name: string): string {
  try {
    checkKeyName(name);
  } catch {
    throw new CliError(`${JSON.stringify(name)} is not a valid key name: ${KEY_NAME_RULE}`, EXIT.usage);
  }
  return name;
}

/** `--output text|json`. */
export function outputFormat(value: string): 'text' | 'json' {
  if (value !== 'text' && value !== 'json') throw new InvalidArgumentError('The output format is "text" or "json".');
  return value;
}
