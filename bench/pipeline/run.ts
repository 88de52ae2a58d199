// Pipeline benchmarks (SPEC §11), against the real API, Postgres and Redis of this machine:
//   (a) startPipeline mutation latency at 50 concurrent clients            target p99 ≤ 20 ms
//   (b) stage hand-off: one step COMPLETED → the next RUNNING (workers)    target median ≤ 10 ms
//   (c) worker publish → graphql-ws subscriber, 500 subscriptions          target p99 ≤ 25 ms
// Usage: npm run bench:pipeline [-- --clients 50 --starts 400 --subscribers 500 --events 100 --runs 20]
// Uses the database `leap_bench` (created and migrated on first use); data is left for inspection.
import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { startApp } from '../../src/app.js';
import { startWorkers } from '../../src/jobs/worker-runtime.js';
import { prisma } from '../../src/lib/db.js';
import { createRedis } from '../../src/lib/redis.js';
import { recordingFileKey } from '../../src/modules/storage/storage.js';
import { synthesizeMedia } from '../../src/media/synth.js';
import { createServices } from '../../src/services.js';

const { values: args } = parseArgs({
  options: {
    clients: { type: 'string', default: '50' },
    starts: { type: 'string', default: '400' },
    subscribers: { type: 'string', default: '500' },
    events: { type: 'string', default: '100' },
    runs: { type: 'string', default: '20' },
  },
});
const n = (name: keyof typeof args) => Math.max(1, Number(args[name]));

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
};
const ms = (value: number) => `${value.toFixed(2)} ms`;
const report = (label: string, values: number[], target: string) =>
  console.log(`${label}: n=${values.length} p50=${ms(percentile(values, 50))} p90=${ms(percentile(values, 90))} p99=${ms(percentile(values, 99))} max=${ms(Math.max(...values))}  (${target})`);

const redis = createRedis();
const services = createServices({ prisma, redis });
const app = await startApp({ prisma, redis, services, rateLimits: { perMinute: 1_000_000, perHour: 10_000_000 } }, 0, '127.0.0.1');

async function gql<T>(query: string, variables: Record<string, unknown>, token?: string): Promise<T> {
  const res = await fetch(app.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: T; errors?: unknown };
  if (!body.data) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

async function workspace(): Promise<{ token: string; tenantId: string }> {
  const email = `bench-${randomUUID().slice(0, 8)}@bench.example`;
  const data = await gql<{ register: { accessToken: string; tenant: { id: string } } }>(
    'mutation($input: RegisterInput!) { register(input: $input) { ... on AuthPayload { accessToken tenant { id } } } }',
    { input: { email, password: 'bench password 123', tenantName: 'Benchmarks' } },
  );
  const tenantId = Buffer.from(data.register.tenant.id, 'base64').toString('utf8').split(':')[1]!;
  await prisma.quotaOverride.create({ data: { tenantId, concurrentPipelines: 1_000_000 } });
  return { token: data.register.accessToken, tenantId };
}

const globalId = (type: string, id: string) => Buffer.from(`${type}:${id}`).toString('base64');
const START = 'mutation($input: StartPipelineInput!) { startPipeline(input: $input) { __typename ... on PipelineRun { id } ... on Error { message } } }';

/** (a) Recordings with a stored source; nothing consumes the queued jobs during the measurement. */
async function benchStart(): Promise<void> {
  const { token, tenantId } = await workspace();
  const total = n('starts');
  const rows = Array.from({ length: total }, (_, i) => ({ id: randomUUID(), tenantId, displayName: `Bench ${i}`, sourceType: 'LOCAL' as const }));
  await prisma.recording.createMany({ data: rows.map((r) => ({ ...r, sourceFileKey: recordingFileKey(tenantId, r.id, 'source.m4a') })) });
  const queue = [...rows];
  const latencies: number[] = [];
  const client = async () => {
    for (let row = queue.shift(); row; row = queue.shift()) {
      const started = performance.now();
      const data = await gql<{ startPipeline: { __typename: string; message?: string } }>(START, { input: { recordingId: globalId('Recording', row.id) } }, token);
      latencies.push(performance.now() - started);
      if (data.startPipeline.__typename !== 'PipelineRun') throw new Error(data.startPipeline.message);
    }
  };
  // Warm-up (connections, JIT) is not measured.
  const warm = queue.splice(0, n('clients'));
  await Promise.all(warm.map((row) => gql(START, { input: { recordingId: globalId('Recording', row.id) } }, token)));
  await Promise.all(Array.from({ length: n('clients') }, client));
  report(`(a) startPipeline, ${n('clients')} concurrent clients`, latencies, 'target p99 ≤ 20 ms');
  for (const queueName of ['ingest', 'media'] as const) await services.queues.queue(queueName).obliterate({ force: true });
  await prisma.pipelineRun.updateMany({ where: { tenantId }, data: { status: 'CANCELLED' } });
}

/** (b) Real runs of a 2-second audio recording; hand-off from each finished step to the next start. */
async function benchHandOff(): Promise<void> {
  const { token, tenantId } = await workspace();
  const runtime = await startWorkers({ prisma, services });
  await mkdir('var/bench', { recursive: true });
  const file = `var/bench/handoff-${process.pid}.m4a`;
  await synthesizeMedia(file, { durationSec: 2, sound: 'always', audio: { codec: 'aac' }, muxer: 'ipod' });
  const gaps: number[] = [];
  for (let i = 0; i < n('runs'); i++) {
    const id = randomUUID();
    const key = recordingFileKey(tenantId, id, 'source.m4a');
    await services.storage.putFile(key, file);
    await prisma.recording.create({ data: { id, tenantId, displayName: `Hand-off ${i}`, sourceType: 'LOCAL', sourceFileKey: key } });
    const data = await gql<{ startPipeline: { id: string } }>(START, { input: { recordingId: globalId('Recording', id) } }, token);
    const runId = Buffer.from(data.startPipeline.id, 'base64').toString('utf8').split(':')[1]!;
    for (;;) {
      const run = await prisma.pipelineRun.findUniqueOrThrow({ where: { id: runId }, include: { steps: true } });
      if (['COMPLETED', 'FAILED'].includes(run.status)) {
        const byStage = new Map(run.steps.map((s) => [s.stage, s]));
        for (const [from, to] of [['TRIM', 'POSTER'], ['TRIM', 'TRANSCRIBE']] as const) {
          const [done, next] = [byStage.get(from), byStage.get(to)];
          if (done?.status === 'COMPLETED' && next?.startedAt && done.finishedAt) gaps.push(next.startedAt.getTime() - done.finishedAt.getTime());
        }
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
  await runtime.close();
  report('(b) stage hand-off, step COMPLETED → next RUNNING', gaps, 'target median ≤ 10 ms');
}

/** (c) Events written and published as a worker does, received by every subscription. */
async function benchFanOut(): Promise<void> {
  const { token, tenantId } = await workspace();
  const recording = await prisma.recording.create({ data: { tenantId, displayName: 'Fan-out', sourceType: 'LOCAL', sourceFileKey: 'x' } });
  const run = await prisma.pipelineRun.create({ data: { tenantId, recordingId: recording.id, status: 'RUNNING' } });
  await prisma.pipelineStep.create({ data: { tenantId, runId: run.id, stage: 'TRIM', status: 'RUNNING' } });
  const latencies: number[] = [];
  const subscribers = n('subscribers');
  const sockets = Array.from({ length: Math.ceil(subscribers / 50) }, () =>
    createClient({ url: app.wsUrl, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${token}` } }),
  );
  let snapshots = 0;
  for (let i = 0; i < subscribers; i++) {
    sockets[i % sockets.length]!.subscribe<{ recordingProgress: { kind: string; at: string } }>(
      { query: 'subscription($id: ID!) { recordingProgress(recordingId: $id) { kind at } }', variables: { id: globalId('Recording', recording.id) } },
      {
        next: ({ data }) => {
          if (!data) return;
          if (data.recordingProgress.kind === 'SNAPSHOT') snapshots += 1;
          else latencies.push(Date.now() - Date.parse(data.recordingProgress.at));
        },
        error: (error) => console.error(error),
        complete: () => undefined,
      },
    );
  }
  while (snapshots < subscribers * 2) await new Promise((resolve) => setTimeout(resolve, 50));
  for (let i = 0; i < n('events'); i++) {
    await services.pipelineState.updateStep(tenantId, run.id, 'TRIM', { progress: i % 100 }, { progressOnly: true });
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await new Promise((resolve) => setTimeout(resolve, 1000));
  await Promise.all(sockets.map((socket) => socket.dispose()));
  report(`(c) event → ${subscribers} graphql-ws subscribers (Date.now resolution)`, latencies, 'target p99 ≤ 25 ms');
}

try {
  await benchStart();
  if (!process.env.BENCH_ONLY_START) await benchHandOff();
  if (!process.env.BENCH_ONLY_START) await benchFanOut();
} finally {
  await app.close();
  await services.close();
  redis.disconnect();
  await prisma.$disconnect();
}
process.exit(0);
