import { createServer, type IncomingMessage, type Server } from 'node:http';
import { join } from 'node:path';
import { maxAliasesPlugin } from '@escape.tech/graphql-armor-max-aliases';
import { createYoga } from 'graphql-yoga';
import type { OperationResult } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import type { ExecutionArgs } from 'graphql';
import type { Redis } from 'ioredis';
import { WebSocketServer } from 'ws';
import { config } from './config.js';
import type { PrismaClient } from './generated/prisma/client.js';
import type { Context } from './graphql/context.js';
import {
  maskError,
  useOperationLog,
  useRateLimit,
  useRequestId,
  type RateLimits,
  type ServerContext,
} from './graphql/plugins.js';
import { schema } from './graphql/schema.js';
import { forTenant } from './lib/db.js';
import { AuthenticationError } from './lib/errors.js';
import { logger } from './lib/logger.js';
import { exposeQueueDepth, serveMetrics, timeRequest } from './lib/metrics.js';
import { hasPermission, resolveViewer, type Viewer } from './modules/auth/viewer.js';
import { handleOAuthCallback } from './modules/credentials/oauth-callback.js';
import { OAUTH_CALLBACK_PATH } from './modules/credentials/oauth.service.js';
import { DASHBOARD_ROUTE, queueDashboard } from './modules/admin/queue-dashboard.js';
import { FILES_ROUTE, FileUrlSigner, serveSignedFile } from './modules/storage/signed-urls.js';
import { handleMultipartRequest, isMultipartRequest, type MultipartOptions } from './modules/uploads/graphql-multipart.js';
import type { StagedFile } from './modules/uploads/staged-file.js';
import type { Services } from './services.js';

/** A tenant id no row can have: anonymous callers get a client that sees nothing. */
const NO_TENANT = '00000000-0000-0000-0000-000000000000';

interface AppDeps {
  prisma: PrismaClient;
  redis: Redis;
  services: Services;
  /** Defaults to the configured API rate limits. */
  rateLimits?: RateLimits;
  /** Defaults to UPLOAD_MAX_BYTES. */
  uploadMaxBytes?: number;
}

type YogaServerContext = ServerContext & {
  req?: IncomingMessage;
  connectionParams?: Record<string, unknown>;
  /** Set by the streaming multipart handler (src/modules/uploads). */
  uploads?: ReadonlyMap<string, StagedFile>;
};

const NO_UPLOADS: ReadonlyMap<string, StagedFile> = new Map();

function firstHeader(value: string | string[] | undefined): string | null {
  return (Array.isArray(value) ? value[0] : value) ?? null;
}

function clientIp(req: IncomingMessage | undefined): string | null {
  return req?.socket.remoteAddress ?? null;
}

async function authenticate(prisma: PrismaClient, header: unknown): Promise<{ viewer: Viewer | null; authFailure: string | null }> {
  if (header === undefined || header === null || header === '') return { viewer: null, authFailure: null };
  if (typeof header !== 'string' || !header.startsWith('Bearer ')) {
    return { viewer: null, authFailure: 'Authorization must be "Bearer <access token>"' };
  }
  try {
    return { viewer: await resolveViewer(prisma, header.slice(7).trim()), authFailure: null };
  } catch (error) {
    if (error instanceof AuthenticationError) return { viewer: null, authFailure: error.message };
    throw error;
  }
}

export function createYogaApp({ prisma, redis, services, rateLimits }: AppDeps) {
  return createYoga<YogaServerContext, Context>({
    schema,
    logging: false,
    graphiql: config.http.graphiql ? { title: 'LEAP GraphQL', headers: '{"Authorization": "Bearer "}' } : false,
    maskedErrors: { maskError, isDev: !config.isProduction && config.env !== 'test' },
    // Yoga's own multipart parsing buffers whole files; uploads are streamed by handleMultipartRequest.
    multipart: false,
    plugins: [
      useRequestId(),
      maxAliasesPlugin({ n: config.graphqlLimits.maxAliases }),
      useRateLimit(redis, rateLimits),
      useOperationLog(),
    ],
    // HTTP operations carry a Fetch `request`; graphql-ws operations only the upgrade `req`.
    context: async ({ request, req, connectionParams, requestId, uploads }) => {
      const httpHeader = (name: string): string | null =>
        (request as Request | undefined)?.headers.get(name) ?? firstHeader(req?.headers[name]);
      const header = connectionParams
        ? (connectionParams.authorization ?? connectionParams.Authorization)
        : httpHeader('authorization');
      const { viewer, authFailure } = await authenticate(prisma, header);
      const id = requestId ?? crypto.randomUUID();
      return {
        requestId: id,
        log: logger.child({ requestId: id, userId: viewer?.userId, tenantId: viewer?.tenantId }),
        client: { ip: clientIp(req), userAgent: httpHeader('user-agent'), requestId: id },
        viewer,
        authFailure,
        db: forTenant(viewer?.tenantId ?? NO_TENANT, prisma),
        services,
        uploads: uploads ?? NO_UPLOADS,
        origin: requestOrigin(request as Request | undefined, req),
      };
    },
  });
}

export interface RunningApp {
  server: Server;
  url: string;
  wsUrl: string;
  close(): Promise<void>;
}

/** HTTP (GraphQL, GraphiQL, health) and graphql-ws on one port. */
export async function startApp(deps: AppDeps, port = config.http.port, host = config.http.host): Promise<RunningApp> {
  const yoga = createYogaApp(deps);
  const uploads = uploadOptions(deps, yoga);
  const fileSigner = FileUrlSigner.fromConfig();
  const dashboard = queueDashboard(deps.prisma, deps.services.queues);

  const hideQueueDepth = exposeQueueDepth(deps.services.queues);

  const server = createServer((req, res) => {
    const path = req.url?.split('?')[0];
    timeRequest(req, res, yoga.graphqlEndpoint);
    if (path === '/healthz') return sendJson(res, 200, { status: 'ok' });
    if (path === '/metrics') return void serveMetrics(req, res);
    if (path === DASHBOARD_ROUTE || path?.startsWith(`${DASHBOARD_ROUTE}/`)) return dashboard(req, res);
    if (path?.startsWith(FILES_ROUTE)) {
      void serveSignedFile(req, res, deps.services.storage, fileSigner).catch((error: unknown) => failRequest(res, error));
      return;
    }
    if (path === OAUTH_CALLBACK_PATH && req.method === 'GET') {
      void handleOAuthCallback(req, res, deps.services.oauth).catch((error: unknown) => failRequest(res, error));
      return;
    }
    if (path === yoga.graphqlEndpoint && isMultipartRequest(req)) {
      void handleMultipartRequest(req, res, uploads).catch((error: unknown) => failRequest(res, error));
      return;
    }
    if (path === '/readyz') {
      void readiness(deps).then((checks) =>
        sendJson(res, Object.values(checks).every((c) => c === 'ok') ? 200 : 503, checks),
      );
      return;
    }
    void yoga(req, res);
  });

  const wss = new WebSocketServer({ server, path: yoga.graphqlEndpoint });
  // graphql-ws reuses Yoga's envelop pipeline, so WS operations get the same context, auth,
  // rate limits and masking as HTTP ones.
  useServer(
    {
      execute: (args) => (args.rootValue as EnvelopRoot).execute(args),
      subscribe: (args) => (args.rootValue as EnvelopRoot).subscribe(args),
      onSubscribe: async (ctx, _id, params) => {
        const { schema: envelopedSchema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
          ...ctx,
          req: ctx.extra.request,
          socket: ctx.extra.socket,
          params,
          connectionParams: ctx.connectionParams,
        });
        const document = parse(params.query);
        const errors = validate(envelopedSchema, document);
        if (errors.length > 0) return errors;
        return {
          schema: envelopedSchema,
          operationName: params.operationName,
          document,
          variableValues: params.variables,
          contextValue: await contextFactory(),
          rootValue: { execute, subscribe } satisfies EnvelopRoot,
        };
      },
    },
    wss,
  );

  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  const address = server.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  const base = `${host}:${actualPort}${yoga.graphqlEndpoint}`;
  return {
    server,
    url: `http://${base}`,
    wsUrl: `ws://${base}`,
    async close() {
      hideQueueDepth();
      for (const client of wss.clients) client.terminate();
      await new Promise((resolve) => wss.close(resolve));
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

interface EnvelopRoot {
  execute: (args: ExecutionArgs) => OperationResult;
  subscribe: (args: ExecutionArgs) => OperationResult;
}

/** Streaming uploads: only callers allowed to upload get their files written to temp storage. */
function uploadOptions(deps: AppDeps, yoga: ReturnType<typeof createYogaApp>): MultipartOptions {
  return {
    maxFileBytes: deps.uploadMaxBytes ?? config.uploads.maxBytes,
    tempDir: join(config.media.tempDir, 'uploads'),
    async authorize(req) {
      const { viewer } = await authenticate(deps.prisma, firstHeader(req.headers.authorization));
      return viewer !== null && hasPermission(viewer, 'canUpload');
    },
    async execute(req, body, uploads) {
      const headers = new Headers();
      for (const [name, value] of Object.entries(req.headers)) {
        if (value === undefined || ['content-type', 'content-length', 'transfer-encoding', 'connection', 'expect'].includes(name)) continue;
        headers.set(name, Array.isArray(value) ? value.join(', ') : value);
      }
      headers.set('content-type', 'application/json');
      const url = `http://${req.headers.host ?? 'localhost'}${req.url ?? '/'}`;
      return yoga.fetch(url, { method: 'POST', headers, body: JSON.stringify(body) }, { req, uploads });
    },
  };
}

/** Scheme, host and port as the caller reached the API (PUBLIC_URL wins when set). */
function requestOrigin(request: Request | undefined, req: IncomingMessage | undefined): string | null {
  if (config.http.publicUrl) return new URL(config.http.publicUrl).origin;
  if (request?.url) return new URL(request.url).origin;
  const host = firstHeader(req?.headers.host);
  return host ? `http://${host}` : null;
}

function failRequest(res: import('node:http').ServerResponse, error: unknown): void {
  logger.error({ err: error }, 'request failed');
  if (!res.headersSent) sendJson(res, 500, { errors: [{ message: 'Unexpected error.', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] });
  else res.destroy();
}

function sendJson(res: import('node:http').ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

async function readiness({ prisma, redis }: AppDeps): Promise<Record<'postgres' | 'redis', string>> {
  const check = async (probe: () => Promise<unknown>) => {
    try {
      await withTimeout(probe(), 2000);
      return 'ok';
    } catch (error) {
      return error instanceof Error ? error.message : 'failed';
    }
  };
  const [postgres, redisStatus] = await Promise.all([check(() => prisma.$queryRaw`SELECT 1`), check(() => redis.ping())]);
  return { postgres, redis: redisStatus };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    promise.then(
      (value) => (clearTimeout(timer), resolve(value)),
      (error: unknown) => (clearTimeout(timer), reject(error instanceof Error ? error : new Error(String(error)))),
    );
  });
}
