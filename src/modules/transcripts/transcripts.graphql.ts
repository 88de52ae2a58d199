import { z } from 'zod';
import { transcriptText } from '../../ai/words.js';
import type { StoredTopic, Transcript, TranscriptSegment } from '../../ai/types.js';
import { builder } from '../../graphql/builder.js';
import { viewerOf } from '../../graphql/context.js';
import type { TopicVersion } from '../../generated/prisma/client.js';
import { Granularity } from '../../generated/prisma/enums.js';
import { ConflictError, NotFoundError } from '../../lib/errors.js';
import { isRowId } from '../auth/auth.service.js';
import { RecordingNode } from '../recordings/recordings.graphql.js';

// Transcript, topic versions and their edits on a Recording. Regenerating topics and transcribing
// again are pipeline jobs (the engine enqueues them), not synchronous mutations.

export const GranularityEnum = builder.enumType(Granularity, { name: 'TopicGranularity' });

const TranscriptSegmentRef = builder.objectRef<TranscriptSegment>('TranscriptSegment').implement({
  fields: (t) => ({
    startSec: t.float({ resolve: (s) => s.start }),
    endSec: t.float({ resolve: (s) => s.end }),
    text: t.exposeString('text'),
  }),
});

const TranscriptRef = builder.objectRef<Transcript>('Transcript').implement({
  description: 'What was said, in the time of the trimmed video.',
  fields: (t) => ({
    language: t.exposeString('language', { description: 'ISO 639-1 code; "und" when the provider could not tell' }),
    durationSec: t.exposeFloat('durationSec'),
    text: t.string({ description: 'One segment per line', resolve: (tr) => transcriptText(tr.segments) }),
    segments: t.field({ type: [TranscriptSegmentRef], resolve: (tr) => tr.segments }),
    wordCount: t.int({ resolve: (tr) => tr.words.length }),
    flagged: t.exposeBoolean('flagged', { description: 'Looks hallucinated (repetitions, too few words …): auto-publish is blocked' }),
    flagReasons: t.exposeStringList('flagReasons'),
    provider: t.exposeString('provider', { description: '"local" for the offline recogniser' }),
    model: t.exposeString('model'),
    createdAt: t.field({ type: 'DateTime', resolve: (tr) => new Date(tr.createdAt) }),
  }),
});

const storedTopics = z.array(z.object({ title: z.string(), start: z.number(), end: z.number(), isBreak: z.boolean().default(false) }));
const storedStrings = z.array(z.string());

const TopicRef = builder.objectRef<StoredTopic>('Topic').implement({
  fields: (t) => ({
    title: t.exposeString('title'),
    startSec: t.float({ resolve: (x) => x.start }),
    endSec: t.float({ resolve: (x) => x.end }),
    isBreak: t.exposeBoolean('isBreak', { description: 'A long pause in the lecture' }),
  }),
});

export const TopicVersionNode = builder.prismaNode('TopicVersion', {
  id: { field: 'id' },
  nullable: true,
  description: 'One result of topic extraction or a manual edit. Exactly one version of a recording is active.',
  fields: (t) => ({
    version: t.exposeInt('version'),
    isActive: t.exposeBoolean('isActive'),
    provider: t.exposeString('provider'),
    model: t.exposeString('model', { nullable: true }),
    granularity: t.expose('granularity', { type: GranularityEnum }),
    summary: t.exposeString('summary'),
    mainTopic: t.exposeString('mainTopic'),
    topics: t.field({ type: [TopicRef], resolve: (v) => storedTopics.safeParse(v.topics).data ?? [] }),
    questions: t.stringList({ resolve: (v) => storedStrings.safeParse(v.questions).data ?? [] }),
    manuallyEdited: t.exposeBoolean('manuallyEdited'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

const RecordingTopicsRef = builder.objectRef<TopicVersion[]>('RecordingTopics').implement({
  fields: (t) => ({
    active: t.field({
      type: TopicVersionNode,
      nullable: true,
      description: 'What publishing uses; null before topics exist',
      resolve: (versions) => versions.find((v) => v.isActive) ?? null,
    }),
    versions: t.field({ type: [TopicVersionNode], description: 'Newest first', resolve: (versions) => versions }),
  }),
});

builder.prismaObjectFields('Recording', (t) => ({
  transcript: t.field({
    type: TranscriptRef,
    nullable: true,
    description: 'Null until the recording is transcribed. Read from storage: ask for it on one recording, not on lists.',
    // A whole file read per recording, priced so a list of them hits the complexity limit early.
    complexity: 50,
    select: { id: true, tenantId: true },
    resolve: (r, _args, ctx) => ctx.services.transcription.getTranscript(r.tenantId, r.id),
  }),
  transcriptFlagged: t.exposeBoolean('transcriptFlagged'),
  topics: t.field({
    type: RecordingTopicsRef,
    description: 'The active topic version and the version history.',
    select: { topicVersions: { orderBy: { version: 'desc' } } },
    resolve: (r) => r.topicVersions,
  }),
}));

const TopicInput = builder.inputType('TopicInput', {
  fields: (t) => ({
    title: t.string({ required: true }),
    startSec: t.float({ required: true }),
  }),
});

const EditTopicsInput = builder.inputType('EditTopicsInput', {
  description: 'Fields left out are copied from the active version.',
  fields: (t) => ({
    summary: t.string(),
    mainTopic: t.string(),
    topics: t.field({ type: [TopicInput], description: 'The whole list in order; each ends where the next starts' }),
    questions: t.stringList(),
  }),
});

builder.mutationFields((t) => ({
  editTopics: t.prismaField({
    type: 'TopicVersion',
    authScopes: { permission: 'canTranscribe' },
    description: 'Saves an edit as a new, active, manually edited version (what publishing uses).',
    args: {
      recordingId: t.arg.globalID({ required: true, for: RecordingNode }),
      input: t.arg({ type: EditTopicsInput, required: true }),
    },
    errors: { types: [NotFoundError, ConflictError] },
    resolve: async (query, _root, { recordingId, input }, ctx) => {
      if (!isRowId(recordingId.id)) throw new NotFoundError('Recording');
      const version = await ctx.services.topics.editTopics(viewerOf(ctx).tenantId, recordingId.id, {
        ...input,
        topics: input.topics?.map((x) => ({ title: x.title, start: x.startSec })) ?? null,
      });
      return ctx.db.topicVersion.findUniqueOrThrow({ ...query, where: { id: version.id } });
    },
  }),
  selectTopicVersion: t.prismaField({
    type: 'TopicVersion',
    authScopes: { permission: 'canTranscribe' },
    description: 'Makes a version the active one of its recording.',
    args: { id: t.arg.globalID({ required: true, for: TopicVersionNode }) },
    errors: { types: [NotFoundError] },
    resolve: async (query, _root, { id }, ctx) => {
      if (!isRowId(id.id)) throw new NotFoundError('TopicVersion');
      const version = await ctx.services.topics.selectTopicVersion(viewerOf(ctx).tenantId, id.id);
      return ctx.db.topicVersion.findUniqueOrThrow({ ...query, where: { id: version.id } });
    },
  }),
}));
