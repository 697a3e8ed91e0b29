/**
 * Jest runs TypeScript through ts-jest in transpile-only mode (isolatedModules: fast, no native
 * binaries to install); `npm run typecheck` is where types are checked.
 */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  transform: { '^.+\\.ts$': ['ts-jest', { isolatedModules: true, diagnostics: false }] },
  testTimeout: 30000,
  maxWorkers: 2,
  // Debian's Chromium for the browser specs, installed where it can be (test/support/install-chromium.js).
  globalSetup: '<rootDir>/test/support/install-chromium.js',
};
