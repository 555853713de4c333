/**
 * `npm run bench`: the end-to-end benchmark of issue 6, in one run on this machine.
 *
 * 1. In this process, before anything else runs: the cost of the libsodium group operations,
 *    and the peers — one in-process single-server RFC 9497 VOPRF round (blind → blindEvaluate +
 *    DLEQ proof → verify + finalize) with `@cloudflare/voprf-ts` (its noble provider,
 *    `@cloudflare/voprf-ts/crypto-noble`), with noble's `ristretto255_oprf.voprf`, and with
 *    splitkey's own crypto core (libsodium). All three are checked to give the same output for
 *    the same key and input, equal to RFC 9497 Evaluate.
 * 2. A 3-of-5 dev cluster (cli/dev-cluster.ts): fresh CA, five `splitkey node start` processes
 *    over mTLS in a temp dir, a key imported by dealer split (AdminClient.importKey).
 * 3. A separate client process (bench/client-worker.ts, forked with an IPC channel), after a
 *    few seconds of load to bring every process's JIT to steady state, measures: sequential
 *    single-derivation latency (coalescing off, and the default client); unbatched throughput
 *    (64 concurrent deriveKey, coalescing off); batched throughput (deriveKeys of 256, two in
 *    flight) and coalesced throughput (256 concurrent deriveKey callers, default 1 ms window);
 *    bulk encrypt and decrypt of a file (default 1 GiB, BENCH_FILE_MB, on /dev/shm) with the
 *    client's RSS sampled, against node:crypto AES-256-GCM as a user would stream the same file
 *    (createReadStream → createCipheriv → createWriteStream, flushed) and in memory. The bulk
 *    passes run twice, interleaved, best of each reported; before them the memory they will
 *    use is touched once (this VM backs guest memory lazily: a first write into untouched
 *    pages runs several times slower and would measure the hypervisor).
 * 4. The distance to the limit: group operations per derivation are counted on the real paths
 *    (client: instrumented library in the client process; nodes: `evaluatePartial`, the code the
 *    nodes run, times the Evaluate RPCs the client issued), priced with the operation costs from
 *    step 1, and turned into the derivations/s that 2 cores could do if they did nothing else.
 * 5. Node memory: VmHWM of every node process at the end (/proc/<pid>/status).
 *
 * Each phase records the CPU time used by the benchmark's own processes and by everything else
 * on the machine (from /proc), so interference from other work shows in the results.
 * Prints one table and writes bench/results/latest.json (git-ignored).
 *
 * Environment: BENCH_SECONDS (scales every timed phase, default 1 = the default durations),
 * BENCH_FILE_MB (default 1024), BENCH_TMPDIR (default /dev/shm if present, else the OS temp dir),
 * BENCH_BULK_ROUNDS (default 2), BENCH_PROFILE=DIR (every node and the client write a V8 CPU
 * profile there, through bench/cpu-profile.ts).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createCipheriv, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Oprf as VoprfTs, VOPRFClient, VOPRFServer, generatePublicKey } from '@cloudflare/voprf-ts';
import { CryptoNoble } from '@cloudflare/voprf-ts/crypto-noble';
import { ristretto255_oprf } from '@noble/curves/ed25519.js';
import { DevCluster } from '../cli/dev-cluster.js';
import { AdminClient } from '../client/admin.js';
import { NodeChannels, readTlsFiles } from '../client/channels.js';
import { loadDescriptor } from '../client/descriptor.js';
import {
  blind,
  combineUnblind,
  createSuite,
  defaultBackend,
  describeGroup,
  evaluate,
  evaluatePartial,
  finalize,
  finalizeHash,
  loadGroup,
  loadNativeGroup,
  publicShare,
  randomScalar,
  splitSecret,
  toHex,
  utf8,
  verifyPartial,
  type Group,
} from '../crypto/index.js';
import { environment, formatTable, measure, readProcStatus, type Measurement } from './stats.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const RESULTS = new URL('../../bench/results/latest.json', import.meta.url);
const KEY = 'demo/bench';
const NODES = 5;
const THRESHOLD = 3;
const CORES = cpus().length;
const scale = Number(process.env.BENCH_SECONDS ?? 1);
if (!Number.isFinite(scale) || scale <= 0) throw new Error('BENCH_SECONDS must be a positive number');
const FILE_MB = Number(process.env.BENCH_FILE_MB ?? 1024);
if (!Number.isInteger(FILE_MB) || FILE_MB < 1) throw new Error('BENCH_FILE_MB must be a positive integer');
const secs = (s: number): number => s * scale;
/** Passes of raw AES / encrypt / decrypt over the file; the best of each is reported. */
const BULK_ROUNDS = Number(process.env.BENCH_BULK_ROUNDS ?? 2);
/**
 * The nodes' `limits.evaluateThreads` (node/config.ts): unset, the node's default (-1: a worker
 * pool sized to the cores); 0 evaluates on the event loop; n ≥ 1 uses n worker threads.
 */
const EVALUATE_THREADS = process.env.BENCH_EVALUATE_THREADS === undefined ? undefined : Number(process.env.BENCH_EVALUATE_THREADS);
if (EVALUATE_THREADS !== undefined && (!Number.isInteger(EVALUATE_THREADS) || EVALUATE_THREADS < -1 || EVALUATE_THREADS > 64)) throw new Error('BENCH_EVALUATE_THREADS must be an integer from -1 to 64');
/** deriveKeys(256) calls in flight: two keep the client and the nodes busy at the same time. */
const BATCH_INFLIGHT = 2;

const TARGETS = {
  batchedPerSec: 1000,
  unbatchedPerSec: 250,
  sequentialP50Ms: 5,
  vsVoprfTs: 15,
  // Issue 15, against the native-priced limit and the in-process voprf-ts round of the same run.
  batchedVsVoprfTs: 25,
  batchedVsLimit: 0.8,
  unbatchedVsVoprfTs: 10,
  sequentialVsVoprfRound: 0.3,
  encryptVsRawAes: 0.8,
  nodeRssMb: 150,
};

const log = (msg: string): void => void process.stderr.write(`${msg}\n`);
const rng = (n: number): Uint8Array => new Uint8Array(randomBytes(n));
const mb = (bytes: number): number => bytes / 2 ** 20;

// ---------------------------------------------------------------------------------------------
// CPU accounting from /proc: our processes vs everything else.

const CLK_TCK = 100;

function procJiffies(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]); // utime + stime
  } catch {
    return 0;
  }
}

function machineBusyJiffies(): number {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
  const [, user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).map(Number);
  return user! + nice! + system! + irq! + softirq! + steal!;
}

interface CpuSnapshot {
  at: number;
  busy: number;
  ours: number;
}

interface CpuUse {
  /** Cores' worth of CPU used by the benchmark's processes during the phase. */
  ours: number;
  /** Cores' worth of CPU used by everything else on the machine. */
  others: number;
  /** 1-minute load average at the end of the phase. */
  load1m: number;
}

// ---------------------------------------------------------------------------------------------
// Step 1: operation costs and peers, in this process.

async function measureAsync(fn: () => Promise<unknown>, seconds: number): Promise<Measurement> {
  const warmEnd = performance.now() + (seconds * 1000) / 5;
  while (performance.now() < warmEnd) await fn();
  const start = performance.now();
  let iterations = 0;
  while (performance.now() - start < seconds * 1000) {
    await fn();
    iterations++;
  }
  const elapsed = (performance.now() - start) / 1000;
  return { iterations, seconds: elapsed, opsPerSec: iterations / elapsed, rsd: 0 };
}

interface OpCosts {
  /** Microseconds per call. */
  mul: number;
  mulBase: number;
  add: number;
  hashToGroup: number;
  isCanonicalElement: number;
  scalarInvert: number;
  /** a·P + b·Q, constant time (one multiScalarMul of two terms). */
  mul2: number;
  /** a·G + b·P, variable time (public data: proof verification). */
  mulBaseAddVartime: number;
}

function measureOpCosts(group: Group): OpCosts {
  const suite = createSuite(group);
  const scalars = Array.from({ length: 16 }, () => randomScalar(group, rng));
  const points = scalars.map((s) => group.mulBase(s));
  const inputs = Array.from({ length: 16 }, () => rng(32));
  let i = 0;
  const us = (fn: () => unknown): number => 1e6 / measure(fn, secs(0.6)).opsPerSec;
  return {
    mul: us(() => group.mul(scalars[i % 16]!, points[i++ % 16]!)),
    mulBase: us(() => group.mulBase(scalars[i++ % 16]!)),
    add: us(() => group.add(points[i % 16]!, points[(i++ + 1) % 16]!)),
    hashToGroup: us(() => suite.hashToGroup(inputs[i++ % 16]!)),
    isCanonicalElement: us(() => group.isCanonicalElement(points[i++ % 16]!)),
    scalarInvert: us(() => group.scalarInvert(scalars[i++ % 16]!)),
    mul2: us(() => group.multiScalarMul([scalars[i % 16]!, scalars[(i + 1) % 16]!], [points[(i + 2) % 16]!, points[(i++ + 3) % 16]!])),
    mulBaseAddVartime: us(() => group.mulBaseAddVartime(scalars[i % 16]!, scalars[(i + 1) % 16]!, points[i++ % 16]!)),
  };
}

/**
 * The crypto CPU of one derivation with `group`, measured on the code the processes run: a node's
 * `evaluatePartial` over a batch (BlindEvaluate + DLEQ proof) per evaluated element, and the
 * client's blind, `verifyPartial` of t answers, `combineUnblind` and Finalize hash per
 * derivation. The limit is what the machine's cores could derive if they did nothing else:
 * CORES / (client + nodes asked × node), everything else (gRPC, TLS, protobuf) free.
 */
function measureCryptoCpu(group: Group, size: number) {
  const suite = createSuite(group);
  const k = randomScalar(group, rng);
  const { shares, commitments } = splitSecret(group, k, THRESHOLD, NODES, rng);
  const pks = shares.map((sh) => publicShare(group, commitments, sh.index));
  const inputs = Array.from({ length: size }, (_, j) => utf8(`bench ${j}`));
  const fixed = inputs.map((x) => blind(suite, x, rng));
  const B = fixed.map((b) => b.blindedElement);
  const answers = shares.slice(0, THRESHOLD).map((sh, i) => evaluatePartial(suite, sh, pks[i]!, B, rng));
  const node = measure(() => evaluatePartial(suite, shares[0]!, pks[0]!, B, rng), secs(1));
  const client = measure(() => {
    const blinded = inputs.map((x) => blind(suite, x, rng));
    // The fixed answers are for `fixed`'s blinds; verifying them costs what verifying fresh ones does.
    const verified = answers.map((a, i) => verifyPartial(suite, pks[i]!, B, a));
    const N = combineUnblind(suite, verified, fixed.map((b) => b.blind));
    return [blinded, N.map((n, j) => finalizeHash(suite, inputs[j]!, n))];
  }, secs(1));
  const nodeUsPerElement = 1e6 / node.opsPerSec / size;
  const clientUsPerDerivation = 1e6 / client.opsPerSec / size;
  return { backend: group.name, library: group.library, batch: size, nodeUsPerElement, clientUsPerDerivation };
}
type CryptoCpu = ReturnType<typeof measureCryptoCpu>;

function cryptoLimit(c: CryptoCpu, nodesAsked: number) {
  return { ...c, nodesAsked, limitPerSec: (CORES * 1e6) / (c.clientUsPerDerivation + nodesAsked * c.nodeUsPerElement) };
}

/** splitkey's crypto core, one server in process: blind → evaluatePartial → verifyPartial → finalize. */
function measureOwnRound(group: Group): Measurement {
  const suite = createSuite(group);
  const sk = randomScalar(group, rng);
  const pk = group.mulBase(sk);
  const input = utf8('splitkey bench input');
  const share = { index: 1, value: sk };
  return measure(() => {
    const b = blind(suite, input, rng);
    const res = evaluatePartial(suite, share, pk, [b.blindedElement], rng);
    const ok = verifyPartial(suite, pk, [b.blindedElement], res);
    return finalize(suite, input, b.blind, ok.evaluatedElements[0]!);
  }, secs(2));
}

interface Peers {
  voprfTs: Measurement;
  noble: Measurement;
  splitkeyInProcess: Measurement;
  outputsAgree: boolean;
}

async function measurePeers(group: Group): Promise<Peers> {
  const suite = createSuite(group);
  const sk = randomScalar(group, rng);
  const pk = group.mulBase(sk);
  const input = utf8('splitkey bench input');
  const expected = toHex(evaluate(suite, sk, input));

  // @cloudflare/voprf-ts with its noble provider (ristretto255 needs it: WebCrypto has no such curve).
  const tsSuite = VoprfTs.Suite.RISTRETTO255_SHA512;
  const tsPk = generatePublicKey(tsSuite, sk, CryptoNoble);
  const tsServer = new VOPRFServer(tsSuite, sk, CryptoNoble);
  const tsClient = new VOPRFClient(tsSuite, tsPk, CryptoNoble);
  const tsRound = async (): Promise<Uint8Array> => {
    const [finData, req] = await tsClient.blind([input]);
    const evaluation = await tsServer.blindEvaluate(req);
    const [out] = await tsClient.finalize(finData, evaluation);
    return out!;
  };

  const v = ristretto255_oprf.voprf;
  const nobleRound = (): Uint8Array => {
    const b = v.blind(input);
    const e = v.blindEvaluate(sk, pk, b.blinded);
    return v.finalize(input, b.blind, e.evaluated, b.blinded, pk, e.proof);
  };

  const share = { index: 1, value: sk };
  const ownRound = (): Uint8Array => {
    const b = blind(suite, input, rng);
    const res = evaluatePartial(suite, share, pk, [b.blindedElement], rng);
    const ok = verifyPartial(suite, pk, [b.blindedElement], res);
    return finalize(suite, input, b.blind, ok.evaluatedElements[0]!);
  };

  const outputsAgree = [toHex(await tsRound()), toHex(nobleRound()), toHex(ownRound())].every((h) => h === expected);
  log('  peer: @cloudflare/voprf-ts (noble provider) VOPRF round…');
  const voprfTs = await measureAsync(tsRound, secs(3));
  log('  peer: @noble/curves ristretto255_oprf.voprf round…');
  const noble = measure(nobleRound, secs(3));
  log('  splitkey crypto core, single server in process…');
  const splitkeyInProcess = measure(ownRound, secs(2));
  return { voprfTs, noble, splitkeyInProcess, outputsAgree };
}

/** Group operations one node performs to answer a batch of `size` (the nodes' own code path). */
function nodeOps(group: Group, size: number): Record<string, number> {
  const ops: Record<string, number> = {};
  const counting = Object.fromEntries(
    Object.entries(group).map(([name, value]) => [
      name,
      typeof value === 'function'
        ? (...args: unknown[]) => {
            ops[name] = (ops[name] ?? 0) + 1;
            return (value as (...a: unknown[]) => unknown).apply(group, args);
          }
        : value,
    ]),
  ) as unknown as Group;
  const suite = createSuite(counting);
  const plain = createSuite(group);
  const k = randomScalar(group, rng);
  const pk = group.mulBase(k);
  const B = Array.from({ length: size }, (_, j) => blind(plain, utf8(`n${j}`), rng).blindedElement);
  for (const key of Object.keys(ops)) delete ops[key];
  evaluatePartial(suite, { index: 1, value: k }, pk, B, rng);
  return ops;
}

// ---------------------------------------------------------------------------------------------
// The client process.

class Worker {
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  readonly ready: Promise<void>;

  constructor(readonly child: ChildProcess) {
    this.ready = new Promise((resolve, reject) => {
      this.waiting.set(0, { resolve: () => resolve(), reject });
      child.once('exit', (code) => {
        for (const w of this.waiting.values()) w.reject(new Error(`client process exited with code ${code}`));
        this.waiting.clear();
      });
    });
    child.on('message', (msg: { id: number; ok: boolean; result?: unknown; error?: string }) => {
      const w = this.waiting.get(msg.id);
      if (!w) return;
      this.waiting.delete(msg.id);
      if (msg.ok) w.resolve(msg.result);
      else w.reject(new Error(`client process: ${msg.error}`));
    });
  }

  call<T>(op: string, args: Record<string, unknown> = {}): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.child.send({ id, op, ...args });
    });
  }
}

interface LoopResult {
  rate: number;
  items: number;
  seconds: number;
  errors: number;
  firstError?: string;
  evaluateCallsPerDerivation: number;
}

interface FileResult {
  seconds: number;
  bytes: number;
  rss?: { before: number; min: number; max: number; after: number; samples: number; atQuarters: number[] };
  memory?: { bytes: number; seconds: number };
}

// ---------------------------------------------------------------------------------------------

async function writeRandomFile(path: string, bytes: number): Promise<void> {
  // AES-CTR keystream: incompressible, and much faster to make than randomBytes.
  const ctr = createCipheriv('aes-256-ctr', randomBytes(32), randomBytes(16));
  const zero = Buffer.alloc(8 << 20);
  const fh = await open(path, 'w');
  try {
    for (let done = 0; done < bytes; ) {
      const n = Math.min(zero.length, bytes - done);
      await fh.write(ctr.update(zero.subarray(0, n)));
      done += n;
    }
  } finally {
    await fh.close();
  }
}

async function filesEqual(a: string, b: string): Promise<boolean> {
  const fa = await open(a, 'r');
  const fb = await open(b, 'r');
  try {
    const [sa, sb] = [await fa.stat(), await fb.stat()];
    if (sa.size !== sb.size) return false;
    const ba = Buffer.allocUnsafe(8 << 20);
    const bb = Buffer.allocUnsafe(8 << 20);
    for (let pos = 0; pos < sa.size; ) {
      const { bytesRead } = await fa.read(ba, 0, ba.length, pos);
      await fb.read(bb, 0, bytesRead, pos);
      if (!ba.subarray(0, bytesRead).equals(bb.subarray(0, bytesRead))) return false;
      pos += bytesRead;
    }
    return true;
  } finally {
    await fa.close();
    await fb.close();
  }
}

function benchTmpRoot(): string {
  if (process.env.BENCH_TMPDIR) return process.env.BENCH_TMPDIR;
  return existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
}

async function main(): Promise<void> {
  const started = performance.now();
  const env = environment();
  const loadAtStart = loadavg();
  log(`splitkey cluster benchmark — load average ${loadAtStart.map((x) => x.toFixed(2)).join(' ')} on ${CORES} CPUs`);

  // Step 1 -------------------------------------------------------------------------------------
  // The backend the nodes and the client run (native where the addon is built), and every
  // constant-time backend priced side by side: native first (the fastest), then libsodium wasm.
  const group = await loadGroup();
  const wasm = await loadGroup('sodium');
  const native = loadNativeGroup().group;
  const priced: Group[] = native ? [native, wasm] : [wasm];
  log(`group backend of the nodes and the client: ${describeGroup(group)} (SPLITKEY_BACKEND=${process.env.SPLITKEY_BACKEND ?? ''}, default ${defaultBackend()})`);
  const costsBy: Record<string, OpCosts> = {};
  const cryptoBy: Record<string, { b1: CryptoCpu; b256: CryptoCpu }> = {};
  for (const g of priced) {
    log(`operation costs and crypto CPU per derivation (${describeGroup(g)})…`);
    costsBy[g.name] = measureOpCosts(g);
    cryptoBy[g.name] = { b1: measureCryptoCpu(g, 1), b256: measureCryptoCpu(g, 256) };
  }
  const costs = costsBy[group.name] ?? measureOpCosts(group);
  const peers = await measurePeers(group);
  if (!peers.outputsAgree) throw new Error('peers and splitkey disagree on the VOPRF output');
  const ownRoundBy: Record<string, Measurement> = { [group.name]: peers.splitkeyInProcess };
  for (const g of priced) if (!ownRoundBy[g.name]) ownRoundBy[g.name] = measureOwnRound(g);
  const nodeOpsBySize = { 1: nodeOps(group, 1), 256: nodeOps(group, 256) } as Record<number, Record<string, number>>;

  // Step 2 -------------------------------------------------------------------------------------
  const dir = await mkdtemp(join(tmpdir(), 'splitkey-bench-'));
  const fileDir = await mkdtemp(join(benchTmpRoot(), 'splitkey-bench-files-'));
  const profileDir = process.env.BENCH_PROFILE;
  if (profileDir) mkdirSync(profileDir, { recursive: true });
  const profileEnv: Record<string, string> = profileDir
    ? { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import=${join(HERE, 'cpu-profile.js')}`.trim(), BENCH_PROFILE_DIR: profileDir }
    : {};
  log(`cluster: 3-of-5, node processes over mTLS in ${dir} (evaluateThreads ${EVALUATE_THREADS ?? 'default'})…`);
  const cluster = await DevCluster.create({
    dir,
    nodes: NODES,
    threshold: THRESHOLD,
    nodeEnv: () => ({ SPLITKEY_LOG_LEVEL: 'warn', ...profileEnv }),
    // The nodes' shipped per-identity rate limit (node/config.ts defaultRateLimit, sized by the
    // backend): the one client identity asks each node for ~2,300 elements/s at batched rates
    // (3-of-5); a refused derivation counts as an error and fails its row.
    nodeConfig: EVALUATE_THREADS !== undefined ? { limits: { evaluateThreads: EVALUATE_THREADS } } : {},
  });
  let worker: Worker | undefined;
  let rateLimit: { perSecond: number; burst: number } | undefined;
  try {
    await cluster.start();
    const envVars = cluster.env;
    const descriptor = await loadDescriptor(envVars.SPLITKEY_CLUSTER!);
    const admin = new AdminClient(new NodeChannels(descriptor, await readTlsFiles({ ca: envVars.SPLITKEY_CA!, cert: envVars.SPLITKEY_ADMIN_CERT!, key: envVars.SPLITKEY_ADMIN_KEY! })));
    await admin.importKey(KEY, randomScalar(group, rng), THRESHOLD);
    const status = await admin.nodeStatus(1);
    rateLimit = { perSecond: status.ratePerSecond, burst: status.rateBurst };
    log(`nodes' per-identity rate limit: ${rateLimit.perSecond} elements/s, burst ${rateLimit.burst} (node 1's NodeStatus)`);
    admin.close();
    const nodePids = [...cluster.nodes.values()].map((n) => n.child!.pid!);

    // Step 3 -----------------------------------------------------------------------------------
    const child = fork(join(HERE, 'client-worker.js'), [], {
      env: { ...cluster.clientEnv(), BENCH_KEY: KEY, ...profileEnv },
      execArgv: ['--expose-gc'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    worker = new Worker(child);
    await worker.ready;
    const pids = [process.pid, child.pid!, ...nodePids];
    const snapshot = (): CpuSnapshot => ({ at: performance.now(), busy: machineBusyJiffies(), ours: pids.reduce((a, p) => a + procJiffies(p), 0) });
    const cpuSince = (s: CpuSnapshot): CpuUse => {
      const now = snapshot();
      const wall = (now.at - s.at) / 1000;
      const ours = (now.ours - s.ours) / CLK_TCK / wall;
      const all = (now.busy - s.busy) / CLK_TCK / wall;
      return { ours, others: Math.max(0, all - ours), load1m: loadavg()[0]! };
    };
    const phase = async <T>(title: string, fn: () => Promise<T>): Promise<T & { cpu: CpuUse }> => {
      log(`${title}…`);
      const s = snapshot();
      const r = await fn();
      const cpu = cpuSince(s);
      log(`  cpu: ours ${cpu.ours.toFixed(2)} cores, others ${cpu.others.toFixed(2)} cores, load ${cpu.load1m.toFixed(2)}`);
      return { ...r, cpu };
    };

    const counts1 = await worker.call<{ ops: Record<string, number>; evaluateCalls: number }>('count', { size: 1 });
    const counts256 = await worker.call<{ ops: Record<string, number>; evaluateCalls: number }>('count', { size: 256 });

    // Steady state: the JIT of every process has compiled the hot paths before anything is timed.
    await phase('warm-up: 64 concurrent deriveKey for a few seconds (not reported)', () =>
      worker!.call<LoopResult>('concurrent', { callers: 64, seconds: secs(3), warmupSeconds: 0, coalesce: false }),
    );
    type Latency = { count: number; p50: number; p90: number; p99: number; min: number; max: number; mean: number };
    const sequential = await phase('sequential deriveKey, coalescing off', () =>
      worker!.call<Latency>('sequential', { seconds: secs(6), warmupSeconds: secs(1), coalesce: false }),
    );
    const sequentialDefault = await phase('sequential deriveKey, default client (1 ms coalescing window)', () =>
      worker!.call<Latency>('sequential', { seconds: secs(3), warmupSeconds: secs(0.5), coalesce: true }),
    );
    const unbatched = await phase('unbatched: 64 concurrent deriveKey, coalescing off', () =>
      worker!.call<LoopResult>('concurrent', { callers: 64, seconds: secs(10), warmupSeconds: secs(2), coalesce: false }),
    );
    const batched = await phase(`batched: deriveKeys(256), ${BATCH_INFLIGHT} in flight`, () =>
      worker!.call<LoopResult>('batched', { size: 256, inflight: BATCH_INFLIGHT, seconds: secs(10), warmupSeconds: secs(2) }),
    );
    const coalesced = await phase('coalesced: 256 concurrent deriveKey, coalescing on (1 ms)', () =>
      worker!.call<LoopResult>('concurrent', { callers: 256, seconds: secs(10), warmupSeconds: secs(2), coalesce: true }),
    );

    const fileBytes = FILE_MB * 2 ** 20;
    const plain = join(fileDir, 'plain.bin');
    const sealed = join(fileDir, 'plain.bin.splk');
    const opened = join(fileDir, 'plain.out');
    const rawOut = join(fileDir, 'plain.aes');
    // This machine is a VM whose memory the host backs only when first touched: writing into
    // pages nothing has used yet runs several times slower (EPT faults, invisible inside the
    // guest) and would measure the hypervisor, not the code. Touch as much memory as the bulk
    // phase will hold (plain, sealed, opened, raw output) once, then free it.
    const prefault = join(fileDir, 'prefault.bin');
    const prefaultStart = performance.now();
    log(`bulk: touching ${4 * FILE_MB} MiB of memory once (scratch file, deleted)…`);
    await writeRandomFile(prefault, 4 * fileBytes);
    await rm(prefault, { force: true });
    const prefaultSeconds = (performance.now() - prefaultStart) / 1000;
    log(`bulk: writing a ${FILE_MB} MiB file in ${fileDir}…`);
    await writeRandomFile(plain, fileBytes);
    // Rounds of the three, interleaved; the best of each is reported (all are in the JSON).
    type Timed = FileResult & { cpu: CpuUse };
    const bulkRounds: { rawAes: Timed; encrypt: Timed; decrypt: Timed }[] = [];
    let roundTrip = true;
    for (let round = 1; round <= BULK_ROUNDS; round++) {
      for (const f of [rawOut, sealed, opened]) await rm(f, { force: true });
      const of = `${round}/${BULK_ROUNDS}`;
      const rawAes = await phase(`bulk ${of}: node:crypto AES-256-GCM stream over the same file`, () => worker!.call<FileResult>('rawAes', { input: plain, output: rawOut }));
      await rm(rawOut, { force: true });
      const encrypt = await phase(`bulk ${of}: client.encryptFile`, () => worker!.call<FileResult>('encrypt', { input: plain, output: sealed }));
      const decrypt = await phase(`bulk ${of}: client.decryptFile`, () => worker!.call<FileResult>('decrypt', { input: sealed, output: opened }));
      roundTrip &&= await filesEqual(plain, opened);
      if (!roundTrip) throw new Error('decrypted file differs from the original');
      bulkRounds.push({ rawAes, encrypt, decrypt });
    }
    const best = (pick: (r: (typeof bulkRounds)[number]) => Timed): Timed => bulkRounds.map(pick).reduce((a, b) => (b.seconds < a.seconds ? b : a));
    const rawAes = best((r) => r.rawAes);
    const encrypt = best((r) => r.encrypt);
    const decrypt = best((r) => r.decrypt);
    const clientStatus = await worker.call<{ rss: number; hwm: number }>('rss');

    // Step 5 -----------------------------------------------------------------------------------
    const nodeMemory = nodePids.map((pid, i) => ({ index: i + 1, pid, ...(readProcStatus(pid) ?? { rss: NaN, hwm: NaN }) }));

    // Step 4 -----------------------------------------------------------------------------------
    const opCost = (ops: Record<string, number>, which: (keyof OpCosts)[]): number => which.reduce((a, op) => a + (ops[op] ?? 0) * costs[op], 0);
    const perDerivation = (client: { ops: Record<string, number>; evaluateCalls: number }, size: number) => {
      const node = nodeOpsBySize[size]!;
      const asked = client.evaluateCalls;
      const mulCount = ((client.ops.mul ?? 0) + asked * (node.mul ?? 0)) / size;
      const baseCount = ((client.ops.mulBase ?? 0) + asked * (node.mulBase ?? 0)) / size;
      const multUs = (opCost(client.ops, ['mul', 'mulBase']) + asked * opCost(node, ['mul', 'mulBase'])) / size;
      const all: (keyof OpCosts)[] = ['mul', 'mulBase', 'add', 'hashToGroup', 'isCanonicalElement', 'scalarInvert'];
      const allUs = (opCost(client.ops, all) + asked * opCost(node, all)) / size;
      return {
        batch: size,
        nodesAsked: asked,
        clientOps: client.ops,
        nodeOpsPerRequest: node,
        scalarMults: mulCount,
        baseMults: baseCount,
        scalarMultMicros: multUs,
        limitPerSec: (CORES * 1e6) / multUs,
        allGroupOpsMicros: allUs,
        limitAllGroupOpsPerSec: (CORES * 1e6) / allUs,
      };
    };
    const opCounts1 = perDerivation(counts1, 1);
    const opCounts256 = perDerivation(counts256, 256);
    const limitsBy = Object.fromEntries(
      priced.map((g) => [g.name, { b1: cryptoLimit(cryptoBy[g.name]!.b1, counts1.evaluateCalls), b256: cryptoLimit(cryptoBy[g.name]!.b256, counts256.evaluateCalls) }]),
    );
    // "vs limit" is against the fastest backend available (native where built).
    const limit1 = limitsBy[priced[0]!.name]!.b1;
    const limit256 = limitsBy[priced[0]!.name]!.b256;

    await worker.call('close').catch(() => undefined);
    worker = undefined;

    // Report -----------------------------------------------------------------------------------
    const voprfRate = peers.voprfTs.opsPerSec;
    const voprfRoundMs = 1000 / voprfRate;
    const rawMBs = mb(rawAes.bytes) / rawAes.seconds;
    const rawMemMBs = Math.max(...bulkRounds.map((r) => (r.rawAes.memory ? mb(r.rawAes.memory.bytes) / r.rawAes.memory.seconds : NaN)));
    const encMBs = mb(encrypt.bytes) / encrypt.seconds;
    const decMBs = mb(decrypt.bytes) / decrypt.seconds;
    const maxNodeHwm = Math.max(...nodeMemory.map((n) => n.hwm));
    const encRss = encrypt.rss!;
    // Constant: no growth from the first quarter of the file to its end (the rise before the
    // first quarter is the fixed working set: I/O buffers and garbage not yet collected).
    const rssFlat = mb(Math.max(...encRss.atQuarters) - encRss.atQuarters[0]!) < 32;

    const fmt = (x: number, d = 0): string => x.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
    const ratio = (x: number): string => (Number.isFinite(x) ? `${x.toFixed(2)}×` : '');
    const pct = (x: number): string => `${(x * 100).toFixed(0)}%`;
    const met = (ok: boolean): string => (ok ? 'yes' : 'NO');
    const cpuNote = (c: CpuUse): string => `${c.ours.toFixed(2)}/${c.others.toFixed(2)}`;
    const rate = (r: LoopResult): string => `${fmt(r.rate)} /s${r.errors > 0 ? ` (${r.errors} errors)` : ''}`;

    const asked = (r: LoopResult, perRequest: number): string => ` [${fmt(r.evaluateCallsPerDerivation * perRequest, 2)} nodes/req]`;
    const rows: string[][] = [
      ['sequential deriveKey p50 / p99 (coalescing off)', `${fmt(sequential.p50, 2)} / ${fmt(sequential.p99, 2)} ms`, ratio(sequential.p50 / voprfRoundMs), '', '', `p50 ≤ ${TARGETS.sequentialVsVoprfRound}× a voprf-ts round (${fmt(voprfRoundMs, 2)} ms)`, met(sequential.p50 <= TARGETS.sequentialVsVoprfRound * voprfRoundMs), cpuNote(sequential.cpu)],
      ['sequential, default client (1 ms window)', `${fmt(sequentialDefault.p50, 2)} / ${fmt(sequentialDefault.p99, 2)} ms`, '', '', '', '', '', cpuNote(sequentialDefault.cpu)],
      ['unbatched, 64 concurrent (coalescing off)' + asked(unbatched, 1), rate(unbatched), ratio(unbatched.rate / voprfRate), '', pct(unbatched.rate / limit1.limitPerSec), `≥ ${TARGETS.unbatchedVsVoprfTs}× voprf-ts`, met(unbatched.rate / voprfRate >= TARGETS.unbatchedVsVoprfTs && unbatched.errors === 0), cpuNote(unbatched.cpu)],
      [`batched, deriveKeys(256) × ${BATCH_INFLIGHT} in flight` + asked(batched, 256), rate(batched), ratio(batched.rate / voprfRate), '', pct(batched.rate / limit256.limitPerSec), `≥ ${TARGETS.batchedVsVoprfTs}× voprf-ts, ≥ ${pct(TARGETS.batchedVsLimit)} of limit`, met(batched.rate / voprfRate >= TARGETS.batchedVsVoprfTs && batched.rate / limit256.limitPerSec >= TARGETS.batchedVsLimit && batched.errors === 0), cpuNote(batched.cpu)],
      ['coalesced, 256 concurrent (window 1 ms)', rate(coalesced), ratio(coalesced.rate / voprfRate), '', pct(coalesced.rate / limit256.limitPerSec), `≥ ${TARGETS.batchedVsVoprfTs}× voprf-ts, ≥ ${pct(TARGETS.batchedVsLimit)} of limit`, met(coalesced.rate / voprfRate >= TARGETS.batchedVsVoprfTs && coalesced.rate / limit256.limitPerSec >= TARGETS.batchedVsLimit && coalesced.errors === 0), cpuNote(coalesced.cpu)],
      ['peer: voprf-ts VOPRF round (noble, in-process)', `${fmt(voprfRate, 1)} /s`, '1.00×', '', '', '', '', ''],
      ['peer: noble ristretto255_oprf.voprf round', `${fmt(peers.noble.opsPerSec, 1)} /s`, ratio(peers.noble.opsPerSec / voprfRate), '', '', '', '', ''],
      ...priced.map((g) => [`splitkey core, 1 server in-process (${g.name})`, `${fmt(ownRoundBy[g.name]!.opsPerSec, 1)} /s`, ratio(ownRoundBy[g.name]!.opsPerSec / voprfRate), '', '', '', '', '']),
      ...priced.flatMap((g) =>
        (['b1', 'b256'] as const).map((b) => {
          const l = limitsBy[g.name]![b];
          return [
            `limit, batch ${l.batch}, ${g.name}: crypto CPU/derivation`,
            `${fmt(l.limitPerSec)} /s`,
            ratio(l.limitPerSec / voprfRate),
            '',
            pct(l.limitPerSec / (b === 'b1' ? limit1 : limit256).limitPerSec),
            `client ${fmt(l.clientUsPerDerivation)} µs + ${fmt(l.nodesAsked, 2)} × node ${fmt(l.nodeUsPerElement)} µs`,
            '',
            '',
          ];
        }),
      ),
      [`bulk encrypt, ${FILE_MB} MiB file (best of ${BULK_ROUNDS})`, `${fmt(encMBs)} MB/s`, '', ratio(encMBs / rawMBs), '', `≥ ${TARGETS.encryptVsRawAes}× raw AES-GCM`, met(encMBs / rawMBs >= TARGETS.encryptVsRawAes), cpuNote(encrypt.cpu)],
      [`bulk decrypt, ${FILE_MB} MiB file (best of ${BULK_ROUNDS})`, `${fmt(decMBs)} MB/s`, '', ratio(decMBs / rawMBs), '', '', '', cpuNote(decrypt.cpu)],
      ['raw AES-256-GCM stream, same file (node:crypto)', `${fmt(rawMBs)} MB/s`, '', '1.00×', '', '', '', cpuNote(rawAes.cpu)],
      ['raw AES-256-GCM, in memory (no I/O)', `${fmt(rawMemMBs)} MB/s`, '', ratio(rawMemMBs / rawMBs), '', '', '', ''],
      ['node RSS, max VmHWM of 5', `${fmt(mb(maxNodeHwm), 1)} MB`, '', '', '', `≤ ${TARGETS.nodeRssMb} MB`, met(mb(maxNodeHwm) <= TARGETS.nodeRssMb), ''],
      [
        'client RSS while encrypting: before → at 25/50/75/99%',
        `${fmt(mb(encRss.before))} → ${encRss.atQuarters.map((x) => fmt(mb(x))).join('/')} MB`,
        '',
        '',
        '',
        'constant',
        met(rssFlat),
        '',
      ],
    ];
    const totalSeconds = (performance.now() - started) / 1000;
    console.log(`splitkey cluster benchmark — ${env.date}`);
    console.log(
      `node ${env.node}, ${env.platform}, ${env.cpu} (${env.cpuCount} CPUs); 3-of-5 mTLS cluster, 5 node processes + 1 client process on this machine; ` +
        `load average at start ${loadAtStart.map((x) => x.toFixed(2)).join(' ')}`,
    );
    console.log(`group backend of the nodes and the client: ${describeGroup(group)}; nodes' per-identity rate limit ${rateLimit?.perSecond}/s (burst ${rateLimit?.burst})`);
    for (const g of priced) {
      const c = costsBy[g.name]!;
      console.log(
        `${g.name} (${g.library}): k·P ${fmt(c.mul, 1)} µs, k·G ${fmt(c.mulBase, 1)} µs, P+Q ${fmt(c.add, 1)} µs, hashToGroup ${fmt(c.hashToGroup, 1)} µs, ` +
          `decode ${fmt(c.isCanonicalElement, 1)} µs, 1/s ${fmt(c.scalarInvert, 1)} µs, a·P+b·Q ${fmt(c.mul2, 1)} µs, a·G+b·P (vartime) ${fmt(c.mulBaseAddVartime, 1)} µs`,
      );
    }
    console.log();
    console.log(formatTable(['measure', 'result', 'vs voprf-ts', 'vs raw AES', 'vs limit', 'target', 'met', 'cpu ours/others'], rows));
    console.log();
    console.log(
      `limit = ${CORES} cores / (client crypto CPU per derivation + nodes asked × node crypto CPU per evaluated element), each measured in process on the code ` +
        `the processes run (node: evaluatePartial over the batch; client: blind, verifyPartial of ${THRESHOLD} answers, combineUnblind, Finalize hash); ` +
        `"vs limit" is against ${describeGroup(priced[0]!)}. Nodes asked per request: ${fmt(limit1.nodesAsked, 2)} at batch 1, ${fmt(limit256.nodesAsked, 2)} at batch 256.`,
    );
    console.log(`cpu ours/others: cores' worth of CPU used by the benchmark's processes / by everything else during the phase. Total ${totalSeconds.toFixed(0)} s.`);

    mkdirSync(new URL('.', RESULTS), { recursive: true });
    const json = {
      benchmark: 'cluster',
      ...env,
      loadAverageAtStart: loadAtStart,
      cluster: { nodes: NODES, threshold: THRESHOLD, tls: 'mTLS', processes: 'each node and the client in its own process', evaluateThreads: EVALUATE_THREADS ?? 'default' },
      scale,
      fileMiB: FILE_MB,
      fileDir: benchTmpRoot(),
      totalSeconds,
      targets: TARGETS,
      groupBackend: describeGroup(group),
      nodeRateLimit: rateLimit,
      opCostsMicros: costs,
      opCostsMicrosByBackend: costsBy,
      cryptoCpuByBackend: limitsBy,
      splitkeyInProcessByBackend: ownRoundBy,
      peers: {
        voprfTsNoble: peers.voprfTs,
        nobleRistretto255Oprf: peers.noble,
        splitkeySingleServerInProcess: peers.splitkeyInProcess,
        outputsAgree: peers.outputsAgree,
      },
      sequential: { coalesceWindowMs: 0, ...sequential },
      sequentialDefaultClient: { coalesceWindowMs: 1, ...sequentialDefault },
      unbatched: { callers: 64, coalesceWindowMs: 0, ...unbatched },
      batched: { size: 256, inflight: BATCH_INFLIGHT, ...batched },
      coalesced: { callers: 256, coalesceWindowMs: 1, ...coalesced },
      limit: { backend: priced[0]!.name, batch1: limit1, batch256: limit256 },
      opCounts: { batch1: opCounts1, batch256: opCounts256 },
      bulk: {
        rawAes: { ...rawAes, mbPerSec: rawMBs, memoryMbPerSec: rawMemMBs },
        encrypt: { ...encrypt, mbPerSec: encMBs, vsRawAes: encMBs / rawMBs },
        decrypt: { ...decrypt, mbPerSec: decMBs, vsRawAes: decMBs / rawMBs },
        roundTrip,
        prefaultSeconds,
        rounds: bulkRounds.map((r) => ({
          rawAesMbPerSec: mb(r.rawAes.bytes) / r.rawAes.seconds,
          encryptMbPerSec: mb(r.encrypt.bytes) / r.encrypt.seconds,
          decryptMbPerSec: mb(r.decrypt.bytes) / r.decrypt.seconds,
        })),
      },
      memory: { nodes: nodeMemory, client: clientStatus },
      ratios: {
        batchedVsVoprfTs: batched.rate / voprfRate,
        coalescedVsVoprfTs: coalesced.rate / voprfRate,
        unbatchedVsVoprfTs: unbatched.rate / voprfRate,
        batchedVsLimit: batched.rate / limit256.limitPerSec,
        unbatchedVsLimit: unbatched.rate / limit1.limitPerSec,
        encryptVsRawAes: encMBs / rawMBs,
        decryptVsRawAes: decMBs / rawMBs,
      },
      met: {
        batched: batched.rate >= TARGETS.batchedPerSec,
        unbatched: unbatched.rate >= TARGETS.unbatchedPerSec,
        sequentialP50: sequential.p50 <= TARGETS.sequentialP50Ms,
        vsVoprfTs: batched.rate / voprfRate >= TARGETS.vsVoprfTs,
        encryptVsRawAes: encMBs / rawMBs >= TARGETS.encryptVsRawAes,
        nodeRss: mb(maxNodeHwm) <= TARGETS.nodeRssMb,
        clientRssConstant: rssFlat,
      },
    };
    writeFileSync(RESULTS, `${JSON.stringify(json, null, 2)}\n`);
    console.log(`wrote ${fileURLToPath(RESULTS)}`);
  } finally {
    if (worker) {
      worker.child.kill('SIGTERM');
    }
    await cluster.stop().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
    await rm(fileDir, { recursive: true, force: true });
  }
}

await main();
