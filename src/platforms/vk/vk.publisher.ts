import type { PlatformSettings } from '../../config.js';
import { CredentialError } from '../../lib/errors.js';
import type { JsonObject } from '../../modules/config/merge.js';
import type { VkPresetMetadata } from '../../modules/presets/preset-schemas.js';
import { thumbnailOf, withFreshToken, type PublishContext, type PublishResult, type Publisher } from '../publisher.js';
import { VkApi } from './vk-api.js';

// Publishing to VK Video (inventory §7.2): video.save → multipart upload to the returned
// upload_url → thumbnail via video.getThumbUploadUrl / video.saveUploadedThumb.

const PRIVACY = ['all', 'friends', 'friends_of_friends', 'only_me'] as const;

interface VkMeta {
  videoId?: number;
  ownerId?: number;
  /** Set once the bytes are on VK: a retry does not upload again. */
  uploaded?: boolean;
  thumbnailSet?: boolean;
}

interface SaveResponse {
  upload_url: string;
  video_id: number;
  owner_id: number;
}

export class VkPublisher implements Publisher {
  readonly platform = 'VK' as const;

  constructor(private readonly settings: PlatformSettings['vk']) {}

  async publish(context: PublishContext): Promise<PublishResult> {
    const preset = context.metadata.settings as unknown as VkPresetMetadata;
    const meta = { ...(context.target.meta as VkMeta) };
    const save = async (patch: Partial<VkMeta>) => {
      Object.assign(meta, patch);
      await context.checkpoint(meta as JsonObject);
    };
    await this.withApi(context, async (vk) => {
      if (meta.uploaded) return;
      // An earlier attempt created an entry but never finished its upload: remove the empty video.
      if (meta.videoId && meta.ownerId) await vk.call('video.delete', { video_id: meta.videoId, owner_id: meta.ownerId }).catch(() => undefined);
      const saved = await vk.call<SaveResponse>('video.save', {
        name: context.metadata.title,
        description: context.metadata.description,
        ...(preset.groupId ? { group_id: preset.groupId } : { privacy_view: PRIVACY[preset.privacyView], privacy_comment: PRIVACY[preset.privacyComment] }),
        album_id: preset.albumId,
        no_comments: preset.disableComments,
        repeat: preset.repeat,
        compression: preset.compression,
        wallpost: preset.wallpost,
      });
      await save({ videoId: saved.video_id, ownerId: saved.owner_id, uploaded: false });
      const video = context.files.video;
      const timeout = 600_000 + Math.ceil(video.sizeBytes / 1024 ** 3) * 120_000;
      context.onProgress(0.05, 'uploading to VK');
      await vk.uploadFile(saved.upload_url, 'video_file', { stream: await context.open(video), sizeBytes: video.sizeBytes, fileName: video.fileName, contentType: video.contentType }, timeout);
      await save({ uploaded: true });
    });
    context.onProgress(0.9, 'video uploaded');
    const thumbnail = thumbnailOf(context.files);
    if (thumbnail && !meta.thumbnailSet) {
      await this.withApi(context, async (vk) => {
        const { upload_url } = await vk.call<{ upload_url: string }>('video.getThumbUploadUrl', { owner_id: meta.ownerId });
        const thumb = await vk.uploadFile<Record<string, unknown>>(upload_url, 'file', { stream: await context.open(thumbnail), sizeBytes: thumbnail.sizeBytes, fileName: thumbnail.fileName, contentType: thumbnail.contentType }, 120_000);
        await vk.call('video.saveUploadedThumb', { owner_id: meta.ownerId, video_id: meta.videoId, thumb_json: JSON.stringify(thumb), set_thumb: 1 });
      });
      await save({ thumbnailSet: true });
    }
    context.onProgress(1, 'published');
    const remoteId = `${meta.ownerId}_${meta.videoId}`;
    return { remoteId, url: `https://vk.com/video${remoteId}`, meta: meta as JsonObject };
  }

  async updateMetadata(context: PublishContext, remoteId: string): Promise<JsonObject> {
    const [ownerId, videoId] = remoteId.split('_');
    await this.withApi(context, (vk) => vk.call('video.edit', { owner_id: ownerId, video_id: videoId, name: context.metadata.title, desc: context.metadata.description }));
    return context.target.meta;
  }

  private withApi<T>(context: PublishContext, run: (vk: VkApi) => Promise<T>): Promise<T> {
    return withFreshToken(
      context,
      (token) => run(new VkApi(this.settings.apiUrl, this.settings.apiVersion, token, context.credentialId)),
      (error) => new CredentialError(`${error.message}; reconnect this account`, context.credentialId),
    );
  }
}
