import { PrismaPg } from '@prisma/adapter-pg';
import { config } from '../config.js';
import { PrismaClient } from '../generated/prisma/client.js';
import { getDatamodel } from '../generated/pothos-types.js';

export { PrismaClient };

export function createPrisma(connectionString = config.databaseUrl): PrismaClient {
  return new PrismaClient({ adapter: new PrismaPg({ connectionString }) });
}

/**
 * The unscoped client. Only code that is cross-tenant by nature uses it directly: authentication
 * (a user before a tenant is chosen), platform administration, and workers resolving a job's tenant.
 * Everything tenant-owned goes through `forTenant`.
 */
export const prisma: PrismaClient = createPrisma();

const models = getDatamodel().datamodel.models;

/** Models with a `tenantId` column, read from the datamodel so a new model is scoped automatically. */
const tenantOwnedModels = new Set(
  Object.entries(models)
    .filter(([, model]) => model.fields.some((field) => field.name === 'tenantId'))
    .map(([name]) => name),
);

/** Relation fields per model (`{ memberships: { type: 'Membership', isList: true } }`). */
const relationFields = new Map(
  Object.entries(models).map(([name, model]) => [
    name,
    new Map(model.fields.filter((field) => field.kind === 'object').map((field) => [field.name, field])),
  ]),
);

const readOperations = new Set([
  'findUnique',
  'findUniqueOrThrow',
  'findFirst',
  'findFirstOrThrow',
  'findMany',
  'count',
  'aggregate',
  'groupBy',
]);
/** Operations whose `where` decides which rows they touch. */
const whereOperations = new Set([
  ...readOperations,
  'update',
  'updateMany',
  'updateManyAndReturn',
  'delete',
  'deleteMany',
]);

type Args = Record<string, unknown>;

class TenantScopeViolation extends Error {
  constructor(model: string, operation: string) {
    super(`${model}.${operation} is not allowed through the tenant-scoped client`);
    this.name = 'TenantScopeViolation';
  }
}

/**
 * Adds `filter` to the caller's where with AND, so it only narrows: asking for another tenant's id
 * (or `tenantId`) finds nothing rather than being rewritten to the caller's own rows. Unique
 * fields stay at the top level, as findUnique, update and delete require.
 */
function withWhere(args: Args, filter: Args): Args {
  const where = (args.where as Args | undefined) ?? {};
  const and = where.AND === undefined ? [] : Array.isArray(where.AND) ? where.AND : [where.AND];
  return { ...args, where: { ...where, AND: [...and, filter] } };
}

/** Rows of `model` a to-many relation may list, or null when every related row is the tenant's anyway. */
function relatedRowsFilter(model: string, tenantId: string): Args | null {
  if (tenantOwnedModels.has(model)) return { tenantId };
  if (model === 'Tenant') return { id: tenantId };
  if (model === 'User') return { memberships: { some: { tenantId } } };
  return null;
}

/**
 * Nested reads are not seen by query extensions, so relations in `select`/`include` get the same
 * filter: `user { memberships }` lists this tenant's membership only, `plan { tenants }` this tenant.
 * To-one relations need none: a tenant's rows only point at the tenant's rows.
 */
function scopeSelections(model: string, args: Args, tenantId: string): Args {
  const scoped = { ...args };
  for (const key of ['select', 'include'] as const) {
    const selection = args[key];
    if (selection && typeof selection === 'object') scoped[key] = scopeSelection(model, selection as Args, tenantId);
  }
  return scoped;
}

function scopeSelection(model: string, selection: Args, tenantId: string): Args {
  const relations = relationFields.get(model);
  const scoped: Args = {};
  for (const [name, value] of Object.entries(selection)) {
    const relation = relations?.get(name);
    if (name === '_count') scoped[name] = scopeCount(model, value, tenantId);
    else if (!relation || !value) scoped[name] = value;
    else {
      const nested = scopeSelections(relation.type, value === true ? {} : (value as Args), tenantId);
      const filter = relation.isList ? relatedRowsFilter(relation.type, tenantId) : null;
      scoped[name] = filter ? withWhere(nested, filter) : value === true ? true : nested;
    }
  }
  return scoped;
}

function scopeCount(model: string, value: unknown, tenantId: string): unknown {
  const relations = [...(relationFields.get(model)?.values() ?? [])].filter((field) => field.isList);
  const counted =
    value === true
      ? Object.fromEntries(relations.map((field) => [field.name, true]))
      : ((value as Args | null | undefined)?.select as Args | undefined);
  if (!counted) return value;
  return { select: scopeSelection(model, counted, tenantId) };
}

/**
 * Write data may set scalar columns only: nested writes (`connect`, `create` … through a relation)
 * bypass the extension, and a tenant-owned row must not be moved to another tenant.
 */
function assertPlainData(model: string, operation: string, data: unknown, tenantId: string): void {
  const relations = relationFields.get(model);
  for (const row of Array.isArray(data) ? data : [data]) {
    if (!row || typeof row !== 'object') continue;
    for (const [key, value] of Object.entries(row as Args)) {
      if (relations?.has(key)) throw new TenantScopeViolation(model, `${operation} through the relation ${key}`);
      if (key === 'tenantId' && value !== tenantId && tenantOwnedModels.has(model)) {
        throw new TenantScopeViolation(model, `${operation} into another tenant`);
      }
    }
  }
}

function withTenantData(data: unknown, tenantId: string): unknown {
  if (Array.isArray(data)) return data.map((row) => withTenantData(row, tenantId));
  const row = (data ?? {}) as Args;
  return { ...row, tenantId };
}

const writeOperations = new Set([
  'create',
  'createMany',
  'createManyAndReturn',
  'update',
  'updateMany',
  'updateManyAndReturn',
  'upsert',
]);

/** Rewrites one Prisma operation so that it can only see and write the given tenant's rows. */
export function scopeToTenant(model: string, operation: string, rawArgs: unknown, tenantId: string): Args {
  const args = (rawArgs ?? {}) as Args;
  if (writeOperations.has(operation)) {
    for (const key of ['data', 'create', 'update'] as const) assertPlainData(model, operation, args[key], tenantId);
  }
  return scopeSelections(model, scopeRows(model, operation, args, tenantId), tenantId);
}

function scopeRows(model: string, operation: string, args: Args, tenantId: string): Args {
  if (tenantOwnedModels.has(model)) {
    if (whereOperations.has(operation)) return withWhere(args, { tenantId });
    if (operation === 'create' || operation === 'createMany' || operation === 'createManyAndReturn') {
      return { ...args, data: withTenantData(args.data, tenantId) };
    }
    if (operation === 'upsert') {
      return { ...withWhere(args, { tenantId }), create: withTenantData(args.create, tenantId) };
    }
    throw new TenantScopeViolation(model, operation);
  }
  if (model === 'Tenant' && (readOperations.has(operation) || operation === 'update')) {
    return withWhere(args, { id: tenantId });
  }
  if (model === 'User' && readOperations.has(operation)) {
    return withWhere(args, { memberships: { some: { tenantId } } });
  }
  if (model === 'Plan' && readOperations.has(operation)) return args;
  throw new TenantScopeViolation(model, operation);
}

/** The tenant-scoped client: same API as PrismaClient, every query confined to one tenant. */
export type TenantDb = PrismaClient;

export function forTenant(tenantId: string, base: PrismaClient = prisma): TenantDb {
  const scoped = base.$extends({
    name: 'tenant-scope',
    query: {
      $allModels: {
        $allOperations({ model, operation, args, query }) {
          return query(scopeToTenant(model, operation, args, tenantId) as typeof args);
        },
      },
    },
  });
  // A query-only extension leaves the client's API unchanged, so its type is PrismaClient's.
  return scoped as unknown as TenantDb;
}
