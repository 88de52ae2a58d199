import path from 'node:path';
import { Readable } from 'node:stream';
import type { drive_v3 } from '@googleapis/drive';
import type { PlatformSettings } from '../../config.js';
import { CredentialError } from '../../lib/errors.js';
import { logger } from '../../lib/logger.js';
import type { JsonObject } from '../../modules/config/merge.js';
import type { GoogleDrivePresetMetadata } from '../../modules/presets/preset-schemas.js';
import { PlatformUnauthorizedError, withFreshToken, type PublishContext, type PublishFile, type PublishResult, type Publisher } from '../publisher.js';
import { transcriptText } from '../yandex-disk/yandex-disk.publisher.js';
import { callOptions, driveApi, FOLDER_MIME, googleFailure, quoted } from './drive-api.js';
import { driveError, queryDriveUpload, startDriveUpload, uploadDriveFrom, type DriveUploadSession } from './drive-upload.js';

// Publishing to Google Drive: the rendered folder path is found name by name under the preset's
// root folder (missing folders are created), the video goes up in resumable chunks under its
// rendered name, sidecars (subtitles, transcript, description) go next to it, and the file's
// webViewLink is the target's URL. Every step is checkpointed in target.meta, and LEAP's files carry
// `appProperties.leapTarget`, so a retry after a crash finds what the last attempt left and never
// uploads the video twice. Sidecar failures are logged, not fatal (as for Yandex Disk).

interface DriveMeta {
  /** Root id and folder path the folder id below was resolved for. */
  folderKey?: string;
  folderId?: string;
  fileId?: string;
  uploadSession?: DriveUploadSession | null;
  /** Sidecar file name → Drive file id. */
  sidecars?: Record<string, string>;
}

interface Sidecar {
  role: string;
  name: string;
  mimeType: string;
  body: () => Promise<Readable>;
}

type Call = <T>(run: () => Promise<T>) => Promise<T>;

export class GoogleDrivePublisher implements Publisher {
  readonly platform = 'GOOGLE_DRIVE' as const;
  private readonly api: drive_v3.Drive;

  constructor(private readonly settings: PlatformSettings['googleDrive']) {
    this.api = driveApi(settings.apiRoot);
  }

  async publish(context: PublishContext): Promise<PublishResult> {
    const preset = context.metadata.settings as unknown as GoogleDrivePresetMetadata;
    const meta = { ...(context.target.meta as DriveMeta) };
    const save = async (patch: Partial<DriveMeta>) => {
      Object.assign(meta, patch);
      await context.checkpoint(meta as JsonObject);
    };
    const { segments, base } = this.paths(context);
    return this.withToken(context, async (token, call) => {
      const folderKey = `${preset.rootFolderId}:/${segments.join('/')}`;
      if (meta.folderKey !== folderKey || !meta.folderId) await save({ folderKey, folderId: await this.ensureFolder(token, call, preset.rootFolderId, segments) });
      const folderId = meta.folderId as string;
      if (!meta.fileId) {
        const fileId = await this.uploadVideo(context, token, call, folderId, `${base}${path.extname(context.files.video.key)}`, meta, save);
        await save({ fileId, uploadSession: null });
      }
      const fileId = meta.fileId as string;
      context.onProgress(0.85, 'video uploaded');
      await save({ sidecars: await this.writeSidecars(context, token, call, folderId, this.sidecars(context, base, preset), meta.sidecars ?? {}) });
      const file = await call(() => this.api.files.get({ fileId, fields: 'id,webViewLink', supportsAllDrives: true }, this.options(token)));
      context.onProgress(1, 'published');
      const { uploadSession: _done, ...kept } = meta;
      return { remoteId: fileId, url: file.data.webViewLink ?? `https://drive.google.com/file/d/${fileId}/view`, meta: { ...kept, webViewLink: file.data.webViewLink ?? null } as JsonObject };
    });
  }

  /** New description on the video; subtitles and the description sidecar rewritten in place. */
  async updateMetadata(context: PublishContext, fileId: string): Promise<JsonObject> {
    const preset = context.metadata.settings as unknown as GoogleDrivePresetMetadata;
    const meta = { ...(context.target.meta as DriveMeta) };
    const { base } = this.paths(context);
    return this.withToken(context, async (token, call) => {
      await call(() => this.api.files.update({ fileId, requestBody: { description: context.metadata.description }, fields: 'id', supportsAllDrives: true }, this.options(token)));
      const wanted = this.sidecars(context, base, { ...preset, sidecars: { ...preset.sidecars, transcript: false } });
      const known = { ...(meta.sidecars ?? {}) };
      for (const sidecar of wanted) {
        const id = known[sidecar.name];
        if (!id) continue;
        await call(async () =>
          this.api.files.update({ fileId: id, media: { mimeType: sidecar.mimeType, body: await sidecar.body() }, fields: 'id', supportsAllDrives: true }, this.options(token)),
        ).catch((error: unknown) => this.sidecarFailed(context, sidecar, error));
      }
      const folderId = meta.folderId;
      const sidecars = folderId ? await this.writeSidecars(context, token, call, folderId, wanted, known) : known;
      return { ...context.target.meta, sidecars };
    });
  }

  private paths(context: PublishContext): { segments: string[]; base: string } {
    const segments = (context.metadata.folderPath ?? '/Video/Uploads')
      .split('/')
      .map((p) => p.trim())
      .filter((p) => p && p !== '.' && p !== '..');
    const base = path.basename(context.files.video.fileName, path.extname(context.files.video.fileName));
    return { segments, base };
  }

  /** Walks the folder names from the root, creating each one that is missing. */
  private async ensureFolder(token: string, call: Call, rootId: string, segments: string[]): Promise<string> {
    let parent = rootId;
    for (const name of segments) {
      const q = `${quoted(parent)} in parents and name = ${quoted(name)} and mimeType = ${quoted(FOLDER_MIME)} and trashed = false`;
      const found = await call(() => this.api.files.list({ q, fields: 'files(id)', pageSize: 1, orderBy: 'createdTime', supportsAllDrives: true, includeItemsFromAllDrives: true }, this.options(token)));
      const existing = found.data.files?.[0]?.id;
      if (existing) {
        parent = existing;
        continue;
      }
      const created = await call(() => this.api.files.create({ requestBody: { name, mimeType: FOLDER_MIME, parents: [parent] }, fields: 'id', supportsAllDrives: true }, this.options(token)));
      if (!created.data.id) throw new Error('Google Drive created a folder without an id');
      parent = created.data.id;
    }
    return parent;
  }

  private async uploadVideo(context: PublishContext, token: string, call: Call, folderId: string, name: string, meta: DriveMeta, save: (patch: Partial<DriveMeta>) => Promise<void>): Promise<string> {
    const file = context.files.video;
    const options = {
      apiRoot: this.settings.apiRoot,
      token,
      chunkBytes: this.settings.chunkBytes,
      file,
      open: context.open,
      onProgress: (sent: number, total: number) => context.onProgress(0.8 * (sent / total), `uploaded ${sent} of ${total} bytes`),
    };
    let session = meta.uploadSession && meta.uploadSession.total === file.sizeBytes ? meta.uploadSession : null;
    let offset = 0;
    if (session) {
      const state = await queryDriveUpload(session, token);
      if (state !== null && typeof state !== 'number') return state.id;
      if (state === null) session = null;
      else offset = state;
    }
    if (!session) {
      // A finished upload whose checkpoint was lost (or whose session expired) is still ours.
      const earlier = await this.tagged(token, call, folderId, context.target.id, 'video');
      if (earlier && Number(earlier.size) === file.sizeBytes) return earlier.id ?? '';
      const resource = { name, parents: [folderId], mimeType: file.contentType, description: context.metadata.description, appProperties: { leapTarget: tag(context.target.id, 'video') } };
      session = await startDriveUpload(options, resource);
      await save({ uploadSession: session });
    }
    return (await uploadDriveFrom(session, offset, options)).id;
  }

  private sidecars(context: PublishContext, base: string, preset: GoogleDrivePresetMetadata): Sidecar[] {
    const fromFile = (file: PublishFile) => () => context.open(file);
    const fromText = (text: () => Promise<string>) => async () => Readable.from([Buffer.from(await text(), 'utf8')]);
    const wanted: Sidecar[] = [];
    const { subtitlesSrt, subtitlesVtt, transcript } = context.files;
    if (preset.sidecars.srt && subtitlesSrt) wanted.push({ role: 'srt', name: `${base}.srt`, mimeType: 'application/x-subrip', body: fromFile(subtitlesSrt) });
    if (preset.sidecars.vtt && subtitlesVtt) wanted.push({ role: 'vtt', name: `${base}.vtt`, mimeType: 'text/vtt', body: fromFile(subtitlesVtt) });
    if (preset.sidecars.transcript && transcript) wanted.push({ role: 'transcript', name: `${base}_transcription.txt`, mimeType: 'text/plain', body: fromText(() => transcriptText(context, transcript)) });
    if (preset.sidecars.description) wanted.push({ role: 'description', name: `${base}_description.txt`, mimeType: 'text/plain', body: fromText(async () => `${context.metadata.title}\n\n${context.metadata.description}\n`) });
    return wanted;
  }

  /** Uploads the sidecars not written yet; returns every sidecar's file id by name. */
  private async writeSidecars(context: PublishContext, token: string, call: Call, folderId: string, wanted: Sidecar[], known: Record<string, string>): Promise<Record<string, string>> {
    const written = { ...known };
    for (const sidecar of wanted) {
      if (written[sidecar.name]) continue;
      try {
        const earlier = await this.tagged(token, call, folderId, context.target.id, sidecar.role);
        const id =
          earlier?.id ??
          (
            await call(async () =>
              this.api.files.create(
                {
                  requestBody: { name: sidecar.name, parents: [folderId], mimeType: sidecar.mimeType, appProperties: { leapTarget: tag(context.target.id, sidecar.role) } },
                  media: { mimeType: sidecar.mimeType, body: await sidecar.body() },
                  fields: 'id',
                  supportsAllDrives: true,
                },
                this.options(token),
              ),
            )
          ).data.id;
        if (id) written[sidecar.name] = id;
      } catch (error) {
        this.sidecarFailed(context, sidecar, error);
      }
    }
    return written;
  }

  private sidecarFailed(context: PublishContext, sidecar: Sidecar, error: unknown): void {
    if (error instanceof PlatformUnauthorizedError) throw error;
    logger.warn({ tenantId: context.tenantId, targetId: context.target.id, sidecar: sidecar.name, err: error instanceof Error ? error.message : String(error) }, 'Google Drive sidecar failed');
  }

  /** The file of this target and role in the folder, found by LEAP's appProperties tag. */
  private async tagged(token: string, call: Call, folderId: string, targetId: string, role: string): Promise<drive_v3.Schema$File | null> {
    const q = `${quoted(folderId)} in parents and appProperties has { key='leapTarget' and value=${quoted(tag(targetId, role))} } and trashed = false`;
    const found = await call(() => this.api.files.list({ q, fields: 'files(id,size)', pageSize: 1, supportsAllDrives: true, includeItemsFromAllDrives: true }, this.options(token)));
    return found.data.files?.[0] ?? null;
  }

  private options(token: string) {
    return callOptions(this.settings.apiRoot, token);
  }

  /** Runs with the credential's token (renewed once after a 401); googleapis errors mapped for publishers. */
  private withToken<T>(context: PublishContext, run: (token: string, call: Call) => Promise<T>): Promise<T> {
    const call: Call = async (step) => {
      try {
        return await step();
      } catch (error) {
        const failure = googleFailure(error);
        throw failure ? driveError(failure, context.credentialId) : error;
      }
    };
    return withFreshToken(context, (token) => run(token, call), (error) => new CredentialError(`${error.message}; reconnect this account`, context.credentialId));
  }
}

const tag = (targetId: string, role: string) => `${targetId}.${role}`;
