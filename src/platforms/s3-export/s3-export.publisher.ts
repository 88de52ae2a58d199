import path from 'node:path';
import { Readable } from 'node:stream';
import { S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { CredentialError, ValidationError } from '../../lib/errors.js';
import type { JsonObject } from '../../modules/config/merge.js';
import type { S3Secret } from '../../modules/credentials/secret-schemas.js';
import type { S3ExportPresetMetadata } from '../../modules/presets/preset-schemas.js';
import { recordingPrefix, type StorageBackend } from '../../modules/storage/backend.js';
import type { PublishContext, PublishFile, PublishResult, Publisher } from '../publisher.js';

// The export package (SPEC §6 PUBLISH): video, subtitles, transcript, topics, the rendered
// description and a manifest.json describing them. With an S3 credential it goes to the
// workspace's bucket under the rendered folder; without one into LEAP's own storage next to the
// recording (fixed names there, as storage keys never carry display names), linked by a signed URL.

interface PackageEntry {
  role: 'video' | 'subtitles_srt' | 'subtitles_vtt' | 'transcript' | 'topics' | 'description' | 'manifest';
  name: string;
  contentType: string;
  sizeBytes: number;
}

interface Destination {
  write(name: string, body: Readable | string, contentType: string): Promise<void>;
  location: string;
  url(entries: PackageEntry[]): Promise<string>;
}

const S3_PART_BYTES = 8 * 1024 * 1024;

export class S3ExportPublisher implements Publisher {
  readonly platform = 'S3_EXPORT' as const;

  constructor(private readonly storage: StorageBackend) {}

  async publish(context: PublishContext): Promise<PublishResult> {
    const preset = context.metadata.settings as unknown as S3ExportPresetMetadata;
    const destination = await this.destination(context, preset);
    const entries: PackageEntry[] = [];
    const files: Array<[PackageEntry['role'], PublishFile | null, string]> = [
      ['video', preset.include.video ? context.files.video : null, `video${path.extname(context.files.video.key)}`],
      ['subtitles_srt', preset.include.subtitles ? context.files.subtitlesSrt : null, 'subtitles.srt'],
      ['subtitles_vtt', preset.include.subtitles ? context.files.subtitlesVtt : null, 'subtitles.vtt'],
      ['transcript', preset.include.transcript ? context.files.transcript : null, 'transcript.json'],
      ['topics', preset.include.topics ? context.files.topics : null, 'topics.json'],
    ];
    const present = files.filter((entry): entry is [PackageEntry['role'], PublishFile, string] => entry[1] !== null);
    let done = 0;
    const totalBytes = present.reduce((sum, [, file]) => sum + file.sizeBytes, 0) || 1;
    for (const [role, file, fixedName] of present) {
      const name = destination.location.startsWith('leap:') ? fixedName : file.fileName;
      await destination.write(name, await context.open(file), file.contentType);
      entries.push({ role, name, contentType: file.contentType, sizeBytes: file.sizeBytes });
      done += file.sizeBytes;
      context.onProgress(0.95 * (done / totalBytes), `exported ${name}`);
    }
    await this.writeTexts(context, preset, destination, entries);
    context.onProgress(1, 'exported');
    return { remoteId: destination.location, url: await destination.url(entries), meta: { location: destination.location, files: entries.map((e) => e.name) } };
  }

  async updateMetadata(context: PublishContext): Promise<JsonObject> {
    const preset = context.metadata.settings as unknown as S3ExportPresetMetadata;
    const destination = await this.destination(context, preset);
    const previous = Array.isArray(context.target.meta.files) ? context.target.meta.files.filter((f): f is string => typeof f === 'string') : [];
    const entries: PackageEntry[] = previous.filter((name) => !['description.txt', 'manifest.json'].includes(name)).map((name) => ({ role: 'video', name, contentType: '', sizeBytes: 0 }));
    await this.writeTexts(context, preset, destination, entries, false);
    return { ...context.target.meta, files: entries.map((e) => e.name) };
  }

  /** description.txt and manifest.json (the manifest lists what the package holds). */
  private async writeTexts(context: PublishContext, preset: S3ExportPresetMetadata, destination: Destination, entries: PackageEntry[], describe = true): Promise<void> {
    if (preset.include.description) {
      const text = `${context.metadata.title}\n\n${context.metadata.description}\n`;
      await destination.write('description.txt', text, 'text/plain; charset=utf-8');
      entries.push({ role: 'description', name: 'description.txt', contentType: 'text/plain; charset=utf-8', sizeBytes: Buffer.byteLength(text) });
    }
    const manifest = JSON.stringify(
      {
        format: 'leap-export/1',
        recording: { id: context.recording.id, displayName: context.recording.displayName, durationSec: context.recording.durationSec, language: context.recording.language },
        title: context.metadata.title,
        description: context.metadata.description,
        chapters: context.chapters,
        files: describe ? entries : entries.map(({ name }) => ({ name })),
        exportedAt: new Date().toISOString(),
      },
      null,
      2,
    );
    await destination.write('manifest.json', manifest, 'application/json');
    entries.push({ role: 'manifest', name: 'manifest.json', contentType: 'application/json', sizeBytes: Buffer.byteLength(manifest) });
  }

  private async destination(context: PublishContext, preset: S3ExportPresetMetadata): Promise<Destination> {
    const secret = (await context.secret()) as S3Secret | null;
    if (!secret) return this.leapStorage(context);
    const bucket = preset.bucket ?? secret.bucket;
    const folder = (context.metadata.folderPath ?? context.recording.id)
      .split('/')
      .map((part) => part.replace(/[\u0000-\u001f\\]+/g, ' ').trim())
      .filter((part) => part && part !== '.' && part !== '..')
      .join('/');
    const prefix = folder ? `${folder}/` : '';
    const client = new S3Client({
      region: secret.region,
      endpoint: secret.endpoint,
      forcePathStyle: secret.forcePathStyle,
      credentials: { accessKeyId: secret.accessKeyId, secretAccessKey: secret.secretAccessKey },
    });
    return {
      location: `s3://${bucket}/${prefix}`,
      write: async (name, body, contentType) => {
        try {
          await new Upload({ client, params: { Bucket: bucket, Key: `${prefix}${name}`, Body: body, ContentType: contentType }, partSize: S3_PART_BYTES, queueSize: 2 }).done();
        } catch (error) {
          throw s3Error(error, context.credentialId);
        }
      },
      url: async () => `s3://${bucket}/${prefix}`,
    };
  }

  private leapStorage(context: PublishContext): Destination {
    const prefix = `${recordingPrefix(context.tenantId, context.recording.id)}export/${context.target.id}/`;
    return {
      location: `leap:${prefix}`,
      write: async (name, body, contentType) => {
        await this.storage.put(`${prefix}${name}`, typeof body === 'string' ? Readable.from([body]) : body, { contentType });
      },
      url: async (entries) => {
        const main = entries.find((e) => e.role === 'video') ?? entries.find((e) => e.role === 'manifest');
        const fileName = main?.role === 'video' ? context.files.video.fileName : 'manifest.json';
        return (await this.storage.downloadUrl(`${prefix}${main?.name ?? 'manifest.json'}`, { fileName })).url;
      },
    };
  }
}

function s3Error(error: unknown, credentialId: string | null): unknown {
  if (!(error instanceof S3ServiceException)) return error;
  if (['InvalidAccessKeyId', 'SignatureDoesNotMatch', 'AccessDenied', 'ExpiredToken'].includes(error.name) || error.$metadata.httpStatusCode === 403) {
    return new CredentialError(`The S3 service refused these keys (${error.name}); reconnect this account`, credentialId);
  }
  if (error.name === 'NoSuchBucket') return new ValidationError('The export bucket does not exist');
  return error;
}
