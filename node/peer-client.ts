/**
 * Node-to-node calls (Peer service) made with this node's own certificate, to the addresses of
 * this node's own cluster descriptor (node/cluster-view.ts) — never to an address a caller names.
 * The server must present the certificate of the node we meant to reach (URI SAN
 * splitkey://node/<index>), so a wrong address can never receive a share meant for another node.
 * Share deliveries are retried with backoff within their deadline (a reset connection during a
 * DKG does not abort the session).
 */
import { X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import type { PeerClient } from '../proto/gen/splitkey/v1/Peer.js';
import type { DeliverShareResponse__Output } from '../proto/gen/splitkey/v1/DeliverShareResponse.js';
import type { SessionStateResponse__Output } from '../proto/gen/splitkey/v1/SessionStateResponse.js';
import type { VersionHistoryResponse__Output } from '../proto/gen/splitkey/v1/VersionHistoryResponse.js';
import { loadSplitkeyProto } from '../proto/load.js';
import { identityFromSan } from './auth.js';
import { isTransient } from './rpc.js';
import type { ClusterView } from './cluster-view.js';
import type { NodeConfig } from './config.js';
import type { NodeTls, TlsBytes } from './tls-material.js';

/**
 * Bounds the wait for a peer that is (re)connecting; a peer that stays down costs this much.
 * Peers sit in other clouds: over a 150 ms one-way link the first call on a new connection
 * (TCP, TLS 1.3, HTTP/2 preface, the call) needs about 4 round trips, 1.2 s
 * (test/netns/wan-latency.test.ts), so the bounds leave room for that plus a reconnect backoff.
 * Longer bounds are not free: every delivery to, and question about, a crashed peer waits this
 * long, so they stay near twice what the WAN needs.
 */
const TIMEOUT_MS = 4_000;
/** Channels built before a TLS reload stay open this long for the calls already on them. */
const RETIRE_MS = 60_000;
/** SessionState questions: a fresh connection over the WAN (1.2 s) plus a reconnect backoff (0.5 s), with headroom. */
const STATE_TIMEOUT_MS = 2_500;

export class PeerClients {
  private readonly clients = new Map<string, PeerClient>();
  private tls: TlsBytes | undefined;

  private constructor(
    private readonly config: NodeConfig,
    private readonly cluster: ClusterView,
    tls: NodeTls | undefined,
  ) {
    this.tls = tls?.bytes;
    tls?.onReload((bytes) => this.reload(bytes));
  }

  /** Without `tls` (insecure loopback) the calls are plaintext and name this node in metadata. */
  static create(config: NodeConfig, cluster: ClusterView, tls: NodeTls | undefined): PeerClients {
    return new PeerClients(config, cluster, config.insecureLoopback ? undefined : tls);
  }

  /**
   * New certificate, key or CA bundle: later calls use channels built from them. The old
   * channels are closed after a minute, so calls already on them finish.
   */
  private reload(bytes: TlsBytes): void {
    this.tls = bytes;
    const old = [...this.clients.values()];
    this.clients.clear();
    setTimeout(() => old.forEach((c) => c.close()), RETIRE_MS).unref();
  }

  private async client(index: number): Promise<PeerClient> {
    const { address } = await this.cluster.peer(index);
    const id = `${index}@${address}`;
    let c = this.clients.get(id);
    if (c) return c;
    const Ctor = loadSplitkeyProto().splitkey.v1.Peer;
    let creds: grpc.ChannelCredentials;
    const options: grpc.ChannelOptions = { 'grpc.initial_reconnect_backoff_ms': 100, 'grpc.max_reconnect_backoff_ms': 500, 'grpc.enable_channelz': 0 };
    if (this.tls) {
      creds = grpc.credentials.createSsl(this.tls.ca, this.tls.key, this.tls.cert, {
        checkServerIdentity: (_host, cert) => {
          const pem = cert.raw ? new X509Certificate(cert.raw) : undefined;
          const peer = identityFromSan(pem?.subjectAltName ?? cert.subjectaltname);
          return peer?.role === 'node' && peer.index === index ? undefined : new Error(`the server at ${address} is not node ${index}`);
        },
      });
      // SNI carries the peer's DNS name (routable by an SNI proxy); an IP cannot be sent as SNI
      // (RFC 6066), so then the name is node-<j>.splitkey. The pinned identity decides.
      const host = address.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
      if (isIP(host)) options['grpc.ssl_target_name_override'] = `node-${index}.splitkey`;
    } else {
      creds = grpc.credentials.createInsecure();
    }
    c = new Ctor(address, creds, options);
    this.clients.set(id, c);
    return c;
  }

  private metadata(waitForReady: boolean): grpc.Metadata {
    // Deliveries wait for a peer that is (re)connecting rather than failing at once (the deadline
    // still bounds it); evidence questions fail fast on a peer that refuses connections.
    const md = new grpc.Metadata({ waitForReady });
    if (!this.tls) md.set('splitkey-identity', `splitkey://node/${this.config.index}`);
    return md;
  }

  /**
   * One unary call with the deadline. `patient`: transient failures are tried again with backoff
   * until the deadline and the call waits for a (re)connecting peer. Otherwise a peer that is down
   * is tried three times over a few hundred milliseconds (a channel may be between reconnects)
   * and then reported unreachable.
   */
  private async call<Res>(
    index: number,
    invoke: (c: PeerClient, md: grpc.Metadata, deadline: number, cb: (err: grpc.ServiceError | null, res?: Res) => void) => void,
    patient: boolean,
    timeoutMs = TIMEOUT_MS,
  ): Promise<Res> {
    const c = await this.client(index);
    const deadline = Date.now() + timeoutMs;
    let backoff = 50;
    for (let attempt = 1; ; attempt++) {
      try {
        return await new Promise<Res>((resolve, reject) => invoke(c, this.metadata(patient), deadline, (err, res) => (err ? reject(err) : resolve(res!))));
      } catch (e) {
        if (!isTransient(e) || Date.now() + backoff >= deadline || (!patient && attempt >= 3)) throw e;
        await new Promise((r) => setTimeout(r, backoff));
        backoff = Math.min(backoff * 2, 400);
      }
    }
  }

  deliverShare(index: number, req: { keyName: string; sessionId: string; dealer: number; commitments: Uint8Array[]; share: Uint8Array; queriesAnswered?: string }): Promise<DeliverShareResponse__Output> {
    // Delivery is idempotent on the receiver (the same dealing twice is a no-op), so a retry is safe.
    return this.call<DeliverShareResponse__Output>(index, (c, md, deadline, cb) => c.DeliverShare(req, md, { deadline }, cb), true);
  }

  async confirmComplaint(index: number, req: { keyName: string; sessionId: string; dealer: number }): Promise<boolean> {
    const res = await this.call<{ complains: boolean }>(index, (c, md, deadline, cb) => c.ConfirmComplaint(req, md, { deadline }, cb), true);
    return res.complains;
  }

  sessionState(index: number, req: { keyName: string; sessionId: string }): Promise<SessionStateResponse__Output> {
    // Patient: a peer that just restarted must be asked, not taken for unreachable (that would
    // refuse an abort or a commit that is safe).
    // STATE_TIMEOUT_MS covers a new connection across clouds and a peer's reconnect backoff (at
    // most 500 ms); a peer down for longer is reported unreachable instead of holding every commit
    // and abort for the full deadline.
    return this.call<SessionStateResponse__Output>(index, (c, md, deadline, cb) => c.SessionState(req, md, { deadline }, cb), true, STATE_TIMEOUT_MS);
  }

  versionHistory(index: number, req: { keyName: string; keyVersion: number; ancestor?: Uint8Array }, opts: { quick?: boolean } = {}): Promise<VersionHistoryResponse__Output> {
    // Before and at the commit of a DKG, and before an import: not latency-critical, so a loaded or
    // distant peer gets the full deadline. The background reconcile (quick) gives up sooner: a peer
    // that does not answer only gives no voice, and the next pass asks again.
    return this.call<VersionHistoryResponse__Output>(index, (c, md, deadline, cb) => c.VersionHistory(req, md, { deadline }, cb), !opts.quick, opts.quick ? STATE_TIMEOUT_MS : undefined);
  }

  close(): void {
    for (const c of this.clients.values()) c.close();
    this.clients.clear();
  }
}
