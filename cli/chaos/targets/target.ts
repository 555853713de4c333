/**
 * What a chaos run needs from the cluster it tests, whatever runs it: a local dev cluster's
 * processes, the network-namespace lab, or Kubernetes. The runner drives the workload and the
 * checks; a target starts (or finds) the cluster, injects and heals faults, runs the operator
 * CLI where the operator would, and collects the nodes' logs.
 */
import type { ClusterDescriptor } from '../../../client/descriptor.js';
import type { NodeFaultKind } from '../plan.js';
import type { ScheduledFault } from '../schedule.js';

/** How the workload and the operator tools reach the cluster. */
export interface ClusterAccess {
  /** The real nodes (admin tools, snapshots). */
  descriptor: ClusterDescriptor;
  /** What the workload's client uses: byzantine stand-ins in place of the nodes that will lie. */
  clientDescriptor: ClusterDescriptor;
  /** PEM file paths: cluster CA, client (tenant `tenant`) and admin certificates, master half. */
  files: { ca: string; cert: string; key: string; adminCert: string; adminKey: string; master: string };
  tenant: string;
  /** What unlocks the master half (64 hex digits). */
  masterKeyHex: string;
}

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export interface ChaosTarget {
  readonly kind: 'local' | 'lab' | 'kubernetes';
  /** Why this target cannot inject `kind`, or undefined when it can. */
  unsupported(kind: NodeFaultKind): string | undefined;
  /**
   * Start (or find) the cluster. `byzantine`: the nodes that need a byzantine stand-in;
   * `faultKinds`: every fault the schedule will inject (what must be in place before the nodes start).
   */
  setup(opts: { outDir: string; byzantine: number[]; faultKinds?: readonly NodeFaultKind[] }): Promise<ClusterAccess>;
  /** Inject a fault; resolves with a sentence on what was done once it is in place. */
  inject(fault: ScheduledFault): Promise<string>;
  /** Undo it; resolves once the nodes serve again (or the network is whole). */
  heal(fault: ScheduledFault): Promise<string>;
  /** Run the splitkey operator CLI where an operator would (the host, the lab's client namespace). */
  runCli(args: string[]): Promise<CliResult>;
  /** Copy each node's log to `dir/<index>.log`. */
  collectLogs(dir: string): Promise<void>;
  teardown(): Promise<void>;
}
