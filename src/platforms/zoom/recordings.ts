import { z } from 'zod';
import type { RemoteRecording } from '../source-adapter.js';

// Zoom's cloud-recording listing, reduced to what LEAP keeps: the best file of each meeting and
// whether Zoom is still processing it.

const recordingFileSchema = z.object({
  id: z.string().optional(),
  file_type: z.string().optional(),
  file_extension: z.string().optional(),
  file_size: z.number().optional(),
  recording_type: z.string().optional(),
  status: z.string().optional(),
  download_url: z.string().optional(),
  play_url: z.string().optional(),
  recording_start: z.string().optional(),
  recording_end: z.string().optional(),
});
export type ZoomRecordingFile = z.infer<typeof recordingFileSchema>;

export const meetingSchema = z.object({
  uuid: z.string(),
  id: z.union([z.number(), z.string()]).optional(),
  topic: z.string().optional(),
  start_time: z.string(),
  /** Minutes. */
  duration: z.number().optional(),
  total_size: z.number().optional(),
  host_id: z.string().optional(),
  share_url: z.string().optional(),
  recording_files: z.array(recordingFileSchema).default([]),
});
export type ZoomMeeting = z.infer<typeof meetingSchema>;

export const recordingsPageSchema = z.object({
  meetings: z.array(meetingSchema).default([]),
  next_page_token: z.string().optional().nullable(),
});

/** Which view of a meeting makes the best lecture video. */
const VIEW_RANK: Record<string, number> = { shared_screen_with_speaker_view: 3, shared_screen: 2, active_speaker: 1 };

const isVideo = (file: ZoomRecordingFile) => file.file_type?.toUpperCase() === 'MP4';
const isAudio = (file: ZoomRecordingFile) => file.file_type?.toUpperCase() === 'M4A';

/** The MP4 to ingest: by view (screen with speaker > screen > speaker), then the larger; M4A only without video. */
export function bestRecordingFile(files: ZoomRecordingFile[]): ZoomRecordingFile | null {
  const videos = files.filter(isVideo);
  const candidates = videos.length > 0 ? videos : files.filter(isAudio);
  return (
    [...candidates].sort((a, b) => (VIEW_RANK[b.recording_type ?? ''] ?? 0) - (VIEW_RANK[a.recording_type ?? ''] ?? 0) || (b.file_size ?? 0) - (a.file_size ?? 0))[0] ??
    null
  );
}

/** A meeting as a remote recording, or null when it has no video or audio file at all. */
export function toRemoteRecording(meeting: ZoomMeeting): RemoteRecording | null {
  const file = bestRecordingFile(meeting.recording_files);
  const stillProcessing = meeting.recording_files.some((f) => f.status?.toLowerCase() === 'processing');
  if (!file && !stillProcessing) return null;
  const processing = !file || file.status?.toLowerCase() !== 'completed' || !file.download_url;
  const extension = (file?.file_extension ?? file?.file_type ?? 'mp4').toLowerCase();
  return {
    sourceKey: `${meeting.uuid}@${meeting.start_time}`,
    aliasKeys: [],
    displayName: meeting.topic?.trim() || `Zoom meeting ${meeting.id ?? meeting.uuid}`,
    startTime: new Date(meeting.start_time),
    durationSec: meeting.duration !== undefined ? meeting.duration * 60 : null,
    sizeBytes: file?.file_size ?? null,
    processing,
    meta: {
      meetingUuid: meeting.uuid,
      meetingId: meeting.id !== undefined ? String(meeting.id) : null,
      topic: meeting.topic ?? null,
      hostId: meeting.host_id ?? null,
      shareUrl: meeting.share_url ?? null,
      totalSize: meeting.total_size ?? null,
      fileId: file?.id ?? null,
      recordingType: file?.recording_type ?? null,
      fileType: file?.file_type ?? null,
      extension: extension === 'm4a' ? 'm4a' : 'mp4',
      fileSize: file?.file_size ?? null,
      downloadUrl: file?.download_url ?? null,
      playUrl: file?.play_url ?? null,
    },
  };
}

const DAY_MS = 24 * 3600 * 1000;
/** Zoom answers at most one month per listing call. */
export const MAX_WINDOW_DAYS = 30;

const isoDate = (date: Date) => date.toISOString().slice(0, 10);

/** Consecutive inclusive date ranges of ≤ 30 days covering [from, to] (UTC dates, as Zoom reads them). */
export function dateWindows(from: Date, to: Date): Array<{ from: string; to: string }> {
  const windows: Array<{ from: string; to: string }> = [];
  const last = Date.parse(isoDate(to));
  for (let start = Date.parse(isoDate(from)); start <= last; start += MAX_WINDOW_DAYS * DAY_MS) {
    const end = Math.min(start + (MAX_WINDOW_DAYS - 1) * DAY_MS, last);
    windows.push({ from: isoDate(new Date(start)), to: isoDate(new Date(end)) });
  }
  return windows;
}
