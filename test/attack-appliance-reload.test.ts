/**
 * Adversarial review: SIGHUP reload (ApplianceServer.replaceClient) while calls are in flight.
 *
 * replaceClient() swaps the client and immediately calls old.close(), which zeroes the old
 * client's master half (`this.master?.fill(0)`) while DeriveKey / Encrypt / GenerateDataKey calls
 * that already passed `requireMaster()` are still waiting for the cluster. When their evaluation
 * completes they derive HKDF(0^32 ‖ oprfOut, …): a key that does not depend on the master half at
 * all (the cluster operator alone can compute it) and that the appliance will never derive again
 * (data sealed under it is lost).
 *
 * Real 2-of-3 dev cluster (node processes), real appliance server on a Unix socket, real gRPC
 * caller. Runs as root.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminFrom } from '../cli/context.js';
import { DevCluster } from '../cli/dev-cluster.js';
import type { AdminClient } from '../client/admin.js';
import { ApplianceServer, socketPathFor } from '../client/appliance-server.js';
import { connect, type SplitkeyClient } from '../client/client.js';
import { KeyManager } from '../client/key-manager.js';
import { PROTO_OPTIONS, protoDir } from '../proto/load.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { concatBytes, utf8 } from '../crypto/bytes.js';
import { resourceKeyInfo } from '../crypto/resource-key.js';
import type { ProtoGrpcType } from '../proto/gen/appliance.js';
import type { ApplianceClient } from '../proto/gen/splitkey/v1/Appliance.js';
import type { DeriveKeyResponse__Output } from '../proto/gen/splitkey/v1/DeriveKeyResponse.js';
import type { EncryptResponse__Output } from '../proto/gen/splitkey/v1/EncryptResponse.js';

const IS_ROOT = process.getuid?.() === 0;

let dir: string;
let cluster: DevCluster;
let admin: AdminClient;
let reference: SplitkeyClient;
let server: ApplianceServer;
let socketDir: string;

const mkClient = () =>
  connect({
    cluster: cluster.env.SPLITKEY_CLUSTER,
    ca: cluster.env.SPLITKEY_CA,
    cert: cluster.env.SPLITKEY_CERT,
    key: cluster.env.SPLITKEY_KEY,
    master: cluster.env.SPLITKEY_MASTER,
    masterUnlock: { key: Buffer.from(cluster.env.SPLITKEY_MASTER_KEY!, 'hex') },
  });

beforeAll(async () => {
  if (!IS_ROOT) return;
  dir = await mkdtemp(join(tmpdir(), 'splitkey-attack-reload-'));
  cluster = await DevCluster.create({ dir: join(dir, 'cluster'), nodes: 3, threshold: 2 });
  await cluster.start();
  admin = await adminFrom({ cluster: cluster.env.SPLITKEY_CLUSTER, ca: cluster.env.SPLITKEY_CA, adminCert: cluster.env.SPLITKEY_ADMIN_CERT, adminKey: cluster.env.SPLITKEY_ADMIN_KEY });
  await (await KeyManager.create(admin)).createKey('demo/app', 2);
  reference = await mkClient();
  socketDir = join(dir, 'run');
  server = new ApplianceServer(await mkClient(), { socketDir, allowUids: [0] });
  await server.start();
}, 60_000);

afterAll(async () => {
  await server?.stop(500);
  await reference?.close();
  admin?.close();
  await cluster?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe.skipIf(!IS_ROOT)('attack: reload (SIGHUP) with calls in flight', () => {
  it('every key handed out across a reload is the real resource key (never one derived from a zeroed master half)', async () => {
    const def = protoLoader.loadSync(join(protoDir(), 'splitkey', 'v1', 'appliance.proto'), { ...PROTO_OPTIONS, includeDirs: [protoDir()] });
    const proto = grpc.loadPackageDefinition(def) as unknown as ProtoGrpcType;
    const c = new proto.splitkey.v1.Appliance(`unix://${resolve(socketPathFor(socketDir, 0))}`, grpc.credentials.createInsecure()) as ApplianceClient;
    const p = <Res>(f: (cb: grpc.requestCallback<Res>) => void) => new Promise<Res>((res, rej) => f((e, r) => (e ? rej(e) : res(r!))));
    const opts = () => ({ deadline: Date.now() + 20_000 });
    const wrong: string[] = [];
    const failed: string[] = [];
    try {
      // warm up
      await p<DeriveKeyResponse__Output>((cb) => c.DeriveKey({ keyName: 'demo/app', resourceId: Buffer.from('warm') }, opts(), cb));
      for (let round = 0; round < 6; round++) {
        const ids = Array.from({ length: 24 }, (_, i) => `r${round}-${i}`);
        const derives = ids.map((id) =>
          p<DeriveKeyResponse__Output>((cb) => c.DeriveKey({ keyName: 'demo/app', resourceId: Buffer.from(id) }, opts(), cb)).then(
            (r) => ({ id, key: Buffer.from(r.key) }),
            (e: unknown) => ({ id, error: String(e) }),
          ),
        );
        const encs = ids.slice(0, 8).map((id) =>
          p<EncryptResponse__Output>((cb) => c.Encrypt({ keyName: 'demo/app', resourceId: Buffer.from(`enc-${id}`), plaintext: Buffer.from('precious data') }, opts(), cb)).then(
            (r) => ({ id, envelope: Buffer.from(r.envelope) }),
            (e: unknown) => ({ id, error: String(e) }),
          ),
        );
        // SIGHUP arrives while those calls are waiting for the cluster.
        await new Promise((r) => setTimeout(r, 2 + round * 3));
        await server.replaceClient(await mkClient());
        for (const r of await Promise.all(derives)) {
          if ('error' in r) {
            failed.push(`${r.id}: ${r.error}`);
            continue;
          }
          const expected = Buffer.from((await reference.deriveKey('demo/app', r.id)).key);
          if (!expected.equals(r.key)) {
            // Is it the key of an all-zero master half? (computable by whoever runs the cluster)
            // (deriveResourceKey refuses an all-zero master half now: the HKDF is computed by hand.)
            const oprf = await reference.oprf('demo/app', Buffer.from(r.id));
            const zeroKey = Buffer.from(hkdf(sha256, concatBytes(new Uint8Array(32), oprf), utf8('splitkey/v1/resource-key'), resourceKeyInfo('demo/app', 1, new Uint8Array(Buffer.from(r.id))), 32));
            wrong.push(`DeriveKey ${r.id}${zeroKey.equals(r.key) ? ' = HKDF(zero master ‖ oprf)' : ''}`);
          }
        }
        for (const r of await Promise.all(encs)) {
          if ('error' in r) {
            failed.push(`enc ${r.id}: ${r.error}`);
            continue;
          }
          const out = await p<{ plaintext: Buffer }>((cb) => c.Decrypt({ envelope: r.envelope }, opts(), cb)).catch((e: unknown) => ({ error: String(e) }));
          if ('error' in out) wrong.push(`Encrypt ${r.id} (envelope no longer opens: ${out.error})`);
        }
      }
    } finally {
      c.close();
    }
    console.log(`reload attack: ${wrong.length} wrong keys/undecryptable envelopes, ${failed.length} failed calls`, wrong.slice(0, 5), failed.slice(0, 3));
    expect(wrong).toEqual([]);
    expect(failed).toEqual([]);
  }, 120_000);

  it('close() twice with a derivation in flight (a stop during a reload): both resolve once it is done', async () => {
    const c = await mkClient();
    const inflight = c.deriveKey('demo/app', 'twice');
    const first = c.close();
    const second = c.close();
    expect(second).toBe(first);
    const { key } = await inflight;
    expect(Buffer.from(key).equals(Buffer.from((await reference.deriveKey('demo/app', 'twice')).key))).toBe(true);
    await Promise.race([first, new Promise((_, reject) => setTimeout(() => reject(new Error('close() still pending after 5 s')), 5000))]);
    await expect(c.deriveKey('demo/app', 'after')).rejects.toThrow(/the client is closed/);
  }, 30_000);
});
