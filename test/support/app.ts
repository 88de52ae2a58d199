import { randomUUID } from 'node:crypto';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { startApp, type RunningApp } from '../../src/app.js';
import type { RateLimits } from '../../src/graphql/plugins.js';
import { prisma as sharedPrisma, type PrismaClient } from '../../src/lib/db.js';
import { createRedis } from '../../src/lib/redis.js';
import type { LoginThrottleLimits } from '../../src/modules/auth/login-throttle.js';
import type { IngestOverrides } from '../../src/modules/sources/ingest-options.js';
import { createServices, type ServiceDeps, type Services } from '../../src/services.js';

export interface GraphQLResponse<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  data?: T;
  errors?: Array<{ message: string; path?: string[]; extensions?: Record<string, unknown> }>;
}

export interface TestApp {
  url: string;
  wsUrl: string;
  services: Services;
  /** POSTs one operation; `token` becomes `Authorization: Bearer <token>`. */
  gql<T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>, token?: string, headers?: Record<string, string>): Promise<GraphQLResponse<T>>;
  /** A graphql-ws client authenticated with `token`. */
  ws(token?: string): Client;
  close(): Promise<void>;
}

/** The real API (Yoga + graphql-ws, real Postgres and Redis) on an ephemeral port. */
export async function startTestApp(
  options: {
    rateLimits?: RateLimits;
    loginThrottle?: LoginThrottleLimits;
    uploadMaxBytes?: number;
    /** Ingest endpoints, allow-list and credentials port (see test/support/ingest.ts). */
    ingest?: IngestOverrides;
    /** Extra service wiring, e.g. provider endpoints pointing at a local fake. */
    services?: Omit<Partial<ServiceDeps>, 'prisma' | 'redis'>;
    /** Another client for the API and its services (e.g. one that reports its SQL statements). */
    prisma?: PrismaClient;
  } = {},
): Promise<TestApp> {
  const redis = createRedis();
  const prisma = options.prisma ?? sharedPrisma;
  const services = createServices({ ...options.services, prisma, redis, loginThrottle: options.loginThrottle, uploadMaxBytes: options.uploadMaxBytes, ingest: options.ingest ?? options.services?.ingest });
  const app: RunningApp = await startApp(
    { prisma, redis, services, rateLimits: options.rateLimits, uploadMaxBytes: options.uploadMaxBytes },
    0,
    '127.0.0.1',
  );
  const clients: Client[] = [];
  return {
    url: app.url,
    wsUrl: app.wsUrl,
    services,
    async gql(query, variables = {}, token, headers = {}) {
      const res = await fetch(app.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...headers,
        },
        body: JSON.stringify({ query, variables }),
      });
      const body = (await res.json()) as Omit<GraphQLResponse, 'status' | 'headers'>;
      return { status: res.status, headers: res.headers, ...body } as GraphQLResponse<never>;
    },
    ws(token) {
      const client = createClient({
        url: app.wsUrl,
        webSocketImpl: WebSocket,
        connectionParams: token ? { authorization: `Bearer ${token}` } : {},
        retryAttempts: 0,
      });
      clients.push(client);
      return client;
    },
    async close() {
      await Promise.all(clients.map((c) => c.dispose()));
      await app.close();
      await services.close();
      redis.disconnect();
    },
  };
}

export const uniqueEmail = (label = 'user') => `${label}-${randomUUID().slice(0, 8)}@example.test`;

export const REGISTER = /* GraphQL */ `
  mutation Register($input: RegisterInput!) {
    register(input: $input) {
      __typename
      ... on AuthPayload {
        accessToken
        refreshToken
        user { id email }
        tenant { id name }
      }
      ... on Error { code message }
      ... on ValidationError { issues { path message } }
    }
  }
`;

export interface RegisteredUser {
  email: string;
  password: string;
  accessToken: string;
  refreshToken: string;
  userId: string;
  tenantId: string;
}

/** Registers a user (with their own tenant) through the API and returns its tokens and global ids. */
export async function registerUser(app: TestApp, input: { email?: string; password?: string; tenantName?: string } = {}): Promise<RegisteredUser> {
  const email = input.email ?? uniqueEmail();
  const password = input.password ?? 'correct horse battery';
  const res = await app.gql<{ register: { __typename: string; accessToken: string; refreshToken: string; user: { id: string }; tenant: { id: string } } }>(
    REGISTER,
    { input: { email, password, tenantName: input.tenantName ?? `Tenant of ${email}` } },
  );
  const payload = res.data?.register;
  if (!payload || payload.__typename !== 'AuthPayload') throw new Error(`register failed: ${JSON.stringify(res)}`);
  return {
    email,
    password,
    accessToken: payload.accessToken,
    refreshToken: payload.refreshToken,
    userId: payload.user.id,
    tenantId: payload.tenant.id,
  };
}

/** The database id inside a Relay global id. */
export function rawId(globalId: string): string {
  const decoded = Buffer.from(globalId, 'base64').toString('utf8');
  return decoded.slice(decoded.indexOf(':') + 1);
}
