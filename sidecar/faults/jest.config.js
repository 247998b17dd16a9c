/**
 * Jest config for the fault suite (npm run test:faults). Files run one at a time (maxWorkers 1): they measure
 * latency and RSS of a real sidecar process, and two files loading the 2-core machine at once would skew both.
 */
module.exports = {
  rootDir: '../..',
  testEnvironment: 'node',
  roots: ['<rootDir>/sidecar/faults'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }] },
  globalSetup: '<rootDir>/sidecar/faults/global-setup.ts',
  globalTeardown: '<rootDir>/sidecar/faults/global-teardown.ts',
  testTimeout: 120000,
  maxWorkers: 1,
};
