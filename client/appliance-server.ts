/**
 * The appliance as a service (DESIGN.md § "What is protected"): the gRPC `Appliance` service
 * (proto/splitkey/v1/appliance.proto) over Unix sockets, backed by one warm SplitkeyClient that
 * holds the unsealed master half and coalesces concurrent requests.
 *
 * Who is calling. Node cannot read SO_PEERCRED, so the kernel's own permission check is used
 * instead: every allowed uid gets its own socket, `DIR/uid-<uid>/appliance.sock`, in a directory
 * owned by that uid with mode 0700 (DIR itself 0711: traversable, not listable). Only that uid
 * (and root) can reach the socket — any other uid gets EACCES at connect() — so a call arriving
 * on a socket is a call from that uid, and is audited as such. A uid not on the allow-list has
 * no socket at all.
 *
 * Volume sockets (for systemd-cryptsetup, which reads a keyfile from an AF_UNIX socket when the
 * crypttab key path is one): `DIR/volumes/<name>.sock`, root only (0600 in a 0700 directory).
 * A connection gets the raw 32-byte key of that volume's splitkey token (checked against its
 * keyslot first) and end-of-stream; on any failure the connection is closed with nothing written,
 * and the error is audited.
 * @module
 */
import { chmod, chown, lstat, mkdir, rename, rm } from 'node:fs/promises';
import { createServer, type Server as NetServer } from 'node:net';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { HealthImplementation } from 'grpc-health-check';
import { EnvelopeError, openAll, sealAll, decodeHeader } from '../crypto/envelope.js';
import { constantTimeEqual, systemRng, utf8 } from '../crypto/bytes.js';
import { loadApplianceProto } from '../proto/load.js';
import type { ApplianceHandlers } from '../proto/gen/splitkey/v1/Appliance.js';
import { nodeAesGcm } from './aead-node.js';
import type { SplitkeyClient } from './client.js';
import { KeyError, ThresholdError } from './errors.js';

/** Largest blob Encrypt/Decrypt accept: larger data belongs in `splitkey encrypt` or GenerateDataKey. */
export const MAX_BLOB = 1024 * 1024;

export interface AuditEntry {
  time: string;
  uid: number;
  method: string;
  keyName?: string;
  keyVersion?: number;
  count?: number;
  ok: boolean;
  error?: string;
}

export interface ApplianceServerOptions {
  /** Parent directory of the per-uid socket directories (created 0711). */
  socketDir: string;
  /** Uids allowed to call; each gets DIR/uid-<uid>/appliance.sock. */
  allowUids: number[];
  /** Called for every call (the CLI writes JSON lines). */
  audit?: (entry: AuditEntry) => void;
  /** Volume key sockets DIR/volumes/<name>.sock for systemd-cryptsetup (root only). */
  volumes?: { name: string; device: string }[];
  /**
   * The keys each uid may use: exact names (`demo/app`) or a tenant's every key (`demo/*`). A uid
   * not listed here may use every key the appliance's certificate reaches.
   */
  keysByUid?: ReadonlyMap<number, readonly string[]>;
}

/** Resource ids of volume keys (client/volume.ts defaultVolumeResource): only the volume sockets hand them out. */
const VOLUME_RESOURCE_PREFIX = utf8('luks/');

/** Whether `keyName` matches one of `patterns` (exact, or `tenant/*` for every key of the tenant). */
export function keyAllowed(keyName: string, patterns: readonly string[]): boolean {
  return patterns.some((p) => (p.endsWith('/*') ? keyName.startsWith(p.slice(0, -1)) : keyName === p));
}

/**
 * A uid socket's call may use `keyName` for `resourceId`: the key is one the uid was given
 * (`keysByUid`), and the resource is not a volume's (their keys unlock disks that only root's
 * volume sockets serve; any uid could otherwise ask for `luks/<the public UUID>`).
 */
function authorize(uid: number, keys: readonly string[] | undefined, keyName: string, resourceIds: readonly Uint8Array[], volumes: readonly { keyName: string; resourceId: Uint8Array }[]): void {
  if (keys && !keyAllowed(keyName, keys)) {
    throw new PermissionError(`uid ${uid} may not use key ${keyName} (the appliance allows it ${keys.join(', ')})`);
  }
  for (const id of resourceIds) {
    const served = volumes.some((v) => v.keyName === keyName && constantTimeEqual(v.resourceId, id));
    if (served || constantTimeEqual(id.subarray(0, VOLUME_RESOURCE_PREFIX.length), VOLUME_RESOURCE_PREFIX)) {
      throw new PermissionError('resource ids beginning with "luks/", and those of the volumes this appliance serves, are volume keys: only the appliance\'s volume sockets (--volume) hand them out');
    }
  }
}

/** A call the uid is not allowed (mapped to PERMISSION_DENIED). */
class PermissionError extends Error {
  override readonly name = 'PermissionError';
}

/**
 * `dir` must be a real directory (not a symlink) owned by this process's user or root, writable by
 * no one else: otherwise its owner could swap the entries the appliance creates in it.
 */
async function checkOwnDirectory(dir: string): Promise<void> {
  const st = await lstat(dir);
  const me = process.getuid?.() ?? 0;
  if (!st.isDirectory() || (st.uid !== me && st.uid !== 0) || (st.mode & 0o022) !== 0) {
    throw new Error(
      `${dir} must be a directory owned by ${me === 0 ? 'root' : `uid ${me} or root`} that no one else may write (it is ${st.isSymbolicLink() ? 'a symlink' : st.isDirectory() ? 'a directory' : 'not a directory'} of uid ${st.uid}, mode ${(st.mode & 0o777).toString(8)}): remove it or prepare it so`,
    );
  }
}

/** Path of the socket of `uid`. */
export const socketPathFor = (socketDir: string, uid: number): string => join(socketDir, `uid-${uid}`, 'appliance.sock');

/** The gRPC status an Appliance caller gets for a failure of the library (exported for its tests). */
export function statusOf(e: unknown): grpc.status {
  if (e instanceof PermissionError) return grpc.status.PERMISSION_DENIED;
  if (e instanceof KeyError) return e.code === 'KEY_NOT_FOUND' ? grpc.status.NOT_FOUND : grpc.status.FAILED_PRECONDITION;
  if (e instanceof ThresholdError) {
    // Every node refusing the caller's tenant is an answer, not an outage.
    const asked = e.failures.filter((f) => f.reason !== 'not asked');
    if (asked.length > 0 && asked.every((f) => f.reason === 'permission denied')) return grpc.status.PERMISSION_DENIED;
    if (asked.length > 0 && asked.every((f) => f.reason === 'not found')) return grpc.status.NOT_FOUND;
    // Every node refusing for a limit (rate, full queue, spent query budget, batch over the burst),
    // after the library's own waits: not an outage either, and not for a caller's blind retry
    // (gRPC retry policies retry UNAVAILABLE); the message says which limit.
    if (asked.length > 0 && asked.every((f) => f.reason === 'rate limited')) return grpc.status.RESOURCE_EXHAUSTED;
    return grpc.status.UNAVAILABLE;
  }
  if (e instanceof TypeError || e instanceof RangeError || e instanceof EnvelopeError) return grpc.status.INVALID_ARGUMENT;
  if (e instanceof Error && /tenant|permission/i.test(e.message)) return grpc.status.PERMISSION_DENIED;
  return grpc.status.INTERNAL;
}

const bytes = (b: Uint8Array | Buffer | undefined): Uint8Array => (b ? new Uint8Array(b) : new Uint8Array(0));

export class ApplianceServer {
  private readonly servers: grpc.Server[] = [];
  private readonly health: HealthImplementation[] = [];
  private readonly volumeServers: NetServer[] = [];
  /** Key name and resource id of each served volume (read from its token at start). */
  private volumeResources: { keyName: string; resourceId: Uint8Array }[] = [];

  constructor(
    private client: SplitkeyClient,
    private readonly opts: ApplianceServerOptions,
  ) {}

  /** Swap in a new client (a reloaded master half); the old one is closed once idle. */
  async replaceClient(next: SplitkeyClient): Promise<void> {
    const old = this.client;
    this.client = next;
    await old.close();
  }

  private handlers(uid: number): ApplianceHandlers {
    const audit = (entry: Omit<AuditEntry, 'time' | 'uid'>) => this.opts.audit?.({ time: new Date().toISOString(), uid, ...entry });
    const unary =
      <Req, Res>(method: string, run: (req: Req) => Promise<{ res: Res; keyName?: string; keyVersion?: number; count?: number }>) =>
      (call: grpc.ServerUnaryCall<Req, Res>, callback: grpc.sendUnaryData<Res>) => {
        run(call.request).then(
          ({ res, ...what }) => {
            audit({ method, ...what, ok: true });
            callback(null, res);
          },
          (e: unknown) => {
            const message = e instanceof Error ? e.message : String(e);
            audit({ method, keyName: (call.request as { keyName?: string }).keyName, ok: false, error: message });
            callback({ code: statusOf(e), details: message });
          },
        );
      };
    const keys = this.opts.keysByUid?.get(uid);
    return {
      DeriveKey: unary('DeriveKey', async (req) => {
        authorize(uid, keys, req.keyName, [bytes(req.resourceId)], this.volumeResources);
        const { key, version } = await this.client.deriveKey(req.keyName, bytes(req.resourceId), { version: req.keyVersion });
        return { res: { key: Buffer.from(key), keyVersion: version }, keyName: req.keyName, keyVersion: version, count: 1 };
      }),
      DeriveKeys: unary('DeriveKeys', async (req) => {
        if (req.resourceIds.length === 0) throw new RangeError('resource_ids is empty: give at least one resource id');
        const ids = req.resourceIds.map(bytes);
        authorize(uid, keys, req.keyName, ids, this.volumeResources);
        const derived = await this.client.deriveKeys(req.keyName, ids, { version: req.keyVersion });
        const version = derived[0]!.version;
        return { res: { keys: derived.map((k) => Buffer.from(k.key)), keyVersion: version }, keyName: req.keyName, keyVersion: version, count: derived.length };
      }),
      Encrypt: unary('Encrypt', async (req) => {
        if (req.plaintext.length > MAX_BLOB) throw new RangeError(`plaintext is ${req.plaintext.length} bytes, more than ${MAX_BLOB}: use GenerateDataKey or splitkey encrypt for large data`);
        const resourceId = bytes(req.resourceId);
        authorize(uid, keys, req.keyName, [resourceId], this.volumeResources);
        const { key, version } = await this.client.deriveKey(req.keyName, resourceId);
        try {
          const envelope = sealAll({ keyName: req.keyName, keyVersion: version, resourceId }, key, bytes(req.plaintext), nodeAesGcm, systemRng);
          return { res: { envelope: Buffer.from(envelope), keyVersion: version }, keyName: req.keyName, keyVersion: version, count: 1 };
        } finally {
          key.fill(0);
        }
      }),
      Decrypt: unary('Decrypt', async (req) => {
        if (req.envelope.length > MAX_BLOB + 65536) throw new RangeError(`envelope is ${req.envelope.length} bytes: Decrypt takes small envelopes only; use splitkey decrypt for files`);
        const envelope = bytes(req.envelope);
        const { header } = decodeHeader(envelope);
        authorize(uid, keys, header.keyName, [header.resourceId], this.volumeResources);
        const { key } = await this.client.deriveKey(header.keyName, header.resourceId, { version: header.keyVersion });
        try {
          const plaintext = openAll(envelope, key, nodeAesGcm);
          return {
            res: { plaintext: Buffer.from(plaintext), keyName: header.keyName, keyVersion: header.keyVersion, resourceId: Buffer.from(header.resourceId) },
            keyName: header.keyName,
            keyVersion: header.keyVersion,
            count: 1,
          };
        } finally {
          key.fill(0);
        }
      }),
      GenerateDataKey: unary('GenerateDataKey', async (req) => {
        const resourceId = bytes(req.resourceId);
        authorize(uid, keys, req.keyName, [resourceId], this.volumeResources);
        const { key, version } = await this.client.deriveKey(req.keyName, resourceId);
        const dataKey = systemRng(32);
        try {
          const wrapped = sealAll({ keyName: req.keyName, keyVersion: version, resourceId }, key, dataKey, nodeAesGcm, systemRng);
          return { res: { plaintext: Buffer.from(dataKey), wrapped: Buffer.from(wrapped), keyVersion: version }, keyName: req.keyName, keyVersion: version, count: 1 };
        } finally {
          key.fill(0);
          dataKey.fill(0);
        }
      }),
    };
  }

  /**
   * Prepare DIR/uid-<uid>/ (owner uid, 0700) for every allowed uid and bind its socket.
   *
   * Nothing is chowned or chmodded by path inside a directory a caller owns: both follow symlinks,
   * and a uid that swapped its appliance.sock for a symlink between bind and chown had root chown
   * any file to it. Each socket is bound in DIR/.staging (root's, 0700), given its owner and mode
   * there, and renamed into the uid's directory (rename replaces a planted entry, never follows it).
   */
  async start(): Promise<string[]> {
    const proto = loadApplianceProto();
    await mkdir(this.opts.socketDir, { recursive: true, mode: 0o711 });
    await checkOwnDirectory(this.opts.socketDir);
    await chmod(this.opts.socketDir, 0o711);
    const staging = join(this.opts.socketDir, '.staging');
    await mkdir(staging, { recursive: true, mode: 0o700 });
    await checkOwnDirectory(staging);
    await chmod(staging, 0o700);
    const paths: string[] = [];
    // The served volumes' own (key, resource) pairs are kept off the uid sockets whatever the id
    // (`volume format --resource` may choose one without "luks/"). A device whose token cannot be
    // read now is left out: its volume socket fails the same way.
    if (this.opts.volumes?.length) {
      const { volumeResource } = await import('./volume.js');
      const found = await Promise.all(this.opts.volumes.map((v) => volumeResource(v.device).catch(() => undefined)));
      this.volumeResources = found.filter((v) => v !== undefined).map((v) => ({ keyName: v.keyName, resourceId: utf8(v.resourceId) }));
    }
    for (const uid of this.opts.allowUids) {
      if (!Number.isInteger(uid) || uid < 0) throw new RangeError(`--allow-uid: expected non-negative integer uids, got ${uid}`);
      const dir = join(this.opts.socketDir, `uid-${uid}`);
      await mkdir(dir, { recursive: true, mode: 0o700 });
      if (process.getuid?.() === 0) await chown(dir, uid, -1);
      await chmod(dir, 0o700);
      const st = await lstat(dir);
      if (!st.isDirectory() || st.uid !== uid || (st.mode & 0o077) !== 0) {
        throw new Error(`${dir} must be a directory owned by uid ${uid} with mode 0700 (it is uid ${st.uid}, mode ${(st.mode & 0o777).toString(8)}): run the appliance as root or prepare it so`);
      }
      const path = socketPathFor(this.opts.socketDir, uid);
      const staged = join(staging, `uid-${uid}.sock`);
      await rm(staged, { force: true }); // a socket left by a previous run
      const server = new grpc.Server();
      server.addService(proto.splitkey.v1.Appliance.service, this.handlers(uid));
      const health = new HealthImplementation({ '': 'NOT_SERVING', 'splitkey.v1.Appliance': 'NOT_SERVING' });
      health.addToServer(server);
      await new Promise<void>((resolve, reject) => server.bindAsync(`unix://${staged}`, grpc.ServerCredentials.createInsecure(), (err) => (err ? reject(err) : resolve())));
      // The directory is the gate; the socket itself must be writable by its uid to connect.
      if (process.getuid?.() === 0) await chown(staged, uid, -1);
      await chmod(staged, 0o600);
      try {
        await rename(staged, path);
      } catch {
        // Something the uid planted at its socket's path (a directory: EISDIR) must not keep the
        // appliance from starting: its directory is moved aside (DIR is root's), made anew, and
        // the socket renamed in again.
        await rename(dir, join(staging, `uid-${uid}.moved-${Date.now()}`));
        await mkdir(dir, { mode: 0o700 });
        if (process.getuid?.() === 0) await chown(dir, uid, -1);
        await chmod(dir, 0o700);
        await rename(staged, path);
      }
      health.setStatus('', 'SERVING');
      health.setStatus('splitkey.v1.Appliance', 'SERVING');
      this.servers.push(server);
      this.health.push(health);
      paths.push(path);
    }
    if (this.opts.volumes?.length) {
      const vdir = join(this.opts.socketDir, 'volumes');
      await mkdir(vdir, { recursive: true, mode: 0o700 });
      await checkOwnDirectory(vdir);
      await chmod(vdir, 0o700);
      for (const { name, device } of this.opts.volumes) {
        if (!/^[A-Za-z0-9_.-]+$/.test(name)) throw new RangeError(`--volume: the name "${name}" may use only letters, digits, '.', '_' and '-'`);
        const path = join(vdir, `${name}.sock`);
        await rm(path, { force: true });
        const server = createServer((socket) => {
          socket.on('error', () => undefined);
          const started = { time: new Date().toISOString(), uid: 0, method: `VolumeKey:${name}` };
          import('./volume.js')
            .then(({ unlockKey }) => unlockKey(this.client, device))
            .then(
              ({ key, token }) => {
                this.opts.audit?.({ ...started, keyName: token.key_name, keyVersion: token.key_version, count: 1, ok: true });
                socket.end(Buffer.from(key), () => key.fill(0));
              },
              (e: unknown) => {
                // Audit lines never carry resource ids: WRONG_KEY's message names the token's.
                const error = (e as { code?: string }).code === 'WRONG_KEY' ? "WRONG_KEY: the derived key does not unlock the token's keyslot (the token was altered, or the master half, tenant or cluster differs)" : e instanceof Error ? e.message : String(e);
                this.opts.audit?.({ ...started, ok: false, error });
                socket.destroy();
              },
            );
        });
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject);
          server.listen(path, () => resolve());
        });
        await chmod(path, 0o600);
        this.volumeServers.push(server);
        paths.push(path);
      }
    }
    return paths;
  }

  /** NOT_SERVING, drain for up to `graceMs`, then force. */
  async stop(graceMs = 2000): Promise<void> {
    for (const h of this.health) {
      h.setStatus('', 'NOT_SERVING');
      h.setStatus('splitkey.v1.Appliance', 'NOT_SERVING');
    }
    await Promise.all(
      this.servers.map(
        (s) =>
          new Promise<void>((resolve) => {
            const force = setTimeout(() => {
              s.forceShutdown();
              resolve();
            }, graceMs);
            force.unref();
            s.tryShutdown(() => {
              clearTimeout(force);
              resolve();
            });
          }),
      ),
    );
    await Promise.all(this.volumeServers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    await this.client.close();
  }
}
