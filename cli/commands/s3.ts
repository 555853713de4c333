/** `splitkey s3 put|get|rewrap|head`: envelope-encrypted objects through the S3 API (client/s3.ts). */
import { Option, type Command } from 'commander';
import { clientFrom, withClusterFlags, type ClusterFlags } from '../context.js';
import { existsSync } from 'node:fs';
import { CliError, EXIT, info, out } from '../output.js';

interface S3Flags extends ClusterFlags {
  endpoint?: string;
  region?: string;
  pathStyle?: boolean;
  resource?: string;
}

function withS3Flags(cmd: Command): Command {
  cmd.addOption(new Option('--endpoint <url>', 'S3 endpoint URL (MinIO, Ceph RGW, R2, …; default: AWS)').env('AWS_ENDPOINT_URL_S3'));
  cmd.addOption(new Option('--region <region>', 'S3 region').env('AWS_REGION'));
  cmd.option('--path-style', 'path-style bucket addressing (the default when --endpoint is given)');
  cmd.option('--resource <id>', 'resource id bound into the key (default: BUCKET/KEY)');
  return withClusterFlags(cmd, { master: true });
}

async function session(flags: S3Flags) {
  // The SDK warns on every run under Node < 22 that its releases after January 2027 will need
  // Node 22; the version this project pins supports Node 20, so the warning is only noise here.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const { createS3Client, EnvelopeObjects, parseS3Url } = await import('../../client/s3.js');
  const s3 = createS3Client({ endpoint: flags.endpoint, region: flags.region, forcePathStyle: flags.pathStyle });
  const client = await clientFrom(flags);
  return {
    objects: new EnvelopeObjects(s3, client),
    parse: parseS3Url,
    close: async () => {
      s3.destroy();
      await client.close();
    },
  };
}

export function registerS3(program: Command): void {
  const s3 = program.command('s3').description('envelope-encrypted objects in any S3-compatible store (the object body is a splitkey envelope)');

  withS3Flags(
    s3
      .command('put <file> <url>')
      .description("encrypt FILE ('-' = stdin) and upload it to s3://BUCKET/KEY as a streaming multipart upload")
      .requiredOption('--key <name>', 'key name (tenant/label)')
      .option('--segment-size <bytes>', 'plaintext bytes per segment (1 KiB..16 MiB)', (v) => Number(v))
      .option('--part-size <bytes>', 'multipart part size (at least 5 MiB)', (v) => Number(v)),
  ).action(async (file: string, url: string, opts: S3Flags & { key: string; segmentSize?: number; partSize?: number }) => {
    const s = await session(opts);
    try {
      const r = await s.objects.put(s.parse(url), file === '-' ? process.stdin : file, { keyName: opts.key, resourceId: opts.resource, segmentSize: opts.segmentSize, partSize: opts.partSize });
      info(`uploaded ${r.bytesIn} bytes to ${url} under ${opts.key} version ${r.version}, resource ${r.resourceId}`);
    } finally {
      await s.close();
    }
  });

  withS3Flags(
    s3
      .command('get <url> <out>')
      .description("download and decrypt s3://BUCKET/KEY to OUT ('-' = stdout); nothing is left at OUT unless the whole object authenticates")
      .option('--range <offset:length>', 'only these plaintext bytes, fetching only the segments that hold them')
      .option('--force', 'replace OUT if it exists'),
  ).action(async (url: string, output: string, opts: S3Flags & { range?: string; force?: boolean }) => {
    const m = opts.range === undefined ? undefined : /^(\d+):(\d+)$/.exec(opts.range);
    if (opts.range !== undefined && !m) throw new CliError(`--range must be OFFSET:LENGTH in bytes (for example 1048576:4096), got "${opts.range}"`, EXIT.usage);
    if (output !== '-' && !opts.force && existsSync(output)) throw new CliError(`${output} already exists; give --force to replace it`, EXIT.usage);
    const s = await session(opts);
    try {
      const loc = s.parse(url);
      if (m) {
        const reader = await s.objects.openObject(loc, { resourceId: opts.resource });
        try {
          const bytes = await reader.read(Number(m[1]), Number(m[2]));
          if (output === '-') process.stdout.write(bytes);
          else await (await import('node:fs/promises')).writeFile(output, bytes, { mode: 0o600 });
        } finally {
          reader.close();
        }
        return;
      }
      const r = await s.objects.get(loc, output, { resourceId: opts.resource });
      info(`downloaded ${r.bytesOut} bytes from ${url} (${r.header.keyName} version ${r.header.keyVersion})`);
    } finally {
      await s.close();
    }
  });

  withS3Flags(
    s3
      .command('rewrap <url>')
      .description('move an object to another key version: a new header, the body bytes unchanged (re-uploaded through this client)')
      .option('--to-version <v>', 'target version (default: newest active)', (v) => Number(v)),
  ).action(async (url: string, opts: S3Flags & { toVersion?: number }) => {
    const s = await session(opts);
    try {
      const r = await s.objects.rewrap(s.parse(url), { toVersion: opts.toVersion, resourceId: opts.resource });
      info(r.from === r.to ? `${url} already uses version ${r.to}` : `rewrapped ${url} from version ${r.from} to version ${r.to}`);
    } finally {
      await s.close();
    }
  });

  withS3Flags(s3.command('head <url>').description("the object's splitkey metadata and envelope header")).action(async (url: string, opts: S3Flags) => {
    const s = await session(opts);
    try {
      const loc = s.parse(url);
      const h = await s.objects.readHeader(loc);
      out(JSON.stringify({ ...(await s.objects.metadata(loc)), header: { keyName: h.header.keyName, keyVersion: h.header.keyVersion, resourceId: new TextDecoder().decode(h.header.resourceId), segmentSize: h.header.segmentSize } }, null, 2));
    } finally {
      await s.close();
    }
  });
}
