/**
 * Checking an operator's signed destroy order (crypto/destroy-order.ts), on Admin.DestroyVersion
 * and on one a peer relays (Peer.VersionHistory destroy_order, node/reconcile.ts). A peer's
 * "destroyed" is a claim that needs t voices; an order is the operator's own word, which no node
 * can forge: an admin certificate issued by a CA this node trusts, valid when the order was signed,
 * whose identity holds the destroy capability, signing exactly this key name, version and the pkS
 * of the record this node holds. The certificate must be valid both when the order was signed and
 * now: expiry is how an admin is retired, and a retired admin's leaked key must not sign orders
 * back-dated into its old validity (review J1). Once it expires, its orders count no more; a node
 * that missed the destroy then needs t reports, or the destroy's re-run.
 */
import { X509Certificate, verify } from 'node:crypto';
import { parseDestroyOrder, type DestroyOrder, type SignedDestroyOrder } from '../crypto/index.js';
import { identityFromSan } from './auth.js';

export interface OrderCheck {
  keyName: string;
  version: number;
  /** pkS of the record this node holds, hex. */
  publicKey: string;
  /** The digest of the record this node holds (crypto/records.ts recordDigest), hex: one the order names. */
  record: string;
  /** Whether a certificate is issued by a CA this node trusts now (node/tls-material.ts). */
  trusts: (cert: { raw?: Buffer; fingerprint256?: string }) => boolean;
  /** Now, in ms (injected by tests). */
  now: number;
  /** When given (Admin.DestroyVersion): the caller's own certificate, which must be the signer's. */
  caller?: Buffer;
}

/** How far an order's signing time may lie ahead of this node's clock. */
export const ORDER_CLOCK_SKEW_MS = 5 * 60_000;

/** The order if every check passes; otherwise throws with the first thing that does not verify. */
export function verifyDestroyOrder(signed: SignedDestroyOrder, c: OrderCheck): DestroyOrder {
  const order = parseDestroyOrder(signed.order);
  if (order.keyName !== c.keyName || order.version !== c.version) throw new Error(`the order is for ${order.keyName}@${order.version}, not ${c.keyName}@${c.version}`);
  if (order.publicKey !== c.publicKey) throw new Error(`the order names pkS ${order.publicKey.slice(0, 16)}…, this node holds ${c.publicKey.slice(0, 16)}…`);
  if (!order.records.includes(c.record)) throw new Error(`the order names records of another line than this node's ${c.record.slice(0, 16)}… (the same key elsewhere, a fork sibling, or a record newer than the destroyed one)`);
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(signed.certificate);
  } catch (e) {
    throw new Error(`the order's certificate does not parse: ${(e as Error).message}`);
  }
  if (c.caller && !cert.raw.equals(c.caller)) throw new Error('the order is signed with another certificate than the caller’s');
  if (!c.trusts({ raw: cert.raw, fingerprint256: cert.fingerprint256 })) throw new Error('the order is signed by a certificate no CA this node trusts issued');
  const from = new Date(cert.validFrom).getTime();
  const to = new Date(cert.validTo).getTime();
  if (!(order.signedAtMs >= from && order.signedAtMs <= to)) throw new Error('the order was signed outside its certificate’s validity');
  if (!(c.now >= from && c.now <= to)) throw new Error(`the order's certificate is ${c.now > to ? 'expired' : 'not valid yet'}`);
  if (order.signedAtMs > c.now + ORDER_CLOCK_SKEW_MS) throw new Error('the order is signed in the future');
  const id = identityFromSan(cert.subjectAltName);
  if (id?.role !== 'admin') throw new Error(`the order is signed by ${id?.uri ?? 'a certificate with no splitkey identity'}, not an admin`);
  if (!id.capabilities.includes('destroy')) throw new Error(`the order is signed by admin ${id.name}, who lacks the destroy capability`);
  let ok = false;
  try {
    ok = verify('sha256', signed.order, cert.publicKey, signed.signature);
  } catch {
    ok = false;
  }
  if (!ok) throw new Error('the order’s signature does not verify');
  return order;
}

/** As stored with a destroyed record (JSON: base64 and PEM). */
export interface StoredDestroyOrder {
  order: string;
  signature: string;
  certificate: string;
}

export const storeOrder = (s: SignedDestroyOrder): StoredDestroyOrder => ({
  order: Buffer.from(s.order).toString('base64'),
  signature: Buffer.from(s.signature).toString('base64'),
  certificate: s.certificate,
});

export const loadOrder = (s: StoredDestroyOrder): SignedDestroyOrder => ({
  order: new Uint8Array(Buffer.from(s.order, 'base64')),
  signature: new Uint8Array(Buffer.from(s.signature, 'base64')),
  certificate: s.certificate,
});
