/** Jest runs the TypeScript tests through SWC: no type-check here (that is `npm run typecheck`), so a run stays fast. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/sidecar/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }] },
  testTimeout: 20000,
  maxWorkers: 2,
};
