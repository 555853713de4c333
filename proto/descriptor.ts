/**
 * Build-time half of proto/load.ts: compiles the splitkey v1 .proto files into the JSON
 * descriptors (protobufjs `Root.toJSON`) that the loader reads with @grpc/proto-loader's
 * `fromJSON`, so no process parses .proto text at start-up. `npm run build` runs this file after
 * tsc and writes the descriptors next to dist/proto/load.js; test/proto-descriptor.test.ts
 * compiles them again from the current .proto files and requires the same bytes.
 *
 * The .proto files are parsed exactly as `protoLoader.loadSync` parses them (its own
 * loadProtosWithOptionsSync, the same options), so `fromJSON` of the result is `loadSync`'s
 * definition without the parsing.
 */
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PROTO_OPTIONS, PROTO_SETS, descriptorFile, protoDir, protoFiles, type ProtoSet } from './load.js';

interface ReflectionRoot {
  toJSON(options?: { keepComments?: boolean }): unknown;
}

/** The JSON descriptor of one set of .proto files under `dir`, as text. */
export function compileDescriptor(set: ProtoSet, dir: string = protoDir()): string {
  const require = createRequire(import.meta.url);
  // proto-loader's parsing step (not in its typed API; the package has no exports map).
  const { loadProtosWithOptionsSync } = require('@grpc/proto-loader/build/src/util.js') as {
    loadProtosWithOptionsSync(files: string[], options: object): ReflectionRoot;
  };
  const root = loadProtosWithOptionsSync(protoFiles(set, dir), { ...PROTO_OPTIONS, includeDirs: [dir] });
  return `${JSON.stringify(root.toJSON({ keepComments: false }))}\n`;
}

/** Writes every set's descriptor into `outDir` (default: next to this module, i.e. dist/proto/). */
export function writeDescriptors(outDir: string = dirname(fileURLToPath(import.meta.url))): string[] {
  return (Object.keys(PROTO_SETS) as ProtoSet[]).map((set) => {
    const path = join(outDir, descriptorFile(set));
    writeFileSync(path, compileDescriptor(set));
    return path;
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  for (const path of writeDescriptors()) process.stdout.write(`proto descriptor: ${path}\n`);
}
