import type { Prisma } from '../../generated/prisma/client.js';
import { isPlainObject } from '../config/merge.js';
import { formatTimestamp } from '../metadata/display.js';

// What one exported recording holds, per verbosity (inventory §11 `POST /recordings/export`,
// verbosity short|long): JSON keeps lists as lists; CSV and XLSX get one cell per column.

export type ExportFormat = 'JSON' | 'CSV' | 'XLSX';
export type ExportVerbosity = 'SUMMARY' | 'FULL';

export type Cell = string | number | boolean | Date | null;

export interface ExportTopic {
  title: string;
  startSec: number | null;
}

export interface ExportTarget {
  platform: string;
  preset: string | null;
  status: string;
  url: string | null;
  uploadedAt: Date | null;
}

export interface ExportRecord {
  id: string;
  name: string;
  status: string;
  sourceType: string;
  template: string | null;
  recordedAt: Date | null;
  durationSec: number | null;
  trimmedDurationSec: number | null;
  createdAt: Date;
  updatedAt: Date;
  failed?: boolean;
  failedStage?: string | null;
  failedReason?: string | null;
  sizeBytes?: number | null;
  summary?: string;
  mainTopic?: string;
  topics?: ExportTopic[];
  questions?: string[];
  targets?: ExportTarget[];
}

export interface ExportColumn {
  key: keyof ExportRecord;
  header: string;
  width: number;
}

const SUMMARY_COLUMNS: ExportColumn[] = [
  { key: 'id', header: 'id', width: 40 },
  { key: 'name', header: 'name', width: 40 },
  { key: 'status', header: 'status', width: 14 },
  { key: 'sourceType', header: 'source_type', width: 12 },
  { key: 'template', header: 'template', width: 24 },
  { key: 'recordedAt', header: 'recorded_at', width: 22 },
  { key: 'durationSec', header: 'duration_sec', width: 12 },
  { key: 'trimmedDurationSec', header: 'trimmed_duration_sec', width: 12 },
  { key: 'createdAt', header: 'created_at', width: 22 },
  { key: 'updatedAt', header: 'updated_at', width: 22 },
];

const FULL_COLUMNS: ExportColumn[] = [
  ...SUMMARY_COLUMNS,
  { key: 'failed', header: 'failed', width: 8 },
  { key: 'failedStage', header: 'failed_stage', width: 14 },
  { key: 'failedReason', header: 'failed_reason', width: 30 },
  { key: 'sizeBytes', header: 'size_bytes', width: 14 },
  { key: 'summary', header: 'summary', width: 60 },
  { key: 'mainTopic', header: 'main_topic', width: 30 },
  { key: 'topics', header: 'topics', width: 60 },
  { key: 'questions', header: 'questions', width: 60 },
  { key: 'targets', header: 'targets', width: 60 },
];

export const columnsFor = (verbosity: ExportVerbosity): ExportColumn[] => (verbosity === 'FULL' ? FULL_COLUMNS : SUMMARY_COLUMNS);

const SUMMARY_INCLUDE = { template: { select: { name: true } } } satisfies Prisma.RecordingInclude;
const FULL_INCLUDE = {
  ...SUMMARY_INCLUDE,
  topicVersions: { where: { isActive: true }, orderBy: { version: 'desc' }, take: 1 },
  outputTargets: { orderBy: { createdAt: 'asc' }, include: { preset: { select: { name: true } } } },
} satisfies Prisma.RecordingInclude;

/** The Prisma include each verbosity needs. */
export const exportInclude = (verbosity: ExportVerbosity) => (verbosity === 'FULL' ? FULL_INCLUDE : SUMMARY_INCLUDE);

type SummaryRow = Prisma.RecordingGetPayload<{ include: typeof SUMMARY_INCLUDE }>;
type FullRow = Prisma.RecordingGetPayload<{ include: typeof FULL_INCLUDE }>;

const globalId = (id: string) => Buffer.from(`Recording:${id}`).toString('base64');

export function toExportRecord(row: SummaryRow | FullRow, verbosity: ExportVerbosity): ExportRecord {
  const record: ExportRecord = {
    id: globalId(row.id),
    name: row.displayName,
    status: row.status,
    sourceType: row.sourceType,
    template: row.template?.name ?? null,
    recordedAt: row.startTime,
    durationSec: row.durationSec,
    trimmedDurationSec: row.trimmedDurationSec,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
  if (verbosity !== 'FULL' || !('outputTargets' in row)) return record;
  const version = row.topicVersions[0];
  return {
    ...record,
    failed: row.failed,
    failedStage: row.failedStage,
    failedReason: row.failedReason,
    sizeBytes: row.sizeBytes === null ? null : Number(row.sizeBytes),
    summary: version?.summary ?? '',
    mainTopic: version?.mainTopic ?? '',
    topics: Array.isArray(version?.topics)
      ? version.topics.flatMap((t): ExportTopic[] => (isPlainObject(t) && typeof t.title === 'string' ? [{ title: t.title, startSec: typeof t.start === 'number' ? t.start : null }] : []))
      : [],
    questions: Array.isArray(version?.questions) ? version.questions.filter((q): q is string => typeof q === 'string') : [],
    targets: row.outputTargets.map((t) => ({ platform: t.platform, preset: t.preset?.name ?? null, status: t.status, url: t.url, uploadedAt: t.uploadedAt })),
  };
}

/** One cell of a tabular export: lists become lines. */
export function cellOf(record: ExportRecord, key: keyof ExportRecord): Cell {
  const value = record[key];
  if (value === undefined) return null;
  if (key === 'topics') return (value as ExportTopic[]).map((t) => (t.startSec === null ? t.title : `${formatTimestamp(t.startSec)} — ${t.title}`)).join('\n');
  if (key === 'questions') return (value as string[]).join('\n');
  if (key === 'targets') {
    return (value as ExportTarget[]).map((t) => `${t.platform}${t.preset ? ` (${t.preset})` : ''}: ${t.status}${t.url ? ` ${t.url}` : ''}`).join('\n');
  }
  return value as Cell;
}
