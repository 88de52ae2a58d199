import type { Prisma, Template } from '../../generated/prisma/client.js';
import type { TenantDb } from '../../lib/db.js';
import { ConflictError, NotFoundError, QuotaExceededError, ValidationError, type FieldIssue } from '../../lib/errors.js';
import { isRowId, isUniqueViolation } from '../auth/auth.service.js';
import type { Viewer } from '../auth/viewer.js';
import type { ConfigSections, ConfigService } from '../config/config.service.js';
import { issuesOf, throwIfIssues } from '../config/config-validation.js';
import { deepMerge, isPlainObject, type JsonObject } from '../config/merge.js';
import type { TemplateMatchingService } from './matching.service.js';
import { hasPositiveRule, matchingRulesSchema, readMatchingRules, templateDescriptionSchema, templateNameSchema, type MatchingRules } from './template-schemas.js';

// Templates (SPEC §8): CRUD with validation, the one Default template per tenant, copies, templates
// made from a recording. Matching itself lives in matching.ts / matching.service.ts.

export interface TemplateInput {
  name: string;
  description?: string | null;
  isDraft?: boolean | null;
  isActive?: boolean | null;
  matchingRules?: unknown;
  processingConfig?: unknown;
  metadataConfig?: unknown;
  outputConfig?: unknown;
  /** Bind existing unmapped recordings that match (active, non-draft templates only). Default true. */
  rematchUnmapped?: boolean | null;
}

export type TemplatePatch = Partial<Omit<TemplateInput, 'name' | 'rematchUnmapped'>> & { name?: string | null };

export interface FromRecordingInput {
  name: string;
  description?: string | null;
  /** Match by this regular expression instead of the recording's exact name. */
  matchPattern?: string | null;
  /** Only recordings of the recording's input source. */
  matchSource?: boolean | null;
}

const TEMPLATE_QUOTA = 'templates';

export class TemplatesService {
  constructor(
    private readonly config: ConfigService,
    private readonly matching: TemplateMatchingService,
  ) {}

  async find(db: TenantDb, id: string): Promise<Template> {
    const template = isRowId(id) ? await db.template.findUnique({ where: { id } }) : null;
    if (!template) throw new NotFoundError('Template');
    return template;
  }

  async create(db: TenantDb, viewer: Viewer, input: TemplateInput): Promise<Template> {
    const data = await this.validate(db, input, null);
    const template = await this.insertWithinQuota(db, viewer, { ...data, name: data.name ?? input.name });
    if ((input.rematchUnmapped ?? true) && template.isActive && !template.isDraft) {
      await this.matching.rematch(db, template.id, { onlyUnmapped: true });
    }
    return this.find(db, template.id);
  }

  async update(db: TenantDb, id: string, patch: TemplatePatch): Promise<Template> {
    const current = await this.find(db, id);
    const data = await this.validate(db, patch, current);
    return this.unique(() => db.template.update({ where: { id: current.id }, data }));
  }

  /** Deletes a template; its recordings become unmapped and automation jobs forget it. */
  async delete(db: TenantDb, viewer: Viewer, id: string): Promise<{ template: Template; unmappedCount: number }> {
    const template = await this.find(db, id);
    if (template.isDefault) throw new ConflictError('The Default template cannot be deleted');
    return db.$transaction(async (tx) => {
      const unmapped = await tx.recording.updateMany({ where: { templateId: template.id }, data: { templateId: null, isMapped: false } });
      // Jobs keep their other templates; one left with none can run nothing, so it is paused.
      await tx.$executeRaw`
        UPDATE "AutomationJob"
        SET "templateIds" = array_remove("templateIds", ${template.id}::uuid),
            "isActive" = "isActive" AND cardinality(array_remove("templateIds", ${template.id}::uuid)) > 0,
            "updatedAt" = now()
        WHERE "tenantId" = ${viewer.tenantId}::uuid AND ${template.id}::uuid = ANY("templateIds")`;
      await tx.template.delete({ where: { id: template.id } });
      return { template, unmappedCount: unmapped.count };
    });
  }

  /** A copy named "Copy of …", as a draft so it cannot take recordings before it is edited. */
  async copy(db: TenantDb, viewer: Viewer, id: string, name?: string | null): Promise<Template> {
    const source = await this.find(db, id);
    const copyName = name ? templateNameSchema.parse(name) : await this.freeCopyName(db, source.name);
    return this.insertWithinQuota(db, viewer, {
      name: copyName,
      description: source.description,
      isDraft: true,
      isActive: source.isActive,
      matchingRules: source.isDefault ? {} : (source.matchingRules as Prisma.InputJsonValue),
      processingConfig: source.processingConfig as Prisma.InputJsonValue,
      metadataConfig: source.metadataConfig as Prisma.InputJsonValue,
      outputConfig: source.outputConfig as Prisma.InputJsonValue,
    });
  }

  /**
   * A template for recordings like this one: matching its exact name (or a pattern), optionally
   * only from its source, configured like the recording is beyond the Default template (its bound
   * template's sections with the recording's own overrides on top).
   */
  async createFromRecording(db: TenantDb, viewer: Viewer, recordingId: string, input: FromRecordingInput): Promise<Template> {
    const recording = await this.config.findRecording(db, recordingId);
    const bound = recording.templateId ? await db.template.findUnique({ where: { id: recording.templateId } }) : null;
    const overrides = isPlainObject(recording.configOverrides) ? recording.configOverrides : {};
    const section = (key: keyof ConfigSections) => {
      const fromTemplate = bound && !bound.isDefault && isPlainObject(bound[key]) ? (bound[key] as JsonObject) : {};
      return deepMerge(fromTemplate, isPlainObject(overrides[key]) ? (overrides[key] as JsonObject) : null);
    };
    return this.create(db, viewer, {
      name: input.name,
      description: input.description ?? `Created from the recording “${recording.displayName}”`,
      matchingRules: {
        ...(input.matchPattern ? { patterns: [input.matchPattern] } : { exactMatches: [recording.displayName] }),
        ...(input.matchSource && recording.inputSourceId ? { sourceIds: [recording.inputSourceId] } : {}),
      },
      processingConfig: section('processingConfig'),
      metadataConfig: section('metadataConfig'),
      outputConfig: section('outputConfig'),
    });
  }

  /** Makes a template the Default; the previous Default becomes a draft (it has no matching rules). */
  async setDefault(db: TenantDb, id: string): Promise<Template> {
    const template = await this.find(db, id);
    if (template.isDefault) return template;
    if (template.isDraft || !template.isActive) throw new ConflictError('Only an active, non-draft template can become the Default');
    return db.$transaction(async (tx) => {
      await tx.template.updateMany({ where: { isDefault: true }, data: { isDefault: false, isDraft: true } });
      return tx.template.update({ where: { id: template.id }, data: { isDefault: true } });
    });
  }

  /** Checks an input (or a patch of `current`) and returns the row data to write. */
  private async validate(db: TenantDb, input: TemplatePatch, current: Template | null): Promise<Prisma.TemplateUncheckedUpdateInput> {
    const issues: FieldIssue[] = [];
    const data: Prisma.TemplateUncheckedUpdateInput = {};
    if (input.name != null || !current) {
      const name = templateNameSchema.safeParse(input.name ?? '');
      if (name.success) data.name = name.data;
      else issues.push(...issuesOf(name.error, 'name'));
    }
    if (input.description !== undefined) {
      const description = templateDescriptionSchema.safeParse(input.description ?? '');
      if (description.success) data.description = description.data || null;
      else issues.push(...issuesOf(description.error, 'description'));
    }
    if (input.isDraft != null) data.isDraft = input.isDraft;
    if (input.isActive != null) data.isActive = input.isActive;
    let rules: MatchingRules = readMatchingRules(current?.matchingRules);
    if (input.matchingRules != null) {
      const parsed = matchingRulesSchema.safeParse(input.matchingRules);
      if (parsed.success) {
        rules = parsed.data;
        data.matchingRules = rules;
        await this.checkSources(db, rules, issues);
      } else issues.push(...issuesOf(parsed.error, 'matchingRules'));
    }
    if (current?.isDefault) {
      if (input.isDraft === true) issues.push({ path: 'isDraft', message: 'The Default template cannot be a draft' });
      if (input.isActive === false) issues.push({ path: 'isActive', message: 'The Default template cannot be deactivated' });
      if (input.matchingRules != null) issues.push({ path: 'matchingRules', message: 'The Default template applies to every recording and has no matching rules' });
    } else if (!(data.isDraft ?? current?.isDraft ?? false) && !hasPositiveRule(rules) && issues.length === 0) {
      issues.push({
        path: 'matchingRules',
        message: 'A template that is not a draft needs an exact name, keyword or pattern (sources and durations only narrow; use the pattern ".*" for everything)',
      });
    }
    const sections: Partial<ConfigSections> = await this.config.validateSections(db, input).catch((error: unknown) => {
      if (!(error instanceof ValidationError)) throw error;
      issues.push(...error.issues);
      return {};
    });
    // Every problem of the input at once, rules and sections alike.
    throwIfIssues(issues, 'The template is invalid');
    Object.assign(data, sections);
    await this.checkAutoUpload(db, current, (sections.outputConfig ?? current?.outputConfig ?? {}) as JsonObject);
    return data;
  }

  /** autoUpload needs somewhere to upload: presets from this template or the Default beneath it. */
  private async checkAutoUpload(db: TenantDb, current: Template | null, output: JsonObject): Promise<void> {
    const base = current?.isDefault ? null : await db.template.findFirst({ where: { isDefault: true }, select: { outputConfig: true } });
    const effective = deepMerge(isPlainObject(base?.outputConfig) ? base.outputConfig : {}, output);
    const presets = Array.isArray(effective.presetIds) ? effective.presetIds : [];
    if (effective.autoUpload === true && presets.length === 0) {
      throw ValidationError.field('outputConfig.presetIds', 'Automatic upload needs at least one output preset');
    }
  }

  private async checkSources(db: TenantDb, rules: MatchingRules, issues: FieldIssue[]): Promise<void> {
    if (rules.sourceIds.length === 0) return;
    const found = new Set((await db.inputSource.findMany({ where: { id: { in: rules.sourceIds } }, select: { id: true } })).map((s) => s.id));
    rules.sourceIds.forEach((id, i) => {
      if (!found.has(id)) issues.push({ path: `matchingRules.sourceIds.${i}`, message: 'Unknown input source' });
    });
  }

  /** Creates a non-default template unless the plan's `templates` limit is reached (Default excluded). */
  private async insertWithinQuota(db: TenantDb, viewer: Viewer, data: Prisma.TemplateUncheckedUpdateInput & { name: string | Prisma.StringFieldUpdateOperationsInput }): Promise<Template> {
    return this.unique(() =>
      db.$transaction(async (tx) => {
        // Serialises creations per tenant so two requests cannot both take the last slot.
        await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`templates:${viewer.tenantId}`}))`;
        const tenant = await tx.tenant.findFirst({ select: { plan: { select: { templates: true } }, quotaOverride: { select: { templates: true } } } });
        const limit = tenant?.quotaOverride?.templates ?? tenant?.plan?.templates ?? null;
        if (limit !== null) {
          const used = await tx.template.count({ where: { isDefault: false } });
          if (used >= limit) throw new QuotaExceededError(TEMPLATE_QUOTA, limit, used);
        }
        return tx.template.create({ data: { ...(data as Prisma.TemplateUncheckedCreateInput), tenantId: viewer.tenantId, isDefault: false } });
      }),
    );
  }

  private async freeCopyName(db: TenantDb, name: string): Promise<string> {
    const base = `Copy of ${name}`.slice(0, 240);
    const taken = new Set((await db.template.findMany({ where: { name: { startsWith: base } }, select: { name: true } })).map((t) => t.name));
    if (!taken.has(base)) return base;
    for (let i = 2; ; i += 1) if (!taken.has(`${base} (${i})`)) return `${base} (${i})`;
  }

  private async unique<T>(write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (error) {
      if (isUniqueViolation(error)) throw new ConflictError('A template with this name already exists');
      throw error;
    }
  }
}
