/**
 * Operator actions over the Admin service: dealer import of a known secret (the dealer splits,
 * sends each node only its share, and forgets the secret), key listing and status.
 */
import {
  checkKeyName,
  decodeScalar,
  elementsEqual,
  loadGroup,
  splitSecret,
  wipe,
  systemRng,
} from '../crypto/index.js';
import type { ImportShareResponse__Output } from '../proto/gen/splitkey/v1/ImportShareResponse.js';
import type { KeyStatusResponse__Output } from '../proto/gen/splitkey/v1/KeyStatusResponse.js';
import type { ListKeysResponse__Output } from '../proto/gen/splitkey/v1/ListKeysResponse.js';
import type { NodeStatusResponse__Output } from '../proto/gen/splitkey/v1/NodeStatusResponse.js';
import { NodeChannels } from './channels.js';
import { faultToleranceOf, minThresholdOf } from './descriptor.js';
import { ConfigError, type NodeFailure } from './errors.js';
import { reasonOf } from './evaluate.js';

const TIMEOUT_MS = 5_000;

export class AdminClient {
  constructor(readonly channels: NodeChannels) {}

  /** Ask every node; answers and failures by node index. */
  async each<T>(call: (index: number) => Promise<T>): Promise<{ ok: Map<number, T>; failures: NodeFailure[] }> {
    const ok = new Map<number, T>();
    const failures: NodeFailure[] = [];
    await Promise.all(
      this.channels.nodes.map(async (n) => {
        try {
          ok.set(n.index, await call(n.index));
        } catch (e) {
          failures.push({ index: n.index, ...reasonOf(e) });
        }
      }),
    );
    return { ok, failures };
  }

  listKeys(index: number, tenant = ''): Promise<ListKeysResponse__Output> {
    return this.channels.adminCall<ListKeysResponse__Output>(index, 'ListKeys', { tenant }, TIMEOUT_MS).promise;
  }

  keyStatus(index: number, keyName: string, timeoutMs = TIMEOUT_MS): Promise<KeyStatusResponse__Output> {
    return this.channels.adminCall<KeyStatusResponse__Output>(index, 'KeyStatus', { keyName }, timeoutMs).promise;
  }

  nodeStatus(index: number, timeoutMs = TIMEOUT_MS): Promise<NodeStatusResponse__Output> {
    return this.channels.adminCall<NodeStatusResponse__Output>(index, 'NodeStatus', {}, timeoutMs).promise;
  }

  /** The next free version number of a key, from every reachable node. */
  async nextVersion(keyName: string): Promise<number> {
    const { ok } = await this.each((i) => this.listKeys(i));
    let max = 0;
    for (const res of ok.values()) for (const k of res.keys) if (k.keyName === keyName) max = Math.max(max, ...k.versions);
    return max + 1;
  }

  /**
   * Dealer import: split `secret` (32-byte scalar, RFC 9497 SerializeScalar) t-of-n over the
   * descriptor's nodes and send each node its share. Every node must accept; the secret and the
   * shares are wiped from memory afterwards.
   */
  async importKey(keyName: string, secret: Uint8Array, threshold: number, opts: { version?: number } = {}): Promise<{ version: number; publicKey: Uint8Array }> {
    checkKeyName(keyName);
    decodeScalar(secret, 'secret', { nonZero: true });
    const group = await loadGroup();
    const nodes = this.channels.nodes;
    const indices = nodes.map((n) => n.index).sort((a, b) => a - b);
    if (!Number.isInteger(threshold) || threshold < 1 || threshold > indices.length) throw new ConfigError(`threshold must be an integer in [1, ${indices.length}], got ${threshold}`);
    const min = minThresholdOf(this.channels.descriptor);
    if (threshold < min) throw new ConfigError(`threshold ${threshold} is below the cluster's minThreshold ${min} (cluster descriptor)`);
    const f = faultToleranceOf(this.channels.descriptor);
    if (indices.length < threshold + f) {
      throw new ConfigError(`${threshold} of ${indices.length} nodes would not survive the ${f} silent nodes the cluster's policy allows for (faultTolerance, default minThreshold − 1); give at least ${threshold + f} nodes or a lower threshold`);
    }
    const version = opts.version ?? (await this.nextVersion(keyName));
    const rng = systemRng;
    // Shares are evaluated at the nodes' own indices, which need not be 1..n.
    const maxIndex = Math.max(...indices);
    const { shares, commitments } = splitSecret(group, secret, threshold, maxIndex, rng);
    const publicKey = commitments[0]!;
    try {
      const { failures } = await this.each(async (index) => {
        const share = shares.find((s) => s.index === index)!;
        const res = await this.channels.adminCall<ImportShareResponse__Output>(
          index,
          'ImportShare',
          // The record names the descriptor's node list (sessions from it are counted against it under the quorum policy).
          { keyName, keyVersion: version, threshold, nodeIndices: indices, commitments, nodeIndex: index, share: share.value, quorum: { nodes: this.channels.nodes.map((n) => n.index).sort((a, b) => a - b), minThreshold: min } },
          TIMEOUT_MS,
        ).promise;
        if (!elementsEqual(res.publicShare, group.mulBase(share.value))) throw new Error(`node ${index} reports a different public share`);
        return res;
      });
      if (failures.length > 0) {
        throw new ConfigError(`import of ${keyName}@${version} failed on ${failures.map((f) => `node ${f.index} (${f.reason}: ${f.detail})`).join(', ')}`);
      }
    } finally {
      wipe(...shares.map((s) => s.value));
    }
    return { version, publicKey };
  }

  close(): void {
    this.channels.close();
  }
}
