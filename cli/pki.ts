/**
 * Minimal cluster PKI for splitkey mTLS (see DESIGN.md "Authentication and authorization").
 *
 * A cluster CA (ECDSA P-256 / SHA-256) issues leaf certificates whose identity is carried in a
 * single URI SAN:
 *   splitkey://client/<tenant>/<name>
 *   splitkey://admin/<name>
 *   splitkey://node/<index>
 * Node certificates additionally carry DNS/IP SANs so TLS hostname verification works.
 *
 * Keys are PKCS#8 PEM ("BEGIN PRIVATE KEY"), certificates are "BEGIN CERTIFICATE" PEM; both can be
 * passed directly to node:tls and @grpc/grpc-js credentials.
 */
import { webcrypto, randomBytes, X509Certificate as NodeX509Certificate, createPrivateKey, createPublicKey } from 'node:crypto';
import { isIP } from 'node:net';
import { mkdir, writeFile, readFile, chmod, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type * as X509 from '@peculiar/x509';

/**
 * @peculiar/x509 2.x pulls in tsyringe, which needs the Reflect metadata polyfill loaded first.
 * Loaded lazily so importing this module costs nothing until a certificate is made.
 */
let x509Promise: Promise<typeof X509> | undefined;
function loadX509(): Promise<typeof X509> {
  x509Promise ??= import('reflect-metadata').then(() => import('@peculiar/x509'));
  return x509Promise;
}

// x509's declarations use the DOM `Crypto`/`CryptoKey` types; Node's webcrypto is compatible at runtime.
type X509Crypto = Parameters<typeof X509.X509CertificateGenerator.create>[1];
const cryptoImpl = webcrypto as unknown as NonNullable<X509Crypto>;
const subtle = webcrypto.subtle;

const EC_ALG = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGN_ALG = { name: 'ECDSA', hash: 'SHA-256' } as const;

/** Backdate notBefore to tolerate small clock skew between machines. */
const CLOCK_SKEW_MS = 5 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;
const MAX_VALID_DAYS = 36500;

export const IDENTITY_SCHEME = 'splitkey:';
export const DEFAULT_NODE_HOSTS: readonly string[] = Object.freeze(['localhost', '127.0.0.1', '::1']);

export type Role = 'client' | 'admin' | 'node';

export interface PemPair {
  certPem: string;
  keyPem: string;
}

export interface CaOptions {
  commonName?: string;
  validDays?: number;
}

export interface CertSpec {
  role: Role;
  /** Required for role 'client'; forbidden otherwise. */
  tenant?: string;
  /** Required for roles 'client' and 'admin'; forbidden for 'node'. */
  name?: string;
  /** Required for role 'node': integer 1..65535. */
  index?: number;
  /** Node only: DNS names / IP addresses for SANs. Default: localhost, 127.0.0.1, ::1. */
  hosts?: string[];
  /** Admin only: capabilities (create, refresh, reshare, destroy, import). Default: all but import. */
  capabilities?: string[];
  validDays?: number;
  /** Chaos and tests only: issue a certificate that already expired at this time (valid the day before it). */
  expiredAt?: Date;
}

/** Admin capabilities (node/auth.ts enforces them). */
export const ADMIN_CAPABILITIES = ['create', 'refresh', 'reshare', 'destroy', 'import'] as const;
/**
 * What an admin certificate allows when none are asked for: everything but `import`, the one
 * capability by which an operator can know a key (it installs a secret someone chose). */
export const DEFAULT_ADMIN_CAPABILITIES = ['create', 'refresh', 'reshare', 'destroy'] as const;

const LABEL_RE = /^[a-z0-9][a-z0-9._-]{0,62}$/;
// RFC 1123 hostname labels (lower/upper case), optional single leading wildcard label not allowed.
const DNS_LABEL_RE = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

function checkLabel(field: 'tenant' | 'name', value: unknown): string {
  if (typeof value !== 'string' || !LABEL_RE.test(value)) {
    throw new Error(
      `invalid ${field}: ${JSON.stringify(value)} (must match [a-z0-9][a-z0-9._-]{0,62})`,
    );
  }
  return value;
}

function checkValidDays(value: unknown, dflt: number): number {
  if (value === undefined) return dflt;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_VALID_DAYS) {
    throw new Error(`invalid validDays: ${JSON.stringify(value)} (must be an integer 1..${MAX_VALID_DAYS})`);
  }
  return value;
}

function checkHost(h: unknown): { type: 'dns' | 'ip'; value: string } {
  if (typeof h !== 'string' || h.length === 0) {
    throw new Error(`invalid hosts entry: ${JSON.stringify(h)}`);
  }
  if (isIP(h) !== 0) return { type: 'ip', value: h };
  const name = h.endsWith('.') ? h.slice(0, -1) : h;
  if (name.length > 253 || !name.split('.').every((l) => DNS_LABEL_RE.test(l))) {
    throw new Error(`invalid hosts entry: ${JSON.stringify(h)} (not a DNS name or IP address)`);
  }
  return { type: 'dns', value: name.toLowerCase() };
}

interface ValidatedSpec {
  role: Role;
  tenant?: string;
  name?: string;
  index?: number;
  capabilities?: string[];
  hosts: { type: 'dns' | 'ip'; value: string }[];
  validDays: number;
}

function validateSpec(spec: CertSpec): ValidatedSpec {
  if (spec === null || typeof spec !== 'object') throw new Error('invalid spec: expected an object');
  const role = spec.role as unknown;
  const validDays = checkValidDays(spec.validDays, 365);
  switch (role) {
    case 'client': {
      if (spec.tenant === undefined) throw new Error('invalid tenant: required for role client');
      if (spec.name === undefined) throw new Error('invalid name: required for role client');
      if (spec.index !== undefined) throw new Error('invalid index: only allowed for role node');
      if (spec.hosts !== undefined) throw new Error('invalid hosts: only allowed for role node');
      if (spec.capabilities !== undefined) throw new Error('invalid capabilities: only allowed for role admin');
      return { role, tenant: checkLabel('tenant', spec.tenant), name: checkLabel('name', spec.name), hosts: [], validDays };
    }
    case 'admin': {
      if (spec.tenant !== undefined) throw new Error('invalid tenant: not allowed for role admin');
      if (spec.name === undefined) throw new Error('invalid name: required for role admin');
      if (spec.index !== undefined) throw new Error('invalid index: only allowed for role node');
      if (spec.hosts !== undefined) throw new Error('invalid hosts: only allowed for role node');
      let capabilities: string[] = [...DEFAULT_ADMIN_CAPABILITIES];
      if (spec.capabilities !== undefined) {
        if (!Array.isArray(spec.capabilities) || spec.capabilities.length === 0) throw new Error(`invalid capabilities: give at least one of ${ADMIN_CAPABILITIES.join(', ')}`);
        for (const c of spec.capabilities) {
          if (!(ADMIN_CAPABILITIES as readonly string[]).includes(c)) throw new Error(`invalid capability ${JSON.stringify(c)}: must be one of ${ADMIN_CAPABILITIES.join(', ')}`);
        }
        capabilities = ADMIN_CAPABILITIES.filter((c) => spec.capabilities!.includes(c));
      }
      return { role, name: checkLabel('name', spec.name), hosts: [], validDays, capabilities };
    }
    case 'node': {
      if (spec.tenant !== undefined) throw new Error('invalid tenant: not allowed for role node');
      if (spec.name !== undefined) throw new Error('invalid name: not allowed for role node');
      const index = spec.index as unknown;
      if (typeof index !== 'number' || !Number.isInteger(index) || index < 1 || index > 65535) {
        throw new Error(`invalid index: ${JSON.stringify(index)} (must be an integer 1..65535, required for role node)`);
      }
      const rawHosts = spec.hosts ?? DEFAULT_NODE_HOSTS;
      if (!Array.isArray(rawHosts)) throw new Error('invalid hosts: expected an array of strings');
      const hosts: { type: 'dns' | 'ip'; value: string }[] = [];
      const seen = new Set<string>();
      for (const h of rawHosts) {
        const c = checkHost(h);
        const k = `${c.type}:${c.value}`;
        if (!seen.has(k)) {
          seen.add(k);
          hosts.push(c);
        }
      }
      return { role, index, hosts, validDays };
    }
    default:
      throw new Error(`invalid role: ${JSON.stringify(role)} (must be client, admin or node)`);
  }
}

function uriOf(v: ValidatedSpec): string {
  switch (v.role) {
    case 'client':
      return `splitkey://client/${v.tenant}/${v.name}`;
    case 'admin':
      // Always explicit: a node gives an admin URI without ?caps= no capability at all.
      return `splitkey://admin/${v.name}?caps=${(v.capabilities ?? DEFAULT_ADMIN_CAPABILITIES).join(',')}`;
    case 'node':
      return `splitkey://node/${v.index}`;
  }
}

function commonNameOf(v: ValidatedSpec): string {
  switch (v.role) {
    case 'client':
      return `splitkey client ${v.tenant}/${v.name}`;
    case 'admin':
      return `splitkey admin ${v.name}`;
    case 'node':
      return `splitkey node ${v.index}`;
  }
}

/** The identity URI a certificate for `spec` carries, e.g. `splitkey://client/acme/app1`. Validates the spec. */
export function identityUri(spec: CertSpec): string {
  return uriOf(validateSpec(spec));
}

/** Positive 16-byte serial (first byte 0x01..0x7f so DER keeps it positive and 16 bytes long). */
function randomSerial(): string {
  const b = randomBytes(16);
  b[0] = (b[0]! & 0x7f) | 0x01;
  return b.toString('hex');
}

function validity(validDays: number): { notBefore: Date; notAfter: Date } {
  const now = Date.now();
  return { notBefore: new Date(now - CLOCK_SKEW_MS), notAfter: new Date(now + validDays * DAY_MS) };
}

async function generateKeys(): Promise<webcrypto.CryptoKeyPair> {
  return (await subtle.generateKey(EC_ALG, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
}

async function exportKeyPem(key: webcrypto.CryptoKey): Promise<string> {
  const x509 = await loadX509();
  const der = await subtle.exportKey('pkcs8', key);
  return x509.PemConverter.encode(der, 'PRIVATE KEY');
}

function escapeDnValue(s: string): string {
  // RFC 4514 escaping for a string attribute value.
  let out = s.replace(/([\\,+"<>;=#])/g, '\\$1');
  if (out.startsWith(' ')) out = '\\' + out;
  if (out.endsWith(' ') && out.length > 1) out = out.slice(0, -1) + '\\ ';
  return out;
}

/** Create a self-signed cluster CA (ECDSA P-256 / SHA-256). */
export async function createCa(opts: CaOptions = {}): Promise<PemPair> {
  const commonName = opts.commonName ?? 'splitkey cluster CA';
  if (typeof commonName !== 'string' || commonName.length === 0 || commonName.length > 64 || /[\x00-\x1f\x7f]/.test(commonName)) {
    throw new Error(`invalid commonName: ${JSON.stringify(commonName)} (1..64 printable characters)`);
  }
  const validDays = checkValidDays(opts.validDays, 3650);
  const x509 = await loadX509();
  const keys = await generateKeys();
  const cert = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: randomSerial(),
      name: `CN=${escapeDnValue(commonName)}, O=splitkey`,
      ...validity(validDays),
      signingAlgorithm: SIGN_ALG,
      keys: keys as unknown as Parameters<typeof X509.X509CertificateGenerator.createSelfSigned>[0]['keys'],
      extensions: [
        new x509.BasicConstraintsExtension(true, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey as never, false, cryptoImpl),
      ],
    },
    cryptoImpl,
  );
  return { certPem: cert.toString('pem'), keyPem: await exportKeyPem(keys.privateKey) };
}

interface LoadedCa {
  cert: X509.X509Certificate;
  key: webcrypto.CryptoKey;
  keyId: string;
}

async function loadCa(ca: PemPair): Promise<LoadedCa> {
  if (!ca || typeof ca.certPem !== 'string' || typeof ca.keyPem !== 'string') {
    throw new Error('invalid ca: expected { certPem, keyPem } strings');
  }
  const x509 = await loadX509();
  const cert = new x509.X509Certificate(ca.certPem);
  const bc = cert.getExtension(x509.BasicConstraintsExtension);
  if (!bc || !bc.ca) throw new Error('invalid ca: certificate is not a CA (basicConstraints CA:false or missing)');
  // The CA private key must belong to the CA certificate.
  const keyObj = createPrivateKey({ key: ca.keyPem, format: 'pem' });
  const derivedPub = createPublicKey(keyObj).export({ type: 'spki', format: 'der' });
  const certPub = new NodeX509Certificate(ca.certPem).publicKey.export({ type: 'spki', format: 'der' });
  if (!derivedPub.equals(certPub)) throw new Error('invalid ca: keyPem does not match certPem');
  const pkcs8 = keyObj.export({ type: 'pkcs8', format: 'der' });
  const key = await subtle.importKey('pkcs8', pkcs8, EC_ALG, false, ['sign']);
  let keyId = cert.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId;
  if (!keyId) {
    const ext = await x509.SubjectKeyIdentifierExtension.create(cert.publicKey, false, cryptoImpl);
    keyId = ext.keyId;
  }
  return { cert, key, keyId };
}

/** Issue a leaf certificate (ECDSA P-256) for a client, admin or node, signed by `ca`. */
export async function issueCert(ca: PemPair, spec: CertSpec): Promise<PemPair> {
  const v = validateSpec(spec);
  const x509 = await loadX509();
  const issuer = await loadCa(ca);
  const keys = await generateKeys();

  const sans: X509.JsonGeneralName[] = [{ type: 'url', value: uriOf(v) }];
  for (const h of v.hosts) sans.push({ type: h.type, value: h.value });

  const eku =
    v.role === 'node'
      ? [x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]
      : [x509.ExtendedKeyUsage.clientAuth];

  const cert = await x509.X509CertificateGenerator.create(
    {
      serialNumber: randomSerial(),
      subject: `CN=${escapeDnValue(commonNameOf(v))}, O=splitkey`,
      issuer: issuer.cert.subjectName,
      ...(spec.expiredAt ? { notBefore: new Date(spec.expiredAt.getTime() - DAY_MS), notAfter: spec.expiredAt } : validity(v.validDays)),
      signingAlgorithm: SIGN_ALG,
      publicKey: keys.publicKey as never,
      signingKey: issuer.key as never,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension(eku, false),
        new x509.SubjectAlternativeNameExtension(sans, false),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey as never, false, cryptoImpl),
        new x509.AuthorityKeyIdentifierExtension(issuer.keyId, false),
      ],
    },
    cryptoImpl,
  );
  return { certPem: cert.toString('pem'), keyPem: await exportKeyPem(keys.privateKey) };
}

/**
 * Write `<dir>/<base>.crt` (0644) and `<dir>/<base>.key` (0600). Creates `dir` if needed.
 * Returns the two paths.
 */
export async function writePemFiles(
  dir: string,
  base: string,
  pair: PemPair,
): Promise<{ certPath: string; keyPath: string }> {
  if (typeof base !== 'string' || base.length === 0 || /[/\\]/.test(base) || base === '.' || base === '..') {
    throw new Error(`invalid base: ${JSON.stringify(base)} (must be a plain file name)`);
  }
  await mkdir(dir, { recursive: true });
  const certPath = join(dir, `${base}.crt`);
  const keyPath = join(dir, `${base}.key`);
  // Write to a fresh temp file created with the final mode, then rename over the target, so an
  // existing file is never rewritten in place with looser permissions.
  // A final newline, so that `cat ca1.crt ca2.crt > bundle.crt` makes a valid bundle.
  const line = (pem: string) => (pem.endsWith('\n') ? pem : `${pem}\n`);
  await writeAtomic(keyPath, line(pair.keyPem), 0o600);
  await writeAtomic(certPath, line(pair.certPem), 0o644);
  return { certPath, keyPath };
}

async function writeAtomic(path: string, data: string, mode: number): Promise<void> {
  const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeFile(tmp, data, { mode, flag: 'wx' });
    await chmod(tmp, mode); // writeFile's mode is subject to the umask
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/** Read a PEM file as UTF-8 text. */
export async function readPem(path: string): Promise<string> {
  // writePemFiles ends files with a newline; the PEM in memory has none.
  return (await readFile(path, 'utf8')).replace(/\n$/, '');
}
