/**
 * A multi-host lab on one Linux machine, built from a topology and its `cluster init` output:
 *
 *   router namespace: one bridge per cloud (gateway = first address of the cloud's CIDR) and one
 *     for the client subnet; IPv4 forwarding on. Clouds reach each other only through it.
 *   one namespace per node, address from the topology, /etc/netns/<ns>/hosts naming every node
 *     (and a resolv.conf without a reachable server),
 *     the node process started from its bundle unchanged (its dataDir /var/lib/splitkey is a
 *     per-node directory bind-mounted in the process's own mount namespace).
 *   a client namespace: the operator CLI and appliances, resolving nodes by the same names.
 *   optional WAN latency (`wanDelayMs`): every link between two locations (the clouds and the
 *     client subnet) passes a `splitkey cluster wan-delay` relay in the router namespace, set up
 *     before any node starts. In location L, a node of another location resolves to a relay
 *     address in L's subnet (.200 + index) that forwards to the node with the delay; nodes of L
 *     itself resolve to their own addresses. So a round trip between clouds costs 2 × delay.
 *   `wanControl`: the same relays even at 0 ms, with a control socket, so that a node's links can
 *     be slowed and restored while the cluster runs (`setLinkDelay`: the chaos `latency` fault).
 *
 * Needs root (network namespaces). `destroy()` removes every namespace, process and hosts file,
 * also after a failure; a process exit hook does the same if a test run is interrupted.
 *
 * Used by the multi-host test tier (test/netns) and by the chaos `lab` target, which runs its
 * workload inside the client namespace (`clientNamespace`: made beforehand by the caller, who
 * runs itself in it) and injects network faults with `iptables` and `tc` in the node namespaces.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nodeBundleDir } from '../topology/bundle.js';
import { allNodes, type Topology } from '../topology/topology.js';

const CLIENT_CIDR = '10.59.0';

/** Why the lab cannot run here, or undefined when it can. */
export function labUnavailable(): string | undefined {
  if (process.platform !== 'linux') return 'the multi-host tier needs Linux network namespaces';
  if (process.getuid?.() !== 0) return 'the multi-host tier needs root (network namespaces); CI runs it as root — run `sudo npx vitest run test/netns` to try it';
  try {
    execFileSync('ip', ['-V'], { stdio: 'ignore' });
  } catch {
    return 'the multi-host tier needs iproute2 (`ip`); install it (apt-get install iproute2)';
  }
  return undefined;
}

/** A node's address: its topology ip, else .(10 + index) in its cloud's CIDR. */
function labAddress(n: ReturnType<typeof allNodes>[number]): string {
  if (!n.cloud.cidr) throw new Error(`cloud ${n.cloud.name} has no cidr in the topology; the lab needs one per cloud`);
  return n.ip ?? `${n.cloud.cidr.replace(/\.\d+\/\d+$/, '')}.${10 + n.index}`;
}

const ip = (...args: string[]): string => execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const gateway = (cidr: string): string => cidr.replace(/\.\d+\/\d+$/, '.1');
const prefixLength = (cidr: string): string => cidr.split('/')[1]!;

export interface LabOptions {
  /** One-way delay on every inter-location link, in ms; 0 or absent: no relays (unless `wanControl`). */
  wanDelayMs?: number;
  /** Relays on every inter-location link even at 0 ms, changeable at run time (`setLinkDelay`). */
  wanControl?: boolean;
}

export interface LabNode {
  index: number;
  ns: string;
  child?: ChildProcess;
  exited?: Promise<number | null>;
}

export class NetnsLab {
  readonly router: string;
  readonly client: string;
  readonly nodes = new Map<number, LabNode>();
  private readonly namespaces: string[] = [];
  private relay: ChildProcess | undefined;
  /** Relay addresses in each location's subnet (keyed by CIDR), when the links are relayed. */
  private readonly relayAddresses = new Map<string, string[]>();
  /** The relay's control socket (with `wanControl`). */
  private controlSocket: string | undefined;
  /** When set, each node's stdout (its JSON log) is appended to <logDir>/<index>.log. */
  private logDir?: string;
  private readonly onExit = () => this.destroySync();

  private constructor(
    readonly topology: Topology,
    readonly bundles: string,
    private readonly cli: string,
    prefix: string,
    private readonly options: LabOptions,
    private readonly existingClient?: string,
  ) {
    this.router = `${prefix}-router`;
    this.client = existingClient ?? `${prefix}-client`;
  }

  /** The hosts file every namespace of a lab of `t` gets (the client's must exist before a process enters it). */
  static hostsFile(t: Topology): string {
    const nodes = allNodes(t);
    return `127.0.0.1 localhost\n${nodes.map((n) => `${labAddress(n)} ${[n.host, ...n.altNames].join(' ')}`).join('\n')}\n`;
  }

  /** Node `index`'s address in the lab. */
  address(index: number): string {
    return labAddress(allNodes(this.topology).find((x) => x.index === index)!);
  }

  /**
   * Build the namespaces and links (no node started yet). `opts.clientNamespace`: an existing
   * namespace to use as the client (it is linked and given the hosts file, but neither created
   * nor deleted here); `opts.prefix`: namespace name prefix (default sk<pid>); `opts.wanDelayMs`:
   * WAN relays on every inter-location link, set up before any node starts.
   */
  static async create(t: Topology, bundles: string, cli: string, opts: LabOptions & { clientNamespace?: string; prefix?: string; logDir?: string } = {}): Promise<NetnsLab> {
    const lab = new NetnsLab(t, bundles, cli, opts.prefix ?? `sk${process.pid}`, { wanDelayMs: opts.wanDelayMs, wanControl: opts.wanControl }, opts.clientNamespace);
    lab.logDir = opts.logDir;
    process.once('exit', lab.onExit);
    try {
      const routes = lab.build();
      if (routes.length > 0) await lab.startRelays(routes);
    } catch (e) {
      lab.destroySync();
      throw e;
    }
    return lab;
  }

  /** One relay process in the router namespace for every inter-location route. */
  private async startRelays(routes: string[]): Promise<void> {
    const args = ['netns', 'exec', this.router, process.execPath, this.cli, 'cluster', 'wan-delay', '--delay-ms', String(this.options.wanDelayMs ?? 0)];
    for (const r of routes) args.push('--route', r);
    if (this.options.wanControl) {
      // A short path (a Unix socket path has at most 107 bytes), reachable from every namespace.
      this.controlSocket = join(tmpdir(), `${this.router.replace(/-router$/, '')}-wan.sock`);
      args.push('--control', this.controlSocket);
    }
    const child = spawn('ip', args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_OPTIONS: '' } });
    this.relay = child;
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    await new Promise<void>((resolve, reject) => {
      const fail = (code: number | null) => reject(new Error(`the WAN relay exited with code ${code}: ${stderr}`));
      child.once('exit', fail);
      createInterface({ input: child.stdout! }).once('line', (line) => {
        child.off('exit', fail);
        if (line.includes('"event":"relaying"')) resolve();
        else reject(new Error(`the WAN relay said ${line}`));
      });
    });
  }

  private addNamespace(ns: string, hosts: string): void {
    if (ns !== this.existingClient) {
      ip('netns', 'add', ns);
      this.namespaces.push(ns);
    }
    ip('-n', ns, 'link', 'set', 'lo', 'up');
    mkdirSync(`/etc/netns/${ns}`, { recursive: true });
    writeFileSync(`/etc/netns/${ns}/hosts`, hosts);
    // No DNS server in the lab: refuse at once (gRPC's TXT lookups would otherwise wait for the
    // host's unreachable server). Names come from the hosts file.
    writeFileSync(`/etc/netns/${ns}/resolv.conf`, 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n');
  }

  /** A veth from the router's bridge `br` into `ns`, addressed `address/len`, default route via `gw`. */
  private link(ns: string, br: string, name: string, address: string, len: string, gw: string): void {
    ip('-n', this.router, 'link', 'add', name, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns);
    ip('-n', this.router, 'link', 'set', name, 'master', br, 'up');
    ip('-n', ns, 'addr', 'add', `${address}/${len}`, 'dev', 'eth0');
    ip('-n', ns, 'link', 'set', 'eth0', 'up');
    ip('-n', ns, 'route', 'add', 'default', 'via', gw);
  }

  /** Returns the relay routes (LISTEN=TARGET) the WAN delay needs; none without a delay. */
  private build(): string[] {
    const t = this.topology;
    const nodes = allNodes(t);
    const address = labAddress;
    const base = (cidr: string) => cidr.replace(/\.\d+\/\d+$/, '');
    const delayed = (this.options.wanDelayMs ?? 0) > 0 || this.options.wanControl === true;
    const routes: string[] = [];
    /** The hosts file for location `cidr` (a cloud's, or the client subnet's) on bridge `br`. */
    const hostsFor = (cidr: string | undefined, br: string | undefined): string => {
      const lines = nodes.map((n) => {
        let a = address(n);
        if (delayed && cidr !== undefined && n.cloud.cidr !== cidr) {
          const relay = `${base(cidr)}.${200 + n.index}`;
          ip('-n', this.router, 'addr', 'add', `${relay}/${prefixLength(cidr)}`, 'dev', br!);
          this.relayAddresses.set(cidr, [...(this.relayAddresses.get(cidr) ?? []), relay]);
          routes.push(`${relay}:${t.port}=${a}:${t.port}`);
          a = relay;
        }
        return `${a} ${[n.host, ...n.altNames].join(' ')}`;
      });
      return `127.0.0.1 localhost\n${lines.join('\n')}\n`;
    };
    this.addNamespace(this.router, hostsFor(undefined, undefined));
    ip('netns', 'exec', this.router, 'sysctl', '-qw', 'net.ipv4.ip_forward=1');
    const bridge = (name: string, gw: string, len: string) => {
      ip('-n', this.router, 'link', 'add', name, 'type', 'bridge');
      ip('-n', this.router, 'addr', 'add', `${gw}/${len}`, 'dev', name);
      ip('-n', this.router, 'link', 'set', name, 'up');
    };
    t.clouds.forEach((c, i) => bridge(`br${i}`, gateway(c.cidr ?? ''), prefixLength(c.cidr ?? '/24')));
    bridge('brc', `${CLIENT_CIDR}.1`, '24');
    const cloudHosts = t.clouds.map((c, i) => hostsFor(c.cidr, `br${i}`));
    for (const n of nodes) {
      const ns = `${this.router.replace(/-router$/, '')}-n${n.index}`;
      this.addNamespace(ns, cloudHosts[t.clouds.indexOf(n.cloud)]!);
      const cloud = t.clouds.indexOf(n.cloud);
      this.link(ns, `br${cloud}`, `v${n.index}`, address(n), prefixLength(n.cloud.cidr!), gateway(n.cloud.cidr!));
      this.nodes.set(n.index, { index: n.index, ns });
      mkdirSync(join(this.bundles, 'lab-data', String(n.index)), { recursive: true });
    }
    this.addNamespace(this.client, hostsFor(`${CLIENT_CIDR}.0/24`, 'brc'));
    this.link(this.client, 'brc', 'vc', `${CLIENT_CIDR}.2`, '24', `${CLIENT_CIDR}.1`);
    return routes;
  }

  /** How node `index` reaches other locations when links are relayed: its gateway and the relay addresses in its subnet. */
  relayedLink(index: number): { gateway: string; relays: string[] } | undefined {
    const cidr = allNodes(this.topology).find((x) => x.index === index)!.cloud.cidr!;
    const relays = this.relayAddresses.get(cidr);
    return relays ? { gateway: gateway(cidr), relays } : undefined;
  }

  /**
   * Slow node `index`'s links to other locations: `delayMs` more one way, in both directions,
   * whoever dials (0 restores them). Needs `wanControl`. Same-cloud links are direct and unchanged.
   */
  async setLinkDelay(index: number, delayMs: number): Promise<void> {
    if (!this.controlSocket) throw new Error('this lab has no WAN relay control (create it with wanControl)');
    const { sendWanControl } = await import('../topology/wan-delay.js');
    const a = await sendWanControl(this.controlSocket, { host: this.address(index), delayMs });
    if (!a.ok) throw new Error(`the WAN relay refused the delay for node ${index}: ${a.error}`);
  }

  /** Start node `index` inside its namespace from its bundle; resolves once it is SERVING. */
  async startNode(index: number): Promise<LabNode> {
    const node = this.nodes.get(index)!;
    const n = allNodes(this.topology).find((x) => x.index === index)!;
    const config = join(nodeBundleDir(this.bundles, n.cloud, n), 'config.json');
    const data = join(this.bundles, 'lab-data', String(index));
    const script = 'mount -t tmpfs lab /var/lib && mkdir /var/lib/splitkey && mount --bind "$0" /var/lib/splitkey && exec "$@"';
    const child = spawn('ip', ['netns', 'exec', node.ns, 'sh', '-c', script, data, process.execPath, this.cli, 'node', 'start', '--config', config], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, SPLITKEY_LOG_LEVEL: 'warn' },
    });
    node.child = child;
    node.exited = new Promise((res) => child.once('exit', (code) => res(code)));
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    await new Promise<void>((resolve, reject) => {
      const fail = (code: number | null) => reject(new Error(`node ${index} exited with code ${code} before serving: ${stderr}`));
      child.once('exit', fail);
      createInterface({ input: child.stdout! }).on('line', (line) => {
        if (this.logDir) appendFileSync(join(this.logDir, `${index}.log`), `${line}\n`);
        if (line.includes('"event":"serving"')) {
          child.off('exit', fail);
          resolve();
        }
      });
    });
    return node;
  }

  /** SIGTERM (clean drain) or SIGKILL one node and wait for it to exit. */
  async stopNode(index: number, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    const node = this.nodes.get(index)!;
    if (!node.child || node.child.exitCode !== null || node.child.signalCode !== null) return node.child?.exitCode ?? null;
    node.child.kill(signal);
    const timer = setTimeout(() => node.child?.kill('SIGKILL'), 15_000);
    const code = await node.exited!;
    clearTimeout(timer);
    return code;
  }

  /** Run any program in the client namespace. */
  exec(argv: string[], env: Record<string, string>, input?: string): Promise<{ status: number | null; stdout: string; stderr: string; ms: number }> {
    const start = performance.now();
    return new Promise((resolve) => {
      const child = spawn('ip', ['netns', 'exec', this.client, ...argv], { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.stdin.end(input ?? '');
      child.on('exit', (status) => resolve({ status, stdout, stderr, ms: performance.now() - start }));
    });
  }

  /** Run the splitkey CLI in the client namespace. */
  run(args: string[], env: Record<string, string>, input?: string): Promise<{ status: number | null; stdout: string; stderr: string; ms: number }> {
    return this.exec([process.execPath, this.cli, ...args], env, input);
  }


  /** Stop every node, then remove namespaces and hosts files. */
  async destroy(): Promise<void> {
    await Promise.all([...this.nodes.keys()].map((i) => this.stopNode(i).catch(() => undefined)));
    this.destroySync();
  }

  private destroySync(): void {
    for (const n of this.nodes.values()) if (n.child && n.child.exitCode === null && n.child.signalCode === null) n.child.kill('SIGKILL');
    if (this.relay && this.relay.exitCode === null && this.relay.signalCode === null) this.relay.kill('SIGKILL');
    if (this.controlSocket) rmSync(this.controlSocket, { force: true });
    for (const ns of this.namespaces.splice(0).reverse()) {
      try {
        ip('netns', 'del', ns);
      } catch {
        // already gone
      }
      rmSync(`/etc/netns/${ns}`, { recursive: true, force: true });
    }
    process.off('exit', this.onExit);
  }
}
