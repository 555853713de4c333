/**
 * Entering the lab: `chaos run` of a lab plan makes the lab's client namespace (with the hosts
 * file naming every node), runs itself again inside it (`ip netns exec`), and removes the
 * namespace when that ends. Inside, the lab target builds the rest of the lab around it.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { labUnavailable, NetnsLab } from '../../lab/netns-lab.js';
import type { TargetSpec } from '../plan.js';
import { LAB_CLIENT_ENV, labTopology } from './lab.js';

/** Why the lab cannot run here, or undefined. */
export const labTargetUnavailable = (): string | undefined => labUnavailable()?.replace('the multi-host tier', 'the lab target');

/** True when this process already runs inside a lab client namespace. */
export const insideLab = (): boolean => Boolean(process.env[LAB_CLIENT_ENV]);

/** Run this same command inside a new lab client namespace; resolves with its exit code. */
export async function enterLabClient(spec: Extract<TargetSpec, { kind: 'lab' }>, argv: string[]): Promise<number> {
  const topology = await labTopology(spec);
  const ns = `skc${process.pid}-client`;
  execFileSync('ip', ['netns', 'add', ns]);
  const cleanup = () => {
    try {
      execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
    } catch {
      // already gone
    }
    rmSync(`/etc/netns/${ns}`, { recursive: true, force: true });
  };
  process.once('exit', cleanup);
  try {
    mkdirSync(`/etc/netns/${ns}`, { recursive: true });
    writeFileSync(`/etc/netns/${ns}/hosts`, NetnsLab.hostsFile(topology));
    writeFileSync(`/etc/netns/${ns}/resolv.conf`, 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n');
    return await new Promise<number>((resolve) => {
      const child = spawn('ip', ['netns', 'exec', ns, process.execPath, ...argv], { stdio: 'inherit', env: { ...process.env, [LAB_CLIENT_ENV]: ns } });
      const forward = (s: NodeJS.Signals) => child.kill(s);
      process.on('SIGINT', forward);
      process.on('SIGTERM', forward);
      child.on('close', (code) => {
        process.off('SIGINT', forward);
        process.off('SIGTERM', forward);
        resolve(code ?? 1);
      });
    });
  } finally {
    cleanup();
    process.off('exit', cleanup);
  }
}
