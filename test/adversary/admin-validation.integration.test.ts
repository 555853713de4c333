/**
 * Issue 10, "a node's word is a claim" — the node side: every Admin field is checked, after the
 * caller's role and before any effect. Each case is a defect reproduced against the node as it
 * was, over real gRPC + mTLS on port 0 with real LevelDB in temp dirs.
 */
import { randomBytes } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdminClient } from '../../client/admin.js';
import { unaryCall, type NodeChannels } from '../../client/channels.js';
import { checkKeyName, fromHex, recordDigest, scalarFromBigint } from '../../crypto/index.js';
import { startTestCluster, type TestCluster } from '../helpers/cluster.js';

let cluster: TestCluster;
let admin: AdminClient;
let asClient: NodeChannels;

/** One Admin RPC on node `index`; resolves to "OK" or "CODE: details". */
async function adminCall(channels: NodeChannels, index: number, method: string, req: object): Promise<string> {
  const c = channels.admin(index) as unknown as Record<string, grpc.Client[keyof grpc.Client]>;
  const fn = (c[method] as (...a: unknown[]) => grpc.ClientUnaryCall).bind(c);
  try {
    await unaryCall(fn, req, channels.callMetadata(), 5000).promise;
    return 'OK';
  } catch (e) {
    const err = e as grpc.ServiceError;
    return `${grpc.status[err.code]}: ${err.details}`;
  }
}

const session = () => randomBytes(16).toString('hex');

function dkgParams(over: Record<string, unknown> = {}) {
  return { sessionId: session(), kind: 'dkg', keyName: 'acme/fresh', keyVersion: 1, threshold: 2, receivers: [1, 2], dealers: [1, 2], epoch: '1', ...over };
}

beforeAll(async () => {
  // 2-of-2 keys: the descriptor's faultTolerance 0 allows them (these tests are about validation).
  cluster = await startTestCluster({ n: 2, faultTolerance: 0 });
  admin = new AdminClient(await cluster.adminChannels());
  asClient = await cluster.clientChannels('acme');
});

afterAll(async () => {
  admin?.close();
  asClient?.close();
  await cluster?.stop();
});

describe('DestroyVersion', () => {
  it('refuses key_version 0 or absent with INVALID_ARGUMENT and erases nothing', async () => {
    const key = 'acme/destroy-me';
    for (const v of [1, 2, 3]) await admin.importKey(key, scalarFromBigint(1000n + BigInt(v)), 2, { version: v });
    const before = cluster.nodes[0]!.store.versions(key).map((v) => v.record.state);
    expect(before).toEqual(['active', 'active', 'active']);
    for (const req of [{ keyName: key, keyVersion: 0 }, { keyName: key }]) {
      expect(await adminCall(admin.channels, 1, 'DestroyVersion', req)).toMatch(/^INVALID_ARGUMENT: key_version must be .* got 0/);
    }
    expect(cluster.nodes[0]!.store.versions(key).map((v) => v.record.state)).toEqual(before);
    expect(cluster.nodes[0]!.store.currentShare(key, 3)).toBeDefined();
    // The store refuses it too, whoever calls it.
    await expect(cluster.nodes[0]!.store.destroyVersion(key, 0)).rejects.toThrow(/key_version/);
  });

  it('with expected_record, erases only the record the caller saw: another digest is FAILED_PRECONDITION and nothing is erased; a bad length is INVALID_ARGUMENT', async () => {
    const key = 'acme/destroy-expected';
    await admin.importKey(key, scalarFromBigint(4711n), 2);
    const v = cluster.nodes[0]!.store.resolve(key, 1);
    const digest = recordDigest({ version: 1, threshold: v.record.threshold, nodeIndices: v.record.nodeIndices, commitments: v.commitments, epoch: v.record.epoch, lineage: v.record.lineage ?? [] });
    // The same record one epoch on (what a refresh since the caller's read would leave).
    const other = recordDigest({ version: 1, threshold: v.record.threshold, nodeIndices: v.record.nodeIndices, commitments: v.commitments, epoch: v.record.epoch + 1, lineage: v.record.lineage ?? [] });
    expect(await adminCall(admin.channels, 1, 'DestroyVersion', { keyName: key, keyVersion: 1, expectedRecord: fromHex(other) })).toMatch(
      new RegExp(`^FAILED_PRECONDITION: acme/destroy-expected@1: this node holds the epoch-1 record ${digest.slice(0, 16)}…, not the record ${other.slice(0, 16)}… the caller saw; nothing erased$`),
    );
    expect(await adminCall(admin.channels, 1, 'DestroyVersion', { keyName: key, keyVersion: 1, expectedRecord: fromHex(digest).subarray(0, 31) })).toMatch(/^INVALID_ARGUMENT: expected_record must be a 32-byte record digest or empty, got 31 bytes$/);
    expect(cluster.nodes[0]!.store.currentShare(key, 1)).toBeDefined();
    expect(await adminCall(admin.channels, 1, 'DestroyVersion', { keyName: key, keyVersion: 1, expectedRecord: fromHex(digest) })).toBe('OK');
    expect(cluster.nodes[0]!.store.currentShare(key, 1)).toBeUndefined();
    expect(cluster.nodes[1]!.store.currentShare(key, 1)).toBeDefined();
  });
});

describe('lifecycle session ids', () => {
  it('CommitOperation with an empty session id is INVALID_ARGUMENT while another session is pending', async () => {
    const params = dkgParams({ keyName: 'acme/commit-empty' });
    expect(await adminCall(admin.channels, 1, 'PrepareOperation', { params })).toBe('OK');
    expect(await adminCall(admin.channels, 1, 'CommitOperation', { keyName: 'acme/commit-empty', sessionId: '' })).toMatch(/^INVALID_ARGUMENT: session_id must be 32 lowercase hex characters, got ""/);
    expect(await adminCall(admin.channels, 1, 'CommitOperation', { keyName: 'acme/commit-empty', sessionId: 'ABC' })).toMatch(/^INVALID_ARGUMENT: session_id/);
    expect(await adminCall(admin.channels, 1, 'OperationStatus', { keyName: 'acme/commit-empty' })).toBe('OK');
    expect(await adminCall(admin.channels, 1, 'AbortOperation', { keyName: 'acme/commit-empty', sessionId: params.sessionId })).toBe('OK');
  });
});

describe('RedeliverShare', () => {
  it('checks the receiver and the session before anything is dialled', async () => {
    const params = dkgParams({ keyName: 'acme/redeliver' });
    expect(await adminCall(admin.channels, 1, 'PrepareOperation', { params })).toBe('OK');
    const base = { keyName: 'acme/redeliver', sessionId: params.sessionId };
    expect(await adminCall(admin.channels, 1, 'RedeliverShare', { ...base, receiver: 7 })).toMatch(/^INVALID_ARGUMENT: node 7 is not a receiver of session/);
    expect(await adminCall(admin.channels, 1, 'RedeliverShare', { ...base, receiver: 0 })).toMatch(/^INVALID_ARGUMENT: receiver must be an integer in \[1, 255\], got 0/);
    expect(await adminCall(admin.channels, 1, 'RedeliverShare', { ...base, receiver: 300 })).toMatch(/^INVALID_ARGUMENT: receiver must be an integer in \[1, 255\], got 300/);
    expect(await adminCall(admin.channels, 1, 'RedeliverShare', { ...base, sessionId: '', receiver: 2 })).toMatch(/^INVALID_ARGUMENT: session_id/);
    expect(await adminCall(admin.channels, 1, 'RedeliverShare', { ...base, receiver: 2, sessionId: session() })).toMatch(/^FAILED_PRECONDITION/);
    await adminCall(admin.channels, 1, 'AbortOperation', { keyName: 'acme/redeliver', sessionId: params.sessionId });
  });
});

describe('names, epochs, versions, thresholds, indices', () => {
  it('one strict key-name grammar: tenant/label, lowercase, no "..", no empty segments', () => {
    for (const good of ['acme/disks', 'acme/a.b', 'acme/x/y', 'a-b_c/d-e_f.9']) expect(() => checkKeyName(good), good).not.toThrow();
    for (const bad of ['demo/../other/k', 'demo/./k', 'acme//k', 'acme/k/', 'acme/', '/k', 'acme', 'Acme/k', 'acme/Disks', 'acme/a..b', 'acme/.hidden', 'acme/k\n', 'acme/ k']) {
      expect(() => checkKeyName(bad), JSON.stringify(bad)).toThrow();
    }
  });

  it('ImportShare and PrepareOperation refuse path-like names', async () => {
    const imp = { keyName: 'demo/../other/k', keyVersion: 1, threshold: 1, nodeIndices: [1], commitments: [new Uint8Array(32)], nodeIndex: 1, share: new Uint8Array(32) };
    expect(await adminCall(admin.channels, 1, 'ImportShare', imp)).toMatch(/^INVALID_ARGUMENT: key_name: must .*"demo\/\.\.\/other\/k"/);
    expect(await adminCall(admin.channels, 1, 'PrepareOperation', { params: dkgParams({ keyName: 'demo/../other/k' }) })).toMatch(/^INVALID_ARGUMENT: params.key_name/);
    expect(cluster.nodes[0]!.store.keyNames()).not.toContain('demo/../other/k');
  });

  it('PrepareOperation refuses epochs at or above 2^53 and other out-of-range numbers', async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ epoch: '9007199254740992' }, /params\.epoch must be an integer in \[1, 2\^53-1\], got 9007199254740992/],
      [{ epoch: '18446744073709551615' }, /params\.epoch/],
      [{ epoch: '0' }, /params\.epoch/],
      [{ keyVersion: 0 }, /params\.key_version/],
      [{ threshold: 0 }, /params\.threshold/],
      [{ threshold: 3 }, /params\.threshold/],
      [{ receivers: [1, 1] }, /params\.receivers .*twice/],
      [{ receivers: [0, 1] }, /params\.receivers/],
      [{ receivers: [1, 256], dealers: [1] }, /params\.receivers/],
      [{ dealers: [] }, /params\.dealers/],
      [{ sessionId: '' }, /params\.session_id/],
      [{ kind: 'steal' }, /params\.kind/],
      [{ retire: [0] }, /params\.retire/],
      [{ kind: 'refresh', oldThreshold: 2, oldNodeIndices: [1, 2], oldCommitments: [new Uint8Array(31), new Uint8Array(32)], oldEpoch: '1', epoch: '2' }, /params\.old_commitments\[0\] must be 32 bytes, got 31/],
      [{ kind: 'refresh', oldThreshold: 2, oldNodeIndices: [1, 2], oldCommitments: [new Uint8Array(32)], oldEpoch: '1', epoch: '2' }, /params\.old_commitments must hold old_threshold = 2 entries, got 1/],
    ];
    for (const [over, re] of cases) {
      const res = await adminCall(admin.channels, 1, 'PrepareOperation', { params: dkgParams({ keyName: 'acme/ranges', ...over }) });
      expect(res, JSON.stringify(over)).toMatch(/^INVALID_ARGUMENT: /);
      expect(res, JSON.stringify(over)).toMatch(re);
    }
    expect(await adminCall(admin.channels, 1, 'PrepareOperation', { params: {} })).toMatch(/^INVALID_ARGUMENT/);
    expect(await adminCall(admin.channels, 1, 'OperationStatus', { keyName: 'acme/ranges' })).toBe('OK');
    expect(await cluster.nodes[0]!.store.loadOperation('acme/ranges')).toBeUndefined();
  });

  it('ImportShare checks version, threshold, indices and byte lengths', async () => {
    const base = { keyName: 'acme/imported', keyVersion: 1, threshold: 1, nodeIndices: [1], commitments: [new Uint8Array(32)], nodeIndex: 1, share: new Uint8Array(32) };
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ keyVersion: 0 }, /key_version must be an integer in \[1, 2\^32-1\], got 0/],
      [{ threshold: 0 }, /threshold/],
      [{ threshold: 2 }, /threshold/],
      [{ nodeIndices: [] }, /node_indices/],
      [{ nodeIndices: [1, 1] }, /node_indices/],
      [{ nodeIndices: [1, 300] }, /node_indices/],
      [{ nodeIndex: 0 }, /node_index/],
      [{ share: new Uint8Array(33) }, /share must be 32 bytes, got 33/],
      [{ commitments: [new Uint8Array(32), new Uint8Array(32)] }, /commitments must hold threshold = 1 entries, got 2/],
      [{ quorum: { nodes: [1, 1], minThreshold: 1 } }, /quorum\.nodes names node 1 twice/],
      [{ quorum: { nodes: [], minThreshold: 1 } }, /quorum\.nodes must name at least one node/],
      [{ quorum: { nodes: [1, 2], minThreshold: 3 } }, /quorum\.min_threshold must be an integer in \[1, 2/],
    ];
    for (const [over, re] of cases) {
      const res = await adminCall(admin.channels, 1, 'ImportShare', { ...base, ...over });
      expect(res, JSON.stringify(over)).toMatch(/^INVALID_ARGUMENT: /);
      expect(res, JSON.stringify(over)).toMatch(re);
    }
  });

  it('DealShares takes its receivers from the session, whose indices were checked at prepare; its session id is checked', async () => {
    const params = dkgParams({ keyName: 'acme/deal' });
    expect(await adminCall(admin.channels, 1, 'PrepareOperation', { params })).toBe('OK');
    for (const sessionId of ['', 'nope', params.sessionId.toUpperCase()]) {
      expect(await adminCall(admin.channels, 1, 'DealShares', { keyName: 'acme/deal', sessionId }), sessionId).toMatch(/^INVALID_ARGUMENT: session_id/);
    }
    const state = await cluster.nodes[0]!.store.loadOperation('acme/deal');
    expect(Object.keys(state!.received)).toEqual([]);
    await adminCall(admin.channels, 1, 'AbortOperation', { keyName: 'acme/deal', sessionId: params.sessionId });
  });

  it('checks the remaining lifecycle fields', async () => {
    const k = { keyName: 'acme/rest', sessionId: session() };
    const cases: [string, object, RegExp][] = [
      ['FinalizeOperation', { ...k, qualified: [1, 1], transcript: new Uint8Array(32) }, /qualified/],
      ['FinalizeOperation', { ...k, qualified: [1], transcript: new Uint8Array(3) }, /transcript must be 32 bytes/],
      ['CanaryEvaluate', { ...k, blindedElements: [] }, /blinded_elements/],
      ['CanaryEvaluate', { ...k, blindedElements: [new Uint8Array(5)] }, /blinded_elements\[0\] must be 32 bytes/],
      ['AbortOperation', { keyName: 'acme/rest', sessionId: 'x' }, /session_id/],
      ['OperationStatus', { keyName: 'acme' }, /key_name/],
      ['KeyStatus', { keyName: '' }, /key_name/],
      ['ListKeys', { tenant: '../x' }, /tenant/],
    ];
    for (const [method, req, re] of cases) {
      const res = await adminCall(admin.channels, 1, method, req);
      expect(res, `${method} ${JSON.stringify(req)}`).toMatch(/^INVALID_ARGUMENT: /);
      expect(res, method).toMatch(re);
    }
  });
});

describe('order of checks and undecodable bodies', () => {
  /** Raw bytes as the request body of an Admin method. */
  async function rawCall(channels: NodeChannels, method: string, body: Uint8Array): Promise<string> {
    const Raw = grpc.makeGenericClientConstructor(
      { [method]: { path: `/splitkey.v1.Admin/${method}`, requestStream: false, responseStream: false, requestSerialize: (b: Buffer) => b, requestDeserialize: (b: Buffer) => b, responseSerialize: (b: Buffer) => b, responseDeserialize: (b: Buffer) => b } },
      'RawAdmin',
    );
    const address = cluster.descriptor().nodes[0]!.address;
    const admin1 = channels.admin(1) as unknown as { getChannel: () => grpc.Channel };
    const c = new Raw(address, grpc.credentials.createInsecure(), { channelOverride: admin1.getChannel() }) as unknown as Record<string, (...a: unknown[]) => grpc.ClientUnaryCall>;
    try {
      await unaryCall(c[method]!.bind(c), Buffer.from(body), channels.callMetadata(), 5000).promise;
      return 'OK';
    } catch (e) {
      return `${grpc.status[(e as grpc.ServiceError).code]}: ${(e as grpc.ServiceError).details}`;
    }
  }

  const garbage = Uint8Array.of(0x0f); // field 1 with wire type 7, which does not exist

  it('an undecodable body is INVALID_ARGUMENT, not INTERNAL', async () => {
    for (const method of ['ImportShare', 'DestroyVersion', 'PrepareOperation', 'CommitOperation', 'ListKeys']) {
      expect(await rawCall(admin.channels, method, garbage), method).toMatch(/^INVALID_ARGUMENT: the request body of .* could not be decoded/);
    }
  });

  it('a client certificate calling Admin is PERMISSION_DENIED whatever the body', async () => {
    for (const method of ['ImportShare', 'DestroyVersion', 'PrepareOperation', 'CommitOperation', 'ListKeys']) {
      expect(await rawCall(asClient, method, garbage), method).toMatch(/^PERMISSION_DENIED/);
    }
    expect(await adminCall(asClient, 1, 'PrepareOperation', { params: dkgParams({ keyName: 'demo/../x', epoch: '99999999999999999999' }) })).toMatch(/^PERMISSION_DENIED/);
    expect(await adminCall(asClient, 1, 'DestroyVersion', { keyName: 'acme/destroy-me', keyVersion: 0 })).toMatch(/^PERMISSION_DENIED/);
    expect(await adminCall(asClient, 1, 'PrepareOperation', {})).toMatch(/^PERMISSION_DENIED/);
  });
});

describe('Peer fields', () => {
  /** One Peer RPC on node `index` as node `as` (a genuine node certificate of the cluster CA). */
  async function peerCall(as: number, index: number, method: string, req: object): Promise<string> {
    const pair = await cluster.certFor({ role: 'node', index: as });
    const Peer = (await import('../../proto/load.js')).loadSplitkeyProto().splitkey.v1.Peer;
    const address = cluster.descriptor().nodes.find((n) => n.index === index)!.address;
    const c = new Peer(address, grpc.credentials.createSsl(Buffer.from(cluster.ca.certPem), Buffer.from(pair.keyPem), Buffer.from(pair.certPem)), { 'grpc.ssl_target_name_override': 'localhost' });
    try {
      const fn = ((c as unknown as Record<string, unknown>)[method] as (...a: unknown[]) => grpc.ClientUnaryCall).bind(c);
      await unaryCall(fn, req, new grpc.Metadata(), 5000).promise;
      return 'OK';
    } catch (e) {
      const err = e as grpc.ServiceError;
      return `${grpc.status[err.code]}: ${err.details}`;
    } finally {
      c.close();
    }
  }

  it('DeliverShare, ConfirmComplaint, SessionState and VersionHistory check every field after the caller, before any effect', async () => {
    const good = { keyName: 'acme/peer', sessionId: session(), dealer: 2, commitments: [Buffer.alloc(32, 1)], share: Buffer.alloc(32, 2) };
    expect(await peerCall(2, 1, 'DeliverShare', { ...good, dealer: 3 })).toMatch(/^PERMISSION_DENIED: node 2 may not deliver shares as dealer 3/);
    expect(await peerCall(2, 1, 'DeliverShare', { ...good, share: Buffer.alloc(31) })).toMatch(/^INVALID_ARGUMENT: share must be 32 bytes/);
    expect(await peerCall(2, 1, 'DeliverShare', { ...good, commitments: [] })).toMatch(/^INVALID_ARGUMENT: commitments must hold 1\.\.255 entries, got 0/);
    expect(await peerCall(2, 1, 'DeliverShare', { ...good, keyName: 'acme/../x' })).toMatch(/^INVALID_ARGUMENT: key_name/);
    expect(await peerCall(2, 1, 'DeliverShare', { ...good, sessionId: '' })).toMatch(/^INVALID_ARGUMENT: session_id/);
    expect(await peerCall(2, 1, 'ConfirmComplaint', { keyName: 'acme/peer', sessionId: 'xyz', dealer: 2 })).toMatch(/^INVALID_ARGUMENT: session_id/);
    expect(await peerCall(2, 1, 'SessionState', { keyName: 'Acme/Peer', sessionId: session() })).toMatch(/^INVALID_ARGUMENT: key_name/);
    expect(await peerCall(2, 1, 'VersionHistory', { keyName: 'acme/peer', keyVersion: 1, ancestor: Buffer.alloc(31) })).toMatch(/^INVALID_ARGUMENT: ancestor must be 32 bytes/);
    expect(await peerCall(2, 1, 'VersionHistory', { keyName: 'acme/peer', keyVersion: 0, ancestor: Buffer.alloc(32) })).toMatch(/^INVALID_ARGUMENT: key_version/);
    expect(await peerCall(2, 1, 'VersionHistory', { keyName: 'acme/peer', keyVersion: 1, ancestor: Buffer.alloc(32) })).toBe('OK');
    // A well-formed question about an unknown session is answered, with nothing pending.
    expect(await peerCall(2, 1, 'SessionState', { keyName: 'acme/peer', sessionId: session() })).toBe('OK');
  });
});
