import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prisma } from '../../src/lib/db.js';
import { createRedis } from '../../src/lib/redis.js';
import { recordingChannel, type PipelineEvent } from '../../src/modules/pipeline/events.js';
import { PipelineState } from '../../src/modules/pipeline/pipeline-state.js';
import { ProgressHub } from '../../src/modules/pipeline/progress-hub.js';
import { MAX_PROGRESS_EVENTS_PER_SECOND, ProgressReporter } from '../../src/modules/pipeline/progress-reporter.js';
import { STAGES } from '../../src/modules/pipeline/stages.js';

// Progress coalescing and the snapshot-then-live merge, on real Postgres and Redis.

const redis = createRedis();
const state = new PipelineState(prisma, redis);
const hub = new ProgressHub(() => createRedis({ maxRetriesPerRequest: null }));
let tenantId: string;
let recordingId: string;
let runId: string;

beforeAll(async () => {
  const tenant = await prisma.tenant.create({ data: { name: 'Progress tests' } });
  tenantId = tenant.id;
  const recording = await prisma.recording.create({ data: { tenantId, displayName: 'Progress', sourceType: 'LOCAL', sourceFileKey: 'x' } });
  recordingId = recording.id;
  const run = await prisma.pipelineRun.create({ data: { tenantId, recordingId, status: 'RUNNING' } });
  runId = run.id;
  await prisma.pipelineStep.createMany({ data: STAGES.map((stage) => ({ tenantId, runId, stage, status: stage === 'TRIM' ? 'RUNNING' : 'PENDING' })) });
});

afterAll(async () => {
  await hub.close();
  redis.disconnect();
});

describe('ProgressReporter', () => {
  it(`sends at most ${MAX_PROGRESS_EVENTS_PER_SECOND} events a second, always the latest figure, never going back`, async () => {
    const received: PipelineEvent[] = [];
    const unlisten = await hub.listen(recordingChannel(recordingId), (event) => received.push(event));
    const reporter = new ProgressReporter(state, { tenantId, runId, stage: 'TRIM' });
    const started = Date.now();
    for (let i = 0; i <= 400; i++) {
      reporter.report(i / 400 - (i % 7 === 0 ? 0.2 : 0));
      await new Promise((resolve) => setTimeout(resolve, 3));
    }
    const elapsedSec = (Date.now() - started) / 1000;
    await new Promise((resolve) => setTimeout(resolve, 400));
    await reporter.close();
    await new Promise((resolve) => setTimeout(resolve, 100));
    unlisten();

    expect(received.length).toBeGreaterThanOrEqual(3);
    expect(received.length).toBeLessThanOrEqual(Math.ceil(elapsedSec * MAX_PROGRESS_EVENTS_PER_SECOND) + 2);
    const progress = received.map((e) => e.progress);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(progress.at(-1)).toBe(99);
    for (let i = 1; i < received.length; i++) {
      expect(Date.parse(received[i]!.at) - Date.parse(received[i - 1]!.at)).toBeGreaterThanOrEqual(1000 / MAX_PROGRESS_EVENTS_PER_SECOND - 20);
    }
    const step = await prisma.pipelineStep.findUniqueOrThrow({ where: { runId_stage: { runId, stage: 'TRIM' } } });
    expect(step.progress).toBe(99);
    expect(step.eventSeq).toBe(received.at(-1)!.seq);
  });
});

describe('ProgressHub.watch', () => {
  it('emits the snapshot, then only events newer than it, per step', async () => {
    const seen: PipelineEvent[] = [];
    let stale: PipelineEvent | null = null;
    const iterator = hub
      .watch(
        recordingChannel(recordingId),
        async () => {
          // An event lands while the snapshot is being read: it is newer, so it must still arrive.
          const snapshotSeq = (await prisma.pipelineStep.findUniqueOrThrow({ where: { runId_stage: { runId, stage: 'TRIM' } } })).eventSeq;
          await state.updateStep(tenantId, runId, 'TRANSCRIBE', { status: 'RUNNING' });
          stale = { kind: 'STEP', tenantId, runId, recordingId, stage: 'TRIM', status: 'RUNNING', progress: 1, message: null, seq: snapshotSeq, at: new Date().toISOString(), recordingStatus: 'PROCESSING' };
          return { events: [{ ...stale, kind: 'SNAPSHOT' }], seen: new Map([[`${runId}:TRIM`, snapshotSeq]]) };
        },
        () => true,
      )
      [Symbol.asyncIterator]();
    seen.push((await iterator.next()).value as PipelineEvent);
    seen.push((await iterator.next()).value as PipelineEvent);
    // A re-delivered old TRIM event is dropped; a new one comes through.
    await state.publish({ ...stale!, kind: 'STEP' });
    await state.updateStep(tenantId, runId, 'TRIM', { status: 'COMPLETED', progress: 100 });
    seen.push((await iterator.next()).value as PipelineEvent);
    await iterator.return?.();

    expect(seen.map((e) => [e.kind, e.stage, e.status])).toEqual([
      ['SNAPSHOT', 'TRIM', 'RUNNING'],
      ['STEP', 'TRANSCRIBE', 'RUNNING'],
      ['STEP', 'TRIM', 'COMPLETED'],
    ]);
  });
});
