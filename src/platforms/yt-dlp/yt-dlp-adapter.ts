import { ValidationError } from '../../lib/errors.js';
import { metaString, type DownloadedFile, type DownloadProgress, type RemoteRecording, type SourceAdapter, type SourceMeta } from '../source-adapter.js';
import { assertFetchableUrl, type UrlGuardOptions } from './url-guard.js';
import { downloadVideo, probeUrl, URL_QUALITIES, type UrlQuality, type UrlVideo, type YtDlpOptions } from './yt-dlp.js';

// Video pages and direct file URLs through yt-dlp. Every URL passes the address guard first: the one
// a user gave, each playlist entry, and again before each download.

export const isUrlQuality = (value: unknown): value is UrlQuality => typeof value === 'string' && (URL_QUALITIES as readonly string[]).includes(value);

export function toRemoteRecording(video: UrlVideo, quality: UrlQuality): RemoteRecording {
  return {
    sourceKey: video.sourceKey,
    aliasKeys: [],
    displayName: video.title,
    startTime: video.publishedAt,
    durationSec: video.durationSec,
    sizeBytes: video.sizeBytes,
    processing: false,
    meta: { url: video.url, platform: video.platform, videoId: video.videoId, title: video.title, quality },
  };
}

export class YtDlpAdapter implements SourceAdapter {
  constructor(
    private readonly ytDlp: YtDlpOptions,
    private readonly guard: UrlGuardOptions,
    private readonly source: { url: string; quality: UrlQuality } | null = null,
  ) {}

  /** The videos of a URL (several for a playlist), each checked by the guard. */
  async probe(url: string, quality: UrlQuality): Promise<RemoteRecording[]> {
    const checked = await assertFetchableUrl(url, this.guard);
    const videos = await probeUrl(checked.toString(), this.ytDlp);
    const allowed: RemoteRecording[] = [];
    for (const video of videos) {
      await assertFetchableUrl(video.url, this.guard);
      allowed.push(toRemoteRecording(video, quality));
    }
    return allowed;
  }

  /** A URL source lists what its URL holds now; the sync window does not apply to it. */
  async list(): Promise<RemoteRecording[]> {
    if (!this.source) return [];
    return this.probe(this.source.url, this.source.quality);
  }

  async download(meta: SourceMeta, workDir: string, onProgress?: DownloadProgress): Promise<DownloadedFile> {
    const url = metaString(meta, 'url');
    if (!url) throw ValidationError.field('url', 'The recording has no source URL');
    const quality = isUrlQuality(meta.quality) ? meta.quality : 'BEST';
    const checked = await assertFetchableUrl(url, this.guard);
    return downloadVideo(checked.toString(), quality, workDir, this.ytDlp, onProgress);
  }
}
