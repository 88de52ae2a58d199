import { ConfigEndpointResolver } from '../../ai/endpoints.js';
import { LocalTopicsProvider } from '../../ai/local-topics.js';
import { OpenAiTopicsProvider } from '../../ai/openai-topics.js';
import { findLongPauses, MIN_TOPIC_SEC, toStoredTopics, topicBounds, validateTopics } from '../../ai/topic-rules.js';
import type { AiEndpointResolver, Granularity, ProgressReporter, TopicsProvider } from '../../ai/types.js';
import type { PrismaClient } from '../../generated/prisma/client.js';
import type { Granularity as GranularityEnum, Prisma, TopicVersion } from '../../generated/prisma/client.js';
import { forTenant, type TenantDb } from '../../lib/db.js';
import { AiOutputError, ConflictError, NotFoundError, ValidationError, type FieldIssue } from '../../lib/errors.js';
import type { ProcessingConfig } from '../config/config-schemas.js';
import { asJson } from '../recordings/recordings.service.js';
import type { StorageBackend } from '../storage/storage.js';
import { readTranscript, requireTranscript } from './transcript-store.js';

export interface GenerateTopicsResult {
  versionId: string;
  version: number;
  topicCount: number;
  provider: string;
}

export interface TopicsEdit {
  summary?: string | null;
  mainTopic?: string | null;
  /** The whole list, in order; ends follow from the next start. */
  topics?: Array<{ title: string; start: number }> | null;
  questions?: string[] | null;
}

const GRANULARITY_ENUM: Record<Granularity, GranularityEnum> = { short: 'SHORT', medium: 'MEDIUM', long: 'LONG' };

/** The TOPICS stage and the versions it produces (v1, v2 …, exactly one active per recording). */
export class TopicsService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly storage: StorageBackend,
    private readonly endpoints: AiEndpointResolver = new ConfigEndpointResolver(),
  ) {}

  async generateTopics(tenantId: string, recordingId: string, settings: ProcessingConfig['topics'], onProgress?: ProgressReporter): Promise<GenerateTopicsResult> {
    const db = forTenant(tenantId, this.prisma);
    const recording = await db.recording.findUnique({ where: { id: recordingId }, select: { displayName: true } });
    if (!recording) throw new NotFoundError('Recording');
    const transcript = await requireTranscript(this.storage, tenantId, recordingId);
    if (transcript.words.length === 0) throw new ConflictError('The transcript has no speech to find topics in');

    const pauses = findLongPauses(transcript.segments);
    const bounds = topicBounds(transcript.durationSec, settings.granularity, pauses);
    const provider = await this.providerFor(tenantId, settings);
    const proposal = await provider.propose(
      { transcript, courseName: recording.displayName, granularity: settings.granularity, bounds, pauses, questionsCount: settings.questionsCount },
      (fraction, message) => onProgress?.(fraction * 0.9, message),
    );
    const issues = validateTopics(proposal.topics, transcript.durationSec, bounds, pauses);
    if (issues.length > 0) throw new AiOutputError(`${provider.provider} proposed invalid topics`, issues.map((i) => i.message));
    const topics = toStoredTopics(proposal.topics, transcript.durationSec, pauses);

    const saved = await this.saveVersion(db, tenantId, recordingId, {
      provider: provider.provider,
      model: proposal.model,
      granularity: GRANULARITY_ENUM[settings.granularity],
      summary: proposal.summary,
      mainTopic: proposal.mainTopic,
      topics: asJson(topics),
      questions: asJson(proposal.questions),
      pauses: asJson(pauses),
      usage: asJson(proposal.usage ?? {}),
      manuallyEdited: false,
    });
    onProgress?.(1);
    return { versionId: saved.id, version: saved.version, topicCount: topics.filter((t) => !t.isBreak).length, provider: provider.provider };
  }

  /** A manual edit: a new active version made from the active one with the given fields replaced. */
  async editTopics(tenantId: string, recordingId: string, edit: TopicsEdit): Promise<TopicVersion> {
    const db = forTenant(tenantId, this.prisma);
    const recording = await db.recording.findUnique({ where: { id: recordingId }, select: { trimmedDurationSec: true } });
    if (!recording) throw new NotFoundError('Recording');
    const base = await db.topicVersion.findFirst({ where: { recordingId }, orderBy: [{ isActive: 'desc' }, { version: 'desc' }] });
    if (!base) throw new ConflictError('The recording has no topics to edit yet');
    const transcript = await readTranscript(this.storage, tenantId, recordingId);
    const durationSec = transcript?.durationSec ?? recording.trimmedDurationSec ?? Number.POSITIVE_INFINITY;

    const problems: FieldIssue[] = [];
    if (edit.mainTopic !== undefined && edit.mainTopic !== null && edit.mainTopic.trim().length > 200) problems.push({ path: 'mainTopic', message: 'At most 200 characters' });
    if (edit.summary && edit.summary.length > 5000) problems.push({ path: 'summary', message: 'At most 5000 characters' });
    if (edit.questions) {
      if (edit.questions.length > 10) problems.push({ path: 'questions', message: 'At most 10 questions' });
      edit.questions.forEach((q, i) => {
        if (!q.trim() || q.length > 500) problems.push({ path: `questions.${i}`, message: 'A question has 1–500 characters' });
      });
    }
    if (edit.topics) {
      if (edit.topics.length === 0 || edit.topics.length > 100) problems.push({ path: 'topics', message: 'Between 1 and 100 topics' });
      edit.topics.forEach((t, i) => {
        if (!t.title.trim() || t.title.length > 200) problems.push({ path: `topics.${i}.title`, message: 'A title has 1–200 characters' });
        if (!(t.start >= 0 && t.start < durationSec)) problems.push({ path: `topics.${i}.startSec`, message: 'Starts inside the recording' });
        const previous = edit.topics![i - 1];
        if (previous && t.start <= previous.start) problems.push({ path: `topics.${i}.startSec`, message: 'Topics are in chronological order, each after the previous one' });
      });
    }
    if (problems.length > 0) throw new ValidationError(problems.map((p) => `${p.path}: ${p.message}`).join('; '), problems);

    const pauses = Array.isArray(base.pauses) ? (base.pauses as Array<{ start: number; end: number }>) : [];
    const topicsEnd = Number.isFinite(durationSec) ? durationSec : (edit.topics?.at(-1)?.start ?? 0) + MIN_TOPIC_SEC;
    return this.saveVersion(db, tenantId, recordingId, {
      provider: base.provider,
      model: base.model,
      granularity: base.granularity,
      summary: edit.summary?.trim() ?? base.summary,
      mainTopic: edit.mainTopic?.trim() ?? base.mainTopic,
      topics: edit.topics ? asJson(toStoredTopics(edit.topics, topicsEnd, pauses)) : asJson(base.topics),
      questions: edit.questions ? asJson(edit.questions.map((q) => q.trim())) : asJson(base.questions),
      pauses: asJson(base.pauses),
      usage: asJson({}),
      manuallyEdited: true,
    });
  }

  /** Makes `versionId` the active version of its recording. */
  async selectTopicVersion(tenantId: string, versionId: string): Promise<TopicVersion> {
    const db = forTenant(tenantId, this.prisma);
    return db.$transaction(async (tx) => {
      const version = await tx.topicVersion.findUnique({ where: { id: versionId } });
      if (!version) throw new NotFoundError('TopicVersion');
      await tx.topicVersion.updateMany({ where: { recordingId: version.recordingId, isActive: true, NOT: { id: versionId } }, data: { isActive: false } });
      return tx.topicVersion.update({ where: { id: versionId }, data: { isActive: true } });
    });
  }

  private async providerFor(tenantId: string, settings: ProcessingConfig['topics']): Promise<TopicsProvider> {
    const endpoint = await this.endpoints.resolve(tenantId, 'topics', { provider: settings.provider, model: settings.model });
    return endpoint ? new OpenAiTopicsProvider(endpoint) : new LocalTopicsProvider();
  }

  /** Next version number, active, the others deactivated — in one transaction (retried on a race). */
  private async saveVersion(
    db: TenantDb,
    tenantId: string,
    recordingId: string,
    data: Omit<Prisma.TopicVersionUncheckedCreateInput, 'tenantId' | 'recordingId' | 'version' | 'isActive'>,
  ): Promise<TopicVersion> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await db.$transaction(async (tx) => {
          const last = await tx.topicVersion.findFirst({ where: { recordingId }, orderBy: { version: 'desc' }, select: { version: true } });
          await tx.topicVersion.updateMany({ where: { recordingId, isActive: true }, data: { isActive: false } });
          return tx.topicVersion.create({ data: { ...data, tenantId, recordingId, version: (last?.version ?? 0) + 1, isActive: true } });
        });
      } catch (error) {
        const unique = typeof error === 'object' && error !== null && (error as { code?: string }).code === 'P2002';
        if (!unique || attempt >= 2) throw error;
      }
    }
  }
}
