import { runFfmpeg, type ProgressListener } from './ffmpeg.js';
import type { Interval } from './plan.js';
import type { MediaInfo } from './probe.js';

export interface SilenceAnalysis {
  /** Silences in file time (seconds from the start), sorted; a trailing one ends at the duration. */
  silences: Interval[];
  durationSec: number;
}

const START = /silence_start: (-?[\d.]+(?:e[-+]?\d+)?)/;
const END = /silence_end: (-?[\d.]+(?:e[-+]?\d+)?)/;

/** Collects silencedetect's stderr lines into intervals (an unterminated one closes at `durationSec`). */
export function parseSilenceLog(lines: Iterable<string>, durationSec: number): Interval[] {
  const silences: Interval[] = [];
  let open: number | null = null;
  for (const line of lines) {
    const start = START.exec(line);
    if (start) {
      open = Math.max(0, Number.parseFloat(start[1]!));
      continue;
    }
    const end = END.exec(line);
    if (end && open !== null) {
      silences.push({ start: open, end: Math.min(durationSec, Number.parseFloat(end[1]!)) });
      open = null;
    }
  }
  if (open !== null && open < durationSec) silences.push({ start: open, end: durationSec });
  return silences.filter((s) => s.end > s.start);
}

/**
 * silencedetect's per-sample work grows with the channel count and is most of its cost over a bare
 * decode, so several channels are averaged into one first. Dual-mono (the usual lecture recording)
 * keeps its exact level; sound on one channel only is measured 6 dB lower.
 */
function downmix(channels: number): string {
  if (channels <= 1) return '';
  const terms = Array.from({ length: channels }, (_, i) => `${(1 / channels).toFixed(6)}*c${i}`);
  return `pan=mono|c0=${terms.join('+')},`;
}

/**
 * Finds silences with ffmpeg's silencedetect on the first audio stream only. Other streams are
 * discarded at the demuxer, so video is never decoded; the cost is one decode of the audio.
 */
export async function analyzeSilence(
  file: string,
  info: Pick<MediaInfo, 'audio' | 'durationSec'>,
  options: { thresholdDb: number; minSilenceSec: number; onProgress?: ProgressListener; signal?: AbortSignal },
): Promise<SilenceAnalysis> {
  if (!info.audio) throw new Error('analyzeSilence needs a file with an audio stream');
  const lines: string[] = [];
  await runFfmpeg(
    [
      '-discard:v', 'all', '-discard:s', 'all', '-discard:d', 'all',
      '-i', file,
      '-map', `0:${info.audio.index}`,
      '-af', `${downmix(info.audio.channels)}silencedetect=noise=${options.thresholdDb}dB:d=${options.minSilenceSec}`,
      '-f', 'null', '-',
    ],
    {
      durationSec: info.durationSec,
      onProgress: options.onProgress,
      signal: options.signal,
      onStderrLine: (line) => {
        if (line.includes('silence_')) lines.push(line);
      },
    },
  );
  const silences = parseSilenceLog(lines, info.durationSec);
  // Audio that stops before a longer video ends in silence as far as anyone hears: a silence that
  // runs to the end of the audio stream is trailing silence, up to the end of the file.
  const audioEnd = info.audio.durationSec;
  const last = silences.at(-1);
  if (last && audioEnd && audioEnd < info.durationSec && last.end >= audioEnd - 0.1) last.end = info.durationSec;
  return { silences, durationSec: info.durationSec };
}
