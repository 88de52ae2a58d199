import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prisma } from '../../src/lib/db.js';
import { rawId, registerUser, startTestApp, type RegisteredUser, type TestApp } from '../support/app.js';
import { ERROR_FIELDS, globalId, QUOTA_FIELDS } from '../support/templates.js';

// Platform administration over GraphQL: superadmins only, every mutation audited.

let app: TestApp;
let admin: RegisteredUser;
let member: RegisteredUser;

beforeAll(async () => {
  app = await startTestApp();
  [admin, member] = [await registerUser(app), await registerUser(app)];
  await prisma.user.update({ where: { id: rawId(admin.userId) }, data: { isSuperadmin: true } });
});
afterAll(() => app.close());

async function asAdmin<T>(query: string, variables: Record<string, unknown> = {}, token = admin.accessToken): Promise<T> {
  const res = await app.gql<T>(query, variables, token);
  expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
  return res.data as T;
}

const TENANT_FIELDS = 'id name suspendedAt suspendReason planName members recordings storageBytes';
const STATS = '{ platformStats { tenants suspendedTenants users recordingsByStatus { status count } deletedRecordings storageBytes runsLast24h { status count } } }';
const TENANTS = `query($search: String, $first: Int, $after: String) { adminTenants(search: $search, first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { node { ${TENANT_FIELDS} } } } }`;
const USERS = 'query($search: String) { adminUsers(search: $search) { totalCount edges { node { id email isSuperadmin tenants } } } }';
const SUSPEND = `mutation($tenantId: ID!, $reason: String) { suspendTenant(tenantId: $tenantId, reason: $reason) { ${ERROR_FIELDS} ... on AdminTenant { ${TENANT_FIELDS} } } }`;
const ACTIVATE = `mutation($tenantId: ID!) { activateTenant(tenantId: $tenantId) { ${ERROR_FIELDS} ... on AdminTenant { ${TENANT_FIELDS} } } }`;
const PLAN_FIELDS = 'id name displayName isActive recordingsPerMonth storageGb templates credentials retentionDays priceMonthly';
const PLANS = `{ plans { ${PLAN_FIELDS} } }`;
const CREATE_PLAN = `mutation($input: PlanInput!) { createPlan(input: $input) { ${ERROR_FIELDS} ... on Plan { ${PLAN_FIELDS} } } }`;
const UPDATE_PLAN = `mutation($id: ID!, $patch: PlanPatch!) { updatePlan(id: $id, patch: $patch) { ${ERROR_FIELDS} ... on Plan { ${PLAN_FIELDS} } } }`;
const DELETE_PLAN = `mutation($id: ID!) { deletePlan(id: $id) { ${ERROR_FIELDS} ... on Plan { id } } }`;
const ASSIGN = `mutation($tenantId: ID!, $planId: ID) { assignPlan(tenantId: $tenantId, planId: $planId) { ${ERROR_FIELDS} ... on AdminTenant { planName } } }`;
const SET_OVERRIDE = `mutation($tenantId: ID!, $input: QuotaOverrideInput!) { setQuotaOverride(tenantId: $tenantId, input: $input) { ${ERROR_FIELDS} ... on QuotaOverride { templates credentials recordingsPerMonth notes } } }`;
const CLEAR_OVERRIDE = 'mutation($tenantId: ID!) { clearQuotaOverride(tenantId: $tenantId) }';
const AUDIT = 'query($filter: AuditEventFilter) { auditEvents(filter: $filter) { totalCount edges { node { action tenantId actorEmail targetType targetId details createdAt } } } }';
const CREATE_TEMPLATE = `mutation($input: CreateTemplateInput!) { createTemplate(input: $input) { ${ERROR_FIELDS} ${QUOTA_FIELDS} } }`;
const ME = '{ me { email } }';

type Audit = { auditEvents: { totalCount: number; edges: Array<{ node: { action: string; tenantId: string | null; actorEmail: string; targetType: string; targetId: string; details: Record<string, unknown> } }> } };

describe('platform stats and listings', () => {
  it('counts tenants, users, recordings by status, storage and recent runs', async () => {
    // Other suites write concurrently: the figures must lie between counts taken before and after.
    const user = await registerUser(app);
    await prisma.recording.create({ data: { tenantId: rawId(user.tenantId), displayName: 'Counted', sourceType: 'URL', sourceKey: 'stats', status: 'READY' } });
    const [tenants, users] = [await prisma.tenant.count(), await prisma.user.count()];
    const { platformStats } = await asAdmin<{ platformStats: { tenants: number; users: number; storageBytes: number; recordingsByStatus: Array<{ status: string; count: number }>; runsLast24h: Array<{ status: string; count: number }> } }>(STATS);
    expect(platformStats.tenants).toBeGreaterThanOrEqual(tenants);
    expect(platformStats.tenants).toBeLessThanOrEqual(await prisma.tenant.count());
    expect(platformStats.users).toBeGreaterThanOrEqual(users);
    expect(platformStats.recordingsByStatus.find((s) => s.status === 'READY')?.count).toBeGreaterThanOrEqual(1);
    expect(platformStats.storageBytes).toBeGreaterThanOrEqual(0);
    expect(platformStats.runsLast24h.every((r) => r.count > 0)).toBe(true);
  });

  it('lists tenants by search with pages, and users by email', async () => {
    const tag = randomUUID().slice(0, 8);
    for (const n of [1, 2, 3]) await registerUser(app, { tenantName: `Faculty ${tag} ${n}` });
    const first = (await asAdmin<{ adminTenants: { totalCount: number; pageInfo: { hasNextPage: boolean; endCursor: string }; edges: Array<{ node: { name: string; members: number; planName: string } }> } }>(TENANTS, { search: tag.toUpperCase(), first: 2 })).adminTenants;
    expect(first.totalCount).toBe(3);
    expect(first.pageInfo.hasNextPage).toBe(true);
    expect(first.edges.map((e) => e.node.name)).toEqual([`Faculty ${tag} 3`, `Faculty ${tag} 2`]);
    expect(first.edges[0]!.node).toMatchObject({ members: 1, planName: 'free' });
    const second = (await asAdmin<{ adminTenants: { pageInfo: { hasNextPage: boolean }; edges: Array<{ node: { name: string } }> } }>(TENANTS, { search: tag, first: 2, after: first.pageInfo.endCursor })).adminTenants;
    expect(second.edges.map((e) => e.node.name)).toEqual([`Faculty ${tag} 1`]);
    expect(second.pageInfo.hasNextPage).toBe(false);

    const users = (await asAdmin<{ adminUsers: { totalCount: number; edges: Array<{ node: { email: string; tenants: number } }> } }>(USERS, { search: member.email.toUpperCase() })).adminUsers;
    expect(users).toEqual({ totalCount: 1, edges: [{ node: { id: expect.any(String), email: member.email, isSuperadmin: false, tenants: 1 } }] });
  });
});

describe('suspension', () => {
  it("refuses a suspended workspace's members until it is activated again; both audited", async () => {
    const user = await registerUser(app);
    expect((await app.gql(ME, {}, user.accessToken)).errors).toBeUndefined();
    const suspended = (await asAdmin<{ suspendTenant: Record<string, unknown> }>(SUSPEND, { tenantId: user.tenantId, reason: 'Unpaid invoice' })).suspendTenant;
    expect(suspended).toMatchObject({ __typename: 'AdminTenant', suspendReason: 'Unpaid invoice', suspendedAt: expect.any(String) });
    const refused = await app.gql(ME, {}, user.accessToken);
    expect(refused.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(refused.errors?.[0]?.message).toMatch(/suspended/);
    expect((await asAdmin<{ suspendTenant: Record<string, unknown> }>(SUSPEND, { tenantId: user.tenantId })).suspendTenant).toMatchObject({ __typename: 'ConflictError' });

    expect((await asAdmin<{ activateTenant: Record<string, unknown> }>(ACTIVATE, { tenantId: user.tenantId })).activateTenant).toMatchObject({ suspendedAt: null, suspendReason: null });
    expect((await app.gql(ME, {}, user.accessToken)).errors).toBeUndefined();
    const log = (await asAdmin<Audit>(AUDIT, { filter: { tenantId: user.tenantId, action: 'tenant.' } })).auditEvents;
    expect(log.edges.map((e) => e.node.action)).toEqual(['tenant.activated', 'tenant.suspended']);
    expect(log.edges[1]!.node).toMatchObject({ actorEmail: admin.email, targetType: 'Tenant', targetId: rawId(user.tenantId), details: { reason: 'Unpaid invoice' } });
    const missing = await asAdmin<{ suspendTenant: Record<string, unknown> }>(SUSPEND, { tenantId: globalId('Tenant', randomUUID()) });
    expect(missing.suspendTenant).toMatchObject({ __typename: 'NotFoundError' });
  });
});

describe('plans and quota overrides', () => {
  it('creates, updates, assigns and deletes plans, each change audited', async () => {
    const name = `campus-${randomUUID().slice(0, 6)}`;
    const invalid = (await asAdmin<{ createPlan: { __typename: string; issues: Array<{ path: string }> } }>(CREATE_PLAN, { input: { name: 'Bad Name', displayName: 'X', templates: -1 } })).createPlan;
    expect(invalid.__typename).toBe('ValidationError');
    expect(invalid.issues.map((i) => i.path).sort()).toEqual(['name', 'templates']);
    expect((await asAdmin<{ createPlan: { __typename: string } }>(CREATE_PLAN, { input: { name: 'free', displayName: 'Again' } })).createPlan.__typename).toBe('ConflictError');

    const created = (await asAdmin<{ createPlan: { id: string } & Record<string, unknown> }>(CREATE_PLAN, { input: { name, displayName: 'Campus', templates: 2, recordingsPerMonth: 0, retentionDays: 30, priceMonthly: 12.5 } })).createPlan;
    expect(created).toMatchObject({ __typename: 'Plan', name, templates: 2, recordingsPerMonth: 0, storageGb: null, retentionDays: 30, priceMonthly: 12.5 });
    const updated = (await asAdmin<{ updatePlan: Record<string, unknown> }>(UPDATE_PLAN, { id: created.id, patch: { templates: 3, storageGb: 50 } })).updatePlan;
    expect(updated).toMatchObject({ templates: 3, storageGb: 50, recordingsPerMonth: 0 });
    expect((await asAdmin<{ plans: Array<{ name: string }> }>(PLANS)).plans.map((p) => p.name)).toContain(name);

    const user = await registerUser(app);
    expect((await asAdmin<{ assignPlan: Record<string, unknown> }>(ASSIGN, { tenantId: user.tenantId, planId: created.id })).assignPlan).toEqual({ __typename: 'AdminTenant', planName: name });
    expect((await asAdmin<{ deletePlan: { __typename: string } }>(DELETE_PLAN, { id: created.id })).deletePlan.__typename).toBe('ConflictError');
    await asAdmin(ASSIGN, { tenantId: user.tenantId, planId: null });
    expect((await asAdmin<{ deletePlan: { __typename: string } }>(DELETE_PLAN, { id: created.id })).deletePlan.__typename).toBe('Plan');
    expect(await prisma.plan.findUnique({ where: { name } })).toBeNull();

    const log = (await asAdmin<Audit>(AUDIT, { filter: { action: 'plan.', from: new Date(Date.now() - 60_000).toISOString() } })).auditEvents.edges.filter((e) => e.node.targetId === rawId(created.id));
    expect(log.map((e) => e.node.action)).toEqual(['plan.deleted', 'plan.updated', 'plan.created']);
    expect(log[1]!.node.details).toEqual({ templates: { from: 2, to: 3 }, storageGb: { from: null, to: 50 } });
    const assigned = (await asAdmin<Audit>(AUDIT, { filter: { tenantId: user.tenantId, action: 'tenant.plan_assigned' } })).auditEvents;
    expect(assigned.edges.map((e) => e.node.details)).toEqual([{ plan: { from: name, to: null } }, { plan: { from: 'free', to: name } }]);
  });

  it('sets an override where 0 means 0, clears it back to the plan, audited', async () => {
    const user = await registerUser(app);
    const set = (await asAdmin<{ setQuotaOverride: Record<string, unknown> }>(SET_OVERRIDE, { tenantId: user.tenantId, input: { templates: 0, notes: 'Trial' } })).setQuotaOverride;
    expect(set).toEqual({ __typename: 'QuotaOverride', templates: 0, credentials: null, recordingsPerMonth: null, notes: 'Trial' });
    const refused = await app.gql<{ createTemplate: Record<string, unknown> }>(CREATE_TEMPLATE, { input: { name: 'Algebra', isDraft: true } }, user.accessToken);
    expect(refused.data?.createTemplate).toMatchObject({ __typename: 'QuotaExceededError', quota: 'templates', limit: 0, used: 0 });
    // Absent fields stay, null falls back to the plan.
    const next = (await asAdmin<{ setQuotaOverride: Record<string, unknown> }>(SET_OVERRIDE, { tenantId: user.tenantId, input: { credentials: 7 } })).setQuotaOverride;
    expect(next).toMatchObject({ templates: 0, credentials: 7, notes: 'Trial' });
    expect((await asAdmin<{ setQuotaOverride: { __typename: string } }>(SET_OVERRIDE, { tenantId: user.tenantId, input: { templates: -2 } })).setQuotaOverride.__typename).toBe('ValidationError');

    expect(await asAdmin(CLEAR_OVERRIDE, { tenantId: user.tenantId })).toEqual({ clearQuotaOverride: true });
    expect(await asAdmin(CLEAR_OVERRIDE, { tenantId: user.tenantId })).toEqual({ clearQuotaOverride: false });
    const allowed = await app.gql<{ createTemplate: Record<string, unknown> }>(CREATE_TEMPLATE, { input: { name: 'Algebra', isDraft: true } }, user.accessToken);
    expect(allowed.data?.createTemplate.__typename).toBe('Template');
    const log = (await asAdmin<Audit>(AUDIT, { filter: { tenantId: user.tenantId, action: 'quota_override.' } })).auditEvents;
    expect(log.edges.map((e) => e.node.action)).toEqual(['quota_override.cleared', 'quota_override.set', 'quota_override.set']);
    expect(log.edges[2]!.node.details).toEqual({ templates: { from: null, to: 0 }, notes: { from: null, to: 'Trial' } });
  });
});

describe('access', () => {
  it('answers FORBIDDEN to non-superadmins (workspace owners included) and changes nothing', async () => {
    const before = await prisma.auditEvent.count();
    const calls: Array<[string, Record<string, unknown>]> = [
      [STATS, {}],
      [TENANTS, {}],
      [USERS, {}],
      [AUDIT, {}],
      [PLANS, {}],
      [SUSPEND, { tenantId: member.tenantId }],
      [ACTIVATE, { tenantId: member.tenantId }],
      [CREATE_PLAN, { input: { name: 'sneaky', displayName: 'Sneaky' } }],
      [SET_OVERRIDE, { tenantId: member.tenantId, input: { templates: 1000 } }],
      [CLEAR_OVERRIDE, { tenantId: member.tenantId }],
      [ASSIGN, { tenantId: member.tenantId, planId: null }],
    ];
    for (const [query, variables] of calls) {
      const res = await app.gql(query, variables, member.accessToken);
      expect(res.errors?.[0]?.extensions?.code, query).toBe('FORBIDDEN');
    }
    expect(await prisma.plan.findUnique({ where: { name: 'sneaky' } })).toBeNull();
    expect(await prisma.quotaOverride.findUnique({ where: { tenantId: rawId(member.tenantId) } })).toBeNull();
    expect((await prisma.tenant.findUniqueOrThrow({ where: { id: rawId(member.tenantId) } })).suspendedAt).toBeNull();
    expect(await prisma.auditEvent.count()).toBe(before);
  });
});
