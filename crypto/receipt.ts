/**
 * The destroy receipt statement (verifiable crypto-shredding), shared by the node that signs it
 * (node/receipt.ts) and the tooling that checks it (client/receipt.ts). Public data only.
 */

export const DESTROY_RECEIPT_KIND = 'splitkey/v1/destroy-receipt';

/** What one node signs after erasing its share of a version (JSON, fields in this order). */
export interface DestroyReceipt {
  kind: typeof DESTROY_RECEIPT_KIND;
  keyName: string;
  version: number;
  node: number;
  /** The erased record: its threshold, holders, pkS (C_0, hex) and epoch. */
  threshold: number;
  nodeIndices: number[];
  publicKey: string;
  epoch: number;
  /** When this receipt was signed; the erasure happened at or before it. */
  signedAtMs: number;
}

/** The record a receipt is about: what every receipt of one bundle must describe identically. */
export interface ReceiptRecord {
  threshold: number;
  nodeIndices: number[];
  publicKey: string;
  epoch: number;
}

/** The fields of `r` that differ from `ref` (empty if it describes the same record). */
export function receiptRecordDiffers(r: ReceiptRecord, ref: ReceiptRecord): string[] {
  const out: string[] = [];
  if (r.threshold !== ref.threshold) out.push(`threshold ${r.threshold} (agreed ${ref.threshold})`);
  if (r.nodeIndices.join() !== ref.nodeIndices.join()) out.push(`nodes ${r.nodeIndices.join(',')} (agreed ${ref.nodeIndices.join(',')})`);
  if (r.publicKey !== ref.publicKey) out.push('another public key');
  if (r.epoch !== ref.epoch) out.push(`epoch ${r.epoch} (agreed ${ref.epoch})`);
  return out;
}
