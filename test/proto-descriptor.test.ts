/**
 * The JSON descriptors compiled at build time (proto/descriptor.ts, dist/proto/*.json) are what
 * the current .proto files compile to — a stale descriptor fails here — and the definitions
 * `fromJSON` makes of them serve the same methods with the same bytes as `loadSync` of the
 * .proto text. The compiled loader (dist/) reads the descriptors, never the .proto files.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as protoLoader from '@grpc/proto-loader';
import { describe, expect, it } from 'vitest';
import { compileDescriptor } from '../proto/descriptor.js';
import { PROTO_OPTIONS, PROTO_SETS, descriptorFile, protoDir, protoFiles, type ProtoSet } from '../proto/load.js';

const root = join(import.meta.dirname, '..');
const sets = Object.keys(PROTO_SETS) as ProtoSet[];
const built = (set: ProtoSet) => join(root, 'dist', 'proto', descriptorFile(set));

type Method = protoLoader.MethodDefinition<object, object>;
const isService = (d: unknown): d is Record<string, Method> => typeof d === 'object' && d !== null && !('format' in d) && !('type' in d);

describe('compiled proto descriptors', () => {
  it.each(sets)('dist/proto/%s descriptor is what the current .proto files compile to', (set) => {
    expect(existsSync(built(set)), `${built(set)} (run npm run build)`).toBe(true);
    expect(readFileSync(built(set), 'utf8')).toBe(compileDescriptor(set));
  });

  it.each(sets)('fromJSON of the %s descriptor serves the same methods and bytes as loadSync of the .proto files', (set) => {
    const dir = protoDir();
    const parsed = protoLoader.loadSync(protoFiles(set, dir), { ...PROTO_OPTIONS, includeDirs: [dir] });
    const compiled = protoLoader.fromJSON(JSON.parse(readFileSync(built(set), 'utf8')), PROTO_OPTIONS);
    expect(Object.keys(compiled).sort()).toEqual(Object.keys(parsed).sort());
    let methods = 0;
    for (const [name, def] of Object.entries(parsed)) {
      if (!isService(def)) continue;
      const other = compiled[name] as Record<string, Method>;
      expect(Object.keys(other).sort(), name).toEqual(Object.keys(def).sort());
      for (const [m, d] of Object.entries(def)) {
        const c = other[m]!;
        expect([c.path, c.requestStream, c.responseStream, c.originalName], `${name}.${m}`).toEqual([d.path, d.requestStream, d.responseStream, d.originalName]);
        // Every field at its default (defaults: true), encoded and decoded by each definition.
        const request = d.requestDeserialize(Buffer.alloc(0));
        const response = d.responseDeserialize(Buffer.alloc(0));
        expect(c.requestDeserialize(Buffer.alloc(0)), `${name}.${m} request`).toEqual(request);
        expect(c.responseDeserialize(Buffer.alloc(0)), `${name}.${m} response`).toEqual(response);
        expect(Buffer.from(c.requestSerialize(request)), `${name}.${m}`).toEqual(Buffer.from(d.requestSerialize(request)));
        methods++;
      }
    }
    // Every rpc of the set's .proto files was compared.
    const rpcs = protoFiles(set, dir).reduce((n, f) => n + (readFileSync(f, 'utf8').match(/^\s*rpc\s/gm)?.length ?? 0), 0);
    expect(methods).toBe(rpcs);
  });

  it('an Evaluate request with its fields set (string, number, repeated bytes) round-trips the same through both definitions', () => {
    const dir = protoDir();
    const parsed = protoLoader.loadSync(protoFiles('cluster', dir), { ...PROTO_OPTIONS, includeDirs: [dir] });
    const compiled = protoLoader.fromJSON(JSON.parse(readFileSync(built('cluster'), 'utf8')), PROTO_OPTIONS);
    const evaluate = (d: protoLoader.PackageDefinition) => (d['splitkey.v1.Evaluator'] as Record<string, Method>)['Evaluate']!;
    const request = { keyName: 'demo/files', keyVersion: 7, blindedElements: [Buffer.alloc(32, 1), Buffer.alloc(32, 2)] };
    const bytes = Buffer.from(evaluate(parsed).requestSerialize(request));
    expect(Buffer.from(evaluate(compiled).requestSerialize(request))).toEqual(bytes);
    expect(evaluate(compiled).requestDeserialize(bytes)).toEqual(evaluate(parsed).requestDeserialize(bytes));
  });

  it('the compiled loader reads the descriptors, not the .proto files', async () => {
    const load = (await import(pathToFileURL(join(root, 'dist', 'proto', 'load.js')).href)) as typeof import('../proto/load.js');
    expect(typeof load.loadSplitkeyProto().splitkey.v1.Evaluator).toBe('function');
    expect(typeof load.loadApplianceProto().splitkey.v1.Appliance).toBe('function');
    expect(load.definitionSource).toEqual({ cluster: 'json', appliance: 'json' });
  });
});
