import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prisma } from '../../src/lib/db.js';
import { rawId, registerUser, type RegisteredUser, type TestApp } from '../support/app.js';
import { startPipelineFixture, type PipelineFixture } from '../support/pipeline-fixture.js';
import { EVENT_FIELDS, isRunEnd, RECORDING_PROGRESS, recordEvents, START_PIPELINE, startPipeline, type ReceivedEvent } from '../support/pipeline.js';

// A real recording through the pipeline: API in-process, workers in a child process (as in
// production), progress over graphql-ws.

let fixture: PipelineFixture;
let app: TestApp;
let owner: RegisteredUser;

beforeAll(async () => {
  fixture = await startPipelineFixture('pipeline');
  ({ app, owner } = fixture);
}, 120_000);

afterAll(() => fixture?.close());

const upload = async (name = 'Lecture 1') => (await fixture.upload(name)).id;

const stepEvents = (events: ReceivedEvent[], stage: string) => events.filter((e) => e.stage === stage && e.kind === 'STEP');

describe('a lecture through the pipeline', () => {
  it('runs every stage in order and streams each step live to a graphql-ws subscriber', async () => {
    const recordingId = await upload();
    const subscriber = recordEvents(app.ws(owner.accessToken), RECORDING_PROGRESS, { id: recordingId }, 'recordingProgress');
    const runId = await startPipeline(app, owner.accessToken, recordingId);
    const end = await subscriber.until(isRunEnd);
    subscriber.stop();

    expect(end.status).toBe('COMPLETED');
    expect(end.runId).toBe(runId);
    const live = subscriber.events.filter((e) => e.kind !== 'SNAPSHOT');
    const seqs = live.map((e) => e.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBe(seqs.length);

    const trim = stepEvents(live, 'TRIM');
    expect(trim[0]?.status).toBe('RUNNING');
    expect(trim.at(-1)).toMatchObject({ status: 'COMPLETED', progress: 100 });
    const progress = trim.map((e) => e.progress);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(stepEvents(live, 'POSTER').at(-1)?.status).toBe('COMPLETED');
    // TRIM comes before POSTER; the run is started before any step and ends after all of them.
    expect(live.findIndex((e) => e.stage === 'POSTER')).toBeGreaterThan(live.findIndex((e) => e.stage === 'TRIM'));
    // The subscription is usually set up before the start, and then sees the run QUEUED first; set up
    // after it (a busy machine), it starts with the snapshot instead, and the live events follow it.
    if (subscriber.events[0]?.kind === 'SNAPSHOT') expect(live[0]?.seq).toBeGreaterThan(Math.max(...subscriber.events.filter((e) => e.kind === 'SNAPSHOT').map((e) => e.seq)));
    else expect(live[0]).toMatchObject({ kind: 'RUN', status: 'QUEUED' });
    expect(live.at(-1)).toBe(end);

    const recording = await prisma.recording.findUniqueOrThrow({ where: { id: rawId(recordingId) }, include: { pipelineRuns: { include: { steps: true } } } });
    expect(recording.status).toBe(end.recordingStatus);
    expect(recording.trimmedDurationSec).toBeLessThan(recording.durationSec ?? 0);
    expect(recording.posterFileKey).toMatch(/poster\.jpg$/);
    const steps = Object.fromEntries(recording.pipelineRuns[0]!.steps.map((s) => [s.stage, s]));
    expect(steps.DOWNLOAD).toMatchObject({ status: 'SKIPPED', skipReason: 'The source file is already in storage' });
    expect(steps.PUBLISH).toMatchObject({ status: 'SKIPPED', skipReason: 'No output presets are configured' });
    expect(steps.TRIM?.attempts).toBe(1);
  });

  it('answers a second start of a running recording with a typed conflict', async () => {
    const recordingId = await upload('Lecture 2');
    const subscriber = recordEvents(app.ws(owner.accessToken), RECORDING_PROGRESS, { id: recordingId }, 'recordingProgress');
    await startPipeline(app, owner.accessToken, recordingId);
    const second = await app.gql<{ startPipeline: { __typename: string; code: string } }>(START_PIPELINE, { input: { recordingId } }, owner.accessToken);
    expect(second.data?.startPipeline).toMatchObject({ __typename: 'ConflictError', code: 'CONFLICT' });
    await subscriber.until(isRunEnd);
    subscriber.stop();
    expect(await prisma.pipelineRun.count({ where: { recordingId: rawId(recordingId) } })).toBe(1);
  });

  it('skips the stages the per-request overrides disable, with the reason', async () => {
    const recordingId = await upload('Lecture 3');
    const subscriber = recordEvents(app.ws(owner.accessToken), RECORDING_PROGRESS, { id: recordingId }, 'recordingProgress');
    await startPipeline(app, owner.accessToken, recordingId, { overrides: { processingConfig: { trimming: { enabled: false }, poster: { enabled: false } } } });
    const end = await subscriber.until(isRunEnd);
    subscriber.stop();
    expect(end.status).toBe('COMPLETED');
    const run = await prisma.pipelineRun.findFirstOrThrow({ where: { recordingId: rawId(recordingId) }, include: { steps: true } });
    const trim = run.steps.find((s) => s.stage === 'TRIM');
    expect(trim).toMatchObject({ status: 'SKIPPED', skipReason: 'Trimming is disabled in the configuration' });
    expect(stepEvents(subscriber.events, 'TRIM')).toEqual([]);
  });

  it('gives a late subscriber the snapshot of a finished run, then nothing stale', async () => {
    const recordingId = await upload('Lecture 4');
    const first = recordEvents(app.ws(owner.accessToken), RECORDING_PROGRESS, { id: recordingId }, 'recordingProgress');
    await startPipeline(app, owner.accessToken, recordingId);
    await first.until(isRunEnd);
    first.stop();

    const late = recordEvents(app.ws(owner.accessToken), RECORDING_PROGRESS, { id: recordingId }, 'recordingProgress');
    await late.until((e) => e.kind === 'SNAPSHOT' && e.stage === 'PUBLISH');
    await new Promise((resolve) => setTimeout(resolve, 300));
    late.stop();
    expect(late.events.every((e) => e.kind === 'SNAPSHOT')).toBe(true);
    expect(late.events[0]).toMatchObject({ stage: null, status: 'COMPLETED' });
    expect(late.events.find((e) => e.stage === 'TRIM')).toMatchObject({ status: 'COMPLETED', progress: 100 });
  });

  it('gives a reconnecting subscriber the snapshot and every later change, so it misses nothing', async () => {
    const recordingId = await upload('Lecture 5');
    const firstClient = app.ws(owner.accessToken);
    const first = recordEvents(firstClient, RECORDING_PROGRESS, { id: recordingId }, 'recordingProgress');
    await startPipeline(app, owner.accessToken, recordingId, { overrides: { processingConfig: { trimming: { mode: 'pauses' } } } });
    await first.until((e) => e.stage === 'TRIM' && e.status === 'RUNNING');
    await firstClient.dispose();

    const second = recordEvents(app.ws(owner.accessToken), RECORDING_PROGRESS, { id: recordingId }, 'recordingProgress');
    await second.until(isRunEnd);
    second.stop();
    const [snapshot, live] = [second.events.filter((e) => e.kind === 'SNAPSHOT'), second.events.filter((e) => e.kind !== 'SNAPSHOT')];
    expect(snapshot.length).toBe(8); // the run and its 7 steps
    expect(second.events.slice(0, 8)).toEqual(snapshot);
    const seqs = live.map((e) => e.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));

    // What the subscriber knows at the end is exactly what the database says.
    const known = new Map<string, string>();
    for (const event of second.events) known.set(event.stage ?? 'RUN', event.status);
    const run = await prisma.pipelineRun.findFirstOrThrow({ where: { recordingId: rawId(recordingId) }, include: { steps: true } });
    expect(Object.fromEntries(known)).toEqual({ RUN: run.status, ...Object.fromEntries(run.steps.map((s) => [s.stage, s.status])) });
  });

  it("streams a workspace's runs to pipelineEvents, and nothing of them to another workspace", async () => {
    const other = await registerUser(app);
    const query = `subscription { pipelineEvents { ${EVENT_FIELDS} } }`;
    const mine = recordEvents(app.ws(owner.accessToken), query, {}, 'pipelineEvents');
    const theirs = recordEvents(app.ws(other.accessToken), query, {}, 'pipelineEvents');
    const recordingId = await upload('Lecture 6');
    const runId = await startPipeline(app, owner.accessToken, recordingId);
    await mine.until((e) => isRunEnd(e) && e.runId === runId);
    await new Promise((resolve) => setTimeout(resolve, 300));
    mine.stop();
    theirs.stop();
    expect(mine.events.filter((e) => e.runId === runId).length).toBeGreaterThan(5);
    expect(theirs.events).toEqual([]);
    expect(theirs.errors).toEqual([]);
  });

  it("refuses another workspace's recording on recordingProgress, as if it did not exist", async () => {
    const other = await registerUser(app);
    const recordingId = await upload('Lecture 7');
    const spy = recordEvents(app.ws(other.accessToken), RECORDING_PROGRESS, { id: recordingId }, 'recordingProgress');
    await new Promise((resolve) => setTimeout(resolve, 500));
    spy.stop();
    expect(spy.events).toEqual([]);
    expect(JSON.stringify(spy.errors)).toMatch(/Recording not found/);
  });
});
