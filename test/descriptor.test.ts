/** Cluster descriptors: validation, merging for a reshare to another cluster, failure-domain rules. */
import { describe, expect, it } from 'vitest';
import { checkFailureDomains, mergeDescriptors, parseDescriptor } from '../client/descriptor.js';
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
