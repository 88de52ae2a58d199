import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

// graphql 16 has no exports map: Node loads its CommonJS build for Pothos and Yoga, while Vite would
// pick index.mjs for our own files. Two copies of graphql cannot share a schema, so pin Node's.
const graphqlEntry = createRequire(import.meta.url).resolve('graphql');

// Each run gets its own Redis key prefix (queues, rate limits) and storage root, so concurrent runs
// on one machine cannot take each other's jobs; global setup removes both afterwards.
const runId = `${process.pid}`;

// Tests run against real PostgreSQL and Redis, in their own database and Redis key prefix.
export default defineConfig({
  resolve: { alias: [{ find: /^graphql$/, replacement: graphqlEntry }] },
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Test files share one database; run them one at a time to keep the 2-core machine calm.
    fileParallelism: false,
    env: {
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      DATABASE_URL: process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/leap_test',
      REDIS_PREFIX: `leap-test-${runId}`,
      STORAGE_LOCAL_ROOT: `var/test-runs/${runId}/storage`,
      TEMP_DIR: `var/test-runs/${runId}/tmp`,
      JWT_SECRET: 'test-secret-that-is-long-enough-0123456789',
      // Cheaper scrypt in tests; the parameters travel with each hash, so this is the same code path.
      PASSWORD_SCRYPT_LOG_N: '12',
      RATE_LIMIT_PER_MINUTE: '100000',
      RATE_LIMIT_PER_HOUR: '1000000',
      LOGIN_MAX_FAILURES_PER_IP: '100000',
      // Worker processes started by tests serve /metrics on a free port (logged in "workers ready").
      WORKER_METRICS_PORT: '0',
    },
  },
});
