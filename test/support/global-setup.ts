import { spawnSync } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { Redis } from 'ioredis';
import type { TestProject } from 'vitest/node';

/** Applies migrations to the test database and clears the test Redis keys and storage. */
export default async function setup(project: TestProject): Promise<void> {
  const env = { ...process.env, ...(project.config.env as Record<string, string>) };
  const migrate = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/migrate.ts', 'deploy'], {
    env,
    encoding: 'utf8',
  });
  if (migrate.status !== 0) throw new Error(`migrations failed:\n${migrate.stdout}\n${migrate.stderr}`);

  const redis = new Redis(env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  const keys = await redis.keys(`${env.REDIS_PREFIX}:*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
  await rm(env.STORAGE_LOCAL_ROOT ?? 'var/test-storage', { recursive: true, force: true });
}
