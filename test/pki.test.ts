import { describe, it, expect, beforeAll } from 'vitest';
import { parseSubjectAltName, sanUris } from '../crypto/san.js';
import { X509Certificate, createPrivateKey, createPublicKey } from 'node:crypto';
import * as tls from 'node:tls';
import type { AddressInfo } from 'node:net';
import { mkdtemp, stat, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import {
  createCa,
  issueCert,
  identityUri,
  writePemFiles,
  readPem,
  type PemPair,
  type CertSpec,
} from '../cli/pki.js';

let ca: PemPair;
let otherCa: PemPair;
let node1: PemPair;
let client: PemPair;
let admin: PemPair;

beforeAll(async () => {
  ca = await createCa({ commonName: 'test cluster CA', validDays: 30 });
  otherCa = await createCa();
  node1 = await issueCert(ca, { role: 'node', index: 1 });
  client = await issueCert(ca, { role: 'client', tenant: 'acme', name: 'app-1' });
  admin = await issueCert(ca, { role: 'admin', name: 'alice' });
});

interface HandshakeResult {
  ok: boolean;
  serverSawSan?: string;
  serverSawAuthorized?: boolean;
  clientError?: Error;
  serverError?: Error;
}

/** Real mutual-TLS handshake over loopback. */
async function handshake(
  server: { cert: PemPair; ca: string },
  client: { cert?: PemPair; ca: string; host: string; servername?: string },
): Promise<HandshakeResult> {
  const result: HandshakeResult = { ok: false };
  const srv = tls.createServer({
    cert: server.cert.certPem,
    key: server.cert.keyPem,
    ca: server.ca,
    requestCert: true,
    rejectUnauthorized: true,
    minVersion: 'TLSv1.3',
  });
  const serverSide = new Promise<void>((resolve) => {
    srv.on('secureConnection', (sock) => {
      result.serverSawSan = sock.getPeerCertificate().subjectaltname;
      result.serverSawAuthorized = sock.authorized;
      sock.end('hi');
      resolve();
    });
    srv.on('tlsClientError', (err) => {
      result.serverError = err;
      resolve();
    });
  });
  await new Promise<void>((resolve) => srv.listen(0, client.host, resolve));
  const port = (srv.address() as AddressInfo).port;
  try {
    await new Promise<void>((resolve) => {
      const sock = tls.connect({
        host: client.host,
        port,
        servername: client.servername,
        ca: client.ca,
        cert: client.cert?.certPem,
        key: client.cert?.keyPem,
        rejectUnauthorized: true,
        minVersion: 'TLSv1.3',
      });
      let data = '';
      sock.on('data', (d) => (data += d.toString()));
      sock.on('end', () => {
        result.ok = data === 'hi';
        resolve();
      });
      sock.on('error', (err) => {
        result.clientError = err;
        resolve();
      });
      sock.on('close', () => resolve());
    });
    await Promise.race([serverSide, new Promise((r) => setTimeout(r, 2000))]);
  } finally {
    await new Promise<void>((resolve) => srv.close(() => resolve()));
  }
  return result;
}

describe('createCa', () => {
  it('produces a self-signed P-256 CA with the right extensions', () => {
    expect(ca.certPem.startsWith('-----BEGIN CERTIFICATE-----')).toBe(true);
    expect(ca.keyPem.startsWith('-----BEGIN PRIVATE KEY-----')).toBe(true);
    const c = new X509Certificate(ca.certPem);
    expect(c.ca).toBe(true);
    expect(c.subject).toContain('CN=test cluster CA');
    expect(c.checkIssued(c)).toBe(true);
    expect(c.verify(c.publicKey)).toBe(true);
    expect(c.publicKey.asymmetricKeyType).toBe('ec');
    expect(c.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    // Key matches cert.
    const pub = createPublicKey(createPrivateKey(ca.keyPem)).export({ type: 'spki', format: 'der' });
    expect(pub.equals(c.publicKey.export({ type: 'spki', format: 'der' }))).toBe(true);
    const days = (Date.parse(c.validTo) - Date.parse(c.validFrom)) / 86400000;
    expect(days).toBeGreaterThan(29);
    expect(days).toBeLessThan(31);
  });

  it('rejects bad options', async () => {
    await expect(createCa({ validDays: 0 })).rejects.toThrow(/validDays/);
    await expect(createCa({ commonName: '' })).rejects.toThrow(/commonName/);
  });
});

describe('issueCert', () => {
  it('issues a client cert carrying the tenant identity URI', () => {
    const c = new X509Certificate(client.certPem);
    const cac = new X509Certificate(ca.certPem);
    expect(client.keyPem.startsWith('-----BEGIN PRIVATE KEY-----')).toBe(true);
    expect(c.ca).toBe(false);
    expect(c.subjectAltName).toBe('URI:splitkey://client/acme/app-1');
    expect(c.subject).toContain('CN=splitkey client acme/app-1');
    expect(c.keyUsage).toEqual(['1.3.6.1.5.5.7.3.2']); // EKU clientAuth only
    expect(c.verify(cac.publicKey)).toBe(true);
    expect(c.checkIssued(cac)).toBe(true);
    expect(c.issuer).toBe(cac.subject);
    expect(c.verify(new X509Certificate(otherCa.certPem).publicKey)).toBe(false);
    expect(c.checkIssued(new X509Certificate(otherCa.certPem))).toBe(false);
  });

  it('issues an admin cert', () => {
    const c = new X509Certificate(admin.certPem);
    // Node quotes a SAN value holding a comma (CVE-2021-44532); the parser reads it back.
    expect(c.subjectAltName).toBe('URI:"splitkey://admin/alice?caps=create\\u002crefresh\\u002creshare\\u002cdestroy"');
    expect(sanUris(c.subjectAltName)).toEqual(['splitkey://admin/alice?caps=create,refresh,reshare,destroy']);
    expect(c.keyUsage).toEqual(['1.3.6.1.5.5.7.3.2']);
    expect(c.checkIssued(new X509Certificate(ca.certPem))).toBe(true);
  });

  it('issues a node cert with loopback SANs and server+client EKU', () => {
    const c = new X509Certificate(node1.certPem);
    const san = c.subjectAltName ?? '';
    expect(san.split(', ')[0]).toBe('URI:splitkey://node/1');
    expect(san).toContain('DNS:localhost');
    expect(san).toContain('IP Address:127.0.0.1');
    expect(c.keyUsage?.slice().sort()).toEqual(['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']);
    expect(c.checkHost('localhost')).toBe('localhost');
    expect(c.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(c.checkIP('::1')).toBe('::1');
    expect(c.ca).toBe(false);
  });

  it('honours custom hosts', async () => {
    const n = await issueCert(ca, { role: 'node', index: 65535, hosts: ['node7.internal', '10.0.0.7'] });
    const c = new X509Certificate(n.certPem);
    expect(c.subjectAltName).toBe('URI:splitkey://node/65535, DNS:node7.internal, IP Address:10.0.0.7');
    expect(c.checkHost('localhost')).toBeUndefined();
  });

  it('uses distinct keys and serials per cert', async () => {
    const a = await issueCert(ca, { role: 'client', tenant: 'acme', name: 'app-1' });
    expect(a.keyPem).not.toBe(client.keyPem);
    expect(new X509Certificate(a.certPem).serialNumber).not.toBe(new X509Certificate(client.certPem).serialNumber);
  });

  it('rejects a CA key that does not match the CA cert, and a non-CA issuer', async () => {
    await expect(issueCert({ certPem: ca.certPem, keyPem: otherCa.keyPem }, { role: 'admin', name: 'x' })).rejects.toThrow(
      /does not match/,
    );
    await expect(issueCert(client, { role: 'admin', name: 'x' })).rejects.toThrow(/not a CA/);
  });

  const bad: [CertSpec, RegExp][] = [
    [{ role: 'client', name: 'app' }, /tenant/],
    [{ role: 'client', tenant: 'acme' }, /name/],
    [{ role: 'client', tenant: 'Acme', name: 'app' }, /tenant/],
    [{ role: 'client', tenant: 'acme', name: '-app' }, /name/],
    [{ role: 'client', tenant: 'acme', name: 'a/b' }, /name/],
    [{ role: 'client', tenant: 'acme', name: 'a'.repeat(64) }, /name/],
    [{ role: 'client', tenant: '', name: 'app' }, /tenant/],
    [{ role: 'client', tenant: 'acme', name: 'app', index: 1 }, /index/],
    [{ role: 'admin' }, /name/],
    [{ role: 'admin', name: 'bob', tenant: 'acme' }, /tenant/],
    [{ role: 'node' }, /index/],
    [{ role: 'node', index: 0 }, /index/],
    [{ role: 'node', index: 65536 }, /index/],
    [{ role: 'node', index: 1.5 }, /index/],
    [{ role: 'node', index: '1' as unknown as number }, /index/],
    [{ role: 'node', index: 1, name: 'n' }, /name/],
    [{ role: 'node', index: 1, hosts: ['bad host'] }, /hosts/],
    [{ role: 'node', index: 1, validDays: -1 }, /validDays/],
    [{ role: 'root' as unknown as 'admin', name: 'x' }, /role/],
  ];
  it.each(bad.map(([s, re]) => [JSON.stringify(s), s, re] as const))('rejects spec %s', async (_label, spec, re) => {
    expect(() => identityUri(spec)).toThrow(re);
    await expect(issueCert(ca, spec)).rejects.toThrow(re);
  });
});

describe('identityUri', () => {
  it('formats the three roles', () => {
    expect(identityUri({ role: 'client', tenant: 't1', name: 'svc.a_b-c' })).toBe('splitkey://client/t1/svc.a_b-c');
    expect(identityUri({ role: 'admin', name: 'alice' })).toBe('splitkey://admin/alice?caps=create,refresh,reshare,destroy');
    expect(identityUri({ role: 'node', index: 3 })).toBe('splitkey://node/3');
  });
});

describe('mutual TLS over loopback', () => {
  it('succeeds with a node server cert and a client cert; server sees the URI SAN', async () => {
    const r = await handshake({ cert: node1, ca: ca.certPem }, { cert: client, ca: ca.certPem, host: '127.0.0.1' });
    expect(r.clientError).toBeUndefined();
    expect(r.serverError).toBeUndefined();
    expect(r.ok).toBe(true);
    expect(r.serverSawAuthorized).toBe(true);
    expect(r.serverSawSan).toBe('URI:splitkey://client/acme/app-1');
  });

  it('verifies the server hostname via DNS SAN (localhost)', async () => {
    const r = await handshake({ cert: node1, ca: ca.certPem }, { cert: admin, ca: ca.certPem, host: 'localhost', servername: 'localhost' });
    expect(r.clientError).toBeUndefined();
    expect(r.ok).toBe(true);
    expect(sanUris(r.serverSawSan)).toEqual(['splitkey://admin/alice?caps=create,refresh,reshare,destroy']);
  });

  it('node-to-node: a node cert works as a client cert', async () => {
    const node2 = await issueCert(ca, { role: 'node', index: 2 });
    const r = await handshake({ cert: node1, ca: ca.certPem }, { cert: node2, ca: ca.certPem, host: '127.0.0.1' });
    expect(r.ok).toBe(true);
    expect(r.serverSawSan).toBe('URI:splitkey://node/2, DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1');
  });

  it('rejects a client cert from a different CA', async () => {
    const rogue = await issueCert(otherCa, { role: 'client', tenant: 'acme', name: 'app-1' });
    const r = await handshake({ cert: node1, ca: ca.certPem }, { cert: rogue, ca: ca.certPem, host: '127.0.0.1' });
    expect(r.ok).toBe(false);
    expect(r.serverSawSan).toBeUndefined();
    expect(r.serverError).toBeDefined();
  });

  it('rejects a client without a certificate', async () => {
    const r = await handshake({ cert: node1, ca: ca.certPem }, { ca: ca.certPem, host: '127.0.0.1' });
    expect(r.ok).toBe(false);
    expect(r.serverSawSan).toBeUndefined();
  });

  it('client rejects a server cert from a different CA', async () => {
    const rogueNode = await issueCert(otherCa, { role: 'node', index: 1 });
    const r = await handshake({ cert: rogueNode, ca: ca.certPem }, { cert: client, ca: ca.certPem, host: '127.0.0.1' });
    expect(r.ok).toBe(false);
    expect(r.clientError).toBeDefined();
  });

  it('client rejects a server cert that is not a node cert (no serverAuth EKU)', async () => {
    const r = await handshake({ cert: admin, ca: ca.certPem }, { cert: client, ca: ca.certPem, host: '127.0.0.1' });
    expect(r.ok).toBe(false);
    expect(r.clientError).toBeDefined();
  });

  it('PEMs are accepted by @grpc/grpc-js credentials', () => {
    expect(() =>
      grpc.credentials.createSsl(Buffer.from(ca.certPem), Buffer.from(client.keyPem), Buffer.from(client.certPem)),
    ).not.toThrow();
    expect(() =>
      grpc.ServerCredentials.createSsl(Buffer.from(ca.certPem), [
        { cert_chain: Buffer.from(node1.certPem), private_key: Buffer.from(node1.keyPem) },
      ], true),
    ).not.toThrow();
  });
});

describe('writePemFiles / readPem', () => {
  it('writes cert 0644 and key 0600, round-trips, and tightens on overwrite', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'splitkey-pki-'));
    try {
      const sub = join(dir, 'certs');
      const { certPath, keyPath } = await writePemFiles(sub, 'node-1', node1);
      expect(certPath).toBe(join(sub, 'node-1.crt'));
      expect(keyPath).toBe(join(sub, 'node-1.key'));
      expect((await stat(certPath)).mode & 0o777).toBe(0o644);
      expect((await stat(keyPath)).mode & 0o777).toBe(0o600);
      expect(await readPem(certPath)).toBe(node1.certPem);
      expect(await readPem(keyPath)).toBe(node1.keyPem);
      await writePemFiles(sub, 'node-1', client);
      expect((await stat(keyPath)).mode & 0o777).toBe(0o600);
      expect(await readPem(keyPath)).toBe(client.keyPem);
      await expect(writePemFiles(sub, '../x', node1)).rejects.toThrow(/base/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('admin capabilities as the node reads them (node/auth.ts)', () => {
  it('an admin URI without ?caps= may only read: every change is refused with how to reissue it', async () => {
    const { parseIdentityUri, requireCapability } = await import('../node/auth.js');
    const legacy = parseIdentityUri('splitkey://admin/old');
    expect(legacy).toMatchObject({ role: 'admin', capabilities: [], namesCapabilities: false });
    for (const cap of ['create', 'refresh', 'reshare', 'destroy', 'import'] as const) {
      expect(() => requireCapability(legacy as Parameters<typeof requireCapability>[0], cap)).toThrow(/names no capabilities .* reissue it: splitkey cert issue --role admin --name old --caps/);
    }
    const issued = parseIdentityUri(identityUri({ role: 'admin', name: 'ops' }))!;
    expect(() => requireCapability(issued as Parameters<typeof requireCapability>[0], 'destroy')).not.toThrow();
    // import (knowing a key) is never granted by default, only on purpose.
    expect(() => requireCapability(issued as Parameters<typeof requireCapability>[0], 'import')).toThrow(/lacks the import capability/);
    const importer = parseIdentityUri(identityUri({ role: 'admin', name: 'ops', capabilities: ['import'] }))!;
    expect(() => requireCapability(importer as Parameters<typeof requireCapability>[0], 'import')).not.toThrow();
  });
});

describe('subjectAltName parsing (crypto/san.ts)', () => {
  it('reads plain and JSON-quoted entries, and leaves out what it cannot read', () => {
    expect(parseSubjectAltName('DNS:localhost, IP Address:127.0.0.1, URI:splitkey://node/3')).toEqual([
      { type: 'DNS', value: 'localhost' },
      { type: 'IP Address', value: '127.0.0.1' },
      { type: 'URI', value: 'splitkey://node/3' },
    ]);
    expect(sanUris('URI:"splitkey://admin/a?caps=create\\u002cimport", DNS:x')).toEqual(['splitkey://admin/a?caps=create,import']);
    // A quoted value cannot smuggle a second entry: the separator inside it stays escaped.
    expect(sanUris('URI:"splitkey://admin/a\\u002c URI:splitkey://node/1"')).toEqual(['splitkey://admin/a, URI:splitkey://node/1']);
    expect(parseSubjectAltName('URI:"broken, DNS:y')).toEqual([{ type: 'DNS', value: 'y' }]);
    expect(parseSubjectAltName(undefined)).toEqual([]);
  });
});
