/** Jest runs TypeScript through SWC (fast, no type check); `npm run typecheck` runs tsc. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  transform: { '^.+\\.ts$': ['@swc/jest'] },
  testTimeout: 30000,
  maxWorkers: 2,
};
