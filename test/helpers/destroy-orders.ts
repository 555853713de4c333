/**
 * Signed destroy orders for the adversarial tests (crypto/destroy-order.ts): what `key destroy`
 * names for an agreed version, orders signed with any certificate a test holds, and a liar node 1
 * that shows a made-up destroyed record (store surgery while its peers are away, so its own
 * honest reconcile never corrects it).
 */
import { createPrivateKey, sign } from 'node:crypto';
import type { PemPair } from '../../cli/pki.js';
import { encodeDestroyOrder, fromHex, recordDigest, type SignedDestroyOrder } from '../../crypto/index.js';
import type { StoredDestroyOrder } from '../../node/destroy-order.js';
import { storeVersionKey } from '../../node/store.js';
import type { TestCluster } from './cluster.js';

/** What an order names: the version's pkS and the line of records it destroys. */
export interface Line {
  pk: string;
  records: string[];
}

/** The line of an agreed v1 as `key destroy` names it (client/key-manager.ts): its record's digest, then its lineage. */
export const lineOf = (v: { t: number; nodeIndices: number[]; commitments: string[]; epoch: number; lineage: string[] }): Line => ({
  pk: v.commitments[0]!,
  records: [recordDigest({ version: 1, threshold: v.t, nodeIndices: v.nodeIndices, commitments: v.commitments.map((c) => fromHex(c)), epoch: v.epoch, lineage: v.lineage }), ...v.lineage],
});

/** An order for keyName@version naming `line`, signed with `pair`'s key at `signedAtMs`; `tamper`: the bytes sent differ from those signed. */
export function signOrder(pair: PemPair, keyName: string, version: number, line: Line, opts: { signedAtMs?: number; tamper?: boolean } = {}): SignedDestroyOrder {
  const body = { keyName, version, publicKey: line.pk, records: line.records };
  const at = opts.signedAtMs ?? Date.now();
  const order = encodeDestroyOrder({ ...body, signedAtMs: at });
  const signature = new Uint8Array(sign('sha256', order, createPrivateKey(pair.keyPem)));
  return { order: opts.tamper ? encodeDestroyOrder({ ...body, signedAtMs: at + 1 }) : order, signature, certificate: pair.certPem };
}

/**
 * Node 1's live record of name@1 turned into a destroyed one that shows `shown` (a liar's store):
 * an order as the node stores it (node/destroy-order.ts storeOrder), or any garbage in that shape.
 */
export async function destroyedRecordWith(cluster: TestCluster, name: string, shown: StoredDestroyOrder): Promise<string> {
  const live = JSON.parse((await cluster.nodes[0]!.store.db.get(storeVersionKey(name, 1)))!) as Record<string, unknown>;
  const r: Record<string, unknown> = { ...live, state: 'destroyed', destroyedBy: 'operator', destroyOrder: shown };
  delete r.sealedShare;
  return JSON.stringify(r);
}

/** Liar node 1 holds `value` as its record of name@1: written and restarted while the nodes `away` are stopped. */
export async function liarHolds(cluster: TestCluster, name: string, value: string, away: number[]): Promise<void> {
  for (const n of away) await cluster.stopNode(n);
  await cluster.nodes[0]!.store.db.put(storeVersionKey(name, 1), value);
  await cluster.stopNode(1);
  await cluster.start(1);
  for (const n of away) await cluster.start(n);
}
