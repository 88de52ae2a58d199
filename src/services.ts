import type { Redis } from 'ioredis';
import { ConfigEndpointResolver } from './ai/endpoints.js';
import type { AiEndpointResolver } from './ai/types.js';
import { config as appConfig, type OAuthSettings, type PlatformSettings } from './config.js';
import type { PrismaClient } from './generated/prisma/client.js';
import { JobQueues } from './jobs/queues.js';
import { forTenant } from './lib/db.js';
import { createRedis } from './lib/redis.js';
import { AuthService } from './modules/auth/auth.service.js';
import { AutomationRunner } from './modules/automation/automation-runner.js';
import { AutomationService } from './modules/automation/automation.service.js';
import { AutomationSchedulers } from './modules/automation/schedulers.js';
import { BulkService } from './modules/bulk/bulk.service.js';
import { LoginThrottle, type LoginThrottleLimits } from './modules/auth/login-throttle.js';
import { CredentialsService } from './modules/credentials/credentials.service.js';
import { VaultEndpointResolver } from './modules/credentials/ai-endpoints.js';
import { KeyRing } from './modules/credentials/key-ring.js';
import { OAuthService } from './modules/credentials/oauth.service.js';
import { ConfigService } from './modules/config/config.service.js';
import { MetadataService } from './modules/metadata/metadata.service.js';
import { PublishingService } from './modules/publishing/publishing.service.js';
import { GoogleDrivePublisher } from './platforms/google-drive/google-drive.publisher.js';
import { S3ExportPublisher } from './platforms/s3-export/s3-export.publisher.js';
import { VkPublisher } from './platforms/vk/vk.publisher.js';
import { YandexDiskPublisher } from './platforms/yandex-disk/yandex-disk.publisher.js';
import { YouTubeQuotaLedger } from './platforms/youtube/quota-ledger.js';
import { YouTubePublisher } from './platforms/youtube/youtube.publisher.js';
import { PresetsService } from './modules/presets/presets.service.js';
import { MediaService } from './modules/recordings/media.service.js';
import { RecordingsService } from './modules/recordings/recordings.service.js';
import { RetentionService } from './modules/recordings/retention.service.js';
import { AdminService } from './modules/admin/admin.service.js';
import { PlansService } from './modules/quotas/plans.service.js';
import { PipelineOrchestrator } from './modules/pipeline/orchestrator.js';
import { PipelineState } from './modules/pipeline/pipeline-state.js';
import { PipelineService } from './modules/pipeline/pipeline.service.js';
import { ProgressHub } from './modules/pipeline/progress-hub.js';
import { QuotaService } from './modules/quotas/quotas.service.js';
import { IngestService } from './modules/sources/ingest.service.js';
import type { IngestOverrides } from './modules/sources/ingest-options.js';
import { vaultSourceCredentials } from './modules/sources/source-credentials.js';
import { SourcesService } from './modules/sources/sources.service.js';
import { createStorage, type StorageBackend } from './modules/storage/storage.js';
import { TemplateMatchingService } from './modules/templates/matching.service.js';
import { TemplatesService } from './modules/templates/templates.service.js';
import { ThumbnailsService } from './modules/thumbnails/thumbnails.service.js';
import { SharingService } from './modules/sharing/sharing.service.js';
import { ExportsService } from './modules/exports/exports.service.js';
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
  quotas: QuotaService;
  queues: JobQueues;
  pipelineState: PipelineState;
  orchestrator: PipelineOrchestrator;
  pipeline: PipelineService;
  /** Pipeline events for subscriptions (opens its Redis subscriber on first use). */
  progressHub: ProgressHub;
  /** Closes the connections the services opened (queues, subscriber). */
  close(): Promise<void>;
  sources: SourcesService;
  /** The DOWNLOAD stage: `downloadSource(tenantId, recordingId, onProgress)`. */
  ingest: IngestService;
  transcription: TranscriptionService;
  topics: TopicsService;
  subtitles: SubtitlesService;
  credentials: CredentialsService;
  oauth: OAuthService;
  publishing: PublishingService;
  thumbnails: ThumbnailsService;
  sharing: SharingService;
  exports: ExportsService;
  /** Auto-expiry, hard delete after the restore window, temp-file sweep (maintenance jobs). */
  retention: RetentionService;
  admin: AdminService;
  plans: PlansService;
  automation: AutomationService;
  automationRunner: AutomationRunner;
  automationSchedulers: AutomationSchedulers;
  bulk: BulkService;
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
  /**
   * Ingest endpoints and the credentials port; defaults from config. The credentials vault plugs in
   * here: `credentials: vaultSourceCredentials(credentialsService)` (src/modules/sources/source-credentials.ts).
   */
  ingest?: IngestOverrides;
  /** Where AI calls go; defaults to the platform settings (offline providers when none). */
  aiEndpoints?: AiEndpointResolver;
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
  const metadata = new MetadataService(config);
  const quotas = new QuotaService();
  const queues = new JobQueues();
  const pipelineState = new PipelineState(deps.prisma, deps.redis);
  const orchestrator = new PipelineOrchestrator(pipelineState, queues);
  const progressHub = new ProgressHub(() => createRedis({ maxRetriesPerRequest: null }));

  const keyRing = deps.keyRing ?? KeyRing.fromConfig();
  const oauth = deps.oauth ?? appConfig.oauth;
  const credentials = new CredentialsService(deps.prisma, { keyRing, oauth });
  const platforms = deps.platforms ?? appConfig.platforms;
  const publishers = [
    new YouTubePublisher(platforms.youtube, new YouTubeQuotaLedger(deps.redis, platforms.youtube.dailyQuotaUnits)),
    new S3ExportPublisher(storage),
    new YandexDiskPublisher(platforms.yandexDisk.apiUrl),
    new VkPublisher(platforms.vk),
    new GoogleDrivePublisher(platforms.googleDrive),
  ];

  const thumbnails = new ThumbnailsService(deps.prisma, storage);
  const pipeline = new PipelineService(pipelineState, orchestrator, config, quotas, storage);
  const recordings = new RecordingsService(deps.prisma, storage, quotas, deps.uploadMaxBytes, {
    cancelActiveRun: async (tenantId, recordingId) => {
      await pipeline.cancelIfActive(forTenant(tenantId, deps.prisma), tenantId, recordingId);
    },
  });
  // Ingest reaches connected accounts through the vault: tokens only, renewed before expiry and after a 401.
  const sourceCredentials = vaultSourceCredentials({
    accessToken: (tenantId, id) => credentials.accessToken(tenantId, id),
    refreshAccessToken: (tenantId, id) => credentials.accessToken(tenantId, id, { forceRefresh: true }),
  });
  const sources = new SourcesService(deps.prisma, templateMatching, {
    credentials: sourceCredentials,
    ...(deps.uploadMaxBytes ? { maxBytes: deps.uploadMaxBytes } : {}),
    ...deps.ingest,
  }, quotas);
  // A workspace's own OpenAI-compatible account first, then the platform's settings, then offline.
  const aiEndpoints = deps.aiEndpoints ?? new VaultEndpointResolver(deps.prisma, credentials, new ConfigEndpointResolver());

  const automationSchedulers = new AutomationSchedulers(queues);
  const automation = new AutomationService(deps.prisma, automationSchedulers, queues, quotas, config);

  return {
    auth: new AuthService(deps.prisma, new LoginThrottle(deps.redis, deps.loginThrottle), storage),
    tenants: new TenantsService(deps.prisma),
    storage,
    config,
    templates: new TemplatesService(config, templateMatching),
    templateMatching,
    presets: new PresetsService(),
    metadata,
    recordings,
    retention: new RetentionService(deps.prisma, recordings),
    admin: new AdminService(deps.prisma),
    plans: new PlansService(deps.prisma),
    media: new MediaService(deps.prisma, storage),
    quotas,
    queues,
    pipelineState,
    orchestrator,
    pipeline,
    progressHub,
    sources,
    ingest: new IngestService(deps.prisma, storage, recordings, sources, quotas),
    transcription: new TranscriptionService(deps.prisma, storage, aiEndpoints),
    topics: new TopicsService(deps.prisma, storage, aiEndpoints),
    subtitles: new SubtitlesService(deps.prisma, storage),
    credentials,
    oauth: new OAuthService(deps.prisma, deps.redis, credentials, keyRing, oauth),
    publishing: new PublishingService({ prisma: deps.prisma, redis: deps.redis, storage, credentials, metadata, thumbnails, publishers }),
    thumbnails,
    sharing: new SharingService(deps.prisma, storage, metadata),
    exports: new ExportsService(deps.prisma, storage),
    automation,
    automationRunner: new AutomationRunner(deps.prisma, automation, automationSchedulers, sources, pipeline),
    automationSchedulers,
    bulk: new BulkService(deps.prisma, pipeline, recordings),
    async close() {
      await Promise.all([queues.close(), progressHub.close()]);
    },
  };
}
