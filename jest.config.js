/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }],
  },
  moduleNameMapper: {
    '^workspace-mail-policy$': '<rootDir>/lib/index.ts',
  },
  maxWorkers: 2,
  // A guard against hangs, not a speed limit: some end-to-end tests drive hundreds of API calls on 2 cores.
  testTimeout: 600000,
};
