/**
 * Loads the splitkey v1 protos with @grpc/proto-loader, typed by the generated definitions in
 * proto/gen (regenerate with `npm run proto:gen`). Shared by node/ and client/.
 *
 * From dist/ the definitions come from JSON descriptors compiled at build time
 * (proto/descriptor.ts, `protoLoader.fromJSON`): parsing the .proto text at run time cost a CLI
 * command tens of milliseconds before its first request. From the sources (vitest), where no
 * descriptor is built, the .proto files are parsed as before.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { ProtoGrpcType as AdminProto } from './gen/admin.js';
import type { ProtoGrpcType as ApplianceProto } from './gen/appliance.js';
import type { ProtoGrpcType as EvaluatorProto } from './gen/evaluator.js';
import type { ProtoGrpcType as PeerProto } from './gen/peer.js';

/** The directory holding splitkey/v1/*.proto, from the source tree or from dist/. */
export function protoDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    if (existsSync(join(dir, 'splitkey', 'v1', 'evaluator.proto'))) return dir;
    if (existsSync(join(dir, 'proto', 'splitkey', 'v1', 'evaluator.proto'))) return join(dir, 'proto');
    dir = dirname(dir);
  }
  throw new Error('splitkey protos not found next to the installed package');
}

export const PROTO_OPTIONS: protoLoader.Options = { keepCase: false, longs: String, enums: String, defaults: true, oneofs: true };

/** The .proto files loaded together: the cluster's services, and the appliance's local API. */
export const PROTO_SETS = { cluster: ['evaluator', 'admin', 'peer'], appliance: ['appliance'] } as const;
export type ProtoSet = keyof typeof PROTO_SETS;

/** Paths of one set's .proto files under `dir`. */
export function protoFiles(set: ProtoSet, dir: string = protoDir()): string[] {
  return PROTO_SETS[set].map((f) => join(dir, 'splitkey', 'v1', `${f}.proto`));
}

/** File name of one set's compiled JSON descriptor (in dist/proto/, next to this module). */
export const descriptorFile = (set: ProtoSet): string => `splitkey-v1-${set}.json`;

/** Where the last definition of each set came from (test/proto-descriptor.test.ts checks dist/ reads JSON). */
export const definitionSource: Partial<Record<ProtoSet, 'json' | 'proto'>> = {};

/** One set's package definition: the compiled descriptor when there is one, else the parsed .proto files. */
export function loadDefinition(set: ProtoSet): protoLoader.PackageDefinition {
  const json = join(dirname(fileURLToPath(import.meta.url)), descriptorFile(set));
  if (existsSync(json)) {
    definitionSource[set] = 'json';
    return protoLoader.fromJSON(JSON.parse(readFileSync(json, 'utf8')) as Parameters<typeof protoLoader.fromJSON>[0], PROTO_OPTIONS);
  }
  const dir = protoDir();
  definitionSource[set] = 'proto';
  return protoLoader.loadSync(protoFiles(set, dir), { ...PROTO_OPTIONS, includeDirs: [dir] });
}

export type SplitkeyProto = EvaluatorProto & AdminProto & PeerProto;

let cached: SplitkeyProto | undefined;

export function loadSplitkeyProto(): SplitkeyProto {
  cached ??= grpc.loadPackageDefinition(loadDefinition('cluster')) as unknown as SplitkeyProto;
  return cached;
}

/** The Appliance service (client/appliance-server.ts and its callers). */
export function loadApplianceProto(): ApplianceProto {
  return grpc.loadPackageDefinition(loadDefinition('appliance')) as unknown as ApplianceProto;
}
