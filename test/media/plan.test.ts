import { describe, expect, it } from 'vitest';
import {
  buildEdl,
  edgeWindow,
  outputToSourceTime,
  planKeptRanges,
  resolveTrimOptions,
  soundBounds,
  sourceToOutputTime,
  subtractIntervals,
  totalDuration,
  type Interval,
} from '../../src/media/plan.js';
import { containerForCodecs, expectedFamily, looksLikeText, sniffMagic } from '../../src/media/formats.js';
import { parseSilenceLog } from '../../src/media/silence.js';
import { pauseFilterGraph } from '../../src/media/trim.js';
import { checkUploadName, displayNameFromFile } from '../../src/modules/recordings/upload-name.js';

const iv = (start: number, end: number): Interval => ({ start, end });

describe('sound bounds (the original audio detector rules)', () => {
  it('finds first and last sound from leading and trailing silences', () => {
    expect(soundBounds([iv(0, 30), iv(100, 112), iv(3500, 3600)], 3600)).toEqual({ kind: 'sound', firstSoundSec: 30, lastSoundSec: 3500 });
  });
  it('treats a file that starts or ends with sound as sound to the edge', () => {
    expect(soundBounds([iv(50, 60)], 100)).toEqual({ kind: 'sound', firstSoundSec: 0, lastSoundSec: 100 });
    expect(soundBounds([iv(0.05, 10)], 100)).toEqual({ kind: 'sound', firstSoundSec: 10, lastSoundSec: 100 });
    expect(soundBounds([iv(90, 99.95)], 100)).toEqual({ kind: 'sound', firstSoundSec: 0, lastSoundSec: 90 });
  });
  it('distinguishes no silence from silence throughout', () => {
    expect(soundBounds([], 100)).toEqual({ kind: 'continuous' });
    expect(soundBounds([iv(0, 100)], 100)).toEqual({ kind: 'silent' });
  });
});

describe('edges mode', () => {
  const options = resolveTrimOptions();
  it('uses the original defaults', () => {
    expect(options).toMatchObject({ mode: 'edges', thresholdDb: -40, minSilenceSec: 2, paddingBeforeSec: 5, paddingAfterSec: 5 });
  });
  it('keeps first sound − 5 s … last sound + 5 s', () => {
    expect(planKeptRanges([iv(0, 30), iv(3500, 3600)], 3600, options)).toEqual([iv(25, 3505)]);
  });
  it('clamps the window to the file', () => {
    expect(edgeWindow({ kind: 'sound', firstSoundSec: 2, lastSoundSec: 98 }, 100, options)).toBeNull();
    expect(planKeptRanges([iv(0, 3), iv(97, 100)], 100, options)).toBeNull();
    expect(planKeptRanges([iv(0, 20)], 100, options)).toEqual([iv(15, 100)]);
  });
  it('does not trim without silence, with silence throughout, or for inner pauses only', () => {
    expect(planKeptRanges([], 100, options)).toBeNull();
    expect(planKeptRanges([iv(0, 100)], 100, options)).toBeNull();
    expect(planKeptRanges([iv(40, 60)], 100, options)).toBeNull();
  });
});

describe('pauses mode', () => {
  const lecture = resolveTrimOptions({ mode: 'pauses', preset: 'lecture' });
  const tight = resolveTrimOptions({ mode: 'pauses', preset: 'tight' });
  const silences = [iv(0, 30), iv(200, 215), iv(400, 404), iv(900, 1000)];

  it('has presets lecture (≥ 10 s, keep 2 s) and tight (shorter)', () => {
    expect(lecture).toMatchObject({ thresholdDb: -40, minPauseSec: 10, keepPauseSec: 2, preset: 'lecture' });
    expect(tight.minPauseSec).toBeLessThan(lecture.minPauseSec);
    expect(resolveTrimOptions({ mode: 'pauses', preset: 'tight', minPauseSec: 7 }).minPauseSec).toBe(7);
  });
  it('removes inner pauses at least the preset long, keeping a little of each', () => {
    expect(planKeptRanges(silences, 1000, lecture)).toEqual([iv(25, 201), iv(214, 905)]);
    expect(planKeptRanges(silences, 1000, tight)).toEqual([iv(25, 200.5), iv(214.5, 400.5), iv(403.5, 905)]);
  });
  it('never cuts inside a known word', () => {
    const words = [iv(205, 205.4), iv(213.6, 214.5)];
    const kept = planKeptRanges(silences, 1000, { ...lecture, words });
    expect(kept).toEqual([iv(25, 201), iv(205, 205.4), iv(213.6, 905)]);
    for (const word of words) expect(kept?.some((k) => k.start <= word.start && k.end >= word.end)).toBe(true);
  });
  it('leaves the file alone when nothing is long enough', () => {
    expect(planKeptRanges([iv(50, 55)], 100, lecture)).toBeNull();
  });
});

describe('intervals and the EDL', () => {
  it('subtracts intervals', () => {
    expect(subtractIntervals([iv(0, 10)], [iv(2, 3), iv(5, 7), iv(9, 12)])).toEqual([iv(0, 2), iv(3, 5), iv(7, 9)]);
    expect(subtractIntervals([iv(0, 10)], [])).toEqual([iv(0, 10)]);
    expect(subtractIntervals([iv(0, 10)], [iv(-1, 11)])).toEqual([]);
  });
  it('maps times between source and output', () => {
    const edl = { kept: [[25, 201], [214, 905]] as Array<[number, number]> };
    expect(sourceToOutputTime(edl, 25)).toBe(0);
    expect(sourceToOutputTime(edl, 100)).toBe(75);
    expect(sourceToOutputTime(edl, 210)).toBe(176);
    expect(sourceToOutputTime(edl, 214)).toBe(176);
    expect(sourceToOutputTime(edl, 300)).toBe(262);
    expect(outputToSourceTime(edl, 0)).toBe(25);
    expect(outputToSourceTime(edl, 262)).toBe(300);
    expect(outputToSourceTime(edl, 10_000)).toBe(905);
  });
  it('records mode, parameters and kept ranges', () => {
    const options = resolveTrimOptions({ mode: 'pauses', preset: 'lecture' });
    const kept = [iv(25, 201), iv(214, 905)];
    const edl = buildEdl(options, 1000, kept, [iv(0, 30)]);
    expect(edl).toMatchObject({ version: 1, mode: 'pauses', sourceDurationSec: 1000, outputDurationSec: totalDuration(kept), kept: [[25, 201], [214, 905]] });
    expect(edl.params).toMatchObject({ preset: 'lecture', minPauseSec: 10, keepPauseSec: 2 });
    expect(buildEdl(resolveTrimOptions(), 100, null, [])).toMatchObject({ mode: 'none', kept: [[0, 100]], outputDurationSec: 100 });
  });
});

describe('silencedetect log', () => {
  it('pairs starts and ends and closes a trailing silence at the end', () => {
    const log = [
      '[silencedetect @ 0x1] silence_start: 0',
      '[silencedetect @ 0x1] silence_end: 8.00002 | silence_duration: 8.00002',
      'size=N/A time=00:00:30.00',
      '[silencedetect @ 0x1] silence_start: 25.5',
    ];
    expect(parseSilenceLog(log, 30)).toEqual([iv(0, 8.00002), iv(25.5, 30)]);
  });
});

describe('formats', () => {
  it('chooses the container from the codecs', () => {
    expect(containerForCodecs('h264', 'aac')).toEqual({ ext: 'mp4', muxer: 'mp4' });
    expect(containerForCodecs('vp9', 'opus').ext).toBe('webm');
    expect(containerForCodecs('h264', 'opus').ext).toBe('mkv');
    expect(containerForCodecs('vp8', 'aac').ext).toBe('mkv');
    expect(containerForCodecs(null, 'aac').ext).toBe('m4a');
    expect(containerForCodecs(null, 'mp3').ext).toBe('mp3');
    expect(containerForCodecs(null, 'pcm_s16le').ext).toBe('wav');
  });
  it('sniffs ISO-BMFF, EBML, WAV and MP3 and spots web pages', () => {
    const bytes = (...parts: Array<string | number[]>) => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p))));
    expect(sniffMagic(bytes([0, 0, 0, 0x20], 'ftypisom'))).toBe('iso-bmff');
    expect(sniffMagic(bytes([0x1a, 0x45, 0xdf, 0xa3, 0x9f]))).toBe('ebml');
    expect(sniffMagic(bytes('RIFF', [1, 2, 3, 4], 'WAVEfmt '))).toBe('wav');
    expect(sniffMagic(bytes('ID3', [4, 0, 0]))).toBe('mp3');
    expect(sniffMagic(bytes([0xff, 0xfb, 0x90, 0x64]))).toBe('mp3');
    expect(sniffMagic(bytes('hello world, this is text'))).toBeNull();
    expect(sniffMagic(bytes('RIFF', [1, 2, 3, 4], 'AVI '))).toBeNull();
    expect(looksLikeText(bytes('  <!DOCTYPE html><html>'))).toBe(true);
    expect(expectedFamily('mov')).toBe('iso-bmff');
    expect(expectedFamily('mkv')).toBe('ebml');
  });
});

describe('upload names', () => {
  it('accepts whitelisted extensions in any case', () => {
    expect(checkUploadName('Лекция 3 (часть 1).MP4')).toEqual({ ok: true, extension: 'mp4', baseName: 'Лекция 3 (часть 1)' });
    for (const ext of ['webm', 'mkv', 'mov', 'm4a', 'mp3', 'wav']) expect(checkUploadName(`a.${ext}`).ok).toBe(true);
  });
  it('refuses other extensions and hostile names', () => {
    for (const name of ['a.exe', 'a.mp4.exe', 'noext', '.mp4', '', '../../etc/passwd.mp4', 'a/b.mp4', 'a\\b.mp4', 'a\u0000.mp4', 'x\u202egpj.mp4', `${'a'.repeat(300)}.mp4`, '..mp4']) {
      expect(checkUploadName(name).ok, name).toBe(false);
    }
  });
  it('makes a display name from the file name', () => {
    expect(displayNameFromFile('  lecture_03__intro  ')).toBe('lecture 03 intro');
    expect(displayNameFromFile('x'.repeat(250))).toHaveLength(200);
  });
});

describe('pause filter graph', () => {
  it('splits, trims each kept range and concatenates audio with video', () => {
    const graph = pauseFilterGraph([iv(1, 2.5), iv(4, 6)], 1, 0);
    expect(graph).toContain('[0:1]split=2[vs0][vs1]');
    expect(graph).toContain('[as1]atrim=start=4.000:end=6.000,asetpts=PTS-STARTPTS[a1]');
    expect(graph).toContain('[v0][a0][v1][a1]concat=n=2:v=1:a=1[v][a]');
    expect(pauseFilterGraph([iv(0, 1)], null, 0)).toContain('[a0]concat=n=1:v=0:a=1[a]');
  });
});
