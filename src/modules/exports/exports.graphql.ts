import { builder } from '../../graphql/builder.js';
import { viewerOf } from '../../graphql/context.js';
import { NotFoundError, ValidationError } from '../../lib/errors.js';
import { RecordingFilter, RecordingNode } from '../recordings/recordings.graphql.js';
import type { ExportResult } from './exports.service.js';

const ExportFormatEnum = builder.enumType('ExportFormat', {
  values: {
    JSON: { description: 'An array of objects; lists (topics, questions, targets) stay lists' },
    CSV: { description: 'UTF-8 with BOM, RFC 4180 quoting, formula-like text prefixed with an apostrophe' },
    XLSX: { description: 'One worksheet, typed cells (dates, numbers)' },
  } as const,
});

const ExportVerbosityEnum = builder.enumType('ExportVerbosity', {
  values: {
    SUMMARY: { description: 'id, name, status, source type, template, dates, durations' },
    FULL: { description: 'SUMMARY + failure, size, summary, main topic, topics, questions, publish targets with links' },
  } as const,
});

const ExportRecordingsInput = builder.inputType('ExportRecordingsInput', {
  fields: (t) => ({
    ids: t.globalIDList({ for: RecordingNode, description: 'These recordings (give ids or filter, not both)' }),
    filter: t.field({ type: RecordingFilter, description: 'Every recording the list filter matches' }),
    format: t.field({ type: ExportFormatEnum, required: true }),
    verbosity: t.field({ type: ExportVerbosityEnum, defaultValue: 'SUMMARY' }),
  }),
});

const RecordingExportRef = builder.objectRef<ExportResult>('RecordingExport').implement({
  description: 'An export file in storage with a time-limited download link.',
  fields: (t) => ({
    key: t.exposeString('key', { description: 'Storage key, under tenants/{tenantId}/exports/' }),
    fileName: t.exposeString('fileName'),
    format: t.field({ type: ExportFormatEnum, resolve: (e) => e.format }),
    rowCount: t.exposeInt('rowCount'),
    sizeBytes: t.exposeInt('sizeBytes'),
    url: t.string({ resolve: (e, _args, ctx) => (ctx.origin ? new URL(e.url, ctx.origin).toString() : e.url) }),
    expiresAt: t.expose('expiresAt', { type: 'DateTime' }),
  }),
});

builder.mutationFields((t) => ({
  exportRecordings: t.field({
    type: RecordingExportRef,
    authScopes: { permission: 'canExportData' },
    description: 'Writes the chosen recordings (by ids or filter, at most EXPORT_MAX_ROWS = 2000 by default) to a JSON, CSV or XLSX file.',
    args: { input: t.arg({ type: ExportRecordingsInput, required: true }) },
    errors: { types: [ValidationError, NotFoundError] },
    resolve: (_root, { input }, ctx) =>
      ctx.services.exports.exportRecordings(viewerOf(ctx).tenantId, {
        ids: input.ids?.map((id) => id.id) ?? null,
        filter: input.filter ?? null,
        format: input.format,
        verbosity: input.verbosity ?? 'SUMMARY',
      }),
  }),
}));
