/**
 * The shared set-up of the adversarial lifecycle tests (test/adversary/attack*.integration.test.ts):
 * a malicious coordinator's admin and tenant clients against a TestCluster, a session driver that
 * tells each participant its own parameters and lets liars write the real state machine's state
 * straight into their store, and views of what each node's own store holds.
 *
 * Each test file keeps its own `cluster` (started per test) and hands `adversary` a getter for it;
 * its afterEach calls `closeClients()` before it stops the cluster.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cliEntry } from '../../cli/dev-cluster.js';
import { AdminClient } from '../../client/admin.js';
import { NodeChannels } from '../../client/channels.js';
import type { ClusterDescriptor } from '../../client/descriptor.js';
import { SplitkeyClient } from '../../client/client.js';
import { ThresholdEvaluator } from '../../client/evaluate.js';
import { GrpcLifecycleTransport } from '../../client/lifecycle-grpc.js';
import { KeyManager } from '../../client/key-manager.js';
import { storeVersionKey } from '../../node/store.js';
import { fromHex, loadGroup, prepareParticipant, toHex, transcriptHash, type OperationParams } from '../../crypto/index.js';
import type { TestCluster } from './cluster.js';

export const group = await loadGroup('sodium');
export const rng = (n: number) => new Uint8Array(randomBytes(n));

/** A promise's outcome as a value: `{ ok, v }`, or `{ ok: false, e }` with the gRPC details (or the error's text). */
export const settle = <T>(p: Promise<T>) => p.then((v) => ({ ok: true as const, v }), (e: unknown) => ({ ok: false as const, e: (e as { details?: string }).details ?? String(e) }));

export interface DriveSplitOptions {
  /** Participants that are not told to commit. */
  noCommit?: number[];
  /** Participants outside transcriptParams (told they take part); committed last. */
  extra?: number[];
}

export interface Adversary {
  /** An admin with every capability (with `descriptor` instead of the cluster's); closed by closeClients. */
  adminClient: (descriptor?: ClusterDescriptor) => Promise<AdminClient>;
  /** A client of `tenant` (name "app"); closed by closeClients. */
  tenantClient: (tenant: string) => Promise<SplitkeyClient>;
  /** A tenant's evaluator (no worker threads, 2 s timeouts) over `descriptor` (default: the cluster's); closed by closeClients. */
  tenantEvaluator: (tenant: string, descriptor?: ClusterDescriptor) => Promise<ThresholdEvaluator>;
  /** Close every client made since the last call (afterEach, before the cluster stops). */
  closeClients: () => Promise<void>;
  /** node → "epoch E, pkS …, on nodes …" for every node whose own store holds a usable share of keyName@version. */
  shares: (keyName: string, version: number) => Map<number, string>;
  /** Each node's own record of keyName@version: "epoch E session S on N" (or why none). */
  records: (keyName: string, version: number) => string;
  /** What a fresh client of acme gets for v1 of `name` on `input`: the output's hex, or "refused: …". */
  freshOutput: (name: string, input: Uint8Array) => Promise<string>;
  /**
   * Drive one session in which the coordinator tells each participant its own parameters
   * (`paramsFor(n)`; sessionId, kind, key and version agree). Liars "prepare" by writing the real
   * state machine's state into their store, from the old share they claim. The transcript handed to
   * everyone is the one computed from `transcriptParams` (the receivers' view); each node is given
   * its own dealer set as the qualified set. `extra` are participants outside transcriptParams
   * (told they take part); they are committed last. Returns what each step said.
   */
  driveSplit: (
    tr: GrpcLifecycleTransport,
    paramsFor: (n: number) => OperationParams,
    transcriptParams: OperationParams,
    liars: Map<number, Uint8Array>,
    opts?: DriveSplitOptions,
  ) => Promise<string[]>;
  /**
   * driveSplit with every participant told `p`: drive it to ready and commit it on every participant
   * but `noCommit` (new holders first, then leaving dealers; dealers deal in index order). `liars`
   * must be dealers of `p`.
   */
  drive: (tr: GrpcLifecycleTransport, p: OperationParams, liars: Map<number, Uint8Array>, noCommit?: number[]) => Promise<string[]>;
  /** The compiled `splitkey` CLI against the test cluster, as an operator with every capability. */
  splitkeyCli: (args: string[]) => Promise<{ code: number | null; stdout: string; stderr: string }>;
  /**
   * A t-of-holders key created by DKG on the running cluster (t = 2 unless given): the admin's
   * lifecycle transport and key manager, its agreed v1, and v1 as a session's `old`.
   */
  createV1: (name: string, holders: number[], t?: number, descriptor?: ClusterDescriptor) => Promise<{ tr: GrpcLifecycleTransport; m: KeyManager; v: AgreedV1; old: NonNullable<OperationParams['old']> }>;
  /** What node `n`'s LevelDB holds for keyName@version: "state eEPOCH", " WITH SEALED SHARE" if a share is in it, or "none". */
  onDisk: (n: number, keyName: string, version: number) => Promise<string>;
}

type AgreedV1 = Awaited<ReturnType<KeyManager['versions']>>[number];

/** The adversary's helpers against the cluster `cluster()` returns when each is called. */
export function adversary(cluster: () => TestCluster): Adversary {
  const closers: (() => unknown)[] = [];

  const adminClient = async (descriptor?: ClusterDescriptor) => {
    const a = new AdminClient(await cluster().adminChannels(descriptor));
    closers.push(() => a.close());
    return a;
  };

  const evaluatorFor = async (tenant: string, descriptor?: ClusterDescriptor) => {
    const c0 = cluster();
    const pair = await c0.certFor({ role: 'client', tenant, name: 'app' });
    const tls = { ca: Buffer.from(c0.ca.certPem), cert: Buffer.from(pair.certPem), key: Buffer.from(pair.keyPem) };
    return ThresholdEvaluator.create(new NodeChannels(descriptor ?? c0.descriptor(), { tls }), { timeoutMs: 2000, hedgeDelayMs: 50, checkThreads: 0 });
  };

  const tenantEvaluator = async (tenant: string, descriptor?: ClusterDescriptor) => {
    const e = await evaluatorFor(tenant, descriptor);
    closers.push(() => e.close());
    return e;
  };

  const tenantClient = async (tenant: string) => {
    const c = new SplitkeyClient(await evaluatorFor(tenant), new Uint8Array(32).fill(9), 0, 1024);
    closers.push(() => c.close());
    return c;
  };

  const closeClients = async () => {
    for (const c of closers.splice(0)) await c();
  };

  const shares = (keyName: string, version: number) => {
    const out = new Map<number, string>();
    cluster().nodes.forEach((node, i) => {
      if (!node || node.store.currentShare(keyName, version) === undefined) return;
      const r = node.store.resolve(keyName, version).record;
      out.set(i + 1, `epoch ${r.epoch}, pkS ${r.commitments[0]!.slice(0, 8)}, on ${r.nodeIndices.join(',')}`);
    });
    return out;
  };

  const records = (keyName: string, version: number) =>
    cluster()
      .nodes.map((node, i) => {
        if (!node) return `${i + 1}: down`;
        try {
          const r = node.store.resolve(keyName, version).record;
          return `${i + 1}: e${r.epoch} ${(r.session ?? '').slice(0, 4)} {${r.nodeIndices.join(',')}}${node.store.currentShare(keyName, version) ? '' : ' (no share)'}`;
        } catch {
          return `${i + 1}: none`;
        }
      })
      .join('; ');

  const freshOutput = async (name: string, input: Uint8Array) => {
    const fresh = await tenantClient('acme');
    const r = await settle(fresh.oprf(name, input, { version: 1 }));
    return r.ok ? toHex(r.v) : `refused: ${r.e}`;
  };

  const driveSplit: Adversary['driveSplit'] = async (tr, paramsFor, transcriptParams, liars, opts = {}) => {
    const p0 = transcriptParams;
    const log: string[] = [];
    const core = [...new Set([...p0.receivers, ...p0.dealers, ...(p0.witnesses ?? [])])];
    const participants = [...new Set([...core, ...(opts.extra ?? [])])].sort((a, b) => a - b);
    const broadcast = new Map<number, Uint8Array[]>();
    for (const n of participants) {
      const p = paramsFor(n);
      if (liars.has(n)) {
        const state = prepareParticipant(group, p, n, rng, liars.get(n)!);
        await cluster().nodes[n - 1]!.store.saveOperation(state, 'prepare');
        if (state.dealing) broadcast.set(n, state.dealing.commitments.map((c) => fromHex(c)));
        continue;
      }
      const r = await settle(tr.prepare(n, p));
      log.push(`prepare ${n}: ${r.ok ? 'ok' : r.e}`);
      if (!r.ok) return log;
      if (p.dealers.includes(n)) broadcast.set(n, r.v);
    }
    for (const n of participants.filter((x) => paramsFor(x).dealers.includes(x))) {
      const r = await settle(tr.deal(n, p0.keyName, p0.sessionId));
      log.push(`deal ${n}: ${r.ok ? JSON.stringify(r.v) : r.e}`);
    }
    const qualified = [...p0.dealers].sort((a, b) => a - b);
    const transcript = transcriptHash({ ...transcriptParams, qualified, dealings: broadcast });
    for (const n of participants) {
      const q = [...paramsFor(n).dealers].sort((a, b) => a - b);
      const r = await settle(tr.finalize(n, p0.keyName, p0.sessionId, q, transcript));
      log.push(`finalize ${n}: ${r.ok ? 'ok' : r.e}`);
    }
    // New holders first, then witnesses, then leaving dealers, then the extra participants.
    const order = [...p0.receivers, ...(p0.witnesses ?? []), ...p0.dealers.filter((d) => !p0.receivers.includes(d)), ...(opts.extra ?? [])];
    for (const n of order.filter((x) => !(opts.noCommit ?? []).includes(x))) {
      const r = await settle(tr.commit(n, p0.keyName, p0.sessionId));
      log.push(`commit ${n}: ${r.ok ? r.v : r.e}`);
    }
    return log;
  };

  const drive: Adversary['drive'] = (tr, p, liars, noCommit = []) => driveSplit(tr, () => p, p, liars, { noCommit });

  const splitkeyCli = async (args: string[]) => {
    const c0 = cluster();
    const d = c0.dir;
    const admin = await c0.certFor({ role: 'admin', name: 'ops', capabilities: ['create', 'refresh', 'reshare', 'destroy', 'import'] });
    await writeFile(join(d, 'cli-cluster.json'), JSON.stringify(c0.descriptor()));
    await writeFile(join(d, 'cli-ca.pem'), c0.ca.certPem);
    await writeFile(join(d, 'cli-admin.pem'), admin.certPem);
    await writeFile(join(d, 'cli-admin.key'), admin.keyPem, { mode: 0o600 });
    const env = { ...process.env, SPLITKEY_CLUSTER: join(d, 'cli-cluster.json'), SPLITKEY_CA: join(d, 'cli-ca.pem'), SPLITKEY_ADMIN_CERT: join(d, 'cli-admin.pem'), SPLITKEY_ADMIN_KEY: join(d, 'cli-admin.key') };
    const child = spawn(process.execPath, [cliEntry(), ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    return { code, stdout, stderr };
  };

  const createV1: Adversary['createV1'] = async (name, holders, t = 2, descriptor) => {
    const admin = await adminClient(descriptor);
    const tr = new GrpcLifecycleTransport(admin.channels, 5_000);
    const m = await KeyManager.create(admin);
    await m.createKey(name, t, holders);
    const v = (await m.versions(name))[0]!;
    return { tr, m, v, old: { t: v.t, nodeIndices: v.nodeIndices, commitments: v.commitments, epoch: v.epoch, lineage: v.lineage } };
  };

  const onDisk: Adversary['onDisk'] = async (n, keyName, version) => {
    const raw = await cluster().nodes[n - 1]!.store.db.get(storeVersionKey(keyName, version));
    if (raw === undefined) return 'none';
    const r = JSON.parse(raw) as { state: string; sealedShare?: string; epoch: number };
    return `${r.state} e${r.epoch}${r.sealedShare ? ' WITH SEALED SHARE' : ''}`;
  };

  return { adminClient, tenantClient, tenantEvaluator, closeClients, shares, records, freshOutput, driveSplit, drive, splitkeyCli, createV1, onDisk };
}
