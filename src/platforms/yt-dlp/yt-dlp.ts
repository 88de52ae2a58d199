import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { z } from 'zod';
import { CredentialError, NotFoundError, ValidationError } from '../../lib/errors.js';
import type { DownloadProgress } from '../source-adapter.js';

// The yt-dlp binary (Debian package): `-J` for metadata (playlists expanded flat), then a download
// per recording with a format chosen by quality. Its `.part` files make a retry resume where the
// last attempt stopped, so each recording downloads into a folder of its own.

export const URL_QUALITIES = ['BEST', 'P1080', 'P720', 'P480', 'AUDIO_ONLY'] as const;
export type UrlQuality = (typeof URL_QUALITIES)[number];

export interface YtDlpOptions {
  binary: string;
  probeTimeoutMs: number;
  idleTimeoutMs: number;
  maxBytes: number;
}

const HEIGHTS: Partial<Record<UrlQuality, number>> = { P1080: 1080, P720: 720, P480: 480 };

/** yt-dlp's format selection: MP4 video + M4A audio preferred, any container as the last resort. */
export function formatFor(quality: UrlQuality): string {
  if (quality === 'AUDIO_ONLY') return 'bestaudio/best';
  const height = HEIGHTS[quality];
  const h = height ? `[height<=${height}]` : '';
  return `bestvideo[ext=mp4]${h}+bestaudio[ext=m4a]/best[ext=mp4]${h}/best${h}`;
}

const entrySchema = z.object({
  id: z.string().optional(),
  title: z.string().optional().nullable(),
  url: z.string().optional().nullable(),
  webpage_url: z.string().optional().nullable(),
  original_url: z.string().optional().nullable(),
  ie_key: z.string().optional().nullable(),
  extractor_key: z.string().optional().nullable(),
  duration: z.number().optional().nullable(),
  timestamp: z.number().optional().nullable(),
  upload_date: z.string().optional().nullable(),
  filesize: z.number().optional().nullable(),
  filesize_approx: z.number().optional().nullable(),
});

const infoSchema = entrySchema.extend({
  _type: z.string().optional(),
  entries: z.array(entrySchema.nullable()).optional(),
});

/** One video of a probed URL. */
export interface UrlVideo {
  /** `{platform}:{videoId}`, the dedup key. */
  sourceKey: string;
  platform: string;
  videoId: string;
  title: string;
  /** The page to download it from. */
  url: string;
  durationSec: number | null;
  sizeBytes: number | null;
  publishedAt: Date | null;
}

/** Site names as LEAP shows them; anything else by its extractor. */
function platformOf(extractor: string): string {
  const key = extractor.toLowerCase();
  if (key.startsWith('youtube')) return 'youtube';
  if (key.startsWith('vk')) return 'vk';
  if (key.startsWith('rutube')) return 'rutube';
  if (key.startsWith('yandexdisk')) return 'yandex_disk';
  // Direct files and <video> tags of a page: the id is just a file or page name.
  if (key === 'generic' || key === 'html5mediaembed') return 'generic';
  return key.replace(/[^a-z0-9_]/g, '') || 'other';
}

/**
 * A single video is downloaded from its page (`webpage_url`; its `url` may be a short-lived stream
 * link); a playlist entry from its own `url` (entries of one page share the page's webpage_url).
 */
function toVideo(entry: z.infer<typeof entrySchema>, fallbackUrl: string, extractor: string | null, isEntry: boolean): UrlVideo | null {
  const order = isEntry ? [entry.url, entry.webpage_url] : [entry.webpage_url, entry.original_url, entry.url];
  const url = order.find((u): u is string => typeof u === 'string' && /^https?:\/\//i.test(u)) ?? (entry.id ? null : fallbackUrl);
  if (!url) return null;
  const platform = platformOf(entry.extractor_key ?? entry.ie_key ?? extractor ?? 'other');
  // The generic extractor names a file by its base name, which is not unique across sites.
  const videoId = platform === 'generic' || !entry.id ? createHash('sha256').update(url).digest('hex').slice(0, 24) : entry.id;
  const published = entry.timestamp ? new Date(entry.timestamp * 1000) : entry.upload_date && /^\d{8}$/.test(entry.upload_date) ? new Date(`${entry.upload_date.slice(0, 4)}-${entry.upload_date.slice(4, 6)}-${entry.upload_date.slice(6)}T00:00:00Z`) : null;
  return {
    sourceKey: `${platform}:${videoId}`,
    platform,
    videoId,
    title: entry.title?.trim() || videoId,
    url,
    durationSec: entry.duration ?? null,
    sizeBytes: entry.filesize ?? entry.filesize_approx ?? null,
    publishedAt: published,
  };
}

/** Reads a URL's metadata; a playlist gives one video per entry. */
export async function probeUrl(url: string, options: YtDlpOptions): Promise<UrlVideo[]> {
  const { stdout } = await runYtDlp(options.binary, ['-J', '--yes-playlist', '--flat-playlist', '--socket-timeout', '30', '--', url], { timeoutMs: options.probeTimeoutMs });
  let info: z.infer<typeof infoSchema>;
  try {
    info = infoSchema.parse(JSON.parse(stdout));
  } catch {
    throw ValidationError.field('url', 'The URL did not describe a video');
  }
  const extractor = info.extractor_key ?? info.ie_key ?? null;
  if (info._type === 'playlist' || info.entries) {
    return (info.entries ?? []).flatMap((entry) => (entry ? [toVideo(entry, url, null, true)].filter((v): v is UrlVideo => v !== null) : []));
  }
  const video = toVideo(info, url, extractor, false);
  return video ? [video] : [];
}

const PROGRESS_PREFIX = 'leap-progress';

/** Downloads one video (never a playlist) into `workDir` as `download.<ext>`; resumes `.part` files. */
export async function downloadVideo(url: string, quality: UrlQuality, workDir: string, options: YtDlpOptions, onProgress?: DownloadProgress): Promise<{ path: string; extension: string }> {
  const output = quality === 'AUDIO_ONLY' ? ['-x', '--audio-format', 'mp3', '--audio-quality', '192K'] : ['--merge-output-format', 'mp4'];
  const args = [
    '--no-playlist',
    '--continue',
    '--newline',
    '--socket-timeout',
    '30',
    '--retries',
    '5',
    '--fragment-retries',
    '5',
    '--max-filesize',
    String(options.maxBytes),
    '-f',
    formatFor(quality),
    ...output,
    '--progress-template',
    `download:${PROGRESS_PREFIX} %(progress.downloaded_bytes)s %(progress.total_bytes)s %(progress.total_bytes_estimate)s`,
    '-o',
    path.join(workDir, 'download.%(ext)s'),
    '--',
    url,
  ];
  await runYtDlp(options.binary, args, {
    idleTimeoutMs: options.idleTimeoutMs,
    onLine: (line) => {
      const progress = parseProgressLine(line);
      if (progress !== null) onProgress?.(progress, `${Math.round(progress * 100)}% downloaded`);
    },
  });
  const done = (await readdir(workDir)).filter((name) => name.startsWith('download.') && !/\.(part|ytdl|temp|tmp)$/.test(name) && !/\.f\d+\./.test(name));
  const wanted = quality === 'AUDIO_ONLY' ? done.find((name) => name.endsWith('.mp3')) : done[0];
  if (!wanted) throw new ValidationError('yt-dlp finished without producing a media file');
  return { path: path.join(workDir, wanted), extension: wanted.slice(wanted.lastIndexOf('.') + 1).toLowerCase() };
}

/** The fraction of a `--progress-template` line, or null for any other line. */
export function parseProgressLine(line: string): number | null {
  if (!line.startsWith(`${PROGRESS_PREFIX} `)) return null;
  const [downloaded, total, estimate] = line.slice(PROGRESS_PREFIX.length + 1).split(' ').map(Number);
  const of = Number.isFinite(total) && total! > 0 ? total! : Number.isFinite(estimate) && estimate! > 0 ? estimate! : null;
  if (!of || !Number.isFinite(downloaded)) return 0;
  return Math.min(1, downloaded! / of);
}

/** What a failed yt-dlp run means: typed for what retrying cannot fix, a plain Error otherwise. */
export function ytDlpFailure(stderr: string): Error {
  const message = stderr.split('\n').filter((l) => l.startsWith('ERROR:')).pop()?.replace(/^ERROR:\s*/, '') ?? stderr.trim().split('\n').pop() ?? 'yt-dlp failed';
  const text = message.slice(0, 300);
  if (/Requested format is not available/i.test(text)) return ValidationError.field('quality', 'The video is not available in the requested quality');
  if (/HTTP Error 404|HTTP Error 410|Video unavailable|Private video|not available|has been removed|does not exist/i.test(text)) return new NotFoundError('Video');
  if (/Unsupported URL|is not a valid URL|no video formats found/i.test(text)) return ValidationError.field('url', `The URL is not a supported video page (${text})`);
  if (/Sign in|login required|log in|cookies|members-only|age-restricted|confirm your age/i.test(text)) return new CredentialError(`The site requires signing in to download this video (${text})`);
  if (/larger than max-filesize/i.test(text)) return ValidationError.field('url', 'The video is larger than the upload limit');
  return new Error(`yt-dlp failed: ${text}`);
}

interface RunOptions {
  timeoutMs?: number;
  idleTimeoutMs?: number;
  onLine?: (line: string) => void;
}

/** Runs yt-dlp (no shell, no user config); stdout kept unless `onLine` consumes it. */
function runYtDlp(binary: string, args: string[], options: RunOptions): Promise<{ stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, ['--ignore-config', '--no-warnings', '--no-color', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let killedFor: string | null = null;
    const kill = (reason: string) => {
      killedFor = reason;
      child.kill('SIGKILL');
    };
    const total = options.timeoutMs ? setTimeout(() => kill(`timed out after ${options.timeoutMs} ms`), options.timeoutMs) : null;
    let idle: NodeJS.Timeout | null = null;
    const touch = () => {
      if (!options.idleTimeoutMs) return;
      if (idle) clearTimeout(idle);
      idle = setTimeout(() => kill(`no progress for ${options.idleTimeoutMs} ms`), options.idleTimeoutMs);
    };
    touch();
    if (options.onLine) {
      createInterface({ input: child.stdout }).on('line', (line) => {
        touch();
        options.onLine?.(line);
      });
    } else {
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString('utf8');
      });
    }
    child.stderr.on('data', (chunk: Buffer) => {
      touch();
      stderr = (stderr + chunk.toString('utf8')).slice(-8000);
    });
    child.on('error', (error) => reject(new Error(`yt-dlp could not be started: ${error.message}`)));
    child.on('close', (code) => {
      if (total) clearTimeout(total);
      if (idle) clearTimeout(idle);
      if (killedFor) return reject(new Error(`yt-dlp ${killedFor}`));
      if (code !== 0) return reject(ytDlpFailure(stderr));
      resolve({ stdout });
    });
  });
}
