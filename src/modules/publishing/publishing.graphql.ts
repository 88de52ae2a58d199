import { builder } from '../../graphql/builder.js';
import { viewerOf } from '../../graphql/context.js';
import { TargetStatus } from '../../generated/prisma/enums.js';
import { ConflictError, CredentialError, NotFoundError } from '../../lib/errors.js';
import { isPlainObject } from '../config/merge.js';
import { PublishPlatformEnum } from '../presets/presets.graphql.js';

// Where a recording is (being) published. Publishing itself runs in the pipeline's PUBLISH jobs.

const TargetStatusEnum = builder.enumType(TargetStatus, { name: 'TargetStatus' });

export const OutputTargetNode = builder.prismaNode('OutputTarget', {
  id: { field: 'id' },
  nullable: true,
  description: 'One publication of a recording through one output preset.',
  fields: (t) => ({
    platform: t.expose('platform', { type: PublishPlatformEnum }),
    status: t.expose('status', { type: TargetStatusEnum }),
    preset: t.relation('preset', { nullable: true, description: 'Null when the preset was deleted' }),
    url: t.exposeString('url', { nullable: true, description: 'Where the published video (or export) is' }),
    remoteId: t.exposeString('remoteId', { nullable: true, description: 'The platform’s id: video id, disk path, object prefix' }),
    error: t.exposeString('error', { nullable: true }),
    attempts: t.exposeInt('attempts'),
    retryAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'DEFERRED targets: when the platform’s quota allows another try',
      resolve: (target) => (target.status === 'DEFERRED' && isPlainObject(target.meta) && typeof target.meta.retryAt === 'string' ? new Date(target.meta.retryAt) : null),
    }),
    startedAt: t.expose('startedAt', { type: 'DateTime', nullable: true }),
    uploadedAt: t.expose('uploadedAt', { type: 'DateTime', nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

builder.prismaObjectField('Recording', 'outputTargets', (t) =>
  t.relation('outputTargets', { description: 'Publications of this recording, oldest first', query: { orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] } }),
);

builder.mutationFields((t) => ({
  republishMetadata: t.prismaField({
    type: 'OutputTarget',
    authScopes: { permission: 'canUpload' },
    description: 'Rewrites title, description and captions of an uploaded target from the current templates and topics.',
    args: { targetId: t.arg.globalID({ for: OutputTargetNode, required: true }) },
    errors: { types: [NotFoundError, ConflictError, CredentialError] },
    resolve: async (query, _root, { targetId }, ctx) => {
      const target = await ctx.services.publishing.republishMetadata(viewerOf(ctx).tenantId, targetId.id);
      return ctx.db.outputTarget.findUniqueOrThrow({ ...query, where: { id: target.id } });
    },
  }),
}));
