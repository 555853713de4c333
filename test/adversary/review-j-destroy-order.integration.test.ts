/**
 * Review J: adversarial review of the signed destroy order (crypto/destroy-order.ts,
 * node/destroy-order.ts, node/reconcile.ts, node/lifecycle.ts destroy).
 *
 *   J1 (fixed). An admin certificate that EXPIRED still signed orders: verifyDestroyOrder checked
 *      validity at the signer-chosen signedAtMs only, so the key of an expired (retired) admin
 *      certificate back-dated an order into its old validity, and one liar node relaying it made
 *      every honest holder erase a LIVE version. Now the certificate must also be valid now.
 *   J2 (fixed). Erasure depended on the order verifying: an admin whose clock lags a freshly
 *      issued certificate, or whose certificate has an RSA key (signature > the 160-byte bound),
 *      could no longer crypto-shred anything. Now the caller's own right erases; an order that does
 *      not verify is only not kept (and the bound is 1,024 bytes).
 *   J3 (fixed). A liar's unverifiable order was logged on every reconcile pass; now once per situation.
 *   J4 (fixed). Admin.DestroyVersion kept an order whose certificate is not the caller's, an
 *      expired admin's included; now such an order is not kept.
 *   Held: garbage orders (String() that throws, huge PEM, non-UTF-8) never escape reconcile.
 */
import 'reflect-metadata';
import { createPrivateKey, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AdminClient } from '../../client/admin.js';
import { NodeChannels } from '../../client/channels.js';
import { GrpcLifecycleTransport } from '../../client/lifecycle-grpc.js';
import { KeyManager } from '../../client/key-manager.js';
import type { PemPair } from '../../cli/pki.js';
import { adversary, settle } from '../helpers/adversary.js';
import { storeOrder } from '../../node/destroy-order.js';
import { startTestCluster, type TestCluster } from '../helpers/cluster.js';
import { destroyedRecordWith, liarHolds, lineOf, signOrder } from '../helpers/destroy-orders.js';

let cluster: TestCluster | undefined;
const { closeClients, records, createV1, onDisk } = adversary(() => cluster!);
const extra: (() => unknown)[] = [];

afterEach(async () => {
  vi.restoreAllMocks();
  for (const c of extra.splice(0)) await c();
  await closeClients();
  await cluster?.stop();
  cluster = undefined;
});

const DAY = 24 * 60 * 60 * 1000;

/** An admin certificate with an RSA-2048 key, issued by the cluster's (P-256) CA. */
async function rsaAdmin(ca: PemPair, name: string, caps: string): Promise<PemPair> {
  x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
  const subtle = webcrypto.subtle;
  const keys = (await subtle.generateKey({ name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' }, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const caKey = await subtle.importKey('pkcs8', createPrivateKey(ca.keyPem).export({ type: 'pkcs8', format: 'der' }), { name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign']);
  const caCert = new x509.X509Certificate(ca.certPem);
  const keyId = caCert.getExtension(x509.SubjectKeyIdentifierExtension)!.keyId;
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: '0123456789abcdef0123456789abcdef',
    subject: `CN=${name}, O=splitkey`,
    issuer: caCert.subject,
    notBefore: new Date(Date.now() - 5 * 60 * 1000),
    notAfter: new Date(Date.now() + DAY),
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
    publicKey: keys.publicKey,
    signingKey: caKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth], false),
      new x509.SubjectAlternativeNameExtension([{ type: 'url', value: `splitkey://admin/${name}?caps=${caps}` }], false),
      new x509.AuthorityKeyIdentifierExtension(keyId, false),
    ],
  });
  const pkcs8 = await subtle.exportKey('pkcs8', keys.privateKey);
  return { certPem: cert.toString('pem'), keyPem: x509.PemConverter.encode(pkcs8, 'PRIVATE KEY') };
}

describe('review J: signed destroy orders', () => {
  it('J1: an expired admin certificate, refused on mTLS, cannot sign a back-dated order that one liar relays to erase a LIVE version', { timeout: 120_000 }, async () => {
    cluster = await startTestCluster({ n: 3, minThreshold: 2 });
    const name = 'acme/j1-expired';
    const { v } = await createV1(name, [1, 2, 3]);
    // A retired operator's certificate: valid from 2 days ago until yesterday.
    const retired = await cluster.certFor({ role: 'admin', name: 'retired', capabilities: ['destroy'], expiredAt: new Date(Date.now() - DAY) });
    // Control: the cluster refuses that certificate on every call (expiry is its revocation).
    const ch = new NodeChannels(cluster.descriptor(), { tls: { ca: Buffer.from(cluster.ca.certPem), cert: Buffer.from(retired.certPem), key: Buffer.from(retired.keyPem) } });
    const retiredAdmin = new AdminClient(ch);
    extra.push(() => retiredAdmin.close());
    const direct = await settle(new GrpcLifecycleTransport(ch, 3_000).destroy(2, name, 1));
    expect(direct.ok, 'the expired admin cannot call DestroyVersion').toBe(false);
    expect(await onDisk(2, name, 1)).toBe(`active e${v.epoch} WITH SEALED SHARE`);
    // Its leaked key signs an order dated inside its old validity; liar node 1 shows it.
    const backdated = signOrder(retired, name, 1, lineOf(v), { signedAtMs: Date.now() - 1.5 * DAY });
    await liarHolds(cluster, name, await destroyedRecordWith(cluster, name, storeOrder(backdated)), [2, 3]);
    await cluster.nodes[1]!.reconcile();
    await cluster.nodes[2]!.reconcile();
    const detail = records(name, 1);
    expect(await onDisk(2, name, 1), `node 2 erased a live version on an expired admin's order: ${detail}`).toBe(`active e${v.epoch} WITH SEALED SHARE`);
    expect(await onDisk(3, name, 1), `node 3 erased a live version on an expired admin's order: ${detail}`).toBe(`active e${v.epoch} WITH SEALED SHARE`);
  });

  it('J2a: an operator whose clock lags a freshly issued certificate still destroys (the order that fails its validity check is only not kept)', { timeout: 60_000 }, async () => {
    cluster = await startTestCluster({ n: 3, minThreshold: 2 });
    const name = 'acme/j2-skew';
    const { tr, v } = await createV1(name, [1, 2, 3]);
    const fresh = await cluster.certFor({ role: 'admin', name: 'ops', capabilities: ['destroy'] });
    // What KeyManager.destroy sends from a machine 10 minutes behind (certificates are backdated 5).
    const order = signOrder(fresh, name, 1, lineOf(v), { signedAtMs: Date.now() - 10 * 60 * 1000 });
    const r = await settle(tr.destroy(1, name, 1, undefined, order));
    expect(r.ok ? 'erased' : r.e, 'Before the change this destroy erased the share; now it is refused').toBe('erased');
    expect(await onDisk(1, name, 1)).toBe(`destroyed e${v.epoch}`);
  });

  it('J2b: `key destroy` by an admin whose certificate has an RSA key erases on every node', { timeout: 60_000 }, async () => {
    cluster = await startTestCluster({ n: 3, minThreshold: 2 });
    const name = 'acme/j2-rsa';
    const { v } = await createV1(name, [1, 2, 3]);
    const rsa = await rsaAdmin(cluster.ca, 'rsa-ops', 'destroy');
    const admin = new AdminClient(new NodeChannels(cluster.descriptor(), { tls: { ca: Buffer.from(cluster.ca.certPem), cert: Buffer.from(rsa.certPem), key: Buffer.from(rsa.keyPem) } }));
    extra.push(() => admin.close());
    const m = await KeyManager.create(admin);
    // mTLS accepts the certificate: it reads the agreed record.
    expect((await m.versions(name)).map((x) => x.version)).toEqual([1]);
    const r = await m.destroy(name, 1);
    const detail = `${JSON.stringify(r.unreachable)}; ${records(name, 1)}`;
    expect(r.destroyed, detail).toEqual([1, 2, 3]);
    expect(await onDisk(2, name, 1), detail).toBe(`destroyed e${v.epoch}`);
  });

  it('J3: a liar’s unverifiable order is warned about once per situation, not on every reconcile pass', { timeout: 60_000 }, async () => {
    cluster = await startTestCluster({ n: 3, minThreshold: 2 });
    const name = 'acme/j3-spam';
    const { v } = await createV1(name, [1, 2, 3]);
    const reader = await cluster.certFor({ role: 'admin', name: 'reader', capabilities: ['refresh'] });
    await liarHolds(cluster, name, await destroyedRecordWith(cluster, name, storeOrder(signOrder(reader, name, 1, lineOf(v), { signedAtMs: Date.now() }))), [2, 3]);
    const log = (cluster.nodes[1] as unknown as { runtime: { log: { warn: (...a: unknown[]) => void } } }).runtime.log;
    const warn = vi.spyOn(log, 'warn');
    for (let i = 0; i < 3; i++) await cluster.nodes[1]!.reconcile();
    const about = warn.mock.calls.filter((c) => String(c[1]).includes('does not verify'));
    expect(await onDisk(2, name, 1)).toBe(`active e${v.epoch} WITH SEALED SHARE`);
    expect(about.length, `warnings over 3 passes: ${about.map((c) => String(c[1])).join(' | ')}`).toBe(1);
  });

  it('J4: Admin.DestroyVersion never keeps an order whose certificate is not the caller’s (an expired admin’s included)', { timeout: 60_000 }, async () => {
    cluster = await startTestCluster({ n: 3, minThreshold: 2 });
    const name = 'acme/j4-caller';
    const { tr, v } = await createV1(name, [1, 2, 3]);
    const retired = await cluster.certFor({ role: 'admin', name: 'retired', capabilities: ['destroy'], expiredAt: new Date(Date.now() - DAY) });
    const r = await settle(tr.destroy(1, name, 1, undefined, signOrder(retired, name, 1, lineOf(v), { signedAtMs: Date.now() - 1.5 * DAY })));
    const kept = (await cluster.nodes[0]!.store.versionHistory(name, 1)).record?.destroyOrder;
    expect(r.ok && kept ? 'kept another (expired) admin’s order' : r.ok ? 'erased, no order kept' : `refused: ${r.e}`).toMatch(/refused|no order kept/);
  });

  it('held: garbage orders never escape reconcile (String() that throws, non-UTF-8, a 1 MB certificate) and erase nothing', { timeout: 120_000 }, async () => {
    cluster = await startTestCluster({ n: 3, minThreshold: 2 });
    const name = 'acme/j-garbage';
    const { v } = await createV1(name, [1, 2, 3]);
    const pk = v.commitments[0]!;
    const b64 = (s: string | Buffer) => Buffer.from(s).toString('base64');
    const cert = (await cluster.certFor({ role: 'admin', name: 'ops', capabilities: ['destroy'] })).certPem;
    const garbage = [
      { order: b64(JSON.stringify({ kind: 'splitkey/v1/destroy-order', keyName: name, version: { toString: 1 }, publicKey: pk, signedAtMs: 1 })), signature: b64('x'), certificate: cert },
      { order: b64(Buffer.from([0xff, 0xfe, 0x7b])), signature: b64('x'), certificate: cert },
      { order: b64(JSON.stringify({ kind: 'splitkey/v1/destroy-order', keyName: name, version: 1, publicKey: pk, signedAtMs: Date.now() })), signature: b64('x'), certificate: '-----BEGIN CERTIFICATE-----\n' + 'A'.repeat(1_000_000) + '\n-----END CERTIFICATE-----\n' },
    ];
    for (const g of garbage) {
      await liarHolds(cluster, name, await destroyedRecordWith(cluster, name, g), [2, 3]);
      const r = await settle(cluster.nodes[1]!.reconcile());
      expect(r.ok, r.ok ? '' : r.e).toBe(true);
      expect(await onDisk(2, name, 1)).toBe(`active e${v.epoch} WITH SEALED SHARE`);
    }
  });
});
