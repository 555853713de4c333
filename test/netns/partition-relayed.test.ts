/**
 * A partition in a lab whose inter-location links pass the WAN relays (the chaos lab target with a
 * latency fault in its plan): the node reaches other clouds through relay addresses inside its own
 * subnet, so the partition must drop those too. A TCP connect from the partitioned node to a relay
 * succeeds before, times out during, and succeeds again after the heal.
 * Needs root; skipped with a message otherwise.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { partitionCommands } from '../../cli/chaos/faults/network.js';
import { initCluster } from '../../cli/topology/bundle.js';
import { parseTopology } from '../../cli/topology/topology.js';
import { labUnavailable, NetnsLab } from '../helpers/netns-lab.js';

const CLI = join(process.cwd(), 'dist', 'cli', 'main.js');
const skip = labUnavailable();
if (skip) process.stderr.write(`skipping the relayed partition test: ${skip}\n`);

/** From namespace `ns`: does a TCP connect to host:port complete within 1.5 s? */
const probe = (ns: string, host: string, port: number): Promise<string> =>
  new Promise((resolve) => {
    const script = `const s=require('net').connect(${port},${JSON.stringify(host)});const t=setTimeout(()=>{console.log('timeout');process.exit(0)},1500);s.on('connect',()=>{console.log('connected');process.exit(0)});s.on('error',e=>{console.log(e.code);process.exit(0)});`;
    const c = spawn('ip', ['netns', 'exec', ns, process.execPath, '-e', script], { stdio: ['ignore', 'pipe', 'ignore'], env: { ...process.env, NODE_OPTIONS: '' } });
    let out = '';
    c.stdout.on('data', (d: Buffer) => (out += d.toString()));
    c.on('close', () => resolve(out.trim()));
  });

describe.skipIf(skip !== undefined)('partition behind the WAN relays', () => {
  it('cuts the relayed links of the node, and the heal restores them', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'splitkey-relayed-'));
    const topology = parseTopology(await readFile('deploy/topology.example.yaml', 'utf8'));
    await initCluster(topology, join(dir, 'out'));
    const lab = await NetnsLab.create(topology, join(dir, 'out'), CLI, { wanControl: true, prefix: `skp${process.pid}` });
    try {
      const relayed = lab.relayedLink(5)!;
      expect(relayed.relays.length).toBeGreaterThan(0);
      const node5 = lab.nodes.get(5)!;
      const relay = relayed.relays[0]!;
      // The relay answers the handshake itself; with no node behind it, it may reset at once
      // (ECONNRESET): either way a packet came back. A partition answers nothing.
      const reachable = /^(connected|ECONNRESET)$/;
      expect(await probe(node5.ns, relay, topology.port)).toMatch(reachable);
      const cidr = topology.clouds.find((c) => c.nodes.some((n) => n.index === 5))!.cidr!;
      const cmds = partitionCommands({ ns: node5.ns, cloudCidr: cidr, router: lab.router, routerLink: 'v5', relayed }, false);
      for (const c of cmds.inject) execFileSync('ip', ['netns', 'exec', c.ns, ...c.argv]);
      expect(await probe(node5.ns, relay, topology.port)).toBe('timeout');
      for (const c of cmds.heal) execFileSync('ip', ['netns', 'exec', c.ns, ...c.argv]);
      expect(await probe(node5.ns, relay, topology.port)).toMatch(reachable);
      // The relay's delay can be set per node while it runs.
      await lab.setLinkDelay(1, 50);
      await lab.setLinkDelay(1, 0);
    } finally {
      await lab.destroy();
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
