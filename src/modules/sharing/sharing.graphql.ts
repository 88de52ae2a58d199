import { builder } from '../../graphql/builder.js';
import { viewerOf } from '../../graphql/context.js';
import { NotFoundError, ValidationError } from '../../lib/errors.js';
import { RecordingNode } from '../recordings/recordings.graphql.js';
import type { IssuedShare, SharedFile, SharedRecordingView, SharedTopic } from './sharing.service.js';

// Public share links of recordings: owners create and revoke them; anyone with a token reads the
// read-only view. The public field is rate-limited per IP like every anonymous operation (plugins.ts).

const SharedFileKindEnum = builder.enumType('SharedFileKind', {
  values: { VIDEO: {}, POSTER: {}, SUBTITLES_SRT: {}, SUBTITLES_VTT: {} } as const,
});

const SharedFileRef = builder.objectRef<SharedFile>('SharedFile').implement({
  fields: (t) => ({
    kind: t.field({ type: SharedFileKindEnum, resolve: (f) => f.kind }),
    name: t.exposeString('name'),
    url: t.string({ description: 'GET until expiresAt (never after the link itself expires)', resolve: (f, _args, ctx) => (ctx.origin ? new URL(f.url, ctx.origin).toString() : f.url) }),
    expiresAt: t.expose('expiresAt', { type: 'DateTime' }),
  }),
});

const SharedTopicRef = builder.objectRef<SharedTopic>('SharedTopic').implement({
  fields: (t) => ({
    title: t.exposeString('title'),
    startSec: t.exposeFloat('startSec', { nullable: true, description: 'Seconds into the video' }),
  }),
});

const SharedRecordingRef = builder.objectRef<SharedRecordingView>('SharedRecording').implement({
  description: 'The read-only view of a recording behind a public link.',
  fields: (t) => ({
    title: t.exposeString('title'),
    recordedAt: t.expose('recordedAt', { type: 'DateTime', nullable: true }),
    durationSec: t.exposeFloat('durationSec', { nullable: true }),
    summary: t.exposeString('summary'),
    mainTopic: t.exposeString('mainTopic'),
    topics: t.field({ type: [SharedTopicRef], resolve: (r) => r.topics }),
    questions: t.exposeStringList('questions'),
    description: t.exposeString('description', { description: 'Rendered from the recording’s templates' }),
    files: t.field({ type: [SharedFileRef], resolve: (r) => r.files }),
    expiresAt: t.expose('expiresAt', { type: 'DateTime', description: 'When the link stops working' }),
  }),
});

const RecordingShareRef = builder.objectRef<IssuedShare>('RecordingShare').implement({
  description: 'A new public link. The token is shown only now: LEAP keeps a hash of it.',
  fields: (t) => ({
    token: t.exposeString('token', { description: 'Pass to sharedRecording(token:)' }),
    expiresAt: t.expose('expiresAt', { type: 'DateTime' }),
    recording: t.prismaField({
      type: 'Recording',
      resolve: (query, share, _args, ctx) => ctx.db.recording.findUniqueOrThrow({ ...query, where: { id: share.recordingId } }),
    }),
  }),
});

builder.prismaObjectFields('Recording', (t) => ({
  shareExpiresAt: t.expose('shareExpiresAt', { type: 'DateTime', nullable: true, description: 'When its public link expires; null when it has none' }),
}));

builder.queryFields((t) => ({
  sharedRecording: t.field({
    type: SharedRecordingRef,
    nullable: true,
    description: 'Public (no authentication): the recording behind a share token; null for unknown, revoked or expired links.',
    args: { token: t.arg.string({ required: true }) },
    resolve: (_root, { token }, ctx) => ctx.services.sharing.findShared(token),
  }),
}));

builder.mutationFields((t) => ({
  shareRecording: t.field({
    type: RecordingShareRef,
    authScopes: { minRole: 'EDITOR' },
    description: 'Creates a public read-only link (default lifetime from the configuration). A new link replaces the previous one.',
    args: { id: t.arg.globalID({ for: RecordingNode, required: true }), expiresInDays: t.arg.int() },
    errors: { types: [NotFoundError, ValidationError] },
    resolve: (_root, { id, expiresInDays }, ctx) => ctx.services.sharing.share(viewerOf(ctx).tenantId, id.id, expiresInDays),
  }),
  unshareRecording: t.prismaField({
    type: 'Recording',
    authScopes: { minRole: 'EDITOR' },
    description: 'Revokes the public link of the recording.',
    args: { id: t.arg.globalID({ for: RecordingNode, required: true }) },
    errors: { types: [NotFoundError] },
    resolve: async (query, _root, { id }, ctx) => {
      await ctx.services.sharing.unshare(viewerOf(ctx).tenantId, id.id);
      return ctx.db.recording.findUniqueOrThrow({ ...query, where: { id: id.id } });
    },
  }),
}));
