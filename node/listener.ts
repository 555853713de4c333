/**
 * The node's TCP listener, in front of grpc-js. grpc-js's own `bindAsync` accepts any number of
 * connections and gives a peer that never finishes its TLS handshake Node's default of 120 s, so
 * anyone who can reach the port can hold file descriptors open. Here the node owns the socket:
 *
 * - at most `maxConnections` open connections; the next one is closed at once;
 * - the TLS handshake must finish within `handshakeTimeoutMs` (tls.Server's `handshakeTimeout`,
 *   passed through grpc-js's server credentials), from the moment the connection is accepted, so
 *   a raw TCP connection that sends nothing is closed too;
 * - an HTTP/2 connection with no call in flight for `idleTimeoutMs` is closed by grpc-js
 *   (`grpc.max_connection_idle_ms`, set in server.ts) with a GOAWAY; clients reconnect on demand.
 *
 * Accepted sockets are handed to grpc-js through its public connection injector.
 */
import { createServer, type Server as NetServer, type Socket } from 'node:net';
import * as grpc from '@grpc/grpc-js';

export interface ListenOptions {
  host: string;
  port: number;
  maxConnections: number;
  handshakeTimeoutMs: number;
  /** Called when a connection is refused for the cap (for metrics and a log line). */
  onRefused?: (open: number) => void;
}

/** TLS credentials whose server also enforces a handshake deadline. */
export function withHandshakeTimeout(credentials: grpc.ServerCredentials, handshakeTimeoutMs: number): grpc.ServerCredentials {
  if (!credentials._isSecure()) return credentials;
  const options = credentials._getConstructorOptions.bind(credentials);
  credentials._getConstructorOptions = () => ({ ...options(), handshakeTimeout: handshakeTimeoutMs });
  return credentials;
}

export class NodeListener {
  private readonly sockets = new Set<Socket>();
  private readonly server: NetServer;
  private readonly injector: grpc.ConnectionInjector;
  private boundPort = 0;

  private constructor(grpcServer: grpc.Server, credentials: grpc.ServerCredentials, opts: ListenOptions) {
    this.injector = grpcServer.createConnectionInjector(withHandshakeTimeout(credentials, opts.handshakeTimeoutMs));
    this.server = createServer({ noDelay: true });
    this.server.on('connection', (socket) => {
      if (this.sockets.size >= opts.maxConnections) {
        socket.destroy();
        opts.onRefused?.(this.sockets.size);
        return;
      }
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
      // Errors of a single connection (resets, TLS failures) end that connection only.
      socket.on('error', () => undefined);
      this.injector.injectConnection(socket);
    });
  }

  static async open(grpcServer: grpc.Server, credentials: grpc.ServerCredentials, opts: ListenOptions): Promise<NodeListener> {
    const listener = new NodeListener(grpcServer, credentials, opts);
    const server = listener.server;
    listener.boundPort = await new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: opts.host, port: opts.port }, () => {
        server.off('error', reject);
        const address = server.address();
        resolve(typeof address === 'object' && address ? address.port : opts.port);
      });
    });
    return listener;
  }

  get port(): number {
    return this.boundPort;
  }

  /** Open connections right now. */
  get connections(): number {
    return this.sockets.size;
  }

  /** Stop accepting; connections already open are left to grpc-js's shutdown. */
  stopAccepting(): void {
    if (this.server.listening) this.server.close();
  }

  /** After grpc-js's shutdown: close whatever is left (e.g. connections still in their handshake). */
  destroyAll(): void {
    this.stopAccepting();
    this.injector.destroy();
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
  }
}
