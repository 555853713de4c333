/**
 * The operator's signed destroy order (review F1/G4), shared by the tooling that signs it
 * (client/lifecycle-grpc.ts, with the admin's TLS key) and the nodes that check it
 * (node/destroy-order.ts). A node that erased its share on an order keeps it and shows it to its
 * peers (Peer.VersionHistory destroy_order); a node that missed the destroy — down, or held back in
 * a session — erases its own share on one order that verifies: the operator's signature, not a
 * node's word, so one such report is enough where a bare "destroyed" needs t voices. The order
 * names the version's pkS and the line of records it destroys — the digest of the record t nodes
 * agreed on and that record's lineage (crypto/records.ts): it erases only a node's share of a
 * record of that line or one descending from it (its lineage names one: a refresh that committed
 * on that node while the destroy ran elsewhere, review L1), never another key, and never the same
 * k installed elsewhere (an import of the key into another cluster under the same CA starts
 * another line: review J's design note). Public data only.
 */
import { MAX_LINEAGE } from './records.js';
import { checkKeyName } from './resource-key.js';

export const DESTROY_ORDER_KIND = 'splitkey/v1/destroy-order';

/** What the operator signs (JSON, fields in this order). */
export interface DestroyOrder {
  kind: typeof DESTROY_ORDER_KIND;
  keyName: string;
  version: number;
  /** pkS (C_0) of the version as t nodes agreed before the destroy, hex. */
  publicKey: string;
  /**
   * The records destroyed: the agreed record's digest, then its lineage (oldest first), hex. A
   * node that missed the destroy holds one of them (an older epoch of the same line).
   */
  records: string[];
  /** When the order was signed: the admin certificate must be valid then. */
  signedAtMs: number;
}

/** An order with its signature and the signer's certificate, as carried on the wire. */
export interface SignedDestroyOrder {
  order: Uint8Array;
  signature: Uint8Array;
  /** The admin's certificate (PEM): splitkey://admin/<name>?caps=…destroy…, issued by the cluster CA. */
  certificate: string;
}

/** Largest encoded order accepted (with a full lineage an order is ~4.6 KB; the bound keeps parsing cheap). */
export const MAX_DESTROY_ORDER_BYTES = 8192;

export function encodeDestroyOrder(o: Omit<DestroyOrder, 'kind'>): Uint8Array {
  const body: DestroyOrder = { kind: DESTROY_ORDER_KIND, keyName: o.keyName, version: o.version, publicKey: o.publicKey, records: [...o.records], signedAtMs: o.signedAtMs };
  checkOrder(body);
  return new TextEncoder().encode(JSON.stringify(body));
}

/** The order in `bytes`, every field checked; throws with what is wrong. */
export function parseDestroyOrder(bytes: Uint8Array): DestroyOrder {
  if (bytes.length === 0 || bytes.length > MAX_DESTROY_ORDER_BYTES) throw new Error(`a destroy order is 1 to ${MAX_DESTROY_ORDER_BYTES} bytes, got ${bytes.length}`);
  let o: unknown;
  try {
    o = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (e) {
    throw new Error(`a destroy order is JSON: ${(e as Error).message}`);
  }
  if (typeof o !== 'object' || o === null || Array.isArray(o)) throw new Error('a destroy order is a JSON object');
  const keys = Object.keys(o).sort().join();
  if (keys !== 'keyName,kind,publicKey,records,signedAtMs,version') throw new Error(`a destroy order has exactly kind, keyName, version, publicKey, records and signedAtMs, got ${keys}`);
  checkOrder(o as DestroyOrder);
  return o as DestroyOrder;
}

function checkOrder(o: DestroyOrder): void {
  if (o.kind !== DESTROY_ORDER_KIND) throw new Error(`not a destroy order (${JSON.stringify(o.kind)})`);
  if (typeof o.keyName !== 'string') throw new Error('destroy order keyName is not a string');
  checkKeyName(o.keyName, 'destroy order keyName');
  if (!Number.isInteger(o.version) || o.version < 1 || o.version > 0xffffffff) throw new Error(`destroy order version must be 1..2^32-1, got ${String(o.version)}`);
  if (typeof o.publicKey !== 'string' || !/^[0-9a-f]{64}$/.test(o.publicKey)) throw new Error('destroy order publicKey must be 32 bytes of lowercase hex');
  if (!Array.isArray(o.records) || o.records.length < 1 || o.records.length > MAX_LINEAGE + 1) throw new Error(`destroy order records must list 1..${MAX_LINEAGE + 1} record digests`);
  for (const d of o.records as unknown[]) if (typeof d !== 'string' || !/^[0-9a-f]{64}$/.test(d)) throw new Error('destroy order records must be 32-byte digests in lowercase hex');
  if (!Number.isSafeInteger(o.signedAtMs) || o.signedAtMs < 0) throw new Error(`destroy order signedAtMs must be a non-negative integer, got ${String(o.signedAtMs)}`);
}
