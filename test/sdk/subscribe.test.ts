import { readFile } from 'node:fs/promises';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LeapClient } from '../../sdk/client.js';
import { watchRecordingProgress, type PipelineEvent } from '../../sdk/progress.js';
import { mediaScratch } from '../support/media.js';
import { rawId, registerUser, startTestApp, type RegisteredUser, type TestApp } from '../support/app.js';
import { startPipeline } from '../support/pipeline.js';
import { uploadRecording } from '../support/uploads.js';

// The SDK's progress subscription across a lost connection: it reconnects by itself, and the
// snapshot the server sends again yields only what changed while it was away, then live events.

let app: TestApp;
let owner: RegisteredUser;
let scratch: Awaited<ReturnType<typeof mediaScratch>>;

/** `ws` that remembers its sockets, so the test can cut the connection under the client. */
const sockets: WebSocket[] = [];
class TrackedWebSocket extends WebSocket {
  constructor(...args: ConstructorParameters<typeof WebSocket>) {
    super(...args);
    sockets.push(this);
  }
}

beforeAll(async () => {
  scratch = await mediaScratch('sdk-subscribe');
  app = await startTestApp();
  owner = await registerUser(app);
});

afterAll(async () => {
  await app?.close();
  await scratch?.cleanup();
});

const waitFor = async (check: () => boolean, what: string, timeoutMs = 15_000) => {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
};

describe('SDK watchRecordingProgress', () => {
  it('reconnects after a lost connection and resumes from the last event seen, without repeats', async () => {
    const file = await scratch.make('short.mp4', { durationSec: 20, sound: [{ start: 2, end: 18 }], audio: { codec: 'aac' }, video: { codec: 'h264', width: 160, height: 90, fps: 15, picture: 'flash' }, muxer: 'mp4' });
    const uploaded = await uploadRecording(app, owner.accessToken, { fileName: 'short.mp4', data: await readFile(file) }, 'Resume');
    const recordingId = uploaded.data!.createRecordingFromUpload.id;
    // No worker runs in this file: the run stays queued and only the test changes it.
    const runId = await startPipeline(app, owner.accessToken, recordingId, { force: true });

    const client = new LeapClient({ url: app.url, accessToken: owner.accessToken });
    const events: PipelineEvent[] = [];
    let reconnects = 0;
    const stop = watchRecordingProgress(client, recordingId, { next: (e) => events.push(e), error: (e) => events.push({ kind: 'ERROR', message: String(e) } as never) }, {
      webSocketImpl: TrackedWebSocket,
      onReconnected: () => (reconnects += 1),
    });
    try {
      await waitFor(() => events.some((e) => e.stage === 'TRIM'), 'the snapshot');
      await new Promise((resolve) => setTimeout(resolve, 200));
      const snapshot = events.length;
      expect(events.every((e) => e.kind === 'SNAPSHOT' && e.runId === runId)).toBe(true);

      const state = app.services.pipelineState;
      sockets.at(-1)!.terminate();
      // While the client is away: a change it can only learn from the next snapshot.
      await state.updateStep(rawId(owner.tenantId), rawId(runId), 'TRIM', { progress: 40, message: 'while away' }, { progressOnly: true });
      await waitFor(() => reconnects === 1 && events.some((e) => e.progress === 40), 'the reconnect');
      await state.updateStep(rawId(owner.tenantId), rawId(runId), 'TRIM', { progress: 60, message: 'live again' }, { progressOnly: true });
      await waitFor(() => events.some((e) => e.progress === 60), 'the live event');

      const after = events.slice(snapshot);
      // The unchanged steps are not repeated; TRIM moves on from 40 (snapshot) to 60 (live).
      expect(after.filter((e) => e.stage !== null && e.stage !== 'TRIM')).toEqual([]);
      expect(after.filter((e) => e.stage === 'TRIM').map((e) => [e.kind, e.progress, e.message])).toEqual([
        ['SNAPSHOT', 40, 'while away'],
        ['STEP', 60, 'live again'],
      ]);
      const seqs = new Map<string, number>();
      for (const e of events) {
        const key = `${e.runId}:${e.stage ?? 'RUN'}`;
        expect(e.seq).toBeGreaterThan(seqs.get(key) ?? -1);
        seqs.set(key, e.seq);
      }
      expect(sockets.length).toBe(2);
    } finally {
      stop();
    }
  });
});
