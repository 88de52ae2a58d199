import path from 'node:path';
import type { Recording } from '../../generated/prisma/client.js';
import { ValidationError } from '../../lib/errors.js';
import type { PublishFile, PublishFiles } from '../../platforms/publisher.js';
import { recordingFileKey, type StorageBackend } from '../storage/backend.js';

// Which stored files of a recording a publication carries, found by their fixed keys (SPEC §7).

const CONTENT_TYPES: Record<string, string> = {
  '.mp4': 'video/mp4',
  '.m4v': 'video/mp4',
  '.webm': 'video/webm',
  '.mkv': 'video/x-matroska',
  '.mov': 'video/quicktime',
  '.srt': 'application/x-subrip',
  '.vtt': 'text/vtt',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.png': 'image/png',
};

export function contentTypeOf(key: string): string {
  return CONTENT_TYPES[path.extname(key).toLowerCase()] ?? 'application/octet-stream';
}

/** A file name from a rendered title: no path separators or control characters, at most 200 characters. */
export function safeFileName(name: string, extension: string): string {
  const base = name.replace(/[\u0000-\u001f/\\:*?"<>|]+/g, ' ').replace(/\s+/g, ' ').trim().slice(0, 200).trim() || 'recording';
  return `${base}${extension}`;
}

export async function gatherFiles(storage: StorageBackend, recording: Recording, baseName: string): Promise<PublishFiles> {
  const videoKey = recording.videoFileKey ?? recording.sourceFileKey;
  const videoStat = videoKey ? await storage.stat(videoKey) : null;
  if (!videoKey || !videoStat) throw new ValidationError('The recording has no video to publish yet');
  const file = async (key: string | null, ext?: string): Promise<PublishFile | null> => {
    if (!key) return null;
    const stat = await storage.stat(key);
    return stat ? { key, sizeBytes: stat.sizeBytes, contentType: contentTypeOf(key), fileName: safeFileName(baseName, ext ?? path.extname(key)) } : null;
  };
  const own = (name: string) => recordingFileKey(recording.tenantId, recording.id, name);
  const [subtitlesSrt, subtitlesVtt, transcript, topics, poster] = await Promise.all([
    file(own('subtitles.srt')),
    file(own('subtitles.vtt')),
    file(own('transcript.json'), '_transcript.json'),
    file(own('topics.json'), '_topics.json'),
    file(recording.posterFileKey),
  ]);
  return {
    video: { key: videoKey, sizeBytes: videoStat.sizeBytes, contentType: contentTypeOf(videoKey), fileName: safeFileName(baseName, path.extname(videoKey)) },
    subtitlesSrt,
    subtitlesVtt,
    transcript,
    topics,
    poster,
    thumbnail: null,
  };
}
