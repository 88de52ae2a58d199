import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runFfmpeg } from '../../src/media/ffmpeg.js';
import type { Interval } from '../../src/media/plan.js';
import { parseSilenceLog } from '../../src/media/silence.js';
import { synthesizeMedia, type SynthSpec } from '../../src/media/synth.js';

/** A scratch folder of generated media for one test file. */
export async function mediaScratch(label: string): Promise<{ dir: string; make(name: string, spec: SynthSpec): Promise<string>; cleanup(): Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), `leap-${label}-`));
  return {
    dir,
    async make(name, spec) {
      const file = path.join(dir, name);
      await synthesizeMedia(file, spec);
      return file;
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

/** The lecture shape most tests use: sound 6–14, 26–32, 35–42 of 50 s (silences 0–6, 14–26, 32–35, 42–50). */
export const LECTURE_SOUND: Interval[] = [
  { start: 6, end: 14 },
  { start: 26, end: 32 },
  { start: 35, end: 42 },
];

/**
 * Where a file is silent (audio below −40 dB) and where its picture is black, measured by decoding
 * it. Synthetic "flash" media is white exactly while there is sound, so in a file with audio and video
 * in sync the two lists match.
 */
export async function silencesAndBlackouts(file: string, durationSec: number): Promise<{ silences: Interval[]; blackouts: Interval[] }> {
  const silenceLines: string[] = [];
  const blackouts: Interval[] = [];
  await runFfmpeg(['-i', file, '-vf', 'blackdetect=d=0.3:pix_th=0.1', '-af', 'silencedetect=noise=-40dB:d=0.3', '-f', 'null', '-'], {
    onStderrLine: (line) => {
      if (line.includes('silence_')) silenceLines.push(line);
      const black = /black_start:([\d.]+) black_end:([\d.]+)/.exec(line);
      if (black) blackouts.push({ start: Number(black[1]), end: Number(black[2]) });
    },
  });
  return { silences: parseSilenceLog(silenceLines, durationSec), blackouts };
}

/** Largest distance between matching boundaries of two interval lists of the same length. */
export function maxBoundaryGap(a: Interval[], b: Interval[]): number {
  if (a.length !== b.length) return Number.POSITIVE_INFINITY;
  return Math.max(0, ...a.flatMap((x, i) => [Math.abs(x.start - b[i]!.start), Math.abs(x.end - b[i]!.end)]));
}
