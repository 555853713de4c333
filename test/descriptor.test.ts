/** Cluster descriptors: validation, merging for a reshare to another cluster, failure-domain rules. */
import { describe, expect, it } from 'vitest';
import { checkFailureDomains, faultToleranceOf, mergeDescriptors, minThresholdOf, parseDescriptor } from '../client/descriptor.js';
import { ConfigError } from '../client/errors.js';

const node = (index: number, domain?: string) => ({ index, address: `10.0.0.${index}:7001`, domain });

describe('cluster descriptor', () => {
  it('refuses bad shapes with the field named', () => {
    expect(() => parseDescriptor({})).toThrow(/nodes/);
    expect(() => parseDescriptor({ nodes: [node(0)] })).toThrow(/index/);
    expect(() => parseDescriptor({ nodes: [node(1), node(1)] })).toThrow(/appears twice/);
    expect(() => parseDescriptor({ nodes: [{ index: 1, address: 'nohost' }] })).toThrow(/host:port/);
    expect(() => parseDescriptor({ nodes: [node(1)], defaultThreshold: 2 })).toThrow(/defaultThreshold/);
    expect(parseDescriptor({ nodes: [{ index: 2, address: '[::1]:7002' }] }).nodes[0]!.address).toBe('[::1]:7002');
  });

  it('carries the trust policy: pinned identities and minThreshold (default 2, or 1 for one node)', () => {
    const d = parseDescriptor({ nodes: [node(1), { ...node(2), identity: 'splitkey://node/2' }], minThreshold: 2 });
    expect(d.nodes.map((n) => n.identity)).toEqual(['splitkey://node/1', 'splitkey://node/2']);
    expect(minThresholdOf(d)).toBe(2);
    expect(minThresholdOf(parseDescriptor({ nodes: [node(1), node(2), node(3)] }))).toBe(2);
    expect(minThresholdOf(parseDescriptor({ nodes: [node(1)] }))).toBe(1);
    expect(() => parseDescriptor({ nodes: [{ ...node(1), identity: 'splitkey://node/2' }] })).toThrow(/identity must be splitkey:\/\/node\/1/);
    expect(() => parseDescriptor({ nodes: [node(1), node(2)], minThreshold: 3 })).toThrow(/minThreshold must be an integer in \[1, 2\]/);
    expect(() => parseDescriptor({ nodes: [node(1), node(2), node(3)], minThreshold: 3, defaultThreshold: 2 })).toThrow(/defaultThreshold 2 is below minThreshold 3/);
    // Merging two clusters keeps the stricter policy.
    expect(mergeDescriptors(parseDescriptor({ nodes: [node(1), node(2), node(3)], minThreshold: 3 }), parseDescriptor({ nodes: [node(4), node(5)] })).minThreshold).toBe(3);
  });

  it('carries faultTolerance: default minThreshold − 1, at most that, 0 allowed on purpose', () => {
    const nodes = [1, 2, 3, 4, 5].map((index) => ({ index, address: `127.0.0.1:${7000 + index}` }));
    expect(faultToleranceOf(parseDescriptor({ nodes, minThreshold: 3 }))).toBe(2);
    expect(faultToleranceOf(parseDescriptor({ nodes, minThreshold: 3, faultTolerance: 0 }))).toBe(0);
    expect(() => parseDescriptor({ nodes, minThreshold: 3, faultTolerance: 3 })).toThrow('faultTolerance must be an integer in [0, 2]');
    expect(() => parseDescriptor({ nodes, minThreshold: 3, faultTolerance: -1 })).toThrow('faultTolerance');
  });

  it('carries lifecycleQuorum: off unless true, a boolean only, kept by a merge if either side has it', () => {
    const nodes = [1, 2, 3, 4, 5].map((index) => ({ index, address: `127.0.0.1:${7000 + index}` }));
    expect(parseDescriptor({ nodes }).lifecycleQuorum).toBeUndefined();
    expect(parseDescriptor({ nodes, lifecycleQuorum: false }).lifecycleQuorum).toBeUndefined();
    expect(parseDescriptor({ nodes, lifecycleQuorum: true }).lifecycleQuorum).toBe(true);
    expect(() => parseDescriptor({ nodes, lifecycleQuorum: 'yes' })).toThrow('lifecycleQuorum must be true or false');
    const other = parseDescriptor({ nodes: [node(6)] });
    expect(mergeDescriptors(parseDescriptor({ nodes, lifecycleQuorum: true }), other).lifecycleQuorum).toBe(true);
    expect(mergeDescriptors(other, parseDescriptor({ nodes })).lifecycleQuorum).toBeUndefined();
  });

  it('merges two clusters for a reshare, refusing one index at two addresses', () => {
    const a = parseDescriptor({ nodes: [node(1), node(2), node(3)] });
    const b = parseDescriptor({ name: 'new', nodes: [node(3), node(7), node(8)] });
    expect(mergeDescriptors(a, b).nodes.map((n) => n.index)).toEqual([1, 2, 3, 7, 8]);
    const clash = parseDescriptor({ nodes: [{ index: 2, address: '10.9.9.9:7001' }] });
    expect(() => mergeDescriptors(a, clash)).toThrow(ConfigError);
  });

  it('checks failure domains: none holds t shares, losing any one leaves t', () => {
    const good = [node(1, 'a'), node(2, 'a'), node(3, 'b'), node(4, 'b'), node(5, 'c')];
    expect(checkFailureDomains(good, 3)).toEqual([]);
    const lopsided = [node(1, 'a'), node(2, 'a'), node(3, 'a'), node(4, 'b'), node(5, 'c')];
    const problems = checkFailureDomains(lopsided, 3);
    expect(problems.some((p) => /domain a holds 3 shares/.test(p))).toBe(true);
    expect(problems.some((p) => /losing domain a leaves 2 nodes/.test(p))).toBe(true);
  });
});
