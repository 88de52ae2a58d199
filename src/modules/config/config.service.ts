import type { Prisma, Recording, Template } from '../../generated/prisma/client.js';
import type { TenantDb } from '../../lib/db.js';
import { NotFoundError, ValidationError, type FieldIssue } from '../../lib/errors.js';
import { isRowId } from '../auth/auth.service.js';
import {
  configOverridesSchema,
  metadataLayerSchema,
  outputConfigSchema,
  outputLayerSchema,
  processingConfigSchema,
  processingLayerSchema,
  type OutputConfig,
  type ProcessingConfig,
} from './config-schemas.js';
import { checkTemplates, compact, issuesOf, normalizePresetIds, parseInto, throwIfIssues } from './config-validation.js';
import { mergeLayers, mergePatch, isPlainObject, type JsonObject } from './merge.js';

// Configuration layers (SPEC §8), lowest first: the Default template → the recording's bound
// template → a runtime template chosen for one run → the recording's overrides → the overrides of
// one request. The pipeline and the API resolve through the same `resolve`.

export const LAYER_SOURCES = ['DEFAULT_TEMPLATE', 'BOUND_TEMPLATE', 'RUNTIME_TEMPLATE', 'RECORDING_OVERRIDES', 'REQUEST_OVERRIDES'] as const;
export type LayerSource = (typeof LAYER_SOURCES)[number];

export interface ConfigSections {
  processingConfig: JsonObject;
  metadataConfig: JsonObject;
  outputConfig: JsonObject;
}

export interface ConfigLayer extends ConfigSections {
  source: LayerSource;
  templateId: string | null;
  templateName: string | null;
}

export interface ResolvedConfig {
  recordingId: string | null;
  processingConfig: ProcessingConfig;
  /** Merged metadata layers; output presets and platform blocks are applied per upload. */
  metadataConfig: JsonObject;
  outputConfig: OutputConfig;
  layers: ConfigLayer[];
}

export interface ResolveRequest {
  recordingId?: string | null;
  /** The recording's row when the caller has just read it (saves reading it again). */
  recording?: Recording;
  /**
   * With a recording: a runtime template applied above its bound template for this resolution
   * (a pipeline run). Without one: the template to preview as if a recording were bound to it.
   */
  templateId?: string | null;
  /** Per-request overrides: `{ processingConfig?, metadataConfig?, outputConfig? }`. */
  overrides?: unknown;
}

type SectionInput = Partial<Record<keyof ConfigSections, unknown>>;

const sectionSchemas = {
  processingConfig: processingLayerSchema,
  metadataConfig: metadataLayerSchema,
  outputConfig: outputLayerSchema,
} as const;

export class ConfigService {
  /** The effective configuration of a recording (or of a template preview) with every layer. */
  async resolve(db: TenantDb, request: ResolveRequest): Promise<ResolvedConfig> {
    const recording = request.recording ?? (request.recordingId ? await this.findRecording(db, request.recordingId) : null);
    const chosen = request.templateId ? await this.findTemplate(db, request.templateId) : null;
    // The Default template and the recording's bound one in one read.
    const boundId = recording?.templateId ?? null;
    const templates = await db.template.findMany({ where: { OR: [{ isDefault: true }, ...(boundId ? [{ id: boundId }] : [])] } });
    const defaultTemplate = templates.find((t) => t.isDefault) ?? null;
    const bound = recording ? (templates.find((t) => t.id === boundId) ?? null) : chosen;
    if (recording && chosen?.isDefault) {
      throw ValidationError.field('templateId', 'The Default template is always applied; choose another template to run with');
    }

    const layers: ConfigLayer[] = [];
    if (defaultTemplate) layers.push(this.templateLayer('DEFAULT_TEMPLATE', defaultTemplate));
    if (bound && bound.id !== defaultTemplate?.id) layers.push(this.templateLayer('BOUND_TEMPLATE', bound));
    if (recording && chosen) layers.push(this.templateLayer('RUNTIME_TEMPLATE', chosen));
    if (recording) layers.push(this.overridesLayer('RECORDING_OVERRIDES', recording.configOverrides, 'recording.configOverrides'));
    if (request.overrides != null) {
      const overrides = await this.validateOverrides(db, request.overrides, 'overrides');
      layers.push(this.overridesLayer('REQUEST_OVERRIDES', overrides, 'overrides'));
    }
    return this.merge(recording?.id ?? null, layers);
  }

  /** Checks (and normalises) the sections a template or an override stores; throws ValidationError. */
  async validateSections(db: TenantDb, input: SectionInput, prefix = ''): Promise<Partial<ConfigSections>> {
    const issues: FieldIssue[] = [];
    const at = (key: string) => (prefix ? `${prefix}.${key}` : key);
    const result: Partial<ConfigSections> = {};
    for (const key of Object.keys(sectionSchemas) as Array<keyof ConfigSections>) {
      if (input[key] === undefined || input[key] === null) continue;
      const parsed = parseInto(sectionSchemas[key], input[key], at(key), issues);
      if (parsed) result[key] = compact(parsed as JsonObject);
    }
    if (result.metadataConfig) checkTemplates(result.metadataConfig, at('metadataConfig'), issues);
    const output = result.outputConfig;
    if (output && Array.isArray(output.presetIds)) {
      output.presetIds = await normalizePresetIds(db, output.presetIds as string[], at('outputConfig.presetIds'), issues);
    }
    throwIfIssues(issues);
    return result;
  }

  async setRecordingOverrides(db: TenantDb, recordingId: string, overrides: unknown): Promise<Recording> {
    const recording = await this.findRecording(db, recordingId);
    const validated = await this.validateOverrides(db, overrides, '');
    return db.recording.update({ where: { id: recording.id }, data: { configOverrides: validated as Prisma.InputJsonObject } });
  }

  /** JSON Merge Patch over the stored overrides: objects merge, null removes a key. */
  async patchRecordingOverrides(db: TenantDb, recordingId: string, patch: unknown): Promise<Recording> {
    const recording = await this.findRecording(db, recordingId);
    if (!isPlainObject(patch)) throw ValidationError.field('patch', 'Must be an object');
    const current = isPlainObject(recording.configOverrides) ? recording.configOverrides : {};
    const validated = await this.validateOverrides(db, mergePatch(current, patch), '');
    return db.recording.update({ where: { id: recording.id }, data: { configOverrides: validated as Prisma.InputJsonObject } });
  }

  async clearRecordingOverrides(db: TenantDb, recordingId: string): Promise<Recording> {
    const recording = await this.findRecording(db, recordingId);
    return db.recording.update({ where: { id: recording.id }, data: { configOverrides: {} } });
  }

  /** Checks per-request overrides (`{ processingConfig?, metadataConfig?, outputConfig? }`) as a run would. */
  async validateOverrides(db: TenantDb, value: unknown, prefix: string): Promise<Partial<ConfigSections>> {
    const shape = configOverridesSchema.safeParse(value ?? {});
    if (!shape.success) throw new ValidationError('The overrides are invalid', issuesOf(shape.error, prefix));
    return this.validateSections(db, shape.data, prefix);
  }

  private merge(recordingId: string | null, layers: ConfigLayer[]): ResolvedConfig {
    const issues: FieldIssue[] = [];
    const processing = parseInto(processingConfigSchema, mergeLayers(layers.map((l) => l.processingConfig)), 'processingConfig', issues);
    const output = parseInto(outputConfigSchema, mergeLayers(layers.map((l) => l.outputConfig)), 'outputConfig', issues);
    throwIfIssues(issues, 'The merged configuration is invalid');
    return {
      recordingId,
      processingConfig: processing as ProcessingConfig,
      metadataConfig: mergeLayers(layers.map((l) => l.metadataConfig)),
      outputConfig: output as OutputConfig,
      layers,
    };
  }

  /** A stored layer; rows that do not fit the layer schema answer a ValidationError naming the layer. */
  private templateLayer(source: LayerSource, template: Template): ConfigLayer {
    const sections = this.storedSections(template, source);
    return { source, templateId: template.id, templateName: template.name, ...sections };
  }

  private overridesLayer(source: LayerSource, stored: unknown, path: string): ConfigLayer {
    const value = isPlainObject(stored) ? stored : {};
    return { source, templateId: null, templateName: null, ...this.storedSections(value, path) };
  }

  private storedSections(row: SectionInput, path: string): ConfigSections {
    const issues: FieldIssue[] = [];
    const section = (key: keyof ConfigSections) => compact((parseInto(sectionSchemas[key], row[key], `${path}.${key}`, issues) ?? {}) as JsonObject);
    const sections = { processingConfig: section('processingConfig'), metadataConfig: section('metadataConfig'), outputConfig: section('outputConfig') };
    throwIfIssues(issues, `The stored configuration of ${path} is invalid`);
    return sections;
  }

  async findRecording(db: TenantDb, id: string): Promise<Recording> {
    const recording = isRowId(id) ? await db.recording.findUnique({ where: { id } }) : null;
    if (!recording) throw new NotFoundError('Recording');
    return recording;
  }

  private async findTemplate(db: TenantDb, id: string): Promise<Template> {
    const template = isRowId(id) ? await db.template.findUnique({ where: { id } }) : null;
    if (!template) throw new NotFoundError('Template');
    return template;
  }
}
