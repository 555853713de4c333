/**
 * The operator surface tells the truth (issue 11): the compiled CLI against a 2-of-3 dev cluster
 * of node processes, including frozen (SIGSTOP), killed and blackholed nodes. Every command must
 * end soon after its last line, exit non-zero on any failure, and say what to do in plain words.
 * Needs `npm run build`. SPLITKEY_CLI_UNDER_TEST runs the same checks against another build.
 */
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliEntry, DevCluster } from '../cli/dev-cluster.js';
import { defaultRateLimit } from '../node/config.js';

const CLI = process.env.SPLITKEY_CLI_UNDER_TEST ?? cliEntry();

let dir: string;
let cluster: DevCluster;
let env: NodeJS.ProcessEnv;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  /** From spawn to exit. */
  totalMs: number;
  /** From the last byte of output to exit. */
  afterOutputMs: number;
}

function splitkey(args: string[], opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<Run> {
  const start = performance.now();
  let last = start;
  let stdout = '';
  let stderr = '';
  const child = spawn(process.execPath, [CLI, ...args], { env: opts.env ?? env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.on('data', (d: Buffer) => ((stdout += d.toString()), (last = performance.now())));
  child.stderr.on('data', (d: Buffer) => ((stderr += d.toString()), (last = performance.now())));
  // A command that never ends is the bug under test: kill it after a while and report it.
  const guard = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 15_000);
  let end = start;
  child.once('exit', () => (end = performance.now()));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(guard);
      if (process.env.DEBUG_CLI_RUNS) console.error(args.join(" "), code, Math.round(end - start), Math.round(end - last), stderr.slice(0, 300));
      resolve({ code, stdout, stderr, totalMs: end - start, afterOutputMs: end - last });
    });
  });
}

const lines = (s: string) => s.trimEnd().split('\n');
const sha256 = async (path: string) => createHash('sha256').update(await readFile(path)).digest('hex');

const randomSecretHex = () => {
  const s = randomBytes(32);
  s[31] = 0;
  s[0]! |= 1;
  return s.toString('hex');
};

async function importKey(name: string): Promise<void> {
  const r = await splitkey(['key', 'import', name, '--secret-hex', randomSecretHex()]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
}

/** A descriptor like the cluster's, with some node addresses replaced. */
async function descriptorWith(name: string, addresses: Record<number, string>): Promise<string> {
  const d = JSON.parse(await readFile(cluster.env.SPLITKEY_CLUSTER!, 'utf8')) as { nodes: { index: number; address: string }[] };
  for (const n of d.nodes) n.address = addresses[n.index] ?? n.address;
  const path = join(dir, name);
  await writeFile(path, JSON.stringify(d));
  return path;
}

/** A port on 127.0.0.1 that nothing listens on. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'splitkey-cli-truth-'));
  cluster = await DevCluster.create({ dir: join(dir, 'cluster'), nodes: 3, threshold: 2 });
  await cluster.start();
  env = { PATH: process.env.PATH, HOME: process.env.HOME, ...cluster.env };
  await importKey('demo/files');
});

afterAll(async () => {
  try {
    for (const i of [1, 2, 3]) cluster?.signal(i, 'SIGCONT');
    await cluster?.stop();
  } finally {
    if (dir) await rm(dir, { recursive: true, force: true });
  }
});

describe('splitkey CLI: what it says is what happened', () => {
  it('a subcommand --version N is the key version (not the program version); key destroy really destroys', async () => {
    const version = (await splitkey(['--version'])).stdout.split('\n');
    expect(version[0]).toBe('0.1.0');
    expect(version[1]).toMatch(/^group backend: (native \(libdecaf\)|sodium \(libsodium wasm; .+\))$/);
    await importKey('demo/gone');
    const plain = join(dir, 'gone.txt');
    await writeFile(plain, 'shred me');
    expect((await splitkey(['encrypt', '--key', 'demo/gone', plain, `${plain}.splk`])).code).toBe(0);
    const d = await splitkey(['key', 'destroy', 'demo/gone', '--version', '1', '--yes']);
    expect(d.stderr).toBe('');
    expect(d.stdout).toBe(
      'demo/gone version 1: share erased on nodes 1,2,3\n' +
        'signed destroy order kept on nodes 1,2,3: a node that missed the destroy erases its share when one of them shows it the order\n',
    );
    expect(d.code).toBe(0);
    const dec = await splitkey(['decrypt', `${plain}.splk`, join(dir, 'gone.out')]);
    expect(dec.code).toBe(1);
    expect(dec.stderr).toMatch(/destroyed/);
    const oprf = await splitkey(['oprf', '--key', 'demo/gone', '--version=1', '--input-hex', '00']);
    expect(oprf.code).toBe(1);
    expect(oprf.stderr).toMatch(/destroyed/);
  });

  it('every numeric option, key name and missing setting is refused with a sentence naming the flag (exit 2)', async () => {
    const noCluster = { PATH: process.env.PATH, HOME: process.env.HOME };
    const cases: [string[], RegExp, NodeJS.ProcessEnv?][] = [
      [['key', 'create', 'demo/x', '--threshold', 'x'], /'--threshold <t>' argument 'x' is invalid\. The threshold must be a whole number from 1 to 255/],
      [['oprf', '--key', 'demo/files', '--version=abc', '--input-hex', '00'], /'--version <v>' argument 'abc' is invalid\. A key version must be a whole number from 1/],
      [['oprf', '--key', 'demo/files', '--version=0', '--input-hex', '00'], /'--version <v>' argument '0' is invalid/],
      [['oprf', '--key', 'demo/files', '--input-hex', '00', '--timeout', 'abc'], /'--timeout <ms>' argument 'abc' is invalid/],
      [['key', 'refresh', 'demo/files', '--version', '1.5'], /'--version <v>' argument '1.5' is invalid/],
      [['key', 'import', 'Demo/X', '--secret-hex', '00'], /"Demo\/X" is not a valid key name: .*lowercase letters, digits/],
      [['status'], /--cluster FILE or set SPLITKEY_CLUSTER/, noCluster],
      [['appliance', '--allow-uid', '1000', '--socket-dir', join(dir, 'never-run'), '--uid-keys', '1000=Demo/App'], /--uid-keys must be UID=KEY\[,KEY\.\.\.\] with key names or tenant\/\*/],
      [['appliance', '--allow-uid', '1000', '--socket-dir', join(dir, 'never-run'), '--uid-keys', '1001=demo/app'], /--uid-keys names uid 1001, which --allow-uid does not list/],
      [['encrypt', '--key', 'demo/files', '/dev/null', join(dir, 'never')], /--master FILE or set SPLITKEY_MASTER/, { ...env, SPLITKEY_MASTER: '' }],
    ];
    const runs = await Promise.all(cases.map(([args, , e]) => splitkey(args, { env: e })));
    runs.forEach((r, i) => {
      const [args, pattern] = cases[i]!;
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stdout, args.join(' ')).toBe('');
      expect(lines(r.stderr), args.join(' ')).toHaveLength(1);
      expect(r.stderr, args.join(' ')).toMatch(pattern);
      expect(r.stderr, args.join(' ')).not.toMatch(/pass \{|connect\(\)/);
    });
    const exists = await splitkey(['key', 'create', 'demo/files']);
    expect(exists.code).toBe(1);
    expect(exists.stderr).toBe('splitkey: key demo/files already exists; to add a version run: splitkey key rotate demo/files\n');
  });

  it('encrypt, decrypt and cert issue refuse to replace an existing file unless --force', async () => {
    const plain = join(dir, 'keep.txt');
    const sealed = join(dir, 'keep.splk');
    await writeFile(plain, 'keep');
    await writeFile(sealed, 'precious');
    const enc = await splitkey(['encrypt', '--key', 'demo/files', plain, sealed]);
    expect(enc.code).toBe(2);
    expect(enc.stderr).toBe(`splitkey: ${sealed} already exists; give --force to replace it\n`);
    expect(await readFile(sealed, 'utf8')).toBe('precious');
    expect((await splitkey(['encrypt', '--key', 'demo/files', '--force', plain, sealed])).code).toBe(0);
    const dec = await splitkey(['decrypt', sealed, plain]);
    expect(dec.code).toBe(2);
    expect(dec.stderr).toMatch(/already exists; give --force/);
    expect((await splitkey(['decrypt', '--force', sealed, plain])).code).toBe(0);
    expect(await readFile(plain, 'utf8')).toBe('keep');
    // rewrap as a filter: stdin to stdout.
    const piped = join(dir, 'keep.piped.splk');
    const sh = spawn('bash', ['-c', `"${process.execPath}" "${CLI}" rewrap - - < "${sealed}" > "${piped}"`], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let shErr = '';
    sh.stderr.on('data', (d: Buffer) => (shErr += d.toString()));
    expect(await new Promise((r) => sh.once('close', r)), shErr).toBe(0);
    expect(shErr).toBe('rewrapped from version 1 to version 1\n');
    expect((await splitkey(['decrypt', '--force', piped, plain])).code).toBe(0);
    expect(await readFile(plain, 'utf8')).toBe('keep');

    const issue = ['cert', 'issue', '--role', 'admin', '--name', 'ops', '--ca-dir', join(dir, 'cluster'), '--out', join(dir, 'certs')];
    expect((await splitkey(issue)).code).toBe(0);
    const before = await sha256(join(dir, 'certs', 'admin.key'));
    const again = await splitkey(issue);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/admin\.crt and .*admin\.key already exist; give --force/);
    expect(await sha256(join(dir, 'certs', 'admin.key'))).toBe(before);
  });

  it('config files with a typo are refused with the field they most likely meant', async () => {
    const d = JSON.parse(await readFile(cluster.env.SPLITKEY_CLUSTER!, 'utf8')) as Record<string, unknown>;
    const typo = join(dir, 'typo-cluster.json');
    await writeFile(typo, JSON.stringify({ ...d, defaultTreshold: 2 }));
    const r = await splitkey(['status', '--cluster', typo]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/defaultTreshold is not a known field; did you mean defaultThreshold\?/);

    const config = JSON.parse(await readFile(join(cluster.nodeDir(1), 'config.json'), 'utf8')) as Record<string, unknown>;
    const bad = join(cluster.nodeDir(1), 'typo.json');
    await writeFile(bad, JSON.stringify({ ...config, limits: { ratePerSecnd: 5 } }));
    const n = await splitkey(['node', 'start', '--config', bad]);
    expect(n.code).toBe(1);
    expect(n.stderr).toMatch(/limits\.ratePerSecnd is not a known field; did you mean ratePerSecond\?/);
  });

  it('with every node down, key list and abort-op fail naming each node; with a client certificate, key list says it needs an admin one', async () => {
    const down = await descriptorWith('down.json', { 1: `127.0.0.1:${await closedPort()}`, 2: `127.0.0.1:${await closedPort()}`, 3: `127.0.0.1:${await closedPort()}` });
    const [list, abort, asClient] = await Promise.all([
      splitkey(['key', 'list', '--cluster', down]),
      splitkey(['key', 'abort-op', 'demo/files', '--cluster', down]),
      splitkey(['key', 'list', '--admin-cert', env.SPLITKEY_CERT!, '--admin-key', env.SPLITKEY_KEY!]),
    ]);
    for (const r of [list, abort]) {
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/^splitkey: no node answered: node 1: unavailable .*; node 2: unavailable .*; node 3: unavailable /);
    }
    expect(asClient.code).toBe(1);
    expect(asClient.stderr).toMatch(/node 1: permission denied.*needs an admin certificate: give --admin-cert and --admin-key/);
  });

  it('key destroy with a holder down exits 3 naming it; a node refuses data or a certificate of another index', async () => {
    await importKey('demo/partial');
    await cluster.kill(3);
    try {
      const receipt = join(dir, 'partial.receipt.json');
      const r = await splitkey(['key', 'destroy', 'demo/partial', '--version', '1', '--yes', '--receipt', receipt]);
      expect(r.stdout).toBe(
        `demo/partial version 1: share erased on nodes 1,2\n` +
          `signed destroy order kept on nodes 1,2: a node that missed the destroy erases its share when one of them shows it the order\n` +
          `receipts of nodes 1,2 written to ${receipt}\n`,
      );
      expect(r.code).toBe(3);
      // The signed receipts prove it: two of three holders erased, fewer than t = 2 remain.
      const verified = await splitkey(['receipt', 'verify', receipt]);
      expect(verified.stdout).toMatch(/erased \(valid receipts\): 1,2\n.*may still hold a share: {2}3\nshredded: 1 holders remain, fewer than t = 2/s);
      expect(verified.code).toBe(0);
      const bundle = JSON.parse(await readFile(receipt, 'utf8')) as { receipts: unknown[] };
      await writeFile(`${receipt}.one`, JSON.stringify({ ...bundle, receipts: bundle.receipts.slice(0, 1) }));
      const notYet = await splitkey(['receipt', 'verify', `${receipt}.one`]);
      expect(notYet.code).toBe(1);
      expect(notYet.stderr).toMatch(/NOT shredded: 2 holders remain \(t = 2\)/);
      expect(r.stderr).toMatch(/not destroyed everywhere: node 3 .* may still hold its share; run "splitkey key destroy demo\/partial --version 1 --yes" again/);

      // Node 3 is stopped: its data holds shares of index 3 and no one has it open.
      const config = JSON.parse(await readFile(join(cluster.nodeDir(1), 'config.json'), 'utf8')) as Record<string, unknown>;
      const abs = (p: string) => join(cluster.nodeDir(1), p);
      const base = { ...config, tls: { ca: abs('../../ca.crt'), cert: abs('node.crt'), key: abs('node.key') }, seal: { keyFile: abs('seal.key') }, listen: '127.0.0.1:0' };
      await writeFile(join(dir, 'wrong-index.json'), JSON.stringify({ ...base, index: 2, dataDir: join(dir, 'fresh-data') }));
      await writeFile(join(dir, 'wrong-data.json'), JSON.stringify({ ...base, dataDir: join(cluster.nodeDir(3), 'data') }));
      const [wrongIndex, wrongData] = await Promise.all([
        splitkey(['node', 'start', '--config', join(dir, 'wrong-index.json')]),
        splitkey(['node', 'start', '--config', join(dir, 'wrong-data.json')]),
      ]);
      expect(wrongIndex.code).toBe(1);
      expect(wrongIndex.stderr).toMatch(/says index 2 but its certificate .* is for node 1/);
      expect(wrongData.code).toBe(1);
      expect(wrongData.stderr).toMatch(/says index 1 but the data in .* holds shares of node 3/);
    } finally {
      await cluster.startNode(3);
    }
    const again = await splitkey(['key', 'destroy', 'demo/partial', '--version', '1', '--yes']);
    expect(again.code).toBe(0);
    expect(again.stderr).toBe('');
  });

  it('--output json on status, key list, key versions and key info', async () => {
    const status = await splitkey(['status', '-o', 'json']);
    const list = await splitkey(['key', 'list', '--output', 'json']);
    const info = await splitkey(['key', 'info', 'demo/files', '-o', 'json']);
    const versions = await splitkey(['key', 'versions', 'demo/files', '-o', 'json']);
    for (const r of [status, list, info, versions]) expect(r.code, r.stderr).toBe(0);
    // Without the quorum policy: no participant count.
    expect((JSON.parse(versions.stdout) as { versions: unknown[] }).versions).toEqual([{ version: 1, state: 'active', threshold: 2, nodes: [1, 2, 3], epoch: 1, holders: [1, 2, 3], createdUnder: { nodes: [1, 2, 3], minThreshold: 2 } }]);
    const nodes = (JSON.parse(status.stdout) as { nodes: { node: number; state: string; keys: number; groupBackend: string; rateLimit: unknown }[] }).nodes;
    expect(nodes.map((n) => [n.node, n.state])).toEqual([[1, 'serving'], [2, 'serving'], [3, 'serving']]);
    // No limits in the nodes' configs: each enforces its backend's default and says so.
    for (const n of nodes) {
      const d = defaultRateLimit(n.groupBackend.startsWith('native') ? 'native' : 'sodium');
      expect(n.rateLimit).toEqual({ perSecond: d.ratePerSecond, burst: d.burst });
    }
    const text = await splitkey(['status']);
    expect(lines(text.stdout)[0]).toMatch(/^node 1\t.*\t[\d.]+ ms\trate (4000\/s \(burst 8192\)|2000\/s \(burst 4096\))$/);
    const keys = (JSON.parse(list.stdout) as { keys: { keyName: string; versions: { version: number; state: string }[] }[] }).keys;
    expect(keys.find((k) => k.keyName === 'demo/files')!.versions).toEqual([{ version: 1, state: 'active', nodes: 3 }]);
    const v = (JSON.parse(info.stdout) as { versions: { version: number; threshold: number; nodes: number[]; publicKey: string }[] }).versions[0]!;
    expect(v).toMatchObject({ version: 1, threshold: 2, nodes: [1, 2, 3] });
    expect(v.publicKey).toMatch(/^[0-9a-f]{64}$/);
  });
  it('commands end within 1 s of their output with a frozen node or a blackholed address; with fewer than t nodes the refusal names each', async () => {
    const held = new Set<Socket>();
    const blackhole: Server = createServer((s: Socket) => void held.add(s.on('error', () => undefined))); // accepts, never answers
    await new Promise<void>((r) => blackhole.listen(0, '127.0.0.1', r));
    const holes = await descriptorWith('blackhole.json', { 3: `127.0.0.1:${(blackhole.address() as { port: number }).port}` });
    cluster.signal(3, 'SIGSTOP');
    try {
      // Two at a time: more would starve the nodes of CPU on a 2-core machine.
      const runs = [
        ...(await Promise.all([splitkey(['oprf', '--key', 'demo/files', '--input-hex', '00']), splitkey(['key', 'list'])])),
        ...(await Promise.all([splitkey(['status']), splitkey(['oprf', '--key', 'demo/files', '--input-hex', '00', '--cluster', holes])])),
        await splitkey(['key', 'info', 'demo/files', '--cluster', holes]),
      ];
      const [oprf, list, status, oprfHole, infoHole] = runs;
      expect(oprf!.stdout).toMatch(/^[0-9a-f]{128}\n$/);
      expect(oprf!.code).toBe(0);
      expect(oprfHole!.stdout).toBe(oprf!.stdout);
      expect(oprfHole!.code).toBe(0);
      expect(infoHole!.code).toBe(0);
      expect(list!.code).toBe(3);
      expect(list!.stderr).toMatch(/node 3: timeout/);
      expect(status!.code).toBe(3);
      expect(lines(status!.stdout)[2]).toMatch(/^node 3\t.*\tunreachable\ttimeout: no answer before the deadline$/);
      for (const r of runs) expect(r.afterOutputMs, r.stdout + r.stderr).toBeLessThan(1000);

      cluster.signal(2, 'SIGSTOP');
      // The refusal comes one call deadline (2 s by default) after the client is ready, whatever
      // the silent nodes do: under 3 s on an idle machine. The machine running this test may be
      // busy, so its fixed cost is measured with a deadline of 100 ms, under the same load.
      const fixed = await splitkey(['oprf', '--key', 'demo/files', '--input-hex', '00', '--timeout', '100']);
      const refused = await splitkey(['oprf', '--key', 'demo/files', '--input-hex', '00']);
      expect(fixed.code).toBe(1);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/^splitkey: demo\/files@\d+: 1 of the 2 required nodes answered validly; node 2: timeout .*; node 3: timeout /);
      expect(refused.totalMs).toBeLessThan(fixed.totalMs + 2000 + 1000);
      expect(refused.afterOutputMs).toBeLessThan(1000);
    } finally {
      cluster.signal(2, 'SIGCONT');
      cluster.signal(3, 'SIGCONT');
      held.forEach((s) => s.destroy());
      await new Promise((r) => blackhole.close(r));
    }
  });

  it('output piped into head: no EPIPE stack trace, exit 141 like a SIGPIPE', async () => {
    const big = join(dir, 'big.bin');
    await writeFile(big, randomBytes(4 * 2 ** 20));
    const sh = spawn('bash', ['-c', `"${process.execPath}" "${CLI}" encrypt --key demo/files "${big}" - | head -c 100 > /dev/null; echo "exit \${PIPESTATUS[0]}" >&2`], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    sh.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    await new Promise((r) => sh.once('close', r));
    expect(stderr).toBe('exit 141\n');
  });

});

describe('splitkey dev --lifecycle-quorum', () => {
  it('writes the policy into the descriptor; the CLI\'s refresh of a 2-of-3 key in 5 nodes then adds a witness and commits', { timeout: 90_000 }, async () => {
    const d = join(dir, 'dev-quorum');
    await mkdir(d);
    const child = spawn(process.execPath, [CLI, 'dev', '--nodes', '5', '--threshold', '2', '--lifecycle-quorum', '--dir', d], { env: { PATH: process.env.PATH, HOME: process.env.HOME }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<number | null>((r) => child.once('exit', r));
    try {
      await new Promise<void>((resolve, reject) => {
        createInterface({ input: child.stdout }).once('line', () => resolve());
        void exited.then((code) => reject(new Error(`splitkey dev exited with ${code}: ${stderr}`)));
      });
      const descriptor = JSON.parse(await readFile(join(d, 'cluster.json'), 'utf8')) as { lifecycleQuorum?: boolean };
      expect(descriptor.lifecycleQuorum).toBe(true);
      const devEnv: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME };
      for (const m of (await readFile(join(d, 'env'), 'utf8')).matchAll(/^export (\w+)='([^']*)'$/gm)) devEnv[m[1]!] = m[2]!;
      const created = await splitkey(['key', 'create', 'demo/quorum', '--threshold', '2', '--nodes', '1,2,3'], { env: devEnv, timeoutMs: 30_000 });
      expect(created.code, created.stderr).toBe(0);
      const versions = await splitkey(['key', 'versions', 'demo/quorum'], { env: devEnv, timeoutMs: 30_000 });
      expect(versions.code, versions.stderr).toBe(0);
      expect(versions.stdout).toBe(
        'demo/quorum version 1: active, 2-of-3 on nodes 1,2,3, epoch 1, reported by 1,2,3\n' +
          '  created under nodes 1,2,3,4,5 (minThreshold 2)\n' +
          "  refresh/reshare needs 4 participants among nodes 1,2,3,4,5 (the record's list; ⌈(n + t)/2⌉, t = 2); witnesses are added\n",
      );
      // q = ⌈(5 + 2)/2⌉ = 4: the tooling adds one witness to {1,2,3}.
      const refreshed = await splitkey(['key', 'refresh', 'demo/quorum'], { env: devEnv, timeoutMs: 30_000 });
      expect(refreshed.code, refreshed.stderr).toBe(0);
      expect(refreshed.stdout).toMatch(/refresh demo\/quorum version 1: committed .*epoch 2/);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });
});

describe('splitkey dev --dir on an existing directory', () => {
  async function startDev(d: string) {
    const child = spawn(process.execPath, [CLI, 'dev', '--nodes', '1', '--threshold', '1', '--dir', d], { env: { PATH: process.env.PATH, HOME: process.env.HOME }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<number | null>((r) => child.once('exit', r));
    await new Promise<void>((resolve, reject) => {
      createInterface({ input: child.stdout }).once('line', () => resolve());
      void exited.then((code) => reject(new Error(`splitkey dev exited with ${code}: ${stderr}`)));
    });
    return { child, exited, stderr: () => stderr };
  }

  it('reuses what exists, refuses a second cluster from the same dir, restarts after a stop, reports a node that died', async () => {
    const d = join(dir, 'dev');
    await mkdir(d);
    const first = await startDev(d);
    const files = ['ca.key', 'master.json', 'nodes/1/seal.key', 'nodes/1/node.key', 'cluster.json'];
    const digests = await Promise.all(files.map((f) => sha256(join(d, f))));
    try {
      const second = await splitkey(['dev', '--dir', d]);
      expect(second.code).toBe(1);
      expect(second.stderr).toMatch(/a dev cluster from .* is already running \(splitkey dev, pid \d+\)/);
      expect(await Promise.all(files.map((f) => sha256(join(d, f))))).toEqual(digests);
    } finally {
      first.child.kill('SIGTERM');
    }
    expect(await first.exited).toBe(0);
    const again = await startDev(d);
    try {
      expect(await Promise.all(files.map((f) => sha256(join(d, f))))).toEqual(digests);
      expect(again.stderr()).toMatch(/existing cluster reused/);
      const envFile = await readFile(join(d, 'env'), 'utf8');
      expect(envFile).toMatch(/SPLITKEY_MASTER_KEY='[0-9a-f]{64}'/);
      process.kill(Number((await readFile(join(d, 'nodes', '1', 'pid'), 'utf8')).trim()), 'SIGKILL');
      for (let i = 0; i < 50 && !/exited unexpectedly/.test(again.stderr()); i++) await new Promise((r) => setTimeout(r, 100));
      expect(again.stderr()).toMatch(/node 1 exited unexpectedly \(code SIGKILL\)/);
    } finally {
      again.child.kill('SIGTERM');
      await again.exited;
    }
    expect(existsSync(join(d, 'dev.pid'))).toBe(false);
  });
});
