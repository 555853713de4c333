/**
 * Certificate faults on a stopped node: its certificate replaced by one that expired yesterday, or
 * by one for the same index from another CA. Clients and peers must refuse it (mTLS), so the node
 * counts as down, and every refusal must name it. `undo` puts the original files back.
 */
import { copyFile, readFile, rm, writeFile } from 'node:fs/promises';
import { createCa, issueCert, type PemPair } from '../../pki.js';

export type CertFault = 'cert-expired' | 'cert-wrong-ca';

export async function replaceNodeCert(opts: { fault: CertFault; ca: PemPair; index: number; certPath: string; keyPath: string; hosts?: string[] }): Promise<{ detail: string; undo: () => Promise<void> }> {
  const backups = [`${opts.certPath}.chaos-backup`, `${opts.keyPath}.chaos-backup`];
  await copyFile(opts.certPath, backups[0]!);
  await copyFile(opts.keyPath, backups[1]!);
  const spec = { role: 'node' as const, index: opts.index, ...(opts.hosts ? { hosts: opts.hosts } : {}) };
  const pair =
    opts.fault === 'cert-expired'
      ? await issueCert(opts.ca, { ...spec, expiredAt: new Date(Date.now() - 24 * 3600_000) })
      : await issueCert(await createCa({ commonName: 'chaos rogue CA' }), spec);
  await writeFile(opts.certPath, pair.certPem);
  await writeFile(opts.keyPath, pair.keyPem, { mode: 0o600 });
  return {
    detail: opts.fault === 'cert-expired' ? 'certificate expired a day ago' : 'certificate from another CA',
    undo: async () => {
      await writeFile(opts.certPath, await readFile(backups[0]!));
      await writeFile(opts.keyPath, await readFile(backups[1]!), { mode: 0o600 });
      await Promise.all(backups.map((b) => rm(b, { force: true })));
    },
  };
}
