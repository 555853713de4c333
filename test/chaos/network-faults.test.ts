/** The lab's network faults, as the commands they run (pure): partitions (also through the WAN relays) and bandwidth; latency's delay check; what targets refuse. */
import { describe, expect, it } from 'vitest';
import { bandwidthCommands, latencyDelay, partitionCommands } from '../../cli/chaos/faults/network.js';
import { parsePlan } from '../../cli/chaos/plan.js';
import { checkTargetSupports } from '../../cli/chaos/runner.js';
import { buildSchedule } from '../../cli/chaos/schedule.js';
import { LabTarget } from '../../cli/chaos/targets/lab.js';
import { LocalTarget } from '../../cli/chaos/targets/local.js';

const link = { ns: 'sk1-n3', cloudCidr: '10.62.0.0/24', router: 'sk1-router', routerLink: 'v3' };

describe('lab network faults', () => {
  it('a symmetric partition drops everything to and from outside the cloud, and the heal deletes exactly those rules', () => {
    const c = partitionCommands(link, false);
    expect(c.inject).toEqual([
      { ns: 'sk1-n3', argv: ['iptables', '-w', '-I', 'OUTPUT', '-o', 'eth0', '!', '-d', '10.62.0.0/24', '-j', 'DROP'] },
      { ns: 'sk1-n3', argv: ['iptables', '-w', '-I', 'INPUT', '-i', 'eth0', '!', '-s', '10.62.0.0/24', '-j', 'DROP'] },
    ]);
    expect(c.heal.map((h) => h.argv.join(' '))).toEqual(c.inject.map((i) => i.argv.join(' ').replace(' -I ', ' -D ')));
  });

  it('a one-way partition drops only what the node sends out of its cloud', () => {
    const c = partitionCommands(link, true);
    expect(c.inject).toHaveLength(1);
    expect(c.inject[0]!.argv).toContain('OUTPUT');
  });

  it('behind the WAN relays a partition also drops the gateway and the relay addresses in the cloud (else it would cut nothing)', () => {
    const relayed = { ...link, relayed: { gateway: '10.62.0.1', relays: ['10.62.0.201', '10.62.0.205'] } };
    const sym = partitionCommands(relayed, false).inject.map((c) => c.argv.slice(3).join(' '));
    expect(sym).toEqual([
      'OUTPUT -o eth0 ! -d 10.62.0.0/24 -j DROP',
      'INPUT -i eth0 ! -s 10.62.0.0/24 -j DROP',
      'OUTPUT -o eth0 -d 10.62.0.1 -j DROP',
      'OUTPUT -o eth0 -d 10.62.0.201 -j DROP',
      'OUTPUT -o eth0 -d 10.62.0.205 -j DROP',
      'INPUT -i eth0 -s 10.62.0.1 -j DROP',
      'INPUT -i eth0 -s 10.62.0.201 -j DROP',
      'INPUT -i eth0 -s 10.62.0.205 -j DROP',
    ]);
    const oneWay = partitionCommands(relayed, true);
    expect(oneWay.inject.every((c) => c.argv[3] === 'OUTPUT')).toBe(true);
    expect(oneWay.inject).toHaveLength(4);
    expect(oneWay.heal.map((h) => h.argv.join(' '))).toEqual(oneWay.inject.map((i) => i.argv.join(' ').replace(' -I ', ' -D ')));
  });

  it('bandwidth shapes both directions of the node link with tbf', () => {
    const c = bandwidthCommands(link, '1mbit');
    expect(c.inject).toEqual([
      { ns: 'sk1-n3', argv: ['tc', 'qdisc', 'replace', 'dev', 'eth0', 'root', 'tbf', 'rate', '1mbit', 'burst', '32kbit', 'latency', '400ms'] },
      { ns: 'sk1-router', argv: ['tc', 'qdisc', 'replace', 'dev', 'v3', 'root', 'tbf', 'rate', '1mbit', 'burst', '32kbit', 'latency', '400ms'] },
    ]);
    expect(c.heal.map((h) => h.argv.slice(0, 5).join(' '))).toEqual(['tc qdisc del dev eth0', 'tc qdisc del dev v3']);
    expect(() => bandwidthCommands(link, '1 mbit; reboot')).toThrow(RangeError);
  });

  it('latency needs a delay; the lab target takes it, and targets refuse what they cannot do', () => {
    expect(latencyDelay(80)).toBe(80);
    expect(() => latencyDelay(undefined)).toThrow(/needs delayMs/);
    expect(() => latencyDelay(0)).toThrow(RangeError);
    const lab = new LabTarget({ nodes: 5, threshold: 3 });
    expect(lab.unsupported('latency')).toBeUndefined();
    const plan = parsePlan({ name: 'l', target: { kind: 'lab' }, faults: { steps: [{ at: 0, fault: 'latency', delayMs: 80, nodes: [5] }, { at: 0, fault: 'byzantine', lie: 'destroyed', nodes: [1] }] } });
    expect(() => checkTargetSupports(plan, buildSchedule(plan), lab)).toThrow(/byzantine is a local-target fault/);
    expect(() => checkTargetSupports(plan, buildSchedule(plan), lab)).not.toThrow(/faults: latency/);
    expect(new LocalTarget({ nodes: 5, threshold: 3 }).unsupported('partition')).toMatch(/needs the lab target/);
    expect(lab.unsupported('partition-oneway')).toBeUndefined();
  });
});
