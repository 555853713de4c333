/**
 * Disk volumes (DESIGN.md § "What is protected"): LUKS2 through `cryptsetup`, with the keyslot
 * passphrase being the resource key derived for (key name, version, resource id). What to derive
 * is recorded in a LUKS2 token of type `splitkey` (client/luks.ts), so opening a volume needs only
 * the device, the cluster and the master half.
 *
 * Rotation is header only, like `rewrap`, in steps that each leave a volume that opens:
 *
 *   1 add a keyslot for the newest version's key (authorised by the old key)
 *   2 token := new version, new keyslot, `retiring` = old keyslot      (one atomic header write)
 *   3 kill the old keyslot
 *   4 token := without `retiring`
 *
 * A crash after 1 leaves the old token and both keyslots (opens with the old key; the next rotate
 * finds the new key's keyslot and reuses it); after 2 or 3 the token names the new keyslot, which
 * exists (opens with the new key; the next rotate or status finishes the retirement).
 * @module
 */
import { randomUUID } from 'node:crypto';
import type { SplitkeyClient } from './client.js';
import type { VersionState } from './evaluate.js';
import { addKeyslot, findToken, formatVolume, killKeyslot, LuksError, openVolume, readMetadata, runCryptsetup, testKey, writeToken, type SplitkeyToken } from './luks.js';

export { closeVolume, hasDeviceMapper, LuksError, type SplitkeyToken } from './luks.js';

/** The default resource id of a volume: its LUKS UUID, so two volumes never share a key. */
export const defaultVolumeResource = (uuid: string): string => `luks/${uuid}`;

export interface VolumeInfo {
  device: string;
  uuid: string;
  tokenId: number;
  token: SplitkeyToken;
  keyslots: number[];
  /** State of the token's key version as t nodes agree on it (or why it could not be read). */
  versionState: VersionState | 'unknown';
  /** Newest active version of the key, when it is newer than the token's (rotate to move). */
  newestActive?: number;
  problem?: string;
}

async function isLuks(device: string): Promise<boolean> {
  return (await runCryptsetup(['isLuks', device])).code === 0;
}

/** The key name and resource id a splitkey volume's token binds (the appliance keeps them off its uid sockets). */
export async function volumeResource(device: string): Promise<{ keyName: string; resourceId: string }> {
  const { token } = await requireToken(device);
  return { keyName: token.key_name, resourceId: token.resource_id };
}

async function requireToken(device: string): Promise<{ id: number; token: SplitkeyToken; keyslots: number[]; uuid: string }> {
  const meta = await readMetadata(device);
  const found = findToken(meta);
  if (!found) throw new LuksError('BAD_TOKEN', `${device} has no splitkey token: enroll it with \`splitkey volume enroll ${device} --key NAME\``);
  return { ...found, keyslots: Object.keys(meta.keyslots).map(Number), uuid: meta.uuid };
}

/**
 * New LUKS2 volume on `device` whose only keyslot is unlocked by the derived key. Refuses a device
 * that already holds a LUKS header unless `force`.
 */
export async function formatSplitkeyVolume(
  client: SplitkeyClient,
  device: string,
  opts: { keyName: string; resourceId?: string; force?: boolean },
): Promise<{ uuid: string; resourceId: string; version: number; keyslot: number }> {
  if (!opts.force && (await isLuks(device))) {
    throw new LuksError('CRYPTSETUP_FAILED', `${device} already holds a LUKS header: formatting destroys its data; pass --force to format it anyway`);
  }
  const uuid = randomUUID();
  const resourceId = opts.resourceId ?? defaultVolumeResource(uuid);
  const { key, version } = await client.deriveKey(opts.keyName, resourceId);
  try {
    const keyslot = await formatVolume(device, key, { uuid });
    await writeToken(device, { type: 'splitkey', keyslots: [String(keyslot)], key_name: opts.keyName, key_version: version, resource_id: resourceId });
    return { uuid, resourceId, version, keyslot };
  } finally {
    key.fill(0);
  }
}

/** Add splitkey to an existing LUKS2 volume, authorised by one of its passphrases. */
export async function enrollVolume(
  client: SplitkeyClient,
  device: string,
  existing: Uint8Array,
  opts: { keyName: string; resourceId?: string },
): Promise<{ resourceId: string; version: number; keyslot: number }> {
  const meta = await readMetadata(device);
  if (findToken(meta)) throw new LuksError('BAD_TOKEN', `${device} is already enrolled with splitkey: use \`splitkey volume rotate\` to change its key version`);
  const resourceId = opts.resourceId ?? defaultVolumeResource(meta.uuid);
  const { key, version } = await client.deriveKey(opts.keyName, resourceId);
  try {
    const keyslot = await addKeyslot(device, existing, key);
    await writeToken(device, { type: 'splitkey', keyslots: [String(keyslot)], key_name: opts.keyName, key_version: version, resource_id: resourceId });
    return { resourceId, version, keyslot };
  } finally {
    key.fill(0);
  }
}

/**
 * The derived key of the token's version, checked against the token's keyslot. A destroyed
 * version throws KeyError KEY_DESTROYED ("… was destroyed …").
 */
export async function unlockKey(client: SplitkeyClient, device: string): Promise<{ key: Uint8Array; keyslot: number; token: SplitkeyToken }> {
  const { token } = await requireToken(device);
  const keyslot = Number(token.keyslots[0]);
  const { key } = await client.deriveKey(token.key_name, token.resource_id, { version: token.key_version });
  if ((await testKey(device, key, keyslot)) === undefined) {
    key.fill(0);
    throw new LuksError(
      'WRONG_KEY',
      `the key derived for ${token.key_name} version ${token.key_version}, resource ${token.resource_id} does not unlock keyslot ${keyslot} of ${device}: the token was altered or the master half, tenant or cluster differs from the ones that enrolled it`,
    );
  }
  return { key, keyslot, token };
}

/** Check the key (`test`), or map the volume at /dev/mapper/NAME (needs device-mapper). */
export async function openSplitkeyVolume(client: SplitkeyClient, device: string, name: string | undefined, opts: { test?: boolean } = {}): Promise<{ keyslot: number; token: SplitkeyToken; mapped: boolean }> {
  if (!opts.test && !name) throw new TypeError('volume open: a mapping NAME is required unless --test is given');
  const { key, keyslot, token } = await unlockKey(client, device);
  try {
    if (!opts.test) await openVolume(device, name!, key, keyslot);
    return { keyslot, token, mapped: !opts.test };
  } finally {
    key.fill(0);
  }
}

/** Token, keyslots and whether the key version is still live (never throws for a destroyed one). */
export async function volumeStatus(client: SplitkeyClient, device: string): Promise<VolumeInfo> {
  const { id, token, keyslots, uuid } = await requireToken(device);
  const info: VolumeInfo = { device, uuid, tokenId: id, token, keyslots, versionState: 'unknown' };
  try {
    const key = await client.keyInfo(token.key_name);
    const v = key.versions.find((x) => x.version === token.key_version);
    info.versionState = v?.state ?? 'destroyed';
    const newest = key.versions.filter((x) => x.state === 'active').at(-1);
    if (newest && newest.version > token.key_version) info.newestActive = newest.version;
  } catch (e) {
    info.problem = e instanceof Error ? e.message : String(e);
  }
  if (token.retiring) info.problem = `a rotation was interrupted (old keyslot ${token.retiring.keyslot} still present): run \`splitkey volume rotate ${device}\` to finish it`;
  return info;
}

export type RotateStep = 'added' | 'token' | 'killed';

/**
 * Move the volume to the newest active key version (or `toVersion`), header only. `onStep` runs
 * after each step (tests throw from it to simulate a crash there).
 */
export async function rotateVolume(
  client: SplitkeyClient,
  device: string,
  opts: { toVersion?: number; onStep?: (step: RotateStep) => void | Promise<void> } = {},
): Promise<{ from: number; to: number; keyslot: number; finishedInterrupted: boolean }> {
  const { id, token, keyslots } = await requireToken(device);
  const slot = Number(token.keyslots[0]);
  if (token.retiring) {
    // Finish an interrupted rotation: the token's keyslot must open before the old one goes.
    const { key } = await unlockKey(client, device);
    key.fill(0);
    const old = Number(token.retiring.keyslot);
    if (keyslots.includes(old) && old !== slot) await killKeyslot(device, old);
    const { retiring, ...rest } = token;
    await writeToken(device, rest, id);
    return { from: retiring.key_version, to: token.key_version, keyslot: slot, finishedInterrupted: true };
  }
  const next = await client.deriveKey(token.key_name, token.resource_id, { version: opts.toVersion ?? 0 });
  let old: Uint8Array | undefined;
  try {
    if (next.version === token.key_version) return { from: token.key_version, to: next.version, keyslot: slot, finishedInterrupted: false };
    ({ key: old } = await unlockKey(client, device));
    // After a crash following step 1 the new key already has a keyslot: reuse it.
    let newSlot = await testKey(device, next.key);
    if (newSlot === undefined || newSlot === slot) newSlot = await addKeyslot(device, old, next.key);
    await opts.onStep?.('added');
    const rotated: SplitkeyToken = { ...token, keyslots: [String(newSlot)], key_version: next.version, retiring: { keyslot: String(slot), key_version: token.key_version } };
    await writeToken(device, rotated, id);
    await opts.onStep?.('token');
    await killKeyslot(device, slot);
    await opts.onStep?.('killed');
    const { retiring: _done, ...final } = rotated;
    await writeToken(device, final, id);
    return { from: token.key_version, to: next.version, keyslot: newSlot, finishedInterrupted: false };
  } finally {
    next.key.fill(0);
    old?.fill(0);
  }
}
