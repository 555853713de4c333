/** Public information about a key's versions, as the protos carry it (never a share). */
import type { KeyInfo } from '../../proto/gen/splitkey/v1/KeyInfo.js';
import type { KeyState } from '../../proto/gen/splitkey/v1/KeyState.js';
import type { KeyStateName, ShareStore } from '../store.js';

const STATES: Record<KeyStateName, KeyState> = {
  active: 'KEY_STATE_ACTIVE',
  'decrypt-only': 'KEY_STATE_DECRYPT_ONLY',
  destroyed: 'KEY_STATE_DESTROYED',
};

export function keyInfo(store: ShareStore, keyName: string): KeyInfo {
  return {
    keyName,
    versions: store.versions(keyName).map((v) => ({
      version: v.record.version,
      threshold: v.record.threshold,
      nodeIndices: v.record.nodeIndices,
      publicKey: v.publicKey,
      publicShares: v.record.nodeIndices.map((index) => ({ index, publicShare: v.publicShares.get(index)! })),
      state: STATES[v.record.state],
      epoch: String(v.record.epoch),
      createdAtMs: String(v.record.createdAtMs),
      commitments: v.commitments,
      lineage: (v.record.lineage ?? []).map((d) => Buffer.from(d, 'hex')),
    })),
  };
}
