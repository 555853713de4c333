/**
 * Destroy receipts (verifiable crypto-shredding): after erasing its share of a version a node
 * signs a statement saying so with its own TLS key. An operator collects one per holder and
 * `splitkey receipt verify` checks each against the cluster CA and says whether fewer than t
 * holders of the version can still answer.
 */
import { createPrivateKey, sign, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { DESTROY_RECEIPT_KIND, type DestroyReceipt } from '../crypto/index.js';
import type { NodeConfig } from './config.js';
import type { VersionRecord } from './store.js';

export class ReceiptSigner {
  private key?: Promise<{ key: KeyObject; certificate: string } | undefined>;

  constructor(private readonly config: NodeConfig) {}

  private load(): Promise<{ key: KeyObject; certificate: string } | undefined> {
    const tls = this.config.tls;
    if (this.config.insecureLoopback || !tls) return Promise.resolve(undefined);
    this.key ??= Promise.all([readFile(tls.key), readFile(tls.cert, 'utf8')]).then(([k, certificate]) => ({ key: createPrivateKey(k), certificate }));
    return this.key;
  }

  /** A receipt for a destroyed version record of this node. */
  async sign(record: VersionRecord, clock: () => number = Date.now): Promise<{ receipt: Uint8Array; signature: Uint8Array; certificate: string }> {
    const body: DestroyReceipt = {
      kind: DESTROY_RECEIPT_KIND,
      keyName: record.keyName,
      version: record.version,
      node: this.config.index,
      threshold: record.threshold,
      nodeIndices: record.nodeIndices,
      publicKey: record.commitments[0] ?? '',
      epoch: record.epoch,
      signedAtMs: clock(),
    };
    const receipt = new Uint8Array(Buffer.from(JSON.stringify(body), 'utf8'));
    const k = await this.load();
    if (!k) return { receipt, signature: new Uint8Array(0), certificate: '' };
    return { receipt, signature: new Uint8Array(sign('sha256', receipt, k.key)), certificate: k.certificate };
  }
}
