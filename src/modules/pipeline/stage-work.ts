import type { Stage } from '../../generated/prisma/enums.js';
import type { TrimOptions } from '../../media/index.js';
import type { OutputConfig, ProcessingConfig } from '../config/config-schemas.js';
import { forTenant } from '../../lib/db.js';
import type { QuotaService } from '../quotas/quotas.service.js';
import type { MediaService } from '../recordings/media.service.js';

// What each stage does: a call into the same services the API uses. Stages report progress as a
// fraction of the whole stage; the runner coalesces it into step progress and events.

/** The run's configuration, resolved once at start and stored on the run. */
export interface RunConfig {
  processing: ProcessingConfig;
  output: OutputConfig;
}

export interface StageInput {
  tenantId: string;
  runId: string;
  recordingId: string;
  config: RunConfig;
  report: (fraction: number, message?: string) => void;
}

/** A stage either did its work (with a short summary) or had nothing to do, and says why. */
export type StageOutcome = { message: string; meta?: Record<string, string | number | boolean | null> } | { skipReason: string };

/** The services the stages call; the ones an installation may lack are optional. */
export interface StageServices {
  media: MediaService;
  quotas: QuotaService;
  ingest?: {
    downloadSource(tenantId: string, recordingId: string, onProgress?: (fraction: number, message?: string) => void): Promise<{ sourceFileKey: string; sizeBytes: number; durationSec: number }>;
  };
  transcription?: {
    transcribeRecording(
      tenantId: string,
      recordingId: string,
      settings: ProcessingConfig['transcription'],
      onProgress?: (fraction: number, message?: string) => void,
    ): Promise<{ provider: string; model: string; language: string; durationSec: number; wordCount: number; flagged: boolean; flagReasons: string[] }>;
  };
  topics?: {
    generateTopics(
      tenantId: string,
      recordingId: string,
      settings: ProcessingConfig['topics'],
      onProgress?: (fraction: number, message?: string) => void,
    ): Promise<{ versionId: string; version: number; topicCount: number; provider: string }>;
  };
  subtitles?: {
    writeSubtitles(tenantId: string, recordingId: string, settings: ProcessingConfig['subtitles']): Promise<{ keys: string[]; cueCount: number }>;
  };
}

type StageWork = (input: StageInput, services: StageServices) => Promise<StageOutcome>;

const unavailable = (what: string): StageOutcome => ({ skipReason: `${what} is not available in this installation` });

export function trimOptions(trimming: ProcessingConfig['trimming']): TrimOptions {
  return {
    mode: trimming.mode,
    thresholdDb: trimming.silenceThresholdDb,
    minSilenceSec: trimming.minSilenceSeconds,
    paddingBeforeSec: trimming.paddingBeforeSeconds,
    paddingAfterSec: trimming.paddingAfterSeconds,
    ...(trimming.mode === 'pauses' ? { preset: trimming.pausePreset } : {}),
  };
}

const seconds = (value: number) => `${Math.round(value * 10) / 10} s`;

/** Every stage except PUBLISH, which fans out to one job per output target (see publish-stage.ts). */
export const STAGE_WORK: Record<Exclude<Stage, 'PUBLISH'>, StageWork> = {
  async DOWNLOAD({ tenantId, recordingId, report }, { ingest }) {
    if (!ingest) return unavailable('Downloading from this source');
    const result = await ingest.downloadSource(tenantId, recordingId, report);
    return { message: `Downloaded ${(result.sizeBytes / 1024 / 1024).toFixed(1)} MB, ${seconds(result.durationSec)}`, meta: { sizeBytes: result.sizeBytes } };
  },

  async TRIM({ tenantId, recordingId, config, report }, { media }) {
    const result = await media.trimRecording(tenantId, recordingId, trimOptions(config.processing.trimming), ({ fraction }) => report(fraction));
    const removed = Math.max(0, result.sourceDurationSec - result.trimmedDurationSec);
    const message = result.mode === 'none' ? 'Nothing to trim: sound throughout' : `Removed ${seconds(removed)} of silence (${result.mode})`;
    return { message, meta: { mode: result.mode, sourceDurationSec: result.sourceDurationSec, trimmedDurationSec: result.trimmedDurationSec } };
  },

  async TRANSCRIBE({ tenantId, recordingId, config, report }, { media, transcription, quotas }) {
    if (!transcription) return unavailable('Transcription');
    const db = forTenant(tenantId);
    const recording = await db.recording.findUniqueOrThrow({ where: { id: recordingId }, select: { trimmedDurationSec: true, durationSec: true } });
    await quotas.assertTranscriptionMinutes(db, recording.trimmedDurationSec ?? recording.durationSec ?? 0);
    // Without a trim there is no ASR audio yet; extracting it is the first tenth of the stage.
    await media.prepareAsrAudio(tenantId, recordingId, ({ fraction }) => report(fraction * 0.1));
    const result = await transcription.transcribeRecording(tenantId, recordingId, config.processing.transcription, (fraction, message) =>
      report(0.1 + fraction * 0.9, message),
    );
    const flagged = result.flagged ? `; flagged: ${result.flagReasons.join(', ')}` : '';
    return {
      message: `${result.wordCount} words, ${result.language}, ${result.provider}/${result.model}${flagged}`,
      meta: { provider: result.provider, model: result.model, language: result.language, wordCount: result.wordCount, flagged: result.flagged },
    };
  },

  async TOPICS({ tenantId, recordingId, config, report }, { topics }) {
    if (!topics) return unavailable('Topic extraction');
    const result = await topics.generateTopics(tenantId, recordingId, config.processing.topics, report);
    return { message: `${result.topicCount} topics (v${result.version}, ${result.provider})`, meta: { version: result.version, topicCount: result.topicCount } };
  },

  async SUBTITLES({ tenantId, recordingId, config }, { subtitles }) {
    if (!subtitles) return unavailable('Subtitles');
    const result = await subtitles.writeSubtitles(tenantId, recordingId, config.processing.subtitles);
    return { message: `${result.cueCount} cues (${config.processing.subtitles.formats.join(', ')})`, meta: { cueCount: result.cueCount } };
  },

  async POSTER({ tenantId, recordingId, report }, { media }) {
    const { posterFileKey } = await media.createPoster(tenantId, recordingId, {}, ({ fraction }) => report(fraction));
    return posterFileKey ? { message: 'Poster frame extracted' } : { skipReason: 'Audio-only recording: no poster frame' };
  },
};
