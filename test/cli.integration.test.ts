/**
 * The `splitkey` command as a user drives it: the compiled CLI (dist/cli/main.js) spawned as a
 * child process against a real 3-of-5 dev cluster of node processes (mTLS, LevelDB), with the
 * environment a user gets from `source DIR/env`. Needs `npm run build`.
 *
 * The memory bound of encrypt/decrypt is measured with GNU time (`/usr/bin/time -f %M`, peak RSS
 * in KiB); where it is not installed (apt-get install time) the same figure, the process's
 * ru_maxrss, is printed by a preloaded exit hook instead.
 */
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, statSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliEntry, DevCluster } from '../cli/dev-cluster.js';
import { envelope } from '../crypto/index.js';
import { rfcSuite } from './helpers/rfc-vectors.js';

const N = 5;
const T = 3;
const GNU_TIME = '/usr/bin/time';
const MAX_RSS_MIB = 200;

let dir: string;
let cluster: DevCluster;
let env: NodeJS.ProcessEnv;
let work: string;

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Parse the `export NAME='value'` lines of DIR/env as a shell would. */
async function readEnvFile(path: string): Promise<Record<string, string>> {
  const vars: Record<string, string> = {};
  for (const line of (await readFile(path, 'utf8')).split('\n')) {
    const m = /^export ([A-Z_][A-Z0-9_]*)='(.*)'$/.exec(line);
    if (m) vars[m[1]!] = m[2]!.replace(/'\\''/g, "'");
  }
  return vars;
}

function collect(child: ReturnType<typeof spawn>): Promise<Run> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** `splitkey ARGS` with the cluster's environment. */
function splitkey(args: string[], opts: { env?: NodeJS.ProcessEnv; input?: string } = {}): Promise<Run> {
  const child = spawn(process.execPath, [cliEntry(), ...args], { env: opts.env ?? env, stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
  child.stdin?.end(opts.input);
  return collect(child);
}

/** `splitkey ARGS` with its peak RSS in KiB (taken off the end of stderr). */
async function splitkeyWithRss(args: string[]): Promise<Run & { maxRssKiB: number }> {
  const run = existsSync(GNU_TIME)
    ? await collect(spawn(GNU_TIME, ['-f', '%M', process.execPath, cliEntry(), ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] }))
    : await collect(
        spawn(
          process.execPath,
          ['--import', `data:text/javascript,process.on('exit',()=>process.stderr.write(process.resourceUsage().maxRSS+'\\n'))`, cliEntry(), ...args],
          { env, stdio: ['ignore', 'pipe', 'pipe'] },
        ),
      );
  const lines = run.stderr.trimEnd().split('\n');
  const maxRssKiB = Number(lines.pop());
  expect(Number.isInteger(maxRssKiB), `peak RSS missing from stderr: ${run.stderr}`).toBe(true);
  return { ...run, stderr: lines.length > 0 ? `${lines.join('\n')}\n` : '', maxRssKiB };
}

const oneLine = (s: string) => s.trimEnd().split('\n');

async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

/** Write `mib` MiB of random bytes in 1 MiB chunks; returns the SHA-256. */
async function writeRandomFile(path: string, mib: number): Promise<string> {
  const h = createHash('sha256');
  const out = createWriteStream(path);
  for (let i = 0; i < mib; i++) {
    const chunk = randomBytes(2 ** 20);
    h.update(chunk);
    if (!out.write(chunk)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return h.digest('hex');
}

const randomSecretHex = () => {
  // A scalar below the group order: 31 random bytes and a zero top byte (little-endian).
  const s = randomBytes(32);
  s[31] = 0;
  s[0]! |= 1;
  return s.toString('hex');
};

/** `key import`; with `stdin`, the secret goes through standard input (`--secret-hex -`). */
async function importKey(name: string, secretHex = randomSecretHex(), opts: { stdin?: boolean } = {}): Promise<string> {
  const r = opts.stdin
    ? await splitkey(['key', 'import', name, '--secret-hex', '-', '--threshold', String(T)], { input: `${secretHex}\n` })
    : await splitkey(['key', 'import', name, '--secret-hex', secretHex, '--threshold', String(T)]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return r.stdout;
}

/** Run async jobs at most `limit` at a time. */
async function pool<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await fn(items[i]!);
      }
    }),
  );
  return results;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'splitkey-cli-it-'));
  work = join(dir, 'work');
  await import('node:fs/promises').then((fs) => fs.mkdir(work));
  cluster = await DevCluster.create({ dir: join(dir, 'cluster'), nodes: N, threshold: T });
  await cluster.start();
  // What a user does: source DIR/env.
  env = { PATH: process.env.PATH, HOME: process.env.HOME, ...(await readEnvFile(join(dir, 'cluster', 'env'))) };
  expect(env.SPLITKEY_CLUSTER).toBe(cluster.env.SPLITKEY_CLUSTER);
});

afterAll(async () => {
  try {
    await cluster?.stop();
  } finally {
    if (dir) await rm(dir, { recursive: true, force: true });
  }
});

describe('splitkey CLI against a 3-of-5 cluster', () => {
  it('key import of the RFC 9497 VOPRF key, then `oprf` prints exactly each batch-1 vector Output', async () => {
    const suite = rfcSuite(1);
    const imported = await importKey('demo/rfc', suite.skSm, { stdin: true });
    expect(imported).toMatch(/^imported demo\/rfc version 1: 3-of-5, pkS [0-9a-f]{64}\n$/);
    if (suite.pkSm) expect(imported).toContain(suite.pkSm);
    const vectors = suite.vectors.filter((v) => v.Batch === 1);
    expect(vectors.length).toBeGreaterThan(0);
    for (const v of vectors) {
      const r = await splitkey(['oprf', '--key', 'demo/rfc', '--input-hex', v.Input]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toBe(`${v.Output}\n`);
    }
  });

  it('encrypt / decrypt round-trip a 256 MiB file with bounded peak RSS', async () => {
    await importKey('demo/files');
    const plain = join(work, 'big.bin');
    const sealed = join(work, 'big.splk');
    const back = join(work, 'big.back');
    try {
      const digest = await writeRandomFile(plain, 256);
      const enc = await splitkeyWithRss(['encrypt', '--key', 'demo/files', plain, sealed]);
      expect(enc.stderr).toMatch(/^encrypted 268435456 bytes under demo\/files version 1, resource [0-9a-f-]{36}\n$/);
      expect(enc.code).toBe(0);
      expect(enc.stdout).toBe('');
      const dec = await splitkeyWithRss(['decrypt', sealed, back]);
      expect(dec.stderr).toBe('decrypted 268435456 bytes (demo/files version 1)\n');
      expect(dec.code).toBe(0);
      expect((await stat(back)).size).toBe(256 * 2 ** 20);
      expect(await sha256File(back)).toBe(digest);
      expect(enc.maxRssKiB / 1024, 'encrypt peak RSS (MiB)').toBeLessThan(MAX_RSS_MIB);
      expect(dec.maxRssKiB / 1024, 'decrypt peak RSS (MiB)').toBeLessThan(MAX_RSS_MIB);
    } finally {
      await Promise.all([plain, sealed, back].map((p) => rm(p, { force: true })));
    }
  });

  describe('decrypt of a damaged envelope: non-zero exit, one error line, no OUT, no OUT.partial', () => {
    let good: Buffer;
    let other: Buffer;
    let headerLength: number;

    beforeAll(async () => {
      await importKey('demo/tamper');
      const plain = join(work, 'small.bin');
      await writeFile(plain, randomBytes(300_000));
      for (const name of ['a.splk', 'b.splk']) {
        const r = await splitkey(['encrypt', '--key', 'demo/tamper', '--segment-size', '65536', plain, join(work, name)]);
        expect(r.code).toBe(0);
      }
      good = await readFile(join(work, 'a.splk'));
      other = await readFile(join(work, 'b.splk'));
      headerLength = envelope.decodeHeader(good).headerLength;
      expect(envelope.decodeHeader(other).headerLength).toBe(headerLength);
      // Sanity: the undamaged envelope decrypts.
      const ok = await splitkey(['decrypt', join(work, 'a.splk'), join(work, 'a.out')]);
      expect(ok.code).toBe(0);
      expect(await readFile(join(work, 'a.out'))).toEqual(await readFile(plain));
    });

    const cases: [string, () => Buffer][] = [
      ['a flipped byte in a segment', () => {
        const b = Buffer.from(good);
        b[headerLength + 100_000]! ^= 0x01;
        return b;
      }],
      ['a flipped byte in the header', () => {
        const b = Buffer.from(good);
        b[headerLength - 1]! ^= 0x80;
        return b;
      }],
      ['a truncation inside a segment', () => good.subarray(0, good.length - 1000)],
      ['a truncation that drops the last segment whole', () => good.subarray(0, headerLength + 4 * (65536 + 16))],
      ['the header of another file', () => Buffer.concat([other.subarray(0, headerLength), good.subarray(headerLength)])],
    ];
    for (const [name, make] of cases) {
      it(name, async () => {
        const input = join(work, 'damaged.splk');
        const out = join(work, 'damaged.out');
        await writeFile(input, make());
        const r = await splitkey(['decrypt', input, out]);
        expect(r.code).not.toBe(0);
        expect(r.signal).toBeNull();
        expect(r.stdout).toBe('');
        expect(oneLine(r.stderr)).toHaveLength(1);
        expect(r.stderr).toMatch(/^splitkey: .*(authentication failed|truncated|header|envelope).*\n$/i);
        expect(existsSync(out)).toBe(false);
        expect(existsSync(`${out}.partial`)).toBe(false);
      });
    }
  });

  it('rewrap to a newer version: header rewritten, body bytes unchanged, still decrypts', async () => {
    await importKey('demo/rotating');
    const plain = join(work, 'rot.bin');
    const v1 = join(work, 'rot.v1.splk');
    const v2 = join(work, 'rot.v2.splk');
    await writeFile(plain, randomBytes(200_000));
    expect((await splitkey(['encrypt', '--key', 'demo/rotating', plain, v1])).code).toBe(0);
    expect(await importKey('demo/rotating')).toMatch(/^imported demo\/rotating version 2: /);
    const r = await splitkey(['rewrap', v1, v2]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('rewrapped from version 1 to version 2\n');
    const before = await readFile(v1);
    const after = await readFile(v2);
    const h1 = envelope.decodeHeader(before);
    const h2 = envelope.decodeHeader(after);
    expect(h1.header.keyVersion).toBe(1);
    expect(h2.header.keyVersion).toBe(2);
    expect(Buffer.from(h2.header.resourceId)).toEqual(Buffer.from(h1.header.resourceId));
    expect(after.subarray(h2.headerLength).equals(before.subarray(h1.headerLength))).toBe(true);
    for (const input of [v2, v1]) {
      const out = join(work, `rot.out.${input === v2 ? 2 : 1}`);
      const d = await splitkey(['decrypt', input, out]);
      expect(d.code).toBe(0);
      expect(await readFile(out)).toEqual(await readFile(plain));
    }
  });

  it('status: 5 nodes serving; with one killed it exits non-zero and names it unreachable', async () => {
    const ok = await splitkey(['status']);
    expect(ok.code).toBe(0);
    const rows = oneLine(ok.stdout);
    expect(rows).toHaveLength(N);
    rows.forEach((row, i) => expect(row).toMatch(new RegExp(`^node ${i + 1}\\t127\\.0\\.0\\.1:\\d+\\tserving\\t`)));

    const victim = 2;
    await cluster.kill(victim);
    try {
      const down = await splitkey(['status']);
      expect(down.code).not.toBe(0);
      const lines = oneLine(down.stdout);
      expect(lines).toHaveLength(N);
      expect(lines[victim - 1]).toMatch(new RegExp(`^node ${victim}\\t127\\.0\\.0\\.1:\\d+\\tunreachable`));
      expect(lines.filter((l) => /\tserving\t/.test(l))).toHaveLength(N - 1);
      expect(oneLine(down.stderr)).toEqual([`splitkey: 1 of ${N} nodes unreachable`]);
    } finally {
      await cluster.startNode(victim);
    }
  });

  it('--help works for every command and exits 0; unknown flags and commands fail with one line', async () => {
    /** Subcommand names from the "Commands:" section of a help text (not `help` itself). */
    const subcommands = (help: string): string[] => {
      const section = help.split(/^Commands:$/m)[1];
      if (!section) return [];
      return [...section.matchAll(/^ {2}([a-z][a-z-]*)\b/gm)].map((m) => m[1]!).filter((c) => c !== 'help');
    };
    const root = await splitkey(['--help']);
    expect(root.code).toBe(0);
    const seen: string[][] = [];
    let level = subcommands(root.stdout).map((c) => [c]);
    expect(level.map((p) => p[0])).toEqual(expect.arrayContaining(['demo', 'dev', 'node', 'key', 'oprf', 'encrypt', 'decrypt', 'rewrap', 'status', 'master', 'ca', 'cert', 'audit']));
    while (level.length > 0) {
      const runs = await pool(level, 4, (path) => splitkey([...path, '--help']));
      const nextLevel: string[][] = [];
      runs.forEach((r, i) => {
        const path = level[i]!;
        expect(r.code, path.join(' ')).toBe(0);
        expect(r.stderr, path.join(' ')).toBe('');
        expect(r.stdout, path.join(' ')).toMatch(new RegExp(`^Usage: splitkey ${path.join(' ')}\\b`));
        seen.push(path);
        nextLevel.push(...subcommands(r.stdout).map((c) => [...path, c]));
      });
      level = nextLevel;
    }
    expect(seen.map((p) => p.join(' '))).toEqual(expect.arrayContaining(['key import', 'key list', 'key info', 'node start', 'master init', 'ca init', 'cert issue', 'audit verify']));

    for (const args of [['status', '--no-such-flag'], ['oprf', '--key', 'demo/rfc', '--input-hex', '00', '--bogus'], ['no-such-command']]) {
      const r = await splitkey(args);
      expect(r.code, args.join(' ')).not.toBe(0);
      expect(r.stdout, args.join(' ')).toBe('');
      expect(oneLine(r.stderr), args.join(' ')).toHaveLength(1);
      expect(r.stderr).toMatch(/unknown (option|command)/);
    }
  });
});

describe('splitkey dev', () => {
  /** Start `splitkey dev --nodes 3 --threshold 2 --dir D`; resolves when it prints D/env. */
  async function startDev(detached: boolean) {
    const d = join(dir, `dev-${detached ? 'group' : 'single'}`);
    const child = spawn(process.execPath, [cliEntry(), 'dev', '--nodes', '3', '--threshold', '2', '--dir', d], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached,
    });
    const done = collect(child);
    // The command prints the path of DIR/env on stdout once every node is SERVING.
    const firstLine = await new Promise<string>((resolve, reject) => {
      const lines = createInterface({ input: child.stdout! });
      lines.once('line', resolve);
      void done.then((r) => reject(new Error(`splitkey dev exited with ${r.code} before it was ready: ${r.stderr}`)));
    });
    return { d, child, done, firstLine };
  }

  async function checkLayout(d: string, firstLine: string): Promise<number[]> {
    expect(firstLine).toBe(join(d, 'env'));
    for (const f of ['cluster.json', 'ca.crt', 'ca.key', 'env']) expect(existsSync(join(d, f)), f).toBe(true);
    const descriptor = JSON.parse(await readFile(join(d, 'cluster.json'), 'utf8')) as { defaultThreshold: number; nodes: { index: number; address: string }[] };
    expect(descriptor.defaultThreshold).toBe(2);
    expect(descriptor.nodes.map((n) => n.index)).toEqual([1, 2, 3]);
    const pids: number[] = [];
    for (const i of [1, 2, 3]) {
      const nodeDir = join(d, 'nodes', String(i));
      for (const f of ['node.crt', 'node.key', 'pid']) expect(existsSync(join(nodeDir, f)), `nodes/${i}/${f}`).toBe(true);
      expect(statSync(join(nodeDir, 'data')).isDirectory()).toBe(true);
      const pid = Number((await readFile(join(nodeDir, 'pid'), 'utf8')).trim());
      expect(Number.isInteger(pid) && pid > 0).toBe(true);
      expect(() => process.kill(pid, 0)).not.toThrow(); // running
      pids.push(pid);
    }
    const vars = await readEnvFile(join(d, 'env'));
    expect(Object.keys(vars).sort()).toEqual(
      ['SPLITKEY_ADMIN_CERT', 'SPLITKEY_ADMIN_KEY', 'SPLITKEY_CA', 'SPLITKEY_CERT', 'SPLITKEY_CLUSTER', 'SPLITKEY_KEY', 'SPLITKEY_MASTER', 'SPLITKEY_MASTER_KEY'].sort(),
    );
    for (const [k, v] of Object.entries(vars)) if (k !== 'SPLITKEY_MASTER_KEY') expect(existsSync(v), `${k}=${v}`).toBe(true);
    expect(vars.SPLITKEY_MASTER_KEY).toMatch(/^[0-9a-f]{64}$/);
    // The environment works as is.
    const status = await splitkey(['status'], { env: { PATH: process.env.PATH, ...vars } });
    expect(status.code).toBe(0);
    expect(oneLine(status.stdout).filter((l) => /\tserving\t/.test(l))).toHaveLength(3);
    return pids;
  }

  const gone = (pid: number) => {
    try {
      process.kill(pid, 0);
      return false;
    } catch (e) {
      return (e as NodeJS.ErrnoException).code === 'ESRCH';
    }
  };

  it('writes the documented layout; SIGTERM stops it with exit 0 and every node process gone', async () => {
    const { d, child, done, firstLine } = await startDev(false);
    try {
      const pids = await checkLayout(d, firstLine);
      child.kill('SIGTERM');
      const r = await done;
      expect(r.stderr).not.toMatch(/uncleanly/);
      expect(r.signal).toBeNull();
      expect(r.code).toBe(0);
      expect(pids.filter((p) => !gone(p))).toEqual([]);
      expect(existsSync(join(d, 'env'))).toBe(false);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });

  it('SIGTERM to its whole process group (as `timeout` or a container runtime sends it) also stops every node cleanly', async () => {
    const { d, child, done, firstLine } = await startDev(true);
    try {
      const pids = await checkLayout(d, firstLine);
      process.kill(-child.pid!, 'SIGTERM');
      const r = await done;
      expect(r.stderr).not.toMatch(/uncleanly/);
      expect(r.code).toBe(0);
      expect(pids.filter((p) => !gone(p))).toEqual([]);
    } finally {
      if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, 'SIGKILL');
    }
  });
});
