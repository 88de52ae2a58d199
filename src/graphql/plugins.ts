import { randomUUID } from 'node:crypto';
import { PothosValidationError } from '@pothos/core';
import { GraphQLError, Kind, type ExecutionArgs, type OperationDefinitionNode } from 'graphql';
import { maskError as yogaMaskError, type Plugin } from 'graphql-yoga';
import type { Redis } from 'ioredis';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { config } from '../config.js';
import { DomainError, RateLimitedError } from '../lib/errors.js';
import { graphqlErrors, graphqlOperationDuration } from '../lib/metrics.js';
import { redisKey } from '../lib/redis.js';
import type { Context } from './context.js';

export interface ServerContext {
  requestId?: string;
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** Takes a sane X-Request-Id from the caller or makes one, and echoes it on the response. */
export function useRequestId(): Plugin<Context, ServerContext> {
  return {
    onRequest({ request, serverContext }) {
      const given = request.headers.get('x-request-id');
      serverContext.requestId = given && REQUEST_ID.test(given) ? given : randomUUID();
    },
    onResponse({ response, serverContext }) {
      if (serverContext.requestId) response.headers.set('x-request-id', serverContext.requestId);
    },
  };
}

export interface RateLimits {
  perMinute: number;
  perHour: number;
}

/**
 * Per-user (or per-IP for anonymous callers) budgets in Redis, shared by every API process. An
 * operation over budget is answered with RATE_LIMITED, HTTP 429 and Retry-After.
 */
export function useRateLimit(redis: Redis, limits: RateLimits = config.rateLimit): Plugin<Context> {
  const windows = [
    new RateLimiterRedis({ storeClient: redis, keyPrefix: redisKey('rate', 'minute'), points: limits.perMinute, duration: 60 }),
    new RateLimiterRedis({ storeClient: redis, keyPrefix: redisKey('rate', 'hour'), points: limits.perHour, duration: 3600 }),
  ];
  const consume = async (ctx: Context): Promise<RateLimitedError | null> => {
    const key = ctx.viewer ? `user:${ctx.viewer.userId}` : `ip:${ctx.client.ip ?? 'unknown'}`;
    const results = await Promise.allSettled(windows.map((window) => window.consume(key)));
    const rejections = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
    const unexpected = rejections.find((r) => !(r instanceof RateLimiterRes));
    if (unexpected) throw unexpected;
    if (rejections.length === 0) return null;
    const waitMs = Math.max(...rejections.map((r) => (r as RateLimiterRes).msBeforeNext));
    return new RateLimitedError(Math.max(1, Math.ceil(waitMs / 1000)));
  };
  const toGraphQLError = (limited: RateLimitedError) =>
    new GraphQLError(limited.message, {
      extensions: {
        code: limited.code,
        retryAfterSeconds: limited.retryAfterSeconds,
        http: { status: 429, headers: { 'Retry-After': String(limited.retryAfterSeconds) } },
      },
    });
  return {
    async onExecute({ args, setResultAndStopExecution }) {
      const limited = await consume(args.contextValue);
      if (limited) setResultAndStopExecution({ errors: [toGraphQLError(limited)] });
    },
    async onSubscribe({ args, setResultAndStopExecution }) {
      const limited = await consume(args.contextValue);
      if (limited) setResultAndStopExecution({ errors: [toGraphQLError(limited)] });
    },
  };
}

function operationLabels(args: ExecutionArgs): { operation_name: string; operation_type: string } {
  const operation = args.document.definitions.find(
    (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION && (!args.operationName || d.name?.value === args.operationName),
  );
  return { operation_name: boundedOperationName(args.operationName ?? operation?.name?.value), operation_type: operation?.operation ?? 'unknown' };
}

/** Clients name their operations, so the label is capped: past this many names, new ones count as "other". */
const MAX_OPERATION_NAMES = 500;
const operationNames = new Set<string>();

function boundedOperationName(name: string | undefined): string {
  if (!name) return 'anonymous';
  if (operationNames.has(name)) return name;
  if (operationNames.size >= MAX_OPERATION_NAMES) return 'other';
  operationNames.add(name);
  return name;
}

function countErrors(labels: { operation_name: string; operation_type: string }, errors: readonly GraphQLError[], started: number): void {
  for (const error of errors) {
    const code = error.extensions?.code ?? (error.originalError instanceof DomainError ? error.originalError.code : 'INTERNAL_SERVER_ERROR');
    graphqlErrors.inc({ ...labels, code: String(code) });
  }
  graphqlOperationDuration.observe({ ...labels, outcome: errors.length ? 'error' : 'ok' }, (performance.now() - started) / 1000);
}

/**
 * One JSON log line and one metrics sample per operation, and the full story of every unexpected
 * error. A subscription is measured up to its first answer (the snapshot or a refusal).
 */
export function useOperationLog(): Plugin<Context> {
  return {
    onSubscribe({ args }) {
      const started = performance.now();
      return {
        onSubscribeResult({ result }) {
          countErrors(operationLabels(args), Symbol.asyncIterator in result ? [] : (result.errors ?? []), started);
        },
        onSubscribeError({ error }) {
          countErrors(operationLabels(args), [error instanceof GraphQLError ? error : new GraphQLError(String(error))], started);
        },
      };
    },
    onExecute({ args }) {
      const started = performance.now();
      const ctx = args.contextValue;
      return {
        onExecuteDone({ result }) {
          if (Symbol.asyncIterator in result) return; // subscriptions log per event elsewhere
          const errors = result.errors ?? [];
          countErrors(operationLabels(args), errors, started);
          for (const error of errors) {
            const original = error.originalError;
            if (original && !(original instanceof GraphQLError) && !(original instanceof DomainError)) {
              ctx.log.error({ err: original, path: error.path }, 'unexpected error');
            }
          }
          ctx.log.info(
            { operation: args.operationName ?? null, ms: +(performance.now() - started).toFixed(1), errors: errors.length },
            'graphql operation',
          );
        },
      };
    },
  };
}

/**
 * Pothos quotes the offending input in some argument errors (a global id of another tenant, a
 * cursor). Answers never echo ids, so those messages are replaced.
 */
const ECHOING_INPUT_ERRORS: Array<[RegExp, string]> = [
  [/^Invalid global ID: .*$/s, 'Invalid ID'],
  // Greedy: the type list is the schema's, everything before it may be input.
  [/^ID: .* is not of type: ([\w, ]*)$/s, 'ID is not of type: $1'],
  [/^(?:Invalid cursor|Invalid cursor chunk|Expected compound cursor .*, but got):? .*$/s, 'Invalid cursor'],
];

function withoutEchoedInput(message: string): string {
  const match = ECHOING_INPUT_ERRORS.find(([pattern]) => pattern.test(message));
  return match ? message.replace(match[0], match[1]) : message;
}

/** Domain errors outside a result union keep their message and code; anything else is masked. */
export function maskError(error: unknown, message: string, isDev?: boolean): Error {
  if (error instanceof GraphQLError && error.originalError instanceof DomainError) {
    const domain = error.originalError;
    return new GraphQLError(domain.message, {
      nodes: error.nodes,
      path: error.path,
      extensions: { ...error.extensions, code: domain.code },
    });
  }
  if (error instanceof GraphQLError && (error.originalError ?? error) instanceof PothosValidationError) {
    return new GraphQLError(withoutEchoedInput(error.message), {
      nodes: error.nodes,
      path: error.path,
      extensions: { ...error.extensions, code: 'VALIDATION_FAILED' },
    });
  }
  return yogaMaskError(error, message, isDev);
}
