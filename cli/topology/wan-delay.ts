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
 * - The delay can change while it runs (`WanDelays`, and the control socket of
 *   `openWanControl`): bytes read after the change get the new delay, also on connections that
 *   are already open (gRPC keeps its connections). Bytes already queued keep theirs; order is
 *   kept, so after a decrease the fresh bytes wait behind the older ones.
 * - Per-host extra delay: a connection between a source address S (the peer that dialled the
 *   relay) and the route's target T gets `delayMs + max(extra(S), extra(T))` each way — "node X's
 *   links to other locations are slow" is `extra(X)`, in both directions and whoever dials.
 */
import { chmodSync, rmSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { createInterface } from 'node:readline';

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

/** The delays in force, shared by every route of a relay and changed at run time. */
export class WanDelays {
  private readonly extra = new Map<string, number>();
  private base: number;

  constructor(link: WanLink) {
    checkLink(link);
    this.base = link.delayMs;
  }

  /** The one-way delay for a connection from `source` to `target` (addresses as the relay sees them). */
  delayFor(source: string | undefined, target: string): number {
    const x = Math.max(this.extra.get(bareAddress(source)) ?? 0, this.extra.get(target) ?? 0);
    return this.base + x;
  }

  /** Set the base delay (every connection), or one host's extra delay (0 removes it). */
  set(delayMs: number, host?: string): void {
    checkLink({ delayMs });
    if (host === undefined) this.base = delayMs;
    else if (delayMs === 0) this.extra.delete(host);
    else this.extra.set(host, delayMs);
  }

  /** What is in force: the base delay and each host's extra. */
  state(): { delayMs: number; hosts: Record<string, number> } {
    return { delayMs: this.base, hosts: Object.fromEntries(this.extra) };
  }
}

/** "::ffff:10.0.0.1" (an IPv4 peer on a dual-stack socket) → "10.0.0.1". */
const bareAddress = (a: string | undefined): string => (a ?? '').replace(/^::ffff:(?=\d+\.)/, '');

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
    /** The one-way delay now (read for every chunk: it may change while the connection lives). */
    private readonly delayMs: () => number,
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
    p.at = departs + this.delayMs();
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

  /** `delays`: shared with other routes and changed at run time; default: fixed at `link.delayMs`. */
  static async open(route: WanRoute, link: WanLink, delays: WanDelays = new WanDelays(link)): Promise<WanDelayProxy> {
    checkLink(link);
    const sockets = new Set<Socket>();
    const server = createServer({ allowHalfOpen: true, noDelay: true }, (client) => {
      const accepted = performance.now();
      const upstream = connect({ host: route.target.host, port: route.target.port, allowHalfOpen: true, noDelay: true });
      sockets.add(client);
      sockets.add(upstream);
      const source = client.remoteAddress;
      const delayMs = () => delays.delayFor(source, route.target.host);
      const directions = [
        new DelayedDirection(client, upstream, link, delayMs, accepted + 2 * delayMs()),
        new DelayedDirection(upstream, client, link, delayMs, accepted),
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

/** Open every route with the same link (and the same run-time `delays`); all or nothing. */
export async function openWanDelay(routes: WanRoute[], link: WanLink, delays: WanDelays = new WanDelays(link)): Promise<WanDelayProxy[]> {
  const opened: WanDelayProxy[] = [];
  try {
    for (const r of routes) opened.push(await WanDelayProxy.open(r, link, delays));
  } catch (e) {
    await Promise.all(opened.map((p) => p.close()));
    throw e;
  }
  return opened;
}

/**
 * The relay's control socket: a Unix socket (mode 0600, so only its owner — root in the lab —
 * may change delays; a path, so it also reaches across network namespaces). One JSON object per
 * line, one answer line each:
 *
 *   {"delayMs": 200}                    base delay of every route
 *   {"host": "10.61.0.13", "delayMs": 300}   extra delay on that host's relayed links (0 removes it)
 *   {}                                  just report
 *
 * The answer: `{"ok":true,"delayMs":…,"hosts":{…}}` (what is in force after the command), or
 * `{"ok":false,"error":"…"}`. `splitkey cluster wan-delay-set` is the client.
 */
export interface WanControlCommand {
  delayMs?: number;
  host?: string;
}
export type WanControlAnswer = { ok: true; delayMs: number; hosts: Record<string, number> } | { ok: false; error: string };

export function applyControl(delays: WanDelays, line: string): WanControlAnswer {
  let cmd: unknown;
  try {
    cmd = JSON.parse(line);
  } catch {
    return { ok: false, error: 'expected one JSON object per line, e.g. {"delayMs":200} or {"host":"10.61.0.13","delayMs":300}' };
  }
  if (typeof cmd !== 'object' || cmd === null || Array.isArray(cmd)) return { ok: false, error: 'expected a JSON object' };
  const { delayMs, host, ...rest } = cmd as Record<string, unknown>;
  if (Object.keys(rest).length > 0) return { ok: false, error: `unknown field ${Object.keys(rest)[0]}; expected delayMs and host` };
  if (host !== undefined && (typeof host !== 'string' || host.length === 0)) return { ok: false, error: 'host must be an address string' };
  if (delayMs !== undefined) {
    if (typeof delayMs !== 'number' || !Number.isInteger(delayMs)) return { ok: false, error: `delayMs must be an integer, got ${JSON.stringify(delayMs)}` };
    try {
      delays.set(delayMs, host as string | undefined);
    } catch (e) {
      return { ok: false, error: (e as Error).message };
    }
  } else if (host !== undefined) {
    return { ok: false, error: 'host without delayMs' };
  }
  return { ok: true, ...delays.state() };
}

/** Listen on the control socket `path` (a stale socket file there is replaced). */
export async function openWanControl(path: string, delays: WanDelays): Promise<{ close(): Promise<void> }> {
  rmSync(path, { force: true });
  const conns = new Set<Socket>();
  const server = createServer((s) => {
    conns.add(s);
    s.on('close', () => conns.delete(s));
    s.on('error', () => s.destroy());
    createInterface({ input: s }).on('line', (line) => {
      if (line.trim() === '') return;
      s.write(`${JSON.stringify(applyControl(delays, line))}\n`);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => {
      server.off('error', reject);
      resolve();
    });
  });
  chmodSync(path, 0o600);
  return {
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of conns) c.destroy();
        server.close(() => {
          rmSync(path, { force: true });
          resolve();
        });
      }),
  };
}

/** Send one command to a relay's control socket; resolves with its answer. */
export function sendWanControl(path: string, cmd: WanControlCommand, timeoutMs = 5000): Promise<WanControlAnswer> {
  return new Promise((resolve, reject) => {
    const s = connect({ path });
    const timer = setTimeout(() => s.destroy(new Error(`no answer from the WAN relay's control socket ${path} within ${timeoutMs} ms`)), timeoutMs);
    s.once('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`the WAN relay's control socket ${path}: ${e.message}`));
    });
    createInterface({ input: s }).once('line', (line) => {
      clearTimeout(timer);
      s.end();
      try {
        resolve(JSON.parse(line) as WanControlAnswer);
      } catch {
        reject(new Error(`the WAN relay's control socket ${path} answered ${line.slice(0, 200)}`));
      }
    });
    s.write(`${JSON.stringify(cmd)}\n`);
  });
}
