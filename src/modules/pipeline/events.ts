import type { Redis } from 'ioredis';
import type { RecordingStatus, Stage } from '../../generated/prisma/enums.js';
import { redisKey } from '../../lib/redis.js';

// Progress events: written to Postgres first, then published on Redis to the recording's and the
// tenant's channel. `seq` grows per run; each step row keeps the seq of its last event, so a
// subscriber can emit a snapshot and then exactly the events newer than it (see progress-hub.ts).

export type PipelineEventKind = 'SNAPSHOT' | 'STEP' | 'RUN';

export interface PipelineEvent {
  kind: PipelineEventKind;
  tenantId: string;
  runId: string;
  recordingId: string;
  /** Null for run-level events (started, paused, finished …). */
  stage: Stage | null;
  /** The step's status for STEP/SNAPSHOT events, the run's for RUN events. */
  status: string;
  progress: number;
  message: string | null;
  seq: number;
  /** ISO time the event happened. */
  at: string;
  recordingStatus: RecordingStatus;
}

export const recordingChannel = (recordingId: string) => redisKey('events', 'recording', recordingId);
export const tenantChannel = (tenantId: string) => redisKey('events', 'tenant', tenantId);

export async function publishEvent(redis: Redis, event: PipelineEvent): Promise<void> {
  const payload = JSON.stringify(event);
  await redis.multi().publish(recordingChannel(event.recordingId), payload).publish(tenantChannel(event.tenantId), payload).exec();
}

/**
 * Orders events per step: an event is news to a subscriber whose snapshot saw `seenSeq` for that
 * step (or for the run, for RUN events) when its seq is higher.
 */
export const eventKey = (event: Pick<PipelineEvent, 'runId' | 'stage'>) => `${event.runId}:${event.stage ?? 'RUN'}`;
