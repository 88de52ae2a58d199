import { z } from 'zod';
import { builder } from '../../graphql/builder.js';
import { viewerOf } from '../../graphql/context.js';
import { DeleteState, RecordingStatus, SourceType, Stage } from '../../generated/prisma/enums.js';
import { NotFoundError, QuotaExceededError, ValidationError } from '../../lib/errors.js';
import { TemplateNode } from '../templates/templates.graphql.js';
import '../uploads/uploads.graphql.js';
import './recording-media.graphql.js';
import { recordingsWhere } from './recordings.filters.js';

export const RecordingStatusEnum = builder.enumType(RecordingStatus, { name: 'RecordingStatus' });
export const SourceTypeEnum = builder.enumType(SourceType, { name: 'SourceType' });
export const StageEnum = builder.enumType(Stage, { name: 'Stage' });
export const DeleteStateEnum = builder.enumType(DeleteState, { name: 'DeleteState' });

export const RecordingNode = builder.prismaNode('Recording', {
  id: { field: 'id' },
  // node(id) of a missing or other tenant's row answers null, not an error.
  nullable: true,
  description: 'One lecture recording and everything LEAP made of it.',
  fields: (t) => ({
    displayName: t.exposeString('displayName'),
    status: t.expose('status', { type: RecordingStatusEnum }),
    sourceType: t.expose('sourceType', { type: SourceTypeEnum }),
    startTime: t.expose('startTime', { type: 'DateTime', nullable: true }),
    durationSec: t.exposeFloat('durationSec', { nullable: true, description: 'Duration of the source' }),
    trimmedDurationSec: t.exposeFloat('trimmedDurationSec', { nullable: true }),
    sizeBytes: t.float({ nullable: true, resolve: (r) => (r.sizeBytes === null ? null : Number(r.sizeBytes)) }),
    mediaInfo: t.expose('mediaInfo', { type: 'JSON', description: 'Probe results: codecs, resolution …' }),
    isMapped: t.exposeBoolean('isMapped', { description: 'Bound to a template by matching rules' }),
    isBlank: t.exposeBoolean('isBlank'),
    onPause: t.exposeBoolean('onPause'),
    failed: t.exposeBoolean('failed'),
    failedStage: t.expose('failedStage', { type: StageEnum, nullable: true }),
    failedReason: t.exposeString('failedReason', { nullable: true }),
    deleteState: t.expose('deleteState', { type: DeleteStateEnum }),
    template: t.relation('template', { nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

export const RecordingFilter = builder.inputType('RecordingFilter', {
  fields: (t) => ({
    search: t.string({ description: 'Case-insensitive substring of the display name' }),
    statuses: t.field({ type: [RecordingStatusEnum] }),
    templateId: t.globalID({ for: TemplateNode, description: 'Only recordings bound to this template' }),
    failed: t.boolean(),
    includeBlank: t.boolean({ defaultValue: false }),
    includeDeleted: t.boolean({ defaultValue: false }),
    from: t.field({ type: 'DateTime', description: 'Start time at or after' }),
    to: t.field({ type: 'DateTime', description: 'Start time before' }),
  }),
});

builder.queryFields((t) => ({
  recording: t.prismaField({
    type: 'Recording',
    nullable: true,
    authScopes: { authenticated: true },
    args: { id: t.arg.globalID({ for: RecordingNode, required: true }) },
    resolve: (query, _root, { id }, ctx) => ctx.db.recording.findUnique({ ...query, where: { id: id.id } }),
  }),
  recordings: t.prismaConnection({
    type: 'Recording',
    cursor: 'id',
    authScopes: { authenticated: true },
    description: 'Newest first.',
    args: { filter: t.arg({ type: RecordingFilter }) },
    resolve: (query, _root, { filter }, ctx) =>
      ctx.db.recording.findMany({
        ...query,
        where: recordingsWhere(filter ?? {}),
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      }),
  }),
}));

const DeletedRecordingRef = builder.objectRef<{ id: string; freedBytes: number }>('DeletedRecording').implement({
  fields: (t) => ({
    deletedId: t.globalID({ resolve: (d) => ({ type: 'Recording', id: d.id }) }),
    freedBytes: t.exposeFloat('freedBytes', { description: 'Storage freed by deleting its files' }),
  }),
});

builder.mutationFields((t) => ({
  createRecordingFromUpload: t.prismaField({
    type: 'Recording',
    authScopes: { permission: 'canUpload' },
    description:
      'A recording from a file sent as a GraphQL multipart request (mp4, webm, mkv, mov, m4a, mp3, wav). The file is streamed to storage, checked (magic bytes, ffprobe, integrity) and probed; a bad file is refused with nothing stored.',
    args: {
      file: t.arg({ type: 'Upload', required: true }),
      displayName: t.arg.string({ description: 'Defaults to the file name', validate: z.string().trim().min(1).max(300) }),
    },
    errors: { types: [ValidationError, QuotaExceededError] },
    resolve: async (query, _root, { file, displayName }, ctx) => {
      const staged = ctx.uploads.get(file);
      if (!staged) throw ValidationError.field('file', 'No file was received: send it as a part of a multipart request');
      const recording = await ctx.services.recordings.createFromUpload(viewerOf(ctx).tenantId, staged, { displayName });
      return ctx.db.recording.findUniqueOrThrow({ ...query, where: { id: recording.id } });
    },
  }),
  deleteRecording: t.field({
    type: DeletedRecordingRef,
    authScopes: { permission: 'canDeleteRecordings' },
    description: 'Deletes the recording and all of its files.',
    args: { id: t.arg.globalID({ for: RecordingNode, required: true }) },
    errors: { types: [NotFoundError] },
    resolve: (_root, { id }, ctx) => ctx.services.recordings.deleteRecording(viewerOf(ctx).tenantId, id.id),
  }),
}));
