import { ffTime, runFfmpeg, type ProgressListener } from './ffmpeg.js';
import type { MediaInfo } from './probe.js';

/** ASR audio: mono 16 kHz Opus at 24 kbit/s in Ogg, about 11 MB per hour (one request to most APIs). */
export const ASR_AUDIO = { ext: 'ogg', sampleRate: 16000, channels: 1, codec: 'opus', bitRate: '24k' } as const;

export async function extractAsrAudio(
  source: string,
  info: Pick<MediaInfo, 'audio' | 'durationSec'>,
  outputFile: string,
  options: { onProgress?: ProgressListener; signal?: AbortSignal } = {},
): Promise<void> {
  if (!info.audio) throw new Error('extractAsrAudio needs a file with an audio stream');
  await runFfmpeg(
    [
      '-discard:v', 'all', '-discard:s', 'all', '-discard:d', 'all',
      '-i', source,
      '-map', `0:${info.audio.index}`,
      '-ac', String(ASR_AUDIO.channels),
      '-ar', String(ASR_AUDIO.sampleRate),
      '-c:a', 'libopus', '-b:a', ASR_AUDIO.bitRate, '-application', 'voip',
      '-map_metadata', '-1',
      '-f', 'ogg',
      outputFile,
    ],
    { durationSec: info.durationSec, onProgress: options.onProgress, signal: options.signal },
  );
}

/** Poster time as the original: 10 % into the video, at most 2 minutes in. */
export function posterTime(durationSec: number): number {
  return Math.max(0, Math.min(durationSec * 0.1, 120));
}

/** One JPEG frame, 640 px wide. Returns false for audio-only media (nothing to show). */
export async function extractPoster(
  source: string,
  info: Pick<MediaInfo, 'video' | 'durationSec'>,
  outputFile: string,
  options: { atSec?: number; width?: number; signal?: AbortSignal } = {},
): Promise<boolean> {
  if (!info.video) return false;
  const at = options.atSec ?? posterTime(info.durationSec);
  await runFfmpeg(
    [
      '-ss', ffTime(at),
      '-i', source,
      '-map', `0:${info.video.index}`,
      '-frames:v', '1',
      '-vf', `scale=${options.width ?? 640}:-2`,
      '-q:v', '4',
      '-update', '1',
      '-f', 'image2',
      outputFile,
    ],
    { signal: options.signal },
  );
  return true;
}
