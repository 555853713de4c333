/**
 * One gRPC channel per node, with mTLS credentials (or plaintext on loopback, if asked for).
 * Every channel is pinned: the server must present a certificate from the cluster CA whose URI
 * SAN is exactly the identity the descriptor gives for that index (splitkey://node/<i>), so a
 * certificate of another node, or of anything else the CA issued, is never taken for node i.
 */
import * as grpc from '@grpc/grpc-js';
import { createPrivateKey, sign } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { checkServerIdentity, type PeerCertificate } from 'node:tls';
import { sanUris } from '../crypto/san.js';
import type { AdminClient } from '../proto/gen/splitkey/v1/Admin.js';
import type { EvaluatorClient } from '../proto/gen/splitkey/v1/Evaluator.js';
import { loadSplitkeyProto } from '../proto/load.js';
import { nodeIdentity, type ClusterDescriptor, type NodeEndpoint } from './descriptor.js';
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
    // A CA bundle made with `cat` of files without a final newline glues "END CERTIFICATE" and
    // "BEGIN CERTIFICATE" on one line, which TLS would not parse past the first CA.
    const bundle = Buffer.from(ca.toString('latin1').replace(/-----END CERTIFICATE-----[ \t]*(?=-----BEGIN)/g, '-----END CERTIFICATE-----\n'), 'latin1');
    return { tls: { ca: bundle, cert, key } };
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
  // No service config from DNS TXT records: a retry policy from there could resend a call that
  // was sent (unaryCall's `reconnect` repeats only calls that never were).
  'grpc.service_config_disable_resolution': 1,
};

export class NodeChannels {
  private readonly evaluators = new Map<number, EvaluatorClient>();
  private readonly admins = new Map<number, AdminClient>();
  private readonly creds = new Map<number, grpc.ChannelCredentials>();
  private readonly metadata = new grpc.Metadata();
  private readonly insecure: boolean;

  constructor(
    readonly descriptor: ClusterDescriptor,
    private readonly credentials: Credentials,
  ) {
    this.insecure = !('tls' in credentials);
    if (!('tls' in credentials)) {
      if (!descriptor.insecureLoopback) throw new ConfigError('plaintext credentials need a descriptor with insecureLoopback: true');
      this.metadata.set('splitkey-identity', credentials.insecureIdentity);
    }
  }

  /**
   * `data` signed with this caller's own TLS key (ECDSA P-256 / SHA-256, DER) and its certificate
   * (PEM): an operator's signed destroy order (crypto/destroy-order.ts). Undefined without TLS.
   */
  signAsCaller(data: Uint8Array): { signature: Uint8Array; certificate: string } | undefined {
    const cr = this.credentials;
    if (!('tls' in cr)) return undefined;
    return { signature: new Uint8Array(sign('sha256', data, createPrivateKey(cr.tls.key))), certificate: cr.tls.cert.toString('utf8') };
  }

  /** Credentials for the channel to node `index`, pinned to its identity. */
  private credsFor(index: number): grpc.ChannelCredentials {
    let c = this.creds.get(index);
    if (c) return c;
    const cr = this.credentials;
    if ('tls' in cr) {
      const expected = this.endpoint(index)?.identity ?? nodeIdentity(index);
      c = grpc.credentials.createSsl(cr.tls.ca, cr.tls.key, cr.tls.cert, {
        // The pinned identity decides; a DNS name in the descriptor must also be in the certificate.
        checkServerIdentity: (host, cert) => (isIP(host) || host === sniName(index) ? undefined : checkServerIdentity(host, cert)) ?? pinnedIdentityError(cert, expected, this.endpoint(index)?.address ?? host),
      });
    } else {
      c = grpc.credentials.createInsecure();
    }
    this.creds.set(index, c);
    return c;
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
      c = new Ctor(this.address(index), this.credsFor(index), this.options(index));
      this.evaluators.set(index, c);
    }
    return c;
  }

  admin(index: number): AdminClient {
    let c = this.admins.get(index);
    if (!c) {
      const Ctor = loadSplitkeyProto().splitkey.v1.Admin;
      c = new Ctor(this.address(index), this.credsFor(index), this.options(index));
      this.admins.set(index, c);
    }
    return c;
  }

  /**
   * One Admin call to one node, sent once more on a new channel when grpc-js never sent it
   * (`unaryCall` with `reconnect`: a node that restarted answers at once).
   */
  adminCall<Res>(index: number, method: string, req: object, timeoutMs: number): { promise: Promise<Res>; cancel: () => void } {
    const bound = (client: AdminClient): UnaryMethod<object, Res> => {
      const m = (client as unknown as Record<string, UnaryMethod<object, Res>>)[method];
      if (typeof m !== 'function') throw new TypeError(`Admin has no method ${method}`);
      return m.bind(client);
    };
    const c = this.admin(index);
    return unaryCall<object, Res>(bound(c), req, this.callMetadata(), timeoutMs, {
      client: c,
      renew: () => {
        const fresh = this.renewAdmin(index, c);
        return { client: fresh, fn: bound(fresh) };
      },
    });
  }

  /**
   * A new admin channel to a node in place of `stale` (unless another call replaced it already),
   * with its own connection: it dials at once instead of waiting out the reconnect backoff of the
   * connection grpc-js shares between channels to one address (see `unaryCall`).
   */
  renewAdmin(index: number, stale: AdminClient): AdminClient {
    const current = this.admins.get(index);
    if (current && current !== stale) return current;
    const Ctor = loadSplitkeyProto().splitkey.v1.Admin;
    const c = new Ctor(this.address(index), this.credsFor(index), { ...this.options(index), 'grpc.use_local_subchannel_pool': 1 });
    this.admins.set(index, c);
    stale.close();
    return c;
  }

  /**
   * TLS SNI carries the node's DNS name from the descriptor, so an SNI-routing L4 proxy can route
   * it. SNI cannot carry an IP address (RFC 6066): for an IP the name is node-<i>.splitkey.
   */
  private options(index: number): grpc.ChannelOptions {
    const host = this.address(index).replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
    return isIP(host) && !this.insecure ? { ...CHANNEL_OPTIONS, 'grpc.ssl_target_name_override': sniName(index) } : CHANNEL_OPTIONS;
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

/** The TLS server name sent to a node dialled by IP address. */
export const sniName = (index: number): string => `node-${index}.splitkey`;

/** The URI SANs in a peer certificate ("URI:splitkey://node/1, DNS:localhost"). */
export function uriSans(cert: Pick<PeerCertificate, 'subjectaltname'>): string[] {
  return sanUris(cert.subjectaltname);
}

/** undefined if the certificate carries exactly the expected splitkey identity, else the error. */
export function pinnedIdentityError(cert: Pick<PeerCertificate, 'subjectaltname'>, expected: string, address: string): Error | undefined {
  const ids = uriSans(cert).filter((u) => u.startsWith('splitkey://'));
  if (ids.length === 1 && ids[0] === expected) return undefined;
  return new Error(`the server at ${address} is ${ids.length === 1 ? ids[0] : 'not a splitkey node'}, not ${expected} (pinned identity from the cluster descriptor)`);
}

/** Clients that completed a call: their node answered once, so a connection failure may be a restart. */
const answeredOnce = new WeakSet<grpc.Client>();

/** How long a renewed channel may take to connect before the call fails with its first error. */
const RENEW_CONNECT_MS = 2_000;

/** True once the client's channel is READY; false on its first failed attempt or at `until`. */
function connected(client: grpc.Client, until: number): Promise<boolean> {
  const channel = client.getChannel();
  return new Promise((resolve) => {
    const watch = (): void => {
      const state = channel.getConnectivityState(true);
      if (state === grpc.connectivityState.READY) return resolve(true);
      if (state === grpc.connectivityState.TRANSIENT_FAILURE || state === grpc.connectivityState.SHUTDOWN) return resolve(false);
      channel.watchConnectivityState(state, until, (err) => (err ? resolve(false) : watch()));
    };
    watch();
  });
}

/** True for grpc-js's immediate failure of a call it never sent: the channel had no connection. */
export function neverSent(e: unknown): boolean {
  const err = e as Partial<grpc.ServiceError>;
  return err?.code === grpc.status.UNAVAILABLE && typeof err.details === 'string' && /^((weighted_)?round_robin: )?No connection established/.test(err.details);
}

type UnaryMethod<Req, Res> = (req: Req, md: grpc.Metadata, opts: grpc.CallOptions, cb: grpc.requestCallback<Res>) => grpc.ClientUnaryCall;

/**
 * Promise wrapper for a unary call with a deadline; returns the call handle for cancellation.
 *
 * With `reconnect` (operator calls): grpc-js fails a call at once, without sending it, while the
 * connection to a node waits out its reconnect backoff (UNAVAILABLE "No connection established"
 * — after a node restarted, for up to a second although the node is back). On a channel whose
 * node has answered before, such a call is sent once more on a new channel with its own
 * connection (`renew`), which dials right away, as soon as that channel is connected: a restarted
 * node answers; a node still down refuses at once, and a host that drops packets fails the call
 * after at most 2 s (RENEW_CONNECT_MS), with the first error either way. Only a call that was
 * never sent is repeated — or one the node itself claims was not (a lying node can answer with
 * that status; an honest node never does, node/rpc.ts): the repeat goes only to that same node, at
 * its descriptor address, once — so an honest node never runs a state-changing call twice.
 * Client derivations do not use it: they ask another node instead.
 */
export function unaryCall<Req, Res>(
  fn: UnaryMethod<Req, Res>,
  req: Req,
  md: grpc.Metadata,
  timeoutMs: number,
  reconnect?: { client: grpc.Client; renew: () => { client: grpc.Client; fn: UnaryMethod<Req, Res> } },
): { promise: Promise<Res>; cancel: () => void } {
  const deadline = Date.now() + timeoutMs;
  let call: grpc.ClientUnaryCall | undefined;
  let cancelled = false;
  const send = (method: UnaryMethod<Req, Res>, client: grpc.Client | undefined): Promise<Res> =>
    new Promise<Res>((resolve, reject) => {
      call = method(req, md, { deadline }, (err, res) => {
        if (err) return reject(err);
        if (client) answeredOnce.add(client);
        resolve(res!);
      });
    });
  const promise = send(fn, reconnect?.client).catch(async (e: unknown) => {
    if (!reconnect || cancelled || !neverSent(e) || !answeredOnce.has(reconnect.client)) throw e;
    const fresh = reconnect.renew();
    // The node answered before on the channel this one replaces.
    answeredOnce.add(fresh.client);
    // Sent only once the new channel is connected: a refused dial gives up at once, a host that
    // drops packets (a partition) after RENEW_CONNECT_MS — never the call's whole deadline.
    if (!(await connected(fresh.client, Math.min(deadline, Date.now() + RENEW_CONNECT_MS))) || cancelled) throw e;
    return send(fresh.fn, fresh.client);
  });
  return {
    promise,
    cancel: () => {
      cancelled = true;
      call?.cancel();
    },
  };
}
