/**
 * Mutation testing of crypto/ against the pure tests (`npm run mutate`; not part of `npm test`).
 * The tests import the TypeScript sources (../crypto/index.js → crypto/*.ts through vitest), so
 * those are what is mutated. One file while iterating: `npm run mutate -- --mutate crypto/dleq.ts`.
 */
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutation.config.ts', related: false },
  mutate: ['crypto/**/*.ts', '!crypto/index.ts'],
  coverageAnalysis: 'perTest',
  // Mutants reached only while test files load (constants, the sodium backend's construction)
  // would each need a full run of every test; they are reported as Ignored. Mutants reached both
  // at load and inside tests run against the tests that reach them.
  ignoreStatic: true,
  concurrency: 2,
  timeoutMS: 20_000,
  reporters: ['clear-text', 'progress-append-only', 'json', 'html'],
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  clearTextReporter: { allowColor: false, logTests: false, maxTestsToLog: 0 },
  tempDirName: '.stryker-tmp',
  cleanTempDir: true,
  ignorePatterns: ['dist', 'reports', 'bench/results', '.tmp'],
};
