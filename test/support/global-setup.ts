import { spawnSync } from 'node:child_process';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { Redis } from 'ioredis';
import type { TestProject } from 'vitest/node';

/** Applies migrations to the test database; afterwards removes this run's Redis keys and files. */
export default function setup(project: TestProject): () => Promise<void> {
  const env = { ...process.env, ...(project.config.env as Record<string, string>) };
  const migrate = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/migrate.ts', 'deploy'], {
    env,
    encoding: 'utf8',
  });
  if (migrate.status !== 0) throw new Error(`migrations failed:\n${migrate.stdout}\n${migrate.stderr}`);

  return async () => {
    const redis = new Redis(env.REDIS_URL ?? 'redis://127.0.0.1:6379');
    const keys = await redis.keys(`${env.REDIS_PREFIX}:*`);
    for (let i = 0; i < keys.length; i += 500) await redis.del(...keys.slice(i, i + 500));
    redis.disconnect();
    if (env.STORAGE_LOCAL_ROOT) await rm(path.dirname(env.STORAGE_LOCAL_ROOT), { recursive: true, force: true });
  };
}
