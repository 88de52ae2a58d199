import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawId, registerUser, startTestApp, type RegisteredUser, type TestApp } from '../support/app.js';
import { LECTURE_SOUND, mediaScratch } from '../support/media.js';
import { isRunEnd, RECORDING_PROGRESS, recordEvents, startPipeline, startWorkerProcess, type WorkerProcess } from '../support/pipeline.js';
import { uploadRecording } from '../support/uploads.js';

// Prometheus /metrics of the API (HTTP, GraphQL, queue depth) and of a worker process (stages),
// and the ids worker log lines carry.

const METRICS_TOKEN = 'worker-metrics-token-0123456789';
let app: TestApp;
let owner: RegisteredUser;
let worker: WorkerProcess;
let workerMetricsUrl: string;
let scratch: Awaited<ReturnType<typeof mediaScratch>>;

beforeAll(async () => {
  scratch = await mediaScratch('metrics');
  [app, worker] = await Promise.all([startTestApp(), startWorkerProcess({ METRICS_TOKEN })]);
  owner = await registerUser(app);
  const ready = await worker.waitForLog((line) => line.msg === 'workers ready');
  workerMetricsUrl = `http://127.0.0.1:${String(ready.metricsPort)}/metrics`;
}, 120_000);

afterAll(async () => {
  await worker?.kill();
  await app?.close();
  await scratch?.cleanup();
});

const scrape = async (url: string, headers: Record<string, string> = {}) => {
  const res = await fetch(url, { headers });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/plain');
  return res.text();
};

/** The value of one sample: `name{labels…} value`, with the given labels among its labels. */
function sample(text: string, name: string, labels: Record<string, string>): number | null {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const body = line.slice(name.length + 1, line.lastIndexOf('}'));
    if (Object.entries(labels).every(([k, v]) => body.includes(`${k}="${v}"`))) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return null;
}

describe('API /metrics', () => {
  it('exposes HTTP and GraphQL latency by operation, errors by code, and queue depth', async () => {
    const metricsUrl = new URL('/metrics', app.url).toString();
    const query = await app.gql('query MetricsProbe { __typename }');
    expect(query.status).toBe(200);
    const refused = await app.gql('query MetricsNoAuth { recordings(first: 1) { edges { cursor } } }');
    expect(refused.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');

    const text = await scrape(metricsUrl);
    expect(sample(text, 'leap_http_request_duration_seconds_count', { route: '/graphql', method: 'POST', status_code: '200' })).toBeGreaterThanOrEqual(2);
    expect(sample(text, 'leap_graphql_operation_duration_seconds_count', { operation_name: 'MetricsProbe', operation_type: 'query', outcome: 'ok' })).toBe(1);
    expect(sample(text, 'leap_graphql_operation_duration_seconds_count', { operation_name: 'MetricsNoAuth', operation_type: 'query', outcome: 'error' })).toBe(1);
    expect(sample(text, 'leap_graphql_errors_total', { operation_name: 'MetricsNoAuth', code: 'UNAUTHENTICATED' })).toBe(1);
    for (const queue of ['ingest', 'media', 'ai', 'publish', 'maintenance']) {
      for (const state of ['waiting', 'active', 'delayed', 'failed']) expect(sample(text, 'leap_queue_jobs', { queue, state }), `${queue} ${state}`).not.toBeNull();
    }
    expect(text).toContain('leap_process_cpu_seconds_total');
    // The scrape before is counted by the next one, under its own route.
    expect(sample(await scrape(metricsUrl), 'leap_http_request_duration_seconds_count', { route: '/metrics', status_code: '200' })).toBeGreaterThanOrEqual(1);
  });

  it('serves GraphiQL with an Authorization header ready to fill in', async () => {
    const res = await fetch(app.url, { headers: { accept: 'text/html' } });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('LEAP GraphQL');
    expect(html).toMatch(/Authorization\\?"\s*:\s*\\?"Bearer /);
  });
});

describe('worker /metrics and logs', () => {
  it('counts and times each stage by outcome after it ran, behind the metrics token', async () => {
    expect((await fetch(workerMetricsUrl)).status).toBe(401);
    const file = await scratch.make('lecture.mp4', { durationSec: 20, sound: LECTURE_SOUND.slice(0, 1), video: { codec: 'h264', width: 160, height: 90, fps: 15, picture: 'flash' }, audio: { codec: 'aac' }, muxer: 'mp4' });
    const uploaded = await uploadRecording(app, owner.accessToken, { fileName: 'lecture.mp4', data: await readFile(file) }, 'Metrics lecture');
    const recordingId = uploaded.data!.createRecordingFromUpload.id;
    const subscriber = recordEvents(app.ws(owner.accessToken), RECORDING_PROGRESS, { id: recordingId }, 'recordingProgress');
    const runId = await startPipeline(app, owner.accessToken, recordingId, { stages: ['TRIM', 'POSTER'], force: true });
    const end = await subscriber.until(isRunEnd, 120_000);
    subscriber.stop();
    expect(end.status).toBe('COMPLETED');

    const text = await scrape(workerMetricsUrl, { authorization: `Bearer ${METRICS_TOKEN}` });
    for (const stage of ['TRIM', 'POSTER']) {
      expect(sample(text, 'leap_pipeline_stage_runs_total', { stage, outcome: 'completed' }), stage).toBe(1);
      expect(sample(text, 'leap_pipeline_stage_duration_seconds_count', { stage, outcome: 'completed' }), stage).toBe(1);
      expect(sample(text, 'leap_pipeline_stage_duration_seconds_sum', { stage, outcome: 'completed' })).toBeGreaterThan(0);
    }

    // Each job's log lines name its job, run, recording and tenant.
    const done = await worker.waitForLog((line) => line.msg === 'job done' && line.job === 'pipeline.trim');
    expect(done).toMatchObject({ runId: rawId(runId), recordingId: rawId(recordingId), tenantId: rawId(owner.tenantId) });
    expect(typeof done.jobId).toBe('string');
  }, 180_000);
});
