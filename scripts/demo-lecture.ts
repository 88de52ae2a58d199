// The demo's main job: a generated sample lecture uploaded, processed end to end with live progress
// (graphql-ws), and its outputs listed — all over the public API, as any client would do it.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { print } from 'graphql';
import WebSocket from 'ws';
import { subscribe, type LeapClient } from '../sdk/client.js';
import {
  CreateOutputPresetDocument,
  CreateRecordingFromUploadDocument,
  ExportPresetsDocument,
  RecordingResultsDocument,
  RecordingProgressDocument,
  StartPipelineDocument,
  type PipelineEventFieldsFragment,
} from '../sdk/generated/graphql.js';
import { bold, dim, done, green, info, red, table } from './demo-output.js';
import { makeSampleLecture } from './sample-lecture.js';

export interface LectureState {
  recordingId: string | null;
}

const EXPORT_PRESET = 'Export package (demo)';

/** The demo publishes to an export package in LEAP's own storage: no outside account needed. */
async function exportPresetId(api: LeapClient): Promise<string> {
  const { outputPresets } = await api.request(ExportPresetsDocument);
  const existing = outputPresets.edges.find(({ node }) => node.name === EXPORT_PRESET);
  if (existing) return existing.node.id;
  const { createOutputPreset } = await api.request(CreateOutputPresetDocument, { input: { name: EXPORT_PRESET, platform: 'S3_EXPORT' } });
  if (createOutputPreset.__typename !== 'OutputPreset') throw new Error(`${createOutputPreset.__typename}: ${'message' in createOutputPreset ? createOutputPreset.message : ''}`);
  return createOutputPreset.id;
}

const SAMPLE = path.resolve('var/demo/sample-lecture.mp4');

export async function uploadLecture(api: LeapClient, state: LectureState): Promise<void> {
  if (!existsSync(SAMPLE)) {
    info('generating', 'a 100 s lecture: espeak-ng speech, silent head and tail, pauses (once)');
    await makeSampleLecture(SAMPLE);
  }
  const form = new FormData();
  form.set('operations', JSON.stringify({ query: print(CreateRecordingFromUploadDocument), variables: { file: null, displayName: 'Demo lecture: photosynthesis, water, volcanoes' } }));
  form.set('map', JSON.stringify({ 0: ['variables.file'] }));
  form.set('0', new Blob([await readFile(SAMPLE)], { type: 'video/mp4' }), 'sample-lecture.mp4');
  const response = await fetch(api.url, { method: 'POST', headers: api.accessToken ? { authorization: `Bearer ${api.accessToken}` } : {}, body: form });
  const body = (await response.json()) as { data?: { createRecordingFromUpload: { __typename: string; id?: string; code?: string; message?: string; durationSec?: number; sizeBytes?: number } }; errors?: Array<{ message: string }> };
  const result = body.data?.createRecordingFromUpload;
  if (!result?.id) throw new Error(result?.message ?? body.errors?.map((e) => e.message).join('; ') ?? `upload failed (HTTP ${response.status})`);
  state.recordingId = result.id;
  info('file', `${path.relative(process.cwd(), SAMPLE)}, ${((result.sizeBytes ?? 0) / 1024 / 1024).toFixed(1)} MB, ${Math.round(result.durationSec ?? 0)} s`);
  done(`uploaded as recording ${result.id} (streamed, sniffed, probed)`);
}

const BAR = 24;
const bar = (progress: number) => `${'█'.repeat(Math.round((progress / 100) * BAR))}${'░'.repeat(BAR - Math.round((progress / 100) * BAR))}`;
const mark = (status: string) => (status === 'COMPLETED' ? green('✓') : status === 'FAILED' ? red('✗') : status === 'SKIPPED' ? dim('–') : status === 'RUNNING' ? '›' : dim('·'));

/** One line per step, redrawn in place on a terminal; elsewhere a line per change. */
class ProgressView {
  private readonly steps = new Map<string, PipelineEventFieldsFragment>();
  private drawn = 0;
  private readonly tty = process.stdout.isTTY;

  update(event: PipelineEventFieldsFragment): void {
    if (!event.stage) return;
    const before = this.steps.get(event.stage);
    this.steps.set(event.stage, event);
    if (this.tty) return this.redraw();
    const crossed = Math.floor(event.progress / 25) !== Math.floor((before?.progress ?? -1) / 25);
    if (!before || before.status !== event.status || crossed) console.log(this.line(event));
  }

  private line(e: PipelineEventFieldsFragment): string {
    const text = e.message ? ` ${dim(e.message.slice(0, 70))}` : '';
    return `    ${mark(e.status)} ${e.stage!.padEnd(10)} ${bar(e.status === 'SKIPPED' ? 0 : e.progress)} ${String(e.progress).padStart(3)}% ${e.status.padEnd(9)}${text}`;
  }

  private redraw(): void {
    if (this.drawn > 0) process.stdout.write(`\x1b[${this.drawn}A`);
    for (const event of this.steps.values()) process.stdout.write(`\x1b[2K${this.line(event)}\n`);
    this.drawn = this.steps.size;
  }
}

export async function processLecture(api: LeapClient, state: LectureState): Promise<void> {
  const recordingId = state.recordingId;
  if (!recordingId) throw new Error('no recording uploaded');
  const view = new ProgressView();
  let stop: () => void = () => undefined;
  const finished = new Promise<PipelineEventFieldsFragment>((resolve, reject) => {
    stop = subscribe(api, RecordingProgressDocument, { recordingId }, {
      next: ({ recordingProgress: event }) => {
        view.update(event);
        if (event.kind === 'RUN' && ['COMPLETED', 'FAILED', 'CANCELLED'].includes(event.status)) resolve(event);
      },
      error: reject,
    }, { webSocketImpl: WebSocket });
  });
  const presetId = await exportPresetId(api);
  info('publish to', `${EXPORT_PRESET} (video, subtitles, transcript, topics, description, manifest)`);
  const { startPipeline } = await api.request(StartPipelineDocument, {
    input: { recordingId, overrides: { outputConfig: { presetIds: [presetId], autoUpload: true } } },
  });
  if (startPipeline.__typename !== 'PipelineRun') throw new Error(`${startPipeline.__typename}: ${'message' in startPipeline ? startPipeline.message : ''}`);
  info('run', `${startPipeline.id} — live progress over graphql-ws`);
  const timeout = setTimeout(() => stop(), 15 * 60_000);
  try {
    const end = await finished;
    if (end.status !== 'COMPLETED') throw new Error(`the run ended ${end.status}: ${end.message ?? ''}`);
    done(`processed: recording is ${end.recordingStatus}`);
  } finally {
    clearTimeout(timeout);
    stop();
  }
}

export async function showOutputs(api: LeapClient, state: LectureState): Promise<void> {
  const { recording } = await api.request(RecordingResultsDocument, { id: state.recordingId ?? '' });
  if (!recording) throw new Error('recording not found');
  const duration = (s: number | null | undefined) => (s == null ? '-' : `${s.toFixed(1)} s`);
  info('duration', `${duration(recording.durationSec)} → ${duration(recording.trimmedDurationSec)} after trimming (${recording.trim?.mode ?? 'not trimmed'})`);
  table(
    (recording.latestRun?.steps ?? []).map((step) => ({
      stage: step.stage,
      status: step.status,
      time: step.startedAt && step.finishedAt ? `${((Date.parse(step.finishedAt) - Date.parse(step.startedAt)) / 1000).toFixed(1)} s` : '-',
      result: (step.skipReason ?? step.error ?? step.message ?? '').slice(0, 80),
    })),
  );
  for (const target of recording.outputTargets) {
    info('published', `${target.preset?.name ?? target.platform}: ${target.status}${target.url ? ` ${dim(target.url)}` : ''}${target.error ? ` (${target.error})` : ''}`);
  }
  console.log(`    ${bold('files')}`);
  for (const file of recording.files) console.log(`    ${file.kind.padEnd(8)} ${file.name.padEnd(16)} ${dim(file.url)}`);
  done(`${recording.files.length} file(s); links valid until ${recording.files[0]?.expiresAt ?? '-'}`);
}
