import { writeFile } from 'node:fs/promises';
import { config } from '../config.js';
import { ffTime, runFfmpeg, type ProgressListener } from './ffmpeg.js';
import { containerForCodecs, type OutputContainer } from './formats.js';
import { totalDuration, type Interval } from './plan.js';
import { keyframeAtOrBefore, type MediaInfo } from './probe.js';

export interface TrimResult {
  file: string;
  container: OutputContainer;
  /** What the output really holds, in source time (a stream copy starts at a keyframe). */
  kept: Interval[];
}

/** Milliseconds rounded up, so an input seek to a keyframe's time never lands on the one before it. */
const ceilMs = (seconds: number) => (Math.ceil(Math.max(0, seconds) * 1000) / 1000).toFixed(3);

/**
 * Cuts one range out of the source with stream copy (no re-encoding). With video, the start moves back
 * to the keyframe at or before it and audio starts there too, so the streams stay in sync in every
 * container (MP4 edit lists are not relied on). The container follows the codecs (see formats.ts).
 */
export async function trimEdges(
  source: string,
  info: MediaInfo,
  window: Interval,
  outputBase: string,
  options: { onProgress?: ProgressListener; signal?: AbortSignal } = {},
): Promise<TrimResult> {
  if (!info.audio) throw new Error('trimEdges needs a file with an audio stream');
  const container = containerForCodecs(info.video?.codec ?? null, info.audio.codec);
  const start = info.video ? await keyframeAtOrBefore(source, info, info.video.index, window.start) : window.start;
  const end = Math.min(window.end, info.durationSec);
  const file = `${outputBase}.${container.ext}`;
  await runFfmpeg(
    [
      '-ss', ceilMs(start),
      '-i', source,
      '-t', ffTime(end - start),
      ...(info.video ? ['-map', `0:${info.video.index}`] : []),
      '-map', `0:${info.audio.index}`,
      '-c', 'copy',
      '-map_chapters', '-1',
      '-avoid_negative_ts', 'make_zero',
      '-f', container.muxer,
      file,
    ],
    { durationSec: end - start, onProgress: options.onProgress, signal: options.signal },
  );
  return { file, container, kept: [{ start, end }] };
}

/**
 * Keeps `kept` ranges and drops the rest, re-encoding (H.264/AAC in MP4, or AAC in M4A for audio):
 * every range is trimmed sample- and frame-accurately and the concat filter joins video and audio of
 * each range together, padding audio where a range's streams differ, so they stay in sync after any
 * number of cuts.
 */
export async function removePauses(
  source: string,
  info: MediaInfo,
  kept: readonly Interval[],
  outputBase: string,
  options: { onProgress?: ProgressListener; signal?: AbortSignal } = {},
): Promise<TrimResult> {
  if (!info.audio) throw new Error('removePauses needs a file with an audio stream');
  if (kept.length === 0) throw new Error('removePauses needs at least one kept range');
  const video = info.video;
  const container: OutputContainer = video ? { ext: 'mp4', muxer: 'mp4' } : { ext: 'm4a', muxer: 'ipod' };
  const file = `${outputBase}.${container.ext}`;
  const scriptFile = `${outputBase}.filtergraph.txt`;
  await writeFile(scriptFile, pauseFilterGraph(kept, video ? video.index : null, info.audio.index));
  await runFfmpeg(
    [
      '-i', source,
      '-filter_complex_script', scriptFile,
      ...(video ? ['-map', '[v]'] : []),
      '-map', '[a]',
      ...(video
        ? ['-c:v', 'libx264', '-preset', config.media.x264Preset, '-crf', String(config.media.x264Crf), '-pix_fmt', 'yuv420p']
        : []),
      '-c:a', 'aac', '-b:a', '128k',
      '-movflags', '+faststart',
      '-f', container.muxer,
      file,
    ],
    { durationSec: totalDuration(kept), onProgress: options.onProgress, signal: options.signal },
  );
  return { file, container, kept: [...kept] };
}

/** The filter graph of pause removal: split, trim each kept range, concat (exported for tests). */
export function pauseFilterGraph(kept: readonly Interval[], videoIndex: number | null, audioIndex: number): string {
  const n = kept.length;
  const lines: string[] = [];
  const labels = (prefix: string) => kept.map((_, i) => `[${prefix}${i}]`).join('');
  if (videoIndex !== null) lines.push(n > 1 ? `[0:${videoIndex}]split=${n}${labels('vs')}` : `[0:${videoIndex}]null[vs0]`);
  lines.push(n > 1 ? `[0:${audioIndex}]asplit=${n}${labels('as')}` : `[0:${audioIndex}]anull[as0]`);
  kept.forEach((range, i) => {
    const span = `start=${range.start.toFixed(3)}:end=${range.end.toFixed(3)}`;
    if (videoIndex !== null) lines.push(`[vs${i}]trim=${span},setpts=PTS-STARTPTS[v${i}]`);
    lines.push(`[as${i}]atrim=${span},asetpts=PTS-STARTPTS[a${i}]`);
  });
  const inputs = kept.map((_, i) => (videoIndex !== null ? `[v${i}][a${i}]` : `[a${i}]`)).join('');
  lines.push(`${inputs}concat=n=${n}:v=${videoIndex !== null ? 1 : 0}:a=1${videoIndex !== null ? '[v]' : ''}[a]`);
  return `${lines.join(';\n')}\n`;
}
