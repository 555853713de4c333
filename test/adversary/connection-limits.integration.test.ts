/**
 * Issue 10: nobody holds a node's connections open. Raw TCP connections that send nothing,
 * TLS handshakes that stop half way and idle HTTP/2 connections are closed within their
 * timeouts; connections past the cap are closed at once; the node keeps answering health
 * throughout. One real node over mTLS on port 0.
 */
import { readdirSync } from 'node:fs';
import { connect as http2Connect } from 'node:http2';
import { connect as netConnect, type Socket } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { service as healthService } from 'grpc-health-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCluster, type TestCluster } from '../helpers/cluster.js';

const HANDSHAKE_MS = 600;
const IDLE_MS = 800;
const CAP = 48;

let cluster: TestCluster;
let port: number;
let health: grpc.Client & { check: (req: { service: string }, opts: grpc.CallOptions, cb: (err: Error | null, res: { status: string }) => void) => void };

const fds = () => readdirSync('/proc/self/fd').length;

function checkHealth(): Promise<string> {
  return new Promise((resolve, reject) => health.check({ service: '' }, { deadline: Date.now() + 3000 }, (err, res) => (err ? reject(err) : resolve(String(res.status)))));
}

/** A TCP connection to the node; resolves once connected, with when it closed (ms after open). */
async function openSocket(firstBytes?: Uint8Array): Promise<{ socket: Socket; closed: Promise<number> }> {
  const socket = netConnect({ host: '127.0.0.1', port });
  socket.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const opened = performance.now();
  const closed = new Promise<number>((resolve) => socket.once('close', () => resolve(performance.now() - opened)));
  if (firstBytes) socket.write(firstBytes);
  return { socket, closed };
}

/** The start of a TLS ClientHello: a handshake record header announcing 512 bytes, and 5 of them. */
const partialClientHello = Uint8Array.of(0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03);

beforeAll(async () => {
  cluster = await startTestCluster({ n: 1, limits: { handshakeTimeoutMs: HANDSHAKE_MS, idleTimeoutMs: IDLE_MS, maxConnections: CAP } });
  port = cluster.nodes[0]!.port;
  const pair = await cluster.certFor({ role: 'client', tenant: 'acme', name: 'probe' });
  const Health = grpc.makeGenericClientConstructor(healthService, 'Health');
  health = new Health(`127.0.0.1:${port}`, grpc.credentials.createSsl(Buffer.from(cluster.ca.certPem), Buffer.from(pair.keyPem), Buffer.from(pair.certPem)), {
    'grpc.ssl_target_name_override': 'localhost',
  }) as unknown as typeof health;
  expect(await checkHealth()).toBe('SERVING');
});

afterAll(async () => {
  health?.close();
  await cluster?.stop();
});

describe('connections', () => {
  it('closes silent TCP connections and half-done TLS handshakes within the handshake timeout, and keeps answering health', async () => {
    const before = fds();
    const silent = await Promise.all(Array.from({ length: 20 }, () => openSocket()));
    const halfTls = await Promise.all(Array.from({ length: 20 }, () => openSocket(partialClientHello)));
    const during = fds();
    expect(during).toBeGreaterThanOrEqual(before + 40);
    // Health keeps answering while they hang (on a connection opened before them, and a new one).
    expect(await checkHealth()).toBe('SERVING');
    const times = await Promise.all([...silent, ...halfTls].map((s) => s.closed));
    expect(Math.min(...times)).toBeGreaterThan(HANDSHAKE_MS * 0.8);
    expect(Math.max(...times)).toBeLessThan(HANDSHAKE_MS + 2500);
    await new Promise((r) => setTimeout(r, 100));
    expect(fds()).toBeLessThanOrEqual(before + 4);
    expect(await checkHealth()).toBe('SERVING');
  });

  it('closes an authenticated HTTP/2 connection that stays idle', async () => {
    const pair = await cluster.certFor({ role: 'client', tenant: 'acme', name: 'idle' });
    const session = http2Connect(`https://localhost:${port}`, { ca: cluster.ca.certPem, cert: pair.certPem, key: pair.keyPem });
    session.on('error', () => undefined);
    const opened = performance.now();
    await new Promise<void>((resolve, reject) => session.once('connect', () => resolve()).once('error', reject));
    const closedAfter = await new Promise<number>((resolve) => session.once('close', () => resolve(performance.now() - opened)));
    expect(closedAfter).toBeGreaterThan(IDLE_MS * 0.8);
    expect(closedAfter).toBeLessThan(IDLE_MS + 3000);
  });

  it(`closes connections past the cap of ${CAP} at once; connections already open keep working`, async () => {
    expect(await checkHealth()).toBe('SERVING'); // the probe's connection is open (one of the cap)
    const held = await Promise.all(Array.from({ length: CAP - 1 }, () => openSocket()));
    const extra = await Promise.all(Array.from({ length: 10 }, () => openSocket()));
    const extraTimes = await Promise.all(extra.map((s) => s.closed));
    expect(Math.max(...extraTimes)).toBeLessThan(HANDSHAKE_MS * 0.5);
    expect(await checkHealth()).toBe('SERVING');
    await Promise.all(held.map((s) => s.closed));
    // Room again: a new connection gets through.
    const Health = grpc.makeGenericClientConstructor(healthService, 'Health');
    const pair = await cluster.certFor({ role: 'client', tenant: 'acme', name: 'late' });
    const late = new Health(`127.0.0.1:${port}`, grpc.credentials.createSsl(Buffer.from(cluster.ca.certPem), Buffer.from(pair.keyPem), Buffer.from(pair.certPem)), {
      'grpc.ssl_target_name_override': 'localhost',
    }) as unknown as typeof health;
    try {
      const status = await new Promise<string>((resolve, reject) => late.check({ service: '' }, { deadline: Date.now() + 3000 }, (err, res) => (err ? reject(err) : resolve(String(res.status)))));
      expect(status).toBe('SERVING');
    } finally {
      late.close();
    }
  });
});
