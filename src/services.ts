import type { Redis } from 'ioredis';
import { config as appConfig, type OAuthSettings, type PlatformSettings } from './config.js';
import type { PrismaClient } from './generated/prisma/client.js';
import { AuthService } from './modules/auth/auth.service.js';
import { LoginThrottle, type LoginThrottleLimits } from './modules/auth/login-throttle.js';
import { CredentialsService } from './modules/credentials/credentials.service.js';
import { KeyRing } from './modules/credentials/key-ring.js';
import { OAuthService } from './modules/credentials/oauth.service.js';
import { ConfigService } from './modules/config/config.service.js';
import { MetadataService } from './modules/metadata/metadata.service.js';
import { PublishingService } from './modules/publishing/publishing.service.js';
import { S3ExportPublisher } from './platforms/s3-export/s3-export.publisher.js';
import { VkPublisher } from './platforms/vk/vk.publisher.js';
import { YandexDiskPublisher } from './platforms/yandex-disk/yandex-disk.publisher.js';
import { YouTubeQuotaLedger } from './platforms/youtube/quota-ledger.js';
import { YouTubePublisher } from './platforms/youtube/youtube.publisher.js';
import { PresetsService } from './modules/presets/presets.service.js';
import { MediaService } from './modules/recordings/media.service.js';
import { RecordingsService } from './modules/recordings/recordings.service.js';
import { createStorage, type StorageBackend } from './modules/storage/storage.js';
import { TemplateMatchingService } from './modules/templates/matching.service.js';
import { TemplatesService } from './modules/templates/templates.service.js';
import { TenantsService } from './modules/tenants/tenants.service.js';

/** The services shared by the API and the workers, wired once per process. */
export interface Services {
  auth: AuthService;
  tenants: TenantsService;
  storage: StorageBackend;
  config: ConfigService;
  templates: TemplatesService;
  templateMatching: TemplateMatchingService;
  presets: PresetsService;
  metadata: MetadataService;
  recordings: RecordingsService;
  media: MediaService;
  credentials: CredentialsService;
  oauth: OAuthService;
  publishing: PublishingService;
}

export interface ServiceDeps {
  prisma: PrismaClient;
  redis: Redis;
  /** Defaults to the configured login throttling. */
  loginThrottle?: LoginThrottleLimits;
  /** Defaults to the configured backend (tests pass an S3 one). */
  storage?: StorageBackend;
  /** Defaults to UPLOAD_MAX_BYTES. */
  uploadMaxBytes?: number;
  /** Defaults to the configured credentials key ring. */
  keyRing?: KeyRing;
  /** Defaults to the configured provider endpoints (tests point them at local servers). */
  oauth?: OAuthSettings;
  platforms?: PlatformSettings;
}

export function createServices(deps: ServiceDeps): Services {
  const storage = deps.storage ?? createStorage();
  const config = new ConfigService();
  const templateMatching = new TemplateMatchingService();
  const keyRing = deps.keyRing ?? KeyRing.fromConfig();
  const oauth = deps.oauth ?? appConfig.oauth;
  const credentials = new CredentialsService(deps.prisma, { keyRing, oauth });
  const platforms = deps.platforms ?? appConfig.platforms;
  const metadata = new MetadataService(config);
  const publishers = [
    new YouTubePublisher(platforms.youtube, new YouTubeQuotaLedger(deps.redis, platforms.youtube.dailyQuotaUnits)),
    new S3ExportPublisher(storage),
    new YandexDiskPublisher(platforms.yandexDisk.apiUrl),
    new VkPublisher(platforms.vk),
  ];
  return {
    auth: new AuthService(deps.prisma, new LoginThrottle(deps.redis, deps.loginThrottle), storage),
    tenants: new TenantsService(deps.prisma),
    storage,
    config,
    templates: new TemplatesService(config, templateMatching),
    templateMatching,
    presets: new PresetsService(),
    metadata,
    recordings: new RecordingsService(deps.prisma, storage, undefined, deps.uploadMaxBytes),
    media: new MediaService(deps.prisma, storage),
    credentials,
    oauth: new OAuthService(deps.prisma, deps.redis, credentials, keyRing, oauth),
    publishing: new PublishingService({ prisma: deps.prisma, redis: deps.redis, storage, credentials, metadata, publishers }),
  };
}
