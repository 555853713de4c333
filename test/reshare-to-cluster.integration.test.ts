/**
 * `splitkey key reshare NAME --to-cluster new.json` (README, "Key lifecycle"): a key moves from
 * the nodes of one descriptor to those of another under the same CA, with the same pkS. The
 * compiled CLI against six node processes (each node's own descriptor lists all six, as the
 * README says to prepare a move), the operator's descriptor the first three, the target the
 * other three. What must hold: data encrypted before the move decrypts through the new
 * descriptor alone; the old nodes keep no share (a client that knows only them gets no key);
 * the command refuses a target that reuses a current index, and says what to do.
 * Needs `npm run build`.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliEntry, DevCluster } from '../cli/dev-cluster.js';

const CLI = cliEntry();

let dir: string;
let cluster: DevCluster;
let env: NodeJS.ProcessEnv;
let oldPath: string;
let newPath: string;

function splitkey(args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const child = spawn(process.execPath, [CLI, ...args], { env: { ...env, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const guard = setTimeout(() => child.kill('SIGKILL'), 60_000);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(guard);
      resolve({ code, stdout, stderr });
    });
  });
}

/** The cluster's descriptor with only the given nodes. */
async function descriptorOf(name: string, indices: number[]): Promise<string> {
  const d = JSON.parse(await readFile(cluster.env.SPLITKEY_CLUSTER!, 'utf8')) as { nodes: { index: number }[] };
  d.nodes = d.nodes.filter((n) => indices.includes(n.index));
  const path = join(dir, name);
  await writeFile(path, JSON.stringify(d, null, 2));
  return path;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'splitkey-to-cluster-'));
  cluster = await DevCluster.create({ dir: join(dir, 'cluster'), nodes: 6, threshold: 2 });
  await cluster.start();
  oldPath = await descriptorOf('old.json', [1, 2, 3]);
  newPath = await descriptorOf('new.json', [4, 5, 6]);
  env = { PATH: process.env.PATH, HOME: process.env.HOME, ...cluster.env, SPLITKEY_CLUSTER: oldPath };
}, 120_000);

afterAll(async () => {
  try {
    await cluster?.stop();
  } finally {
    if (dir) await rm(dir, { recursive: true, force: true });
  }
});

describe('splitkey key reshare --to-cluster', () => {
  it('moves a key to the other descriptor’s nodes: old data decrypts through the new descriptor alone, the old nodes keep no share', async () => {
    const created = await splitkey(['key', 'create', 'demo/moving', '--threshold', '2', '--nodes', '1,2,3']);
    expect(created.code, created.stderr).toBe(0);
    const plain = join(dir, 'moving.txt');
    await writeFile(plain, 'data that outlives its first cluster');
    expect((await splitkey(['encrypt', '--key', 'demo/moving', plain, `${plain}.splk`])).code).toBe(0);
    const before = await splitkey(['oprf', '--key', 'demo/moving', '--input-hex', '0102']);
    expect(before.code).toBe(0);

    const moved = await splitkey(['key', 'reshare', 'demo/moving', '--to-cluster', newPath, '--threshold', '2']);
    expect(moved.code, moved.stderr).toBe(0);
    expect(moved.stderr).toContain(`done: point appliances at ${newPath}`);

    // Through the new descriptor alone: the same data and the same OPRF output (same pkS).
    const onNew = { SPLITKEY_CLUSTER: newPath };
    const dec = await splitkey(['decrypt', `${plain}.splk`, join(dir, 'moving.out')], onNew);
    expect(dec.code, dec.stderr).toBe(0);
    expect(await readFile(join(dir, 'moving.out'), 'utf8')).toBe('data that outlives its first cluster');
    const after = await splitkey(['oprf', '--key', 'demo/moving', '--input-hex', '0102'], onNew);
    expect(after.code).toBe(0);
    expect(after.stdout).toBe(before.stdout);

    // The old nodes erased their shares: a client that knows only them derives nothing.
    const old = await splitkey(['decrypt', `${plain}.splk`, join(dir, 'moving.old')]);
    expect(old.code).toBe(1);
    expect(old.stderr).toMatch(/key demo\/moving not found on enough nodes/);
  }, 180_000);

  it('refuses a target descriptor that gives a current node index another address', async () => {
    const clash = JSON.parse(await readFile(newPath, 'utf8')) as { nodes: { index: number; address: string }[] };
    clash.nodes.push({ index: 1, address: '127.0.0.1:1' });
    const path = join(dir, 'clash.json');
    await writeFile(path, JSON.stringify(clash));
    const r = await splitkey(['key', 'reshare', 'demo/moving', '--to-cluster', path, '--threshold', '2']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/node index 1 is .* in one descriptor and 127\.0\.0\.1:1 in the other; indices must be unique across both/);
  }, 60_000);
});
