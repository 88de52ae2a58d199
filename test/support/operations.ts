import {
  getNamedType,
  isAbstractType,
  isEnumType,
  isInputObjectType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  parse,
  validate,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLNamedType,
  type GraphQLObjectType,
  type GraphQLSchema,
} from 'graphql';

// Generates operations for every root field of a schema from its types alone, so an operation added
// to the API is exercised without anyone listing it: arguments come from value pools chosen by type
// (and, for strings, by argument name), selections from the return type.

export type RootKind = 'query' | 'mutation' | 'subscription';

/** A value known only when the operation runs (the caller's current token, a fresh email …). */
export class Live {
  constructor(readonly key: string) {}
  toJSON(): string {
    return `<${this.key}>`;
  }
}

/** A file for an `Upload` argument, sent as a part of a GraphQL multipart request. */
export class UploadFile {
  constructor(
    readonly name: string,
    readonly content: string,
  ) {}
  toJSON(): string {
    return `<upload ${this.name}>`;
  }
}

/** Candidate values by kind; the first of each pool is the one used where a value is required. */
export interface ValuePools {
  ids: unknown[];
  cursors: unknown[];
  emails: unknown[];
  passwords: unknown[];
  tokens: unknown[];
  timezones: unknown[];
  strings: unknown[];
}

export interface Operation {
  kind: RootKind;
  field: string;
  /** Variables for the field's arguments; may contain `Live` values. */
  variables: Record<string, unknown>;
  /**
   * The document, selecting object fields down to `depth` levels (connections and edges are free);
   * depth 0 selects only `__typename` and ids.
   */
  document(depth: number): string;
  /** Human-readable name for assertion messages. */
  label: string;
}

export function rootTypes(schema: GraphQLSchema): Array<[RootKind, GraphQLObjectType]> {
  const roots: Array<[RootKind, GraphQLObjectType | null | undefined]> = [
    ['query', schema.getQueryType()],
    ['mutation', schema.getMutationType()],
    ['subscription', schema.getSubscriptionType()],
  ];
  return roots.filter((root): root is [RootKind, GraphQLObjectType] => Boolean(root[1]));
}

/** Every root field as `kind.field`. */
export function rootFieldNames(schema: GraphQLSchema): string[] {
  return rootTypes(schema).flatMap(([kind, type]) => Object.keys(type.getFields()).map((name) => `${kind}.${name}`));
}

export function operationsFor(schema: GraphQLSchema, kind: RootKind, pools: ValuePools): Operation[] {
  const root = rootTypes(schema).find(([k]) => k === kind)?.[1];
  if (!root) return [];
  return Object.values(root.getFields()).flatMap((field) =>
    argumentVariants(field.args, pools).map((variables) => ({
      kind,
      field: field.name,
      variables,
      label: `${kind} ${field.name}(${JSON.stringify(variables)})`,
      document: (depth: number) => buildDocument(schema, kind, field, variables, depth),
    })),
  );
}

// ───────────────────────────── argument values ─────────────────────────────

/**
 * One variant with every required argument at its first candidate and optional ones omitted, then
 * one variant per (argument, candidate): each value is tried once without a combinatorial blow-up.
 */
function argumentVariants(args: readonly { name: string; type: GraphQLInputType; defaultValue?: unknown }[], pools: ValuePools, depth = 0): Array<Record<string, unknown>> {
  const base: Record<string, unknown> = {};
  const candidates = new Map(args.map((arg) => [arg.name, valuesFor(arg.type, arg.name, pools, depth)]));
  for (const arg of args) {
    if (isNonNullType(arg.type) && arg.defaultValue === undefined) base[arg.name] = candidates.get(arg.name)?.[0] ?? null;
  }
  const variants = [base];
  for (const arg of args) {
    for (const value of candidates.get(arg.name) ?? []) variants.push({ ...base, [arg.name]: value });
  }
  const seen = new Set<string>();
  return variants.filter((variant) => {
    const key = JSON.stringify(variant);
    return seen.has(key) ? false : (seen.add(key), true);
  });
}

function valuesFor(type: GraphQLInputType, name: string, pools: ValuePools, depth: number): unknown[] {
  if (isNonNullType(type)) return valuesFor(type.ofType, name, pools, depth);
  if (isListType(type)) {
    const items = valuesFor(type.ofType, name, pools, depth);
    return [...items.map((item) => [item]), ...(items.length > 1 ? [items] : [])];
  }
  if (isEnumType(type)) return type.getValues().map((value) => value.name);
  if (isInputObjectType(type)) {
    if (depth >= 3) return [{}];
    return argumentVariants(Object.values(type.getFields()), pools, depth + 1);
  }
  switch (type.name) {
    case 'ID':
      return pools.ids;
    case 'String':
      return stringValues(name, pools);
    case 'Int':
      return [1, 100];
    case 'Float':
      return [1.5];
    case 'Boolean':
      return [true, false];
    case 'DateTime':
      return ['2020-01-01T00:00:00.000Z', new Date().toISOString()];
    case 'JSON':
      return [{}];
    case 'Upload':
      return [new UploadFile('lecture.mp4', 'not really a video')];
    default:
      return ['x'];
  }
}

/** Strings are chosen by the argument's name: emails, passwords, tokens, ids, cursors, time zones. */
function stringValues(name: string, pools: ValuePools): unknown[] {
  if (/e-?mail/i.test(name)) return pools.emails;
  if (/password/i.test(name)) return pools.passwords;
  if (/token/i.test(name)) return pools.tokens;
  if (/(^id|Ids?)$/.test(name) || /^ids?$/i.test(name)) return pools.ids;
  if (/^(after|before|cursor)$/i.test(name)) return pools.cursors;
  if (/time-?zone/i.test(name)) return pools.timezones;
  return pools.strings;
}

// ───────────────────────────── selections ─────────────────────────────

interface SelectionContext {
  schema: GraphQLSchema;
  /** Aliases are limited per document by the server; spend a few on fields that would conflict. */
  aliasBudget: number;
}

function buildDocument(schema: GraphQLSchema, kind: RootKind, field: GraphQLField<unknown, unknown>, variables: Record<string, unknown>, depth: number): string {
  const used = field.args.filter((arg: GraphQLArgument) => arg.name in variables);
  const definitions = used.map((arg) => `$${arg.name}: ${arg.type.toString()}`).join(', ');
  const args = used.map((arg) => `${arg.name}: $${arg.name}`).join(', ');
  const named = getNamedType(field.type);
  const ctx: SelectionContext = { schema, aliasBudget: 10 };
  const selection = isLeafType(named) ? '' : ` { ${depth > 0 ? selectionSet(ctx, named, depth - 1) : idSelection(ctx, named)} }`;
  const document = `${kind} Sweep${definitions ? `(${definitions})` : ''} { ${field.name}${args ? `(${args})` : ''}${selection} }`;
  const errors = validate(schema, parse(document));
  if (errors.length > 0) throw new Error(`generated an invalid document: ${errors.map((e) => e.message).join('; ')}\n${document}`);
  return document;
}

function selectionSet(ctx: SelectionContext, type: GraphQLNamedType, remaining: number): string {
  if (isObjectType(type)) return objectSelection(ctx, type, remaining, new Map());
  if (!isAbstractType(type)) return '__typename';
  // Sibling fragments may not select one response name with different types: alias or skip those.
  const shapes = new Map<string, string>();
  const fragments = ctx.schema
    .getPossibleTypes(type)
    .map((member) => `... on ${member.name} { ${objectSelection(ctx, member, remaining, shapes)} }`);
  return ['__typename', ...fragments].join(' ');
}

/** Wrapper types that do not count as a level: `edges { node { … } }`. */
function isPassThrough(type: GraphQLNamedType): boolean {
  return isObjectType(type) && /(Connection|Edge)$/.test(type.name) && ('edges' in type.getFields() || 'node' in type.getFields());
}

function objectSelection(ctx: SelectionContext, type: GraphQLObjectType, remaining: number, shapes: Map<string, string>): string {
  const parts = ['__typename'];
  for (const field of Object.values(type.getFields())) {
    if (field.args.some((arg) => isNonNullType(arg.type) && arg.defaultValue === undefined)) continue;
    const named = getNamedType(field.type);
    let text: string;
    if (isLeafType(named)) text = field.name;
    else if (isPassThrough(named)) text = `${field.name} { ${selectionSet(ctx, named, remaining)} }`;
    else if (remaining > 0) text = `${field.name} { ${selectionSet(ctx, named, remaining - 1)} }`;
    else text = `${field.name} { ${idSelection(ctx, named)} }`;
    const shape = `${field.type.toString()} ${text}`;
    const previous = shapes.get(field.name);
    if (previous === undefined || previous === shape) {
      shapes.set(field.name, shape);
      parts.push(text);
    } else if (ctx.aliasBudget > 0) {
      ctx.aliasBudget -= 1;
      parts.push(`${field.name}_${type.name}: ${text}`);
    }
  }
  return parts.join(' ');
}

/** The last level: just enough to see which object (and which id) came back. */
function idSelection(ctx: SelectionContext, type: GraphQLNamedType): string {
  const members = isAbstractType(type) ? ctx.schema.getPossibleTypes(type) : isObjectType(type) ? [type] : [];
  const withId = members.filter((member) => 'id' in member.getFields());
  if (isObjectType(type)) return withId.length > 0 ? '__typename id' : '__typename';
  return ['__typename', ...withId.map((member) => `... on ${member.name} { id }`)].join(' ');
}

/** Replaces `Live` values (recursively) through `resolve`. */
export function resolveLive(value: unknown, resolve: (key: string) => unknown): unknown {
  if (value instanceof Live) return resolve(value.key);
  if (value instanceof UploadFile) return value;
  if (Array.isArray(value)) return value.map((item) => resolveLive(item, resolve));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, resolveLive(item, resolve)]));
  }
  return value;
}

/** Variables with every `UploadFile` replaced by null, and the files with their variable paths. */
export function splitUploads(value: unknown, path = 'variables'): { value: unknown; files: Array<{ path: string; file: UploadFile }> } {
  if (value instanceof UploadFile) return { value: null, files: [{ path, file: value }] };
  const files: Array<{ path: string; file: UploadFile }> = [];
  const take = (item: unknown, at: string) => {
    const split = splitUploads(item, at);
    files.push(...split.files);
    return split.value;
  };
  if (Array.isArray(value)) return { value: value.map((item, i) => take(item, `${path}.${i}`)), files };
  if (value && typeof value === 'object') {
    return { value: Object.fromEntries(Object.entries(value).map(([key, item]) => [key, take(item, `${path}.${key}`)])), files };
  }
  return { value, files };
}
