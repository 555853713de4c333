/**
 * Scheduled proactive refresh (node config `refreshSchedule`): the node that carries the section
 * also runs a coordinator, with the admin certificate from its config, that refreshes every live
 * version of every key on this node every `intervalMinutes`. Runs never overlap; a failed refresh
 * is logged and retried at the next tick (the old shares stay in force, see client/lifecycle.ts).
 */
import { AdminClient } from '../client/admin.js';
import { NodeChannels, readTlsFiles } from '../client/channels.js';
import { loadDescriptor } from '../client/descriptor.js';
import { KeyManager } from '../client/key-manager.js';
import type { NodeConfig } from '../node/config.js';
import type { Logger } from '../node/log.js';

/** One pass: refresh every live version of every key this node holds. */
export async function refreshAll(manager: KeyManager, nodeIndex: number, log: Logger): Promise<{ refreshed: string[]; failed: string[] }> {
  const refreshed: string[] = [];
  const failed: string[] = [];
  const keys = await manager.admin.listKeys(nodeIndex);
  for (const { keyName } of keys.keys) {
    for (const version of await manager.liveVersions(keyName)) {
      try {
        const r = await manager.refresh(keyName, version);
        refreshed.push(`${keyName}@${version}`);
        log.info({ key: keyName, version, epoch: r.epoch, session: r.sessionId }, 'scheduled refresh committed');
      } catch (e) {
        failed.push(`${keyName}@${version}`);
        log.error({ key: keyName, version, err: (e as Error).message }, 'scheduled refresh failed; old shares stay in force');
      }
    }
  }
  return { refreshed, failed };
}

/**
 * Start the timer; returns a function that stops it. Each pass reads the descriptor, the CA
 * bundle and the admin certificate afresh, so a renewed certificate or a CA rollover (README
 * "Certificate renewal and CA rollover") needs no restart here either.
 */
export async function startRefreshScheduler(config: NodeConfig, log: Logger): Promise<() => void> {
  const schedule = config.refreshSchedule!;
  const pass = async () => {
    const descriptor = await loadDescriptor(schedule.cluster);
    const admin = new AdminClient(new NodeChannels(descriptor, await readTlsFiles({ ca: config.tls!.ca, cert: schedule.adminCert, key: schedule.adminKey })));
    try {
      await refreshAll(await KeyManager.create(admin), config.index, log);
    } finally {
      admin.close();
    }
  };
  // The files must be readable now: a broken schedule is reported at start, not a day later.
  await loadDescriptor(schedule.cluster);
  await readTlsFiles({ ca: config.tls!.ca, cert: schedule.adminCert, key: schedule.adminKey });
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    pass()
      .catch((e: Error) => log.error({ err: e.message }, 'scheduled refresh pass failed; old shares stay in force'))
      .finally(() => (running = false));
  }, schedule.intervalMinutes * 60_000);
  timer.unref();
  log.info({ everyMinutes: schedule.intervalMinutes }, 'refresh schedule active on this node');
  return () => clearInterval(timer);
}
