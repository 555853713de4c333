/**
 * The appliance library's front: `connect()` and the `SplitkeyClient` it returns.
 *
 *   const c = await connect();                       // from SPLITKEY_* environment variables
 *   await c.oprf('acme/disks', input);                // 64-byte RFC 9497 VOPRF output
 *   await c.deriveKey('acme/disks', 'vol-42');        // { key: 32 bytes, version }
 *   await c.deriveKeys('acme/disks', ['a', 'b']);     // batched
 *   await c.close();
 *
 * Concurrent single calls within `coalesceWindowMs` are coalesced into batched requests per key
 * version (at most `coalesceBatch` elements each).
 */
import { checkKeyName, checkResourceId, deriveResourceKey, utf8 } from '../crypto/index.js';
import { NodeChannels, readTlsFiles, type Credentials } from './channels.js';
import { loadDescriptor, parseDescriptor, type ClusterDescriptor } from './descriptor.js';
import { ConfigError, KeyError, type NodeFailure } from './errors.js';
import { DEFAULT_EVALUATE_OPTIONS, ThresholdEvaluator, type EvaluateOptions, type VerifiedKey } from './evaluate.js';
import { decryptFile, encryptFile, readRange, rewrapFile, type DecryptResult, type EncryptResult } from './file.js';
import { loadMaster, unlockFromEnv } from './master.js';

export interface ConnectOptions extends Partial<EvaluateOptions> {
  /** Cluster descriptor: a path to cluster.json or the object. Default: $SPLITKEY_CLUSTER. */
  cluster?: string | ClusterDescriptor;
  /** PEM files of the cluster CA and this appliance's client certificate. Default: $SPLITKEY_CA, $SPLITKEY_CERT, $SPLITKEY_KEY. */
  ca?: string;
  cert?: string;
  key?: string;
  /** Development clusters on loopback only: plaintext, with this identity URI instead of a certificate. */
  insecureIdentity?: string;
  /**
   * The master half: raw 32 bytes, or the path of a sealed master file (default $SPLITKEY_MASTER),
   * unlocked with `masterUnlock` or $SPLITKEY_MASTER_PASSPHRASE / $SPLITKEY_MASTER_KEY.
   * Optional: without it only `oprf` works.
   */
  master?: string | Uint8Array;
  masterUnlock?: { passphrase: string } | { key: Uint8Array };
  /** Coalescing window for concurrent single calls; 0 turns coalescing off. Default 1 ms. */
  coalesceWindowMs?: number;
  /** Largest batch sent to the nodes. Default 1024 (the nodes' default limit). */
  maxBatch?: number;
  /**
   * Largest batch that coalescing builds before sending it without waiting for the window.
   * Default 128: a few moderate batches in flight keep this client and the nodes busy at the same
   * time, where one large batch would leave each waiting for the other.
   */
  coalesceBatch?: number;
  /**
   * Called after an evaluation that succeeded although some nodes' answers were refused (invalid
   * proof, wrong epoch): those nodes are faulty or malicious and should be investigated. Only
   * answers that arrived before t valid ones are checked, so a bad node is named when it was
   * asked and answered in time, not necessarily on every call.
   */
  onWarning?: (warning: EvaluationWarning) => void;
}

/** Nodes whose answers were refused during an evaluation that still succeeded. */
export interface EvaluationWarning {
  keyName: string;
  version: number;
  nodes: NodeFailure[];
}

export interface DerivedKey {
  key: Uint8Array;
  version: number;
}

interface Waiter {
  input: Uint8Array;
  resolve: (r: { output: Uint8Array; version: number }) => void;
  reject: (e: unknown) => void;
}

const toBytes = (id: Uint8Array | string): Uint8Array => (typeof id === 'string' ? utf8(id) : id);

export class SplitkeyClient {
  private readonly queues = new Map<string, { keyName: string; version: number; waiters: Waiter[]; timer?: NodeJS.Timeout }>();

  constructor(
    readonly evaluator: ThresholdEvaluator,
    private readonly master: Uint8Array | undefined,
    private readonly coalesceWindowMs: number,
    private readonly maxBatch: number,
    private readonly onWarning?: (warning: EvaluationWarning) => void,
    private readonly coalesceBatch: number = Math.min(128, maxBatch),
  ) {}

  /** Public information on a key as at least t nodes agree on it. */
  /** Per node since this client started: answers refused for a bad proof, and record claims that broke the policy or the quorum. */
  nodeCounters(): Map<number, { invalidProofs: number; recordConflicts: number; last: string }> {
    return new Map(this.evaluator.nodeCounters);
  }

  keyInfo(keyName: string): Promise<VerifiedKey> {
    return this.evaluator.keyInfo(keyName, { refresh: true });
  }

  /** The RFC 9497 VOPRF output for `input` under the key (newest active version unless given). */
  async oprf(keyName: string, input: Uint8Array, opts: { version?: number } = {}): Promise<Uint8Array> {
    return (await this.evaluateOne(keyName, opts.version ?? 0, input)).output;
  }

  /** Batched VOPRF outputs. */
  async oprfBatch(keyName: string, inputs: Uint8Array[], opts: { version?: number } = {}): Promise<{ version: number; outputs: Uint8Array[] }> {
    checkKeyName(keyName);
    const outputs: Uint8Array[] = [];
    let version = opts.version ?? 0;
    for (let i = 0; i < inputs.length; i += this.maxBatch) {
      const res = await this.run(keyName, version, inputs.slice(i, i + this.maxBatch));
      version = res.version;
      outputs.push(...res.outputs);
    }
    return { version, outputs };
  }

  /** The resource key of `resourceId` (newest active version unless given). */
  async deriveKey(keyName: string, resourceId: Uint8Array | string, opts: { version?: number } = {}): Promise<DerivedKey> {
    const id = toBytes(resourceId);
    checkResourceId(id);
    return this.withMaster(async (master) => {
      const { output, version } = await this.evaluateOne(keyName, opts.version ?? 0, id);
      return { key: deriveResourceKey(master, output, keyName, version, id), version };
    });
  }

  /**
   * The key to seal new data (or a rewrapped data key) under: the newest active version, or
   * `version` only while it is active. A decrypt-only version (a rotation replaced it) is for
   * reading what it sealed, not for moving data back under it.
   */
  async deriveKeyForSealing(keyName: string, resourceId: Uint8Array | string, opts: { version?: number } = {}): Promise<DerivedKey> {
    const version = opts.version ?? 0;
    if (version !== 0) {
      const v = await this.evaluator.resolveVersion(keyName, version);
      if (v.state !== 'active') {
        throw new KeyError('KEY_DECRYPT_ONLY', `version ${version} of key ${keyName} is decrypt-only (a newer version replaced it): new data and rewraps go to an active version; leave the version out for the newest`);
      }
    }
    return this.deriveKey(keyName, resourceId, { version });
  }

  /** Resource keys of many resources in batched requests, in order. */
  async deriveKeys(keyName: string, resourceIds: (Uint8Array | string)[], opts: { version?: number } = {}): Promise<DerivedKey[]> {
    const ids = resourceIds.map(toBytes);
    ids.forEach((id) => checkResourceId(id));
    return this.withMaster(async (master) => {
      const { version, outputs } = await this.oprfBatch(keyName, ids, opts);
      return outputs.map((out, i) => ({ key: deriveResourceKey(master, out, keyName, version, ids[i]!), version }));
    });
  }

  /** Encrypt a file (or '-' for stdin/stdout) under the key's newest active version. */
  encryptFile(keyName: string, inPath: string, outPath: string, opts: { resourceId: Uint8Array | string; segmentSize?: number; onProgress?: (bytes: number) => void }): Promise<EncryptResult> {
    return encryptFile(inPath, outPath, {
      keyName,
      resourceId: toBytes(opts.resourceId),
      segmentSize: opts.segmentSize,
      onProgress: opts.onProgress,
      getKey: (name, id) => this.deriveKey(name, id),
    });
  }

  /** Decrypt an envelope; the key name, version and resource id come from its header. */
  decryptFile(inPath: string, outPath: string, opts: { onProgress?: (bytes: number) => void } = {}): Promise<DecryptResult> {
    return decryptFile(inPath, outPath, { onProgress: opts.onProgress, getKey: this.keyAt });
  }

  /** Random access: `length` plaintext bytes at `offset`, reading only the segments that hold them. */
  readRange(path: string, offset: number, length: number): Promise<Uint8Array> {
    return readRange(path, offset, length, { getKey: this.keyAt });
  }

  /** Rewrite only the header of an envelope to another version (default: newest active). */
  async rewrapFile(inPath: string, outPath: string, opts: { toVersion?: number } = {}): Promise<{ from: number; to: number }> {
    const { header, newVersion } = await rewrapFile(inPath, outPath, {
      getKey: this.keyAt,
      getNewKey: (name, id) => this.deriveKeyForSealing(name, id, { version: opts.toVersion ?? 0 }),
    });
    return { from: header.keyVersion, to: newVersion };
  }

  private readonly keyAt = async (name: string, version: number, id: Uint8Array): Promise<Uint8Array> => (await this.deriveKey(name, id, { version })).key;

  private requireMaster(): Uint8Array {
    if (!this.master) throw new ConfigError('no master half: pass { master } to connect() or set SPLITKEY_MASTER');
    return this.master;
  }

  /** Derivations using the master half now; `close` zeroes it only once they are done. */
  private active = 0;
  private closing = false;
  private drained: (() => void) | undefined;

  /**
   * Runs `fn` with the master half, counted, so that `close` (an appliance's reload swaps clients
   * while calls are in flight) never zeroes it under a derivation: one that finished with a zeroed
   * master half would hand out HKDF(0³² ‖ output), a key everyone holding the nodes can compute
   * and this client never derives again. A derivation begun after `close` is refused.
   */
  private async withMaster<T>(fn: (master: Uint8Array) => Promise<T>): Promise<T> {
    if (this.closing) throw new ConfigError('the client is closed (a new derivation after close())');
    const master = this.requireMaster();
    this.active++;
    try {
      return await fn(master);
    } finally {
      if (--this.active === 0) this.drained?.();
    }
  }

  /** One evaluation; refused answers are passed to `onWarning`. */
  private async run(keyName: string, version: number, inputs: Uint8Array[]): Promise<{ version: number; outputs: Uint8Array[] }> {
    const res = await this.evaluator.evaluate(keyName, version, inputs);
    if (res.warnings.length > 0 && this.onWarning) {
      try {
        this.onWarning({ keyName, version: res.version, nodes: res.warnings });
      } catch {
        // a throwing callback must not turn a good evaluation into a failure
      }
    }
    return res;
  }

  private evaluateOne(keyName: string, version: number, input: Uint8Array): Promise<{ output: Uint8Array; version: number }> {
    checkKeyName(keyName);
    if (this.coalesceWindowMs <= 0) {
      return this.run(keyName, version, [input]).then((r) => ({ output: r.outputs[0]!, version: r.version }));
    }
    return new Promise((resolve, reject) => {
      const slot = `${keyName}\x00${version}`;
      let q = this.queues.get(slot);
      if (!q) this.queues.set(slot, (q = { keyName, version, waiters: [] }));
      q.waiters.push({ input, resolve, reject });
      if (q.waiters.length >= this.coalesceBatch) this.flush(slot);
      else q.timer ??= setTimeout(() => this.flush(slot), this.coalesceWindowMs);
    });
  }

  private flush(slot: string): void {
    const q = this.queues.get(slot);
    if (!q) return;
    this.queues.delete(slot);
    clearTimeout(q.timer);
    const waiters = q.waiters;
    this.run(q.keyName, q.version, waiters.map((w) => w.input)).then(
      (r) => waiters.forEach((w, i) => w.resolve({ output: r.outputs[i]!, version: r.version })),
      (e) => waiters.forEach((w) => w.reject(e)),
    );
  }

  private closed: Promise<void> | undefined;

  /**
   * Waits for the derivations in flight, then zeroes the master half and closes the channels.
   * Every call returns the same promise (a stop during a reload closes a client twice).
   */
  close(): Promise<void> {
    this.closed ??= (async () => {
      this.closing = true;
      for (const slot of [...this.queues.keys()]) this.flush(slot);
      if (this.active > 0) await new Promise<void>((resolve) => (this.drained = resolve));
      this.master?.fill(0);
      this.evaluator.close();
    })();
    return this.closed;
  }
}

function env(name: string): string | undefined {
  const v = process.env[name];
  return v === undefined || v === '' ? undefined : v;
}

/** Build credentials from options or the environment. */
export async function resolveCredentials(opts: { ca?: string; cert?: string; key?: string; insecureIdentity?: string }, descriptor: ClusterDescriptor, envPrefix = 'SPLITKEY'): Promise<Credentials> {
  if (opts.insecureIdentity) return { insecureIdentity: opts.insecureIdentity };
  const ca = opts.ca ?? env(`${envPrefix}_CA`);
  const cert = opts.cert ?? env(`${envPrefix}_CERT`);
  const key = opts.key ?? env(`${envPrefix}_KEY`);
  if (!ca || !cert || !key) {
    if (descriptor.insecureLoopback && env('SPLITKEY_INSECURE_IDENTITY')) return { insecureIdentity: env('SPLITKEY_INSECURE_IDENTITY')! };
    throw new ConfigError(`TLS credentials missing: pass { ca, cert, key } or set ${envPrefix}_CA, ${envPrefix}_CERT and ${envPrefix}_KEY`);
  }
  return readTlsFiles({ ca, cert, key });
}

export async function resolveDescriptor(cluster: string | ClusterDescriptor | undefined): Promise<ClusterDescriptor> {
  const c = cluster ?? env('SPLITKEY_CLUSTER');
  if (!c) throw new ConfigError('no cluster: pass { cluster } or set SPLITKEY_CLUSTER to the path of cluster.json');
  return typeof c === 'string' ? loadDescriptor(c) : parseDescriptor(c);
}

/** Connect to a splitkey cluster. With no arguments everything comes from SPLITKEY_* variables. */
export async function connect(opts: ConnectOptions = {}): Promise<SplitkeyClient> {
  const descriptor = await resolveDescriptor(opts.cluster);
  const credentials = await resolveCredentials(opts, descriptor);
  let master: Uint8Array | undefined;
  if (opts.master instanceof Uint8Array) {
    if (opts.master.length !== 32) throw new ConfigError('master half must be 32 bytes');
    master = Uint8Array.from(opts.master);
  } else {
    const path = opts.master ?? env('SPLITKEY_MASTER');
    if (path) master = await loadMaster(path, opts.masterUnlock ?? unlockFromEnv());
  }
  const evaluator = await ThresholdEvaluator.create(new NodeChannels(descriptor, credentials), {
    timeoutMs: opts.timeoutMs ?? DEFAULT_EVALUATE_OPTIONS.timeoutMs,
    hedge: opts.hedge ?? DEFAULT_EVALUATE_OPTIONS.hedge,
    hedgeDelayMs: opts.hedgeDelayMs ?? DEFAULT_EVALUATE_OPTIONS.hedgeDelayMs,
    keyInfoTtlMs: opts.keyInfoTtlMs ?? DEFAULT_EVALUATE_OPTIONS.keyInfoTtlMs,
    checkThreads: opts.checkThreads ?? DEFAULT_EVALUATE_OPTIONS.checkThreads,
  });
  const maxBatch = opts.maxBatch ?? 1024;
  const coalesceBatch = opts.coalesceBatch ?? Math.min(128, maxBatch);
  if (!Number.isInteger(coalesceBatch) || coalesceBatch < 1 || coalesceBatch > maxBatch) {
    throw new ConfigError(`coalesceBatch must be an integer from 1 to maxBatch (${maxBatch}), got ${coalesceBatch}`);
  }
  return new SplitkeyClient(evaluator, master, opts.coalesceWindowMs ?? 1, maxBatch, opts.onWarning, coalesceBatch);
}
