/**
 * Network faults in the lab, as the commands that make and undo them (pure, unit-tested), run
 * in the node's network namespace (and the router's, for bandwidth):
 *
 *   partition         the node drops every packet to and from outside its cloud's CIDR — name
 *                     every node of a cloud to cut the cloud off (symmetric)
 *   partition-oneway  only what the node sends outside its cloud is dropped: requests reach it,
 *                     its answers never leave (the half-open link that hangs connections)
 *   bandwidth         tc tbf on the node's link, both directions (eth0 in the node, its veth in
 *                     the router)
 *
 * Latency is not built here: the lab's userspace latency proxy comes from another branch
 * (deploy2); `latencyHook` is where it plugs in.
 */
export interface NetCommand {
  /** Namespace to run in (`ip netns exec NS …`). */
  ns: string;
  argv: string[];
}

export interface NodeLink {
  /** The node's namespace, its cloud's CIDR, the router namespace and the router's veth to the node. */
  ns: string;
  cloudCidr: string;
  router: string;
  routerLink: string;
}

const outbound = (l: NodeLink) => ['OUTPUT', '-o', 'eth0', '!', '-d', l.cloudCidr, '-j', 'DROP'];
const inbound = (l: NodeLink) => ['INPUT', '-i', 'eth0', '!', '-s', l.cloudCidr, '-j', 'DROP'];

export function partitionCommands(l: NodeLink, oneWay: boolean): { inject: NetCommand[]; heal: NetCommand[] } {
  const rules = oneWay ? [outbound(l)] : [outbound(l), inbound(l)];
  return {
    inject: rules.map((r) => ({ ns: l.ns, argv: ['iptables', '-w', '-I', ...r] })),
    heal: rules.map((r) => ({ ns: l.ns, argv: ['iptables', '-w', '-D', ...r] })),
  };
}

export function bandwidthCommands(l: NodeLink, rate: string): { inject: NetCommand[]; heal: NetCommand[] } {
  if (!/^\d+(kbit|mbit|gbit)$/.test(rate)) throw new RangeError(`bandwidth rate must look like 1mbit, got ${JSON.stringify(rate)}`);
  const tbf = ['root', 'tbf', 'rate', rate, 'burst', '32kbit', 'latency', '400ms'];
  return {
    inject: [
      { ns: l.ns, argv: ['tc', 'qdisc', 'replace', 'dev', 'eth0', ...tbf] },
      { ns: l.router, argv: ['tc', 'qdisc', 'replace', 'dev', l.routerLink, ...tbf] },
    ],
    heal: [
      { ns: l.ns, argv: ['tc', 'qdisc', 'del', 'dev', 'eth0', 'root'] },
      { ns: l.router, argv: ['tc', 'qdisc', 'del', 'dev', l.routerLink, 'root'] },
    ],
  };
}

/**
 * Where added latency will plug in once the lab has its userspace latency proxy (branch deploy2):
 * the proxy sits between the node and the router; this returns why it is not available yet.
 */
export function latencyHook(_l: NodeLink, _delayMs: number): { unavailable: string } {
  return { unavailable: 'latency needs the lab’s userspace latency proxy (another branch, deploy2); not in this build' };
}
