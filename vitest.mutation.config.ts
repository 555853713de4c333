/**
 * The pure tests only (no sockets, no files, no child processes, no worker threads): what
 * `npm run mutate` (stryker.config.mjs) runs against every mutant of crypto/.
 */
import { defineConfig } from 'vitest/config';

export const PURE_TESTS = [
  'test/rfc9497-oprf.test.ts',
  'test/group.test.ts',
  'test/bad-input.test.ts',
  'test/bytes.test.ts',
  'test/dleq.test.ts',
  'test/oprf.test.ts',
  'test/shamir.test.ts',
  'test/threshold.test.ts',
  'test/threshold.property.test.ts',
  'test/resource-key.test.ts',
  'test/envelope.test.ts',
  'test/envelope-refusals.test.ts',
  'test/lifecycle.test.ts',
  'test/records.test.ts',
  'test/dealing.test.ts',
  'test/lifecycle-checks.test.ts',
];

export default defineConfig({
  test: {
    include: PURE_TESTS,
    testTimeout: 60_000,
    // The threshold property runs 1,000 cases in `npm test`; a few dozen per mutant here.
    env: { SPLITKEY_PROPERTY_RUNS: process.env.SPLITKEY_PROPERTY_RUNS ?? '40' },
  },
});
