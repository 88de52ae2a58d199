import { execFile } from 'node:child_process';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AiEndpointResolver } from '../../src/ai/types.js';
import { prisma } from '../../src/lib/db.js';
import { ConflictError } from '../../src/lib/errors.js';
import { extractAsrAudio, probeMedia } from '../../src/media/index.js';
import { processingConfigSchema } from '../../src/modules/config/config-schemas.js';
import { usagePeriod } from '../../src/modules/recordings/recordings.service.js';
import { recordingFileKey } from '../../src/modules/storage/storage.js';
import { TranscriptionService } from '../../src/modules/transcripts/transcription.service.js';
import { rawId, registerUser, startTestApp, type RegisteredUser, type TestApp } from '../support/app.js';
import { mediaScratch } from '../support/media.js';
import { startFakeOpenAi, type FakeOpenAi } from '../support/openai-server.js';
import { ERROR_FIELDS, globalId, ok, recordingOf } from '../support/templates.js';

// The AI services end to end on real Postgres and storage (transcription through the fake OpenAI
// server, topics and subtitles with the offline providers), then the GraphQL surface.

const settings = processingConfigSchema.parse({});
let app: TestApp;
let fake: FakeOpenAi;
let scratch: Awaited<ReturnType<typeof mediaScratch>>;
let audio: string;
let user: RegisteredUser;
let tenantId: string;
let transcription: TranscriptionService;

beforeAll(async () => {
  app = await startTestApp();
  fake = await startFakeOpenAi();
  scratch = await mediaScratch('ai-api');
  audio = await scratch.make('audio.ogg', { durationSec: 240, sound: 'always', audio: { codec: 'opus', sampleRate: 16000 }, muxer: 'ogg' });
  user = await registerUser(app);
  tenantId = rawId(user.tenantId);
  const endpoints: AiEndpointResolver = {
    resolve: (_tenant, purpose) =>
      Promise.resolve(purpose === 'transcription' ? { provider: 'fake', baseUrl: fake.baseUrl, apiKey: fake.apiKey, model: 'whisper-1', maxUploadBytes: 10 * 1024 * 1024 } : null),
  };
  transcription = new TranscriptionService(prisma, app.services.storage, endpoints);
});
afterAll(async () => {
  await fake.close();
  await app.close();
  await scratch.cleanup();
});

async function recordingWithAudio(name: string) {
  const recording = await recordingOf(user, { displayName: name });
  const key = recordingFileKey(tenantId, recording.id, 'audio.ogg');
  await app.services.storage.putFile(key, audio);
  return prisma.recording.update({ where: { id: recording.id }, data: { audioFileKey: key, trimmedDurationSec: 240 } });
}

const storageBytes = async () => (await prisma.tenant.findUniqueOrThrow({ where: { id: tenantId } })).storageBytes;
const storedSize = async (key: string) => (await app.services.storage.stat(key))?.sizeBytes ?? 0;

const RECORDING = /* GraphQL */ `
  query($id: ID!) {
    recording(id: $id) {
      transcriptFlagged
      transcript { language durationSec text wordCount flagged flagReasons provider model segments { startSec endSec text } }
      topics { active { id version isActive manuallyEdited provider mainTopic summary questions topics { title startSec endSec isBreak } } versions { id version isActive } }
      files { kind name url }
    }
  }`;
const EDIT = `mutation($id: ID!, $input: EditTopicsInput!) { editTopics(recordingId: $id, input: $input) { ${ERROR_FIELDS} ... on TopicVersion { id version isActive manuallyEdited topics { title startSec endSec } questions } } }`;
const SELECT = `mutation($id: ID!) { selectTopicVersion(id: $id) { ${ERROR_FIELDS} ... on TopicVersion { id version isActive } } }`;

describe('AI stages on a recording', () => {
  it('transcribes, counts usage, stores exactly; then topics (v1) and subtitles; GraphQL shows them; edits make versions', async () => {
    const recording = await recordingWithAudio('Astronomy 101');
    const before = await storageBytes();
    const usageBefore = await prisma.usageCounter.findUnique({ where: { tenantId_period: { tenantId, period: usagePeriod() } } });
    const progress: number[] = [];

    const result = await transcription.transcribeRecording(tenantId, recording.id, { ...settings.transcription, language: 'en', vocabulary: ['telescope'] }, (f) => progress.push(f));
    expect(result).toMatchObject({ provider: 'fake', model: 'whisper-1', language: 'en', wordCount: 240, flagged: false, blockAutoPublish: false });
    expect(result.durationSec).toBeCloseTo(240, 0);
    expect(progress.at(-1)).toBe(1);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(fake.requests.at(-1)!.fields.prompt).toBe('Astronomy 101. telescope.');
    const transcriptKey = recordingFileKey(tenantId, recording.id, 'transcript.json');
    expect(await storageBytes()).toBe(before + BigInt(await storedSize(transcriptKey)));
    const usage = await prisma.usageCounter.findUniqueOrThrow({ where: { tenantId_period: { tenantId, period: usagePeriod() } } });
    expect(usage.transcriptionSeconds - (usageBefore?.transcriptionSeconds ?? 0)).toBe(240);
    expect(await prisma.usageEvent.count({ where: { tenantId, recordingId: recording.id, type: 'TRANSCRIPTION_COMPLETED' } })).toBe(1);

    const topics = await app.services.topics.generateTopics(tenantId, recording.id, settings.topics);
    expect(topics).toMatchObject({ version: 1, provider: 'local', topicCount: 3 });
    const beforeSubtitles = await storageBytes();
    const subtitles = await app.services.subtitles.writeSubtitles(tenantId, recording.id, settings.subtitles);
    expect(subtitles.keys.map((k) => path.basename(k))).toEqual(['subtitles.srt', 'subtitles.vtt']);
    expect(subtitles.cueCount).toBeGreaterThan(10);
    const subtitleBytes = (await storedSize(subtitles.keys[0]!)) + (await storedSize(subtitles.keys[1]!));
    expect(await storageBytes()).toBe(beforeSubtitles + BigInt(subtitleBytes));

    const id = globalId('Recording', recording.id);
    type Shown = { recording: { transcriptFlagged: boolean; transcript: Record<string, unknown> & { segments: unknown[] }; topics: { active: { id: string; version: number; topics: Array<{ startSec: number; endSec: number }>; questions: string[] }; versions: Array<{ id: string }> }; files: Array<{ kind: string; url: string }> } };
    const shown = await ok<Shown>(app, RECORDING, { id }, user.accessToken);
    expect(shown.recording.transcript).toMatchObject({ language: 'en', wordCount: 240, flagged: false, provider: 'fake', model: 'whisper-1' });
    expect(shown.recording.transcript.segments).toHaveLength(80);
    expect(String(shown.recording.transcript.text).split('\n')[0]).toBe('w0 w1 w2');
    expect(shown.recording.topics.active).toMatchObject({ version: 1, questions: expect.any(Array) });
    expect(shown.recording.topics.active.topics).toHaveLength(3);
    expect(shown.recording.topics.active.topics.at(-1)!.endSec).toBeCloseTo(240, 0);
    expect(shown.recording.files.map((f) => f.kind).sort()).toEqual(['AUDIO', 'SUBTITLES_SRT', 'SUBTITLES_VTT', 'TRANSCRIPT']);
    const srt = await fetch(new URL(shown.recording.files.find((f) => f.kind === 'SUBTITLES_SRT')!.url, app.url));
    expect(await srt.text()).toMatch(/^1\n00:00:00,100 --> /);

    // A manual edit is a new active version; a bad one is refused with field issues.
    const edited = await ok<{ editTopics: { __typename: string; version: number; isActive: boolean; manuallyEdited: boolean; topics: Array<{ startSec: number; endSec: number }> } }>(
      app, EDIT, { id, input: { topics: [{ title: 'Intro', startSec: 0 }, { title: 'Stars', startSec: 100 }], questions: ['Why do stars shine?'] } }, user.accessToken);
    expect(edited.editTopics).toMatchObject({ __typename: 'TopicVersion', version: 2, isActive: true, manuallyEdited: true });
    expect(edited.editTopics.topics.map((t) => [t.startSec, t.endSec])).toEqual([[0, 100], [100, expect.closeTo(240, 0)]]);
    const refused = await ok<{ editTopics: { __typename: string; issues: Array<{ path: string }> } }>(
      app, EDIT, { id, input: { topics: [{ title: 'B', startSec: 100 }, { title: 'A', startSec: 50 }, { title: '', startSec: 999 }] } }, user.accessToken);
    expect(refused.editTopics.__typename).toBe('ValidationError');
    expect(refused.editTopics.issues.map((i) => i.path)).toEqual(['topics.1.startSec', 'topics.2.title', 'topics.2.startSec']);
    expect(await prisma.topicVersion.count({ where: { recordingId: recording.id } })).toBe(2);

    const v1 = shown.recording.topics.active.id;
    const selected = await ok<{ selectTopicVersion: { version: number; isActive: boolean } }>(app, SELECT, { id: v1 }, user.accessToken);
    expect(selected.selectTopicVersion).toMatchObject({ version: 1, isActive: true });
    const active = await prisma.topicVersion.findMany({ where: { recordingId: recording.id, isActive: true } });
    expect(active.map((v) => v.version)).toEqual([1]);

    // Generating again adds v3 and makes it active.
    expect(await app.services.topics.generateTopics(tenantId, recording.id, { ...settings.topics, granularity: 'short' })).toMatchObject({ version: 3 });
  });

  it('runs without any API key: offline transcription, topics and subtitles', async () => {
    const wav = path.join(scratch.dir, 'speech.wav');
    await promisify(execFile)('espeak-ng', ['-v', 'en-us', '-s', '140', '-w', wav, 'Hello world. The weather is good today. We study the climate of the world.']);
    const recording = await recordingOf(user, { displayName: 'Offline' });
    const key = recordingFileKey(tenantId, recording.id, 'audio.ogg');
    const ogg = path.join(scratch.dir, 'speech.ogg');
    await extractAsrAudio(wav, await probeMedia(wav), ogg);
    await app.services.storage.putFile(key, ogg);
    await prisma.recording.update({ where: { id: recording.id }, data: { audioFileKey: key } });

    // The app's services use the platform settings, which configure no AI endpoint in tests.
    const transcribed = await app.services.transcription.transcribeRecording(tenantId, recording.id, settings.transcription);
    expect(transcribed).toMatchObject({ provider: 'local', model: 'pocketsphinx-en-us', language: 'en' });
    expect(transcribed.wordCount).toBeGreaterThanOrEqual(5);
    expect(await app.services.topics.generateTopics(tenantId, recording.id, settings.topics)).toMatchObject({ provider: 'local', version: 1, topicCount: 1 });
    const { cueCount } = await app.services.subtitles.writeSubtitles(tenantId, recording.id, { enabled: true, formats: ['vtt'] });
    expect(cueCount).toBeGreaterThanOrEqual(1);
  }, 120_000);

  it('flags a hallucinated transcript and says auto-publish must wait', async () => {
    const recording = await recordingWithAudio('Quiet room');
    const words = Array.from({ length: 40 }, (_, i) => ({ word: 'Thanks', start: i * 6, end: i * 6 + 0.4 }));
    const segments = words.map((w) => ({ start: w.start, end: w.end, text: ' Thanks for watching!' }));
    fake.transcriptionReplies.push({ body: { language: 'en', duration: 240, text: '', words, segments } });
    const result = await transcription.transcribeRecording(tenantId, recording.id, settings.transcription);
    expect(result.flagged).toBe(true);
    expect(result.blockAutoPublish).toBe(true);
    expect(result.flagReasons.join(' ')).toMatch(/repeat/);
    expect((await prisma.recording.findUniqueOrThrow({ where: { id: recording.id } })).transcriptFlagged).toBe(true);
  });

  it('answers missing inputs with ConflictError and leaves nothing behind', async () => {
    const bare = await recordingOf(user, { displayName: 'No audio' });
    await expect(transcription.transcribeRecording(tenantId, bare.id, settings.transcription)).rejects.toBeInstanceOf(ConflictError);
    await expect(app.services.topics.generateTopics(tenantId, bare.id, settings.topics)).rejects.toBeInstanceOf(ConflictError);
    await expect(app.services.subtitles.writeSubtitles(tenantId, bare.id, settings.subtitles)).rejects.toBeInstanceOf(ConflictError);
    const res = await ok<{ editTopics: { __typename: string } }>(app, EDIT, { id: globalId('Recording', bare.id), input: { summary: 'x' } }, user.accessToken);
    expect(res.editTopics.__typename).toBe('ConflictError');
    expect(await prisma.topicVersion.count({ where: { recordingId: bare.id } })).toBe(0);
    expect(await app.services.storage.list(recordingFileKey(tenantId, bare.id, ''))).toEqual([]);
  });

  it('needs the transcribe permission to edit, and hides other tenants', async () => {
    const recording = await recordingWithAudio('Permissions');
    await transcription.transcribeRecording(tenantId, recording.id, settings.transcription);
    const { versionId } = await app.services.topics.generateTopics(tenantId, recording.id, settings.topics);
    const id = globalId('Recording', recording.id);

    await prisma.membership.updateMany({ where: { tenantId, userId: rawId(user.userId) }, data: { canTranscribe: false } });
    try {
      const denied = await app.gql(EDIT, { id, input: { summary: 'mine' } }, user.accessToken);
      expect(denied.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      const deniedSelect = await app.gql(SELECT, { id: globalId('TopicVersion', versionId) }, user.accessToken);
      expect(deniedSelect.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    } finally {
      await prisma.membership.updateMany({ where: { tenantId, userId: rawId(user.userId) }, data: { canTranscribe: true } });
    }

    const other = await registerUser(app);
    const foreign = await ok<{ editTopics: { __typename: string } }>(app, EDIT, { id, input: { summary: 'stolen' } }, other.accessToken);
    expect(foreign.editTopics.__typename).toBe('NotFoundError');
    const foreignSelect = await ok<{ selectTopicVersion: { __typename: string } }>(app, SELECT, { id: globalId('TopicVersion', versionId) }, other.accessToken);
    expect(foreignSelect.selectTopicVersion.__typename).toBe('NotFoundError');
    const seen = await ok<{ recording: null }>(app, RECORDING, { id }, other.accessToken);
    expect(seen.recording).toBeNull();
    expect((await stat(audio)).size).toBeGreaterThan(0);
  });
});
