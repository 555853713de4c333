/**
 * The cluster descriptor as the CLI reads it: checked against a strict schema first, so that a
 * typo (`defaultTreshold`) is refused with the field it most likely meant instead of being
 * ignored; then handed to the library's own parser (client/descriptor.ts).
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { parseDescriptor, type ClusterDescriptor } from '../client/descriptor.js';
import { boolField, describeIssues, intField, stringField } from '../node/config-issues.js';
import { CliError } from './output.js';

export const CLUSTER_DESCRIPTOR_SCHEMA = z
  .object({
    name: z.string({ invalid_type_error: 'must be a string' }).optional(),
    insecureLoopback: boolField().optional(),
    defaultThreshold: intField(1, 255).optional(),
    /** No key version with a smaller t is ever used (DESIGN.md "Trust anchors"). */
    minThreshold: intField(1, 255).optional(),
    /** Silent nodes every key version must survive (client/descriptor.ts faultToleranceOf). */
    faultTolerance: intField(0, 254).optional(),
    /** Refresh and reshare need ⌈(n + t)/2⌉ participants, t the version's threshold (docs/fork-prevention.md). */
    lifecycleQuorum: boolField().optional(),
    nodes: z
      .array(
        z
          .object({
            index: intField(1, 255),
            address: stringField(),
            domain: z.string({ invalid_type_error: 'must be a string' }).optional(),
            /** The node's pinned identity (`splitkey://node/<i>`). */
            identity: stringField().optional(),
          })
          .strict(),
        { invalid_type_error: 'must be a list of nodes' },
      )
      .min(1, 'must list at least one node'),
  })
  .strict();

/** Read, check and parse a cluster descriptor; every problem is named with its field. */
export async function loadClusterDescriptor(path: string): Promise<ClusterDescriptor> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path, 'utf8'));
  } catch (e) {
    throw new CliError(`cannot read the cluster descriptor ${path}: ${(e as Error).message}`);
  }
  const checked = CLUSTER_DESCRIPTOR_SCHEMA.safeParse(raw);
  if (!checked.success) throw new CliError(`cluster descriptor ${path}: ${describeIssues(CLUSTER_DESCRIPTOR_SCHEMA, checked.error).join('; ')}`);
  return parseDescriptor(raw, path);
}
