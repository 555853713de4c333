/**
 * Checks before a node starts serving: the index in its config must be the one its certificate
 * names (URI SAN `splitkey://node/<i>`) and the one its data was written for. A node started
 * with another node's config, certificate or data directory would otherwise answer with shares
 * of the wrong index — every answer then fails its proof at the clients, and a DKG run through
 * it corrupts the key for good.
 */
import { X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Level } from 'level';
import { identityFromSan } from './auth.js';
import type { NodeConfig } from './config.js';

export class StartupError extends Error {
  readonly code = 'STARTUP_REFUSED';
  constructor(message: string) {
    super(message);
    this.name = 'StartupError';
  }
}

/** The node index the certificate names. */
export async function certificateIndex(certPath: string): Promise<number> {
  let san: string | undefined;
  try {
    san = new X509Certificate(await readFile(certPath)).subjectAltName;
  } catch (e) {
    throw new StartupError(`cannot read the node certificate ${certPath}: ${(e as Error).message}`);
  }
  const id = identityFromSan(san);
  if (!id || id.role !== 'node') {
    throw new StartupError(`the certificate ${certPath} is not a node certificate (it needs exactly one URI SAN splitkey://node/<index>; it has ${san ?? 'none'})`);
  }
  return id.index;
}

/** Node indices the share records in `dataDir` were written for (empty for a new directory). */
export async function dataIndices(dataDir: string): Promise<Set<number>> {
  const found = new Set<number>();
  if (!existsSync(join(dataDir, 'CURRENT'))) return found; // no LevelDB there yet
  const db = new Level<string, string>(dataDir, { valueEncoding: 'utf8', createIfMissing: false });
  try {
    await db.open();
  } catch (e) {
    const text = `${(e as Error).message} ${String((e as { cause?: unknown }).cause ?? '')}`;
    // LevelDB takes its LOCK file first, so a read-only or full disk also fails "lock …": name those first.
    const why = /Read-only file system|EROFS/.test(text)
      ? `the data directory ${dataDir} is read-only (the node writes its store there); remount it read-write`
      : /No space left on device|ENOSPC/.test(text)
        ? `the data directory ${dataDir} is full (ENOSPC); free space or grow the volume`
        : /lock/i.test(text)
          ? `the data directory ${dataDir} is in use by another process (is this node already running?)`
          : `cannot open the data directory ${dataDir}: ${(e as Error).message}`;
    throw new StartupError(why);
  }
  try {
    for await (const value of db.values({ gte: 'v\x00', lt: 'v\x00\xff' })) {
      const index = (JSON.parse(value) as { nodeIndex?: unknown }).nodeIndex;
      if (typeof index === 'number') found.add(index);
    }
  } finally {
    await db.close();
  }
  return found;
}

/** Refuse to start when the config, the certificate and the data disagree on the node's index. */
export async function checkNodeIdentity(config: NodeConfig, configPath: string): Promise<void> {
  if (config.tls) {
    const certIndex = await certificateIndex(config.tls.cert);
    if (certIndex !== config.index) {
      throw new StartupError(
        `${configPath} says index ${config.index} but its certificate ${config.tls.cert} is for node ${certIndex}; ` +
          `fix "index" in the config or issue a certificate for node ${config.index} (splitkey cert issue --role node --index ${config.index} …)`,
      );
    }
  }
  const stored = [...(await dataIndices(config.dataDir))].filter((i) => i !== config.index);
  if (stored.length > 0) {
    throw new StartupError(
      `${configPath} says index ${config.index} but the data in ${config.dataDir} holds shares of node ${stored.join(', ')}; ` +
        'point "dataDir" at this node\'s own data (shares are bound to their index and cannot move)',
    );
  }
}
