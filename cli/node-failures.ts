/** How the CLI names nodes that did not answer: every node, with its reason, in index order. */
import type { AdminClient } from '../client/admin.js';
import type { NodeFailure } from '../client/errors.js';
import { reasonOf } from '../client/evaluate.js';
import { CliError, EXIT } from './output.js';

export const describeFailures = (failures: readonly NodeFailure[]): string =>
  [...failures]
    .sort((a, b) => a.index - b.index)
    .map((f) => `node ${f.index}: ${f.reason}${f.detail && f.detail !== f.reason ? ` (${f.detail})` : ''}`)
    .join('; ');

/** The hint for a refusal of the certificate used (admin commands given a client certificate). */
function credentialHint(failures: readonly NodeFailure[], admin: boolean): string {
  if (!failures.every((f) => f.reason === 'permission denied')) return '';
  return admin
    ? ' — this command needs an admin certificate: give --admin-cert and --admin-key, or set SPLITKEY_ADMIN_CERT and SPLITKEY_ADMIN_KEY'
    : ' — check the client certificate (--cert/--cert-key or SPLITKEY_CERT/SPLITKEY_KEY) and its tenant';
}

/** Refuse when no node answered at all: the command has nothing to report. */
export function requireAnswers(answered: number, failures: readonly NodeFailure[], opts: { admin?: boolean } = {}): void {
  if (answered > 0) return;
  throw new CliError(`no node answered: ${describeFailures(failures)}${credentialHint(failures, opts.admin ?? true)}`, EXIT.failed);
}

/** Ask each node in `indices` at once; answers and failures by node index. */
export async function askNodes<T>(indices: readonly number[], call: (index: number) => Promise<T>): Promise<{ ok: Map<number, T>; failures: NodeFailure[] }> {
  const ok = new Map<number, T>();
  const failures: NodeFailure[] = [];
  await Promise.all(
    indices.map(async (index) => {
      try {
        ok.set(index, await call(index));
      } catch (e) {
        failures.push({ index, ...reasonOf(e) });
      }
    }),
  );
  return { ok, failures };
}

/** One Admin call to one node with the CLI's deadline. */
export function adminCall<Res>(admin: AdminClient, index: number, method: 'ListKeys' | 'KeyStatus', req: object, timeoutMs: number): Promise<Res> {
  return admin.channels.adminCall<Res>(index, method, req, timeoutMs).promise;
}
