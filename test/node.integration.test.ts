/**
 * The PVKM node over real gRPC + mTLS on port 0 with real LevelDB (issue 3 acceptance):
 * verified answers, the bad-input list as blinded elements, limits, authorization, sealed
 * storage, the audit chain.
 */
import * as grpc from '@grpc/grpc-js';
import { service as healthService } from 'grpc-health-check';
import { Level } from 'level';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdminClient } from '../client/admin.js';
import { NodeChannels, unaryCall } from '../client/channels.js';
import { blind, createSuite, fromHex, loadGroup, verifyPartial } from '../crypto/index.js';
import { verifyAuditLog } from '../node/audit.js';
import { ShareStore } from '../node/store.js';
import { createHash } from 'node:crypto';
import { ConfigError, parseNodeConfig } from '../node/config.js';
import { storeVersionKey } from '../node/store.js';
import type { EvaluateResponse__Output } from '../proto/gen/splitkey/v1/EvaluateResponse.js';
import { badElements } from './helpers/bad-inputs.js';
import { startTestCluster, type TestCluster } from './helpers/cluster.js';
import { rfcSuite } from './helpers/rfc-vectors.js';

const group = await loadGroup('sodium');
const suite = createSuite(group);
const rng = (n: number) => new Uint8Array(n).map(() => Math.floor(Math.random() * 256));
const KEY = 'acme/disks';

let cluster: TestCluster;
let client: NodeChannels;
let admin: AdminClient;

function evaluate(channels: NodeChannels, index: number, req: { keyName: string; keyVersion?: number; blindedElements: Uint8Array[] }) {
  const c = channels.evaluator(index);
  return unaryCall<object, EvaluateResponse__Output>(c.Evaluate.bind(c), { keyVersion: 0, ...req }, channels.callMetadata(), 5000).promise;
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'OK';
  } catch (e) {
    return grpc.status[(e as grpc.ServiceError).code];
  }
}

async function healthOf(index: number): Promise<string> {
  const Health = grpc.makeGenericClientConstructor(healthService, 'Health');
  const address = cluster.descriptor().nodes.find((n) => n.index === index)!.address;
  const pair = await cluster.certFor({ role: 'client', tenant: 'acme', name: 'probe' });
  const c = new Health(address, grpc.credentials.createSsl(Buffer.from(cluster.ca.certPem), Buffer.from(pair.keyPem), Buffer.from(pair.certPem))) as unknown as grpc.Client & {
    check: (req: { service: string }, opts: grpc.CallOptions, cb: (err: Error | null, res: { status: string | number }) => void) => void;
  };
  try {
    const res = await new Promise<{ status: string | number }>((resolve, reject) => c.check({ service: '' }, { deadline: Date.now() + 3000 }, (err, r) => (err ? reject(err) : resolve(r))));
    return String(res.status);
  } finally {
    c.close();
  }
}

beforeAll(async () => {
  cluster = await startTestCluster({ n: 3 });
  client = await cluster.clientChannels('acme');
  admin = new AdminClient(await cluster.adminChannels());
  await admin.importKey(KEY, fromHex(rfcSuite(1).skSm), 2);
});

afterAll(async () => {
  client?.close();
  admin?.close();
  await cluster?.stop();
});

describe('Evaluate', () => {
  for (const size of [1, 1024]) {
    it(`answers a batch of ${size} with a proof that verifies against pk_i`, async () => {
      const info = await (async () => {
        const c = client.evaluator(2);
        return unaryCall<object, { versions: { publicShares: { index: number; publicShare: Uint8Array }[] }[] }>(c.GetKeyInfo.bind(c), { keyName: KEY }, client.callMetadata(), 5000).promise;
      })();
      const pk2 = info.versions[0]!.publicShares.find((p) => p.index === 2)!.publicShare;
      const B = Array.from({ length: size }, (_, i) => blind(suite, new Uint8Array([i & 0xff, i >> 8]), rng).blindedElement);
      const res = await evaluate(client, 2, { keyName: KEY, blindedElements: B });
      expect(res.nodeIndex).toBe(2);
      expect(res.keyVersion).toBe(1);
      expect(res.evaluatedElements).toHaveLength(size);
      expect(() => verifyPartial(suite, new Uint8Array(pk2), B, { index: 2, evaluatedElements: res.evaluatedElements, proof: res.proof })).not.toThrow();
      // The same answer does not verify against another node's public share.
      const pk1 = info.versions[0]!.publicShares.find((p) => p.index === 1)!.publicShare;
      expect(() => verifyPartial(suite, new Uint8Array(pk1), B, { index: 2, evaluatedElements: res.evaluatedElements, proof: res.proof })).toThrow(/node\[2\]/);
    });
  }

  it('answers every bad blinded element with INVALID_ARGUMENT, stays SERVING, writes only audit entries', async () => {
    const node = cluster.nodes[0]!;
    const good = blind(suite, new Uint8Array([1]), rng).blindedElement;
    const before = await node.store.db.keys({ gte: 'v', lt: 'w' }).all();
    for (const bad of badElements) {
      const err = await evaluate(client, 1, { keyName: KEY, blindedElements: [good, bad.bytes] }).catch((e: grpc.ServiceError) => e);
      expect((err as grpc.ServiceError).code, bad.name).toBe(grpc.status.INVALID_ARGUMENT);
      expect((err as grpc.ServiceError).details, bad.name).toMatch(/blindedElements\[1\]/);
    }
    expect(await healthOf(1)).toBe('SERVING');
    await node.flushAudit();
    expect(await node.store.db.keys({ gte: 'v', lt: 'w' }).all()).toEqual(before);
    const audit = await node.store.db.values({ gte: 'audit\x00', lt: 'audit\x00\xff' }).all();
    const invalid = audit.map((v) => JSON.parse(v) as { status: string; action: string }).filter((e) => e.action === 'Evaluate' && e.status === 'INVALID_ARGUMENT');
    expect(invalid.length).toBeGreaterThanOrEqual(badElements.length);
  });

  it('documented codes: empty batch, batch and message over the limit, unknown key, no active version', async () => {
    const B = blind(suite, new Uint8Array([1]), rng).blindedElement;
    expect(await codeOf(evaluate(client, 1, { keyName: KEY, blindedElements: [] }))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(evaluate(client, 1, { keyName: KEY, blindedElements: new Array(1025).fill(B) }))).toBe('RESOURCE_EXHAUSTED');
    expect(await codeOf(evaluate(client, 1, { keyName: KEY, blindedElements: [new Uint8Array(70 * 1024)] }))).toBe('RESOURCE_EXHAUSTED');
    expect(await codeOf(evaluate(client, 1, { keyName: 'acme/none', blindedElements: [B] }))).toBe('NOT_FOUND');
    expect(await codeOf(evaluate(client, 1, { keyName: KEY, keyVersion: 9, blindedElements: [B] }))).toBe('NOT_FOUND');
    expect(await codeOf(evaluate(client, 1, { keyName: 'not a name', blindedElements: [B] }))).toBe('INVALID_ARGUMENT');
  });
});

describe('authorization', () => {
  it("tenant a cannot evaluate b's keys; a client cannot call Admin; no certificate is refused", async () => {
    const other = await cluster.clientChannels('other');
    const B = blind(suite, new Uint8Array([1]), rng).blindedElement;
    expect(await codeOf(evaluate(other, 1, { keyName: KEY, blindedElements: [B] }))).toBe('PERMISSION_DENIED');
    const asClient = new AdminClient(client);
    expect(await codeOf(asClient.listKeys(1))).toBe('PERMISSION_DENIED');
    const adminAsEvaluator = admin.channels;
    expect(await codeOf(evaluate(adminAsEvaluator, 1, { keyName: KEY, blindedElements: [B] }))).toBe('PERMISSION_DENIED');
    other.close();

    const address = cluster.descriptor().nodes[0]!.address;
    const Ctor = (await import('../proto/load.js')).loadSplitkeyProto().splitkey.v1.Evaluator;
    const noCert = new Ctor(address, grpc.credentials.createSsl(Buffer.from(cluster.ca.certPem)));
    const code = await codeOf(unaryCall<object, unknown>(noCert.Evaluate.bind(noCert), { keyName: KEY, blindedElements: [B] }, new grpc.Metadata(), 3000).promise);
    expect(code).toBe('UNAVAILABLE');
    noCert.close();
  });

  it('plaintext mode refuses a non-loopback bind, and TLS is required otherwise', () => {
    const base = { index: 1, dataDir: 'd', seal: { keyEnv: 'X' } };
    expect(() => parseNodeConfig({ ...base, listen: '0.0.0.0:7000', insecureLoopback: true }, '/tmp')).toThrow(ConfigError);
    expect(() => parseNodeConfig({ ...base, listen: '10.1.2.3:7000', insecureLoopback: true }, '/tmp')).toThrow(/only on 127.0.0.1 or ::1/);
    expect(() => parseNodeConfig({ ...base, listen: '127.0.0.1:7000' }, '/tmp')).toThrow(/tls/);
    expect(parseNodeConfig({ ...base, listen: '[::1]:7000', insecureLoopback: true }, '/tmp').insecureLoopback).toBe(true);
  });
});

describe('sealed share store', () => {
  it('keeps shares across a restart', async () => {
    const B = [blind(suite, new Uint8Array([7]), rng).blindedElement];
    const before = await evaluate(client, 3, { keyName: KEY, blindedElements: B });
    await cluster.stopNode(3);
    await cluster.start(3);
    const after = await evaluate(client, 3, { keyName: KEY, blindedElements: B });
    expect(Buffer.from(after.evaluatedElements[0]!).toString('hex')).toBe(Buffer.from(before.evaluatedElements[0]!).toString('hex'));
  });

  it('detects a flipped byte in a sealed share and a share moved to another slot; other keys keep serving', async () => {
    await admin.importKey('acme/other', fromHex(rfcSuite(0).skSm), 2);
    const config = cluster.configs[2]!;
    await cluster.stopNode(3);
    const db = new Level<string, string>(config.dataDir, { valueEncoding: 'utf8' });
    const k1 = storeVersionKey(KEY, 1);
    const k2 = storeVersionKey('acme/other', 1);
    const r1 = JSON.parse(await db.get(k1) as string) as { sealedShare: string };
    const r2 = JSON.parse(await db.get(k2) as string) as { sealedShare: string };
    const flipped = Buffer.from(r1.sealedShare, 'base64');
    flipped[20]! ^= 0x01;
    await db.put(k1, JSON.stringify({ ...r1, sealedShare: flipped.toString('base64') }));
    await db.put(k2, JSON.stringify({ ...r2, sealedShare: r1.sealedShare })); // moved from KEY's slot
    await db.close();

    const node = await cluster.start(3);
    expect(node.store.counts().unavailable.sort()).toEqual(['acme/disks@1', 'acme/other@1']);
    const B = [blind(suite, new Uint8Array([1]), rng).blindedElement];
    const err = (await evaluate(client, 3, { keyName: KEY, blindedElements: B }).catch((e) => e)) as grpc.ServiceError;
    expect(err.code).toBe(grpc.status.FAILED_PRECONDITION);
    expect(err.details).toMatch(/unavailable on this node: sealed share does not open/);
    expect(await codeOf(evaluate(client, 3, { keyName: 'acme/other', blindedElements: B }))).toBe('FAILED_PRECONDITION');
    expect(await healthOf(3)).toBe('SERVING');
  });
});

describe('audit log', () => {
  it('verifies, and reports an edited or deleted entry', async () => {
    const config = cluster.configs[1]!;
    await cluster.stopNode(2);
    const db = new Level<string, string>(config.dataDir, { valueEncoding: 'utf8' });
    await db.open();
    const key = await ShareStore.auditKeyOf(db, config.seal);
    const ok = await verifyAuditLog(db, key);
    expect(ok).toMatchObject({ ok: true, keyed: true });
    expect(ok.entries).toBeGreaterThan(3);
    await expect(verifyAuditLog(db)).rejects.toThrow(/keyed with the seal key/);
    const keys = await db.keys({ gte: 'audit\x00', lt: 'audit\x00\xff' }).all();
    const third = keys[2]!;
    const original = (await db.get(third)) as string;
    await db.put(third, original.replace(/"status":"[A-Z_]+"/, '"status":"FORGED"'));
    expect(await verifyAuditLog(db, key)).toMatchObject({ ok: false, firstBroken: { seq: 3, reason: expect.stringMatching(/modified/) } });
    // Whoever can write the disk but lacks the seal key cannot recompute the chain (the unkeyed
    // SHA-256 chain of before could be): rewrite entry 3 onwards and the head with SHA-256.
    let prev = JSON.parse(original).prev as string;
    for (const k of keys.slice(2)) {
      const entry = JSON.parse(k === third ? original.replace(/"status":"[A-Z_]+"/, '"status":"FORGED"') : ((await db.get(k)) as string));
      const { hash: _old, ...body } = { ...entry, prev };
      const hash = createHash('sha256').update(Buffer.from(prev, 'hex')).update(JSON.stringify(body, Object.keys(body).sort())).digest('hex');
      await db.put(k, JSON.stringify({ ...body, hash }));
      prev = hash;
    }
    await db.put('meta\x00audit-head', JSON.stringify({ seq: keys.length, hash: prev, mac: 'hmac-sha256' }));
    expect(await verifyAuditLog(db, key)).toMatchObject({ ok: false, firstBroken: { seq: 3, reason: expect.stringMatching(/MAC mismatch/) } });
    await db.close();
  });

  it('keeps the details of lifecycle actions (session, kind) in the keyed chain', async () => {
    const config = cluster.configs[0]!;
    await cluster.stopNode(1);
    const db = new Level<string, string>(config.dataDir, { valueEncoding: 'utf8' });
    await db.open();
    try {
      const entries = (await db.values({ gte: 'audit\x00', lt: 'audit\x00\xff' }).all()).map((v) => JSON.parse(v) as { action: string; detail?: string });
      const withDetail = entries.filter((e) => e.detail);
      expect(withDetail.length).toBeGreaterThan(0);
    } finally {
      await db.close();
      await cluster.start(1);
    }
  });
});
