/**
 * `splitkey dev` states a faultTolerance its node count allows (cli/dev-cluster.ts): with 3 nodes
 * and threshold 3 the default (minThreshold − 1 = 2) would make every node refuse a 3-of-3 key
 * (n ≥ t + faultTolerance), so the dev descriptor says 0 and keys can be created. With room for
 * the default, the descriptor leaves it out. Real node processes over mTLS.
 */
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DevCluster } from '../cli/dev-cluster.js';
import { AdminClient } from '../client/admin.js';
import { NodeChannels, readTlsFiles } from '../client/channels.js';
import { faultToleranceOf, loadDescriptor } from '../client/descriptor.js';
import { KeyManager } from '../client/key-manager.js';

const dirs: string[] = [];
let running: DevCluster | undefined;

afterAll(async () => {
  await running?.stop();
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

async function newDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'splitkey-dev-policy-'));
  dirs.push(d);
  return d;
}

describe('splitkey dev and the faultTolerance policy', () => {
  it('a 5-node, threshold-3 dev cluster keeps the default (2): the descriptor does not state it', async () => {
    const cluster = await DevCluster.create({ dir: await newDir(), nodes: 5, threshold: 3 });
    const raw = JSON.parse(await readFile(cluster.env.SPLITKEY_CLUSTER!, 'utf8')) as Record<string, unknown>;
    expect(raw.faultTolerance).toBeUndefined();
    expect(faultToleranceOf(await loadDescriptor(cluster.env.SPLITKEY_CLUSTER!))).toBe(2);
  });

  it('a 3-node, threshold-3 dev cluster states faultTolerance 0, and its nodes create a 3-of-3 key', { timeout: 60_000 }, async () => {
    const cluster = await DevCluster.create({ dir: await newDir(), nodes: 3, threshold: 3 });
    const descriptor = await loadDescriptor(cluster.env.SPLITKEY_CLUSTER!);
    expect(descriptor.faultTolerance).toBe(0);
    running = cluster;
    await cluster.start();
    const env = cluster.env;
    const admin = new AdminClient(new NodeChannels(descriptor, await readTlsFiles({ ca: env.SPLITKEY_CA!, cert: env.SPLITKEY_ADMIN_CERT!, key: env.SPLITKEY_ADMIN_KEY! })));
    try {
      const m = await KeyManager.create(admin);
      await m.createKey('demo/three', 3, [1, 2, 3]);
      const [v] = await m.versions('demo/three');
      expect(v).toMatchObject({ version: 1, t: 3, nodeIndices: [1, 2, 3] });
    } finally {
      admin.close();
    }
  });
});
