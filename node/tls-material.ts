/**
 * The node's TLS material — its certificate, key and trusted CA bundle — loaded from the files of
 * its config and reloadable while it runs (SIGHUP, `splitkey node start`). A reload:
 *
 * - reads and checks the three files first (the certificate names this node, matches the key, is
 *   within its validity, and chains to a CA of the new bundle); anything wrong keeps the old
 *   material and says why;
 * - swaps the server's secure context (new connections handshake with the new certificate and
 *   trust) through grpc-js's certificate-provider server credentials;
 * - tells the listeners (the peer channels rebuild their credentials);
 * - re-checks callers on connections that are already open: `trusts(cert)` is asked on every
 *   call, so a certificate whose CA was dropped from the bundle is refused on its next call, not
 *   only on its next connection.
 *
 * A bundle may hold several CAs (PEM blocks concatenated): that is how a CA rollover works.
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createSecureContext } from 'node:tls';
import * as grpc from '@grpc/grpc-js';
import { identityFromSan } from './auth.js';

export interface TlsFiles {
  ca: string;
  cert: string;
  key: string;
}

export interface TlsBytes {
  ca: Buffer;
  cert: Buffer;
  key: Buffer;
}

export interface TlsSummary {
  /** SHA-256 fingerprint of the node certificate. */
  certificate: string;
  notAfter: string;
  /** Subject and fingerprint of each trusted CA. */
  cas: { subject: string; fingerprint: string }[];
}

export class TlsReloadError extends Error {
  readonly code = 'TLS_RELOAD';
  constructor(message: string) {
    super(message);
    this.name = 'TlsReloadError';
  }
}

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** Read and check the files; throws TlsReloadError naming the file and the problem. */
export async function readTlsMaterial(files: TlsFiles, nodeIndex: number, now = new Date()): Promise<{ bytes: TlsBytes; anchors: X509Certificate[]; summary: TlsSummary }> {
  const read = async (path: string, what: string) => {
    try {
      return await readFile(path);
    } catch (e) {
      throw new TlsReloadError(`cannot read the ${what} ${path}: ${(e as Error).message}`);
    }
  };
  const [ca, cert, key] = await Promise.all([read(files.ca, 'CA bundle'), read(files.cert, 'node certificate'), read(files.key, 'node key')]);
  const blocks = ca.toString('utf8').match(PEM_CERT) ?? [];
  if (blocks.length === 0) throw new TlsReloadError(`the CA bundle ${files.ca} holds no PEM certificate`);
  let anchors: X509Certificate[];
  let leaf: X509Certificate;
  try {
    anchors = blocks.map((b) => new X509Certificate(b));
  } catch (e) {
    throw new TlsReloadError(`the CA bundle ${files.ca} has a certificate that does not parse: ${(e as Error).message}`);
  }
  try {
    leaf = new X509Certificate(cert);
  } catch (e) {
    throw new TlsReloadError(`the node certificate ${files.cert} does not parse: ${(e as Error).message}`);
  }
  const id = identityFromSan(leaf.subjectAltName);
  if (id?.role !== 'node' || id.index !== nodeIndex) {
    throw new TlsReloadError(`the certificate ${files.cert} is for ${id?.uri ?? 'no splitkey identity'}, not splitkey://node/${nodeIndex}`);
  }
  try {
    if (!leaf.checkPrivateKey(createPrivateKey(key))) throw new Error('it belongs to another certificate');
  } catch (e) {
    throw new TlsReloadError(`the key ${files.key} does not match the certificate ${files.cert}: ${(e as Error).message}`);
  }
  if (new Date(leaf.validTo) <= now || new Date(leaf.validFrom) > now) {
    throw new TlsReloadError(`the certificate ${files.cert} is not valid now (valid ${leaf.validFrom} to ${leaf.validTo})`);
  }
  if (!anchors.some((a) => issuedBy(leaf, a))) {
    throw new TlsReloadError(`the certificate ${files.cert} is not issued by a CA of ${files.ca}: peers trusting that bundle would refuse it`);
  }
  // The bundle as TLS gets it: one PEM block per CA, whatever separated them in the file (a
  // `cat` of files without a final newline glues END and BEGIN lines, which OpenSSL rejects).
  const bundle = Buffer.from(anchors.map((a) => a.toString()).join(''));
  try {
    createSecureContext({ ca: bundle, cert, key });
  } catch (e) {
    throw new TlsReloadError(`TLS refuses the material: ${(e as Error).message}`);
  }
  return {
    bytes: { ca: bundle, cert, key },
    anchors,
    summary: { certificate: leaf.fingerprint256, notAfter: leaf.validTo, cas: anchors.map((a) => ({ subject: a.subject.replace(/\n/g, ', '), fingerprint: a.fingerprint256 })) },
  };
}

function issuedBy(leaf: X509Certificate, ca: X509Certificate): boolean {
  return leaf.checkIssued(ca) && leaf.verify(ca.publicKey);
}

/**
 * Feeds grpc-js's certificate-provider server credentials (the experimental but public API for
 * certificates that change): every listener gets the current material when it registers and
 * again on each reload. One object serves both the CA and the identity side (grpc-js 1.14's
 * `createCertificateProviderServerCredentials` passes its two providers to the constructor in
 * swapped order; with one provider for both that cannot matter).
 */
class ReloadableProvider implements grpc.experimental.CertificateProvider {
  private readonly ca = new Set<grpc.experimental.CaCertificateUpdateListener>();
  private readonly identity = new Set<grpc.experimental.IdentityCertificateUpdateListener>();
  constructor(private bytes: TlsBytes) {}

  update(bytes: TlsBytes): void {
    this.bytes = bytes;
    // Identity first, then CA: each call rebuilds the whole secure context from both.
    for (const l of this.identity) l({ certificate: bytes.cert, privateKey: bytes.key });
    for (const l of this.ca) l({ caCertificate: bytes.ca });
  }
  // The current material goes to a new listener on the next microtask: grpc-js registers its
  // own watcher only after adding these listeners, and would miss a synchronous first update.
  addCaCertificateListener(l: grpc.experimental.CaCertificateUpdateListener): void {
    this.ca.add(l);
    queueMicrotask(() => this.ca.has(l) && l({ caCertificate: this.bytes.ca }));
  }
  removeCaCertificateListener(l: grpc.experimental.CaCertificateUpdateListener): void {
    this.ca.delete(l);
  }
  addIdentityCertificateListener(l: grpc.experimental.IdentityCertificateUpdateListener): void {
    this.identity.add(l);
    queueMicrotask(() => this.identity.has(l) && l({ certificate: this.bytes.cert, privateKey: this.bytes.key }));
  }
  removeIdentityCertificateListener(l: grpc.experimental.IdentityCertificateUpdateListener): void {
    this.identity.delete(l);
  }
}

/** The loaded material, the server credentials built from it, and the per-call trust check. */
export class NodeTls {
  private readonly listeners = new Set<(bytes: TlsBytes) => void>();
  /** Verdicts per client certificate (by fingerprint), for the current anchors only. */
  private verdicts = new Map<string, boolean>();

  private constructor(
    private readonly files: TlsFiles,
    private readonly nodeIndex: number,
    private current: TlsBytes,
    private anchors: X509Certificate[],
    private info: TlsSummary,
    private readonly provider: ReloadableProvider,
    readonly serverCredentials: grpc.ServerCredentials,
  ) {}

  static async load(files: TlsFiles, nodeIndex: number): Promise<NodeTls> {
    const m = await readTlsMaterial(files, nodeIndex);
    const provider = new ReloadableProvider(m.bytes);
    // requireClientCertificate = true: a connection without a certificate from a trusted CA is refused.
    const creds = grpc.experimental.createCertificateProviderServerCredentials(provider, provider, true);
    return new NodeTls(files, nodeIndex, m.bytes, m.anchors, m.summary, provider, creds);
  }

  get bytes(): TlsBytes {
    return this.current;
  }

  get summary(): TlsSummary {
    return this.info;
  }

  onReload(listener: (bytes: TlsBytes) => void): void {
    this.listeners.add(listener);
  }

  /** Re-read the files and switch to them; on any problem the old material stays and this throws. */
  async reload(): Promise<TlsSummary> {
    const m = await readTlsMaterial(this.files, this.nodeIndex);
    this.current = m.bytes;
    this.anchors = m.anchors;
    this.info = m.summary;
    this.verdicts = new Map();
    this.provider.update(m.bytes);
    for (const l of this.listeners) l(m.bytes);
    return m.summary;
  }

  /**
   * Whether a caller's certificate (from an established TLS session) is issued by a CA trusted
   * now. The handshake checked it against the trust of its time; this catches sessions opened
   * before a CA was dropped.
   */
  trusts(cert: { raw?: Buffer; fingerprint256?: string } | undefined): boolean {
    if (!cert?.raw) return false;
    const id = cert.fingerprint256 ?? cert.raw.toString('base64');
    let ok = this.verdicts.get(id);
    if (ok === undefined) {
      try {
        const leaf = new X509Certificate(cert.raw);
        ok = this.anchors.some((a) => issuedBy(leaf, a));
      } catch {
        ok = false;
      }
      if (this.verdicts.size >= 10_000) this.verdicts.clear();
      this.verdicts.set(id, ok);
    }
    return ok;
  }
}
