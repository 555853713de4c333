/**
 * Crash safety of a witness (the descriptor policy `lifecycleQuorum`, docs/fork-prevention.md):
 * a refresh of a 2-of-3 version in a 6-node cluster with minThreshold 2 needs ⌈(6 + 2)/2⌉ = 4
 * participants, so the operator's tooling adds one witness. The witness is SIGKILLed at every
 * crash point (a real node process), then restarted, and `abort-op` runs. Outputs never change,
 * the epoch moves by 0 or 1 on every holder together, no node is left with a pending session,
 * and the witness never holds anything of the version.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CrashHarness, OPERATION_POINTS } from './helpers/crash-harness.js';
import { GrpcLifecycleTransport } from '../client/lifecycle-grpc.js';

let h: CrashHarness;
beforeAll(async () => {
  h = await CrashHarness.start({ nodes: 6, threshold: 2, lifecycleQuorum: true });
}, 60_000);
afterAll(async () => {
  await h?.stop();
});

describe('crash points on a witness', () => {
  it('refresh with a witness: the witness crashes anywhere; outputs never change and it never holds the version', async () => {
    const name = 'demo/witnessed';
    await h.manager.createKey(name, 2, [1, 2, 3]);
    const out = await h.output(name);
    let [view] = await h.checkConsistent(name);
    let crashed = 0;
    for (const point of OPERATION_POINTS) {
      // The tooling picks the first reachable node outside {1,2,3}: node 4.
      const r = await h.scenario(4, point, () => h.manager.refresh(name, 1));
      if (r.crashed) crashed++;
      await h.recover(name);
      const [after] = await h.checkConsistent(name);
      expect(after!.publicKey, `${point} on the witness`).toBe(view!.publicKey);
      expect(after!.nodeIndices).toEqual([1, 2, 3]);
      expect(Number(after!.epoch) - Number(view!.epoch), point).toBeGreaterThanOrEqual(0);
      expect(Number(after!.epoch) - Number(view!.epoch), point).toBeLessThanOrEqual(1);
      expect(await h.output(name), point).toBe(out);
      const status = await new GrpcLifecycleTransport(h.admin.channels).status(4, name);
      expect(status.sessionId, `${point}: the witness still has a session pending`).toBe('');
      view = after;
    }
    // The witness takes part in prepare, finalize and commit: those points fire on it (deal and
    // deliver points belong to dealers and receivers).
    expect(crashed).toBe(OPERATION_POINTS.filter((p) => !/^(deal|deliver):/.test(p)).length);
    // Once every crash is behind it, the refresh goes through with the witness.
    const final = await h.manager.refresh(name, 1);
    expect(final.epoch).toBe(Number(view!.epoch) + 1);
    expect(await h.output(name)).toBe(out);
  }, 300_000);
});
