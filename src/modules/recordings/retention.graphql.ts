import { builder } from '../../graphql/builder.js';
import { viewerOf } from '../../graphql/context.js';
import { ConflictError, NotFoundError } from '../../lib/errors.js';
import { DeleteStateEnum, RecordingNode } from './recordings.graphql.js';
import type { DeletedRecording } from './recordings.service.js';

// Deleting, restoring and purging recordings (SPEC §7 retention).

const DeletedRecordingRef = builder.objectRef<DeletedRecording>('DeletedRecording').implement({
  fields: (t) => ({
    deletedId: t.globalID({ resolve: (d) => ({ type: 'Recording', id: d.id }) }),
    deleteState: t.field({ type: DeleteStateEnum, resolve: (d) => d.deleteState }),
    freedBytes: t.exposeFloat('freedBytes', { description: 'Storage freed: 0 for a soft delete, whose files are kept until the hard delete' }),
    hardDeleteAt: t.expose('hardDeleteAt', { type: 'DateTime', nullable: true, description: 'Until then restoreRecording brings it back' }),
  }),
});

builder.mutationFields((t) => ({
  deleteRecording: t.field({
    type: DeletedRecordingRef,
    authScopes: { permission: 'canDeleteRecordings' },
    description:
      'Soft delete: the recording leaves the lists (see includeDeleted), its pipeline is cancelled and its files are kept until hardDeleteAt; restoreRecording undoes it until then.',
    args: { id: t.arg.globalID({ for: RecordingNode, required: true }) },
    errors: { types: [NotFoundError] },
    resolve: (_root, { id }, ctx) => ctx.services.recordings.deleteRecording(viewerOf(ctx).tenantId, id.id),
  }),
  restoreRecording: t.prismaField({
    type: 'Recording',
    authScopes: { permission: 'canDeleteRecordings' },
    description: 'Brings a soft-deleted recording back within its restore window; its retention starts again.',
    args: { id: t.arg.globalID({ for: RecordingNode, required: true }) },
    errors: { types: [NotFoundError, ConflictError] },
    resolve: async (query, _root, { id }, ctx) => {
      await ctx.services.recordings.restoreRecording(viewerOf(ctx).tenantId, id.id);
      return ctx.db.recording.findUniqueOrThrow({ ...query, where: { id: id.id } });
    },
  }),
  purgeRecording: t.field({
    type: DeletedRecordingRef,
    authScopes: { $all: { minRole: 'ADMIN', permission: 'canDeleteRecordings' } },
    description: 'Hard delete now (workspace admins): every file and the row are removed, storage usage drops by the bytes freed. Cannot be undone.',
    args: { id: t.arg.globalID({ for: RecordingNode, required: true }) },
    errors: { types: [NotFoundError] },
    resolve: (_root, { id }, ctx) => ctx.services.recordings.purgeRecording(viewerOf(ctx).tenantId, id.id),
  }),
}));
