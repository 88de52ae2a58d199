import { z } from 'zod';
import { ffTime, MediaToolError, runFfmpeg, runFfprobe } from './ffmpeg.js';

export interface VideoStreamInfo {
  /** Index of the stream in the container (for `-map 0:<index>`). */
  index: number;
  codec: string;
  width: number;
  height: number;
  fps: number | null;
  pixelFormat: string | null;
  bitRate: number | null;
}

export interface AudioStreamInfo {
  index: number;
  codec: string;
  sampleRate: number;
  channels: number;
  bitRate: number | null;
  /** Where the audio stream ends when the container says (it may end before a longer video). */
  durationSec?: number | null;
}

/** What ffprobe says about a file; stored as `Recording.mediaInfo`. */
export interface MediaInfo {
  /** ffprobe's demuxer name list, e.g. "mov,mp4,m4a,3gp,3g2,mj2" or "matroska,webm". */
  formatName: string;
  durationSec: number;
  /** Timestamp of the first packet; ffmpeg's `-ss` and filter times are relative to it. */
  startTimeSec: number;
  sizeBytes: number;
  bitRate: number | null;
  /** The main picture stream, or null for audio (cover art does not count). */
  video: VideoStreamInfo | null;
  audio: AudioStreamInfo | null;
}

const num = z.union([z.string(), z.number()]).optional().transform((v) => {
  if (v === undefined) return null;
  const n = typeof v === 'number' ? v : Number.parseFloat(v);
  return Number.isFinite(n) ? n : null;
});

const probeSchema = z.object({
  format: z.object({
    format_name: z.string(),
    duration: num,
    start_time: num,
    size: num,
    bit_rate: num,
  }),
  streams: z
    .array(
      z.object({
        index: z.number(),
        codec_type: z.string().optional(),
        codec_name: z.string().optional(),
        width: z.number().optional(),
        height: z.number().optional(),
        avg_frame_rate: z.string().optional(),
        r_frame_rate: z.string().optional(),
        pix_fmt: z.string().optional(),
        sample_rate: num,
        channels: z.number().optional(),
        bit_rate: num,
        duration: num,
        disposition: z.object({ attached_pic: z.number().optional() }).partial().optional(),
      }),
    )
    .default([]),
});

function frameRate(rate: string | undefined): number | null {
  const [n, d] = (rate ?? '').split('/').map(Number);
  if (!n || !d || !Number.isFinite(n / d)) return null;
  return Math.round((n / d) * 1000) / 1000;
}

/** Probes a local file. Throws MediaToolError when ffprobe cannot read it as media. */
export async function probeMedia(file: string): Promise<MediaInfo> {
  const json = await runFfprobe(['-print_format', 'json', '-show_format', '-show_streams', file]);
  const parsed = probeSchema.safeParse(JSON.parse(json || '{}'));
  if (!parsed.success) throw new MediaToolError('ffprobe', 0, 'no container format recognised', [file]);
  const { format, streams } = parsed.data;
  const videoStream = streams.find((s) => s.codec_type === 'video' && !s.disposition?.attached_pic && s.width && s.height);
  const audioStream = streams.find((s) => s.codec_type === 'audio' && s.codec_name);
  const streamDuration = Math.max(0, ...streams.map((s) => s.duration ?? 0));
  return {
    formatName: format.format_name,
    durationSec: format.duration ?? streamDuration,
    startTimeSec: format.start_time ?? 0,
    sizeBytes: format.size ?? 0,
    bitRate: format.bit_rate,
    video: videoStream
      ? {
          index: videoStream.index,
          codec: videoStream.codec_name ?? 'unknown',
          width: videoStream.width ?? 0,
          height: videoStream.height ?? 0,
          fps: frameRate(videoStream.avg_frame_rate) ?? frameRate(videoStream.r_frame_rate),
          pixelFormat: videoStream.pix_fmt ?? null,
          bitRate: videoStream.bit_rate,
        }
      : null,
    audio: audioStream
      ? {
          index: audioStream.index,
          codec: audioStream.codec_name ?? 'unknown',
          sampleRate: audioStream.sample_rate ?? 0,
          channels: audioStream.channels ?? 0,
          bitRate: audioStream.bit_rate,
          durationSec: audioStream.duration,
        }
      : null,
  };
}

/**
 * Reasons a probed file is not usable as a recording, or [] when it is. A header can look fine while
 * the data is missing, so this also reads the last seconds (a truncated file ends early or fails to
 * read) and decodes the first seconds (garbage after a valid header fails to decode).
 */
export async function findIntegrityProblems(file: string, info: MediaInfo): Promise<string[]> {
  if (!info.audio) return ['the file has no audio track'];
  if (!(info.durationSec > 0)) return ['the file has no duration'];
  const problems: string[] = [];
  const tailFrom = info.startTimeSec + Math.max(0, info.durationSec - 4);
  const lastEnd = await lastPacketEnd(file, tailFrom).catch(() => null);
  const tolerance = Math.max(1.5, info.durationSec * 0.02);
  if (lastEnd === null || lastEnd - info.startTimeSec < info.durationSec - tolerance) {
    problems.push('the file is truncated: its data ends before its stated duration');
  }
  const maps = ['-map', `0:${info.audio.index}`, ...(info.video ? ['-map', `0:${info.video.index}`] : [])];
  try {
    await runFfmpeg(['-v', 'error', '-xerror', '-i', file, '-t', '3', ...maps, '-f', 'null', '-']);
  } catch (error) {
    if (!(error instanceof MediaToolError)) throw error;
    problems.push('the file is corrupt: its media data cannot be decoded');
  }
  return problems;
}

/** End time of the last packet at or after `fromSec` (absolute timestamps), or null if none. */
async function lastPacketEnd(file: string, fromSec: number): Promise<number | null> {
  const csv = await runFfprobe(['-read_intervals', `${ffTime(fromSec)}%`, '-show_entries', 'packet=pts_time,duration_time', '-of', 'csv=p=0', file]);
  let last: number | null = null;
  for (const line of csv.split('\n')) {
    const [pts, duration] = line.split(',').map(Number.parseFloat);
    if (pts === undefined || !Number.isFinite(pts)) continue;
    const end = pts + (duration !== undefined && Number.isFinite(duration) ? duration : 0);
    if (last === null || end > last) last = end;
  }
  return last;
}

/**
 * The latest keyframe of `streamIndex` at or before `atSec` (relative to the file start), so a stream
 * copy can start exactly there with audio and video aligned. Falls back to `atSec` when none is found.
 */
export async function keyframeAtOrBefore(file: string, info: MediaInfo, streamIndex: number, atSec: number): Promise<number> {
  if (atSec <= 0) return 0;
  const absolute = info.startTimeSec + atSec;
  // Seeking to 20 s earlier lands on a keyframe at or before that point; reading on to `atSec` then
  // sees every keyframe in between.
  const csv = await runFfprobe([
    '-read_intervals', `${ffTime(absolute - 20)}%${(absolute + 0.001).toFixed(6)}`,
    '-select_streams', String(streamIndex),
    '-show_entries', 'packet=pts_time,flags',
    '-of', 'csv=p=0',
    file,
  ]);
  let best: number | null = null;
  for (const line of csv.split('\n')) {
    const [ptsText, flags] = line.split(',');
    const pts = Number.parseFloat(ptsText ?? '');
    if (!Number.isFinite(pts) || !flags?.startsWith('K')) continue;
    if (pts <= absolute + 1e-3 && (best === null || pts > best)) best = pts;
  }
  return best === null ? atSec : Math.max(0, best - info.startTimeSec);
}
