/**
 * Crash safety of key creation and rotation (DKG): every crash point on every participant
 * (SIGKILL of a real node process; one participant per point in `npm test`, every one in
 * `npm run test:long`), then restart and `abort-op`. The key either does not exist
 * anywhere or exists whole on every node; rotation leaves the old version untouched.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CrashHarness, OPERATION_POINTS, victimsFor } from './helpers/crash-harness.js';

let h: CrashHarness;
beforeAll(async () => {
  h = await CrashHarness.start();
}, 60_000);
afterAll(async () => {
  await h?.stop();
});

describe('crash points: DKG create and rotate', () => {
  it('create: the key exists on all five nodes or on none, and derives consistently', async () => {
    let n = 0;
    let created = 0;
    for (const [i, point] of OPERATION_POINTS.entries()) {
      for (const victim of victimsFor(i, [1, 2, 3, 4, 5])) {
        const name = `demo/dkg-${n++}`;
        await h.scenario(victim, point, () => h.manager.createKey(name, 3, [1, 2, 3, 4, 5]));
        await h.recover(name);
        const versions = await h.checkConsistent(name);
        expect(versions.length, `${point} on node ${victim}`).toBeLessThanOrEqual(1);
        if (versions.length === 1) {
          created++;
          expect(versions[0]!.nodeIndices).toEqual([1, 2, 3, 4, 5]);
          expect(await h.output(name)).toMatch(/^[0-9a-f]{128}$/);
        }
      }
    }
    // Crashes before commit abort; crashes at commit roll forward.
    expect(created).toBeGreaterThan(0);
    expect(created).toBeLessThan(n);
  }, 480_000);

  it('rotate: version 1 keeps its outputs; version 2 is whole everywhere or absent', async () => {
    const name = 'demo/rotate';
    await h.manager.createKey(name, 3, [1, 2, 3, 4, 5]);
    const v1 = await h.output(name, 1);
    for (const [i, point] of OPERATION_POINTS.entries()) {
      for (const victim of victimsFor(i, [1, 2, 3, 4, 5])) {
        const before = (await h.checkConsistent(name)).length;
        await h.scenario(victim, point, () => h.manager.rotate(name));
        await h.recover(name);
        const versions = await h.checkConsistent(name);
        expect(versions.length - before, `${point} on node ${victim}`).toBeGreaterThanOrEqual(0);
        expect(versions.length - before).toBeLessThanOrEqual(1);
        expect(versions.filter((v) => v.state === 'KEY_STATE_ACTIVE')).toHaveLength(1);
        expect(await h.output(name, 1)).toBe(v1);
      }
    }
    expect(h.crashes).toBeGreaterThan(0);
  }, 480_000);
});
