/**
 * The steady load of a chaos run: derive, encrypt and decrypt through the client library, each
 * output compared with a reference computed before any fault (`buildReference`). Resource keys
 * stay in memory; the history gets fingerprints (first 16 bytes of SHA-256).
 *
 * Versions made during the run (a rotate under faults) have no reference before it; their
 * outputs are compared with the value the healed cluster gives in the final probes.
 */
import { createHash } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SplitkeyClient } from '../../client/client.js';
import { KeyError, ThresholdError } from '../../client/errors.js';
import { decryptFile } from '../../client/file.js';
import type { Attribution, OpKind } from './history.js';
import type { Prng } from './prng.js';

export const fingerprint = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex').slice(0, 32);
export const resourceName = (i: number): string => `chaos-r${i}`;
/** The plaintext of resource `id`: 3 KiB, fixed by its name. */
export const plaintextOf = (id: string): Uint8Array => {
  const out = new Uint8Array(3072);
  let block = createHash('sha256').update(id).digest();
  for (let i = 0; i < out.length; i += 32) {
    out.set(block.subarray(0, Math.min(32, out.length - i)), i);
    block = createHash('sha256').update(block).digest();
  }
  return out;
};

export interface Reference {
  /** Resource keys by `key@version/resource`. */
  keys: Map<string, Uint8Array>;
  /** Envelopes made before the faults, for decrypt operations. */
  envelopes: { path: string; key: string; version: number; resource: string }[];
}

export const refId = (key: string, version: number, resource: string) => `${key}@${version}/${resource}`;

/** Every resource key of every key at `version`, and a few envelopes, with all nodes up. */
export async function buildReference(client: SplitkeyClient, keys: readonly string[], resources: number, workDir: string): Promise<Reference> {
  const ref: Reference = { keys: new Map(), envelopes: [] };
  const ids = Array.from({ length: resources }, (_, i) => resourceName(i + 1));
  for (const key of keys) {
    const derived = await client.deriveKeys(key, ids);
    derived.forEach((d, i) => ref.keys.set(refId(key, d.version, ids[i]!), d.key));
    for (const id of ids.slice(0, Math.min(4, ids.length))) {
      const plain = join(workDir, `${key.replace('/', '_')}-${id}.txt`);
      const path = `${plain}.sk`;
      await writeFile(plain, plaintextOf(id));
      const r = await client.encryptFile(key, plain, path, { resourceId: id });
      ref.envelopes.push({ path, key, version: r.header.keyVersion, resource: id });
    }
  }
  return ref;
}

export interface OpOutcome {
  version: number;
  ok: boolean;
  output?: string;
  expected?: string;
  /** An encrypted envelope whose version had no reference yet: checked in the final probes. */
  deferred?: { path: string; key: string; version: number; resource: string };
  code?: string;
  error?: string;
  failures?: Attribution[];
}

/** The nodes and reasons an error names. KeyErrors name nodes in their message ("(nodes 1,2)"). */
export function attributionOf(e: unknown): { code: string; error: string; failures: Attribution[] } {
  const error = e instanceof Error ? e.message : String(e);
  if (e instanceof ThresholdError) return { code: e.code, error, failures: e.failures.map((f) => ({ node: f.index, reason: f.reason, detail: f.detail })) };
  const code = (e as { code?: string }).code ?? 'ERROR';
  const named = /\(nodes ([\d,]+)\)/.exec(error);
  const failures = named ? named[1]!.split(',').map((n) => ({ node: Number(n), reason: e instanceof KeyError ? e.code : code })) : [];
  return { code, error, failures };
}

/** Check an envelope against the reference key of its version (offline: no node asked). */
export async function openWithReference(ref: Reference, envelope: string, out: string): Promise<{ output: string; version: number } | { missing: { key: string; version: number; resource: string } }> {
  let missing: { key: string; version: number; resource: string } | undefined;
  try {
    const r = await decryptFile(envelope, out, {
      getKey: async (name, version, id) => {
        const resource = Buffer.from(id).toString('utf8');
        const k = ref.keys.get(refId(name, version, resource));
        if (!k) {
          missing = { key: name, version, resource };
          throw new Error('no reference');
        }
        return k;
      },
    });
    return { output: fingerprint(await readFile(out)), version: r.header.keyVersion };
  } catch (e) {
    if (missing) return { missing };
    // A wrong key: the envelope does not open under the reference.
    return { output: `does-not-open: ${(e as Error).message.slice(0, 80)}`, version: 0 };
  }
}

export interface OpPlan {
  kind: OpKind;
  key: string;
  /** 0: newest active version. */
  version: number;
  resource: string;
}

/** The next operation: kind by the plan's mix, key and resource uniform, a fifth of derives on the newest version. */
export function nextOp(prng: Prng, keys: readonly string[], resources: number, mix: { derive: number; encrypt: number; decrypt: number }, pinned: number): OpPlan {
  const total = mix.derive + mix.encrypt + mix.decrypt || 1;
  const x = prng.next() * total;
  const kind: OpKind = x < mix.derive ? 'derive' : x < mix.derive + mix.encrypt ? 'encrypt' : 'decrypt';
  const key = prng.pick(keys);
  const resource = resourceName(prng.int(1, kind === 'decrypt' ? Math.min(4, resources) : resources));
  const version = kind === 'derive' && prng.next() < 0.2 ? 0 : kind === 'derive' ? pinned : 0;
  return { kind, key, version, resource };
}

/** Run one operation against the cluster. */
export async function runOp(client: SplitkeyClient, ref: Reference, op: OpPlan, workDir: string, id: number): Promise<OpOutcome> {
  try {
    if (op.kind === 'derive') {
      const d = await client.deriveKey(op.key, op.resource, op.version ? { version: op.version } : {});
      const expectedKey = ref.keys.get(refId(op.key, d.version, op.resource));
      return { version: d.version, ok: true, output: fingerprint(d.key), ...(expectedKey ? { expected: fingerprint(expectedKey) } : {}) };
    }
    if (op.kind === 'decrypt') {
      const env = ref.envelopes.find((e) => e.key === op.key && e.resource === op.resource)!;
      const out = join(workDir, `op-${id}.out`);
      await client.decryptFile(env.path, out);
      const plain = await readFile(out);
      await rm(out, { force: true });
      return { version: env.version, ok: true, output: fingerprint(plain), expected: fingerprint(plaintextOf(op.resource)) };
    }
    const plain = join(workDir, `op-${id}.txt`);
    const envelope = join(workDir, `op-${id}.sk`);
    await writeFile(plain, plaintextOf(op.resource));
    const r = await client.encryptFile(op.key, plain, envelope, { resourceId: op.resource });
    const version = r.header.keyVersion;
    const opened = await openWithReference(ref, envelope, `${envelope}.check`);
    await rm(plain, { force: true });
    await rm(`${envelope}.check`, { force: true });
    if ('missing' in opened) return { version, ok: true, deferred: { path: envelope, ...opened.missing } };
    await rm(envelope, { force: true });
    return { version, ok: true, output: opened.output, expected: fingerprint(plaintextOf(op.resource)) };
  } catch (e) {
    return { version: op.version, ok: false, ...attributionOf(e) };
  }
}
