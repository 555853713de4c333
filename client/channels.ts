/** One gRPC channel per node, with mTLS credentials (or plaintext on loopback, if asked for). */
import * as grpc from '@grpc/grpc-js';
import { readFile } from 'node:fs/promises';
import type { AdminClient } from '../proto/gen/splitkey/v1/Admin.js';
import type { EvaluatorClient } from '../proto/gen/splitkey/v1/Evaluator.js';
import { loadSplitkeyProto } from '../proto/load.js';
import type { ClusterDescriptor, NodeEndpoint } from './descriptor.js';
import { ConfigError } from './errors.js';

export interface TlsFiles {
  ca: string;
  cert: string;
  key: string;
}

export type Credentials = { tls: { ca: Buffer; cert: Buffer; key: Buffer } } | { insecureIdentity: string };

export async function readTlsFiles(files: TlsFiles): Promise<Credentials> {
  try {
    const [ca, cert, key] = await Promise.all([readFile(files.ca), readFile(files.cert), readFile(files.key)]);
    return { tls: { ca, cert, key } };
  } catch (e) {
    throw new ConfigError(`cannot read TLS files: ${(e as Error).message}`);
  }
}

const CHANNEL_OPTIONS: grpc.ChannelOptions = {
  'grpc.keepalive_time_ms': 30_000,
  'grpc.keepalive_timeout_ms': 5_000,
  'grpc.initial_reconnect_backoff_ms': 200,
  'grpc.max_reconnect_backoff_ms': 1_000,
  'grpc.enable_channelz': 0,
};

export class NodeChannels {
  private readonly evaluators = new Map<number, EvaluatorClient>();
  private readonly admins = new Map<number, AdminClient>();
  private readonly creds: grpc.ChannelCredentials;
  private readonly metadata = new grpc.Metadata();
  private readonly insecure: boolean;

  constructor(
    readonly descriptor: ClusterDescriptor,
    credentials: Credentials,
  ) {
    this.insecure = !('tls' in credentials);
    if ('tls' in credentials) {
      this.creds = grpc.credentials.createSsl(credentials.tls.ca, credentials.tls.key, credentials.tls.cert);
    } else {
      if (!descriptor.insecureLoopback) throw new ConfigError('plaintext credentials need a descriptor with insecureLoopback: true');
      this.creds = grpc.credentials.createInsecure();
      this.metadata.set('splitkey-identity', credentials.insecureIdentity);
    }
  }

  get nodes(): NodeEndpoint[] {
    return this.descriptor.nodes;
  }

  endpoint(index: number): NodeEndpoint | undefined {
    return this.descriptor.nodes.find((n) => n.index === index);
  }

  callMetadata(): grpc.Metadata {
    return this.metadata.clone();
  }

  evaluator(index: number): EvaluatorClient {
    let c = this.evaluators.get(index);
    if (!c) {
      const Ctor = loadSplitkeyProto().splitkey.v1.Evaluator;
      c = new Ctor(this.address(index), this.creds, this.options(index));
      this.evaluators.set(index, c);
    }
    return c;
  }

  admin(index: number): AdminClient {
    let c = this.admins.get(index);
    if (!c) {
      const Ctor = loadSplitkeyProto().splitkey.v1.Admin;
      c = new Ctor(this.address(index), this.creds, this.options(index));
      this.admins.set(index, c);
    }
    return c;
  }

  /** Loopback IPs are verified as "localhost" (TLS SNI cannot carry an IP address). */
  private options(index: number): grpc.ChannelOptions {
    const host = this.address(index).replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
    const loopback = /^127\./.test(host) || host === '::1';
    return loopback && !this.insecure ? { ...CHANNEL_OPTIONS, 'grpc.ssl_target_name_override': 'localhost' } : CHANNEL_OPTIONS;
  }

  private address(index: number): string {
    const e = this.endpoint(index);
    if (!e) throw new ConfigError(`node ${index} is not in the cluster descriptor`);
    return e.address;
  }

  /** Resolve once the channels to a node are connected (e.g. after it restarted). */
  async waitReady(index: number, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    await Promise.all(
      [this.evaluator(index), this.admin(index)].map(
        (c) => new Promise<void>((resolve, reject) => c.waitForReady(deadline, (err) => (err ? reject(err) : resolve()))),
      ),
    );
  }

  close(): void {
    for (const c of this.evaluators.values()) c.close();
    for (const c of this.admins.values()) c.close();
    this.evaluators.clear();
    this.admins.clear();
  }
}

/** Promise wrapper for a unary call with a deadline; returns the call handle for cancellation. */
export function unaryCall<Req, Res>(
  fn: (req: Req, md: grpc.Metadata, opts: grpc.CallOptions, cb: grpc.requestCallback<Res>) => grpc.ClientUnaryCall,
  req: Req,
  md: grpc.Metadata,
  timeoutMs: number,
): { promise: Promise<Res>; cancel: () => void } {
  let call: grpc.ClientUnaryCall | undefined;
  const promise = new Promise<Res>((resolve, reject) => {
    call = fn(req, md, { deadline: Date.now() + timeoutMs }, (err, res) => (err ? reject(err) : resolve(res!)));
  });
  return { promise, cancel: () => call?.cancel() };
}
