/**
 * A thin shell around the `cryptsetup` binary (LUKS2). splitkey never reimplements LUKS: it only
 * supplies keyslot passphrases and reads/writes its token in the LUKS2 header.
 *
 * Key material never appears in argv or in a file: the key that authorises an operation goes to
 * cryptsetup on stdin (`--key-file=-`) as raw bytes; `luksAddKey` gets the existing key and the
 * new one back to back on stdin, split by `--keyfile-size`.
 * @module
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

/** The splitkey token in a LUKS2 header (`cryptsetup token export`), like systemd-cryptenroll's tokens. */
export interface SplitkeyToken {
  type: 'splitkey';
  /** The keyslot the derived key unlocks (LUKS2 tokens list keyslots as strings). */
  keyslots: string[];
  key_name: string;
  key_version: number;
  /** Resource id bound into the key, as UTF-8 text. */
  resource_id: string;
  /** Set while a rotation is in progress: the old keyslot, removed at its end. */
  retiring?: { keyslot: string; key_version: number };
}

export interface LuksMetadata {
  keyslots: Record<string, unknown>;
  tokens: Record<string, { type: string; keyslots: string[]; [k: string]: unknown }>;
  /** Header UUID. */
  uuid: string;
}

/** cryptsetup failed or is missing; `detail` is its own last line of stderr. */
export class LuksError extends Error {
  override readonly name = 'LuksError';
  constructor(
    readonly code: 'CRYPTSETUP_MISSING' | 'CRYPTSETUP_FAILED' | 'NO_DEVICE_MAPPER' | 'BAD_TOKEN' | 'WRONG_KEY',
    message: string,
  ) {
    super(message);
  }
}

/**
 * Derived keys are 256-bit uniformly random values: a slow password hash adds nothing against
 * guessing, so keyslots use PBKDF2 with the minimum iteration count (no argon2 memory cost, fast
 * unlock at boot). Passphrases typed by people (`volume enroll` keeps theirs) keep cryptsetup's
 * default KDF.
 */
const FAST_KDF = ['--pbkdf', 'pbkdf2', '--pbkdf-force-iterations', '1000'];

interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * cryptsetup's environment: PATH and the C locale (its messages are parsed), nothing else — the
 * caller's environment may hold the master half's unlock secret (SPLITKEY_MASTER_KEY/_PASSPHRASE).
 */
function cryptsetupEnv(): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', LC_ALL: 'C' };
}

/** Run cryptsetup with `stdin` as raw key bytes. */
export function runCryptsetup(args: string[], keys: { stdin?: Uint8Array } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('cryptsetup', args, { stdio: [keys.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'], env: cryptsetupEnv() });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', (e: NodeJS.ErrnoException) =>
      reject(
        e.code === 'ENOENT'
          ? new LuksError('CRYPTSETUP_MISSING', 'cryptsetup is not installed: install it (Debian: apt-get install cryptsetup-bin) and run the command again')
          : e,
      ),
    );
    // A key pipe closed early by cryptsetup (EPIPE) is reported through its exit code instead.
    if (keys.stdin) {
      child.stdin!.on('error', () => undefined);
      child.stdin!.end(Buffer.from(keys.stdin));
    }
    child.once('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

function lastLine(s: string): string {
  const lines = s.trim().split('\n').filter((l) => l.trim() !== '');
  return lines.at(-1) ?? 'no output';
}

async function mustRun(what: string, device: string, args: string[], keys: { stdin?: Uint8Array } = {}): Promise<RunResult> {
  const r = await runCryptsetup(args, keys);
  if (r.code !== 0) throw new LuksError('CRYPTSETUP_FAILED', `cryptsetup ${what} of ${device} failed: ${lastLine(r.stderr)}`);
  return r;
}

/** Header metadata (LUKS2 JSON area) and UUID. */
export async function readMetadata(device: string): Promise<LuksMetadata> {
  const r = await runCryptsetup(['luksDump', '--dump-json-metadata', device]);
  if (r.code !== 0) throw new LuksError('CRYPTSETUP_FAILED', `${device} is not a LUKS2 volume (cryptsetup luksDump: ${lastLine(r.stderr)}): format it with \`splitkey volume format\``);
  const json = JSON.parse(r.stdout) as Omit<LuksMetadata, 'uuid'>;
  const uuid = await runCryptsetup(['luksUUID', device]);
  return { keyslots: json.keyslots ?? {}, tokens: json.tokens ?? {}, uuid: uuid.stdout.trim() };
}

/** The splitkey token of a volume and its id, or undefined when there is none. */
export function findToken(meta: LuksMetadata): { id: number; token: SplitkeyToken } | undefined {
  const found = Object.entries(meta.tokens).filter(([, t]) => t.type === 'splitkey');
  if (found.length > 1) throw new LuksError('BAD_TOKEN', `the volume has ${found.length} splitkey tokens (ids ${found.map(([id]) => id).join(', ')}): remove all but one with \`cryptsetup token remove\``);
  if (found.length === 0) return undefined;
  const [id, t] = found[0]!;
  const token = t as unknown as SplitkeyToken;
  if (typeof token.key_name !== 'string' || !Number.isInteger(token.key_version) || typeof token.resource_id !== 'string' || !Array.isArray(token.keyslots) || token.keyslots.length !== 1) {
    throw new LuksError('BAD_TOKEN', `splitkey token ${id} is malformed: it needs key_name, key_version, resource_id and exactly one keyslot; re-enroll the volume`);
  }
  return { id: Number(id), token };
}

/** `luksFormat` (LUKS2) with one keyslot for `key`; returns the keyslot number. */
export async function formatVolume(device: string, key: Uint8Array, opts: { uuid?: string } = {}): Promise<number> {
  const args = ['luksFormat', '--type', 'luks2', '--batch-mode', ...FAST_KDF, '--key-slot', '0', '--key-file=-'];
  if (opts.uuid) args.push('--uuid', opts.uuid);
  await mustRun('luksFormat', device, [...args, device], { stdin: key });
  return 0;
}

/** Add a keyslot for `newKey`, authorised by `existing`; returns the new keyslot. */
export async function addKeyslot(device: string, existing: Uint8Array, newKey: Uint8Array): Promise<number> {
  const meta = await readMetadata(device);
  const used = new Set(Object.keys(meta.keyslots).map(Number));
  let slot = 0;
  while (used.has(slot)) slot++;
  if (slot > 31) throw new LuksError('CRYPTSETUP_FAILED', `${device} has no free keyslot: remove one with \`cryptsetup luksKillSlot\``);
  // Both keys on stdin, the existing one first: `--keyfile-size` tells cryptsetup where it ends.
  // (Node gives a child socketpairs, not pipes, for extra fds, and cryptsetup cannot open those
  // as /dev/fd/N.) Only the lengths appear in argv; for a derived key that is always 32.
  const both = new Uint8Array(existing.length + newKey.length);
  both.set(existing, 0);
  both.set(newKey, existing.length);
  try {
    await mustRun('luksAddKey', device, [
      'luksAddKey', '--batch-mode', ...FAST_KDF, '--new-key-slot', String(slot),
      '--key-file=-', '--keyfile-size', String(existing.length), '--new-keyfile=-', '--new-keyfile-size', String(newKey.length), device,
    ], { stdin: both });
  } finally {
    both.fill(0);
  }
  return slot;
}

/** The keyslot `key` unlocks (`open --test-passphrase`), or undefined when it unlocks none. */
export async function testKey(device: string, key: Uint8Array, slot?: number): Promise<number | undefined> {
  const args = ['open', '--test-passphrase', '--verbose', '--key-file=-'];
  if (slot !== undefined) args.push('--key-slot', String(slot));
  const r = await runCryptsetup([...args, device], { stdin: key });
  if (r.code !== 0) {
    // Exit code 2: no keyslot accepted the key. Anything else is a real failure.
    if (r.code === 2) return undefined;
    throw new LuksError('CRYPTSETUP_FAILED', `cryptsetup open --test-passphrase of ${device} failed: ${lastLine(r.stderr)}`);
  }
  const m = /Key slot (\d+) unlocked/.exec(r.stdout + r.stderr);
  return m ? Number(m[1]) : slot;
}

export async function killKeyslot(device: string, slot: number): Promise<void> {
  await mustRun('luksKillSlot', device, ['luksKillSlot', '--batch-mode', device, String(slot)]);
}

/** Write (or replace) the splitkey token; one atomic LUKS2 metadata update. */
export async function writeToken(device: string, token: SplitkeyToken, id?: number): Promise<number> {
  const args = ['token', 'import', '--json-file=-'];
  if (id !== undefined) args.push('--token-id', String(id), '--token-replace');
  const r = await mustRun('token import', device, [...args, device], { stdin: Buffer.from(JSON.stringify(token)) });
  const m = /Token (\d+) created/.exec(r.stdout + r.stderr);
  if (id !== undefined) return id;
  if (m) return Number(m[1]);
  const found = findToken(await readMetadata(device));
  return found!.id;
}

/** Whether the kernel has device-mapper (LUKS volumes can be mapped only then). */
export function hasDeviceMapper(): boolean {
  try {
    return /\bdevice-mapper\b/.test(readFileSync('/proc/misc', 'utf8')) && existsSync('/dev/mapper/control');
  } catch {
    return false;
  }
}

function requireDeviceMapper(what: string): void {
  if (!hasDeviceMapper()) {
    throw new LuksError(
      'NO_DEVICE_MAPPER',
      `cannot ${what}: this kernel has no device-mapper (no "device-mapper" in /proc/misc; load it with \`modprobe dm_mod\`); \`splitkey volume open --test\` checks the key without mapping`,
    );
  }
}

/** Map the volume at /dev/mapper/NAME (`cryptsetup open`). */
export async function openVolume(device: string, name: string, key: Uint8Array, slot: number): Promise<void> {
  requireDeviceMapper(`map ${device} as /dev/mapper/${name}`);
  await mustRun('open', device, ['open', '--type', 'luks2', '--key-file=-', '--key-slot', String(slot), device, name], { stdin: key });
}

export async function closeVolume(name: string): Promise<void> {
  requireDeviceMapper(`close /dev/mapper/${name}`);
  await mustRun('close', name, ['close', name]);
}
