import { z } from 'zod';

// The only module that reads process.env. Everything else imports `config`.

const seconds = (fallback: number) => z.coerce.number().int().positive().default(fallback);
const bool = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0'])
    .default(fallback ? 'true' : 'false')
    .transform((v) => v === 'true' || v === '1');

const DEV_JWT_SECRET = 'leap-development-secret-change-me-0123456789';

const envSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    HOST: z.string().default('127.0.0.1'),
    PORT: z.coerce.number().int().min(0).max(65535).default(4000),
    PUBLIC_URL: z.url().optional(),
    GRAPHIQL: bool(true),

    DATABASE_URL: z.string().default('postgresql://postgres@127.0.0.1:5432/leap'),
    REDIS_URL: z.string().default('redis://127.0.0.1:6379'),
    /** Prefix for every Redis key and BullMQ queue, so several installations (or test runs) can share one Redis. */
    REDIS_PREFIX: z.string().default('leap'),

    STORAGE_LOCAL_ROOT: z.string().default('var/storage'),

    /** Jobs each worker process runs at once, per queue. */
    WORKER_CONCURRENCY_INGEST: seconds(4),
    WORKER_CONCURRENCY_MEDIA: seconds(1),
    WORKER_CONCURRENCY_AI: seconds(4),
    WORKER_CONCURRENCY_PUBLISH: seconds(4),
    WORKER_CONCURRENCY_MAINTENANCE: seconds(1),
    /** Revoked or expired sessions are kept this long for the sessions list and audits, then purged. */
    SESSION_RETENTION_DAYS: seconds(30),

    JWT_SECRET: z.string().min(32, 'JWT_SECRET must be at least 32 characters').default(DEV_JWT_SECRET),
    JWT_ISSUER: z.string().default('leap'),
    ACCESS_TOKEN_TTL_SECONDS: seconds(15 * 60),
    REFRESH_TOKEN_TTL_SECONDS: seconds(30 * 24 * 3600),

    /** scrypt cost as log2(N); stored with every hash, so raising it later keeps old passwords valid. */
    PASSWORD_SCRYPT_LOG_N: z.coerce.number().int().min(10).max(20).default(15),
    /** Login throttling: failed attempts allowed per account and per IP within the window. */
    LOGIN_MAX_FAILURES_PER_ACCOUNT: seconds(5),
    LOGIN_MAX_FAILURES_PER_IP: seconds(20),
    LOGIN_FAILURE_WINDOW_SECONDS: seconds(15 * 60),

    /** API rate limits per user (authenticated) or per IP (anonymous). */
    RATE_LIMIT_PER_MINUTE: seconds(60),
    RATE_LIMIT_PER_HOUR: seconds(1000),

    GRAPHQL_MAX_DEPTH: seconds(12),
    GRAPHQL_MAX_COMPLEXITY: seconds(2000),
    GRAPHQL_MAX_BREADTH: seconds(200),
    GRAPHQL_MAX_ALIASES: seconds(30),
  })
  .superRefine((env, ctx) => {
    if (env.NODE_ENV === 'production' && env.JWT_SECRET === DEV_JWT_SECRET) {
      ctx.addIssue({ code: 'custom', path: ['JWT_SECRET'], message: 'set a real JWT_SECRET in production' });
    }
  });

export type Env = z.infer<typeof envSchema>;

export function loadConfig(env: NodeJS.ProcessEnv = process.env) {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n');
    throw new Error(`Invalid configuration:\n${problems}`);
  }
  const e = parsed.data;
  return {
    env: e.NODE_ENV,
    isProduction: e.NODE_ENV === 'production',
    logLevel: e.LOG_LEVEL,
    http: { host: e.HOST, port: e.PORT, publicUrl: e.PUBLIC_URL, graphiql: e.GRAPHIQL },
    databaseUrl: e.DATABASE_URL,
    redis: { url: e.REDIS_URL, prefix: e.REDIS_PREFIX },
    storage: { localRoot: e.STORAGE_LOCAL_ROOT },
    workers: {
      concurrency: {
        ingest: e.WORKER_CONCURRENCY_INGEST,
        media: e.WORKER_CONCURRENCY_MEDIA,
        ai: e.WORKER_CONCURRENCY_AI,
        publish: e.WORKER_CONCURRENCY_PUBLISH,
        maintenance: e.WORKER_CONCURRENCY_MAINTENANCE,
      },
    },
    auth: {
      jwtSecret: new TextEncoder().encode(e.JWT_SECRET),
      issuer: e.JWT_ISSUER,
      accessTtlSeconds: e.ACCESS_TOKEN_TTL_SECONDS,
      refreshTtlSeconds: e.REFRESH_TOKEN_TTL_SECONDS,
      scryptLogN: e.PASSWORD_SCRYPT_LOG_N,
      sessionRetentionDays: e.SESSION_RETENTION_DAYS,
      loginMaxFailuresPerAccount: e.LOGIN_MAX_FAILURES_PER_ACCOUNT,
      loginMaxFailuresPerIp: e.LOGIN_MAX_FAILURES_PER_IP,
      loginFailureWindowSeconds: e.LOGIN_FAILURE_WINDOW_SECONDS,
    },
    rateLimit: { perMinute: e.RATE_LIMIT_PER_MINUTE, perHour: e.RATE_LIMIT_PER_HOUR },
    graphqlLimits: {
      maxDepth: e.GRAPHQL_MAX_DEPTH,
      maxComplexity: e.GRAPHQL_MAX_COMPLEXITY,
      maxBreadth: e.GRAPHQL_MAX_BREADTH,
      maxAliases: e.GRAPHQL_MAX_ALIASES,
    },
  } as const;
}

export type Config = ReturnType<typeof loadConfig>;

export const config: Config = loadConfig();
