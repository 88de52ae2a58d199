import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { config } from '../config.js';
import { logger } from './logger.js';

// Prometheus metrics of this process (prom-client). The API serves them on its own port at
// /metrics; every worker process serves its own on WORKER_METRICS_PORT, so each instance is one
// scrape target and nothing is double counted when workers are scaled out (docs/operations.md).

export const registry = new Registry();
registry.setDefaultLabels({ service: 'leap' });
collectDefaultMetrics({ register: registry, prefix: 'leap_' });

export const httpRequestDuration = new Histogram({
  name: 'leap_http_request_duration_seconds',
  help: 'HTTP requests by route, method and status code',
  labelNames: ['method', 'route', 'status_code'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  registers: [registry],
});

export const graphqlOperationDuration = new Histogram({
  name: 'leap_graphql_operation_duration_seconds',
  help: 'GraphQL operations (HTTP and WebSocket) by operation name, type and outcome (ok, error)',
  labelNames: ['operation_name', 'operation_type', 'outcome'] as const,
  buckets: [0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  registers: [registry],
});

export const graphqlErrors = new Counter({
  name: 'leap_graphql_errors_total',
  help: 'Top-level GraphQL errors by operation and error code (error union members are answers, not errors)',
  labelNames: ['operation_name', 'operation_type', 'code'] as const,
  registers: [registry],
});

export const stageDuration = new Histogram({
  name: 'leap_pipeline_stage_duration_seconds',
  help: 'Pipeline stage attempts, by stage and outcome (completed, skipped, failed, retried)',
  labelNames: ['stage', 'outcome'] as const,
  buckets: [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600],
  registers: [registry],
});

export const stageOutcomes = new Counter({
  name: 'leap_pipeline_stage_runs_total',
  help: 'Pipeline stage attempts, by stage and outcome (completed, skipped, failed, retried)',
  labelNames: ['stage', 'outcome'] as const,
  registers: [registry],
});

export type StageMetricOutcome = 'completed' | 'skipped' | 'failed' | 'retried';

export function recordStage(stage: string, outcome: StageMetricOutcome, seconds: number): void {
  stageDuration.observe({ stage, outcome }, seconds);
  stageOutcomes.inc({ stage, outcome });
}

/** Counts of a queue's jobs by state, read when Prometheus scrapes (BullMQ `getJobCounts`). */
export interface QueueDepthSource {
  depths(): Promise<Array<{ queue: string; counts: Record<string, number> }>>;
}

export const QUEUE_STATES = ['waiting', 'active', 'delayed', 'failed'] as const;
const queueSources = new Set<QueueDepthSource>();

new Gauge({
  name: 'leap_queue_jobs',
  help: 'BullMQ jobs per queue and state, read at scrape time',
  labelNames: ['queue', 'state'] as const,
  registers: [registry],
  async collect() {
    this.reset();
    for (const source of queueSources) {
      for (const { queue, counts } of await source.depths()) {
        for (const state of QUEUE_STATES) this.set({ queue, state }, counts[state] ?? 0);
      }
    }
  },
});

/** Adds a process's queues to `leap_queue_jobs`; returns the function that removes them. */
export function exposeQueueDepth(source: QueueDepthSource): () => void {
  queueSources.add(source);
  return () => queueSources.delete(source);
}

const ROUTES = ['/healthz', '/readyz', '/metrics', '/files', '/admin/queues', '/oauth'];

/** A stable, low-cardinality route label: known endpoints by name, everything else "other". */
export function routeLabel(path: string | undefined, graphqlEndpoint: string): string {
  if (path === graphqlEndpoint) return graphqlEndpoint;
  return ROUTES.find((route) => path === route || path?.startsWith(`${route}/`)) ?? 'other';
}

/** Times every request of an HTTP server by route. */
export function timeRequest(req: IncomingMessage, res: ServerResponse, graphqlEndpoint: string): void {
  const end = httpRequestDuration.startTimer({ method: req.method ?? 'GET', route: routeLabel(req.url?.split('?')[0], graphqlEndpoint) });
  res.once('close', () => end({ status_code: String(res.statusCode) }));
}

function authorized(req: IncomingMessage): boolean {
  const token = config.metrics.token;
  if (!token) return true;
  const given = Buffer.from(req.headers.authorization ?? '');
  const expected = Buffer.from(`Bearer ${token}`);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** Answers a scrape: the text exposition format, or 401 when METRICS_TOKEN is set and not sent. */
export async function serveMetrics(req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (!authorized(req)) {
    res.writeHead(401, { 'content-type': 'text/plain', 'www-authenticate': 'Bearer' }).end('metrics token required\n');
    return;
  }
  try {
    const body = await registry.metrics();
    res.writeHead(200, { 'content-type': registry.contentType }).end(body);
  } catch (error) {
    logger.error({ err: error }, 'metrics collection failed');
    res.writeHead(500, { 'content-type': 'text/plain' }).end('metrics collection failed\n');
  }
}

/** A worker process's own /metrics (and /healthz) server. */
export async function startMetricsServer(port: number, host: string): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    const path = req.url?.split('?')[0];
    if (path === '/metrics') return void serveMetrics(req, res);
    if (path === '/healthz') return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  return { server, port: typeof address === 'object' && address ? address.port : port };
}
