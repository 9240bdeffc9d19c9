/** Unit tests run without any server; integration tests share one DynamoDB Local started in globalSetup. */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const transform = { '^.+\\.(t|j)sx?$': ['@swc/jest', { jsc: { target: 'es2022' } }] };
// middy 6 is ESM-only; jest (CommonJS on Node 20) needs it transformed like our own code.
const transformIgnorePatterns = ['/node_modules/(?!@middy/)'];
module.exports = {
  // Jest 30 reads testTimeout only at the top level; unit tests finish far below it.
  testTimeout: 60000,
  // At least two workers: jest's default (cores − 1) is one on a 2-core machine, and most tests wait on
  // DynamoDB Local, SMTP servers and Chromium rather than compute (the whole suite 688 s → 419 s here).
  maxWorkers: Math.max(2, require('node:os').availableParallelism() - 1),
  projects: [
    {
      displayName: 'unit',
      testMatch: ['<rootDir>/test/unit/**/*.test.ts'],
      transform,
      transformIgnorePatterns,
      testEnvironment: 'node',
    },
    {
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
      transform,
      transformIgnorePatterns,
      testEnvironment: 'node',
      globalSetup: '<rootDir>/test/integration/global-setup.ts',
      globalTeardown: '<rootDir>/test/integration/global-teardown.ts',
    },
  ],
};
