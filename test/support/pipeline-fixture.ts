import { readFile } from 'node:fs/promises';
import { prisma } from '../../src/lib/db.js';
import { rawId, registerUser, startTestApp, type RegisteredUser, type TestApp } from './app.js';
import { LECTURE_SOUND, mediaScratch } from './media.js';
import { startWorkerProcess, type WorkerProcess } from './pipeline.js';
import { uploadRecording } from './uploads.js';

/** What the pipeline test files share: the API, a worker process, a workspace, and a 50 s lecture to upload. */
export interface PipelineFixture {
  app: TestApp;
  owner: RegisteredUser;
  worker: WorkerProcess;
  scratch: Awaited<ReturnType<typeof mediaScratch>>;
  /** Uploads the lecture; `id` is the global id, `raw` the row id. */
  upload(name: string): Promise<{ id: string; raw: string }>;
  close(): Promise<void>;
}

export async function startPipelineFixture(label: string): Promise<PipelineFixture> {
  const scratch = await mediaScratch(label);
  const lecture = await readFile(
    await scratch.make('lecture.mp4', { durationSec: 50, sound: LECTURE_SOUND, video: { codec: 'h264', width: 160, height: 90, fps: 15, picture: 'flash' }, audio: { codec: 'aac' }, muxer: 'mp4' }),
  );
  const [app, worker] = await Promise.all([startTestApp(), startWorkerProcess()]);
  const owner = await registerUser(app);
  // Several runs at once in one file, more recordings than the free plan's month.
  await prisma.quotaOverride.create({ data: { tenantId: rawId(owner.tenantId), concurrentPipelines: 10, recordingsPerMonth: 1000 } });
  return {
    app,
    owner,
    worker,
    scratch,
    async upload(name) {
      const res = await uploadRecording(app, owner.accessToken, { fileName: 'lecture.mp4', data: lecture }, name);
      const recording = res.data?.createRecordingFromUpload;
      if (recording?.__typename !== 'Recording') throw new Error(JSON.stringify(res));
      return { id: recording.id, raw: rawId(recording.id) };
    },
    async close() {
      await worker.kill();
      await app.close();
      await scratch.cleanup();
    },
  };
}
