import { builder } from '../../graphql/builder.js';
import type { Plan, QuotaOverride } from '../../generated/prisma/client.js';
import { ConflictError, NotFoundError, ValidationError } from '../../lib/errors.js';
import { QUOTAS } from '../quotas/quotas.service.js';
import { TenantNode } from '../tenants/tenants.graphql.js';
import { actorOf, AdminTenantRef } from './admin.graphql.js';

// Plans CRUD, plan assignment and per-tenant quota overrides (platform administrators only).
// Limits: null is unlimited on a plan and "use the plan" on an override; an override of 0 means 0.

const PlanRef = builder.objectRef<Plan>('Plan').implement({
  fields: (t) => ({
    id: t.globalID({ resolve: (p) => ({ type: 'Plan', id: p.id }) }),
    name: t.exposeString('name'),
    displayName: t.exposeString('displayName'),
    description: t.exposeString('description', { nullable: true }),
    isActive: t.exposeBoolean('isActive'),
    sortOrder: t.exposeInt('sortOrder'),
    ...Object.fromEntries(QUOTAS.map((q) => [q, t.exposeInt(q, { nullable: true })])),
    retentionDays: t.exposeInt('retentionDays', { nullable: true, description: 'null: the installation default (RETENTION_DAYS)' }),
    priceMonthly: t.float({ resolve: (p) => Number(p.priceMonthly) }),
    priceYearly: t.float({ resolve: (p) => Number(p.priceYearly) }),
  }),
});

const QuotaOverrideRef = builder.objectRef<QuotaOverride>('QuotaOverride').implement({
  fields: (t) => ({
    tenantId: t.globalID({ resolve: (o) => ({ type: 'Tenant', id: o.tenantId }) }),
    ...Object.fromEntries(QUOTAS.map((q) => [q, t.exposeInt(q, { nullable: true })])),
    notes: t.exposeString('notes', { nullable: true }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

const limitFields = (t: Parameters<Parameters<typeof builder.inputType>[1]['fields']>[0]) =>
  Object.fromEntries(QUOTAS.map((q) => [q, t.int({ required: false })])) as Record<(typeof QUOTAS)[number], ReturnType<typeof t.int>>;

const PlanInputRef = builder.inputType('PlanInput', {
  fields: (t) => ({
    name: t.string({ required: true, description: 'Stable key: lowercase letters, digits, - and _' }),
    displayName: t.string({ required: true }),
    description: t.string(),
    isActive: t.boolean(),
    sortOrder: t.int(),
    priceMonthly: t.float(),
    priceYearly: t.float(),
    retentionDays: t.int(),
    ...limitFields(t),
  }),
});

const PlanPatchRef = builder.inputType('PlanPatch', {
  fields: (t) => ({
    name: t.string(),
    displayName: t.string(),
    description: t.string(),
    isActive: t.boolean(),
    sortOrder: t.int(),
    priceMonthly: t.float(),
    priceYearly: t.float(),
    retentionDays: t.int(),
    ...limitFields(t),
  }),
});

const QuotaOverrideInputRef = builder.inputType('QuotaOverrideInput', {
  description: 'Fields left out stay as they are; null falls back to the plan; 0 means 0.',
  fields: (t) => ({ notes: t.string(), ...limitFields(t) }),
});

builder.queryFields((t) => ({
  plans: t.field({
    type: [PlanRef],
    authScopes: { superadmin: true },
    args: { includeInactive: t.arg.boolean({ defaultValue: true }) },
    resolve: (_root, { includeInactive }, ctx) => ctx.services.plans.list(includeInactive ?? true),
  }),
  tenantQuotaOverride: t.field({
    type: QuotaOverrideRef,
    nullable: true,
    authScopes: { superadmin: true },
    args: { tenantId: t.arg.globalID({ for: TenantNode, required: true }) },
    resolve: (_root, { tenantId }, ctx) => ctx.services.plans.override(tenantId.id),
  }),
}));

builder.mutationFields((t) => ({
  createPlan: t.field({
    type: PlanRef,
    authScopes: { superadmin: true },
    args: { input: t.arg({ type: PlanInputRef, required: true }) },
    errors: { types: [ValidationError, ConflictError] },
    resolve: (_root, { input }, ctx) => ctx.services.plans.create(actorOf(ctx), input),
  }),
  updatePlan: t.field({
    type: PlanRef,
    authScopes: { superadmin: true },
    args: { id: t.arg.globalID({ required: true }), patch: t.arg({ type: PlanPatchRef, required: true }) },
    errors: { types: [ValidationError, NotFoundError, ConflictError] },
    resolve: (_root, { id, patch }, ctx) => ctx.services.plans.update(actorOf(ctx), planId(id), patch),
  }),
  deletePlan: t.field({
    type: PlanRef,
    authScopes: { superadmin: true },
    description: 'Only a plan no workspace is on (deactivate it otherwise).',
    args: { id: t.arg.globalID({ required: true }) },
    errors: { types: [NotFoundError, ConflictError] },
    resolve: (_root, { id }, ctx) => ctx.services.plans.delete(actorOf(ctx), planId(id)),
  }),
  assignPlan: t.field({
    type: AdminTenantRef,
    authScopes: { superadmin: true },
    description: 'Puts a workspace on a plan; planId null leaves it without one (unlimited).',
    args: { tenantId: t.arg.globalID({ for: TenantNode, required: true }), planId: t.arg.globalID() },
    errors: { types: [NotFoundError] },
    resolve: async (_root, { tenantId, planId: plan }, ctx) => {
      await ctx.services.plans.assign(actorOf(ctx), tenantId.id, plan ? planId(plan) : null);
      return ctx.services.admin.tenant(tenantId.id);
    },
  }),
  setQuotaOverride: t.field({
    type: QuotaOverrideRef,
    authScopes: { superadmin: true },
    args: { tenantId: t.arg.globalID({ for: TenantNode, required: true }), input: t.arg({ type: QuotaOverrideInputRef, required: true }) },
    errors: { types: [ValidationError, NotFoundError] },
    resolve: (_root, { tenantId, input }, ctx) => ctx.services.plans.setOverride(actorOf(ctx), tenantId.id, input),
  }),
  clearQuotaOverride: t.boolean({
    authScopes: { superadmin: true },
    description: 'Removes every override of the workspace (its plan applies again); false when it had none.',
    args: { tenantId: t.arg.globalID({ for: TenantNode, required: true }) },
    resolve: (_root, { tenantId }, ctx) => ctx.services.plans.clearOverride(actorOf(ctx), tenantId.id),
  }),
}));

function planId(id: { typename: string; id: string }): string {
  if (id.typename !== 'Plan') throw new NotFoundError('Plan');
  return id.id;
}
