import { youtube, type youtube_v3 } from '@googleapis/youtube';
import type { PlatformSettings } from '../../config.js';
import { CredentialError } from '../../lib/errors.js';
import type { JsonObject } from '../../modules/config/merge.js';
import type { YoutubePresetMetadata } from '../../modules/presets/preset-schemas.js';
import { PlatformUnauthorizedError, PublishDeferredError, thumbnailOf, withFreshToken, type PublishContext, type PublishFile, type PublishResult, type Publisher } from '../publisher.js';
import { withChapters, youtubeChapters } from './chapters.js';
import { YOUTUBE_UNIT_COSTS, type YouTubeQuotaLedger } from './quota-ledger.js';
import { classifyYouTubeError, querySession, startUploadSession, uploadFrom, type UploadSession } from './resumable-upload.js';

// Publishing to YouTube (inventory §7.1): resumable upload, then playlist, thumbnail and captions.
// Each finished step is checkpointed in target.meta, so a retry after any failure continues where
// it stopped and never uploads the video twice.

interface YouTubeMeta {
  videoId?: string;
  uploadSession?: UploadSession | null;
  /** Pacific day for which this upload's quota units were reserved. */
  quotaDay?: string;
  playlistItemId?: string;
  thumbnailSet?: boolean;
  captionId?: string;
}

export class YouTubePublisher implements Publisher {
  readonly platform = 'YOUTUBE' as const;
  private readonly api: youtube_v3.Youtube;

  constructor(
    private readonly settings: PlatformSettings['youtube'],
    private readonly ledger: YouTubeQuotaLedger,
  ) {
    this.api = youtube({ version: 'v3', rootUrl: settings.apiRoot });
  }

  async publish(context: PublishContext): Promise<PublishResult> {
    const preset = context.metadata.settings as unknown as YoutubePresetMetadata;
    const meta = { ...(context.target.meta as YouTubeMeta) };
    const save = async (patch: Partial<YouTubeMeta>) => {
      Object.assign(meta, patch);
      await context.checkpoint(meta as JsonObject);
    };
    const captions = context.files.subtitlesSrt ?? context.files.subtitlesVtt;
    const thumbnail = thumbnailOf(context.files);

    if (!meta.videoId && !meta.quotaDay) {
      const units =
        YOUTUBE_UNIT_COSTS['videos.insert'] +
        (preset.playlistId ? YOUTUBE_UNIT_COSTS['playlistItems.insert'] : 0) +
        (thumbnail ? YOUTUBE_UNIT_COSTS['thumbnails.set'] : 0) +
        (captions ? YOUTUBE_UNIT_COSTS['captions.insert'] : 0);
      if (!(await this.ledger.reserve(await this.project(context), units))) {
        throw new PublishDeferredError(this.ledger.nextReset(), `The YouTube project's daily quota cannot cover this upload (${units} units); deferred until the reset`);
      }
      await save({ quotaDay: this.ledger.day() });
    }

    if (!meta.videoId) {
      const video = await this.call(context, (token) => this.uploadVideo(context, token, preset, meta, save));
      await save({ videoId: video, uploadSession: null });
    }
    const videoId = meta.videoId as string;
    context.onProgress(0.9, 'video uploaded');

    if (preset.playlistId && !meta.playlistItemId) {
      const item = await this.call(context, (token) =>
        this.api.playlistItems.insert(
          { part: ['snippet'], requestBody: { snippet: { playlistId: preset.playlistId, resourceId: { kind: 'youtube#video', videoId } } } },
          this.options(token),
        ),
      );
      await save({ playlistItemId: item.data.id ?? 'added' });
    }
    if (thumbnail && !meta.thumbnailSet) {
      await this.call(context, async (token) =>
        this.api.thumbnails.set({ videoId, media: { mimeType: thumbnail.contentType, body: await context.open(thumbnail) } }, this.options(token)),
      );
      await save({ thumbnailSet: true });
    }
    if (captions && !meta.captionId) {
      await save({ captionId: await this.insertCaptions(context, videoId, captions, preset) });
    }
    context.onProgress(1, 'published');
    const { uploadSession: _done, ...kept } = meta;
    return { remoteId: videoId, url: `https://www.youtube.com/watch?v=${videoId}`, meta: kept as JsonObject };
  }

  async updateMetadata(context: PublishContext, videoId: string): Promise<JsonObject> {
    const preset = context.metadata.settings as unknown as YoutubePresetMetadata;
    const meta = { ...(context.target.meta as YouTubeMeta) };
    await this.call(context, (token) => this.api.videos.update({ part: ['snippet'], requestBody: { id: videoId, snippet: this.snippet(context, preset) } }, this.options(token)));
    const captions = context.files.subtitlesSrt ?? context.files.subtitlesVtt;
    if (captions) {
      if (meta.captionId) {
        const captionId = meta.captionId;
        await this.call(context, (token) => this.api.captions.delete({ id: captionId }, this.options(token)));
      }
      meta.captionId = await this.insertCaptions(context, videoId, captions, preset);
    }
    return meta as JsonObject;
  }

  private async uploadVideo(context: PublishContext, token: string, preset: YoutubePresetMetadata, meta: YouTubeMeta, save: (patch: Partial<YouTubeMeta>) => Promise<void>): Promise<string> {
    const file = context.files.video;
    const options = {
      apiRoot: this.settings.apiRoot,
      token,
      chunkBytes: this.settings.chunkBytes,
      file,
      open: context.open,
      retryAt: () => this.ledger.nextReset(),
      onProgress: (sent: number, total: number) => context.onProgress(0.85 * (sent / total), `uploaded ${sent} of ${total} bytes`),
    };
    let session = meta.uploadSession && meta.uploadSession.total === file.sizeBytes ? meta.uploadSession : null;
    let offset = 0;
    if (session) {
      const state = await querySession(session, options);
      if (state !== null && typeof state !== 'number') return state.id;
      if (state === null) session = null;
      else offset = state;
    }
    if (!session) {
      const resource = { snippet: this.snippet(context, preset), status: this.status(preset) };
      session = await startUploadSession(options, resource, { notifySubscribers: String(preset.notifySubscribers) });
      await save({ uploadSession: session });
    }
    const video = await uploadFrom(session, offset, options);
    return video.id;
  }

  private async insertCaptions(context: PublishContext, videoId: string, file: PublishFile, preset: YoutubePresetMetadata): Promise<string> {
    const language = preset.defaultLanguage ?? context.recording.language ?? 'ru';
    const caption = await this.call(context, async (token) =>
      this.api.captions.insert(
        { part: ['snippet'], requestBody: { snippet: { videoId, language, name: 'LEAP', isDraft: false } }, media: { mimeType: file.contentType, body: await context.open(file) } },
        this.options(token),
      ),
    );
    return caption.data.id ?? 'inserted';
  }

  private snippet(context: PublishContext, preset: YoutubePresetMetadata): youtube_v3.Schema$VideoSnippet {
    const chapters = youtubeChapters(context.chapters, context.recording.durationSec);
    const language = preset.defaultLanguage ?? context.recording.language ?? undefined;
    return {
      title: context.metadata.title,
      description: withChapters(context.metadata.description, chapters),
      tags: preset.tags,
      categoryId: preset.categoryId,
      ...(language ? { defaultLanguage: language, defaultAudioLanguage: language } : {}),
    };
  }

  private status(preset: YoutubePresetMetadata): youtube_v3.Schema$VideoStatus {
    return {
      // A scheduled video must stay private until publishAt.
      privacyStatus: preset.publishAt ? 'private' : preset.privacy,
      ...(preset.publishAt ? { publishAt: preset.publishAt } : {}),
      selfDeclaredMadeForKids: preset.madeForKids,
      embeddable: preset.embeddable,
      license: preset.license,
      ...(preset.publicStatsViewable !== undefined ? { publicStatsViewable: preset.publicStatsViewable } : {}),
    };
  }

  /** Quota is counted per Google Cloud project, i.e. per OAuth client. */
  private async project(context: PublishContext): Promise<string> {
    const secret = await context.secret();
    return secret && 'clientId' in secret && secret.clientId ? secret.clientId : `credential:${context.credentialId ?? 'none'}`;
  }

  private options(token: string) {
    // Media uploads build their URL from the per-call rootUrl, not the client's.
    return { headers: { authorization: `Bearer ${token}` }, retry: false, rootUrl: this.settings.apiRoot };
  }

  /** One API call with the 401 → renew → retry-once rule and googleapis errors mapped. */
  private async call<T>(context: PublishContext, run: (token: string) => Promise<T>): Promise<T> {
    return withFreshToken(
      context,
      async (token) => {
        try {
          return await run(token);
        } catch (error) {
          throw this.mapped(error);
        }
      },
      (error) => new CredentialError(`${error.message}; reconnect this account`, context.credentialId),
    ).catch(async (error: unknown) => {
      if (error instanceof PublishDeferredError) await this.ledger.exhaust(await this.project(context));
      throw error;
    });
  }

  private mapped(error: unknown): unknown {
    if (error instanceof PlatformUnauthorizedError || error instanceof PublishDeferredError || !(error instanceof Error)) return error;
    const gaxios = error as Error & { status?: number; response?: { status?: number; data?: { error?: { message?: string; errors?: Array<{ reason?: string }> } } } };
    const status = gaxios.status ?? gaxios.response?.status;
    if (typeof status !== 'number') return error;
    const body = gaxios.response?.data?.error;
    return classifyYouTubeError(status, body?.errors?.[0]?.reason ?? null, body?.message ?? error.message, () => this.ledger.nextReset());
  }
}
