import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RegisteredUser, TestApp } from '../support/app.js';
import type { WorkerProcess } from '../support/pipeline.js';

// Failure recovery: a worker killed with SIGKILL in the middle of a stage, and Redis restarted in the
// middle of a run. This file runs against its own redis-server (with an append-only file, as a
// production Redis has), so restarting it disturbs nobody else.

let redisPort: number;
let redisDir: string;
let redis: ChildProcess | null = null;

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

async function startRedis(): Promise<void> {
  redis = spawn('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--dir', redisDir, '--appendonly', 'yes', '--appendfsync', 'always', '--save', ''], { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    if (spawnSync('redis-cli', ['-p', String(redisPort), 'ping'], { encoding: 'utf8' }).stdout.trim() === 'PONG') return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('redis-server did not start');
}

async function stopRedis(): Promise<void> {
  const child = redis;
  if (!child) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  spawnSync('redis-cli', ['-p', String(redisPort), 'shutdown']);
  await exited;
  redis = null;
}

// Loaded after REDIS_URL points at this file's Redis (config is read once, at first import).
let support: typeof import('../support/pipeline.js');
let prisma: typeof import('../../src/lib/db.js')['prisma'];
let app: TestApp;
let owner: RegisteredUser;
let lecture: Buffer;
let uploadRecording: typeof import('../support/uploads.js')['uploadRecording'];
let rawId: (id: string) => string;
const workers: WorkerProcess[] = [];
let cleanupScratch: () => Promise<void>;

beforeAll(async () => {
  redisPort = await freePort();
  redisDir = await mkdtemp(path.join(tmpdir(), 'leap-redis-'));
  await startRedis();
  process.env.REDIS_URL = `redis://127.0.0.1:${redisPort}`;
  support = await import('../support/pipeline.js');
  const appSupport = await import('../support/app.js');
  const media = await import('../support/media.js');
  ({ prisma } = await import('../../src/lib/db.js'));
  ({ uploadRecording } = await import('../support/uploads.js'));
  rawId = appSupport.rawId;
  const scratch = await media.mediaScratch('recovery');
  cleanupScratch = scratch.cleanup;
  // Long enough that pause removal (a re-encode) is still running when the worker is killed.
  lecture = await readFile(
    await scratch.make('lecture.mp4', {
      durationSec: 240,
      sound: { expression: 'lt(mod(t,20),14)*gt(t,8)*lt(t,230)' },
      video: { codec: 'h264', width: 320, height: 180, fps: 25 },
      audio: { codec: 'aac' },
      muxer: 'mp4',
    }),
  );
  app = await appSupport.startTestApp();
  owner = await appSupport.registerUser(app);
  await prisma.quotaOverride.create({ data: { tenantId: rawId(owner.tenantId), concurrentPipelines: 10 } });
}, 180_000);

afterAll(async () => {
  await Promise.all(workers.map((w) => w.kill('SIGKILL')));
  await app?.close();
  await stopRedis();
  await rm(redisDir, { recursive: true, force: true });
  await cleanupScratch?.();
});

/** Workers that notice a dead peer's job within a few seconds. */
const fastRecovery = { WORKER_LOCK_DURATION_MS: '3000', WORKER_STALLED_INTERVAL_MS: '1000' };

async function uploadAndStart(name: string) {
  const res = await uploadRecording(app, owner.accessToken, { fileName: 'lecture.mp4', data: lecture }, name);
  const recording = res.data?.createRecordingFromUpload;
  if (recording?.__typename !== 'Recording') throw new Error(JSON.stringify(res));
  const events = support.recordEvents(app.ws(owner.accessToken), support.RECORDING_PROGRESS, { id: recording.id }, 'recordingProgress');
  await support.startPipeline(app, owner.accessToken, recording.id, { overrides: { processingConfig: { trimming: { mode: 'pauses', pausePreset: 'tight' } } } });
  return { id: rawId(recording.id), events };
}

async function waitForRun(recordingId: string, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const run = await prisma.pipelineRun.findFirstOrThrow({ where: { recordingId }, orderBy: { createdAt: 'desc' }, include: { steps: true } });
    if (['COMPLETED', 'FAILED', 'CANCELLED'].includes(run.status)) return run;
    if (Date.now() > deadline) throw new Error(`run still ${run.status}: ${JSON.stringify(run.steps.map((s) => [s.stage, s.status, s.message]))}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

describe('a worker killed in the middle of a stage', () => {
  it('has its stage picked up by another worker, and the run completes once', { timeout: 240_000 }, async () => {
    const first = await support.startWorkerProcess(fastRecovery);
    workers.push(first);
    const { id, events } = await uploadAndStart('Killed mid-trim');
    await events.until((e) => e.stage === 'TRIM' && e.status === 'RUNNING' && e.progress > 0, 120_000);
    await first.kill('SIGKILL');
    const killedAt = new Date();

    const second = await support.startWorkerProcess(fastRecovery);
    workers.push(second);
    const run = await waitForRun(id);
    events.stop();
    expect(run.status).toBe('COMPLETED');
    // The second worker ran the trim again from the start, after the first one died.
    expect(second.logs.some((line) => line.job === 'pipeline.trim' && line.msg === 'job done')).toBe(true);
    expect(run.steps.find((s) => s.stage === 'TRIM')!.startedAt!.getTime()).toBeGreaterThan(killedAt.getTime());

    const recording = await prisma.recording.findUniqueOrThrow({ where: { id } });
    expect(recording.videoFileKey).toMatch(/video\.mp4$/);
    expect(recording.trimmedDurationSec).toBeLessThan(recording.durationSec! - 30);
    // Exactly the files of one trim, and the tenant's storage counts each once.
    const files = await app.services.storage.list(`tenants/${rawId(owner.tenantId)}/recordings/${id}/`);
    expect(files.map((f) => path.basename(f.key)).sort()).toEqual(['audio.ogg', 'edl.json', 'poster.jpg', 'source.mp4', 'subtitles.srt', 'subtitles.vtt', 'transcript.json', 'video.mp4']);
    const tenant = await prisma.tenant.findUniqueOrThrow({ where: { id: rawId(owner.tenantId) } });
    const all = await app.services.storage.list(`tenants/${rawId(owner.tenantId)}/`);
    expect(Number(tenant.storageBytes)).toBe(all.reduce((sum, f) => sum + f.sizeBytes, 0));
    await second.kill();
  });
});

describe('Redis restarted in the middle of a run', () => {
  it('lets the run complete, and a new subscriber sees the final state', { timeout: 240_000 }, async () => {
    const worker = await support.startWorkerProcess(fastRecovery);
    workers.push(worker);
    const { id, events } = await uploadAndStart('Redis restart');
    await events.until((e) => e.stage === 'TRIM' && e.status === 'RUNNING', 120_000);
    await stopRedis();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await startRedis();

    const run = await waitForRun(id);
    events.stop();
    expect(run.status).toBe('COMPLETED');
    expect(run.steps.every((s) => s.status === 'COMPLETED' || s.status === 'SKIPPED')).toBe(true);

    const late = support.recordEvents(app.ws(owner.accessToken), support.RECORDING_PROGRESS, { id: Buffer.from(`Recording:${id}`).toString('base64') }, 'recordingProgress');
    const snapshot = await late.until((e) => e.kind === 'SNAPSHOT' && e.stage === null);
    late.stop();
    expect(snapshot.status).toBe('COMPLETED');
    await worker.kill();
  });
});
