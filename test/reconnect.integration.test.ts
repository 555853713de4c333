/**
 * Operator calls across a node restart (client/channels.ts `unaryCall` with `reconnect`): grpc-js
 * fails a call at once, without sending it, while a connection waits out its reconnect backoff —
 * for up to a second after the node is back. An operator call on a channel whose node answered
 * before is sent once more on a new channel that dials at once; a node that is down still fails
 * at once, whether it answered before or never did.
 * Real in-process nodes over mTLS on loopback, real LevelDB.
 */
import * as grpc from '@grpc/grpc-js';
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdminClient } from '../client/admin.js';
import { neverSent, unaryCall } from '../client/channels.js';
import { startTestCluster, type TestCluster } from './helpers/cluster.js';

let cluster: TestCluster;
beforeAll(async () => {
  cluster = await startTestCluster({ n: 3 });
}, 60_000);
afterAll(async () => {
  await cluster?.stop();
});

const failureOf = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e as grpc.ServiceError);

describe('operator calls across a node restart', () => {
  it('a call right after the node is back waits for the channel to reconnect instead of failing', async () => {
    const admin = new AdminClient(await cluster.adminChannels());
    try {
      expect((await admin.nodeStatus(2)).nodeIndex).toBe(2);
      await cluster.stopNode(2);
      // While the node is down, calls fail at once (the new channel's dial is refused too).
      const started = performance.now();
      const down = await failureOf(admin.nodeStatus(2));
      expect(down?.code).toBe(grpc.status.UNAVAILABLE);
      expect(performance.now() - started).toBeLessThan(1_000);
      await cluster.start(2);
      // Without `reconnect` the same call fails at once while the backoff runs (a call grpc-js never sent).
      const c = admin.channels.admin(2);
      const raw = await failureOf(unaryCall(c.NodeStatus.bind(c), {}, admin.channels.callMetadata(), 5_000).promise);
      if (raw) expect(neverSent(raw), raw.details).toBe(true);
      // With it, the operator call reaches the restarted node.
      expect((await admin.nodeStatus(2)).nodeIndex).toBe(2);
      expect((await failureOf(admin.keyStatus(2, 'demo/none')))?.code).toBe(grpc.status.NOT_FOUND);
    } finally {
      admin.channels.close();
    }
  }, 60_000);

  it('a node that answered before and now accepts connections but never answers (a partition, a hung host) fails after the short connect wait, not the call deadline', async () => {
    const admin = new AdminClient(await cluster.adminChannels());
    const address = cluster.descriptor().nodes.find((n) => n.index === 2)!.address;
    const port = Number(address.split(':').pop());
    let hole: Server | undefined;
    const sockets: Socket[] = [];
    try {
      expect((await admin.nodeStatus(2)).nodeIndex).toBe(2);
      await cluster.stopNode(2);
      // Refused: the connection now waits out its reconnect backoff.
      expect((await failureOf(admin.nodeStatus(2)))?.code).toBe(grpc.status.UNAVAILABLE);
      // A black hole on the node's port: TCP connects, TLS never completes.
      hole = createServer((s) => sockets.push(s));
      await new Promise<void>((r) => hole!.listen(port, '127.0.0.1', r));
      const started = performance.now();
      const e = await failureOf(admin.nodeStatus(2, 10_000));
      const ms = performance.now() - started;
      expect(e?.code, e?.details).toBeDefined();
      // The renewed channel gets 2 s to connect (RENEW_CONNECT_MS), the call had 10 s.
      expect(ms).toBeLessThan(6_000);
    } finally {
      for (const s of sockets) s.destroy();
      if (hole) await new Promise((r) => hole!.close(r));
      admin.channels.close();
      await cluster.start(2);
    }
  }, 60_000);

  it('a node this process never reached still fails at once, with the reason', async () => {
    await cluster.stopNode(3);
    try {
      const admin = new AdminClient(await cluster.adminChannels());
      try {
        const started = performance.now();
        const e = await failureOf(admin.nodeStatus(3));
        const ms = performance.now() - started;
        expect(e?.code).toBe(grpc.status.UNAVAILABLE);
        expect(neverSent(e)).toBe(true);
        // No wait for a node that is down (grpc-js's backoff is up to 1 s).
        expect(ms).toBeLessThan(1_000);
      } finally {
        admin.channels.close();
      }
    } finally {
      await cluster.start(3);
    }
  }, 60_000);

  it('neverSent recognises only grpc-js calls that were never sent', () => {
    expect(neverSent({ code: grpc.status.UNAVAILABLE, details: 'No connection established. Last error: connect ECONNREFUSED 127.0.0.1:1' })).toBe(true);
    expect(neverSent({ code: grpc.status.UNAVAILABLE, details: 'round_robin: No connection established. Last error: x' })).toBe(true);
    // Sent, then lost: repeating a state-changing call is not safe.
    expect(neverSent({ code: grpc.status.UNAVAILABLE, details: 'Connection dropped' })).toBe(false);
    expect(neverSent({ code: grpc.status.DEADLINE_EXCEEDED, details: 'No connection established' })).toBe(false);
    expect(neverSent(new Error('No connection established'))).toBe(false);
    expect(neverSent(undefined)).toBe(false);
  });
});
