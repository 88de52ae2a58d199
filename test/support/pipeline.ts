import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Client } from 'graphql-ws';
import type { TestApp } from './app.js';

// Pipeline test helpers: worker processes started the way production starts them, and a graphql-ws
// subscriber that records every event it receives.

export interface WorkerProcess {
  child: ChildProcess;
  /** JSON log lines the process printed. */
  logs: Array<Record<string, unknown>>;
  /** Resolves when a log line matches. */
  waitForLog(match: (line: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** `node --import tsx workers/index.ts` with the test environment (same database, Redis prefix, storage). */
export async function startWorkerProcess(env: Record<string, string> = {}): Promise<WorkerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'workers/index.ts'], {
    env: { ...process.env, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Array<Record<string, unknown>> = [];
  const waiters = new Set<{ match: (line: Record<string, unknown>) => boolean; resolve: (line: Record<string, unknown>) => void }>();
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  createInterface({ input: child.stdout! }).on('line', (text) => {
    let line: Record<string, unknown>;
    try {
      line = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return;
    }
    logs.push(line);
    for (const waiter of waiters) if (waiter.match(line)) (waiters.delete(waiter), waiter.resolve(line));
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const worker: WorkerProcess = {
    child,
    logs,
    waitForLog(match, timeoutMs = 30_000) {
      const found = logs.find(match);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const waiter = { match, resolve: (line: Record<string, unknown>) => (clearTimeout(timer), resolve(line)) };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`worker log line not seen within ${timeoutMs} ms; stderr: ${stderr}`));
        }, timeoutMs);
        waiters.add(waiter);
        void exited.then(() => {
          if (!waiters.has(waiter)) return;
          waiters.delete(waiter);
          clearTimeout(timer);
          reject(new Error(`worker exited (${child.exitCode ?? child.signalCode}); stderr: ${stderr}`));
        });
      });
    },
    async kill(signal = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(signal);
      await exited;
    },
  };
  await worker.waitForLog((line) => line.msg === 'workers ready', 60_000);
  return worker;
}

export interface ReceivedEvent {
  kind: 'SNAPSHOT' | 'STEP' | 'RUN';
  runId: string;
  stage: string | null;
  status: string;
  progress: number;
  message: string | null;
  seq: number;
  recordingStatus: string;
}

export const EVENT_FIELDS = 'kind runId stage status progress message seq recordingStatus';

export interface EventRecorder {
  events: ReceivedEvent[];
  errors: unknown[];
  /** Resolves with the first event (already received or future) that matches. */
  until(match: (event: ReceivedEvent) => boolean, timeoutMs?: number): Promise<ReceivedEvent>;
  stop(): void;
}

/** Subscribes over graphql-ws and keeps every event; `client` lets a test reuse (or drop) a connection. */
export function recordEvents(client: Client, query: string, variables: Record<string, unknown>, field: string): EventRecorder {
  const events: ReceivedEvent[] = [];
  const errors: unknown[] = [];
  const waiters = new Set<{ match: (event: ReceivedEvent) => boolean; resolve: (event: ReceivedEvent) => void }>();
  const stop = client.subscribe<Record<string, ReceivedEvent>>(
    { query, variables },
    {
      next: (result) => {
        if (result.errors) errors.push(...result.errors);
        const event = result.data?.[field];
        if (!event) return;
        events.push(event);
        for (const waiter of waiters) if (waiter.match(event)) (waiters.delete(waiter), waiter.resolve(event));
      },
      error: (error) => errors.push(error),
      complete: () => undefined,
    },
  );
  return {
    events,
    errors,
    until(match, timeoutMs = 60_000) {
      const found = events.find(match);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`event not received within ${timeoutMs} ms; got ${JSON.stringify(events.slice(-5))} errors ${JSON.stringify(errors)}`)), timeoutMs);
        waiters.add({ match, resolve: (event) => (clearTimeout(timer), resolve(event)) });
      });
    },
    stop,
  };
}

export const START_PIPELINE = /* GraphQL */ `
  mutation Start($input: StartPipelineInput!) {
    startPipeline(input: $input) {
      __typename
      ... on PipelineRun { id status steps { stage status skipReason } }
      ... on Error { code message }
    }
  }
`;

export const RECORDING_PROGRESS = `subscription($id: ID!) { recordingProgress(recordingId: $id) { ${EVENT_FIELDS} } }`;

export const isRunEnd = (event: ReceivedEvent) => event.kind === 'RUN' && ['COMPLETED', 'FAILED', 'CANCELLED'].includes(event.status);

/** Starts a run over GraphQL and returns the run's global id (throws on an error result). */
export async function startPipeline(app: TestApp, token: string, recordingId: string, extra: Record<string, unknown> = {}): Promise<string> {
  const res = await app.gql<{ startPipeline: { __typename: string; id: string; message?: string } }>(START_PIPELINE, { input: { recordingId, ...extra } }, token);
  const payload = res.data?.startPipeline;
  if (payload?.__typename !== 'PipelineRun') throw new Error(`startPipeline failed: ${JSON.stringify(res)}`);
  return payload.id;
}
