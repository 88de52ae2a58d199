import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import { ConfigEndpointResolver } from '../../ai/endpoints.js';
import { checkTranscript } from '../../ai/hallucination-guard.js';
import { LocalTranscriptionProvider } from '../../ai/local-transcription.js';
import { OpenAiTranscriptionProvider, transcriptionPrompt } from '../../ai/openai-transcription.js';
import type { AiEndpointResolver, ProgressReporter, Transcript, TranscriptionProvider } from '../../ai/types.js';
import { normalizeWords, segmentWords } from '../../ai/words.js';
import { config } from '../../config.js';
import type { PrismaClient } from '../../generated/prisma/client.js';
import { forTenant } from '../../lib/db.js';
import { ConflictError, NotFoundError } from '../../lib/errors.js';
import { probeMedia } from '../../media/index.js';
import type { ProcessingConfig } from '../config/config-schemas.js';
import { addUsage } from '../quotas/quotas.service.js';
import { asJson, usagePeriod } from '../recordings/recordings.service.js';
import type { StorageBackend } from '../storage/storage.js';
import { putText, readTranscript, transcriptKey } from './transcript-store.js';

export interface TranscriptionResult {
  provider: string;
  model: string;
  language: string;
  durationSec: number;
  wordCount: number;
  flagged: boolean;
  flagReasons: string[];
  /** A flagged transcript may be garbage: publishing must wait for a person to look at it. */
  blockAutoPublish: boolean;
  transcriptKey: string;
}

export interface TranscriptionServiceOptions {
  tempDir?: string;
  /** Chunks of one recording in flight at once. */
  concurrency?: number;
  pocketsphinx?: { path: string; modelDir: string };
}

/** The TRANSCRIBE stage: ASR audio of the trimmed video → transcript.json, usage, hallucination flag. */
export class TranscriptionService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly storage: StorageBackend,
    private readonly endpoints: AiEndpointResolver = new ConfigEndpointResolver(),
    private readonly options: TranscriptionServiceOptions = {},
  ) {}

  async transcribeRecording(
    tenantId: string,
    recordingId: string,
    settings: ProcessingConfig['transcription'],
    onProgress?: ProgressReporter,
  ): Promise<TranscriptionResult> {
    const db = forTenant(tenantId, this.prisma);
    const recording = await db.recording.findUnique({ where: { id: recordingId }, select: { displayName: true, audioFileKey: true } });
    if (!recording) throw new NotFoundError('Recording');
    if (!recording.audioFileKey) throw new ConflictError('The recording has no audio for transcription yet (it is made by the trim stage)');
    const audioKey = recording.audioFileKey;
    const provider = await this.providerFor(tenantId, settings);

    const speech = await this.withTempDir(async (dir) => {
      onProgress?.(0, 'downloading audio');
      const audio = path.join(dir, `audio${path.extname(audioKey)}`);
      await this.storage.getToFile(audioKey, audio);
      const info = await probeMedia(audio);
      const result = await provider.transcribe({
        file: audio,
        durationSec: info.durationSec,
        language: settings.language,
        prompt: transcriptionPrompt(recording.displayName, settings.vocabulary),
        workDir: dir,
        onProgress: (fraction, message) => onProgress?.(0.05 + fraction * 0.85, message),
      });
      return { ...result, durationSec: info.durationSec };
    });

    // Inside the audio first (recognisers overshoot the end a little), then cleaned.
    const clip = <T extends { start: number; end: number }>(x: T): T => ({ ...x, start: Math.min(Math.max(x.start, 0), speech.durationSec), end: Math.min(x.end, speech.durationSec) });
    const words = normalizeWords(speech.words.map(clip));
    const segments = speech.segments.length > 0 ? normalizeWords(speech.segments.map(clip)) : segmentWords(words);
    const verdict = checkTranscript(words, segments, speech.durationSec);
    const transcript: Transcript = {
      language: speech.language ?? (settings.language === 'auto' ? 'und' : settings.language),
      durationSec: speech.durationSec,
      words,
      segments,
      provider: provider.provider,
      model: provider.model,
      flagged: verdict.flagged,
      flagReasons: verdict.reasons,
      createdAt: new Date().toISOString(),
    };

    onProgress?.(0.95, 'storing transcript');
    const key = transcriptKey(tenantId, recordingId);
    const grown = await putText(this.storage, key, `${JSON.stringify(transcript)}\n`, 'application/json');
    const period = usagePeriod();
    const seconds = Math.round(speech.durationSec);
    await db.$transaction(async (tx) => {
      await tx.recording.update({ where: { id: recordingId }, data: { transcriptFlagged: verdict.flagged } });
      if (grown !== 0) await tx.tenant.update({ where: { id: tenantId }, data: { storageBytes: { increment: grown } } });
      await addUsage(tx, tenantId, { transcriptionSeconds: seconds }, period);
      await tx.usageEvent.create({
        data: {
          tenantId,
          recordingId,
          type: 'TRANSCRIPTION_COMPLETED',
          durationSeconds: speech.durationSec,
          metadata: asJson({ provider: provider.provider, model: provider.model, words: words.length, flagged: verdict.flagged }),
        },
      });
    });
    onProgress?.(1);
    return {
      provider: provider.provider,
      model: provider.model,
      language: transcript.language,
      durationSec: speech.durationSec,
      wordCount: words.length,
      flagged: verdict.flagged,
      flagReasons: verdict.reasons,
      blockAutoPublish: verdict.flagged,
      transcriptKey: key,
    };
  }

  /** The stored transcript, or null before the first transcription. */
  async getTranscript(tenantId: string, recordingId: string): Promise<Transcript | null> {
    return readTranscript(this.storage, tenantId, recordingId);
  }

  private async providerFor(tenantId: string, settings: ProcessingConfig['transcription']): Promise<TranscriptionProvider> {
    const endpoint = await this.endpoints.resolve(tenantId, 'transcription', { provider: settings.provider, model: settings.model });
    if (!endpoint) return new LocalTranscriptionProvider(this.options.pocketsphinx);
    return new OpenAiTranscriptionProvider(endpoint, {
      concurrency: this.options.concurrency ?? config.ai.transcription.concurrency,
      maxUploadBytes: settings.chunkMaxBytes,
    });
  }

  private async withTempDir<T>(work: (dir: string) => Promise<T>): Promise<T> {
    const root = this.options.tempDir ?? config.media.tempDir;
    await mkdir(root, { recursive: true });
    const dir = await mkdtemp(path.join(root, 'transcribe-'));
    try {
      return await work(dir);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
}
