/**
 * Checks of request fields, shared by every service handler. Each check throws INVALID_ARGUMENT
 * with a plain sentence naming the field and what arrived, and returns the value in the type the
 * node uses (an epoch string becomes a safe integer). Handlers run them after the caller's role
 * is checked and before anything is read, dialled or written.
 *
 * Ranges: key versions 1..2^32-1 (they are u32 in the HKDF info and the share's sealing AAD),
 * node indices 1..255 (the node config's range), epochs 1..2^53-1 (kept as JS numbers; larger
 * values would lose precision), session ids 16 bytes in lowercase hex.
 */
import { checkKeyName } from '../crypto/index.js';
import { orderSizeProblem } from './destroy-order.js';
import { invalidArgument } from './errors.js';

export const MAX_NODE_INDEX = 255;
export const MAX_VERSION = 0xffffffff;
const SESSION_ID = /^[0-9a-f]{32}$/;
const TENANT = /^[a-z0-9][a-z0-9._-]{0,62}$/;

/** What arrived, short enough for an error message. */
export function shown(value: unknown): string {
  if (value === undefined || value === null) return 'nothing';
  if (typeof value === 'string') {
    const s = JSON.stringify(value);
    return s.length > 80 ? `${s.slice(0, 77)}…"` : s;
  }
  if (value instanceof Uint8Array) return `${value.length} bytes`;
  return String(value);
}

export function keyName(value: string, field = 'key_name'): string {
  try {
    checkKeyName(value, field);
  } catch (e) {
    throw invalidArgument((e as Error).message);
  }
  return value;
}

/** Empty (every tenant) or a tenant as client certificates name it. */
export function tenantFilter(value: string, field = 'tenant'): string {
  if (value !== '' && (!TENANT.test(value) || value.includes('..'))) {
    throw invalidArgument(`${field} must be empty or a tenant name (lowercase letters, digits, '.', '_', '-'; at most 63), got ${shown(value)}`);
  }
  return value;
}

export function sessionId(value: string, field = 'session_id'): string {
  if (typeof value !== 'string' || !SESSION_ID.test(value)) throw invalidArgument(`${field} must be 32 lowercase hex characters, got ${shown(value)}`);
  return value;
}

/** An abort may name no session ("whatever is pending"); anything else must be a session id. */
export function optionalSessionId(value: string, field = 'session_id'): string {
  return value === '' ? value : sessionId(value, field);
}

function integer(value: number, field: string, min: number, max: number, maxText: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalidArgument(`${field} must be an integer in [${min}, ${maxText}], got ${shown(value)}`);
  }
  return value;
}

/** An exact key version: destructive and lifecycle calls never mean "the newest". */
export function version(value: number, field = 'key_version'): number {
  return integer(value, field, 1, MAX_VERSION, '2^32-1');
}

export function nodeIndex(value: number, field: string): number {
  return integer(value, field, 1, MAX_NODE_INDEX, String(MAX_NODE_INDEX));
}

/** A non-empty list of distinct node indices. */
export function nodeIndices(values: readonly number[], field: string, opts: { allowEmpty?: boolean } = {}): number[] {
  if (values.length === 0 && !opts.allowEmpty) throw invalidArgument(`${field} must name at least one node, got none`);
  if (values.length > MAX_NODE_INDEX) throw invalidArgument(`${field} may name at most ${MAX_NODE_INDEX} nodes, got ${values.length}`);
  const seen = new Set<number>();
  values.forEach((v, j) => {
    nodeIndex(v, `${field}[${j}]`);
    if (seen.has(v)) throw invalidArgument(`${field} names node ${v} twice`);
    seen.add(v);
  });
  return [...values];
}

/** A quorum universe (a descriptor's node list and minThreshold), or undefined when absent. */
export function universe(value: { nodes: readonly number[]; minThreshold: number } | null | undefined, field: string): { nodes: number[]; minThreshold: number } | undefined {
  if (!value) return undefined;
  const nodes = nodeIndices(value.nodes, `${field}.nodes`);
  return { nodes, minThreshold: threshold(value.minThreshold, nodes.length, `${field}.min_threshold`) };
}

export function threshold(value: number, n: number, field = 'threshold'): number {
  return integer(value, field, 1, Math.max(1, n), `${Math.max(1, n)} (the number of nodes)`);
}

/** A uint64 that the proto loader hands over as a decimal string. */
export function epoch(value: string | number, field = 'epoch'): number {
  const text = String(value);
  if (!/^[0-9]{1,20}$/.test(text) || BigInt(text) < 1n || BigInt(text) > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw invalidArgument(`${field} must be an integer in [1, 2^53-1], got ${/^[0-9]{1,40}$/.test(text) ? text : shown(text)}`);
  }
  return Number(text);
}

export function bytes(value: Uint8Array, length: number, field: string): Uint8Array {
  if (!(value instanceof Uint8Array) || value.length !== length) throw invalidArgument(`${field} must be ${length} bytes, got ${shown(value ?? undefined)}`);
  return value;
}

/** An optional 32-byte digest: empty means not given (undefined), otherwise exactly 32 bytes; hex. */
export function optionalDigest(value: Uint8Array | undefined, field: string): string | undefined {
  if (value === undefined || value.length === 0) return undefined;
  return Buffer.from(bytes(value, 32, field)).toString('hex');
}

/** A list of fixed-size byte strings with a count in [min, max] (`countField` names an exact count). */
export function byteList(values: readonly Uint8Array[], length: number, field: string, min: number, max: number, countField?: string): Uint8Array[] {
  if (values.length < min || values.length > max) {
    const want = min === max ? (countField ? `${countField} = ${min}` : String(min)) : `${min}..${max}`;
    throw invalidArgument(`${field} must hold ${want} entries, got ${values.length}`);
  }
  values.forEach((v, j) => bytes(v, length, `${field}[${j}]`));
  return [...values];
}

/** A signed destroy order's fields within their sizes (its content is checked by node/destroy-order.ts). */
export function destroyOrder(o: { order: Uint8Array; signature: Uint8Array; certificate: string }): { order: Uint8Array; signature: Uint8Array; certificate: string } {
  const problem = orderSizeProblem(o);
  if (problem) throw invalidArgument(problem);
  return { order: new Uint8Array(o.order), signature: new Uint8Array(o.signature), certificate: o.certificate };
}
