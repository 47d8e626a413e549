import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // End-to-end tests start real processes and servers; two cores do not like many at once.
    maxWorkers: 3,
    // A worker runs its test files one after another in one module graph: the app's modules are imported once per
    // worker, not once per file (import was 40% of CI's test time). Safe here: no test mocks modules or stubs
    // globals; every test builds its own app, database and servers and stops them. The kit's shared offline
    // classifier (test/support/harness.ts) is trained once per worker and only read.
    isolate: false,
    // test/faults/regex-linear.test.ts collects the garbage before each timed step: with isolate off, a worker's heap
    // holds what earlier files left, and a collection of it landing in a timed step was counted as the step's CPU.
    execArgv: ['--expose-gc'],
  },
});
