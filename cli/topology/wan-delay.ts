/**
 * A userspace TCP relay that behaves like a WAN link: every byte is delivered `delayMs` after it
 * arrived (one way, each direction), optionally no faster than `bytesPerSecond`. For staging and
 * for the multi-host test tier on kernels without netem; nothing in the node or the client knows
 * about it — a peer's name simply resolves to the relay's address.
 *
 * - Order and bytes are preserved; each direction has its own queue and timer.
 * - Connection setup: the client's TCP handshake ends at the relay (locally), so the first bytes
 *   from the client are held one extra round trip (2 × delayMs): what a real SYN/SYN-ACK costs.
 * - Half-close is relayed: a FIN from one side is delivered (after the delay, behind the data
 *   before it) as `end()` to the other, which may go on sending.
 * - A reset or error on one side destroys the other at once (no delay: a reset is not data).
 * - Bounded memory: a direction holding more than `maxBufferedBytes` pauses its reader until
 *   the queue drains (TCP flow control does the rest).
 */
import { connect, createServer, type Server, type Socket } from 'node:net';

export interface WanLink {
  /** One-way delay added to every byte, in milliseconds. */
  delayMs: number;
  /** Bandwidth cap per direction and connection; unlimited when absent. */
  bytesPerSecond?: number;
  /** Per direction; default 4 MiB. */
  maxBufferedBytes?: number;
}

export interface WanRoute {
  listen: { host: string; port: number };
  target: { host: string; port: number };
}

/** "HOST:PORT=HOST:PORT" (listen=target); IPv6 hosts in brackets. */
export function parseRoute(text: string): WanRoute {
  const hostPort = (s: string, what: string) => {
    const m = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(s);
    const port = m ? Number(m[3]) : NaN;
    if (!m || port > 65535) throw new RangeError(`route ${text}: the ${what} must be HOST:PORT, got "${s}"`);
    return { host: m[1] ?? m[2]!, port };
  };
  const parts = text.split('=');
  if (parts.length !== 2) throw new RangeError(`route ${text}: expected LISTEN=TARGET, e.g. 10.61.0.203:7001=10.62.0.13:7001`);
  return { listen: hostPort(parts[0]!, 'listen address'), target: hostPort(parts[1]!, 'target address') };
}

export function checkLink(link: WanLink): void {
  if (!Number.isFinite(link.delayMs) || link.delayMs < 0 || link.delayMs > 60_000) throw new RangeError(`delayMs must be 0 to 60000, got ${link.delayMs}`);
  if (link.bytesPerSecond !== undefined && !(link.bytesPerSecond >= 1)) throw new RangeError(`bytesPerSecond must be at least 1, got ${link.bytesPerSecond}`);
}

interface Pending {
  at: number;
  chunk?: Buffer;
  end?: true;
}

/** One direction of a relayed connection: bytes read from `from` reach `to` after the delay. */
class DelayedDirection {
  private readonly queue: Pending[] = [];
  private queued = 0;
  private timer: NodeJS.Timeout | undefined;
  /** When the link is free again (bandwidth cap), and the earliest departure (connection setup). */
  private linkFree: number;

  constructor(
    private readonly from: Socket,
    private readonly to: Socket,
    private readonly link: WanLink,
    notBefore: number,
  ) {
    this.linkFree = notBefore;
    from.on('data', (chunk: Buffer) => this.push({ at: 0, chunk }));
    from.on('end', () => this.push({ at: 0, end: true }));
    to.on('drain', () => this.maybeResume());
  }

  private push(p: Pending): void {
    const now = performance.now();
    let departs = Math.max(now, this.linkFree);
    if (p.chunk && this.link.bytesPerSecond) departs += (p.chunk.length * 1000) / this.link.bytesPerSecond;
    this.linkFree = departs;
    p.at = departs + this.link.delayMs;
    this.queue.push(p);
    if (p.chunk) {
      this.queued += p.chunk.length;
      if (this.queued + this.to.writableLength > (this.link.maxBufferedBytes ?? 4 << 20)) this.from.pause();
    }
    if (this.queue.length === 1) this.schedule();
  }

  private schedule(): void {
    const head = this.queue[0];
    if (!head || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flush();
    }, Math.max(0, head.at - performance.now()));
  }

  private flush(): void {
    const now = performance.now();
    while (this.queue.length > 0 && this.queue[0]!.at <= now + 0.5) {
      const p = this.queue.shift()!;
      if (this.to.destroyed) return;
      if (p.chunk) {
        this.queued -= p.chunk.length;
        this.to.write(p.chunk);
      } else if (p.end) {
        this.to.end();
      }
    }
    this.maybeResume();
    this.schedule();
  }

  private maybeResume(): void {
    if (this.from.isPaused() && this.queued + this.to.writableLength <= (this.link.maxBufferedBytes ?? 4 << 20) / 2) this.from.resume();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.queue.length = 0;
  }
}

/** A listening relay for one route. */
export class WanDelayProxy {
  private constructor(
    private readonly server: Server,
    private readonly sockets: Set<Socket>,
    readonly route: WanRoute,
    readonly port: number,
  ) {}

  static async open(route: WanRoute, link: WanLink): Promise<WanDelayProxy> {
    checkLink(link);
    const sockets = new Set<Socket>();
    const server = createServer({ allowHalfOpen: true, noDelay: true }, (client) => {
      const accepted = performance.now();
      const upstream = connect({ host: route.target.host, port: route.target.port, allowHalfOpen: true, noDelay: true });
      sockets.add(client);
      sockets.add(upstream);
      const directions = [
        new DelayedDirection(client, upstream, link, accepted + 2 * link.delayMs),
        new DelayedDirection(upstream, client, link, accepted),
      ];
      const teardown = (why: 'error' | 'close') => {
        for (const d of directions) d.stop();
        for (const s of [client, upstream]) {
          if (s.destroyed) continue;
          if (why === 'error') s.resetAndDestroy();
          else s.destroy();
        }
      };
      for (const s of [client, upstream]) {
        s.on('error', () => teardown('error'));
        // A clean close (both FINs exchanged) leaves the other side to its queue, which ends it;
        // a close after an error cuts the other side too.
        s.on('close', (hadError) => {
          sockets.delete(s);
          if (hadError) teardown('close');
        });
      }
    });
    const port = await new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: route.listen.host, port: route.listen.port }, () => {
        server.off('error', reject);
        const a = server.address();
        resolve(typeof a === 'object' && a ? a.port : route.listen.port);
      });
    });
    return new WanDelayProxy(server, sockets, route, port);
  }

  /** Relayed connections open right now (client side and upstream side each count). */
  get connections(): number {
    return this.sockets.size;
  }

  /** Stop listening and cut every relayed connection. */
  close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** Open every route with the same link; all or nothing. */
export async function openWanDelay(routes: WanRoute[], link: WanLink): Promise<WanDelayProxy[]> {
  const opened: WanDelayProxy[] = [];
  try {
    for (const r of routes) opened.push(await WanDelayProxy.open(r, link));
  } catch (e) {
    await Promise.all(opened.map((p) => p.close()));
    throw e;
  }
  return opened;
}
