/** Each node's own records of the run's keys (Admin KeyStatus), for durability and agreement. */
import { createHash } from 'node:crypto';
import { AdminClient } from '../../client/admin.js';
import { NodeChannels, readTlsFiles } from '../../client/channels.js';
import type { ClusterDescriptor } from '../../client/descriptor.js';
import { reasonOf } from '../../client/evaluate.js';
import type { NodeSnapshot, SnapshotRecord, VersionRecord } from './history.js';

const STATES: Record<string, string> = { KEY_STATE_ACTIVE: 'active', KEY_STATE_DECRYPT_ONLY: 'decrypt-only', KEY_STATE_DESTROYED: 'destroyed' };
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

export async function openAdmin(descriptor: ClusterDescriptor, files: { ca: string; adminCert: string; adminKey: string }): Promise<AdminClient> {
  return new AdminClient(new NodeChannels(descriptor, await readTlsFiles({ ca: files.ca, cert: files.adminCert, key: files.adminKey })));
}

export async function takeSnapshot(admin: AdminClient, keys: readonly string[], phase: SnapshotRecord['phase'], at: number): Promise<SnapshotRecord> {
  const nodes: Record<string, NodeSnapshot> = {};
  await Promise.all(
    admin.channels.nodes.map(async ({ index }) => {
      const versions: VersionRecord[] = [];
      try {
        for (const key of keys) {
          let res;
          try {
            res = await admin.keyStatus(index, key, 3_000);
          } catch (e) {
            if (reasonOf(e).reason === 'not found') continue;
            throw e;
          }
          const health = new Map((res.health ?? []).map((h) => [h.version, h.status]));
          for (const v of res.info?.versions ?? []) {
            const shares = createHash('sha256');
            for (const s of v.publicShares) shares.update(`${s.index}:${hex(s.publicShare)};`);
            versions.push({
              key,
              version: v.version,
              state: STATES[v.state] ?? String(v.state),
              epoch: String(v.epoch),
              threshold: v.threshold,
              nodeIndices: [...v.nodeIndices],
              publicKey: hex(v.publicKey),
              sharesDigest: shares.digest('hex').slice(0, 32),
              health: health.get(v.version) ?? 'ok',
            });
          }
        }
        nodes[String(index)] = { ok: true, versions };
      } catch (e) {
        const r = reasonOf(e);
        nodes[String(index)] = { ok: false, error: `${r.reason}: ${r.detail}`, versions };
      }
    }),
  );
  return { type: 'snapshot', phase, at, nodes };
}
