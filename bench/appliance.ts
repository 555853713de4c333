/**
 * DeriveKey through the appliance socket: a 2-of-3 dev cluster of node processes, `splitkey
 * appliance` as a process, and a grpc-js caller on the Unix socket. Prints one table: sequential
 * latency (p50/p99) and throughput with 32 callers in flight, next to the library called
 * in-process for the same work.
 *
 *   npm run build && node dist/bench/appliance.js          (BENCH_SECONDS=3 by default)
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import * as grpc from '@grpc/grpc-js';
import { adminFrom } from '../cli/context.js';
import { cliEntry, DevCluster } from '../cli/dev-cluster.js';
import { socketPathFor } from '../client/appliance-server.js';
import { connect } from '../client/client.js';
import { KeyManager } from '../client/key-manager.js';
import type { ApplianceClient } from '../proto/gen/splitkey/v1/Appliance.js';
import { loadApplianceProto } from '../proto/load.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const CONCURRENCY = 32;

async function measure(fn: (i: number) => Promise<unknown>, seconds: number, concurrency: number): Promise<{ perSecond: number; p50: number; p99: number }> {
  const latencies: number[] = [];
  const end = performance.now() + seconds * 1000;
  let i = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        const t = performance.now();
        await fn(i++);
        latencies.push(performance.now() - t);
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? NaN;
  return { perSecond: latencies.length / ((performance.now() - start) / 1000), p50: q(0.5), p99: q(0.99) };
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'splitkey-bench-appliance-'));
  const cluster = await DevCluster.create({ dir: join(dir, 'cluster'), nodes: 3, threshold: 2 });
  let appliance: ReturnType<typeof spawn> | undefined;
  try {
    await cluster.start();
    const env = { ...process.env, ...cluster.env };
    const admin = await adminFrom({ cluster: env.SPLITKEY_CLUSTER, ca: env.SPLITKEY_CA, adminCert: env.SPLITKEY_ADMIN_CERT, adminKey: env.SPLITKEY_ADMIN_KEY });
    await (await KeyManager.create(admin)).createKey('demo/bench', 2);
    admin.close();
    const uid = process.getuid?.() ?? 0;
    const socketDir = join(dir, 'run');
    appliance = spawn(process.execPath, [cliEntry(), 'appliance', '--socket-dir', socketDir, '--allow-uid', String(uid), '--audit', join(dir, 'audit.jsonl')], { env, stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      appliance!.once('exit', (code) => reject(new Error(`splitkey appliance exited with ${code}`)));
      createInterface({ input: appliance!.stdout! }).on('line', (l) => l.includes('"serving"') && resolve());
    });
    const proto = loadApplianceProto();
    const caller = new proto.splitkey.v1.Appliance(`unix://${socketPathFor(socketDir, uid)}`, grpc.credentials.createInsecure()) as ApplianceClient;
    const viaSocket = (i: number) =>
      new Promise<void>((resolve, reject) =>
        caller.DeriveKey({ keyName: 'demo/bench', resourceId: Buffer.from(`res-${i}`) }, { deadline: Date.now() + 10_000 }, (e) => (e ? reject(e) : resolve())),
      );
    const lib = await connect({ cluster: env.SPLITKEY_CLUSTER, ca: env.SPLITKEY_CA, cert: env.SPLITKEY_CERT, key: env.SPLITKEY_KEY, master: env.SPLITKEY_MASTER, masterUnlock: { key: Buffer.from(env.SPLITKEY_MASTER_KEY!, 'hex') } });
    const inProcess = (i: number) => lib.deriveKey('demo/bench', `res-${i}`);
    await measure(viaSocket, 0.5, 4); // warm-up
    await measure(inProcess, 0.5, 4);
    const rows: [string, Awaited<ReturnType<typeof measure>>][] = [
      ['DeriveKey via appliance socket, sequential', await measure(viaSocket, SECONDS, 1)],
      [`DeriveKey via appliance socket, ${CONCURRENCY} in flight`, await measure(viaSocket, SECONDS, CONCURRENCY)],
      ['deriveKey in-process library, sequential', await measure(inProcess, SECONDS, 1)],
      [`deriveKey in-process library, ${CONCURRENCY} in flight`, await measure(inProcess, SECONDS, CONCURRENCY)],
    ];
    caller.close();
    await lib.close();
    const w = Math.max(...rows.map(([n]) => n.length));
    console.log(`${'measure'.padEnd(w)}  ${'per second'.padStart(10)}  ${'p50 ms'.padStart(7)}  ${'p99 ms'.padStart(7)}`);
    for (const [name, m] of rows) console.log(`${name.padEnd(w)}  ${m.perSecond.toFixed(0).padStart(10)}  ${m.p50.toFixed(2).padStart(7)}  ${m.p99.toFixed(2).padStart(7)}`);
  } finally {
    if (appliance && appliance.exitCode === null) {
      const exited = new Promise((r) => appliance!.once('exit', r));
      appliance.kill('SIGTERM');
      await exited;
    }
    await cluster.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
