import { defineConfig } from 'vitest/config';

/**
 * `npm test` leaves out the long tiers; `npm run test:long` (SPLITKEY_LONG_TESTS=1) runs them, and
 * with it the crash harness's full matrix. CI (.ci/run) runs both.
 */
const LONG_TIERS = ['test/chaos/ci-tier.test.ts', 'test/netns/wan-latency.test.ts'];
const long = process.env.SPLITKEY_LONG_TESTS === '1';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: long ? ['**/node_modules/**'] : ['**/node_modules/**', ...LONG_TIERS],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
