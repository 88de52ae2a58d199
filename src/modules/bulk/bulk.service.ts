import type { PrismaClient, Recording } from '../../generated/prisma/client.js';
import type { Stage } from '../../generated/prisma/enums.js';
import { forTenant, type TenantDb } from '../../lib/db.js';
import { ConflictError, DomainError, NotFoundError, ValidationError } from '../../lib/errors.js';
import { logger } from '../../lib/logger.js';
import { isRowId } from '../auth/auth.service.js';
import type { Permission } from '../auth/viewer.js';
import { ACTIVE_RUN_STATUSES, type PipelineService, type StartOptions } from '../pipeline/pipeline.service.js';
import type { PlannedStep } from '../pipeline/stages.js';
import { recordingsWhere, type RecordingFilterInput } from '../recordings/recordings.filters.js';
import type { RecordingsService } from '../recordings/recordings.service.js';

// Bulk operations on recordings (SPEC §9): one action over up to 200 recordings named by id or by
// a filter. Each recording goes through the same service call as its single-recording mutation;
// one recording's failure is its own outcome, never the batch's. A dry run answers the plan per
// recording (the stages that would run, or why it would be skipped) and changes nothing.

export const BULK_ACTIONS = ['RUN', 'TRANSCRIBE', 'TRIM', 'TOPICS', 'SUBTITLES', 'PUBLISH', 'PAUSE', 'DELETE'] as const;
export type BulkAction = (typeof BULK_ACTIONS)[number];

export const BULK_LIMIT = 200;
const DEFAULT_FILTER_LIMIT = 50;

/** The permission each action needs: the one its single-recording mutation needs. */
export const BULK_PERMISSION: Record<BulkAction, Permission> = {
  RUN: 'canProcessVideo',
  TRANSCRIBE: 'canTranscribe',
  TRIM: 'canProcessVideo',
  TOPICS: 'canTranscribe',
  SUBTITLES: 'canProcessVideo',
  PUBLISH: 'canProcessVideo',
  PAUSE: 'canProcessVideo',
  DELETE: 'canDeleteRecordings',
};

/** The stages a pipeline action runs (null: the whole pipeline). */
const STAGES_OF: Record<Exclude<BulkAction, 'PAUSE' | 'DELETE'>, readonly Stage[] | null> = {
  RUN: null,
  TRANSCRIBE: ['TRANSCRIBE', 'TOPICS', 'SUBTITLES'],
  // Fetches the source first when it is not in storage yet.
  TRIM: ['DOWNLOAD', 'TRIM'],
  TOPICS: ['TOPICS'],
  SUBTITLES: ['SUBTITLES'],
  PUBLISH: ['PUBLISH'],
};

export type BulkOutcomeStatus = 'PLANNED' | 'STARTED' | 'PAUSED' | 'DELETED' | 'SKIPPED' | 'FAILED';

export interface BulkOutcome {
  /** Null for an id that names no recording of the workspace (it is not echoed: it may be another tenant's). */
  recordingId: string | null;
  displayName: string | null;
  status: BulkOutcomeStatus;
  /** Why it was (or would be) skipped, or what failed. */
  reason: string | null;
  /** Pipeline actions: every stage, with the reason when it would not run. */
  stages: PlannedStep[];
  pipelineRunId: string | null;
}

export interface BulkInput {
  ids?: string[] | null;
  filter?: RecordingFilterInput | null;
  /** Filter selections take the newest `limit` recordings (default 50, at most 200). */
  limit?: number | null;
  action: BulkAction;
  dryRun?: boolean | null;
  /** Pipeline actions: per-request configuration overrides, as startPipeline takes them. */
  overrides?: unknown;
  /** PUBLISH: these output presets instead of the configured ones. */
  presetIds?: string[] | null;
}

export interface BulkResult {
  action: BulkAction;
  dryRun: boolean;
  /** Recordings the filter matches in all (ids: the ids given), of which `outcomes` covers at most `limit`. */
  matchedCount: number;
  outcomes: BulkOutcome[];
}

export class BulkService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly pipeline: PipelineService,
    private readonly recordings: RecordingsService,
  ) {}

  async execute(tenantId: string, input: BulkInput): Promise<BulkResult> {
    const db = forTenant(tenantId, this.prisma);
    const dryRun = input.dryRun ?? false;
    const { rows, matchedCount } = await this.select(db, input);
    const outcomes: BulkOutcome[] = [];
    for (const row of rows) {
      if (typeof row === 'string') outcomes.push(outcome(null, null, 'FAILED', 'Recording not found'));
      else outcomes.push(await this.apply(db, tenantId, row, input, dryRun));
    }
    return { action: input.action, dryRun, matchedCount, outcomes };
  }

  /** The recordings in the order asked for; an id naming no recording of this tenant stays a bare id. */
  private async select(db: TenantDb, input: BulkInput): Promise<{ rows: Array<Recording | string>; matchedCount: number }> {
    const hasIds = input.ids != null;
    if (hasIds === (input.filter != null)) throw ValidationError.field('ids', 'Name the recordings either by ids or by a filter');
    if (hasIds) {
      const ids = [...new Set(input.ids ?? [])];
      if (ids.length === 0) throw ValidationError.field('ids', 'Name at least one recording');
      if (ids.length > BULK_LIMIT) throw ValidationError.field('ids', `At most ${BULK_LIMIT} recordings per bulk operation`);
      const found = new Map((await db.recording.findMany({ where: { id: { in: ids.filter(isRowId) } } })).map((r) => [r.id, r]));
      return { rows: ids.map((id) => found.get(id) ?? id), matchedCount: ids.length };
    }
    const limit = input.limit ?? DEFAULT_FILTER_LIMIT;
    if (limit < 1 || limit > BULK_LIMIT) throw ValidationError.field('limit', `The limit is 1 to ${BULK_LIMIT} recordings per bulk operation`);
    const where = recordingsWhere(input.filter ?? {});
    const [rows, matchedCount] = await Promise.all([
      db.recording.findMany({ where, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], take: limit }),
      db.recording.count({ where }),
    ]);
    return { rows, matchedCount };
  }

  private async apply(db: TenantDb, tenantId: string, recording: Recording, input: BulkInput, dryRun: boolean): Promise<BulkOutcome> {
    const { action } = input;
    try {
      if (action === 'DELETE') {
        if (dryRun) return outcome(recording.id, recording.displayName, 'PLANNED', null);
        await this.recordings.deleteRecording(tenantId, recording.id);
        return outcome(recording.id, recording.displayName, 'DELETED', null);
      }
      if (action === 'PAUSE') return await this.pause(db, tenantId, recording, dryRun);
      const options: StartOptions = { stages: STAGES_OF[action], overrides: runOverrides(input) };
      const stages = await this.pipeline.preview(db, tenantId, recording.id, options);
      const requested = stages.filter((s) => !STAGES_OF[action] || STAGES_OF[action]?.includes(s.stage));
      if (requested.every((s) => s.skipReason !== null)) {
        const reasons = [...new Set(requested.map((s) => s.skipReason))].join('; ');
        return { ...outcome(recording.id, recording.displayName, 'SKIPPED', `Nothing to run: ${reasons}`), stages };
      }
      if (dryRun) return { ...outcome(recording.id, recording.displayName, 'PLANNED', null), stages };
      const run = await this.pipeline.start(db, tenantId, recording.id, options);
      return { ...outcome(recording.id, recording.displayName, 'STARTED', null), stages, pipelineRunId: run.id };
    } catch (error) {
      if (error instanceof ConflictError) return outcome(recording.id, recording.displayName, 'SKIPPED', error.message);
      if (error instanceof NotFoundError) return outcome(recording.id, recording.displayName, 'FAILED', 'Recording not found');
      if (error instanceof DomainError) return outcome(recording.id, recording.displayName, 'FAILED', error.message);
      logger.error({ err: error, recordingId: recording.id, action }, 'bulk operation failed on a recording');
      return outcome(recording.id, recording.displayName, 'FAILED', 'Unexpected error');
    }
  }

  private async pause(db: TenantDb, tenantId: string, recording: Recording, dryRun: boolean): Promise<BulkOutcome> {
    if (!dryRun) {
      await this.pipeline.pause(db, tenantId, recording.id);
      return outcome(recording.id, recording.displayName, 'PAUSED', null);
    }
    const run = await db.pipelineRun.findFirst({ where: { recordingId: recording.id, status: { in: [...ACTIVE_RUN_STATUSES] } }, select: { status: true } });
    if (!run) return outcome(recording.id, recording.displayName, 'SKIPPED', 'The recording has no pipeline running');
    if (run.status === 'PAUSED') return outcome(recording.id, recording.displayName, 'SKIPPED', 'The pipeline is already paused');
    return outcome(recording.id, recording.displayName, 'PLANNED', null);
  }
}

function runOverrides(input: BulkInput): unknown {
  if (input.action !== 'PUBLISH' || !input.presetIds?.length) return input.overrides ?? undefined;
  const base = input.overrides && typeof input.overrides === 'object' && !Array.isArray(input.overrides) ? (input.overrides as Record<string, unknown>) : {};
  const output = base.outputConfig && typeof base.outputConfig === 'object' ? (base.outputConfig as Record<string, unknown>) : {};
  return { ...base, outputConfig: { ...output, presetIds: input.presetIds } };
}

function outcome(recordingId: string | null, displayName: string | null, status: BulkOutcomeStatus, reason: string | null): BulkOutcome {
  return { recordingId, displayName, status, reason, stages: [], pipelineRunId: null };
}
