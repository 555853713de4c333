/**
 * Verifying destroy receipts (verifiable crypto-shredding). A receipt bundle holds one signed
 * statement per node that erased its share of a version (node/receipt.ts). Each is checked on
 * its own — certificate issued by the cluster CA and valid at signing time, URI SAN exactly
 * splitkey://node/<i> for the node it speaks for, ECDSA signature over the statement — and all
 * must describe the record the operator's tooling agreed on with t nodes before the destroy (the
 * bundle's `record`: t, node set, pkS, epoch) — never a record one node's receipt claims. The
 * version is shredded when fewer than t of the agreed holders have not given a valid receipt.
 */
import { X509Certificate, verify } from 'node:crypto';
import { DESTROY_RECEIPT_KIND, receiptRecordDiffers, type DestroyReceipt, type ReceiptRecord } from '../crypto/index.js';
import { uriSans } from './channels.js';
import type { SignedReceipt } from './lifecycle.js';

export interface ReceiptBundle {
  kind: 'splitkey/v1/destroy-receipts';
  keyName: string;
  version: number;
  /** The version as at least t nodes agreed before the destroy; without it there is no verdict. */
  record?: ReceiptRecord;
  receipts: SignedReceipt[];
}

/** A bundle for `splitkey receipt verify`: the agreed record (if t nodes agreed) and the receipts. */
export function receiptBundle(
  keyName: string,
  version: number,
  agreed: { t: number; nodeIndices: number[]; commitments: string[]; epoch: number } | undefined,
  receipts: SignedReceipt[],
): ReceiptBundle {
  const record = agreed && { threshold: agreed.t, nodeIndices: [...agreed.nodeIndices], publicKey: agreed.commitments[0] ?? '', epoch: agreed.epoch };
  return { kind: 'splitkey/v1/destroy-receipts', keyName, version, ...(record ? { record } : {}), receipts };
}

export interface ReceiptVerdict {
  keyName: string;
  version: number;
  threshold: number;
  nodeIndices: number[];
  /** Holders with a valid receipt. */
  erased: number[];
  /** Holders without one: they may still hold a share. */
  remaining: number[];
  /** Fewer than t holders remain: nobody can evaluate the version any more. */
  shredded: boolean;
  /** Receipts refused, with why. */
  problems: string[];
}

/**
 * `minThreshold` comes from the cluster descriptor (given out of band, never from the bundle):
 * the bundle's record is believed only if its threshold is at least that and at least that many
 * valid receipts from its own holders describe it exactly — so at least one honest node vouches
 * for it when at most minThreshold − 1 nodes lie.
 */
export function verifyReceipts(bundle: ReceiptBundle, caPem: string | Buffer, opts: { minThreshold: number }): ReceiptVerdict {
  const ca = new X509Certificate(caPem);
  const problems: string[] = [];
  const valid: DestroyReceipt[] = [];
  for (const r of bundle.receipts ?? []) {
    const who = `node ${r.node}`;
    try {
      const bytes = Buffer.from(r.receipt, 'base64');
      const s = JSON.parse(bytes.toString('utf8')) as DestroyReceipt;
      if (s.kind !== DESTROY_RECEIPT_KIND) throw new Error(`not a destroy receipt (${JSON.stringify(s.kind)})`);
      if (s.node !== r.node) throw new Error(`the statement speaks for node ${s.node}`);
      if (!r.signature || !r.certificate) throw new Error('unsigned (insecure-loopback node): proves nothing');
      const cert = new X509Certificate(r.certificate);
      if (!cert.verify(ca.publicKey)) throw new Error('certificate not issued by this CA');
      const at = new Date(s.signedAtMs);
      if (!(at >= new Date(cert.validFrom) && at <= new Date(cert.validTo))) throw new Error('signed outside the certificate validity');
      const ids = uriSans({ subjectaltname: cert.subjectAltName ?? '' }).filter((u) => u.startsWith('splitkey://'));
      if (ids.length !== 1 || ids[0] !== `splitkey://node/${s.node}`) throw new Error(`certificate is ${ids.join(', ') || 'no splitkey identity'}, not splitkey://node/${s.node}`);
      if (!verify('sha256', bytes, cert.publicKey, Buffer.from(r.signature, 'base64'))) throw new Error('signature does not verify');
      if (s.keyName !== bundle.keyName || s.version !== bundle.version) throw new Error(`receipt is for ${s.keyName}@${s.version}`);
      valid.push(s);
    } catch (e) {
      problems.push(`${who}: ${(e as Error).message}`);
    }
  }
  // Every valid statement must describe the agreed record; one node's word never sets it.
  const ref = bundle.record;
  if (!ref) problems.push('the bundle names no agreed record of the version (splitkey key destroy --receipt writes the one t nodes agreed on), so no verdict');
  const same = ref ? valid.filter((s) => receiptRecordDiffers(s, ref).length === 0) : [];
  for (const s of valid) if (ref && !same.includes(s)) problems.push(`node ${s.node}: describes another record than the agreed one: ${receiptRecordDiffers(s, ref).join(', ')}`);
  const vouching = ref ? new Set(same.map((s) => s.node).filter((n) => ref.nodeIndices.includes(n))).size : 0;
  let vouched = ref !== undefined;
  if (ref && ref.threshold < opts.minThreshold) {
    problems.push(`the bundle's record says t = ${ref.threshold}, below the cluster's minThreshold ${opts.minThreshold}: not a record of this cluster, no verdict`);
    vouched = false;
  } else if (ref && vouching < opts.minThreshold) {
    problems.push(`only ${vouching} valid receipts from its holders describe the bundle's record; at least minThreshold = ${opts.minThreshold} must vouch for it before it decides anything`);
    vouched = false;
  }
  const nodeIndices = ref?.nodeIndices ?? [];
  const threshold = ref?.threshold ?? 0;
  const erased = [...new Set(same.map((s) => s.node).filter((n) => nodeIndices.includes(n)))].sort((a, b) => a - b);
  const remaining = nodeIndices.filter((n) => !erased.includes(n));
  return { keyName: bundle.keyName, version: bundle.version, threshold, nodeIndices, erased, remaining, shredded: vouched && threshold > 0 && remaining.length < threshold, problems };
}
