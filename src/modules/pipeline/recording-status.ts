import type { DeleteState, RecordingStatus, Stage, StepStatus, TargetStatus } from '../../generated/prisma/enums.js';
import { isDone } from './stages.js';

// A recording's status is derived, never set by hand: from its latest run's steps and its output
// targets (SPEC §6, inventory §2.3), so it cannot drift from what actually happened. Unlike the
// original, a run between two stages stays PROCESSING instead of flickering to PROCESSED.

export interface StatusInputs {
  deleteState: DeleteState;
  expireAt: Date | null;
  isBlank: boolean;
  /** The source is announced but not available yet (Zoom still processing it). */
  sourcePending: boolean;
  hasSource: boolean;
  /** Steps of the latest run; empty when the recording never ran. */
  steps: ReadonlyArray<{ stage: Stage; status: StepStatus }>;
  targets: ReadonlyArray<{ status: TargetStatus }>;
  now?: Date;
}

const PROCESSING_STAGES: ReadonlySet<Stage> = new Set<Stage>(['TRIM', 'TRANSCRIBE', 'TOPICS', 'SUBTITLES']);

export function deriveRecordingStatus(input: StatusInputs): RecordingStatus {
  const now = input.now ?? new Date();
  if (input.deleteState !== 'ACTIVE' || (input.expireAt !== null && input.expireAt <= now)) return 'EXPIRED';

  const steps = new Map(input.steps.map((s) => [s.stage, s.status]));
  if (steps.size === 0) {
    if (input.sourcePending) return 'PENDING_SOURCE';
    if (input.isBlank) return 'SKIPPED';
    return input.hasSource ? 'DOWNLOADED' : 'INITIALIZED';
  }

  const download = steps.get('DOWNLOAD') ?? 'SKIPPED';
  if (download === 'RUNNING') return 'DOWNLOADING';
  if (!isDone(download)) return input.hasSource ? 'DOWNLOADED' : 'INITIALIZED';

  const processing = [...steps].filter(([stage]) => PROCESSING_STAGES.has(stage)).map(([, status]) => status);
  // A failed processing stage rolls the recording back to its last stable state (the original's model).
  if (processing.includes('FAILED')) return 'DOWNLOADED';
  if (!processing.every(isDone)) {
    return processing.some((status) => status !== 'PENDING') ? 'PROCESSING' : 'DOWNLOADED';
  }
  const targets = input.targets.map((t) => t.status);
  if (steps.get('PUBLISH') === 'RUNNING' || targets.includes('UPLOADING')) return 'UPLOADING';
  if (targets.length === 0) return 'PROCESSED';
  const uploaded = targets.filter((status) => status === 'UPLOADED').length;
  if (uploaded === targets.length) return 'READY';
  return uploaded > 0 ? 'UPLOADED' : 'PROCESSED';
}
