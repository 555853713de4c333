/**
 * Node-to-node calls (Peer service) made with this node's own certificate. The server must
 * present the certificate of the node we meant to reach (URI SAN splitkey://node/<index>), so a
 * wrong address can never receive a share meant for another node.
 */
import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import * as grpc from '@grpc/grpc-js';
import type { PeerClient } from '../proto/gen/splitkey/v1/Peer.js';
import type { DeliverShareResponse__Output } from '../proto/gen/splitkey/v1/DeliverShareResponse.js';
import { loadSplitkeyProto } from '../proto/load.js';
import { identityFromSan } from './auth.js';
import type { NodeConfig } from './config.js';

/** Bounds the wait for a peer that is (re)connecting; a peer that stays down costs this much. */
const TIMEOUT_MS = 2_000;

export class PeerClients {
  private readonly clients = new Map<string, PeerClient>();

  private constructor(
    private readonly config: NodeConfig,
    private readonly tls: { ca: Buffer; cert: Buffer; key: Buffer } | undefined,
  ) {}

  static async create(config: NodeConfig): Promise<PeerClients> {
    if (config.insecureLoopback || !config.tls) return new PeerClients(config, undefined);
    const [ca, cert, key] = await Promise.all([readFile(config.tls.ca), readFile(config.tls.cert), readFile(config.tls.key)]);
    return new PeerClients(config, { ca, cert, key });
  }

  private client(index: number, address: string): PeerClient {
    const id = `${index}@${address}`;
    let c = this.clients.get(id);
    if (c) return c;
    const Ctor = loadSplitkeyProto().splitkey.v1.Peer;
    let creds: grpc.ChannelCredentials;
    const options: grpc.ChannelOptions = { 'grpc.initial_reconnect_backoff_ms': 100, 'grpc.max_reconnect_backoff_ms': 1_000 };
    if (this.tls) {
      creds = grpc.credentials.createSsl(this.tls.ca, this.tls.key, this.tls.cert, {
        checkServerIdentity: (_host, cert) => {
          const pem = cert.raw ? new X509Certificate(cert.raw) : undefined;
          const peer = identityFromSan(pem?.subjectAltName ?? cert.subjectaltname);
          return peer?.role === 'node' && peer.index === index ? undefined : new Error(`the server at ${address} is not node ${index}`);
        },
      });
      options['grpc.ssl_target_name_override'] = 'localhost';
    } else {
      creds = grpc.credentials.createInsecure();
    }
    c = new Ctor(address, creds, options);
    this.clients.set(id, c);
    return c;
  }

  deliverShare(
    index: number,
    address: string,
    req: { keyName: string; sessionId: string; dealer: number; commitments: Uint8Array[]; share: Uint8Array },
  ): Promise<DeliverShareResponse__Output> {
    const c = this.client(index, address);
    // Wait for a peer that is (re)connecting rather than failing at once; the deadline still bounds it.
    const md = new grpc.Metadata({ waitForReady: true });
    if (!this.tls) md.set('splitkey-identity', `splitkey://node/${this.config.index}`);
    return new Promise((resolve, reject) =>
      c.DeliverShare(req, md, { deadline: Date.now() + TIMEOUT_MS }, (err, res) => (err ? reject(err) : resolve(res!))),
    );
  }

  async confirmComplaint(index: number, address: string, req: { keyName: string; sessionId: string; dealer: number }): Promise<boolean> {
    const c = this.client(index, address);
    const md = new grpc.Metadata({ waitForReady: true });
    if (!this.tls) md.set('splitkey-identity', `splitkey://node/${this.config.index}`);
    const res = await new Promise<{ complains: boolean }>((resolve, reject) =>
      c.ConfirmComplaint(req, md, { deadline: Date.now() + TIMEOUT_MS }, (err, r) => (err ? reject(err) : resolve(r!))),
    );
    return res.complains;
  }

  close(): void {
    for (const c of this.clients.values()) c.close();
    this.clients.clear();
  }
}
