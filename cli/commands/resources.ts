import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import type { LeapClient } from '../../sdk/client.js';
import {
  CliCreateTemplateDocument,
  CliPresetsDocument,
  CliUpdateOutputPresetDocument,
  CliUpdateTemplateDocument,
  CreateOutputPresetDocument,
  TemplatesDocument,
  type CreateOutputPresetInput,
  type CreateTemplateInput,
  type UpdateOutputPresetInput,
  type UpdateTemplateInput,
} from '../../sdk/generated/graphql.js';
import { CliError, EXIT, printJson, printTable, unwrap } from '../output.js';
import { resolveApi, signedInClient } from '../session.js';
import type { GlobalOptions } from '../index.js';

// Templates and output presets as YAML files: the file is the mutation's input (see docs/cli.md and
// docs/templates.md for the fields); the API validates it and answers ValidationError with the path.

const TEMPLATE_FIELDS = ['name', 'description', 'isActive', 'isDraft', 'matchingRules', 'processingConfig', 'metadataConfig', 'outputConfig'];
const PRESET_FIELDS = ['name', 'platform', 'description', 'isActive', 'credentialId', 'metadata'];

async function readInput(file: string, fields: string[]): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new CliError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, EXIT.usage);
  }
  let value: unknown;
  try {
    value = parseYaml(text);
  } catch (error) {
    if (error instanceof YAMLParseError) throw new CliError(`${file}: invalid YAML at line ${error.linePos?.[0].line ?? '?'}: ${error.message.split('\n')[0]}`, EXIT.usage);
    throw error;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new CliError(`${file}: expected a mapping of fields (${fields.join(', ')})`, EXIT.usage);
  const unknown = Object.keys(value).filter((key) => !fields.includes(key));
  if (unknown.length) throw new CliError(`${file}: unknown field ${unknown.join(', ')} (allowed: ${fields.join(', ')})`, EXIT.usage);
  return value as Record<string, unknown>;
}

function requireName(input: Record<string, unknown>, file: string): string {
  if (typeof input.name !== 'string' || !input.name.trim()) throw new CliError(`${file}: "name" is required`, EXIT.usage);
  return input.name;
}

async function applyTemplate(client: LeapClient, file: string, id: string | null, mode: 'create' | 'update' | 'apply') {
  const input = await readInput(file, TEMPLATE_FIELDS);
  let target = id;
  if (mode === 'apply') {
    const name = requireName(input, file);
    const { templates } = await client.request(TemplatesDocument);
    target = templates.edges.find(({ node }) => node.name === name)?.node.id ?? null;
  }
  if (target) {
    const { updateTemplate } = await client.request(CliUpdateTemplateDocument, { id: target, input: input as UpdateTemplateInput });
    return { action: 'updated', template: unwrap(updateTemplate, 'Template') };
  }
  requireName(input, file);
  const { createTemplate } = await client.request(CliCreateTemplateDocument, { input: input as unknown as CreateTemplateInput });
  return { action: 'created', template: unwrap(createTemplate, 'Template') };
}

async function applyPreset(client: LeapClient, file: string, id: string | null, mode: 'create' | 'update' | 'apply') {
  const input = await readInput(file, PRESET_FIELDS);
  let target = id;
  if (mode === 'apply') {
    const name = requireName(input, file);
    const { outputPresets } = await client.request(CliPresetsDocument);
    target = outputPresets.edges.find(({ node }) => node.name === name)?.node.id ?? null;
  }
  if (target) {
    const { platform: _platform, ...update } = input;
    const { updateOutputPreset } = await client.request(CliUpdateOutputPresetDocument, { id: target, input: update as UpdateOutputPresetInput });
    return { action: 'updated', preset: unwrap(updateOutputPreset, 'OutputPreset') };
  }
  requireName(input, file);
  if (typeof input.platform !== 'string') throw new CliError(`${file}: "platform" is required to create a preset (YOUTUBE, VK, YANDEX_DISK, S3_EXPORT)`, EXIT.usage);
  const { createOutputPreset } = await client.request(CreateOutputPresetDocument, { input: input as unknown as CreateOutputPresetInput });
  return { action: 'created', preset: unwrap(createOutputPreset, 'OutputPreset') };
}

export function resourceCommands(program: Command, globals: () => GlobalOptions): void {
  const client = async () => (await signedInClient(await resolveApi(globals().api))).client;
  const report = (result: { action: string } & ({ template: { id: string; name: string } } | { preset: { id: string; name: string } })) => {
    if (globals().json) return printJson(result);
    const item = 'template' in result ? result.template : result.preset;
    process.stdout.write(`${result.action} ${'template' in result ? 'template' : 'preset'} "${item.name}" (${item.id})\n`);
  };

  const templates = program.command('templates').description('processing and metadata templates');
  templates
    .command('list', { isDefault: true })
    .description('the workspace templates')
    .action(async () => {
      const { templates: page } = await (await client()).request(TemplatesDocument);
      const rows = page.edges.map((e) => e.node);
      if (globals().json) return printJson(rows);
      printTable(['ID', 'NAME', 'DEFAULT', 'ACTIVE', 'DRAFT', 'USED'], rows.map((t) => [t.id, t.name, t.isDefault ? 'yes' : '', t.isActive ? 'yes' : 'no', t.isDraft ? 'yes' : '', t.usedCount]));
    });
  templates.command('create <file>').description('a new template from a YAML file').action(async (file: string) => report(await applyTemplate(await client(), file, null, 'create')));
  templates.command('update <id> <file>').description('replace the sections given in the YAML file').action(async (id: string, file: string) => report(await applyTemplate(await client(), file, id, 'update')));
  templates.command('apply <file>').description('update the template of that name, or create it').action(async (file: string) => report(await applyTemplate(await client(), file, null, 'apply')));

  const presets = program.command('presets').description('output presets (where and how recordings are published)');
  presets
    .command('list', { isDefault: true })
    .description('the workspace output presets')
    .action(async () => {
      const { outputPresets } = await (await client()).request(CliPresetsDocument);
      const rows = outputPresets.edges.map((e) => e.node);
      if (globals().json) return printJson(rows);
      printTable(['ID', 'NAME', 'PLATFORM', 'ACTIVE'], rows.map((p) => [p.id, p.name, p.platform, p.isActive ? 'yes' : 'no']));
    });
  presets.command('create <file>').description('a new preset from a YAML file').action(async (file: string) => report(await applyPreset(await client(), file, null, 'create')));
  presets.command('update <id> <file>').description('change a preset from a YAML file (platform cannot change)').action(async (id: string, file: string) => report(await applyPreset(await client(), file, id, 'update')));
  presets.command('apply <file>').description('update the preset of that name, or create it').action(async (file: string) => report(await applyPreset(await client(), file, null, 'apply')));
}
