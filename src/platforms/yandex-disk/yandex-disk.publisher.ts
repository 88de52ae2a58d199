import path from 'node:path';
import { Readable } from 'node:stream';
import { ConflictError, CredentialError } from '../../lib/errors.js';
import { logger } from '../../lib/logger.js';
import type { JsonObject } from '../../modules/config/merge.js';
import type { YandexDiskPresetMetadata } from '../../modules/presets/preset-schemas.js';
import { PlatformUnauthorizedError, withFreshToken, type PublishContext, type PublishFile, type PublishResult, type Publisher } from '../publisher.js';
import { YandexDiskClient } from './yandex-disk.client.js';

// Publishing to Yandex Disk (inventory §7.3): rendered folder and file name (never a temp name),
// overwrite, optional public link, and sidecars next to the video. Sidecar failures are logged,
// not fatal, as in the original; the video and the link are.

interface Sidecar {
  name: string;
  body: () => Promise<{ stream: Readable; size: number }>;
}

export class YandexDiskPublisher implements Publisher {
  readonly platform = 'YANDEX_DISK' as const;

  constructor(private readonly apiUrl: string) {}

  async publish(context: PublishContext): Promise<PublishResult> {
    const preset = context.metadata.settings as unknown as YandexDiskPresetMetadata;
    const { folder, base } = this.paths(context);
    const video = context.files.video;
    const videoPath = `disk:${folder}/${base}${path.extname(video.key)}`;
    return this.withClient(context, async (disk) => {
      await disk.ensureFolder(folder);
      if (context.target.meta.uploadedPath !== videoPath) {
        const result = await disk.upload(videoPath, await context.open(video), video.sizeBytes, preset.overwrite);
        // A file already there is ours only if a previous attempt of this target wrote it completely.
        if (result === 'exists' && (await disk.resource(videoPath))?.size !== video.sizeBytes) {
          throw new ConflictError(`${videoPath} already exists on Yandex Disk; enable overwrite in the preset`);
        }
        await context.checkpoint({ ...context.target.meta, uploadedPath: videoPath });
      }
      context.onProgress(0.8, 'video uploaded');
      const sidecars = await this.writeSidecars(context, disk, folder, base, preset);
      const publicUrl = preset.publish ? await disk.publish(videoPath) : null;
      context.onProgress(1, 'published');
      return { remoteId: videoPath, url: publicUrl ?? videoPath, meta: { path: videoPath, uploadedPath: videoPath, publicUrl, sidecars } };
    });
  }

  async updateMetadata(context: PublishContext): Promise<JsonObject> {
    const preset = context.metadata.settings as unknown as YandexDiskPresetMetadata;
    const { folder, base } = this.paths(context);
    return this.withClient(context, async (disk) => {
      const sidecars = await this.writeSidecars(context, disk, folder, base, { ...preset, overwrite: true, sidecars: { srt: preset.sidecars.srt, vtt: preset.sidecars.vtt, transcript: false, description: preset.sidecars.description } });
      return { ...context.target.meta, sidecars };
    });
  }

  private paths(context: PublishContext): { folder: string; base: string } {
    const folder = `/${(context.metadata.folderPath ?? '/Video/Uploads').split('/').map((p) => p.trim()).filter((p) => p && p !== '.' && p !== '..').join('/')}`;
    const base = path.basename(context.files.video.fileName, path.extname(context.files.video.fileName));
    return { folder, base };
  }

  private async writeSidecars(context: PublishContext, disk: YandexDiskClient, folder: string, base: string, preset: YandexDiskPresetMetadata): Promise<string[]> {
    const fromFile = (file: PublishFile) => async () => ({ stream: await context.open(file), size: file.sizeBytes });
    const fromText = (text: () => Promise<string>) => async () => {
      const data = Buffer.from(await text(), 'utf8');
      return { stream: Readable.from([data]), size: data.length };
    };
    const wanted: Sidecar[] = [];
    if (preset.sidecars.srt && context.files.subtitlesSrt) wanted.push({ name: `${base}.srt`, body: fromFile(context.files.subtitlesSrt) });
    if (preset.sidecars.vtt && context.files.subtitlesVtt) wanted.push({ name: `${base}.vtt`, body: fromFile(context.files.subtitlesVtt) });
    const transcript = context.files.transcript;
    if (preset.sidecars.transcript && transcript) wanted.push({ name: `${base}_transcription.txt`, body: fromText(() => transcriptText(context, transcript)) });
    if (preset.sidecars.description) wanted.push({ name: `${base}_description.txt`, body: fromText(async () => `${context.metadata.title}\n\n${context.metadata.description}\n`) });
    const written: string[] = [];
    for (const sidecar of wanted) {
      const target = `disk:${folder}/${sidecar.name}`;
      try {
        const { stream, size } = await sidecar.body();
        await disk.upload(target, stream, size, preset.overwrite);
        written.push(target);
      } catch (error) {
        if (error instanceof PlatformUnauthorizedError) throw error;
        logger.warn({ tenantId: context.tenantId, targetId: context.target.id, sidecar: sidecar.name, err: error instanceof Error ? error.message : String(error) }, 'Yandex Disk sidecar failed');
      }
    }
    return written;
  }

  private withClient<T>(context: PublishContext, run: (disk: YandexDiskClient) => Promise<T>): Promise<T> {
    return withFreshToken(context, (token) => run(new YandexDiskClient(this.apiUrl, token)), (error) => new CredentialError(`${error.message}; reconnect this account`, context.credentialId));
  }
}

/** The transcript's segments as plain lines. */
export async function transcriptText(context: PublishContext, file: PublishFile): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of await context.open(file)) chunks.push(chunk as Buffer);
  const parsed = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { segments?: Array<{ text?: unknown }> };
  return `${(parsed.segments ?? []).map((s) => String(s.text ?? '').trim()).filter(Boolean).join('\n')}\n`;
}
