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
 *   latency           not a command: the lab runs every inter-location link through its WAN
 *                     relay (`cluster wan-delay`, at 0 ms) and the fault sets the node's extra
 *                     delay through the relay's control socket (NetnsLab.setLinkDelay)
 *
 * With the relays in place a node reaches other clouds through relay addresses inside its own
 * subnet, and relayed connections reach it from the router's gateway address: a partition then
 * also drops those (`relayed`), or it would cut nothing.
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
  /** When the lab relays inter-location links: the cloud's gateway and the relay addresses in its subnet. */
  relayed?: { gateway: string; relays: string[] };
}

const outbound = (l: NodeLink) => ['OUTPUT', '-o', 'eth0', '!', '-d', l.cloudCidr, '-j', 'DROP'];
const inbound = (l: NodeLink) => ['INPUT', '-i', 'eth0', '!', '-s', l.cloudCidr, '-j', 'DROP'];
const relayedOut = (l: NodeLink) => (l.relayed ? [l.relayed.gateway, ...l.relayed.relays].map((a) => ['OUTPUT', '-o', 'eth0', '-d', a, '-j', 'DROP']) : []);
const relayedIn = (l: NodeLink) => (l.relayed ? [l.relayed.gateway, ...l.relayed.relays].map((a) => ['INPUT', '-i', 'eth0', '-s', a, '-j', 'DROP']) : []);

export function partitionCommands(l: NodeLink, oneWay: boolean): { inject: NetCommand[]; heal: NetCommand[] } {
  const rules = oneWay ? [outbound(l), ...relayedOut(l)] : [outbound(l), inbound(l), ...relayedOut(l), ...relayedIn(l)];
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

/** A latency fault's delay: one way, added on the node's links to other locations. */
export function latencyDelay(delayMs: number | undefined): number {
  const d = delayMs ?? 0;
  if (!Number.isInteger(d) || d < 1 || d > 60_000) throw new RangeError(`a latency fault needs delayMs from 1 to 60000, got ${delayMs}`);
  return d;
}
