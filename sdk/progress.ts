import { subscribe, type LeapClient, type SubscribeOptions } from './client.js';
import { RecordingProgressDocument, type PipelineEventFieldsFragment, type RecordingProgressSubscription } from './generated/graphql.js';

// Progress of a recording's runs, resumable. The server starts every subscription with a snapshot
// of the run (each step with the seq of its last event) and then sends the newer events; each step
// (and the run itself) is one ordered stream by seq. After a reconnect the new snapshot therefore
// says exactly what changed while the client was away, and the events already seen are dropped.

export type PipelineEvent = PipelineEventFieldsFragment;

export const RUN_ENDED = ['COMPLETED', 'FAILED', 'CANCELLED'] as const;

/** The stream an event belongs to (the run's, or one step's) and its place in it. */
export const pipelineEventPosition = (event: Pick<PipelineEvent, 'runId' | 'stage' | 'seq'>) => ({
  key: `${event.runId}:${event.stage ?? 'RUN'}`,
  seq: event.seq,
});

/** True for the event that says the run ended (live, or in the snapshot of an ended run). */
export const isRunEnd = (event: PipelineEvent) => event.stage === null && (RUN_ENDED as readonly string[]).includes(event.status);

/**
 * Every change of the recording's latest run, in order and without repeats, across lost
 * connections. Returns a function that ends the subscription.
 */
export function watchRecordingProgress(
  client: LeapClient,
  recordingId: string,
  handlers: { next(event: PipelineEvent): void; error?(error: unknown): void },
  options: Omit<SubscribeOptions<RecordingProgressSubscription>, 'position'> = {},
): () => void {
  return subscribe(client, RecordingProgressDocument, { recordingId }, { next: (data) => handlers.next(data.recordingProgress), error: handlers.error }, {
    ...options,
    position: (data) => pipelineEventPosition(data.recordingProgress),
  });
}
