import { z } from 'zod';
import { builder } from '../../graphql/builder.js';
import { recordingFileKey } from '../storage/storage.js';
import { SUBTITLE_FILES, transcriptKey } from '../transcripts/transcript-store.js';

// Media facets of a Recording: probe results, the last trim, and download links of its files.

const RecordingFileKindEnum = builder.enumType('RecordingFileKind', {
  values: {
    SOURCE: { description: 'The file as uploaded or downloaded' },
    VIDEO: { description: 'The trimmed video (the source itself when nothing was trimmed)' },
    AUDIO: { description: 'Mono 16 kHz Opus audio of the trimmed video, for transcription' },
    POSTER: { description: 'A 640 px JPEG frame' },
    EDL: { description: 'The cut list of the trim (JSON, kept ranges in source time)' },
    TRANSCRIPT: { description: 'The transcript (JSON: language, duration, words, segments, model, provider)' },
    SUBTITLES_SRT: { description: 'Subtitles in SubRip format, in the time of the trimmed video' },
    SUBTITLES_VTT: { description: 'Subtitles in WebVTT format, in the time of the trimmed video' },
  } as const,
});

interface RecordingFile {
  kind: 'SOURCE' | 'VIDEO' | 'AUDIO' | 'POSTER' | 'EDL' | 'TRANSCRIPT' | 'SUBTITLES_SRT' | 'SUBTITLES_VTT';
  name: string;
  url: string;
  expiresAt: Date;
}

const RecordingFileRef = builder.objectRef<RecordingFile>('RecordingFile').implement({
  description: 'A file of a recording with a time-limited download URL.',
  fields: (t) => ({
    kind: t.field({ type: RecordingFileKindEnum, resolve: (f) => f.kind }),
    name: t.exposeString('name', { description: 'File name in storage, e.g. video.mp4' }),
    url: t.exposeString('url', { description: 'GET this URL (no Authorization header) until expiresAt' }),
    expiresAt: t.expose('expiresAt', { type: 'DateTime' }),
  }),
});

const storedMediaInfo = z.object({
  formatName: z.string(),
  durationSec: z.number(),
  sizeBytes: z.number(),
  bitRate: z.number().nullable(),
  video: z.object({ codec: z.string(), width: z.number(), height: z.number(), fps: z.number().nullable() }).nullable(),
  audio: z.object({ codec: z.string(), sampleRate: z.number(), channels: z.number() }).nullable(),
});
/** The parts of the stored MediaInfo (src/media/probe.ts) the API exposes. */
type StoredMediaInfo = z.infer<typeof storedMediaInfo>;

const MediaProbeRef = builder.objectRef<StoredMediaInfo>('MediaProbe').implement({
  description: 'What ffprobe found in the source file.',
  fields: (t) => ({
    container: t.exposeString('formatName', { description: 'Demuxer names, e.g. "mov,mp4,m4a,3gp,3g2,mj2"' }),
    durationSec: t.exposeFloat('durationSec'),
    sizeBytes: t.exposeFloat('sizeBytes'),
    bitRate: t.exposeInt('bitRate', { nullable: true }),
    videoCodec: t.string({ nullable: true, resolve: (m) => m.video?.codec ?? null }),
    width: t.int({ nullable: true, resolve: (m) => m.video?.width ?? null }),
    height: t.int({ nullable: true, resolve: (m) => m.video?.height ?? null }),
    fps: t.float({ nullable: true, resolve: (m) => m.video?.fps ?? null }),
    audioCodec: t.string({ nullable: true, resolve: (m) => m.audio?.codec ?? null }),
    sampleRate: t.int({ nullable: true, resolve: (m) => m.audio?.sampleRate ?? null }),
    channels: t.int({ nullable: true, resolve: (m) => m.audio?.channels ?? null }),
  }),
});

const storedEdl = z.object({
  mode: z.enum(['edges', 'pauses', 'none']),
  sourceDurationSec: z.number(),
  outputDurationSec: z.number(),
  kept: z.array(z.tuple([z.number(), z.number()])),
  params: z.object({ preset: z.enum(['lecture', 'tight']).nullable() }).passthrough(),
});
/** The parts of the stored Edl (src/media/plan.ts) the API exposes. */
type StoredEdl = z.infer<typeof storedEdl>;

const TrimModeEnum = builder.enumType('TrimMode', {
  values: {
    EDGES: { description: 'Leading and trailing silence removed (stream copy)' },
    PAUSES: { description: 'Inner pauses removed too (re-encoded)' },
    NONE: { description: 'Nothing to trim: the video is the source' },
  } as const,
});

const TimeRangeRef = builder.objectRef<[number, number]>('TimeRange').implement({
  fields: (t) => ({
    startSec: t.float({ resolve: (r) => r[0] }),
    endSec: t.float({ resolve: (r) => r[1] }),
  }),
});

const TrimSummaryRef = builder.objectRef<StoredEdl>('TrimSummary').implement({
  description: 'The last trim: what was kept of the source (the full cut list is the EDL file).',
  fields: (t) => ({
    mode: t.field({ type: TrimModeEnum, resolve: (e) => (e.mode === 'edges' ? 'EDGES' : e.mode === 'pauses' ? 'PAUSES' : 'NONE') }),
    preset: t.string({ nullable: true, resolve: (e) => e.params.preset }),
    keptRanges: t.field({ type: [TimeRangeRef], description: 'In source time', resolve: (e) => e.kept }),
    sourceDurationSec: t.exposeFloat('sourceDurationSec'),
    trimmedDurationSec: t.exposeFloat('outputDurationSec'),
    removedSec: t.float({ resolve: (e) => Math.max(0, Math.round((e.sourceDurationSec - e.outputDurationSec) * 1000) / 1000) }),
  }),
});

const fileName = (key: string) => key.slice(key.lastIndexOf('/') + 1);

builder.prismaObjectFields('Recording', (t) => ({
  checksumSha256: t.exposeString('checksumSha256', { nullable: true, description: 'SHA-256 (hex) of the source file' }),
  probe: t.field({
    type: MediaProbeRef,
    nullable: true,
    description: 'Probe of the source: duration, codecs, size, resolution. Null until a source is probed.',
    select: { mediaInfo: true },
    resolve: (r) => storedMediaInfo.safeParse(r.mediaInfo).data ?? null,
  }),
  trim: t.field({
    type: TrimSummaryRef,
    nullable: true,
    description: 'Null until the recording is trimmed.',
    select: { edl: true },
    resolve: (r) => storedEdl.safeParse(r.edl).data ?? null,
  }),
  files: t.field({
    type: [RecordingFileRef],
    description: 'Download links of the files the recording has so far.',
    select: { sourceFileKey: true, videoFileKey: true, audioFileKey: true, posterFileKey: true, edl: true, tenantId: true, id: true },
    resolve: async (r, _args, ctx) => {
      const keys: Array<[RecordingFile['kind'], string | null]> = [
        ['SOURCE', r.sourceFileKey],
        ['VIDEO', r.videoFileKey],
        ['AUDIO', r.audioFileKey],
        ['POSTER', r.posterFileKey],
        ['EDL', r.edl ? recordingFileKey(r.tenantId, r.id, 'edl.json') : null],
      ];
      // The AI stages' files have fixed names and no column: listed when they exist.
      const generated: Array<[RecordingFile['kind'], string]> = [
        ['TRANSCRIPT', transcriptKey(r.tenantId, r.id)],
        ['SUBTITLES_SRT', recordingFileKey(r.tenantId, r.id, SUBTITLE_FILES.srt)],
        ['SUBTITLES_VTT', recordingFileKey(r.tenantId, r.id, SUBTITLE_FILES.vtt)],
      ];
      const present = await Promise.all(generated.map(([, key]) => ctx.services.storage.exists(key)));
      keys.push(...generated.filter((_, i) => present[i]));
      const files: RecordingFile[] = [];
      for (const [kind, key] of keys) {
        if (!key) continue;
        const { url, expiresAt } = await ctx.services.storage.downloadUrl(key);
        files.push({ kind, name: fileName(key), url: ctx.origin ? new URL(url, ctx.origin).toString() : url, expiresAt });
      }
      return files;
    },
  }),
}));
