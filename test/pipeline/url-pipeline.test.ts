import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prisma } from '../../src/lib/db.js';
import { rawId, registerUser, startTestApp, type RegisteredUser, type TestApp } from '../support/app.js';
import { listen, sendFile } from '../support/http-fixtures.js';
import { ingestOverridesFor } from '../support/ingest.js';
import { mediaScratch } from '../support/media.js';
import { isRunEnd, RECORDING_PROGRESS, recordEvents, startPipeline, startWorkerProcess, type WorkerProcess } from '../support/pipeline.js';
import { makeSampleLecture } from '../../scripts/sample-lecture.js';

// The whole pipeline on a recording that starts as a URL: DOWNLOAD (real yt-dlp from a local web
// server) → TRIM → TRANSCRIBE (offline recogniser on espeak-ng speech) → TOPICS ∥ SUBTITLES → POSTER.

let app: TestApp;
let owner: RegisteredUser;
let worker: WorkerProcess;
let web: Awaited<ReturnType<typeof listen>>;
let scratch: Awaited<ReturnType<typeof mediaScratch>>;

beforeAll(async () => {
  scratch = await mediaScratch('url-pipeline');
  const lecture = `${scratch.dir}/sample-lecture.mp4`;
  await makeSampleLecture(lecture);
  web = await listen((req, res) => sendFile(req, res, lecture, { contentType: 'video/mp4' }));
  [app, worker] = await Promise.all([
    startTestApp({ ingest: ingestOverridesFor({}, { urlGuard: { allowHosts: ['127.0.0.1'] } }) }),
    startWorkerProcess({ URL_INGEST_ALLOW_HOSTS: '127.0.0.1' }),
  ]);
  owner = await registerUser(app);
}, 180_000);

afterAll(async () => {
  await worker?.kill();
  await app?.close();
  await web?.close();
  await scratch?.cleanup();
});

describe('a lecture from a URL, end to end', () => {
  it('downloads, trims, transcribes, finds topics, writes subtitles and a poster', { timeout: 300_000 }, async () => {
    const created = await app.gql<{ createRecordingFromUrl: { __typename: string; recordings: Array<{ id: string }> } }>(
      'mutation($url: String!) { createRecordingFromUrl(url: $url) { __typename ... on IngestResult { recordings { id } } ... on Error { message } } }',
      { url: `${web.origin}/lectures/sample-lecture.mp4` },
      owner.accessToken,
    );
    const recordingId = created.data?.createRecordingFromUrl.recordings[0]?.id;
    expect(recordingId, JSON.stringify(created)).toBeTruthy();

    const events = recordEvents(app.ws(owner.accessToken), RECORDING_PROGRESS, { id: recordingId }, 'recordingProgress');
    await startPipeline(app, owner.accessToken, recordingId!);
    const end = await events.until(isRunEnd, 280_000);
    events.stop();
    const run = await prisma.pipelineRun.findFirstOrThrow({ where: { recordingId: rawId(recordingId!) }, include: { steps: true } });
    const steps = Object.fromEntries(run.steps.map((s) => [s.stage, s]));
    expect(end.status, JSON.stringify(run.steps.map((s) => [s.stage, s.status, s.error]))).toBe('COMPLETED');
    for (const stage of ['DOWNLOAD', 'TRIM', 'TRANSCRIBE', 'TOPICS', 'SUBTITLES', 'POSTER'] as const) expect(steps[stage]?.status).toBe('COMPLETED');
    // DOWNLOAD reported progress and the recording went through DOWNLOADING.
    expect(events.events.some((e) => e.stage === 'DOWNLOAD' && e.recordingStatus === 'DOWNLOADING')).toBe(true);

    const recording = await prisma.recording.findUniqueOrThrow({ where: { id: rawId(recordingId!) }, include: { topicVersions: true } });
    expect(recording.sourceFileKey).toMatch(/source\.mp4$/);
    // The sample has 12 s of silence before and 15 s after the talks: edge trimming removes most of it.
    expect(recording.trimmedDurationSec!).toBeLessThan(recording.durationSec! - 12);
    expect(recording.topicVersions).toHaveLength(1);
    expect(recording.topicVersions[0]).toMatchObject({ version: 1, isActive: true });
    const keys = (await app.services.storage.list(`tenants/${rawId(owner.tenantId)}/recordings/${recording.id}/`)).map((o) => o.key.split('/').at(-1));
    expect(keys.sort()).toEqual(expect.arrayContaining(['audio.ogg', 'edl.json', 'poster.jpg', 'source.mp4', 'subtitles.srt', 'subtitles.vtt', 'transcript.json', 'video.mp4']));

    // regenerateTopics is a run of TOPICS alone; its result is a new active version.
    const again = recordEvents(app.ws(owner.accessToken), RECORDING_PROGRESS, { id: recordingId }, 'recordingProgress');
    const regenerated = await app.gql<{ regenerateTopics: { __typename: string; steps: Array<{ stage: string; status: string; skipReason: string | null }> } }>(
      'mutation($id: ID!) { regenerateTopics(recordingId: $id, granularity: SHORT) { __typename ... on PipelineRun { steps { stage status skipReason } } ... on Error { message } } }',
      { id: recordingId },
      owner.accessToken,
    );
    expect(regenerated.data?.regenerateTopics.__typename, JSON.stringify(regenerated)).toBe('PipelineRun');
    expect(regenerated.data!.regenerateTopics.steps.filter((s) => s.skipReason === 'Not part of this run').map((s) => s.stage)).toEqual(['DOWNLOAD', 'TRIM', 'TRANSCRIBE', 'SUBTITLES', 'POSTER', 'PUBLISH']);
    await again.until((e) => isRunEnd(e) && e.seq > 1 && e.runId !== end.runId);
    again.stop();
    const versions = await prisma.topicVersion.findMany({ where: { recordingId: recording.id }, orderBy: { version: 'asc' } });
    expect(versions.map((v) => [v.version, v.isActive, v.granularity])).toEqual([[1, false, 'LONG'], [2, true, 'SHORT']]);
  });
});
