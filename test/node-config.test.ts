/** Node configuration and cluster descriptor files: strict schemas, plain-sentence errors with "did you mean". */
import { describe, expect, it } from 'vitest';
import { CLUSTER_DESCRIPTOR_SCHEMA } from '../cli/config-files.js';
import { describeIssues, editDistance, suggest } from '../node/config-issues.js';
import { ConfigError, defaultRateLimit, effectiveRateLimit, parseNodeConfig } from '../node/config.js';

const base = { index: 1, listen: '127.0.0.1:7001', dataDir: 'data', tls: { ca: 'ca.crt', cert: 'node.crt', key: 'node.key' }, seal: { keyFile: 'seal.key' } };

describe('node config', () => {
  it('accepts the documented fields, including cluster and allowImport, and resolves paths', () => {
    const c = parseNodeConfig({ ...base, cluster: 'cluster.json', allowImport: true, limits: { ratePerSecond: 5 } }, '/etc/sk');
    expect(c.cluster).toBe('/etc/sk/cluster.json');
    expect(c.allowImport).toBe(true);
    expect(c.limits.ratePerSecond).toBe(5);
    expect(c.limits.maxBatch).toBe(1024);
    expect(c.seal).toEqual({ keyFile: '/etc/sk/seal.key' });
  });

  it('sizes the per-identity rate limit by the group backend unless the config sets it', () => {
    const unset = parseNodeConfig(base, '/').limits;
    expect(unset.ratePerSecond).toBeUndefined();
    expect(effectiveRateLimit(unset, 'native')).toEqual({ ratePerSecond: 4_000, burst: 8_192 });
    expect(effectiveRateLimit(unset, 'sodium')).toEqual({ ratePerSecond: 2_000, burst: 4_096 });
    expect(effectiveRateLimit(unset, 'noble')).toEqual(defaultRateLimit('sodium'));
    // Every default bucket holds several full batches (a batch larger than the bucket never passes).
    for (const b of ['native', 'sodium', 'noble'] as const) expect(defaultRateLimit(b).burst).toBeGreaterThanOrEqual(4 * unset.maxBatch);
    // Set: used as written, on every backend.
    const both = parseNodeConfig({ ...base, limits: { ratePerSecond: 5, burst: 7 } }, '/').limits;
    expect(effectiveRateLimit(both, 'native')).toEqual({ ratePerSecond: 5, burst: 7 });
    // One of them set: the other keeps its backend-independent value, so tightening one knob never
    // loosens the other on a fast backend.
    const rateOnly = parseNodeConfig({ ...base, limits: { ratePerSecond: 500 } }, '/').limits;
    expect(effectiveRateLimit(rateOnly, 'native')).toEqual({ ratePerSecond: 500, burst: 4_096 });
    const burstOnly = parseNodeConfig({ ...base, limits: { burst: 2_048 } }, '/').limits;
    expect(effectiveRateLimit(burstOnly, 'native')).toEqual({ ratePerSecond: 2_000, burst: 2_048 });
  });

  it('refuses unknown fields with the known name they most likely meant', () => {
    expect(() => parseNodeConfig({ ...base, limits: { ratePerSecnd: 5 } }, '/')).toThrow('limits.ratePerSecnd is not a known field; did you mean ratePerSecond?');
    expect(() => parseNodeConfig({ ...base, shutdownGraceMS: 5 }, '/')).toThrow('shutdownGraceMS is not a known field; did you mean shutdownGraceMs?');
    expect(() => parseNodeConfig({ ...base, allowimport: true }, '/')).toThrow(/did you mean allowImport\?/);
    expect(() => parseNodeConfig({ ...base, zzz: 1 }, '/')).toThrow(/zzz is not a known field \(known here: index, listen, /);
  });

  it('names the field and what it must be', () => {
    expect(() => parseNodeConfig({ ...base, index: 'one' }, '/')).toThrow('index must be an integer from 1 to 255');
    expect(() => parseNodeConfig({ ...base, index: undefined }, '/')).toThrow('index is required');
    expect(() => parseNodeConfig({ ...base, allowImport: 'yes' }, '/')).toThrow('allowImport must be true or false');
    expect(() => parseNodeConfig({ ...base, seal: { keyFile: 'a', keyEnv: 'B' } }, '/')).toThrow(/seal needs exactly one of keyFile, keyEnv/);
    expect(() => parseNodeConfig({ ...base, listen: 'nowhere' }, '/')).toThrow(ConfigError);
  });
});

describe('cluster descriptor schema', () => {
  const nodes = [{ index: 1, address: '127.0.0.1:7001', domain: 'a', identity: 'splitkey://node/1' }];
  it('accepts minThreshold and per-node identity; refuses typos with a suggestion', () => {
    expect(CLUSTER_DESCRIPTOR_SCHEMA.safeParse({ name: 'x', minThreshold: 1, defaultThreshold: 1, nodes }).success).toBe(true);
    const bad = CLUSTER_DESCRIPTOR_SCHEMA.safeParse({ defaultTreshold: 2, nodes: [{ ...nodes[0], adress: 'x' }] });
    expect(bad.success).toBe(false);
    expect(describeIssues(CLUSTER_DESCRIPTOR_SCHEMA, bad.error!).sort()).toEqual([
      'defaultTreshold is not a known field; did you mean defaultThreshold?',
      'nodes[0].adress is not a known field; did you mean address?',
    ]);
  });

  it('accepts every policy field the library and the nodes read: faultTolerance, lifecycleQuorum (both were refused by the CLI before)', () => {
    expect(CLUSTER_DESCRIPTOR_SCHEMA.safeParse({ minThreshold: 1, faultTolerance: 0, lifecycleQuorum: true, nodes }).success).toBe(true);
    expect(CLUSTER_DESCRIPTOR_SCHEMA.safeParse({ lifecycleQuorum: 'yes', nodes }).success).toBe(false);
    expect(CLUSTER_DESCRIPTOR_SCHEMA.safeParse({ faultTolerance: -1, nodes }).success).toBe(false);
  });

  it('edit distance and suggestions', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(suggest('treshold', ['threshold', 'nodes'])).toBe('threshold');
    expect(suggest('banana', ['threshold', 'nodes'])).toBeUndefined();
  });
});
