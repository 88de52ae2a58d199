import type { Plan, Prisma, PrismaClient, QuotaOverride } from '../../generated/prisma/client.js';
import { ConflictError, NotFoundError, ValidationError, type FieldIssue } from '../../lib/errors.js';
import { isRowId, isUniqueViolation } from '../auth/auth.service.js';
import { recordAudit } from '../audit/audit.service.js';
import { audit, type AdminActor } from '../admin/admin.service.js';
import { QUOTAS, type Quota } from './quotas.service.js';

// Plans CRUD, plan assignment and per-tenant quota overrides (platform admins). Every change is
// audited with `{ field: { from, to } }` details, in the transaction that makes it.

/** Limits as given: a number sets (0 included), null means unlimited (plan) or "use the plan" (override), absent keeps. */
export type LimitsInput = Partial<Record<Quota | 'retentionDays', number | null>>;

export interface PlanInput extends LimitsInput {
  name: string;
  displayName: string;
  description?: string | null;
  isActive?: boolean | null;
  sortOrder?: number | null;
  priceMonthly?: number | null;
  priceYearly?: number | null;
}

export type PlanPatch = { [K in keyof PlanInput]?: PlanInput[K] | null };

export interface OverrideInput extends Partial<Record<Quota, number | null>> {
  notes?: string | null;
}

const PLAN_FIELDS = [...QUOTAS, 'retentionDays'] as const;

export class PlansService {
  constructor(private readonly prisma: PrismaClient) {}

  list(includeInactive: boolean): Promise<Plan[]> {
    return this.prisma.plan.findMany({ where: includeInactive ? {} : { isActive: true }, orderBy: [{ sortOrder: 'asc' }, { name: 'asc' }] });
  }

  async find(id: string): Promise<Plan> {
    const plan = isRowId(id) ? await this.prisma.plan.findUnique({ where: { id } }) : null;
    if (!plan) throw new NotFoundError('Plan');
    return plan;
  }

  async create(actor: AdminActor, input: PlanInput): Promise<Plan> {
    const data = planData(input, true);
    return this.unique(() =>
      this.prisma.$transaction(async (tx) => {
        const plan = await tx.plan.create({ data: data as Prisma.PlanCreateInput });
        await recordAudit(tx, audit(actor, 'plan.created', null, { name: plan.name }, { type: 'Plan', id: plan.id }));
        return plan;
      }),
    );
  }

  async update(actor: AdminActor, id: string, patch: PlanPatch): Promise<Plan> {
    const current = await this.find(id);
    const data = planData(patch, false);
    return this.unique(() =>
      this.prisma.$transaction(async (tx) => {
        const plan = await tx.plan.update({ where: { id }, data });
        await recordAudit(tx, audit(actor, 'plan.updated', null, changes(current, plan, Object.keys(data)), { type: 'Plan', id }));
        return plan;
      }),
    );
  }

  /** Only a plan no tenant is on can be deleted (deactivate it otherwise). */
  async delete(actor: AdminActor, id: string): Promise<Plan> {
    const plan = await this.find(id);
    const tenants = await this.prisma.tenant.count({ where: { planId: id } });
    if (tenants > 0) throw new ConflictError(`${tenants} workspace(s) are on this plan; move them or deactivate the plan instead`);
    await this.prisma.$transaction(async (tx) => {
      await tx.plan.delete({ where: { id } });
      await recordAudit(tx, audit(actor, 'plan.deleted', null, { name: plan.name }, { type: 'Plan', id }));
    });
    return plan;
  }

  /** Puts a tenant on a plan (null: no plan, unlimited). */
  async assign(actor: AdminActor, tenantId: string, planId: string | null): Promise<void> {
    const tenant = isRowId(tenantId) ? await this.prisma.tenant.findUnique({ where: { id: tenantId }, include: { plan: true } }) : null;
    if (!tenant) throw new NotFoundError('Tenant');
    const plan = planId === null ? null : await this.find(planId);
    await this.prisma.$transaction(async (tx) => {
      await tx.tenant.update({ where: { id: tenantId }, data: { planId: plan?.id ?? null } });
      await recordAudit(tx, audit(actor, 'tenant.plan_assigned', tenantId, { plan: { from: tenant.plan?.name ?? null, to: plan?.name ?? null } }));
    });
  }

  async override(tenantId: string): Promise<QuotaOverride | null> {
    return this.prisma.quotaOverride.findUnique({ where: { tenantId } });
  }

  /** Sets the given override fields (0 means 0, null falls back to the plan); absent fields stay. */
  async setOverride(actor: AdminActor, tenantId: string, input: OverrideInput): Promise<QuotaOverride> {
    if (!isRowId(tenantId) || !(await this.prisma.tenant.findUnique({ where: { id: tenantId }, select: { id: true } }))) throw new NotFoundError('Tenant');
    const data: Prisma.QuotaOverrideUncheckedUpdateInput = { ...limitsData(input, QUOTAS), updatedById: actor.userId };
    if (input.notes !== undefined) data.notes = input.notes?.trim() || null;
    return this.prisma.$transaction(async (tx) => {
      const before = await tx.quotaOverride.findUnique({ where: { tenantId } });
      const after = await tx.quotaOverride.upsert({
        where: { tenantId },
        create: { ...(data as Prisma.QuotaOverrideUncheckedCreateInput), tenantId },
        update: data,
      });
      const fields = Object.keys(data).filter((key) => key !== 'updatedById');
      await recordAudit(tx, audit(actor, 'quota_override.set', tenantId, changes(before, after, fields)));
      return after;
    });
  }

  /** Removes every override: the tenant's plan applies again. */
  async clearOverride(actor: AdminActor, tenantId: string): Promise<boolean> {
    return this.prisma.$transaction(async (tx) => {
      const before = isRowId(tenantId) ? await tx.quotaOverride.findUnique({ where: { tenantId } }) : null;
      if (!before) return false;
      await tx.quotaOverride.delete({ where: { tenantId } });
      await recordAudit(tx, audit(actor, 'quota_override.cleared', tenantId, changes(before, null, [...QUOTAS])));
      return true;
    });
  }

  private async unique<T>(write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (error) {
      if (isUniqueViolation(error)) throw new ConflictError('A plan with this name already exists');
      throw error;
    }
  }
}

function planData(input: PlanPatch, creating: boolean): Prisma.PlanUpdateInput {
  const issues: FieldIssue[] = [];
  const data: Prisma.PlanUpdateInput = {};
  if (input.name !== undefined || creating) {
    const name = input.name?.trim() ?? '';
    if (!/^[a-z0-9][a-z0-9_-]{0,49}$/.test(name)) issues.push({ path: 'name', message: 'Name must be 1–50 lowercase letters, digits, - or _' });
    data.name = name;
  }
  if (input.displayName !== undefined || creating) {
    const displayName = input.displayName?.trim() ?? '';
    if (!displayName || displayName.length > 100) issues.push({ path: 'displayName', message: 'Display name must be 1–100 characters' });
    data.displayName = displayName;
  }
  if (input.description !== undefined) data.description = input.description?.trim() || null;
  if (input.isActive != null) data.isActive = input.isActive;
  if (input.sortOrder != null) data.sortOrder = input.sortOrder;
  for (const field of ['priceMonthly', 'priceYearly'] as const) {
    const value = input[field];
    if (value == null) continue;
    if (!(value >= 0 && value < 1e8)) issues.push({ path: field, message: 'Price must be between 0 and 99,999,999.99' });
    data[field] = value.toFixed(2);
  }
  try {
    Object.assign(data, limitsData(input, PLAN_FIELDS));
  } catch (error) {
    if (error instanceof ValidationError) issues.push(...error.issues);
    else throw error;
  }
  if (issues.length) throw new ValidationError(issues.map((i) => i.message).join('; '), issues);
  return data;
}

function limitsData(input: LimitsInput, fields: readonly (Quota | 'retentionDays')[]): Record<string, number | null> {
  const issues: FieldIssue[] = [];
  const data: Record<string, number | null> = {};
  for (const field of fields) {
    const value = input[field];
    if (value === undefined) continue;
    if (value !== null && !(Number.isInteger(value) && value >= 0)) issues.push({ path: field, message: 'A limit is a whole number ≥ 0, or null' });
    else if (field === 'retentionDays' && value === 0) issues.push({ path: field, message: 'Retention must be at least one day' });
    data[field] = value;
  }
  if (issues.length) throw new ValidationError(issues.map((i) => i.message).join('; '), issues);
  return data;
}

function changes(before: object | null, after: object | null, fields: string[]): Prisma.InputJsonObject {
  const read = (row: object | null, key: string) => {
    const value = row ? (row as Record<string, unknown>)[key] : null;
    return value === undefined || value === null ? null : typeof value === 'object' ? String(value) : (value as string | number | boolean);
  };
  return Object.fromEntries(fields.map((key) => [key, { from: read(before, key), to: read(after, key) }]));
}
