/**
 * `splitkey demo` (what `npm start` runs): the whole idea in under a minute. A 3-of-5 cluster of
 * real node processes over mTLS, a key, a file encrypted and decrypted, two nodes killed and the
 * file still decrypts, a third killed and a clear refusal; then everything is stopped.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { CliError, elapsed, info } from '../output.js';

const sha256 = async (path: string) => createHash('sha256').update(await readFile(path)).digest('hex');

async function step<T>(title: string, fn: () => Promise<T>): Promise<T> {
  const start = performance.now();
  const result = await fn();
  info(`  ✔ ${title} (${elapsed(start)})`);
  return result;
}

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('run the whole idea on a local 3-of-5 cluster of node processes and stop everything (what `npm start` runs)')
    .option('--size <MiB>', 'size of the sample file', (v) => Number(v), 16)
    .option('--keep', 'keep the temp directory')
    .action(async (opts: { size: number; keep?: boolean }) => {
      // The client library and the dev cluster load when the demo runs, not for --help.
      const [{ AdminClient }, { NodeChannels, readTlsFiles }, { connect }, { loadDescriptor }, { ThresholdError }, { KeyManager }, { DevCluster }] = await Promise.all([
        import('../../client/admin.js'),
        import('../../client/channels.js'),
        import('../../client/client.js'),
        import('../../client/descriptor.js'),
        import('../../client/errors.js'),
        import('../../client/key-manager.js'),
        import('../dev-cluster.js'),
      ]);
      const total = performance.now();
      const dir = await mkdtemp(join(tmpdir(), 'splitkey-demo-'));
      info(`splitkey demo in ${dir}`);
      const cluster = await step('fresh CA, certificates, seal keys and master half', () => DevCluster.create({ dir, nodes: 5, threshold: 3 }));
      try {
        await step('5 node processes serving over mTLS', () => cluster.start());
        const env = cluster.env;
        const descriptor = await loadDescriptor(env.SPLITKEY_CLUSTER!);
        const admin = new AdminClient(new NodeChannels(descriptor, await readTlsFiles({ ca: env.SPLITKEY_CA!, cert: env.SPLITKEY_ADMIN_CERT!, key: env.SPLITKEY_ADMIN_KEY! })));
        const keyName = 'demo/files';
        await step(`key ${keyName} created by DKG among the 5 nodes (3-of-5; nobody ever knows it)`, async () => {
          const manager = await KeyManager.create(admin);
          await manager.createKey(keyName, 3);
        });
        admin.close();
        const client = await connect({
          cluster: descriptor,
          ca: env.SPLITKEY_CA,
          cert: env.SPLITKEY_CERT,
          key: env.SPLITKEY_KEY,
          master: env.SPLITKEY_MASTER,
          masterUnlock: { key: Buffer.from(env.SPLITKEY_MASTER_KEY!, 'hex') },
          timeoutMs: 1500,
        });
        try {
          const plain = join(dir, 'sample.bin');
          const sealed = join(dir, 'sample.bin.splk');
          const out = join(dir, 'sample.out');
          await writeFile(plain, randomBytes(opts.size * 2 ** 20));
          const expected = await sha256(plain);
          await step(`encrypted a ${opts.size} MiB file`, () => client.encryptFile(keyName, plain, sealed, { resourceId: `file:${randomUUID()}` }));
          const decrypt = async (label: string) =>
            step(label, async () => {
              await client.decryptFile(sealed, out);
              if ((await sha256(out)) !== expected) throw new CliError('decrypted file differs from the original');
              await rm(out);
            });
          await decrypt('decrypted with all 5 nodes: identical');
          await step('killed nodes 1 and 2 (SIGKILL)', async () => {
            await cluster.kill(1);
            await cluster.kill(2);
          });
          await decrypt('decrypted with 3 of 5 nodes: identical');
          await step('killed node 3', () => cluster.kill(3));
          const start = performance.now();
          try {
            await client.decryptFile(sealed, out);
            throw new CliError('decryption with 2 of 5 nodes should have been refused');
          } catch (e) {
            if (!(e instanceof ThresholdError)) throw e;
            info(`  ✔ refused with 2 of 5 nodes (${elapsed(start)}):\n      ${e.message}`);
          }
        } finally {
          await client.close();
        }
      } finally {
        await step('stopped every node', () => cluster.stop());
        if (!opts.keep) await rm(dir, { recursive: true, force: true });
      }
      info(`demo finished in ${elapsed(total)}`);
    });
}
