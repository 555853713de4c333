/** `splitkey volume format|enroll|open|close|status|rotate`: LUKS2 volumes keyed by splitkey (client/volume.ts). */
import type { Command } from 'commander';
import { clientFrom, withClusterFlags, type ClusterFlags } from '../context.js';
import { CliError, EXIT, info, out } from '../output.js';

/** The existing passphrase for `enroll`: one line from a TTY (not echoed) or all of stdin minus one trailing newline. */
async function readExistingPassphrase(): Promise<Uint8Array> {
  const stdin = process.stdin;
  if (stdin.isTTY) {
    process.stderr.write('existing passphrase of the volume: ');
    stdin.setRawMode(true);
    const bytes: number[] = [];
    try {
      for await (const chunk of stdin) {
        for (const b of chunk as Buffer) {
          if (b === 0x0d || b === 0x0a) return Uint8Array.from(bytes);
          if (b === 0x03) throw new CliError('interrupted');
          if (b === 0x7f) bytes.pop();
          else bytes.push(b);
        }
      }
    } finally {
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
    }
    return Uint8Array.from(bytes);
  }
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(chunk as Buffer);
  let all = Buffer.concat(chunks);
  if (all.at(-1) === 0x0a) all = all.subarray(0, all.length - 1);
  if (all.length === 0) throw new CliError('no existing passphrase on standard input: pipe it in or run `volume enroll` from a terminal', EXIT.usage);
  return new Uint8Array(all);
}

export function registerVolume(program: Command): void {
  const volume = program
    .command('volume')
    .description('LUKS2 disk volumes whose keyslot passphrase is a splitkey resource key (needs cryptsetup)');

  withClusterFlags(
    volume
      .command('format <device>')
      .description('luksFormat DEVICE (or image file) with one keyslot unlocked by the derived key, recorded in a splitkey token')
      .requiredOption('--key <name>', 'key name (tenant/label)')
      .option('--resource <id>', 'resource id bound into the key (default: luks/<the new LUKS UUID>)')
      .option('--force', 'format even if DEVICE already holds a LUKS header (destroys its data)'),
    { master: true },
  ).action(async (device: string, opts: ClusterFlags & { key: string; resource?: string; force?: boolean }) => {
    const { formatSplitkeyVolume } = await import('../../client/volume.js');
    const client = await clientFrom(opts);
    try {
      const r = await formatSplitkeyVolume(client, device, { keyName: opts.key, resourceId: opts.resource, force: opts.force });
      info(`formatted ${device} (LUKS2 ${r.uuid}): keyslot ${r.keyslot} under ${opts.key} version ${r.version}, resource ${r.resourceId}`);
    } finally {
      await client.close();
    }
  });

  withClusterFlags(
    volume
      .command('enroll <device>')
      .description('add a splitkey keyslot and token to an existing LUKS2 volume; its current passphrase is read from the terminal or stdin')
      .requiredOption('--key <name>', 'key name (tenant/label)')
      .option('--resource <id>', 'resource id bound into the key (default: luks/<the LUKS UUID>)'),
    { master: true },
  ).action(async (device: string, opts: ClusterFlags & { key: string; resource?: string }) => {
    const { enrollVolume } = await import('../../client/volume.js');
    const existing = await readExistingPassphrase();
    const client = await clientFrom(opts);
    try {
      const r = await enrollVolume(client, device, existing, { keyName: opts.key, resourceId: opts.resource });
      info(`enrolled ${device}: keyslot ${r.keyslot} under ${opts.key} version ${r.version}, resource ${r.resourceId}`);
    } finally {
      existing.fill(0);
      await client.close();
    }
  });

  withClusterFlags(
    volume
      .command('open <device> [name]')
      .description('derive the key named by the token and map DEVICE at /dev/mapper/NAME (needs device-mapper); --test only checks that the key unlocks its keyslot')
      .option('--test', 'check the key with `cryptsetup open --test-passphrase`; map nothing'),
    { master: true },
  ).action(async (device: string, name: string | undefined, opts: ClusterFlags & { test?: boolean }) => {
    if (!opts.test && !name) throw new CliError('volume open: give a mapping NAME (the volume appears at /dev/mapper/NAME), or --test to only check the key', EXIT.usage);
    const { openSplitkeyVolume } = await import('../../client/volume.js');
    const client = await clientFrom(opts);
    try {
      const r = await openSplitkeyVolume(client, device, name, { test: opts.test });
      info(
        r.mapped
          ? `opened ${device} at /dev/mapper/${name} (keyslot ${r.keyslot}, ${r.token.key_name} version ${r.token.key_version})`
          : `key of ${r.token.key_name} version ${r.token.key_version} unlocks keyslot ${r.keyslot} of ${device}`,
      );
    } finally {
      await client.close();
    }
  });

  volume
    .command('close <name>')
    .description('unmap /dev/mapper/NAME (cryptsetup close; needs device-mapper)')
    .action(async (name: string) => {
      const { closeVolume } = await import('../../client/volume.js');
      await closeVolume(name);
      info(`closed /dev/mapper/${name}`);
    });

  withClusterFlags(
    volume
      .command('status <device>')
      .description("the splitkey token, the volume's keyslots and whether the key version is live")
      .option('--json', 'print JSON'),
    { master: true },
  ).action(async (device: string, opts: ClusterFlags & { json?: boolean }) => {
    const { volumeStatus } = await import('../../client/volume.js');
    const client = await clientFrom(opts);
    try {
      const s = await volumeStatus(client, device);
      if (opts.json) out(JSON.stringify(s, null, 2));
      else {
        out(`device:    ${s.device} (LUKS2 ${s.uuid})`);
        out(`key:       ${s.token.key_name} version ${s.token.key_version} (${s.versionState})${s.newestActive ? `; version ${s.newestActive} is newer: run \`splitkey volume rotate\`` : ''}`);
        out(`resource:  ${s.token.resource_id}`);
        out(`keyslot:   ${s.token.keyslots[0]} (token ${s.tokenId}); keyslots in header: ${s.keyslots.join(', ')}`);
        if (s.problem) out(`problem:   ${s.problem}`);
      }
      if (s.versionState === 'destroyed') {
        throw new CliError(`version ${s.token.key_version} of key ${s.token.key_name} was destroyed: ${device} can no longer be opened with splitkey`);
      }
    } finally {
      await client.close();
    }
  });

  withClusterFlags(
    volume
      .command('rotate <device>')
      .description('move the volume to the newest active key version: add a keyslot, update the token, remove the old keyslot (header only)')
      .option('--to-version <v>', 'target version (default: newest active)', (v) => Number(v)),
    { master: true },
  ).action(async (device: string, opts: ClusterFlags & { toVersion?: number }) => {
    const { rotateVolume } = await import('../../client/volume.js');
    const client = await clientFrom(opts);
    try {
      const r = await rotateVolume(client, device, { toVersion: opts.toVersion });
      if (r.finishedInterrupted) info(`finished an interrupted rotation of ${device}: version ${r.from} → ${r.to}, keyslot ${r.keyslot}`);
      else if (r.from === r.to) info(`${device} already uses version ${r.to}`);
      else info(`rotated ${device} from version ${r.from} to version ${r.to} (keyslot ${r.keyslot})`);
    } finally {
      await client.close();
    }
  });
}
