/**
 * Identities from mTLS client certificates (DESIGN.md "Authentication and authorization"). The
 * cluster CA puts one URI SAN in every leaf certificate:
 *   splitkey://client/<tenant>/<name>   evaluates keys named "<tenant>/…"
 *   splitkey://admin/<name>             uses the Admin service
 *   splitkey://node/<index>             uses the Peer service
 * The TLS layer has already checked the chain against the cluster CA (requestCert,
 * rejectUnauthorized); this module only reads the role.
 */
import type { ServerUnaryCall } from '@grpc/grpc-js';
import type { PeerCertificate } from 'node:tls';
import { sanUris } from '../crypto/san.js';
import { permissionDenied, unauthenticated } from './errors.js';

/**
 * What an admin certificate allows (least privilege). An admin URI names them as a query,
 * splitkey://admin/<name>?caps=refresh,destroy; a URI without one allows no change at all (it
 * predates capabilities, or was issued by other tooling: reissue it). Reading state (ListKeys,
 * KeyStatus, NodeStatus, OperationStatus) needs none.
 *   create   DKG of a new key or version (key create, key rotate)
 *   refresh  proactive refresh (the refresh scheduler needs only this)
 *   reshare  move a version to other nodes or another threshold
 *   destroy  erase shares (crypto-shredding)
 *   import   install a known secret (the one way an operator can know k)
 */
export const CAPABILITIES = ['create', 'refresh', 'reshare', 'destroy', 'import'] as const;
export type Capability = (typeof CAPABILITIES)[number];

export type Identity =
  | { role: 'client'; tenant: string; name: string; uri: string }
  | { role: 'admin'; name: string; uri: string; capabilities: readonly Capability[]; namesCapabilities: boolean }
  | { role: 'node'; index: number; uri: string };

const LABEL = '[a-z0-9][a-z0-9._-]{0,62}';
const CAPS = `(?:${CAPABILITIES.join('|')})`;
const URI = new RegExp(`^splitkey://(?:client/(${LABEL})/(${LABEL})|admin/(${LABEL})(?:\\?caps=(${CAPS}(?:,${CAPS})*))?|node/([1-9][0-9]{0,4}))$`);

export function parseIdentityUri(uri: string): Identity | undefined {
  const m = URI.exec(uri);
  if (!m) return undefined;
  if (m[1] && m[2]) return { role: 'client', tenant: m[1], name: m[2], uri };
  if (m[3]) return { role: 'admin', name: m[3], uri, capabilities: m[4] ? [...new Set(m[4].split(',') as Capability[])] : [], namesCapabilities: m[4] !== undefined };
  const index = Number(m[5]);
  return index <= 65535 ? { role: 'node', index, uri } : undefined;
}

/** The identity in a certificate's subjectaltname string ("URI:splitkey://…, DNS:…"): exactly one. */
export function identityFromSan(san: string | undefined): Identity | undefined {
  const uris = sanUris(san).filter((u) => u.startsWith('splitkey://'));
  if (uris.length !== 1) return undefined;
  return parseIdentityUri(uris[0]!);
}

/**
 * The caller's identity. Over mTLS it comes from the verified client certificate. In
 * insecure-loopback (development) mode there is no certificate, and the caller names itself in
 * the `splitkey-identity` metadata header.
 */
export function callerIdentity(call: ServerUnaryCall<unknown, unknown>, insecure: boolean): Identity {
  if (insecure) {
    const claimed = call.metadata.get('splitkey-identity')[0];
    const id = typeof claimed === 'string' ? parseIdentityUri(claimed) : undefined;
    if (!id) throw unauthenticated('insecure-loopback mode: send a splitkey-identity metadata header');
    return id;
  }
  const id = identityFromSan(peerCertificate(call)?.subjectaltname);
  if (!id) throw unauthenticated('no splitkey identity in the client certificate');
  return id;
}

/** Per call (never across calls): grpc-js builds the peer certificate object anew on every getAuthContext. */
const peerCertificates = new WeakMap<object, PeerCertificate | undefined>();

/** The caller's TLS certificate, read once per call (authorization, then the handler, may both ask). */
export function peerCertificate(call: ServerUnaryCall<unknown, unknown>): PeerCertificate | undefined {
  if (peerCertificates.has(call)) return peerCertificates.get(call);
  const cert = call.getAuthContext()?.sslPeerCertificate;
  peerCertificates.set(call, cert);
  return cert;
}

/** The admin must hold `cap`; PERMISSION_DENIED names what is missing. */
export function requireCapability(id: Extract<Identity, { role: 'admin' }>, cap: Capability): void {
  if (!id.namesCapabilities) {
    throw permissionDenied(`admin ${id.name}'s certificate names no capabilities (${id.uri} has no ?caps=), so it may only read; reissue it: splitkey cert issue --role admin --name ${id.name} --caps ${cap}[,...]`);
  }
  if (!id.capabilities.includes(cap)) throw permissionDenied(`admin ${id.name} lacks the ${cap} capability (its certificate allows ${id.capabilities.join(', ') || 'nothing'})`);
}

export function requireRole<R extends Identity['role']>(id: Identity, role: R): Extract<Identity, { role: R }> {
  if (id.role !== role) throw permissionDenied(`role ${id.role} may not call this service (needs ${role})`);
  return id as Extract<Identity, { role: R }>;
}

/** A client may only use keys of its own tenant: "<tenant>/…". */
export function requireTenant(id: Identity, keyName: string): void {
  const client = requireRole(id, 'client');
  if (!keyName.startsWith(`${client.tenant}/`)) {
    throw permissionDenied(`tenant ${client.tenant} may not use key ${keyName}`);
  }
}
