import { z } from 'zod';
import { pipelineRetry } from './jobs/retry-policy.js';

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
    /** `local` keeps files under STORAGE_LOCAL_ROOT; `s3` uses any S3-compatible service (same keys). */
    STORAGE_BACKEND: z.enum(['local', 's3']).default('local'),
    /** HMAC key of the API's own signed file URLs (LOCAL backend); derived from JWT_SECRET when unset. */
    STORAGE_SIGNING_KEY: z.string().min(32).optional(),
    /** Lifetime of download URLs (S3 presigned or LOCAL signed); S3 allows at most 7 days. */
    STORAGE_URL_TTL_SECONDS: z.coerce.number().int().min(1).max(7 * 24 * 3600).default(3600),
    S3_ENDPOINT: z.url().optional(),
    S3_REGION: z.string().default('us-east-1'),
    S3_BUCKET: z.string().optional(),
    S3_ACCESS_KEY_ID: z.string().optional(),
    S3_SECRET_ACCESS_KEY: z.string().optional(),
    /** Path-style URLs (`endpoint/bucket/key`), needed by MinIO and most self-hosted S3 servers. */
    S3_FORCE_PATH_STYLE: bool(false),
    /** Multipart upload part size (S3's minimum is 5 MiB) and parts in flight per upload. */
    S3_PART_SIZE_MB: z.coerce.number().int().min(5).max(5120).default(16),
    S3_UPLOAD_CONCURRENCY: seconds(4),

    /** Largest accepted upload; the rest of a bigger request is discarded unread. */
    UPLOAD_MAX_BYTES: z.coerce.number().int().positive().default(8 * 1024 ** 3),
    /** Thumbnails (PNG/JPEG): largest file (YouTube's limit is 2 MB) and the pixel bounds. */
    THUMBNAIL_MAX_BYTES: z.coerce.number().int().positive().default(2 * 1024 * 1024),
    THUMBNAIL_MIN_WIDTH: seconds(16),
    THUMBNAIL_MIN_HEIGHT: seconds(16),
    THUMBNAIL_MAX_WIDTH: seconds(4096),
    THUMBNAIL_MAX_HEIGHT: seconds(4096),
    /** Public share links: lifetime when none is asked for, and the longest allowed. */
    SHARE_DEFAULT_DAYS: seconds(30),
    SHARE_MAX_DAYS: seconds(365),
    /** Most recordings one export may hold. */
    EXPORT_MAX_ROWS: seconds(2000),
    /** Export files are deleted this long after they were made (maintenance.purge-exports, hourly). */
    EXPORT_RETENTION_HOURS: seconds(24),
    /** Scratch space for uploads being received and media being processed. */
    TEMP_DIR: z.string().default('var/tmp'),
    FFMPEG_PATH: z.string().default('ffmpeg'),
    FFPROBE_PATH: z.string().default('ffprobe'),
    /** x264 settings used when a trim has to re-encode (pause removal). */
    MEDIA_X264_PRESET: z
      .enum(['ultrafast', 'superfast', 'veryfast', 'faster', 'fast', 'medium', 'slow'])
      .default('veryfast'),
    MEDIA_X264_CRF: z.coerce.number().int().min(0).max(51).default(23),

    /** Jobs each worker process runs at once, per queue. */
    WORKER_CONCURRENCY_INGEST: seconds(4),
    WORKER_CONCURRENCY_MEDIA: seconds(1),
    WORKER_CONCURRENCY_AI: seconds(4),
    WORKER_CONCURRENCY_PUBLISH: seconds(4),
    WORKER_CONCURRENCY_MAINTENANCE: seconds(1),
    WORKER_CONCURRENCY_AUTOMATION: seconds(1),
    /**
     * Per-stage retry policy as `stage=attempts:backoffMs` pairs, e.g. `download=4:600000,trim=3:180000`;
     * stages not named keep the defaults of inventory §2.2 (see pipelineRetry below).
     */
    PIPELINE_RETRY: z.string().default(''),
    /** Each worker process serves its own Prometheus /metrics here (0: any free port, logged at start). */
    WORKER_METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(9464),
    WORKER_METRICS_HOST: z.string().default('127.0.0.1'),
    /** When set, /metrics (API and workers) wants `Authorization: Bearer <token>`. */
    METRICS_TOKEN: z.string().min(16).optional(),
    /** A worker that stops renewing a job's lock for this long is taken as dead; its job is run again. */
    WORKER_LOCK_DURATION_MS: z.coerce.number().int().min(1000).default(30_000),
    /** How often workers look for such stalled jobs. */
    WORKER_STALLED_INTERVAL_MS: z.coerce.number().int().min(1000).default(30_000),
    /** Revoked or expired sessions are kept this long for the sessions list and audits, then purged. */
    SESSION_RETENTION_DAYS: seconds(30),
    /** Recordings expire (are soft-deleted) this many days after creation unless the tenant's plan says otherwise. */
    RETENTION_DAYS: seconds(90),
    /** A soft-deleted recording can be restored for this many days; then its files and row are removed. */
    RESTORE_WINDOW_DAYS: seconds(7),
    /** Files under TEMP_DIR untouched for this many hours are swept (abandoned uploads, downloads, media work). */
    TEMP_SWEEP_HOURS: seconds(6),

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

    /** Provider endpoints of the ingest adapters (tests point them at local servers). */
    ZOOM_API_BASE_URL: z.url().default('https://api.zoom.us/v2'),
    ZOOM_OAUTH_BASE_URL: z.url().default('https://zoom.us'),
    YANDEX_DISK_API_BASE_URL: z.url().default('https://cloud-api.yandex.net/v1/disk'),
    YTDLP_PATH: z.string().default('yt-dlp'),
    /** Metadata probe (`yt-dlp -J`) time limit; downloads are limited by INGEST_IDLE_TIMEOUT_SECONDS. */
    YTDLP_PROBE_TIMEOUT_SECONDS: seconds(60),
    /**
     * Hosts that URL ingest may reach even though they resolve to private or loopback addresses
     * (comma-separated, exact host names). Empty in production; tests list their local server.
     */
    URL_INGEST_ALLOW_HOSTS: z.string().default(''),
    /** A download that receives nothing for this long is aborted (and retried by the pipeline). */
    INGEST_IDLE_TIMEOUT_SECONDS: seconds(60),
    /** Blank-record rule of Zoom sync: shorter or smaller recordings are skipped and hidden. */
    BLANK_MIN_DURATION_SECONDS: z.coerce.number().int().min(0).default(20 * 60),
    BLANK_MIN_SIZE_MB: z.coerce.number().min(0).default(25),
    /**
     * Platform-wide AI endpoints (any OpenAI-compatible API). Without an API key the offline `local`
     * providers are used (docs/ai.md). Tenants' own credentials take precedence once the vault exists.
     */
    TRANSCRIPTION_PROVIDER: z.string().min(1).default('openai'),
    TRANSCRIPTION_BASE_URL: z.url().optional(),
    TRANSCRIPTION_API_KEY: z.string().min(1).optional(),
    TRANSCRIPTION_MODEL: z.string().min(1).optional(),
    /** Largest audio file sent in one request; bigger audio is split at silences. Default per provider. */
    TRANSCRIPTION_MAX_UPLOAD_MB: z.coerce.number().positive().optional(),
    /** Chunks of one recording transcribed at once. */
    TRANSCRIPTION_CONCURRENCY: seconds(3),
    LLM_PROVIDER: z.string().min(1).default('deepseek'),
    LLM_BASE_URL: z.url().default('https://api.deepseek.com'),
    LLM_API_KEY: z.string().min(1).optional(),
    LLM_MODEL: z.string().min(1).default('deepseek-chat'),
    /** Per request; SDK retries (with backoff, honouring Retry-After) come on top. */
    AI_REQUEST_TIMEOUT_SECONDS: seconds(600),
    AI_MAX_RETRIES: z.coerce.number().int().min(0).max(10).default(3),
    /** The offline English recogniser (Debian packages pocketsphinx + pocketsphinx-en-us). */
    POCKETSPHINX_PATH: z.string().default('pocketsphinx_continuous'),
    POCKETSPHINX_MODEL_DIR: z.string().default('/usr/share/pocketsphinx/model/en-us'),
    /**
     * Credential encryption key ring: `version:base64(32 bytes)` pairs, comma separated. Required in
     * production; development and test derive version 1 from JWT_SECRET when unset.
     */
    CREDENTIALS_KEYS: z.string().optional(),
    /** Key version new and rotated secrets are sealed with; the highest configured one when unset. */
    CREDENTIALS_ACTIVE_KEY_VERSION: z.coerce.number().int().positive().optional(),
    /** OAuth state lifetime (single use, bound to user and workspace). */
    OAUTH_STATE_TTL_SECONDS: seconds(600),
    /** Where the browser is sent after the OAuth callback (`?oauth_success=true&platform=…` or `?oauth_error=…`); JSON when unset. */
    OAUTH_RESULT_URL: z.url().optional(),
    /** Access tokens this close to expiry are refreshed before use. */
    OAUTH_REFRESH_MARGIN_SECONDS: seconds(300),
    /** Installation-wide OAuth apps (a workspace may bring its own client instead). */
    GOOGLE_CLIENT_ID: z.string().optional(),
    GOOGLE_CLIENT_SECRET: z.string().optional(),
    GOOGLE_AUTH_URL: z.url().default('https://accounts.google.com/o/oauth2/v2/auth'),
    GOOGLE_TOKEN_URL: z.url().default('https://oauth2.googleapis.com/token'),
    GOOGLE_USERINFO_URL: z.url().default('https://openidconnect.googleapis.com/v1/userinfo'),
    /** Root of the Google APIs (YouTube Data API and its upload endpoint live under it). */
    YOUTUBE_API_ROOT: z.url().default('https://youtube.googleapis.com/'),
    /** Daily YouTube Data API units per Google Cloud project (OAuth client); 10 000 by default. */
    YOUTUBE_DAILY_QUOTA_UNITS: seconds(10_000),
    /** Bytes per resumable upload request (a multiple of 256 KiB). */
    YOUTUBE_UPLOAD_CHUNK_BYTES: z.coerce.number().int().positive().multipleOf(256 * 1024).default(8 * 1024 * 1024),
    /** Root of the Google Drive API v3 (metadata under drive/v3, uploads under upload/drive/v3). */
    GOOGLE_DRIVE_API_ROOT: z.url().default('https://www.googleapis.com/'),
    /** Bytes per resumable Drive upload request (a multiple of 256 KiB). */
    GOOGLE_DRIVE_UPLOAD_CHUNK_BYTES: z.coerce.number().int().positive().multipleOf(256 * 1024).default(8 * 1024 * 1024),
    VK_CLIENT_ID: z.string().optional(),
    VK_AUTH_URL: z.url().default('https://id.vk.ru/authorize'),
    VK_TOKEN_URL: z.url().default('https://id.vk.ru/oauth2/auth'),
    VK_USERINFO_URL: z.url().default('https://id.vk.ru/oauth2/user_info'),
    VK_API_URL: z.url().default('https://api.vk.ru/method/'),
    VK_API_VERSION: z.string().default('5.131'),
    ZOOM_CLIENT_ID: z.string().optional(),
    ZOOM_CLIENT_SECRET: z.string().optional(),
    ZOOM_AUTH_URL: z.url().default('https://zoom.us/oauth/authorize'),
    ZOOM_TOKEN_URL: z.url().default('https://zoom.us/oauth/token'),
    YANDEX_CLIENT_ID: z.string().optional(),
    YANDEX_CLIENT_SECRET: z.string().optional(),
    YANDEX_AUTH_URL: z.url().default('https://oauth.yandex.ru/authorize'),
    YANDEX_TOKEN_URL: z.url().default('https://oauth.yandex.ru/token'),
    YANDEX_USERINFO_URL: z.url().default('https://login.yandex.ru/info'),

    GRAPHQL_MAX_DEPTH: seconds(12),
    GRAPHQL_MAX_COMPLEXITY: seconds(2000),
    GRAPHQL_MAX_BREADTH: seconds(200),
    GRAPHQL_MAX_ALIASES: seconds(30),
  })
  .superRefine((env, ctx) => {
    if (env.NODE_ENV === 'production' && env.JWT_SECRET === DEV_JWT_SECRET) {
      ctx.addIssue({ code: 'custom', path: ['JWT_SECRET'], message: 'set a real JWT_SECRET in production' });
    }
    if (env.NODE_ENV === 'production' && !env.CREDENTIALS_KEYS) {
      ctx.addIssue({ code: 'custom', path: ['CREDENTIALS_KEYS'], message: 'set CREDENTIALS_KEYS (version:base64 32-byte keys) in production' });
    }
    if (env.STORAGE_BACKEND === 's3' && !env.S3_BUCKET) {
      ctx.addIssue({ code: 'custom', path: ['S3_BUCKET'], message: 'S3_BUCKET is required when STORAGE_BACKEND=s3' });
    }
  });

export type Env = z.infer<typeof envSchema>;

/** Base URLs that relative paths resolve against need their trailing slash. */
const withSlash = (url: string) => (url.endsWith('/') ? url : `${url}/`);

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
    storage: {
      backend: e.STORAGE_BACKEND,
      localRoot: e.STORAGE_LOCAL_ROOT,
      signingKey: e.STORAGE_SIGNING_KEY ?? null,
      urlTtlSeconds: e.STORAGE_URL_TTL_SECONDS,
      s3: {
        endpoint: e.S3_ENDPOINT,
        region: e.S3_REGION,
        bucket: e.S3_BUCKET ?? '',
        accessKeyId: e.S3_ACCESS_KEY_ID,
        secretAccessKey: e.S3_SECRET_ACCESS_KEY,
        forcePathStyle: e.S3_FORCE_PATH_STYLE,
        partSizeBytes: e.S3_PART_SIZE_MB * 1024 * 1024,
        uploadConcurrency: e.S3_UPLOAD_CONCURRENCY,
      },
    },
    uploads: { maxBytes: e.UPLOAD_MAX_BYTES },
    thumbnails: {
      maxBytes: e.THUMBNAIL_MAX_BYTES,
      minWidth: e.THUMBNAIL_MIN_WIDTH,
      minHeight: e.THUMBNAIL_MIN_HEIGHT,
      maxWidth: e.THUMBNAIL_MAX_WIDTH,
      maxHeight: e.THUMBNAIL_MAX_HEIGHT,
    },
    sharing: { defaultDays: e.SHARE_DEFAULT_DAYS, maxDays: e.SHARE_MAX_DAYS },
    exports: { maxRows: e.EXPORT_MAX_ROWS, retentionHours: e.EXPORT_RETENTION_HOURS },
    retention: { days: e.RETENTION_DAYS, restoreWindowDays: e.RESTORE_WINDOW_DAYS, tempSweepHours: e.TEMP_SWEEP_HOURS },
    media: {
      tempDir: e.TEMP_DIR,
      ffmpegPath: e.FFMPEG_PATH,
      ffprobePath: e.FFPROBE_PATH,
      x264Preset: e.MEDIA_X264_PRESET,
      x264Crf: e.MEDIA_X264_CRF,
    },
    pipeline: { retry: pipelineRetry(e.PIPELINE_RETRY) },
    metrics: { workerPort: e.WORKER_METRICS_PORT, workerHost: e.WORKER_METRICS_HOST, token: e.METRICS_TOKEN ?? null },
    workers: {
      lockDurationMs: e.WORKER_LOCK_DURATION_MS,
      stalledIntervalMs: e.WORKER_STALLED_INTERVAL_MS,
      concurrency: {
        ingest: e.WORKER_CONCURRENCY_INGEST,
        media: e.WORKER_CONCURRENCY_MEDIA,
        ai: e.WORKER_CONCURRENCY_AI,
        publish: e.WORKER_CONCURRENCY_PUBLISH,
        maintenance: e.WORKER_CONCURRENCY_MAINTENANCE,
        automation: e.WORKER_CONCURRENCY_AUTOMATION,
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
    ingest: {
      zoomApiBaseUrl: e.ZOOM_API_BASE_URL,
      zoomOAuthBaseUrl: e.ZOOM_OAUTH_BASE_URL,
      yandexDiskApiBaseUrl: e.YANDEX_DISK_API_BASE_URL,
      googleDriveApiRoot: withSlash(e.GOOGLE_DRIVE_API_ROOT),
      ytDlpPath: e.YTDLP_PATH,
      ytDlpProbeTimeoutMs: e.YTDLP_PROBE_TIMEOUT_SECONDS * 1000,
      urlAllowHosts: e.URL_INGEST_ALLOW_HOSTS.split(',').map((h) => h.trim().toLowerCase()).filter(Boolean),
      idleTimeoutMs: e.INGEST_IDLE_TIMEOUT_SECONDS * 1000,
      blank: { minDurationSec: e.BLANK_MIN_DURATION_SECONDS, minSizeBytes: Math.round(e.BLANK_MIN_SIZE_MB * 1024 * 1024) },
    },
    ai: {
      transcription: {
        provider: e.TRANSCRIPTION_PROVIDER,
        baseUrl: e.TRANSCRIPTION_BASE_URL ?? null,
        apiKey: e.TRANSCRIPTION_API_KEY ?? null,
        model: e.TRANSCRIPTION_MODEL ?? null,
        maxUploadBytes: e.TRANSCRIPTION_MAX_UPLOAD_MB === undefined ? null : Math.floor(e.TRANSCRIPTION_MAX_UPLOAD_MB * 1024 * 1024),
        concurrency: e.TRANSCRIPTION_CONCURRENCY,
      },
      llm: { provider: e.LLM_PROVIDER, baseUrl: e.LLM_BASE_URL, apiKey: e.LLM_API_KEY ?? null, model: e.LLM_MODEL },
      requestTimeoutMs: e.AI_REQUEST_TIMEOUT_SECONDS * 1000,
      maxRetries: e.AI_MAX_RETRIES,
      pocketsphinx: { path: e.POCKETSPHINX_PATH, modelDir: e.POCKETSPHINX_MODEL_DIR },
    },
    credentials: {
      keys: e.CREDENTIALS_KEYS ?? null,
      activeKeyVersion: e.CREDENTIALS_ACTIVE_KEY_VERSION ?? null,
      /** Only outside production: the key ring derived from JWT_SECRET when no keys are configured. */
      derivedKeySource: e.NODE_ENV === 'production' ? null : e.JWT_SECRET,
    },
    oauth: {
      stateTtlSeconds: e.OAUTH_STATE_TTL_SECONDS,
      resultUrl: e.OAUTH_RESULT_URL ?? null,
      refreshMarginSeconds: e.OAUTH_REFRESH_MARGIN_SECONDS,
      google: {
        clientId: e.GOOGLE_CLIENT_ID ?? null,
        clientSecret: e.GOOGLE_CLIENT_SECRET ?? null,
        authUrl: e.GOOGLE_AUTH_URL,
        tokenUrl: e.GOOGLE_TOKEN_URL,
        userinfoUrl: e.GOOGLE_USERINFO_URL,
      },
      vk: { clientId: e.VK_CLIENT_ID ?? null, clientSecret: null as string | null, authUrl: e.VK_AUTH_URL, tokenUrl: e.VK_TOKEN_URL, userinfoUrl: e.VK_USERINFO_URL },
      zoom: {
        clientId: e.ZOOM_CLIENT_ID ?? null,
        clientSecret: e.ZOOM_CLIENT_SECRET ?? null,
        authUrl: e.ZOOM_AUTH_URL,
        tokenUrl: e.ZOOM_TOKEN_URL,
        userinfoUrl: new URL('users/me', withSlash(e.ZOOM_API_BASE_URL)).toString(),
      },
      yandex: {
        clientId: e.YANDEX_CLIENT_ID ?? null,
        clientSecret: e.YANDEX_CLIENT_SECRET ?? null,
        authUrl: e.YANDEX_AUTH_URL,
        tokenUrl: e.YANDEX_TOKEN_URL,
        userinfoUrl: e.YANDEX_USERINFO_URL,
      },
    },
    platforms: {
      youtube: { apiRoot: e.YOUTUBE_API_ROOT, dailyQuotaUnits: e.YOUTUBE_DAILY_QUOTA_UNITS, chunkBytes: e.YOUTUBE_UPLOAD_CHUNK_BYTES },
      vk: { apiUrl: e.VK_API_URL, apiVersion: e.VK_API_VERSION },
      zoom: { apiUrl: withSlash(e.ZOOM_API_BASE_URL) },
      yandexDisk: { apiUrl: withSlash(e.YANDEX_DISK_API_BASE_URL) },
      googleDrive: { apiRoot: withSlash(e.GOOGLE_DRIVE_API_ROOT), chunkBytes: e.GOOGLE_DRIVE_UPLOAD_CHUNK_BYTES },
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
export type OAuthSettings = Config['oauth'];
export type PlatformSettings = Config['platforms'];

export const config: Config = loadConfig();
