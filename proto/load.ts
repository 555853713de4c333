/**
 * Loads the splitkey v1 protos at run time with @grpc/proto-loader, typed by the generated
 * definitions in proto/gen (regenerate with `npm run proto:gen`). Shared by node/ and client/.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { ProtoGrpcType as AdminProto } from './gen/admin.js';
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

export type SplitkeyProto = EvaluatorProto & AdminProto & PeerProto;

let cached: SplitkeyProto | undefined;

export function loadSplitkeyProto(): SplitkeyProto {
  if (!cached) {
    const dir = protoDir();
    const files = ['evaluator', 'admin', 'peer'].map((f) => join(dir, 'splitkey', 'v1', `${f}.proto`));
    const definition = protoLoader.loadSync(files, { ...PROTO_OPTIONS, includeDirs: [dir] });
    cached = grpc.loadPackageDefinition(definition) as unknown as SplitkeyProto;
  }
  return cached;
}
