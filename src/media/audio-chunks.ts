import path from 'node:path';
import { stat } from 'node:fs/promises';
import { ASR_AUDIO } from './extract.js';
import { ffTime, runFfmpeg } from './ffmpeg.js';
import type { Interval } from './plan.js';
import type { MediaInfo } from './probe.js';
import { analyzeSilence } from './silence.js';

// Splitting ASR audio for providers with an upload limit: cut in the middle of silences, so no word
// is split, and re-encode every piece in the ASR format (exact start times, predictable size).

/** Silence detection for cut points: quieter than speech, short pauses count. */
const CUT_SILENCE = { thresholdDb: -35, minSilenceSec: 0.3 } as const;

/**
 * Chunks of at most `maxChunkSec` covering [0, duration] without gaps. Each cut is at the middle of
 * the latest silence in the second half of the allowed window; without one, a hard cut at the limit.
 */
export function planAudioChunks(silences: readonly Interval[], durationSec: number, maxChunkSec: number): Interval[] {
  if (!(maxChunkSec > 0)) throw new Error('maxChunkSec must be positive');
  const chunks: Interval[] = [];
  let start = 0;
  while (durationSec - start > maxChunkSec) {
    const limit = start + maxChunkSec;
    const floor = start + maxChunkSec / 2;
    let cut = limit;
    for (const s of silences) {
      const middle = (s.start + s.end) / 2;
      if (middle > floor && middle <= limit) cut = middle;
      if (middle > limit) break;
    }
    chunks.push({ start, end: cut });
    start = cut;
  }
  chunks.push({ start, end: durationSec });
  return chunks;
}

export interface AudioChunk extends Interval {
  file: string;
  sizeBytes: number;
}

/** One range of `source` as ASR audio (mono 16 kHz Opus). */
export async function extractAudioRange(source: string, info: Pick<MediaInfo, 'audio'>, range: Interval, outputFile: string, signal?: AbortSignal): Promise<void> {
  if (!info.audio) throw new Error('extractAudioRange needs a file with an audio stream');
  await runFfmpeg(
    [
      '-ss', ffTime(range.start),
      '-i', source,
      '-t', ffTime(range.end - range.start),
      '-map', `0:${info.audio.index}`,
      '-ac', String(ASR_AUDIO.channels),
      '-ar', String(ASR_AUDIO.sampleRate),
      '-c:a', 'libopus', '-b:a', ASR_AUDIO.bitRate, '-application', 'voip',
      '-map_metadata', '-1',
      '-f', 'ogg',
      outputFile,
    ],
    { signal },
  );
}

/**
 * Splits `source` into files of at most `maxBytes` each, cut at silences. The chunk length comes from
 * the file's byte rate; a chunk that still comes out too big makes the plan shrink and start over.
 */
export async function splitAudioAtSilences(
  source: string,
  info: Pick<MediaInfo, 'audio' | 'durationSec' | 'sizeBytes'>,
  options: { maxBytes: number; outDir: string; signal?: AbortSignal },
): Promise<AudioChunk[]> {
  const { silences } = await analyzeSilence(source, info, { ...CUT_SILENCE, signal: options.signal });
  // Ogg/Opus at 24 kbit/s is ~3 kB/s; the file's own rate covers other inputs. 20 % headroom for
  // variable bit rate and container overhead, so the first plan (cut at silences) usually holds.
  const bytesPerSec = Math.max(info.sizeBytes / Math.max(info.durationSec, 0.001), 3200);
  let maxChunkSec = (options.maxBytes * 0.8) / bytesPerSec;
  for (let attempt = 0; attempt < 4; attempt++) {
    const plan = planAudioChunks(silences, info.durationSec, Math.max(1, maxChunkSec));
    const chunks: AudioChunk[] = [];
    for (const [i, range] of plan.entries()) {
      const file = path.join(options.outDir, `chunk-${String(i).padStart(4, '0')}.${ASR_AUDIO.ext}`);
      await extractAudioRange(source, info, range, file, options.signal);
      chunks.push({ ...range, file, sizeBytes: (await stat(file)).size });
    }
    const biggest = Math.max(...chunks.map((c) => c.sizeBytes));
    if (biggest <= options.maxBytes) return chunks;
    maxChunkSec *= (options.maxBytes / biggest) * 0.9;
  }
  throw new Error(`could not split the audio into pieces of at most ${options.maxBytes} bytes`);
}

/** 16 kHz mono 16-bit WAV, the input of the offline recogniser. */
export async function extractPcmWav(source: string, info: Pick<MediaInfo, 'audio' | 'durationSec'>, outputFile: string, signal?: AbortSignal): Promise<void> {
  if (!info.audio) throw new Error('extractPcmWav needs a file with an audio stream');
  await runFfmpeg(
    ['-i', source, '-map', `0:${info.audio.index}`, '-ac', '1', '-ar', '16000', '-c:a', 'pcm_s16le', '-map_metadata', '-1', '-f', 'wav', outputFile],
    { durationSec: info.durationSec, signal },
  );
}
