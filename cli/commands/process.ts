import { MultiBar, Presets, type SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import WebSocket from 'ws';
import type { LeapClient } from '../../sdk/client.js';
import { StartPipelineDocument, type Stage } from '../../sdk/generated/graphql.js';
import { isRunEnd, watchRecordingProgress, type PipelineEvent } from '../../sdk/progress.js';
import { CliError, EXIT, printJson, unwrap } from '../output.js';
import { resolveApi, signedInClient } from '../session.js';
import type { GlobalOptions } from '../index.js';

const STAGE_ORDER: Stage[] = ['DOWNLOAD', 'TRIM', 'TRANSCRIBE', 'TOPICS', 'SUBTITLES', 'POSTER', 'PUBLISH'];

interface ProgressView {
  update(event: PipelineEvent): void;
  stop(): void;
}

/** One live bar per step on a terminal (cli-progress), in pipeline order when the steps are known. */
function barsView(stages: Stage[]): ProgressView {
  const multibar = new MultiBar(
    { format: ' {stage} |{bar}| {percentage}% {status} {note}', hideCursor: true, clearOnComplete: false, autopadding: true, stream: process.stderr },
    Presets.shades_classic,
  );
  const payload = (stage: string, status: string, note: string | null) => ({ stage: stage.padEnd(10), status: status.padEnd(9), note: (note ?? '').slice(0, 60) });
  const bars = new Map<string, SingleBar>(STAGE_ORDER.filter((s) => stages.includes(s)).map((s) => [s, multibar.create(100, 0, payload(s, 'PENDING', null))]));
  return {
    update(event) {
      if (!event.stage) return;
      const value = event.status === 'COMPLETED' ? 100 : event.progress;
      const data = payload(event.stage, event.status, event.message);
      const bar = bars.get(event.stage);
      if (bar) bar.update(value, data);
      else bars.set(event.stage, multibar.create(100, value, data));
    },
    stop: () => multibar.stop(),
  };
}

/** Without a terminal: a plain line whenever a step changes status or passes a quarter. */
function linesView(): ProgressView {
  const last = new Map<string, PipelineEvent>();
  return {
    update(event) {
      const key = event.stage ?? 'RUN';
      const before = last.get(key);
      last.set(key, event);
      const quarter = (p: number) => Math.floor(p / 25);
      if (before && before.status === event.status && quarter(before.progress) === quarter(event.progress)) return;
      const note = event.message ? `  ${event.message}` : '';
      process.stdout.write(`${key.padEnd(10)} ${event.status.padEnd(9)} ${String(event.progress).padStart(3)}%${note}\n`);
    },
    stop: () => undefined,
  };
}

/** Every event as one JSON line (--json). */
function jsonLinesView(): ProgressView {
  return { update: (event) => process.stdout.write(JSON.stringify(event) + '\n'), stop: () => undefined };
}

/** Follows the recording's run `runId` (or whichever run is its latest) until it ends; returns the end event. */
export function watchRun(client: LeapClient, recordingId: string, runId: string | null, view: ProgressView, timeoutMs: number | null): Promise<PipelineEvent> {
  return new Promise((resolve, reject) => {
    let timer: NodeJS.Timeout | null = null;
    const finish = (end: () => void) => {
      if (timer) clearTimeout(timer);
      stop();
      view.stop();
      end();
    };
    const stop = watchRecordingProgress(
      client,
      recordingId,
      {
        next: (event) => {
          if (runId && event.runId !== runId) return;
          view.update(event);
          if (isRunEnd(event)) finish(() => resolve(event));
        },
        error: (error) => finish(() => reject(error instanceof Error ? error : new CliError(`progress subscription failed: ${JSON.stringify(error)}`))),
      },
      { webSocketImpl: WebSocket },
    );
    if (timeoutMs) timer = setTimeout(() => finish(() => reject(new CliError(`the run did not end within ${timeoutMs / 1000} s (it goes on on the server)`))), timeoutMs);
  });
}

function viewFor(json: boolean, stages: Stage[] = []): ProgressView {
  if (json) return jsonLinesView();
  return process.stderr.isTTY ? barsView(stages) : linesView();
}

async function endOf(promise: Promise<PipelineEvent>, json: boolean): Promise<void> {
  const end = await promise;
  if (end.status !== 'COMPLETED') throw new CliError(`the run ended ${end.status}${end.message ? `: ${end.message}` : ''} (see \`leap recordings show ${end.recordingId}\`)`, EXIT.runFailed);
  if (!json) process.stdout.write(`run ${end.runId} completed: recording is ${end.recordingStatus}\n`);
}

export async function processRecording(
  client: LeapClient,
  recordingId: string,
  options: { watch: boolean; json: boolean; stages?: Stage[]; force?: boolean; templateId?: string; timeoutMs?: number | null },
): Promise<void> {
  const { startPipeline } = await client.request(StartPipelineDocument, { input: { recordingId, stages: options.stages, force: options.force, templateId: options.templateId } });
  const run = unwrap(startPipeline, 'PipelineRun');
  if (!options.watch) {
    if (options.json) return printJson(run);
    process.stdout.write(`run ${run.id} ${run.status}: ${run.steps.map((s) => `${s.stage} ${s.status}`).join(', ')}\n`);
    return;
  }
  if (!options.json) process.stdout.write(`run ${run.id} started\n`);
  await endOf(watchRun(client, recordingId, run.id, viewFor(options.json, run.steps.map((s) => s.stage)), options.timeoutMs ?? null), options.json);
}

function parseStages(value: string | undefined): Stage[] | undefined {
  if (!value) return undefined;
  const stages = value.split(',').map((s) => s.trim().toUpperCase());
  const unknown = stages.filter((s) => !STAGE_ORDER.includes(s as Stage));
  if (unknown.length) throw new CliError(`unknown stage ${unknown.join(', ')}: choose from ${STAGE_ORDER.join(', ')}`, EXIT.usage);
  return stages as Stage[];
}

function parseTimeout(value: string | undefined): number | null {
  if (value === undefined) return null;
  const sec = Number(value);
  if (!Number.isFinite(sec) || sec <= 0) throw new CliError('--timeout must be a positive number of seconds', EXIT.usage);
  return sec * 1000;
}

export function processCommands(program: Command, globals: () => GlobalOptions): void {
  program
    .command('process <recording>')
    .description('start a pipeline run for the recording')
    .option('-w, --watch', 'show live progress (a bar per step) until the run ends')
    .option('--stages <stages>', `only these stages, comma-separated: ${STAGE_ORDER.join(', ')}`)
    .option('--template <id>', 'run with this template on top of the bound one')
    .option('--force', 'process a recording flagged blank anyway')
    .option('--timeout <seconds>', 'with --watch: give up watching after this long')
    .action(async (recordingId: string, options: { watch?: boolean; stages?: string; template?: string; force?: boolean; timeout?: string }) => {
      const stages = parseStages(options.stages);
      const timeoutMs = parseTimeout(options.timeout);
      const api = await resolveApi(globals().api);
      const { client } = await signedInClient(api);
      await processRecording(client, recordingId, { watch: Boolean(options.watch), json: globals().json, stages, force: options.force, templateId: options.template, timeoutMs });
    });

  program
    .command('watch <recording>')
    .description("follow the recording's latest run until it ends")
    .option('--timeout <seconds>', 'give up watching after this long')
    .action(async (recordingId: string, options: { timeout?: string }) => {
      const timeoutMs = parseTimeout(options.timeout);
      const api = await resolveApi(globals().api);
      const { client } = await signedInClient(api);
      await endOf(watchRun(client, recordingId, null, viewFor(globals().json), timeoutMs), globals().json);
    });
}
