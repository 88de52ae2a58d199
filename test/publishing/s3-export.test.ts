import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prisma } from '../../src/lib/db.js';
import { CredentialError } from '../../src/lib/errors.js';
import { createRedis } from '../../src/lib/redis.js';
import { createServices, type Services } from '../../src/services.js';
import { makePublishMedia, presetOf, publishableRecording, SUBTITLES_SRT, type PublishMedia } from '../support/publishing.js';
import { startS3Server, type TestS3Server } from '../support/s3.js';

const redis = createRedis();
let s3: TestS3Server;
let media: PublishMedia;
let services: Services;
let tenantId: string;
let client: S3Client;

async function text(key: string): Promise<string> {
  const object = await client.send(new GetObjectCommand({ Bucket: s3.settings.bucket, Key: key }));
  return (await object.Body?.transformToString('utf8')) ?? '';
}

beforeAll(async () => {
  s3 = await startS3Server('leap-exports');
  media = await makePublishMedia();
  services = createServices({ prisma, redis });
  tenantId = (await prisma.tenant.create({ data: { name: 'Export faculty', timezone: 'Europe/Moscow' } })).id;
  client = new S3Client({ region: 'us-east-1', endpoint: s3.settings.endpoint, forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
});
afterAll(async () => {
  client.destroy();
  await media.cleanup();
  await s3.close();
  redis.disconnect();
});

describe('S3 / local export package', () => {
  it('writes video, subtitles, transcript, topics, description and manifest to the workspace bucket', async () => {
    const credential = await services.credentials.create(tenantId, {
      platform: 'S3',
      accountName: 'Faculty bucket',
      secret: { endpoint: s3.settings.endpoint, region: 'us-east-1', bucket: 'leap-exports', accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER', forcePathStyle: true },
    });
    const recording = await publishableRecording(services.storage, tenantId, media);
    const preset = await presetOf(tenantId, 'S3_EXPORT', credential.id, { bucket: 'leap-exports', descriptionTemplate: 'Кратко: {{ summary }}' });
    const [target] = await services.publishing.ensureTargets(tenantId, recording.id, [preset.id]);
    const outcome = await services.publishing.publishTarget(tenantId, target?.id ?? '');
    const folder = 'exports/2026-02-10/Линейная алгебра: лекция 3/';
    expect(outcome).toEqual({ status: 'UPLOADED', url: `s3://leap-exports/${folder}` });

    const listed = await client.send(new ListObjectsV2Command({ Bucket: 'leap-exports', Prefix: folder }));
    const names = (listed.Contents ?? []).map((o) => o.Key?.slice(folder.length)).sort();
    const base = 'Линейная алгебра лекция 3';
    expect(names).toEqual([`${base}.mp4`, `${base}.srt`, `${base}.vtt`, `${base}_topics.json`, `${base}_transcript.json`, 'description.txt', 'manifest.json'].sort());
    const video = await client.send(new GetObjectCommand({ Bucket: 'leap-exports', Key: `${folder}${base}.mp4` }));
    expect(Buffer.from((await video.Body?.transformToByteArray()) ?? []).equals(media.video)).toBe(true);
    expect(await text(`${folder}${base}.srt`)).toBe(SUBTITLES_SRT);
    expect(await text(`${folder}description.txt`)).toBe('Линейная алгебра: лекция 3\n\nКратко: Матрицы и определители.\n');
    const manifest = JSON.parse(await text(`${folder}manifest.json`)) as Record<string, unknown>;
    expect(manifest).toMatchObject({ format: 'leap-export/1', title: 'Линейная алгебра: лекция 3', recording: { id: recording.id, language: 'ru' } });
    expect((manifest.files as Array<{ role: string; sizeBytes: number }>).find((f) => f.role === 'video')?.sizeBytes).toBe(media.video.length);
    expect(manifest.chapters).toHaveLength(4);
  });

  it('exports into LEAP storage with a signed link when the preset has no account', async () => {
    const recording = await publishableRecording(services.storage, tenantId, media, { files: ['srt'] });
    const preset = await presetOf(tenantId, 'S3_EXPORT', null, { include: { transcript: false } });
    const [target] = await services.publishing.ensureTargets(tenantId, recording.id, [preset.id]);
    const outcome = await services.publishing.publishTarget(tenantId, target?.id ?? '');
    expect(outcome.status).toBe('UPLOADED');
    const prefix = `tenants/${tenantId}/recordings/${recording.id}/export/${target?.id}/`;
    const stored = (await services.storage.list(prefix)).map((o) => o.key.slice(prefix.length)).sort();
    expect(stored).toEqual(['description.txt', 'manifest.json', 'subtitles.srt', 'video.mp4']);
    expect(outcome.url).toMatch(/\/files\//);
    expect(await prisma.outputTarget.findUniqueOrThrow({ where: { id: target?.id } })).toMatchObject({ remoteId: `leap:${prefix}`, status: 'UPLOADED' });
  });

  it('fails the target with a credential error when the bucket refuses the keys', async () => {
    const credential = await services.credentials.create(tenantId, {
      platform: 'S3',
      accountName: 'Wrong keys',
      secret: { endpoint: s3.settings.endpoint, region: 'us-east-1', bucket: 'leap-exports', accessKeyId: 'WRONGKEY', secretAccessKey: 'WRONGSECRET', forcePathStyle: true },
    });
    const recording = await publishableRecording(services.storage, tenantId, media, { files: [] });
    const preset = await presetOf(tenantId, 'S3_EXPORT', credential.id, { bucket: 'leap-exports' });
    const [target] = await services.publishing.ensureTargets(tenantId, recording.id, [preset.id]);
    await expect(services.publishing.publishTarget(tenantId, target?.id ?? '')).rejects.toBeInstanceOf(CredentialError);
    expect((await prisma.credential.findUniqueOrThrow({ where: { id: credential.id } })).needsReauth).toBe(true);
    expect((await prisma.outputTarget.findUniqueOrThrow({ where: { id: target?.id } })).status).toBe('FAILED');
  });
});
