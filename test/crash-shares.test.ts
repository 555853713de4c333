/**
 * Crash safety of refresh, reshare, destroy and abort: every crash point on every participant
 * (SIGKILL of a real node process; one participant per point in `npm test`, every one in
 * `npm run test:long`), then restart and `abort-op`. Outputs never change for refresh
 * and reshare, every member keeps a usable share, and every node ends in the old or the new state.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CrashHarness, FULL_CRASH_MATRIX, OPERATION_POINTS, victimsFor } from './helpers/crash-harness.js';

let h: CrashHarness;
beforeAll(async () => {
  h = await CrashHarness.start();
}, 60_000);
afterAll(async () => {
  await h?.stop();
});

describe('crash points: refresh, reshare, destroy, abort', () => {
  it('refresh: outputs and pkS never change; the epoch moves by 0 or 1 on every node together', async () => {
    const name = 'demo/refresh';
    await h.manager.createKey(name, 3, [1, 2, 3, 4, 5]);
    const out = await h.output(name);
    let [view] = await h.checkConsistent(name);
    for (const [i, point] of OPERATION_POINTS.entries()) {
      for (const victim of victimsFor(i, [1, 2, 3, 4, 5])) {
        await h.scenario(victim, point, () => h.manager.refresh(name, 1));
        await h.recover(name);
        const [after] = await h.checkConsistent(name);
        expect(after!.publicKey, `${point} on node ${victim}`).toBe(view!.publicKey);
        expect(Number(after!.epoch) - Number(view!.epoch)).toBeGreaterThanOrEqual(0);
        expect(Number(after!.epoch) - Number(view!.epoch)).toBeLessThanOrEqual(1);
        expect(await h.output(name)).toBe(out);
        view = after;
      }
    }
  }, 480_000);

  it('reshare: between {1,2,3,4,5} and {1,2,3,4,6}, joining and leaving nodes crash anywhere; outputs never change', async () => {
    const name = 'demo/reshare';
    await h.manager.createKey(name, 3, [1, 2, 3, 4, 5]);
    const out = await h.output(name);
    const sets = [[1, 2, 3, 4, 5], [1, 2, 3, 4, 6]];
    for (const [i, point] of OPERATION_POINTS.entries()) {
      for (const victim of victimsFor(i, [1, 2, 3, 4, 5, 6])) {
        const [before] = await h.checkConsistent(name);
        const target = before!.nodeIndices.includes(6) ? sets[0]! : sets[1]!;
        await h.scenario(victim, point, () => h.manager.reshare(name, 1, target, 3));
        await h.recover(name);
        const [after] = await h.checkConsistent(name);
        expect(after!.publicKey, `${point} on node ${victim}`).toBe(before!.publicKey);
        expect([before!.nodeIndices.join(), target.join()]).toContain(after!.nodeIndices.join());
        expect(await h.output(name)).toBe(out);
      }
    }
  }, 480_000);

  it('destroy: after a crash and a second destroy, the version is destroyed on every node; others untouched', async () => {
    const name = 'demo/destroy';
    await h.manager.createKey(name, 3, [1, 2, 3, 4, 5]);
    for (const [i, point] of ['destroy:before-write', 'destroy:after-write'].entries()) {
      for (const victim of victimsFor(i, [1, 2, 3, 4, 5])) {
        const rotated = await h.manager.rotate(name);
        const keep = await h.output(name, 1);
        await h.scenario(victim, point, () => h.manager.destroy(name, rotated.version));
        await h.manager.destroy(name, rotated.version);
        const views = await h.checkConsistent(name);
        expect(views.find((v) => v.version === rotated.version)!.state, `${point} on node ${victim}`).toBe('KEY_STATE_DESTROYED');
        expect(await h.output(name, 1)).toBe(keep);
        await expect(h.output(name, rotated.version)).rejects.toThrow(/destroyed/);
      }
    }
  }, 480_000);

  it('abort: a crash while an operation is being aborted leaves the old state after abort-op', async () => {
    const name = 'demo/abort';
    await h.manager.createKey(name, 3, [1, 2, 3, 4, 5]);
    const out = await h.output(name);
    for (const [i, point] of ['abort:before-write', 'abort:after-write'].entries()) {
      for (const [victim, silent] of victimsFor(i, [[1, 2], [2, 3], [3, 4], [4, 5]] as const)) {
        const [before] = await h.checkConsistent(name);
        // The dead node makes the refresh fail at prepare, so every other node aborts.
        const commitments = (await h.manager.versions(name))[0]!.commitments;
        const epoch = Number(before!.epoch);
        const old = { t: 3, nodeIndices: [1, 2, 3, 4, 5], commitments, epoch };
        await h.scenarioWithNodeDown(victim, silent, point, () =>
          h.manager.coordinator.run({ kind: 'refresh', keyName: name, version: 1, t: 3, receivers: old.nodeIndices, dealers: old.nodeIndices, epoch: epoch + 1, old }),
        );
        await h.recover(name);
        const [after] = await h.checkConsistent(name);
        expect(after!.epoch, `${point} on node ${victim}`).toBe(before!.epoch);
        expect(await h.output(name)).toBe(out);
      }
    }
    expect(h.crashes).toBeGreaterThan(0);
    // Every scenario of this file: refresh, reshare, destroy, abort.
    expect(h.scenarios).toBe(FULL_CRASH_MATRIX ? 50 + 60 + 10 + 8 : 10 + 10 + 2 + 2);
  }, 480_000);
});
