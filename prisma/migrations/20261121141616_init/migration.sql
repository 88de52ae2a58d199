-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateEnum
CREATE TYPE "Role" AS ENUM ('OWNER', 'ADMIN', 'EDITOR', 'VIEWER');

-- CreateEnum
CREATE TYPE "UsageEventType" AS ENUM ('RECORDING_CREATED', 'RECORDING_DELETED', 'PIPELINE_STARTED', 'PIPELINE_COMPLETED', 'TRANSCRIPTION_COMPLETED', 'UPLOAD_COMPLETED');

-- CreateEnum
CREATE TYPE "CredentialPlatform" AS ENUM ('ZOOM', 'YOUTUBE', 'VK_VIDEO', 'YANDEX_DISK', 'GOOGLE_DRIVE', 'OPENAI_COMPATIBLE', 'S3');

-- CreateEnum
CREATE TYPE "SourceType" AS ENUM ('LOCAL', 'URL', 'ZOOM', 'YANDEX_DISK', 'GOOGLE_DRIVE');

-- CreateEnum
CREATE TYPE "PublishPlatform" AS ENUM ('YOUTUBE', 'VK', 'YANDEX_DISK', 'S3_EXPORT', 'GOOGLE_DRIVE');

-- CreateEnum
CREATE TYPE "RecordingStatus" AS ENUM ('PENDING_SOURCE', 'INITIALIZED', 'DOWNLOADING', 'DOWNLOADED', 'PROCESSING', 'PROCESSED', 'UPLOADING', 'UPLOADED', 'READY', 'SKIPPED', 'EXPIRED');

-- CreateEnum
CREATE TYPE "Stage" AS ENUM ('DOWNLOAD', 'TRIM', 'TRANSCRIBE', 'TOPICS', 'SUBTITLES', 'POSTER', 'PUBLISH');

-- CreateEnum
CREATE TYPE "DeleteState" AS ENUM ('ACTIVE', 'SOFT', 'HARD');

-- CreateEnum
CREATE TYPE "RunStatus" AS ENUM ('QUEUED', 'RUNNING', 'PAUSED', 'COMPLETED', 'FAILED', 'CANCELLED');

-- CreateEnum
CREATE TYPE "StepStatus" AS ENUM ('PENDING', 'RUNNING', 'COMPLETED', 'FAILED', 'SKIPPED');

-- CreateEnum
CREATE TYPE "TargetStatus" AS ENUM ('NOT_UPLOADED', 'UPLOADING', 'DEFERRED', 'UPLOADED', 'FAILED');

-- CreateEnum
CREATE TYPE "Granularity" AS ENUM ('SHORT', 'MEDIUM', 'LONG');

-- CreateEnum
CREATE TYPE "AutomationRunStatus" AS ENUM ('RUNNING', 'SUCCEEDED', 'FAILED', 'SKIPPED');

-- CreateEnum
CREATE TYPE "AutomationTrigger" AS ENUM ('SCHEDULE', 'MANUAL');

-- CreateTable
CREATE TABLE "Tenant" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "timezone" TEXT NOT NULL DEFAULT 'UTC',
    "planId" UUID,
    "storageBytes" BIGINT NOT NULL DEFAULT 0,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Tenant_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "User" (
    "id" UUID NOT NULL,
    "email" TEXT NOT NULL,
    "passwordHash" TEXT NOT NULL,
    "displayName" TEXT,
    "timezone" TEXT NOT NULL DEFAULT 'UTC',
    "tokenVersion" INTEGER NOT NULL DEFAULT 0,
    "isSuperadmin" BOOLEAN NOT NULL DEFAULT false,
    "lastLoginAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "User_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Membership" (
    "id" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "userId" UUID NOT NULL,
    "role" "Role" NOT NULL,
    "canTranscribe" BOOLEAN NOT NULL DEFAULT true,
    "canProcessVideo" BOOLEAN NOT NULL DEFAULT true,
    "canUpload" BOOLEAN NOT NULL DEFAULT true,
    "canManageTemplates" BOOLEAN NOT NULL DEFAULT true,
    "canDeleteRecordings" BOOLEAN NOT NULL DEFAULT true,
    "canManageCredentials" BOOLEAN NOT NULL DEFAULT true,
    "canExportData" BOOLEAN NOT NULL DEFAULT true,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Membership_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AuthSession" (
    "id" UUID NOT NULL,
    "userId" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "userAgent" TEXT,
    "deviceLabel" TEXT,
    "ipHash" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastUsedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "revokedAt" TIMESTAMP(3),
    "revokeReason" TEXT,

    CONSTRAINT "AuthSession_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "RefreshToken" (
    "id" UUID NOT NULL,
    "sessionId" UUID NOT NULL,
    "tokenHash" TEXT NOT NULL,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "usedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "RefreshToken_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Plan" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "displayName" TEXT NOT NULL,
    "description" TEXT,
    "isActive" BOOLEAN NOT NULL DEFAULT true,
    "sortOrder" INTEGER NOT NULL DEFAULT 0,
    "recordingsPerMonth" INTEGER,
    "storageGb" INTEGER,
    "concurrentPipelines" INTEGER,
    "automationJobs" INTEGER,
    "minAutomationIntervalHours" INTEGER,
    "transcriptionMinutesPerMonth" INTEGER,
    "templates" INTEGER,
    "credentials" INTEGER,
    "priceMonthly" DECIMAL(10,2) NOT NULL DEFAULT 0,
    "priceYearly" DECIMAL(10,2) NOT NULL DEFAULT 0,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Plan_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "QuotaOverride" (
    "tenantId" UUID NOT NULL,
    "recordingsPerMonth" INTEGER,
    "storageGb" INTEGER,
    "concurrentPipelines" INTEGER,
    "automationJobs" INTEGER,
    "minAutomationIntervalHours" INTEGER,
    "transcriptionMinutesPerMonth" INTEGER,
    "templates" INTEGER,
    "credentials" INTEGER,
    "notes" TEXT,
    "updatedById" UUID,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "QuotaOverride_pkey" PRIMARY KEY ("tenantId")
);

-- CreateTable
CREATE TABLE "UsageCounter" (
    "id" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "period" INTEGER NOT NULL,
    "recordings" INTEGER NOT NULL DEFAULT 0,
    "pipelineRuns" INTEGER NOT NULL DEFAULT 0,
    "transcriptionSeconds" INTEGER NOT NULL DEFAULT 0,
    "uploads" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "UsageCounter_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "UsageEvent" (
    "id" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "type" "UsageEventType" NOT NULL,
    "recordingId" UUID,
    "durationSeconds" DOUBLE PRECISION,
    "bytesDelta" BIGINT,
    "metadata" JSONB NOT NULL DEFAULT '{}',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "UsageEvent_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Credential" (
    "id" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "platform" "CredentialPlatform" NOT NULL,
    "accountName" TEXT NOT NULL,
    "secret" BYTEA NOT NULL,
    "keyVersion" INTEGER NOT NULL,
    "isActive" BOOLEAN NOT NULL DEFAULT true,
    "needsReauth" BOOLEAN NOT NULL DEFAULT false,
    "lastUsedAt" TIMESTAMP(3),
    "expiresAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Credential_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "InputSource" (
    "id" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT,
    "type" "SourceType" NOT NULL,
    "credentialId" UUID,
    "config" JSONB NOT NULL DEFAULT '{}',
    "isActive" BOOLEAN NOT NULL DEFAULT true,
    "lastSyncAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "InputSource_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "OutputPreset" (
    "id" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT,
    "platform" "PublishPlatform" NOT NULL,
    "credentialId" UUID,
    "metadata" JSONB NOT NULL DEFAULT '{}',
    "isActive" BOOLEAN NOT NULL DEFAULT true,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "OutputPreset_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Template" (
    "id" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT,
    "isDefault" BOOLEAN NOT NULL DEFAULT false,
    "isDraft" BOOLEAN NOT NULL DEFAULT false,
    "isActive" BOOLEAN NOT NULL DEFAULT true,
    "matchingRules" JSONB NOT NULL DEFAULT '{}',
    "processingConfig" JSONB NOT NULL DEFAULT '{}',
    "metadataConfig" JSONB NOT NULL DEFAULT '{}',
    "outputConfig" JSONB NOT NULL DEFAULT '{}',
    "usedCount" INTEGER NOT NULL DEFAULT 0,
    "lastUsedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Template_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Recording" (
    "id" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "inputSourceId" UUID,
    "templateId" UUID,
    "displayName" TEXT NOT NULL,
    "startTime" TIMESTAMP(3),
    "sourceType" "SourceType" NOT NULL,
    "sourceKey" TEXT,
    "sourceMeta" JSONB NOT NULL DEFAULT '{}',
    "status" "RecordingStatus" NOT NULL DEFAULT 'INITIALIZED',
    "isMapped" BOOLEAN NOT NULL DEFAULT false,
    "isBlank" BOOLEAN NOT NULL DEFAULT false,
    "onPause" BOOLEAN NOT NULL DEFAULT false,
    "failed" BOOLEAN NOT NULL DEFAULT false,
    "failedAt" TIMESTAMP(3),
    "failedStage" "Stage",
    "failedReason" TEXT,
    "durationSec" DOUBLE PRECISION,
    "trimmedDurationSec" DOUBLE PRECISION,
    "sizeBytes" BIGINT,
    "checksumSha256" TEXT,
    "mediaInfo" JSONB NOT NULL DEFAULT '{}',
    "sourceFileKey" TEXT,
    "videoFileKey" TEXT,
    "audioFileKey" TEXT,
    "configOverrides" JSONB NOT NULL DEFAULT '{}',
    "transcriptFlagged" BOOLEAN NOT NULL DEFAULT false,
    "shareToken" TEXT,
    "shareExpiresAt" TIMESTAMP(3),
    "expireAt" TIMESTAMP(3),
    "deleteState" "DeleteState" NOT NULL DEFAULT 'ACTIVE',
    "deletedAt" TIMESTAMP(3),
    "hardDeleteAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Recording_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "PipelineRun" (
    "id" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "recordingId" UUID NOT NULL,
    "status" "RunStatus" NOT NULL DEFAULT 'QUEUED',
    "config" JSONB NOT NULL DEFAULT '{}',
    "overrides" JSONB NOT NULL DEFAULT '{}',
    "eventSeq" INTEGER NOT NULL DEFAULT 0,
    "createdById" UUID,
    "startedAt" TIMESTAMP(3),
    "finishedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "PipelineRun_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "PipelineStep" (
    "id" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "runId" UUID NOT NULL,
    "stage" "Stage" NOT NULL,
    "status" "StepStatus" NOT NULL DEFAULT 'PENDING',
    "progress" INTEGER NOT NULL DEFAULT 0,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "message" TEXT,
    "error" TEXT,
    "skipReason" TEXT,
    "meta" JSONB NOT NULL DEFAULT '{}',
    "startedAt" TIMESTAMP(3),
    "finishedAt" TIMESTAMP(3),
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "PipelineStep_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "OutputTarget" (
    "id" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "recordingId" UUID NOT NULL,
    "presetId" UUID,
    "platform" "PublishPlatform" NOT NULL,
    "status" "TargetStatus" NOT NULL DEFAULT 'NOT_UPLOADED',
    "remoteId" TEXT,
    "url" TEXT,
    "meta" JSONB NOT NULL DEFAULT '{}',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "error" TEXT,
    "startedAt" TIMESTAMP(3),
    "uploadedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "OutputTarget_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "TopicVersion" (
    "id" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "recordingId" UUID NOT NULL,
    "version" INTEGER NOT NULL,
    "isActive" BOOLEAN NOT NULL DEFAULT false,
    "provider" TEXT NOT NULL,
    "model" TEXT,
    "granularity" "Granularity" NOT NULL DEFAULT 'LONG',
    "summary" TEXT NOT NULL DEFAULT '',
    "mainTopic" TEXT NOT NULL DEFAULT '',
    "topics" JSONB NOT NULL DEFAULT '[]',
    "questions" JSONB NOT NULL DEFAULT '[]',
    "pauses" JSONB NOT NULL DEFAULT '[]',
    "manuallyEdited" BOOLEAN NOT NULL DEFAULT false,
    "usage" JSONB NOT NULL DEFAULT '{}',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "TopicVersion_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Thumbnail" (
    "id" UUID NOT NULL,
    "tenantId" UUID,
    "name" TEXT NOT NULL,
    "storageKey" TEXT NOT NULL,
    "contentType" TEXT NOT NULL,
    "sizeBytes" INTEGER NOT NULL,
    "width" INTEGER NOT NULL,
    "height" INTEGER NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Thumbnail_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AutomationJob" (
    "id" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "templateIds" UUID[],
    "schedule" JSONB NOT NULL,
    "syncDays" INTEGER NOT NULL DEFAULT 2,
    "filters" JSONB NOT NULL DEFAULT '{}',
    "overrides" JSONB NOT NULL DEFAULT '{}',
    "isActive" BOOLEAN NOT NULL DEFAULT true,
    "lastRunAt" TIMESTAMP(3),
    "nextRunAt" TIMESTAMP(3),
    "runCount" INTEGER NOT NULL DEFAULT 0,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "AutomationJob_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AutomationRun" (
    "id" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "jobId" UUID NOT NULL,
    "status" "AutomationRunStatus" NOT NULL DEFAULT 'RUNNING',
    "trigger" "AutomationTrigger" NOT NULL,
    "dryRun" BOOLEAN NOT NULL DEFAULT false,
    "syncedCount" INTEGER NOT NULL DEFAULT 0,
    "foundCount" INTEGER NOT NULL DEFAULT 0,
    "matchedCount" INTEGER NOT NULL DEFAULT 0,
    "startedCount" INTEGER NOT NULL DEFAULT 0,
    "plan" JSONB NOT NULL DEFAULT '[]',
    "error" TEXT,
    "startedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" TIMESTAMP(3),

    CONSTRAINT "AutomationRun_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AuditEvent" (
    "id" UUID NOT NULL,
    "tenantId" UUID,
    "actorId" UUID,
    "actorEmail" TEXT,
    "action" TEXT NOT NULL,
    "targetType" TEXT,
    "targetId" TEXT,
    "details" JSONB NOT NULL DEFAULT '{}',
    "requestId" TEXT,
    "ipHash" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AuditEvent_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "User_email_key" ON "User"("email");

-- CreateIndex
CREATE INDEX "Membership_tenantId_createdAt_idx" ON "Membership"("tenantId", "createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "Membership_userId_tenantId_key" ON "Membership"("userId", "tenantId");

-- CreateIndex
CREATE INDEX "AuthSession_userId_revokedAt_idx" ON "AuthSession"("userId", "revokedAt");

-- CreateIndex
CREATE UNIQUE INDEX "RefreshToken_tokenHash_key" ON "RefreshToken"("tokenHash");

-- CreateIndex
CREATE INDEX "RefreshToken_sessionId_idx" ON "RefreshToken"("sessionId");

-- CreateIndex
CREATE UNIQUE INDEX "Plan_name_key" ON "Plan"("name");

-- CreateIndex
CREATE UNIQUE INDEX "UsageCounter_tenantId_period_key" ON "UsageCounter"("tenantId", "period");

-- CreateIndex
CREATE INDEX "UsageEvent_tenantId_createdAt_idx" ON "UsageEvent"("tenantId", "createdAt");

-- CreateIndex
CREATE INDEX "Credential_keyVersion_idx" ON "Credential"("keyVersion");

-- CreateIndex
CREATE UNIQUE INDEX "Credential_tenantId_platform_accountName_key" ON "Credential"("tenantId", "platform", "accountName");

-- CreateIndex
CREATE INDEX "InputSource_tenantId_type_idx" ON "InputSource"("tenantId", "type");

-- CreateIndex
CREATE UNIQUE INDEX "InputSource_tenantId_name_key" ON "InputSource"("tenantId", "name");

-- CreateIndex
CREATE INDEX "OutputPreset_tenantId_platform_idx" ON "OutputPreset"("tenantId", "platform");

-- CreateIndex
CREATE UNIQUE INDEX "OutputPreset_tenantId_name_key" ON "OutputPreset"("tenantId", "name");

-- CreateIndex
CREATE INDEX "Template_tenantId_isActive_isDraft_createdAt_idx" ON "Template"("tenantId", "isActive", "isDraft", "createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "Template_tenantId_name_key" ON "Template"("tenantId", "name");

-- CreateIndex
CREATE UNIQUE INDEX "Recording_shareToken_key" ON "Recording"("shareToken");

-- CreateIndex
CREATE INDEX "Recording_tenantId_deleteState_createdAt_idx" ON "Recording"("tenantId", "deleteState", "createdAt");

-- CreateIndex
CREATE INDEX "Recording_tenantId_status_idx" ON "Recording"("tenantId", "status");

-- CreateIndex
CREATE INDEX "Recording_tenantId_templateId_idx" ON "Recording"("tenantId", "templateId");

-- CreateIndex
CREATE INDEX "Recording_tenantId_inputSourceId_idx" ON "Recording"("tenantId", "inputSourceId");

-- CreateIndex
CREATE INDEX "Recording_tenantId_startTime_idx" ON "Recording"("tenantId", "startTime");

-- CreateIndex
CREATE INDEX "Recording_expireAt_idx" ON "Recording"("expireAt");

-- CreateIndex
CREATE UNIQUE INDEX "Recording_tenantId_sourceType_sourceKey_key" ON "Recording"("tenantId", "sourceType", "sourceKey");

-- CreateIndex
CREATE INDEX "PipelineRun_tenantId_recordingId_createdAt_idx" ON "PipelineRun"("tenantId", "recordingId", "createdAt");

-- CreateIndex
CREATE INDEX "PipelineRun_tenantId_status_idx" ON "PipelineRun"("tenantId", "status");

-- CreateIndex
CREATE INDEX "PipelineStep_tenantId_idx" ON "PipelineStep"("tenantId");

-- CreateIndex
CREATE UNIQUE INDEX "PipelineStep_runId_stage_key" ON "PipelineStep"("runId", "stage");

-- CreateIndex
CREATE INDEX "OutputTarget_tenantId_status_idx" ON "OutputTarget"("tenantId", "status");

-- CreateIndex
CREATE UNIQUE INDEX "OutputTarget_recordingId_presetId_key" ON "OutputTarget"("recordingId", "presetId");

-- CreateIndex
CREATE INDEX "TopicVersion_tenantId_idx" ON "TopicVersion"("tenantId");

-- CreateIndex
CREATE UNIQUE INDEX "TopicVersion_recordingId_version_key" ON "TopicVersion"("recordingId", "version");

-- CreateIndex
CREATE UNIQUE INDEX "Thumbnail_tenantId_name_key" ON "Thumbnail"("tenantId", "name");

-- CreateIndex
CREATE UNIQUE INDEX "AutomationJob_tenantId_name_key" ON "AutomationJob"("tenantId", "name");

-- CreateIndex
CREATE INDEX "AutomationRun_tenantId_jobId_startedAt_idx" ON "AutomationRun"("tenantId", "jobId", "startedAt");

-- CreateIndex
CREATE INDEX "AuditEvent_tenantId_createdAt_idx" ON "AuditEvent"("tenantId", "createdAt");

-- CreateIndex
CREATE INDEX "AuditEvent_action_createdAt_idx" ON "AuditEvent"("action", "createdAt");

-- AddForeignKey
ALTER TABLE "Tenant" ADD CONSTRAINT "Tenant_planId_fkey" FOREIGN KEY ("planId") REFERENCES "Plan"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Membership" ADD CONSTRAINT "Membership_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Membership" ADD CONSTRAINT "Membership_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AuthSession" ADD CONSTRAINT "AuthSession_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AuthSession" ADD CONSTRAINT "AuthSession_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RefreshToken" ADD CONSTRAINT "RefreshToken_sessionId_fkey" FOREIGN KEY ("sessionId") REFERENCES "AuthSession"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "QuotaOverride" ADD CONSTRAINT "QuotaOverride_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "UsageCounter" ADD CONSTRAINT "UsageCounter_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "UsageEvent" ADD CONSTRAINT "UsageEvent_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "UsageEvent" ADD CONSTRAINT "UsageEvent_recordingId_fkey" FOREIGN KEY ("recordingId") REFERENCES "Recording"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Credential" ADD CONSTRAINT "Credential_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "InputSource" ADD CONSTRAINT "InputSource_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "InputSource" ADD CONSTRAINT "InputSource_credentialId_fkey" FOREIGN KEY ("credentialId") REFERENCES "Credential"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "OutputPreset" ADD CONSTRAINT "OutputPreset_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "OutputPreset" ADD CONSTRAINT "OutputPreset_credentialId_fkey" FOREIGN KEY ("credentialId") REFERENCES "Credential"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Template" ADD CONSTRAINT "Template_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Recording" ADD CONSTRAINT "Recording_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Recording" ADD CONSTRAINT "Recording_inputSourceId_fkey" FOREIGN KEY ("inputSourceId") REFERENCES "InputSource"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Recording" ADD CONSTRAINT "Recording_templateId_fkey" FOREIGN KEY ("templateId") REFERENCES "Template"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PipelineRun" ADD CONSTRAINT "PipelineRun_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PipelineRun" ADD CONSTRAINT "PipelineRun_recordingId_fkey" FOREIGN KEY ("recordingId") REFERENCES "Recording"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PipelineStep" ADD CONSTRAINT "PipelineStep_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PipelineStep" ADD CONSTRAINT "PipelineStep_runId_fkey" FOREIGN KEY ("runId") REFERENCES "PipelineRun"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "OutputTarget" ADD CONSTRAINT "OutputTarget_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "OutputTarget" ADD CONSTRAINT "OutputTarget_recordingId_fkey" FOREIGN KEY ("recordingId") REFERENCES "Recording"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "OutputTarget" ADD CONSTRAINT "OutputTarget_presetId_fkey" FOREIGN KEY ("presetId") REFERENCES "OutputPreset"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "TopicVersion" ADD CONSTRAINT "TopicVersion_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "TopicVersion" ADD CONSTRAINT "TopicVersion_recordingId_fkey" FOREIGN KEY ("recordingId") REFERENCES "Recording"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Thumbnail" ADD CONSTRAINT "Thumbnail_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AutomationJob" ADD CONSTRAINT "AutomationJob_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AutomationRun" ADD CONSTRAINT "AutomationRun_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AutomationRun" ADD CONSTRAINT "AutomationRun_jobId_fkey" FOREIGN KEY ("jobId") REFERENCES "AutomationJob"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AuditEvent" ADD CONSTRAINT "AuditEvent_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- At most one Default template per tenant (a partial index Prisma's schema language cannot express).
CREATE UNIQUE INDEX "Template_one_default_per_tenant" ON "Template"("tenantId") WHERE "isDefault";
