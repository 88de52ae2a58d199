import { openAsBlob } from 'node:fs';
import { mkdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import {
  CliCreateRecordingFromUrlDocument,
  CliRecordingDocument,
  CliRecordingOutputsDocument,
  CliRecordingsDocument,
  CliRenderDescriptionDocument,
  CreateRecordingFromUploadDocument,
  type CliRecordingRowFragment,
  type CliRecordingsQuery,
  type RecordingStatus,
  type UrlQuality,
} from '../../sdk/generated/graphql.js';
import { CliError, EXIT, notFound, printJson, printTable, seconds, unwrap } from '../output.js';
import { resolveApi, signedInClient } from '../session.js';
import type { GlobalOptions } from '../index.js';
import { processRecording } from './process.js';

const QUALITIES = ['BEST', 'P1080', 'P720', 'P480', 'AUDIO_ONLY'];

/** What `download` can write, and the file each becomes. */
const OUTPUTS = {
  srt: { kind: 'SUBTITLES_SRT', file: 'subtitles.srt' },
  vtt: { kind: 'SUBTITLES_VTT', file: 'subtitles.vtt' },
  transcript: { kind: 'TRANSCRIPT', file: 'transcript.json' },
  topics: { kind: null, file: 'topics.json' },
  description: { kind: null, file: 'description.txt' },
  video: { kind: 'VIDEO', file: 'video.mp4' },
  poster: { kind: 'POSTER', file: 'poster.jpg' },
} as const;
type OutputName = keyof typeof OUTPUTS;
const DEFAULT_OUTPUTS: OutputName[] = ['srt', 'vtt', 'transcript', 'topics', 'description'];

function parseOutputs(value: string): OutputName[] {
  const names = value.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = names.filter((n) => !Object.hasOwn(OUTPUTS, n));
  if (unknown.length) throw new CliError(`unknown output ${unknown.join(', ')}: choose from ${Object.keys(OUTPUTS).join(', ')}`, EXIT.usage);
  return names as OutputName[];
}

export function recordingCommands(program: Command, globals: () => GlobalOptions): void {
  program
    .command('upload <file-or-url>')
    .description('a recording from a local file (streamed) or from a video page / file URL')
    .option('-n, --name <name>', 'display name (default: the file name or the video title)')
    .option('-q, --quality <quality>', `URL download quality: ${QUALITIES.join(', ')}`)
    .option('-p, --process', 'start processing right away')
    .option('-w, --watch', 'with --process: show live progress until the run ends')
    .action(async (source: string, options: { name?: string; quality?: string; process?: boolean; watch?: boolean }) => {
      const api = await resolveApi(globals().api);
      const { client } = await signedInClient(api);
      let ids: string[];
      if (/^https?:\/\//i.test(source)) {
        if (options.quality && !QUALITIES.includes(options.quality)) throw new CliError(`--quality must be one of ${QUALITIES.join(', ')}`, EXIT.usage);
        const { createRecordingFromUrl } = await client.request(CliCreateRecordingFromUrlDocument, { url: source, displayName: options.name, quality: options.quality as UrlQuality | undefined });
        const result = unwrap(createRecordingFromUrl, 'IngestResult');
        ids = result.recordings.map((r) => r.id);
        if (globals().json && !options.process) return printJson(result);
        for (const r of result.recordings) process.stdout.write(`${r.id}  ${r.displayName}  ${r.status}\n`);
      } else {
        const size = await stat(source).then((s) => (s.isFile() ? s.size : null), () => null);
        if (size === null) throw new CliError(`no such file: ${source}`, EXIT.usage);
        const blob = await openAsBlob(source);
        const { createRecordingFromUpload } = await client.upload(CreateRecordingFromUploadDocument, { file: null, displayName: options.name }, [{ variable: 'file', blob, fileName: path.basename(source) }]);
        const recording = unwrap(createRecordingFromUpload, 'Recording');
        ids = [recording.id];
        if (globals().json && !options.process) return printJson(recording);
        process.stdout.write(`${recording.id}  ${recording.displayName}  ${recording.status}  ${seconds(recording.durationSec) ?? ''}\n`);
      }
      if (options.process) {
        for (const id of ids) await processRecording(client, id, { watch: Boolean(options.watch), json: globals().json });
      }
    });

  const recordings = program.command('recordings').alias('rec').description('list and show recordings');
  recordings
    .command('list', { isDefault: true })
    .description('recordings, newest first')
    .option('-s, --search <text>', 'display name contains')
    .option('--status <statuses>', 'comma-separated statuses, e.g. PROCESSED,UPLOADED')
    .option('--failed', 'only failed ones')
    .option('-l, --limit <n>', 'at most this many', '50')
    .action(async (options: { search?: string; status?: string; failed?: boolean; limit: string }) => {
      const limit = Number(options.limit);
      if (!Number.isInteger(limit) || limit < 1) throw new CliError('--limit must be a positive whole number', EXIT.usage);
      const api = await resolveApi(globals().api);
      const { client } = await signedInClient(api);
      const filter = {
        search: options.search,
        statuses: options.status ? (options.status.split(',').map((s) => s.trim().toUpperCase()) as RecordingStatus[]) : undefined,
        failed: options.failed ? true : undefined,
      };
      const rows: CliRecordingRowFragment[] = [];
      let after: string | null | undefined;
      while (rows.length < limit) {
        const { recordings: page }: CliRecordingsQuery = await client.request(CliRecordingsDocument, { first: Math.min(100, limit - rows.length), after, filter });
        rows.push(...page.edges.map((e) => e.node));
        if (!page.pageInfo.hasNextPage) break;
        after = page.pageInfo.endCursor;
      }
      if (globals().json) return printJson(rows);
      printTable(
        ['ID', 'NAME', 'STATUS', 'DURATION', 'TEMPLATE', 'LAST RUN'],
        rows.map((r) => [r.id, r.displayName, r.failed ? `${r.status} (failed at ${r.failedStage})` : r.status, seconds(r.durationSec), r.template?.name, r.latestRun?.status]),
      );
    });
  recordings
    .command('show <recording>')
    .description('one recording: status, steps of its last run, files, publications')
    .action(async (id: string) => {
      const api = await resolveApi(globals().api);
      const { client } = await signedInClient(api);
      const { recording } = await client.request(CliRecordingDocument, { id });
      if (!recording) notFound('recording', id);
      if (globals().json) return printJson(recording);
      const r = recording;
      process.stdout.write(`${r.displayName}  (${r.id})\n`);
      process.stdout.write(`  status    ${r.status}${r.failed ? `, failed at ${r.failedStage}: ${r.failedReason}` : ''}\n`);
      process.stdout.write(`  duration  ${seconds(r.durationSec) ?? '-'}${r.trim ? ` → ${seconds(r.trim.trimmedDurationSec)} after trim (${r.trim.mode})` : ''}\n`);
      process.stdout.write(`  template  ${r.template?.name ?? '-'}\n`);
      if (r.latestRun) {
        process.stdout.write(`\nLast run ${r.latestRun.id}: ${r.latestRun.status}\n`);
        printTable(['STAGE', 'STATUS', 'PROGRESS', 'NOTE'], r.latestRun.steps.map((s) => [s.stage, s.status, `${s.progress}%`, s.skipReason ?? s.error ?? s.message ?? '']));
      }
      if (r.files.length) {
        process.stdout.write('\nFiles\n');
        printTable(['KIND', 'NAME'], r.files.map((f) => [f.kind, f.name]));
      }
      if (r.outputTargets.length) {
        process.stdout.write('\nPublications\n');
        printTable(['PLATFORM', 'PRESET', 'STATUS', 'URL'], r.outputTargets.map((t) => [t.platform, t.preset?.name, t.status, t.url ?? t.error]));
      }
    });

  program
    .command('download <recording>')
    .description(`write the outputs to a folder (default: ${DEFAULT_OUTPUTS.join(', ')})`)
    .option('-o, --out <dir>', 'folder to write to', '.')
    .option('--only <outputs>', `comma-separated: ${Object.keys(OUTPUTS).join(', ')}`)
    .action(async (id: string, options: { out: string; only?: string }) => {
      const wanted = options.only ? parseOutputs(options.only) : DEFAULT_OUTPUTS;
      const api = await resolveApi(globals().api);
      const { client } = await signedInClient(api);
      const { recording } = await client.request(CliRecordingOutputsDocument, { id });
      if (!recording) notFound('recording', id);
      await mkdir(options.out, { recursive: true });
      const written: Array<{ output: OutputName; path: string; bytes: number }> = [];
      const missing: OutputName[] = [];
      for (const name of wanted) {
        const spec = OUTPUTS[name];
        let content: Buffer | null = null;
        if (spec.kind) {
          const file = recording.files.find((f) => f.kind === spec.kind);
          if (file) {
            const response = await fetch(new URL(file.url, api));
            if (!response.ok) throw new CliError(`download of ${file.name} failed: HTTP ${response.status}`);
            content = Buffer.from(await response.arrayBuffer());
          }
        } else if (name === 'topics') {
          const active = recording.topics.active;
          if (active) content = Buffer.from(JSON.stringify(active, null, 2) + '\n');
        } else {
          const { renderPreview } = await client.request(CliRenderDescriptionDocument, { recordingId: recording.id });
          const preview = unwrap(renderPreview, 'RenderPreview');
          content = Buffer.from(`${preview.title}\n\n${preview.description}\n`);
        }
        if (!content) {
          missing.push(name);
          continue;
        }
        const target = path.join(options.out, spec.file);
        await writeFile(target, content);
        written.push({ output: name, path: target, bytes: content.length });
      }
      if (globals().json) printJson({ recordingId: recording.id, written, missing });
      else {
        for (const w of written) process.stdout.write(`${w.path}  (${w.bytes} bytes)\n`);
        if (missing.length) process.stderr.write(`not available yet: ${missing.join(', ')} (has the recording been processed?)\n`);
      }
      if (written.length === 0) throw new CliError(`recording ${recording.id} has none of the outputs asked for yet`, EXIT.failed);
    });
}
