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
import { MAX_DESTROY_ORDER_BYTES, parseDestroyOrder, type DestroyOrder, type SignedDestroyOrder } from '../crypto/index.js';
import { identityFromSan } from './auth.js';

/** Largest signature accepted (DER ECDSA is ≤ 72 bytes; RSA-4096 is 512). */
export const MAX_ORDER_SIGNATURE_BYTES = 1024;
/** Largest certificate accepted (PEM characters). */
export const MAX_ORDER_CERTIFICATE_CHARS = 16_384;

/**
 * What is wrong with the sizes of an order's fields, if anything: checked before any parsing, on
 * Admin.DestroyVersion (INVALID_ARGUMENT) and on an order a peer relays (ignored), alike.
 */
export function orderSizeProblem(o: SignedDestroyOrder): string | undefined {
  if (o.order.length > MAX_DESTROY_ORDER_BYTES) return `order.order must be at most ${MAX_DESTROY_ORDER_BYTES} bytes, got ${o.order.length}`;
  if (o.signature.length === 0 || o.signature.length > MAX_ORDER_SIGNATURE_BYTES) return `order.signature must be 1..${MAX_ORDER_SIGNATURE_BYTES} bytes, got ${o.signature.length}`;
  if (o.certificate.length === 0 || o.certificate.length > MAX_ORDER_CERTIFICATE_CHARS) return `order.certificate must be a PEM certificate of 1..${MAX_ORDER_CERTIFICATE_CHARS} characters, got ${o.certificate.length}`;
  return undefined;
}

export interface OrderCheck {
  keyName: string;
  version: number;
  /** pkS of the record this node holds, hex. */
  publicKey: string;
  /**
   * The line of the record this node holds, hex: its digest (crypto/records.ts recordDigest), its
   * lineage and the older ancestors it witnessed. The order must name one of them: the node holds
   * the destroyed record, an older epoch of it, or a newer one that descends from it (a refresh
   * that committed here while the destroy ran elsewhere: review L1).
   */
  line: readonly string[];
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
  const tooBig = orderSizeProblem(signed);
  if (tooBig) throw new Error(tooBig);
  const order = parseDestroyOrder(signed.order);
  if (order.keyName !== c.keyName || order.version !== c.version) throw new Error(`the order is for ${order.keyName}@${order.version}, not ${c.keyName}@${c.version}`);
  if (order.publicKey !== c.publicKey) throw new Error(`the order names pkS ${order.publicKey.slice(0, 16)}…, this node holds ${c.publicKey.slice(0, 16)}…`);
  if (!order.records.some((d) => c.line.includes(d))) throw new Error(`the order names records of another line than this node's ${(c.line[0] ?? '').slice(0, 16)}… (the same key installed elsewhere, or a fork sibling)`);
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
