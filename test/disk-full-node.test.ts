/**
 * A node whose data directory fills up (a small tmpfs, root only — the chaos `disk-full` fault's
 * own helper): it logs one clear line naming ENOSPC (no key material) and stops by itself instead
 * of dying of an unhandled rejection; and SIGTERM stops a node on a full disk promptly.
 * Skipped with a message when not root.
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fillDisk } from '../cli/chaos/faults/disk.js';
import { DevCluster, type NodeProcess } from '../cli/dev-cluster.js';
import { connect } from '../client/index.js';

const skip = process.platform !== 'linux' || process.getuid?.() !== 0 ? 'needs root (it mounts a small tmpfs)' : undefined;
if (skip) process.stderr.write(`skipping the full-disk node test: ${skip}\n`);

const dir = mkdtempSync(join(tmpdir(), 'splitkey-diskfull-'));
let dev: DevCluster;
const procs = new Map<number, NodeProcess>();
const undos: (() => Promise<string>)[] = [];

const logLines = async (i: number) =>
  (await readFile(join(dev.nodeDir(i), 'node.log'), 'utf8'))
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);

/** Derives through a client that knows only `nodes` (t = 2 of them: each is asked every time). */
async function derive(nodes: number[], count: number): Promise<number> {
  const full = JSON.parse(await readFile(dev.env.SPLITKEY_CLUSTER!, 'utf8')) as { nodes: { index: number }[] };
  const file = join(dir, `cluster-${nodes.join('')}.json`);
  await writeFile(file, JSON.stringify({ ...full, nodes: full.nodes.filter((n) => nodes.includes(n.index)) }));
  const e = dev.env;
  const c = await connect({ cluster: file, ca: e.SPLITKEY_CA!, cert: e.SPLITKEY_CERT!, key: e.SPLITKEY_KEY!, master: e.SPLITKEY_MASTER!, masterUnlock: { key: Buffer.from(e.SPLITKEY_MASTER_KEY!, 'hex') }, timeoutMs: 1000 });
  let ok = 0;
  for (let k = 0; k < count; k++) ok += await c.deriveKey('demo/k', `res-${k}`).then(() => 1, () => 0);
  await c.close();
  return ok;
}

/** Node i stopped, its data dir on a small tmpfs, started, then the tmpfs filled. */
async function onFullDisk(i: number): Promise<NodeProcess> {
  const before = procs.get(i)!;
  before.child!.kill('SIGTERM');
  await before.exited;
  const d = await fillDisk(join(dev.nodeDir(i), 'data'));
  undos.push(d.undo);
  const p = await dev.startNode(i);
  procs.set(i, p);
  await d.fill();
  return p;
}

const within = <T>(p: Promise<T>, ms: number): Promise<T | 'timeout'> => Promise.race([p, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), ms))]);

describe.skipIf(skip !== undefined)('a node on a full disk', () => {
  beforeAll(async () => {
    dev = await DevCluster.create({ dir: join(dir, 'cluster'), nodes: 3, threshold: 2 });
    for (const i of [1, 2, 3]) procs.set(i, await dev.startNode(i));
    const { spawnSync } = await import('node:child_process');
    const { cliEntry } = await import('../cli/dev-cluster.js');
    const r = spawnSync(process.execPath, [cliEntry(), 'key', 'create', 'demo/k'], { env: { ...process.env, ...dev.env }, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
  }, 60_000);

  afterAll(async () => {
    for (const p of procs.values()) p.child?.kill('SIGKILL');
    await Promise.all([...procs.values()].map((p) => p.exited));
    for (const u of undos) await u().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  });

  it('logs ENOSPC as one clear line (no key material) and stops by itself, exit 1', async () => {
    const p = await onFullDisk(1);
    const t0 = performance.now();
    // Requests make it write its audit log until the disk refuses.
    const ok = await derive([1, 2], 300);
    const code = await within(p.exited!, 20_000);
    expect(code).toBe(1);
    expect(performance.now() - t0).toBeLessThan(60_000);
    expect(ok).toBeGreaterThan(0);
    const lines = await logLines(1);
    const failure = lines.find((l) => l.event === 'storage-write-failed' && l.level === 50);
    expect(failure, JSON.stringify(lines.slice(-5))).toMatchObject({ diskFull: true, msg: expect.stringMatching(/^the data directory is full \(ENOSPC\): writes to the store fail, so this node stops serving/) });
    expect(String(failure!.error)).toMatch(/No space left on device/);
    expect(lines.some((l) => l.msg === 'node stopped')).toBe(true);
    const raw = await readFile(join(dev.nodeDir(1), 'node.log'), 'utf8');
    expect(raw).not.toMatch(/triggerUncaughtException|UnhandledPromiseRejection/);
    const seal = (await readFile(join(dev.nodeDir(1), 'seal.key'), 'utf8')).trim();
    expect(raw).not.toContain(seal);
    expect(raw).not.toContain(dev.env.SPLITKEY_MASTER_KEY!);
  }, 120_000);

  it('SIGTERM stops a node on a full disk promptly, also with requests in flight', async () => {
    const p = await onFullDisk(3);
    const load = derive([2, 3], 200);
    await new Promise((r) => setTimeout(r, 300));
    const t0 = performance.now();
    p.child!.kill('SIGTERM');
    const code = await within(p.exited!, 15_000);
    const ms = performance.now() - t0;
    await load;
    expect(code).not.toBe('timeout');
    expect(ms).toBeLessThan(15_000);
    const lines = await logLines(3);
    expect(lines.some((l) => l.msg === 'node stopped' || l.event === 'storage-write-failed')).toBe(true);
  }, 120_000);
});
