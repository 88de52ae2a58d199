// Pure planning of a trim: silence intervals in, kept ranges and the cut list (EDL) out. No ffmpeg here,
// so every rule is unit-tested on numbers (test/media/plan.test.ts).

/** A span of source time in seconds, start < end. */
export interface Interval {
  start: number;
  end: number;
}

export type TrimMode = 'edges' | 'pauses';
export type PausePreset = 'lecture' | 'tight';

/** Opencast-like presets for pause removal: pauses at least `minPauseSec` long shrink to `keepPauseSec`. */
export const PAUSE_PRESETS: Record<PausePreset, { thresholdDb: number; minPauseSec: number; keepPauseSec: number }> = {
  lecture: { thresholdDb: -40, minPauseSec: 10, keepPauseSec: 2 },
  tight: { thresholdDb: -40, minPauseSec: 3, keepPauseSec: 1 },
};

export interface TrimOptions {
  mode?: TrimMode;
  /** Level below which audio counts as silence (dBFS). */
  thresholdDb?: number;
  /** Shortest silence that counts at the edges. */
  minSilenceSec?: number;
  paddingBeforeSec?: number;
  paddingAfterSec?: number;
  /** Pause removal preset; explicit numbers below override it. */
  preset?: PausePreset;
  minPauseSec?: number;
  keepPauseSec?: number;
  /** Transcript words (source time); a cut never lands inside one. */
  words?: Interval[];
}

export interface ResolvedTrimOptions {
  mode: TrimMode;
  thresholdDb: number;
  minSilenceSec: number;
  paddingBeforeSec: number;
  paddingAfterSec: number;
  preset: PausePreset | null;
  minPauseSec: number;
  keepPauseSec: number;
  words: Interval[];
}

/** Defaults as the original LEAP: −40 dB, 2 s, 5 s padding on both sides, mode `edges`. */
export function resolveTrimOptions(options: TrimOptions = {}): ResolvedTrimOptions {
  const mode = options.mode ?? 'edges';
  const preset = mode === 'pauses' ? (options.preset ?? 'lecture') : null;
  const presetValues = preset ? PAUSE_PRESETS[preset] : null;
  return {
    mode,
    thresholdDb: options.thresholdDb ?? presetValues?.thresholdDb ?? -40,
    minSilenceSec: options.minSilenceSec ?? 2,
    paddingBeforeSec: options.paddingBeforeSec ?? 5,
    paddingAfterSec: options.paddingAfterSec ?? 5,
    preset,
    minPauseSec: options.minPauseSec ?? presetValues?.minPauseSec ?? Number.POSITIVE_INFINITY,
    keepPauseSec: options.keepPauseSec ?? presetValues?.keepPauseSec ?? 0,
    words: options.words ?? [],
  };
}

/** The shortest silence the analysis must report for these options. */
export function analysisMinSilence(options: ResolvedTrimOptions): number {
  return options.mode === 'pauses' ? Math.min(options.minSilenceSec, options.minPauseSec) : options.minSilenceSec;
}

/** A silence touching the start or end within this many seconds counts as leading or trailing. */
const EDGE_TOLERANCE_SEC = 0.1;
/** Windows and cuts shorter than this are not worth a cut. */
const MIN_CUT_SEC = 0.5;
/** A trim that removes less than this in total leaves the source as it is. */
const MIN_SAVING_SEC = 0.5;

export type SoundBounds =
  | { kind: 'sound'; firstSoundSec: number; lastSoundSec: number }
  /** No silence of the minimum length anywhere: nothing to trim. */
  | { kind: 'continuous' }
  /** Silence from start to end: nothing worth keeping can be told apart, so nothing is trimmed. */
  | { kind: 'silent' };

/** Where sound begins and ends (the original's audio detector rules, with the all-silent case fixed). */
export function soundBounds(silences: readonly Interval[], durationSec: number): SoundBounds {
  if (silences.length === 0) return { kind: 'continuous' };
  const first = silences[0]!;
  const last = silences[silences.length - 1]!;
  const leading = first.start <= EDGE_TOLERANCE_SEC;
  const trailing = last.end >= durationSec - EDGE_TOLERANCE_SEC;
  if (leading && trailing && silences.length === 1) return { kind: 'silent' };
  return {
    kind: 'sound',
    firstSoundSec: leading ? first.end : 0,
    lastSoundSec: trailing ? last.start : durationSec,
  };
}

/** [first sound − padding, last sound + padding] within the file, or null when nothing is trimmed. */
export function edgeWindow(bounds: SoundBounds, durationSec: number, options: Pick<ResolvedTrimOptions, 'paddingBeforeSec' | 'paddingAfterSec'>): Interval | null {
  if (bounds.kind !== 'sound') return null;
  const start = Math.max(0, bounds.firstSoundSec - options.paddingBeforeSec);
  const end = Math.min(durationSec, bounds.lastSoundSec + options.paddingAfterSec);
  if (!(end - start >= MIN_CUT_SEC)) return null;
  if (start + (durationSec - end) < MIN_SAVING_SEC) return null;
  return { start, end };
}

/** `from` minus every interval in `remove` (both sorted or not), as sorted disjoint intervals. */
export function subtractIntervals(from: readonly Interval[], remove: readonly Interval[]): Interval[] {
  const cuts = [...remove].filter((r) => r.end > r.start).sort((a, b) => a.start - b.start);
  const result: Interval[] = [];
  for (const range of [...from].sort((a, b) => a.start - b.start)) {
    let cursor = range.start;
    for (const cut of cuts) {
      if (cut.end <= cursor || cut.start >= range.end) continue;
      if (cut.start > cursor) result.push({ start: cursor, end: cut.start });
      cursor = Math.max(cursor, cut.end);
      if (cursor >= range.end) break;
    }
    if (cursor < range.end) result.push({ start: cursor, end: range.end });
  }
  return result;
}

/**
 * Kept ranges of a trim, in source time, or null when the source is kept whole.
 * `edges`: one range around the sound. `pauses`: that range minus every inner pause of at least
 * `minPauseSec`, each shrunk to `keepPauseSec` (half kept on each side), never cutting into a word.
 */
export function planKeptRanges(silences: readonly Interval[], durationSec: number, options: ResolvedTrimOptions): Interval[] | null {
  const bounds = soundBounds(silences, durationSec);
  if (bounds.kind !== 'sound') return null;
  const window = edgeWindow(bounds, durationSec, options) ?? { start: 0, end: durationSec };
  if (options.mode === 'edges') {
    return window.start === 0 && window.end === durationSec ? null : [window];
  }
  const half = options.keepPauseSec / 2;
  const pauseCuts = silences
    .filter((s) => s.start > EDGE_TOLERANCE_SEC && s.end < durationSec - EDGE_TOLERANCE_SEC)
    .filter((s) => s.end - s.start >= options.minPauseSec)
    .map((s) => ({ start: s.start + half, end: s.end - half }));
  const cuts = subtractIntervals(pauseCuts, options.words).filter((c) => c.end - c.start >= MIN_CUT_SEC);
  const kept = subtractIntervals([window], cuts);
  const removed = durationSec - totalDuration(kept);
  return removed < MIN_SAVING_SEC || kept.length === 0 ? null : kept.map(roundInterval);
}

const roundInterval = (i: Interval): Interval => ({ start: round3(i.start), end: round3(i.end) });
const round3 = (n: number) => Math.round(n * 1000) / 1000;

export function totalDuration(ranges: readonly Interval[]): number {
  return ranges.reduce((sum, r) => sum + (r.end - r.start), 0);
}

/** The cut list of a trim, stored as `edl.json` and on the recording. Times are in source seconds. */
export interface Edl {
  version: 1;
  mode: TrimMode | 'none';
  sourceDurationSec: number;
  outputDurationSec: number;
  /** Kept ranges of the source, in order; the output plays them back to back. */
  kept: Array<[number, number]>;
  params: {
    thresholdDb: number;
    minSilenceSec: number;
    paddingBeforeSec: number;
    paddingAfterSec: number;
    preset: PausePreset | null;
    minPauseSec: number | null;
    keepPauseSec: number | null;
  };
  /** Silences found by the analysis (source time), for inspection and re-planning. */
  silences: Array<[number, number]>;
}

export function buildEdl(
  options: ResolvedTrimOptions,
  sourceDurationSec: number,
  kept: readonly Interval[] | null,
  silences: readonly Interval[],
  outputDurationSec?: number,
): Edl {
  const ranges = kept ?? [{ start: 0, end: sourceDurationSec }];
  return {
    version: 1,
    mode: kept ? options.mode : 'none',
    sourceDurationSec: round3(sourceDurationSec),
    outputDurationSec: round3(outputDurationSec ?? totalDuration(ranges)),
    kept: ranges.map((r) => [round3(r.start), round3(r.end)]),
    params: {
      thresholdDb: options.thresholdDb,
      minSilenceSec: options.minSilenceSec,
      paddingBeforeSec: options.paddingBeforeSec,
      paddingAfterSec: options.paddingAfterSec,
      preset: options.preset,
      minPauseSec: Number.isFinite(options.minPauseSec) ? options.minPauseSec : null,
      keepPauseSec: options.mode === 'pauses' ? options.keepPauseSec : null,
    },
    silences: silences.map((s) => [round3(s.start), round3(s.end)]),
  };
}

/** Output (trimmed) time of a source time; a time inside a removed part maps to where the cut is. */
export function sourceToOutputTime(edl: Pick<Edl, 'kept'>, sourceSec: number): number {
  let offset = 0;
  for (const [start, end] of edl.kept) {
    if (sourceSec < start) return offset;
    if (sourceSec <= end) return offset + (sourceSec - start);
    offset += end - start;
  }
  return offset;
}

/** Source time of an output (trimmed) time, e.g. a subtitle cue or a topic start. */
export function outputToSourceTime(edl: Pick<Edl, 'kept'>, outputSec: number): number {
  let offset = 0;
  let lastEnd = 0;
  for (const [start, end] of edl.kept) {
    const length = end - start;
    if (outputSec <= offset + length) return start + Math.max(0, outputSec - offset);
    offset += length;
    lastEnd = end;
  }
  return lastEnd;
}
