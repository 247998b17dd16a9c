/** Jest config for the end-to-end suite (npm run test:e2e): one stack for all files, files run one at a time. */
module.exports = {
  rootDir: '../..',
  testEnvironment: 'node',
  roots: ['<rootDir>/sidecar/e2e'],
  testMatch: ['**/*.e2e.test.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }] },
  globalSetup: '<rootDir>/sidecar/e2e/global-setup.ts',
  globalTeardown: '<rootDir>/sidecar/e2e/global-teardown.ts',
  testTimeout: 30000,
  maxWorkers: 1,
};
