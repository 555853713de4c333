/**
 * The WAN delay relay (cli/topology/wan-delay.ts) on loopback: the delay it adds is measured in
 * both directions, bytes arrive intact and in order, half-close is relayed, a reset is relayed,
 * many connections at once, the bandwidth cap, the CLI wrapper `splitkey cluster wan-delay`, and
 * changing the delay while it runs (its control socket, `cluster wan-delay-set`).
 */
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { applyControl, parseRoute, WanDelayProxy, WanDelays, type WanLink } from '../cli/topology/wan-delay.js';

const CLI = join(process.cwd(), 'dist', 'cli', 'main.js');
const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

/** A server whose connection handler is `onConnection`; closed after the test. */
async function serve(onConnection: (s: Socket) => void): Promise<number> {
  const server: Server = createServer({ allowHalfOpen: true }, onConnection);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanup.push(() => new Promise<void>((r) => server.close(() => r())));
  return (server.address() as AddressInfo).port;
}

async function relay(targetPort: number, link: WanLink): Promise<WanDelayProxy> {
  const p = await WanDelayProxy.open({ listen: { host: '127.0.0.1', port: 0 }, target: { host: '127.0.0.1', port: targetPort } }, link);
  cleanup.push(() => p.close());
  return p;
}

function dial(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port, allowHalfOpen: true, noDelay: true }, () => resolve(s));
    s.once('error', reject);
  });
}

const nextData = (s: Socket): Promise<Buffer> => new Promise((r) => s.once('data', r));
const readAll = (s: Socket): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    s.on('data', (d: Buffer) => parts.push(d));
    s.once('end', () => resolve(Buffer.concat(parts)));
    s.once('error', reject);
  });
const echo = (s: Socket) => s.pipe(s);

describe('WAN delay relay', () => {
  it('adds the one-way delay in each direction (a round trip costs 2 × delay; the first one also pays connection setup)', async () => {
    const port = await serve(echo);
    const p = await relay(port, { delayMs: 50 });
    const s = await dial(p.port);
    cleanup.push(() => void s.destroy());
    const rtts: number[] = [];
    for (let i = 0; i < 6; i++) {
      const t0 = performance.now();
      s.write(`ping ${i}`);
      expect((await nextData(s)).toString()).toBe(`ping ${i}`);
      rtts.push(performance.now() - t0);
    }
    // First exchange: the held-back connection setup (100 ms) + 100 ms round trip.
    expect(rtts[0]).toBeGreaterThanOrEqual(195);
    expect(rtts[0]).toBeLessThan(300);
    for (const rtt of rtts.slice(1)) {
      expect(rtt).toBeGreaterThanOrEqual(99);
      expect(rtt).toBeLessThan(160);
    }
  });

  it('delivers every byte intact and in order, both directions at once (8 MiB each way)', async () => {
    const fromServer = randomBytes(8 << 20);
    let serverGot: Promise<Buffer> = Promise.resolve(Buffer.alloc(0));
    const port = await serve((s) => {
      serverGot = readAll(s);
      s.end(fromServer);
    });
    const p = await relay(port, { delayMs: 5, maxBufferedBytes: 256 << 10 });
    const s = await dial(p.port);
    const fromClient = randomBytes(8 << 20);
    const clientGot = readAll(s);
    s.end(fromClient);
    const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
    expect(sha(await clientGot)).toBe(sha(fromServer));
    expect(sha(await serverGot)).toBe(sha(fromClient));
  });

  it('relays a half-close: the client ends its side, the server still answers after reading everything', async () => {
    const port = await serve((s) => {
      const got = readAll(s);
      void got.then((b) => s.end(`${b.length} bytes read`));
    });
    const p = await relay(port, { delayMs: 20 });
    const s = await dial(p.port);
    const answer = readAll(s);
    s.write('hello ');
    s.end('world');
    expect((await answer).toString()).toBe('11 bytes read');
    // Both sides closed cleanly: the relay lets go of the connection.
    await new Promise((r) => setTimeout(r, 100));
    expect(p.connections).toBe(0);
  });

  it('relays a reset, and refuses a client at once when the target is down', async () => {
    const port = await serve((s) => s.once('data', () => s.resetAndDestroy()));
    const p = await relay(port, { delayMs: 10 });
    const s = await dial(p.port);
    const closed = new Promise<string>((r) => {
      s.once('error', (e: NodeJS.ErrnoException) => r(e.code ?? 'error'));
      s.once('close', () => r('closed'));
    });
    s.write('x');
    expect(await closed).toMatch(/ECONNRESET|closed/);

    const target = createServer();
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
    const gone = (target.address() as AddressInfo).port;
    await new Promise<void>((r) => target.close(() => r()));
    const refused = await relay(gone, { delayMs: 10 });
    const c = await dial(refused.port);
    const end = await new Promise<string>((r) => {
      c.once('error', (e: NodeJS.ErrnoException) => r(e.code ?? 'error'));
      c.once('close', () => r('closed'));
    });
    expect(end).toMatch(/ECONNRESET|closed/);
    await new Promise((r) => setTimeout(r, 50));
    expect(refused.connections).toBe(0);
  });

  it('carries 100 connections at once, each with its own bytes', async () => {
    const port = await serve(echo);
    const p = await relay(port, { delayMs: 30 });
    const t0 = performance.now();
    const results = await Promise.all(
      Array.from({ length: 100 }, async (_, i) => {
        const s = await dial(p.port);
        const payload = randomBytes(10_000 + i);
        const got = readAll(s);
        s.end(payload);
        return (await got).equals(payload);
      }),
    );
    expect(results.every(Boolean)).toBe(true);
    // In parallel: the whole run costs a few round trips, not 100 of them.
    expect(performance.now() - t0).toBeLessThan(2_000);
  });

  it('caps the bandwidth: 200 kB at 1 MB/s takes about 200 ms more than uncapped', async () => {
    const port = await serve((s) => {
      void readAll(s).then((b) => s.end(String(b.length)));
    });
    const p = await relay(port, { delayMs: 0, bytesPerSecond: 1_000_000 });
    const s = await dial(p.port);
    const t0 = performance.now();
    const got = readAll(s);
    s.end(randomBytes(200_000));
    expect((await got).toString()).toBe('200000');
    const ms = performance.now() - t0;
    expect(ms).toBeGreaterThanOrEqual(190);
    expect(ms).toBeLessThan(450);
  });

  it('parses routes and refuses bad ones with the reason', () => {
    expect(parseRoute('10.61.0.203:7001=node3.gcp.example:7001')).toEqual({ listen: { host: '10.61.0.203', port: 7001 }, target: { host: 'node3.gcp.example', port: 7001 } });
    expect(parseRoute('[::1]:0=[::1]:7001').listen).toEqual({ host: '::1', port: 0 });
    expect(() => parseRoute('10.0.0.1:7001')).toThrow(/LISTEN=TARGET/);
    expect(() => parseRoute('a:1=b')).toThrow(/target address must be HOST:PORT/);
    expect(() => parseRoute('a:99999=b:1')).toThrow(/listen address/);
  });

  it('`splitkey cluster wan-delay` relays with the delay until SIGTERM', async () => {
    const port = await serve(echo);
    const child = spawn(process.execPath, [CLI, 'cluster', 'wan-delay', '--route', `127.0.0.1:0=127.0.0.1:${port}`, '--delay-ms', '40'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
    cleanup.push(async () => {
      child.kill('SIGKILL');
      await exited;
    });
    const line = await new Promise<string>((resolve) => createInterface({ input: child.stdout! }).once('line', resolve));
    const ready = JSON.parse(line) as { event: string; routes: string[] };
    expect(ready.event).toBe('relaying');
    const relayPort = Number(/^127\.0\.0\.1:(\d+)=/.exec(ready.routes[0]!)![1]);
    const s = await dial(relayPort);
    s.write('x');
    await nextData(s);
    const t0 = performance.now();
    s.write('y');
    await nextData(s);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(79);
    s.destroy();
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('control: the delay changes at run time on an open connection — per host, whoever dialled — and bad commands are refused', () => {
    const d = new WanDelays({ delayMs: 0 });
    expect(applyControl(d, '{"host":"10.61.0.13","delayMs":300}')).toEqual({ ok: true, delayMs: 0, hosts: { '10.61.0.13': 300 } });
    expect(d.delayFor('10.59.0.2', '10.61.0.13')).toBe(300);
    expect(d.delayFor('::ffff:10.61.0.13', '10.62.0.14')).toBe(300);
    expect(d.delayFor('10.59.0.2', '10.62.0.14')).toBe(0);
    expect(applyControl(d, '{"delayMs":20}')).toMatchObject({ ok: true, delayMs: 20 });
    expect(d.delayFor('10.59.0.2', '10.61.0.13')).toBe(320);
    expect(applyControl(d, '{"host":"10.61.0.13","delayMs":0}')).toEqual({ ok: true, delayMs: 20, hosts: {} });
    expect(applyControl(d, '{}')).toEqual({ ok: true, delayMs: 20, hosts: {} });
    expect(applyControl(d, 'delay 5')).toMatchObject({ ok: false, error: expect.stringMatching(/one JSON object per line/) });
    expect(applyControl(d, '{"delayMs":-1}')).toMatchObject({ ok: false, error: expect.stringMatching(/0 to 60000/) });
    expect(applyControl(d, '{"delayMs":1.5}')).toMatchObject({ ok: false, error: expect.stringMatching(/integer/) });
    expect(applyControl(d, '{"host":"x"}')).toMatchObject({ ok: false, error: expect.stringMatching(/host without delayMs/) });
    expect(applyControl(d, '{"delay":5}')).toMatchObject({ ok: false, error: expect.stringMatching(/unknown field delay/) });
  });

  it('`cluster wan-delay --control` + `wan-delay-set`: round trips get slower during the band and recover after, on the same connection', async () => {
    const port = await serve(echo);
    const dir = await mkdtemp(join(tmpdir(), 'splitkey-wanctl-'));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    const control = join(dir, 'wan.sock');
    const child = spawn(process.execPath, [CLI, 'cluster', 'wan-delay', '--route', `127.0.0.1:0=127.0.0.1:${port}`, '--delay-ms', '0', '--control', control], { stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
    cleanup.push(async () => {
      child.kill('SIGKILL');
      await exited;
    });
    const ready = JSON.parse(await new Promise<string>((resolve) => createInterface({ input: child.stdout! }).once('line', resolve))) as { routes: string[]; control: string };
    expect(ready.control).toBe(control);
    expect((await stat(control)).mode & 0o777).toBe(0o600);
    const s = await dial(Number(/^127\.0\.0\.1:(\d+)=/.exec(ready.routes[0]!)![1]));
    cleanup.push(() => void s.destroy());
    const rtt = async () => {
      const t0 = performance.now();
      s.write('x');
      await nextData(s);
      return performance.now() - t0;
    };
    const set = (...args: string[]) =>
      new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
        const c = spawn(process.execPath, [CLI, 'cluster', 'wan-delay-set', '--control', control, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
        let stdout = '';
        let stderr = '';
        c.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
        c.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        c.on('close', (status) => resolve({ status, stdout, stderr }));
      });
    await rtt();
    const before = await rtt();
    expect(before).toBeLessThan(150);
    const on = await set('--host', '127.0.0.1', '--delay-ms', '150');
    expect(on.status, on.stderr).toBe(0);
    expect(JSON.parse(on.stdout)).toEqual({ delayMs: 0, hosts: { '127.0.0.1': 150 } });
    const during = [await rtt(), await rtt()];
    for (const ms of during) expect(ms).toBeGreaterThanOrEqual(295);
    const off = await set('--host', '127.0.0.1', '--delay-ms', '0');
    expect(JSON.parse(off.stdout)).toEqual({ delayMs: 0, hosts: {} });
    const after = await rtt();
    expect(after).toBeLessThan(150);
    const bad = await set('--host', '127.0.0.1');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--host needs --delay-ms/);
    s.destroy();
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    await expect(stat(control)).rejects.toThrow(/ENOENT/);
  });
});
