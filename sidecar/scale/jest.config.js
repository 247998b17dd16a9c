/**
 * Jest config for the scale-out suite (npm run test:scale): three sidecar processes behind nginx, as replicas
 * behind a Kubernetes Service. One file at a time: they share the machine's two cores.
 */
module.exports = {
  rootDir: '../..',
  testEnvironment: 'node',
  roots: ['<rootDir>/sidecar/scale'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }] },
  globalSetup: '<rootDir>/sidecar/scale/global-setup.ts',
  testTimeout: 120000,
  maxWorkers: 1,
};
