import type { Prisma, Recording, Template } from '../../generated/prisma/client.js';
import type { RecordingStatus } from '../../generated/prisma/enums.js';
import type { TenantDb } from '../../lib/db.js';
import { ConflictError, NotFoundError, ValidationError } from '../../lib/errors.js';
import { isRowId } from '../auth/auth.service.js';
import { issuesOf } from '../config/config-validation.js';
import { explainMatch, firstMatchingTemplate, type MatchDecision, type MatchSubject } from './matching.js';
import { matchingRulesSchema, readMatchingRules, type MatchingRules } from './template-schemas.js';

// Applying matching rules to stored recordings: the dry run (`preview`), binding (`rematch`), and
// the lookup sync uses for a new recording (`findTemplateFor`).

export interface MatchPreviewItem {
  recording: Recording;
  decision: MatchDecision;
  alreadyBound: boolean;
  /** Status after binding: an unmatched (SKIPPED) recording becomes INITIALIZED. */
  newStatus: RecordingStatus;
}

export interface MatchPreview {
  template: Template;
  checkedCount: number;
  matches: MatchPreviewItem[];
}

export interface MatchOptions {
  /** Only recordings not bound to any template (default). Otherwise recordings bound elsewhere move here. */
  onlyUnmapped?: boolean | null;
}

const BATCH = 500;

/** Recordings that may be (re)bound: not deleted, not blank. */
function candidatesWhere(options: MatchOptions): Prisma.RecordingWhereInput {
  return { deleteState: 'ACTIVE', isBlank: false, ...((options.onlyUnmapped ?? true) ? { isMapped: false } : {}) };
}

const subjectOf = (recording: Recording): MatchSubject => ({
  displayName: recording.displayName,
  inputSourceId: recording.inputSourceId,
  durationSec: recording.durationSec,
});

const statusAfterBinding = (status: RecordingStatus): RecordingStatus => (status === 'SKIPPED' ? 'INITIALIZED' : status);

export class TemplateMatchingService {
  /** Which recordings the template's rules (or `rules`, unsaved) would take; changes nothing. */
  async preview(db: TenantDb, templateId: string, options: MatchOptions & { limit?: number | null; rules?: unknown }): Promise<MatchPreview> {
    const template = await this.find(db, templateId);
    let rules = readMatchingRules(template.matchingRules);
    if (options.rules != null) {
      const parsed = matchingRulesSchema.safeParse(options.rules);
      if (!parsed.success) throw new ValidationError('The matching rules are invalid', issuesOf(parsed.error, 'matchingRules'));
      rules = parsed.data;
    }
    const limit = Math.min(Math.max(options.limit ?? 100, 1), 500);
    const recordings = await db.recording.findMany({ where: candidatesWhere(options), orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], take: limit });
    const matches = recordings.flatMap((recording) => {
      const decision = explainMatch(rules, subjectOf(recording));
      if (!decision.matched) return [];
      return [{ recording, decision, alreadyBound: recording.templateId === template.id, newStatus: statusAfterBinding(recording.status) }];
    });
    return { template, checkedCount: recordings.length, matches };
  }

  /** Binds every candidate recording the template's rules accept; SKIPPED ones become INITIALIZED. */
  async rematch(db: TenantDb, templateId: string, options: MatchOptions): Promise<{ template: Template; matchedCount: number }> {
    const template = await this.find(db, templateId);
    if (template.isDefault) throw new ConflictError('The Default template applies to every recording and matches none');
    if (template.isDraft || !template.isActive) throw new ConflictError('Only an active, non-draft template can take recordings');
    const rules = readMatchingRules(template.matchingRules);
    let matchedCount = 0;
    let cursor: string | undefined;
    for (;;) {
      const batch = await db.recording.findMany({
        where: { ...candidatesWhere(options), OR: [{ templateId: null }, { templateId: { not: template.id } }] },
        orderBy: { id: 'asc' },
        take: BATCH,
        ...(cursor ? { cursor: { id: cursor }, skip: 1 } : {}),
      });
      const matched = batch.filter((recording) => explainMatch(rules, subjectOf(recording)).matched);
      matchedCount += await this.bind(db, template, matched);
      if (batch.length < BATCH) break;
      cursor = batch[batch.length - 1]?.id;
    }
    const updated = matchedCount
      ? await db.template.update({ where: { id: template.id }, data: { usedCount: { increment: matchedCount }, lastUsedAt: new Date() } })
      : template;
    return { template: updated, matchedCount };
  }

  /** The template a new recording belongs to: first match among active non-draft templates in creation order. */
  async findTemplateFor(db: TenantDb, subject: MatchSubject): Promise<Template | null> {
    const templates = await db.template.findMany({
      where: { isDefault: false, isDraft: false, isActive: true },
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    });
    const withRules = templates.map((template) => ({ template, matchingRules: readMatchingRules(template.matchingRules) as MatchingRules }));
    return firstMatchingTemplate(withRules, subject)?.template ?? null;
  }

  private async bind(db: TenantDb, template: Template, recordings: Recording[]): Promise<number> {
    if (recordings.length === 0) return 0;
    const skipped = recordings.filter((r) => r.status === 'SKIPPED').map((r) => r.id);
    const others = recordings.filter((r) => r.status !== 'SKIPPED').map((r) => r.id);
    const bound = { templateId: template.id, isMapped: true };
    const [a, b] = await db.$transaction([
      db.recording.updateMany({ where: { id: { in: skipped } }, data: { ...bound, status: 'INITIALIZED' } }),
      db.recording.updateMany({ where: { id: { in: others } }, data: bound }),
    ]);
    return a.count + b.count;
  }

  private async find(db: TenantDb, id: string): Promise<Template> {
    const template = isRowId(id) ? await db.template.findUnique({ where: { id } }) : null;
    if (!template) throw new NotFoundError('Template');
    return template;
  }
}
