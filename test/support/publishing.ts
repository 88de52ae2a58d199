import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { Prisma, PublishPlatform } from '../../src/generated/prisma/client.js';
import { prisma } from '../../src/lib/db.js';
import { runFfmpeg } from '../../src/media/ffmpeg.js';
import { recordingFileKey, type StorageBackend } from '../../src/modules/storage/backend.js';
import { mediaScratch } from './media.js';

// Fixtures of the publishing tests: a small real video (noisy test pattern of about a megabyte,
// so uploads take several 256 KiB chunks), a poster, subtitles, and a recording that has them all in storage.

export interface PublishMedia {
  video: Buffer;
  poster: Buffer;
  cleanup(): Promise<void>;
}

export async function makePublishMedia(): Promise<PublishMedia> {
  const scratch = await mediaScratch('publish');
  const video = path.join(scratch.dir, 'video.mp4');
  const poster = path.join(scratch.dir, 'poster.jpg');
  await runFfmpeg([
    '-f', 'lavfi', '-i', 'testsrc2=s=320x180:r=25:d=2,noise=alls=60:allf=t',
    '-f', 'lavfi', '-i', 'sine=frequency=440:duration=2',
    '-c:v', 'mpeg4', '-q:v', '6', '-c:a', 'aac', '-shortest', '-y', video,
  ]);
  await runFfmpeg(['-f', 'lavfi', '-i', 'testsrc2=s=320x180:d=1', '-frames:v', '1', '-y', poster]);
  return { video: await readFile(video), poster: await readFile(poster), cleanup: scratch.cleanup };
}

export const SUBTITLES_SRT = '1\n00:00:00,000 --> 00:00:02,000\nЗдравствуйте, коллеги\n';
export const SUBTITLES_VTT = 'WEBVTT\n\n00:00.000 --> 00:02.000\nЗдравствуйте, коллеги\n';

export async function publishableRecording(
  storage: StorageBackend,
  tenantId: string,
  media: PublishMedia,
  options: { displayName?: string; topics?: Array<{ title: string; start: number }>; files?: Array<'srt' | 'vtt' | 'poster' | 'transcript' | 'topics'> } = {},
) {
  const files = options.files ?? ['srt', 'vtt', 'poster', 'transcript', 'topics'];
  const recording = await prisma.recording.create({
    data: { tenantId, displayName: options.displayName ?? 'Линейная алгебра: лекция 3', sourceType: 'LOCAL', status: 'PROCESSED', durationSec: 130, trimmedDurationSec: 120, startTime: new Date('2026-02-10T09:30:00Z') },
  });
  const key = (name: string) => recordingFileKey(tenantId, recording.id, name);
  await storage.put(key('video.mp4'), Readable.from([media.video]));
  if (files.includes('srt')) await storage.put(key('subtitles.srt'), Readable.from([SUBTITLES_SRT]));
  if (files.includes('vtt')) await storage.put(key('subtitles.vtt'), Readable.from([SUBTITLES_VTT]));
  if (files.includes('transcript')) await storage.put(key('transcript.json'), Readable.from([JSON.stringify({ language: 'ru', duration: 2, segments: [{ start: 0, end: 2, text: 'Здравствуйте, коллеги' }], words: [] })]));
  if (files.includes('topics')) await storage.put(key('topics.json'), Readable.from([JSON.stringify({ topics: options.topics ?? [] })]));
  if (files.includes('poster')) await storage.put(key('poster.jpg'), Readable.from([media.poster]));
  await prisma.recording.update({
    where: { id: recording.id },
    data: { videoFileKey: key('video.mp4'), posterFileKey: files.includes('poster') ? key('poster.jpg') : null },
  });
  const topics = options.topics ?? [
    { title: 'Введение', start: 4 },
    { title: 'Определители', start: 30 },
    { title: 'Слишком близко', start: 34 },
    { title: 'Ранг матрицы', start: 60 },
  ];
  await prisma.topicVersion.create({
    data: { tenantId, recordingId: recording.id, version: 1, isActive: true, provider: 'local', summary: 'Матрицы и определители.', mainTopic: 'Матрицы', topics: topics.map((t, i) => ({ ...t, end: topics[i + 1]?.start ?? 120 })) },
  });
  return prisma.recording.findUniqueOrThrow({ where: { id: recording.id } });
}

export async function presetOf(tenantId: string, platform: PublishPlatform, credentialId: string | null, metadata: Prisma.InputJsonObject, name = `${platform} ${Math.random().toString(36).slice(2, 8)}`) {
  return prisma.outputPreset.create({ data: { tenantId, name, platform, credentialId, metadata } });
}
