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

/** Models with a `tenantId` column, read from the datamodel so a new model is scoped automatically. */
const tenantOwnedModels = new Set(
  Object.entries(getDatamodel().datamodel.models)
    .filter(([, model]) => model.fields.some((field) => field.name === 'tenantId'))
    .map(([name]) => name),
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

function withWhere(args: Args, filter: Args): Args {
  return { ...args, where: { ...((args.where as Args | undefined) ?? {}), ...filter } };
}

function withTenantData(data: unknown, tenantId: string): unknown {
  if (Array.isArray(data)) return data.map((row) => withTenantData(row, tenantId));
  const row = (data ?? {}) as Args;
  if ('tenant' in row) throw new Error('set tenant-owned rows through tenantId, not a tenant relation');
  return { ...row, tenantId };
}

/** Rewrites one Prisma operation so that it can only see and write the given tenant's rows. */
export function scopeToTenant(model: string, operation: string, rawArgs: unknown, tenantId: string): Args {
  const args = (rawArgs ?? {}) as Args;
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
