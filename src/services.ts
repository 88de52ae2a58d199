import type { Redis } from 'ioredis';
import { ConfigEndpointResolver } from './ai/endpoints.js';
import type { AiEndpointResolver } from './ai/types.js';
import type { PrismaClient } from './generated/prisma/client.js';
import { AuthService } from './modules/auth/auth.service.js';
import { LoginThrottle, type LoginThrottleLimits } from './modules/auth/login-throttle.js';
import { ConfigService } from './modules/config/config.service.js';
import { MetadataService } from './modules/metadata/metadata.service.js';
import { PresetsService } from './modules/presets/presets.service.js';
import { MediaService } from './modules/recordings/media.service.js';
import { RecordingsService } from './modules/recordings/recordings.service.js';
import { createStorage, type StorageBackend } from './modules/storage/storage.js';
import { TemplateMatchingService } from './modules/templates/matching.service.js';
import { TemplatesService } from './modules/templates/templates.service.js';
import { TenantsService } from './modules/tenants/tenants.service.js';
import { SubtitlesService } from './modules/transcripts/subtitles.service.js';
import { TopicsService } from './modules/transcripts/topics.service.js';
import { TranscriptionService } from './modules/transcripts/transcription.service.js';

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
  transcription: TranscriptionService;
  topics: TopicsService;
  subtitles: SubtitlesService;
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
  /** Where AI calls go; defaults to the platform settings (offline providers when none). */
  aiEndpoints?: AiEndpointResolver;
}

export function createServices(deps: ServiceDeps): Services {
  const storage = deps.storage ?? createStorage();
  const config = new ConfigService();
  const templateMatching = new TemplateMatchingService();
  const aiEndpoints = deps.aiEndpoints ?? new ConfigEndpointResolver();
  return {
    auth: new AuthService(deps.prisma, new LoginThrottle(deps.redis, deps.loginThrottle), storage),
    tenants: new TenantsService(deps.prisma),
    storage,
    config,
    templates: new TemplatesService(config, templateMatching),
    templateMatching,
    presets: new PresetsService(),
    metadata: new MetadataService(config),
    recordings: new RecordingsService(deps.prisma, storage, undefined, deps.uploadMaxBytes),
    media: new MediaService(deps.prisma, storage),
    transcription: new TranscriptionService(deps.prisma, storage, aiEndpoints),
    topics: new TopicsService(deps.prisma, storage, aiEndpoints),
    subtitles: new SubtitlesService(deps.prisma, storage),
  };
}
