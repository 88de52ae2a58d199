import { describe, expect, it } from 'vitest';
import type { RecordingStatus, Stage, StepStatus, TargetStatus } from '../../src/generated/prisma/enums.js';
import { processingConfigSchema, outputConfigSchema } from '../../src/modules/config/config-schemas.js';
import { deriveRecordingStatus, type StatusInputs } from '../../src/modules/pipeline/recording-status.js';
import { blockedStages, planSteps, runnableStages, STAGES } from '../../src/modules/pipeline/stages.js';

const steps = (spec: Partial<Record<Stage, StepStatus>>) => STAGES.map((stage) => ({ stage, status: spec[stage] ?? 'PENDING' }));
const all = (status: StepStatus, except: Partial<Record<Stage, StepStatus>> = {}) => steps(Object.fromEntries(STAGES.map((s) => [s, except[s] ?? status])));

describe('planSteps', () => {
  const processing = processingConfigSchema.parse({});
  const output = outputConfigSchema.parse({});

  it('skips DOWNLOAD when the source is stored and PUBLISH without presets, with reasons', () => {
    const plan = planSteps(processing, output, { hasSource: true, remoteSource: false });
    expect(plan.filter((p) => p.skipReason).map((p) => [p.stage, p.skipReason])).toEqual([
      ['DOWNLOAD', 'The source file is already in storage'],
      ['PUBLISH', 'No output presets are configured'],
    ]);
  });

  it('downloads a remote source, and names each disabled stage', () => {
    const disabled = processingConfigSchema.parse({ trimming: { enabled: false }, topics: { enabled: false }, poster: { enabled: false } });
    const plan = planSteps(disabled, outputConfigSchema.parse({ presetIds: ['p1'], autoUpload: true }), { hasSource: false, remoteSource: true });
    expect(Object.fromEntries(plan.map((p) => [p.stage, p.skipReason]))).toEqual({
      DOWNLOAD: null,
      TRIM: 'Trimming is disabled in the configuration',
      TRANSCRIBE: null,
      TOPICS: 'Topics are disabled in the configuration',
      SUBTITLES: null,
      POSTER: 'The poster is disabled in the configuration',
      PUBLISH: null,
    });
  });

  it('does not publish automatically unless autoUpload is on', () => {
    const plan = planSteps(processing, outputConfigSchema.parse({ presetIds: ['p1'] }), { hasSource: true, remoteSource: false });
    expect(plan.find((p) => p.stage === 'PUBLISH')?.skipReason).toMatch(/Automatic upload is off/);
  });
});

describe('runnableStages / blockedStages', () => {
  it.each<[string, Partial<Record<Stage, StepStatus>>, Stage[]]>([
    ['only DOWNLOAD at first', {}, ['DOWNLOAD']],
    ['TRIM after a skipped DOWNLOAD', { DOWNLOAD: 'SKIPPED' }, ['TRIM']],
    ['TRANSCRIBE and POSTER in parallel after TRIM', { DOWNLOAD: 'COMPLETED', TRIM: 'COMPLETED' }, ['TRANSCRIBE', 'POSTER']],
    ['TOPICS and SUBTITLES in parallel', { DOWNLOAD: 'COMPLETED', TRIM: 'COMPLETED', TRANSCRIBE: 'COMPLETED', POSTER: 'RUNNING' }, ['TOPICS', 'SUBTITLES']],
    ['PUBLISH waits for both branches', { DOWNLOAD: 'COMPLETED', TRIM: 'COMPLETED', TRANSCRIBE: 'COMPLETED', TOPICS: 'COMPLETED', SUBTITLES: 'RUNNING', POSTER: 'COMPLETED' }, []],
    ['a failed poster does not block PUBLISH', { DOWNLOAD: 'COMPLETED', TRIM: 'COMPLETED', TRANSCRIBE: 'COMPLETED', TOPICS: 'COMPLETED', SUBTITLES: 'SKIPPED', POSTER: 'FAILED' }, ['PUBLISH']],
    ['nothing after a failed TRANSCRIBE', { DOWNLOAD: 'COMPLETED', TRIM: 'COMPLETED', TRANSCRIBE: 'FAILED', POSTER: 'COMPLETED' }, []],
  ])('%s', (_name, spec, expected) => {
    expect(runnableStages(steps(spec))).toEqual(expected);
  });

  it('knows which pending stages a failure blocks, transitively', () => {
    expect(blockedStages(steps({ DOWNLOAD: 'COMPLETED', TRIM: 'COMPLETED', TRANSCRIBE: 'FAILED', POSTER: 'COMPLETED' }))).toEqual(['TOPICS', 'SUBTITLES', 'PUBLISH']);
    expect(blockedStages(steps({ DOWNLOAD: 'COMPLETED', TRIM: 'COMPLETED', POSTER: 'FAILED' }))).toEqual([]);
  });
});

describe('deriveRecordingStatus', () => {
  const base: StatusInputs = { deleteState: 'ACTIVE', expireAt: null, isBlank: false, sourcePending: false, hasSource: true, steps: [], targets: [] };
  const target = (...statuses: TargetStatus[]) => statuses.map((status) => ({ status }));

  it.each<[string, Partial<StatusInputs>, RecordingStatus]>([
    ['soft-deleted', { deleteState: 'SOFT' }, 'EXPIRED'],
    ['past its expiry', { expireAt: new Date(Date.now() - 1000) }, 'EXPIRED'],
    ['never ran, Zoom still processing', { steps: [], sourcePending: true, hasSource: false }, 'PENDING_SOURCE'],
    ['never ran, blank', { isBlank: true }, 'SKIPPED'],
    ['never ran, no source yet', { hasSource: false }, 'INITIALIZED'],
    ['never ran, uploaded', {}, 'DOWNLOADED'],
    ['downloading', { hasSource: false, steps: steps({ DOWNLOAD: 'RUNNING' }) }, 'DOWNLOADING'],
    ['download failed', { hasSource: false, steps: steps({ DOWNLOAD: 'FAILED' }) }, 'INITIALIZED'],
    ['downloaded, trim queued', { steps: steps({ DOWNLOAD: 'COMPLETED' }) }, 'DOWNLOADED'],
    ['trimming', { steps: steps({ DOWNLOAD: 'SKIPPED', TRIM: 'RUNNING' }) }, 'PROCESSING'],
    ['between two stages stays PROCESSING', { steps: steps({ DOWNLOAD: 'SKIPPED', TRIM: 'COMPLETED' }) }, 'PROCESSING'],
    ['a processing stage failed', { steps: steps({ DOWNLOAD: 'SKIPPED', TRIM: 'COMPLETED', TRANSCRIBE: 'FAILED' }) }, 'DOWNLOADED'],
    ['processed, no targets', { steps: all('COMPLETED', { PUBLISH: 'SKIPPED' }) }, 'PROCESSED'],
    ['a poster still running does not hold PROCESSED', { steps: all('COMPLETED', { POSTER: 'RUNNING', PUBLISH: 'SKIPPED' }) }, 'PROCESSED'],
    ['publishing', { steps: all('COMPLETED', { PUBLISH: 'RUNNING' }), targets: target('UPLOADING', 'NOT_UPLOADED') }, 'UPLOADING'],
    ['some targets uploaded', { steps: all('COMPLETED'), targets: target('UPLOADED', 'FAILED') }, 'UPLOADED'],
    ['every target uploaded', { steps: all('COMPLETED'), targets: target('UPLOADED', 'UPLOADED') }, 'READY'],
    ['every target failed', { steps: all('COMPLETED', { PUBLISH: 'FAILED' }), targets: target('FAILED') }, 'PROCESSED'],
  ])('%s', (_name, input, expected) => {
    expect(deriveRecordingStatus({ ...base, ...input })).toBe(expected);
  });
});

describe('planSteps without transcription', () => {
  it('skips TOPICS and SUBTITLES when there is no transcript to work from, and runs them on an earlier one', () => {
    const noTranscription = processingConfigSchema.parse({ transcription: { enabled: false } });
    const output = outputConfigSchema.parse({});
    const reasons = (hasTranscript: boolean) =>
      Object.fromEntries(planSteps(noTranscription, output, { hasSource: true, remoteSource: false, hasTranscript }).map((p) => [p.stage, p.skipReason]));
    expect(reasons(false)).toMatchObject({ TOPICS: 'No transcript to work from (this run does not transcribe)', SUBTITLES: 'No transcript to work from (this run does not transcribe)' });
    expect(reasons(true)).toMatchObject({ TOPICS: null, SUBTITLES: null });
  });
});
