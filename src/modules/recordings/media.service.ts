import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { config } from '../../config.js';
import type { PrismaClient } from '../../generated/prisma/client.js';
import { forTenant } from '../../lib/db.js';
import { ConflictError, NotFoundError } from '../../lib/errors.js';
import {
  analysisMinSilence,
  analyzeSilence,
  ASR_AUDIO,
  buildEdl,
  extractAsrAudio,
  extractPoster,
  planKeptRanges,
  probeMedia,
  removePauses,
  resolveTrimOptions,
  trimEdges,
  type Edl,
  type MediaProgress,
  type TrimOptions,
} from '../../media/index.js';
import { recordingFileKey, type StorageBackend } from '../storage/storage.js';
import { asJson } from './recordings.service.js';

export type MediaStep = 'download' | 'analyze' | 'trim' | 'audio' | 'store' | 'poster';

/** Progress of a media stage as a whole (0…1), for the pipeline's step progress. */
export type StageProgress = (progress: { fraction: number; step: MediaStep }) => void;

export interface TrimRecordingResult {
  mode: Edl['mode'];
  sourceDurationSec: number;
  trimmedDurationSec: number;
  videoFileKey: string;
  audioFileKey: string;
  edl: Edl;
}

/** Share of the stage each step takes, for one monotonic progress figure. */
const TRIM_STEPS: Record<Exclude<MediaStep, 'poster'>, [number, number]> = {
  download: [0, 0.1],
  analyze: [0.1, 0.35],
  trim: [0.35, 0.8],
  audio: [0.8, 0.95],
  store: [0.95, 1],
};

/**
 * The media stages of a recording: TRIM (silence analysis, cut, ASR audio, EDL) and POSTER. Workers
 * call these with (tenantId, recordingId, options, onProgress); all ffmpeg work happens on temp copies.
 */
export class MediaService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly storage: StorageBackend,
    private readonly tempDir: string = config.media.tempDir,
  ) {}

  private async withTempDir<T>(label: string, work: (dir: string) => Promise<T>): Promise<T> {
    await mkdir(this.tempDir, { recursive: true });
    const dir = await mkdtemp(path.join(this.tempDir, `${label}-`));
    try {
      return await work(dir);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  /** Stores a local file at `key`; returns how much the tenant's storage grew (a replaced file counts). */
  private async store(key: string, file: string): Promise<number> {
    const previous = await this.storage.stat(key);
    const { sizeBytes } = await this.storage.putFile(key, file);
    return sizeBytes - (previous?.sizeBytes ?? 0);
  }

  async trimRecording(tenantId: string, recordingId: string, options: TrimOptions = {}, onProgress?: StageProgress): Promise<TrimRecordingResult> {
    const db = forTenant(tenantId, this.prisma);
    const recording = await db.recording.findUnique({ where: { id: recordingId } });
    if (!recording) throw new NotFoundError('Recording');
    const sourceKey = recording.sourceFileKey;
    if (!sourceKey) throw new ConflictError('The recording has no source file yet');
    const report = (step: keyof typeof TRIM_STEPS, within = 0) => {
      const [from, to] = TRIM_STEPS[step];
      onProgress?.({ fraction: from + (to - from) * within, step });
    };
    const within = (step: keyof typeof TRIM_STEPS) => (p: MediaProgress) => report(step, p.fraction);
    const resolved = resolveTrimOptions(options);

    return this.withTempDir('trim', async (dir) => {
      report('download');
      const source = path.join(dir, `source${path.extname(sourceKey)}`);
      await this.storage.getToFile(sourceKey, source);
      const info = await probeMedia(source);

      report('analyze');
      const { silences } = await analyzeSilence(source, info, {
        thresholdDb: resolved.thresholdDb,
        minSilenceSec: analysisMinSilence(resolved),
        onProgress: within('analyze'),
      });
      const kept = planKeptRanges(silences, info.durationSec, resolved);

      report('trim');
      let trimmed = { file: source, key: sourceKey, kept: null as typeof kept, info };
      if (kept) {
        const base = path.join(dir, 'video');
        const result =
          resolved.mode === 'edges'
            ? await trimEdges(source, info, kept[0]!, base, { onProgress: within('trim') })
            : await removePauses(source, info, kept, base, { onProgress: within('trim') });
        const outInfo = await probeMedia(result.file);
        trimmed = { file: result.file, key: recordingFileKey(tenantId, recordingId, `video.${result.container.ext}`), kept: result.kept, info: outInfo };
      }

      // ASR audio comes from the trimmed file, so transcript times are times of the published video.
      report('audio');
      const audioFile = path.join(dir, `audio.${ASR_AUDIO.ext}`);
      await extractAsrAudio(trimmed.file, trimmed.info, audioFile, { onProgress: within('audio') });
      const edl = buildEdl(resolved, info.durationSec, trimmed.kept, silences, trimmed.info.durationSec);
      const edlFile = path.join(dir, 'edl.json');
      await writeFile(edlFile, `${JSON.stringify(edl, null, 2)}\n`);

      report('store');
      const audioFileKey = recordingFileKey(tenantId, recordingId, `audio.${ASR_AUDIO.ext}`);
      let grown = 0;
      if (trimmed.key !== sourceKey) grown += await this.store(trimmed.key, trimmed.file);
      grown += await this.store(audioFileKey, audioFile);
      grown += await this.store(recordingFileKey(tenantId, recordingId, 'edl.json'), edlFile);
      // A previous trim may have left a video in another container (or none is needed any more).
      const stale = recording.videoFileKey;
      if (stale && stale !== trimmed.key && stale !== sourceKey) {
        grown -= (await this.storage.stat(stale))?.sizeBytes ?? 0;
        await this.storage.delete(stale);
      }

      await db.$transaction(async (tx) => {
        await tx.recording.update({
          where: { id: recordingId },
          data: {
            videoFileKey: trimmed.key,
            audioFileKey,
            trimmedDurationSec: trimmed.info.durationSec,
            durationSec: info.durationSec,
            edl: asJson(edl),
            ...(recording.sizeBytes === null ? { sizeBytes: BigInt(info.sizeBytes), mediaInfo: asJson(info) } : {}),
          },
        });
        if (grown !== 0) await tx.tenant.update({ where: { id: tenantId }, data: { storageBytes: { increment: grown } } });
      });
      report('store', 1);
      return {
        mode: edl.mode,
        sourceDurationSec: info.durationSec,
        trimmedDurationSec: trimmed.info.durationSec,
        videoFileKey: trimmed.key,
        audioFileKey,
        edl,
      };
    });
  }

  /**
   * The ASR audio of a recording that was not trimmed (trimming disabled): mono 16 kHz from the video
   * (or the source). A recording that already has its audio keeps it.
   */
  async prepareAsrAudio(tenantId: string, recordingId: string, onProgress?: StageProgress): Promise<{ audioFileKey: string }> {
    const db = forTenant(tenantId, this.prisma);
    const recording = await db.recording.findUnique({ where: { id: recordingId } });
    if (!recording) throw new NotFoundError('Recording');
    if (recording.audioFileKey && (await this.storage.exists(recording.audioFileKey))) return { audioFileKey: recording.audioFileKey };
    const mediaKey = recording.videoFileKey ?? recording.sourceFileKey;
    if (!mediaKey) throw new ConflictError('The recording has no source file yet');
    return this.withTempDir('audio', async (dir) => {
      onProgress?.({ fraction: 0, step: 'download' });
      const media = path.join(dir, `media${path.extname(mediaKey)}`);
      await this.storage.getToFile(mediaKey, media);
      const info = await probeMedia(media);
      if (!info.audio) throw new ConflictError('The recording has no audio to transcribe');
      const audioFile = path.join(dir, `audio.${ASR_AUDIO.ext}`);
      await extractAsrAudio(media, info, audioFile, { onProgress: (p) => onProgress?.({ fraction: 0.1 + 0.8 * p.fraction, step: 'audio' }) });
      const audioFileKey = recordingFileKey(tenantId, recordingId, `audio.${ASR_AUDIO.ext}`);
      const grown = await this.store(audioFileKey, audioFile);
      await db.$transaction(async (tx) => {
        await tx.recording.update({ where: { id: recordingId }, data: { audioFileKey, trimmedDurationSec: recording.trimmedDurationSec ?? info.durationSec } });
        if (grown !== 0) await tx.tenant.update({ where: { id: tenantId }, data: { storageBytes: { increment: grown } } });
      });
      onProgress?.({ fraction: 1, step: 'store' });
      return { audioFileKey };
    });
  }

  /**
   * POSTER (best effort in the pipeline): a 640 px JPEG from the trimmed video (or the source).
   * Returns null for audio-only recordings; an existing poster is kept unless `force`.
   */
  async createPoster(tenantId: string, recordingId: string, options: { force?: boolean } = {}, onProgress?: StageProgress): Promise<{ posterFileKey: string | null }> {
    const db = forTenant(tenantId, this.prisma);
    const recording = await db.recording.findUnique({ where: { id: recordingId } });
    if (!recording) throw new NotFoundError('Recording');
    const videoKey = recording.videoFileKey ?? recording.sourceFileKey;
    if (!videoKey) throw new ConflictError('The recording has no video yet');
    const posterKey = recordingFileKey(tenantId, recordingId, 'poster.jpg');
    if (!options.force && recording.posterFileKey && (await this.storage.exists(recording.posterFileKey))) {
      return { posterFileKey: recording.posterFileKey };
    }
    return this.withTempDir('poster', async (dir) => {
      onProgress?.({ fraction: 0, step: 'download' });
      const video = path.join(dir, `video${path.extname(videoKey)}`);
      await this.storage.getToFile(videoKey, video);
      const info = await probeMedia(video);
      onProgress?.({ fraction: 0.6, step: 'poster' });
      const posterFile = path.join(dir, 'poster.jpg');
      if (!(await extractPoster(video, info, posterFile))) return { posterFileKey: null };
      const grown = await this.store(posterKey, posterFile);
      await db.$transaction(async (tx) => {
        await tx.recording.update({ where: { id: recordingId }, data: { posterFileKey: posterKey } });
        if (grown !== 0) await tx.tenant.update({ where: { id: tenantId }, data: { storageBytes: { increment: grown } } });
      });
      onProgress?.({ fraction: 1, step: 'poster' });
      return { posterFileKey: posterKey };
    });
  }
}
