import { writeFile, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  analyzeSilence,
  extractAsrAudio,
  extractPoster,
  findIntegrityProblems,
  planKeptRanges,
  probeMedia,
  removePauses,
  resolveTrimOptions,
  sourceToOutputTime,
  trimEdges,
  type Interval,
  type MediaProgress,
} from '../../src/media/index.js';
import type { SynthAudioCodec, SynthSpec } from '../../src/media/synth.js';
import { LECTURE_SOUND, maxBoundaryGap, mediaScratch, silencesAndBlackouts } from '../support/media.js';

let scratch: Awaited<ReturnType<typeof mediaScratch>>;
beforeAll(async () => {
  scratch = await mediaScratch('media');
});
afterAll(() => scratch.cleanup());

const flashVideo = (codec: 'h264' | 'vp8' | 'vp9' | 'mpeg4', audio: SynthAudioCodec, muxer: string): SynthSpec => ({
  durationSec: 50,
  sound: LECTURE_SOUND,
  video: { codec, picture: 'flash', fps: 25, keyframeSec: 4 },
  audio: { codec: audio },
  muxer,
});

const near = (actual: number, expected: number, tolerance = 0.1) => expect(Math.abs(actual - expected), `${actual} ≈ ${expected}`).toBeLessThanOrEqual(tolerance);

/** Progress listener that checks fractions only grow and end at 1. */
function progressProbe() {
  const seen: number[] = [];
  return {
    listener: (p: MediaProgress) => seen.push(p.fraction),
    check() {
      expect(seen.length).toBeGreaterThan(0);
      expect(seen.at(-1)).toBe(1);
      for (let i = 1; i < seen.length; i++) expect(seen[i]!).toBeGreaterThanOrEqual(seen[i - 1]!);
    },
  };
}

describe('probe', () => {
  it('reports duration, codecs, resolution and size', async () => {
    const file = await scratch.make('probe.mp4', flashVideo('h264', 'aac', 'mp4'));
    const info = await probeMedia(file);
    expect(info).toMatchObject({
      video: { codec: 'h264', width: 320, height: 180, fps: 25 },
      audio: { codec: 'aac', sampleRate: 48000, channels: 1 },
    });
    near(info.durationSec, 50, 0.05);
    expect(info.sizeBytes).toBe((await readFile(file)).length);
    expect(await findIntegrityProblems(file, info)).toEqual([]);
  });

  it('sees audio-only files as audio-only', async () => {
    const file = await scratch.make('probe.m4a', { durationSec: 5, sound: 'always', audio: { codec: 'aac' }, muxer: 'ipod' });
    expect(await probeMedia(file)).toMatchObject({ video: null, audio: { codec: 'aac' } });
  });

  it('finds truncation and corruption that the header hides', async () => {
    const file = await scratch.make('whole.webm', { ...flashVideo('vp8', 'opus', 'webm'), durationSec: 10, sound: 'always' });
    const bytes = await readFile(file);
    const truncated = path.join(scratch.dir, 'truncated.webm');
    await writeFile(truncated, bytes.subarray(0, Math.floor(bytes.length / 2)));
    expect((await findIntegrityProblems(truncated, await probeMedia(truncated))).join()).toMatch(/truncated/);
  });
});

describe('silence analysis', () => {
  it('finds the silences of the audio stream with progress', async () => {
    const file = await scratch.make('analysis.mp4', flashVideo('h264', 'aac', 'mp4'));
    const info = await probeMedia(file);
    const progress = progressProbe();
    const { silences } = await analyzeSilence(file, info, { thresholdDb: -40, minSilenceSec: 2, onProgress: progress.listener });
    const expected: Interval[] = [{ start: 0, end: 6 }, { start: 14, end: 26 }, { start: 32, end: 35 }, { start: 42, end: 50 }];
    expect(maxBoundaryGap(silences, expected)).toBeLessThan(0.05);
    progress.check();
    // Shorter than the minimum: the 3 s pause disappears at d=4.
    const longer = await analyzeSilence(file, info, { thresholdDb: -40, minSilenceSec: 4 });
    expect(longer.silences).toHaveLength(3);
  });
});

describe('edge trim (stream copy)', () => {
  const cases: Array<[string, SynthSpec, string]> = [
    ['mp4 (h264/aac)', flashVideo('h264', 'aac', 'mp4'), 'mp4'],
    ['mov (h264/aac)', flashVideo('h264', 'aac', 'mov'), 'mp4'],
    ['webm (vp8/opus)', flashVideo('vp8', 'opus', 'webm'), 'webm'],
    ['mkv (h264/opus)', flashVideo('h264', 'opus', 'matroska'), 'mkv'],
    ['mkv (vp9/vorbis)', flashVideo('vp9', 'vorbis', 'matroska'), 'webm'],
  ];

  it.each(cases)('%s: keeps first sound − 5 s … last sound + 5 s, container from codecs, A/V in sync', async (label, spec, ext) => {
    const source = await scratch.make(`edges-src-${label.replace(/\W+/g, '-')}`, spec);
    const info = await probeMedia(source);
    const { silences } = await analyzeSilence(source, info, { thresholdDb: -40, minSilenceSec: 2 });
    const kept = planKeptRanges(silences, info.durationSec, resolveTrimOptions());
    expect(kept).toHaveLength(1);
    near(kept![0]!.start, 1, 0.05);
    near(kept![0]!.end, 47, 0.05);

    const progress = progressProbe();
    const result = await trimEdges(source, info, kept![0]!, path.join(scratch.dir, `edges-out-${label.replace(/\W+/g, '-')}`), { onProgress: progress.listener });
    progress.check();
    expect(result.container.ext).toBe(ext);
    // Keyframes every 4 s: the cut starts at the keyframe at or before 1 s, i.e. 0.
    near(result.kept[0]!.start, 0, 0.05);
    const out = await probeMedia(result.file);
    near(out.durationSec, 47 - result.kept[0]!.start, 0.15);
    expect(out.video?.codec).toBe(info.video?.codec);
    expect(out.audio?.codec).toBe(info.audio?.codec);

    const measured = await silencesAndBlackouts(result.file, out.durationSec);
    const start = result.kept[0]!.start;
    // Sound starts at 6 s of the source: at 6 − start in the output, in picture and in sound alike.
    near(measured.silences[0]!.end, 6 - start, 0.08);
    near(measured.blackouts[0]!.end, 6 - start, 0.08);
    expect(maxBoundaryGap(measured.silences.slice(0, 3), measured.blackouts.slice(0, 3))).toBeLessThanOrEqual(0.1);
  });

  it('starts at the keyframe before the window, never after it', async () => {
    const source = await scratch.make('edges-gop.mp4', { ...flashVideo('h264', 'aac', 'mp4'), video: { codec: 'h264', picture: 'flash', keyframeSec: 3 } });
    const info = await probeMedia(source);
    const result = await trimEdges(source, info, { start: 7.5, end: 40 }, path.join(scratch.dir, 'edges-gop-out'));
    near(result.kept[0]!.start, 6, 0.05);
    const measured = await silencesAndBlackouts(result.file, 34);
    // Sound at 6 s of the source is the very start of the output, in both streams.
    expect(measured.silences[0]?.start ?? 99).toBeGreaterThan(1);
    expect(measured.blackouts[0]?.start ?? 99).toBeGreaterThan(1);
    near(measured.silences[0]!.start, 14 - 6, 0.08);
    near(measured.blackouts[0]!.start, 14 - 6, 0.08);
  });

  it('does nothing for a recording without silence', async () => {
    const file = await scratch.make('continuous.mp4', { ...flashVideo('h264', 'aac', 'mp4'), sound: 'always', durationSec: 20 });
    const info = await probeMedia(file);
    const { silences } = await analyzeSilence(file, info, { thresholdDb: -40, minSilenceSec: 2 });
    expect(silences).toEqual([]);
    expect(planKeptRanges(silences, info.durationSec, resolveTrimOptions())).toBeNull();
    expect(planKeptRanges(silences, info.durationSec, resolveTrimOptions({ mode: 'pauses' }))).toBeNull();
  });

  it.each([
    ['m4a', { codec: 'aac' as const }, 'ipod', 'm4a'],
    ['mp3', { codec: 'mp3' as const }, 'mp3', 'mp3'],
    ['wav', { codec: 'pcm_s16le' as const }, 'wav', 'wav'],
  ])('trims audio-only %s into its own container', async (name, audio, muxer, ext) => {
    const file = await scratch.make(`audio-only.${name}`, { durationSec: 50, sound: LECTURE_SOUND, audio, muxer });
    const info = await probeMedia(file);
    const { silences } = await analyzeSilence(file, info, { thresholdDb: -40, minSilenceSec: 2 });
    const kept = planKeptRanges(silences, info.durationSec, resolveTrimOptions())!;
    const result = await trimEdges(file, info, kept[0]!, path.join(scratch.dir, `audio-edges-${name}`));
    expect(result.container.ext).toBe(ext);
    near(result.kept[0]!.start, 1, 0.05);
    near((await probeMedia(result.file)).durationSec, 46, 0.15);
  });
});

describe('pause removal', () => {
  it('removes inner pauses and keeps audio and video in sync across every cut', async () => {
    const source = await scratch.make('pauses.webm', flashVideo('vp8', 'opus', 'webm'));
    const info = await probeMedia(source);
    const options = resolveTrimOptions({ mode: 'pauses', preset: 'tight' });
    const { silences } = await analyzeSilence(source, info, { thresholdDb: -40, minSilenceSec: 2 });
    const kept = planKeptRanges(silences, info.durationSec, options)!;
    expect(kept).toHaveLength(3);
    const progress = progressProbe();
    const result = await removePauses(source, info, kept, path.join(scratch.dir, 'pauses-out'), { onProgress: progress.listener });
    progress.check();
    expect(result.container.ext).toBe('mp4');
    const out = await probeMedia(result.file);
    expect(out).toMatchObject({ video: { codec: 'h264' }, audio: { codec: 'aac' } });
    const expectedDuration = kept.reduce((sum, k) => sum + k.end - k.start, 0);
    near(out.durationSec, expectedDuration, 0.15);

    const measured = await silencesAndBlackouts(result.file, out.durationSec);
    // Sound (and the white picture) where the EDL says each sound interval of the source went.
    const edl = { kept: kept.map((k) => [k.start, k.end] as [number, number]) };
    const expectedSound = LECTURE_SOUND.map((s) => ({ start: sourceToOutputTime(edl, s.start), end: sourceToOutputTime(edl, s.end) }));
    const soundFromSilences = (gaps: Interval[]) => gaps.slice(0, -1).map((g, i) => ({ start: g.end, end: gaps[i + 1]!.start }));
    expect(maxBoundaryGap(soundFromSilences(measured.silences), expectedSound)).toBeLessThanOrEqual(0.1);
    expect(maxBoundaryGap(soundFromSilences(measured.blackouts), expectedSound)).toBeLessThanOrEqual(0.1);
  });

  it('removes pauses from audio-only input', async () => {
    const file = await scratch.make('pauses.wav', { durationSec: 50, sound: LECTURE_SOUND, audio: { codec: 'pcm_s16le' }, muxer: 'wav' });
    const info = await probeMedia(file);
    const { silences } = await analyzeSilence(file, info, { thresholdDb: -40, minSilenceSec: 2 });
    const kept = planKeptRanges(silences, info.durationSec, resolveTrimOptions({ mode: 'pauses', preset: 'lecture' }))!;
    expect(kept).toEqual([{ start: 1, end: 15 }, { start: 25, end: 47 }]);
    const result = await removePauses(file, info, kept, path.join(scratch.dir, 'pauses-audio'));
    expect(result.container.ext).toBe('m4a');
    const out = await probeMedia(result.file);
    expect(out.video).toBeNull();
    near(out.durationSec, 36, 0.1);
  });
});

describe('ASR audio and poster', () => {
  it('extracts mono 16 kHz Opus audio', async () => {
    const file = await scratch.make('asr.mkv', flashVideo('h264', 'aac', 'matroska'));
    const info = await probeMedia(file);
    const out = path.join(scratch.dir, 'asr.ogg');
    const progress = progressProbe();
    await extractAsrAudio(file, info, out, { onProgress: progress.listener });
    progress.check();
    const audio = await probeMedia(out);
    expect(audio).toMatchObject({ video: null, audio: { codec: 'opus', channels: 1 } });
    expect(audio.formatName).toBe('ogg');
    near(audio.durationSec, 50, 0.1);
    // 24 kbit/s: about 3 KB per second, far below the source.
    expect(audio.sizeBytes).toBeLessThan(50 * 4000);
  });

  it('takes a 640 px poster frame, and none from audio', async () => {
    const file = await scratch.make('poster.mp4', { ...flashVideo('h264', 'aac', 'mp4'), durationSec: 8, video: { codec: 'h264', picture: 'pattern', width: 1280, height: 720 } });
    const info = await probeMedia(file);
    const out = path.join(scratch.dir, 'poster.jpg');
    expect(await extractPoster(file, info, out)).toBe(true);
    const poster = await probeMedia(out);
    expect(poster.video).toMatchObject({ codec: 'mjpeg', width: 640, height: 360 });
    expect(await extractPoster(file, { ...info, video: null }, out)).toBe(false);
  });
});
