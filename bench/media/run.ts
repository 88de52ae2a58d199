// Media benchmarks (SPEC §11), on a generated 60-minute lecture-like recording:
//   (a) silence analysis time ÷ a bare ffmpeg decode of the same audio        target ≤ 1.25
//   (b) edge trim time ÷ a bare `ffmpeg -c copy` of the same span             target ≤ 1.5
//   (c) pause removal (preset lecture): time and output duration
// Usage: npm run bench:media [-- --runs 3] [-- --skip-pauses] [-- --minutes 60]
// The source is generated once into var/bench/media and reused (about 2 minutes on 2 cores).
import { existsSync } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import {
  analyzeSilence,
  extractAsrAudio,
  planKeptRanges,
  probeMedia,
  removePauses,
  resolveTrimOptions,
  runFfmpeg,
  totalDuration,
  trimEdges,
  type MediaInfo,
} from '../../src/media/index.js';
import { synthesizeMedia } from '../../src/media/synth.js';

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    minutes: { type: 'string', default: '60' },
    'skip-pauses': { type: 'boolean', default: false },
  },
});
const runs = Math.max(1, Number(args.runs));
const minutes = Math.max(10, Number(args.minutes));
const durationSec = minutes * 60;
const dir = path.resolve('var/bench/media');
const source = path.join(dir, `lecture-${minutes}min.mp4`);

/**
 * A lecture: 2.5 min of silence before the speaker starts and 5 min after they stop; in between a
 * 5-minute pattern of talk with one 12 s pause (removed by `lecture`) and one 3.5 s pause (kept by
 * `lecture`, removed by `tight`). Video: 1280×720, 25 fps, a keyframe every 5 s (like a screen share).
 */
const LECTURE_SOUND = `between(t,150,${durationSec - 300})*(lt(mod(t,300),170)+between(mod(t,300),182,240)+gt(mod(t,300),243.5))`;

async function generateSource(): Promise<void> {
  if (existsSync(source)) return;
  await mkdir(dir, { recursive: true });
  const started = performance.now();
  const period = path.join(dir, 'period-video.mp4');
  console.log(`generating a ${minutes}-minute lecture in ${path.relative(process.cwd(), source)} (once) …`);
  await synthesizeMedia(period, {
    durationSec: 300,
    sound: 'always',
    video: { codec: 'h264', picture: 'pattern', width: 1280, height: 720, fps: 25, keyframeSec: 5 },
    audio: null,
    muxer: 'mp4',
  });
  const tone = `${LECTURE_SOUND}*0.3*sin(2*PI*220*t)*(0.6+0.4*sin(2*PI*3*t))+0.0008*sin(2*PI*50*t)`;
  const partial = `${source}.partial.mp4`;
  await runFfmpeg([
    '-stream_loop', '-1', '-i', period,
    '-f', 'lavfi', '-i', `aevalsrc='${tone}':s=48000:c=mono:d=${durationSec}`,
    '-map', '0:v', '-map', '1:a',
    '-c:v', 'copy', '-c:a', 'aac', '-b:a', '96k',
    '-t', String(durationSec), '-movflags', '+faststart',
    partial,
  ]);
  await runFfmpeg(['-i', partial, '-c', 'copy', '-f', 'mp4', source]);
  await rm(partial, { force: true });
  await rm(period, { force: true });
  console.log(`  done in ${seconds(performance.now() - started)}`);
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function timed(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

/** Runs the two commands alternately `runs` times; returns the median of each. */
async function compare(baseline: () => Promise<unknown>, candidate: () => Promise<unknown>): Promise<{ baseline: number; candidate: number }> {
  const base: number[] = [];
  const cand: number[] = [];
  for (let i = 0; i < runs; i++) {
    base.push(await timed(baseline));
    cand.push(await timed(candidate));
  }
  return { baseline: median(base), candidate: median(cand) };
}

function verdict(ratio: number, target: number): string {
  return ratio <= target ? `PASS (target ≤ ${target})` : `FAIL (target ≤ ${target})`;
}

async function main(): Promise<void> {
  await generateSource();
  const info: MediaInfo = await probeMedia(source);
  const size = (await stat(source)).size;
  console.log(`\nsource: ${minutes} min, ${(size / 1024 ** 2).toFixed(0)} MiB, ${info.video?.codec} ${info.video?.width}x${info.video?.height} @ ${info.video?.fps} fps + ${info.audio?.codec} ${info.audio?.sampleRate} Hz; medians of ${runs} runs\n`);
  const audioIndex = info.audio!.index;
  const videoIndex = info.video!.index;
  const out = (name: string) => path.join(dir, name);

  // Warm the page cache so the first timed run is not a disk read.
  await runFfmpeg(['-i', source, '-map', `0:${audioIndex}`, '-c', 'copy', '-f', 'null', '-']);

  // (a) silence analysis vs a bare decode of the same audio.
  let silences: Awaited<ReturnType<typeof analyzeSilence>>['silences'] = [];
  const analysis = await compare(
    () => runFfmpeg(['-i', source, '-map', `0:${audioIndex}`, '-f', 'null', '-']),
    async () => {
      silences = (await analyzeSilence(source, info, { thresholdDb: -40, minSilenceSec: 2 })).silences;
    },
  );
  const ratioA = analysis.candidate / analysis.baseline;
  console.log('(a) silence analysis (silencedetect −40 dB / 2 s, audio stream only)');
  console.log(`    bare decode  ffmpeg -i src -map 0:a -f null -   ${seconds(analysis.baseline)}`);
  console.log(`    analyzeSilence                                  ${seconds(analysis.candidate)}  (${silences.length} silences)`);
  console.log(`    ratio ${ratioA.toFixed(3)}  ${verdict(ratioA, 1.25)}\n`);

  // (b) edge trim vs a bare stream copy of the same span.
  const kept = planKeptRanges(silences, info.durationSec, resolveTrimOptions())!;
  let span = kept[0]!;
  const edges = await compare(
    () =>
      runFfmpeg([
        '-ss', span.start.toFixed(3), '-i', source, '-t', (span.end - span.start).toFixed(3),
        '-map', `0:${videoIndex}`, '-map', `0:${audioIndex}`, '-c', 'copy', out('bare-copy.mp4'),
      ]),
    async () => {
      const result = await trimEdges(source, info, kept[0]!, out('edges'));
      span = result.kept[0]!;
    },
  );
  const ratioB = edges.candidate / edges.baseline;
  console.log(`(b) edge trim: keep ${span.start.toFixed(2)}–${span.end.toFixed(2)} s of ${info.durationSec.toFixed(0)} s (stream copy)`);
  console.log(`    bare copy   ffmpeg -ss S -i src -t D -c copy     ${seconds(edges.baseline)}`);
  console.log(`    trimEdges (keyframe lookup + copy)               ${seconds(edges.candidate)}`);
  console.log(`    ratio ${ratioB.toFixed(3)}  ${verdict(ratioB, 1.5)}\n`);

  // ASR audio of the trimmed file, for reference.
  const asrTime = await timed(() => extractAsrAudio(out('edges.mp4'), { audio: info.audio, durationSec: span.end - span.start }, out('audio.ogg')));
  const asr = await stat(out('audio.ogg'));
  console.log(`    ASR audio (mono 16 kHz Opus 24k) of the trimmed file: ${seconds(asrTime)}, ${(asr.size / 1024 ** 2).toFixed(1)} MiB\n`);

  // (c) pause removal, preset lecture (re-encode).
  if (!args['skip-pauses']) {
    const lecture = resolveTrimOptions({ mode: 'pauses', preset: 'lecture' });
    const pauseSilences = (await analyzeSilence(source, info, { thresholdDb: lecture.thresholdDb, minSilenceSec: 2 })).silences;
    const ranges = planKeptRanges(pauseSilences, info.durationSec, lecture)!;
    let lastLog = 0;
    const pausesTime = await timed(() =>
      removePauses(source, info, ranges, out('pauses'), {
        onProgress: (p) => {
          if (performance.now() - lastLog > 30_000) {
            lastLog = performance.now();
            console.log(`    … ${(p.fraction * 100).toFixed(0)} % (${p.speed ?? '?'}x)`);
          }
        },
      }),
    );
    const result = await probeMedia(out('pauses.mp4'));
    console.log(`(c) pause removal, preset lecture (−40 dB, pauses ≥ 10 s → 2 s; H.264 ${process.env.MEDIA_X264_PRESET ?? 'veryfast'} + AAC)`);
    console.log(`    ${ranges.length} kept ranges, planned ${totalDuration(ranges).toFixed(1)} s of ${info.durationSec.toFixed(1)} s`);
    console.log(`    time ${seconds(pausesTime)} (${(result.durationSec / (pausesTime / 1000)).toFixed(1)}× real time), output duration ${result.durationSec.toFixed(2)} s\n`);
  }

  for (const name of ['bare-copy.mp4', 'edges.mp4', 'audio.ogg', 'pauses.mp4', 'pauses.filtergraph.txt']) await rm(out(name), { force: true });
  const ok = ratioA <= 1.25 && ratioB <= 1.5;
  console.log(ok ? 'targets met' : 'TARGETS MISSED');
  process.exitCode = ok ? 0 : 1;
}

await main();
