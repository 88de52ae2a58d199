import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Prisma } from '../../src/generated/prisma/client.js';
import { forTenant, prisma, scopeToTenant, type TenantDb } from '../../src/lib/db.js';

// The tenant-scoped client on the real database: rows of tenant A are created unscoped, then
// everything goes through a client scoped to tenant B.

const run = randomUUID().slice(0, 8);
const REFUSED = /not allowed through the tenant-scoped client/;

let tenantA: string;
let tenantB: string;
let userA: string;
let userB: string;
/** Member of both tenants. */
let userShared: string;
let templateA: string;
let templateB: string;
let sessionSharedInA: string;
let dbB: TenantDb;

async function makeUser(label: string) {
  return prisma.user.create({ data: { email: `${label}-${run}@scope.test`, passwordHash: 'x' } });
}

beforeAll(async () => {
  const [a, b] = await Promise.all([
    prisma.tenant.create({ data: { name: `Scope A ${run}` } }),
    prisma.tenant.create({ data: { name: `Scope B ${run}` } }),
  ]);
  tenantA = a.id;
  tenantB = b.id;
  const [ua, ub, us] = await Promise.all([makeUser('a'), makeUser('b'), makeUser('shared')]);
  userA = ua.id;
  userB = ub.id;
  userShared = us.id;
  await prisma.membership.createMany({
    data: [
      { tenantId: tenantA, userId: userA, role: 'OWNER' },
      { tenantId: tenantB, userId: userB, role: 'OWNER' },
      { tenantId: tenantA, userId: userShared, role: 'EDITOR' },
      { tenantId: tenantB, userId: userShared, role: 'VIEWER' },
    ],
  });
  templateA = (await prisma.template.create({ data: { tenantId: tenantA, name: 'Lectures', usedCount: 5 } })).id;
  templateB = (await prisma.template.create({ data: { tenantId: tenantB, name: 'Lectures', usedCount: 1 } })).id;
  const expiresAt = new Date(Date.now() + 3600_000);
  sessionSharedInA = (await prisma.authSession.create({ data: { userId: userShared, tenantId: tenantA, expiresAt } })).id;
  await prisma.authSession.create({ data: { userId: userShared, tenantId: tenantB, expiresAt } });
  dbB = forTenant(tenantB);
});

afterAll(async () => {
  await prisma.tenant.deleteMany({ where: { id: { in: [tenantA, tenantB] } } });
  await prisma.user.deleteMany({ where: { id: { in: [userA, userB, userShared] } } });
});

/** Tenant A's rows as the unscoped client sees them, to compare before and after. */
const rowsOfA = () =>
  Promise.all([
    prisma.template.findMany({ where: { tenantId: tenantA }, orderBy: { id: 'asc' } }),
    prisma.membership.findMany({ where: { tenantId: tenantA }, orderBy: { id: 'asc' } }),
    prisma.tenant.findUniqueOrThrow({ where: { id: tenantA } }),
    prisma.authSession.findMany({ where: { tenantId: tenantA }, orderBy: { id: 'asc' } }),
  ]);

describe('reads through a tenant-scoped client', () => {
  it('find, count, aggregate and groupBy see only the tenant’s rows, whatever the where says', async () => {
    expect((await dbB.template.findMany()).map((t) => t.id)).toEqual([templateB]);
    expect(await dbB.template.findUnique({ where: { id: templateA } })).toBeNull();
    expect(await dbB.template.findFirst({ where: { tenantId: tenantA } })).toBeNull();
    expect(await dbB.template.findFirst({ where: { OR: [{ id: templateA }, { tenantId: tenantA }] } })).toBeNull();
    await expect(dbB.template.findUniqueOrThrow({ where: { id: templateA } })).rejects.toThrow();
    expect(await dbB.template.count()).toBe(1);
    expect(await dbB.template.count({ where: { id: { in: [templateA, templateB] } } })).toBe(1);
    expect((await dbB.template.aggregate({ _sum: { usedCount: true } }))._sum.usedCount).toBe(1);
    const groups = await dbB.template.groupBy({ by: ['tenantId'], _count: { _all: true } });
    expect(groups).toEqual([{ tenantId: tenantB, _count: { _all: 1 } }]);
  });

  it('User reads reach only members of the tenant', async () => {
    const users = await dbB.user.findMany({ where: { id: { in: [userA, userB, userShared] } }, orderBy: { email: 'asc' } });
    expect(users.map((u) => u.id).sort()).toEqual([userB, userShared].sort());
    expect(await dbB.user.findUnique({ where: { id: userA } })).toBeNull();
    expect(await dbB.user.findFirst({ where: { email: `a-${run}@scope.test` } })).toBeNull();
  });

  it('Tenant reads reach only the tenant itself', async () => {
    expect((await dbB.tenant.findMany()).map((t) => t.id)).toEqual([tenantB]);
    expect(await dbB.tenant.findUnique({ where: { id: tenantA } })).toBeNull();
    expect(await dbB.tenant.count()).toBe(1);
  });

  it('relations in include/select list only the tenant’s rows', async () => {
    const shared = await dbB.user.findUniqueOrThrow({
      where: { id: userShared },
      include: { memberships: { include: { tenant: true } }, sessions: true, _count: true },
    });
    expect(shared.memberships.map((m) => m.tenantId)).toEqual([tenantB]);
    expect(shared.sessions.map((s) => s.tenantId)).toEqual([tenantB]);
    expect(shared._count).toEqual({ memberships: 1, sessions: 1 });
    const counted = await dbB.user.findUniqueOrThrow({ where: { id: userShared }, select: { _count: { select: { memberships: true } } } });
    expect(counted._count.memberships).toBe(1);
    const members = await dbB.membership.findMany({ select: { user: { select: { memberships: { select: { tenantId: true } } } } } });
    expect(members.flatMap((m) => m.user.memberships.map((x) => x.tenantId))).toEqual([tenantB, tenantB]);
    const plans = await dbB.plan.findMany({ include: { tenants: true } });
    expect(plans.flatMap((p) => p.tenants.map((t) => t.id)).filter((id) => id !== tenantB)).toEqual([]);
  });
});

describe('writes through a tenant-scoped client', () => {
  it('update, updateMany, delete and deleteMany never touch another tenant’s rows', async () => {
    const before = await rowsOfA();
    await expect(dbB.template.update({ where: { id: templateA }, data: { name: 'taken over' } })).rejects.toThrow();
    expect((await dbB.template.updateMany({ data: { usedCount: { increment: 1 } } })).count).toBe(1);
    expect(await dbB.template.updateManyAndReturn({ where: { id: templateA }, data: { isActive: false } })).toEqual([]);
    await expect(dbB.template.delete({ where: { id: templateA } })).rejects.toThrow();
    expect((await dbB.membership.deleteMany({ where: { userId: userA } })).count).toBe(0);
    expect((await dbB.authSession.updateMany({ where: { userId: userShared }, data: { revokeReason: 'scoped' } })).count).toBe(1);
    await expect(dbB.tenant.update({ where: { id: tenantA }, data: { name: 'taken over' } })).rejects.toThrow();
    expect(await rowsOfA()).toEqual(before);
  });

  it('deleteMany without a filter deletes only the tenant’s rows', async () => {
    const before = await rowsOfA();
    await prisma.template.create({ data: { tenantId: tenantB, name: `Throwaway ${run}` } });
    expect((await dbB.template.deleteMany({ where: { name: `Throwaway ${run}` } })).count).toBe(1);
    await prisma.template.create({ data: { tenantId: tenantA, name: `Throwaway ${run}` } });
    expect((await dbB.template.deleteMany({ where: { name: `Throwaway ${run}` } })).count).toBe(0);
    await prisma.template.deleteMany({ where: { name: `Throwaway ${run}` } });
    expect(await rowsOfA()).toEqual(before);
  });

  it('upsert on another tenant’s id creates a row of its own tenant instead of updating', async () => {
    const before = await rowsOfA();
    const row = await dbB.template.upsert({
      where: { id: templateA },
      create: { tenantId: tenantB, name: `Upserted ${run}` },
      update: { name: 'taken over' },
    });
    expect(row.id).not.toBe(templateA);
    expect(row.tenantId).toBe(tenantB);
    expect(await rowsOfA()).toEqual(before);
    await prisma.template.delete({ where: { id: row.id } });
  });

  it('creates get the tenant id forced, and refuse another tenant’s', async () => {
    const created = await dbB.template.create({ data: { name: `Forced ${run}` } as Prisma.TemplateUncheckedCreateInput });
    expect(created.tenantId).toBe(tenantB);
    const many = await dbB.template.createManyAndReturn({
      data: [{ name: `Many 1 ${run}` }, { name: `Many 2 ${run}` }] as Prisma.TemplateCreateManyInput[],
    });
    expect(many.map((t) => t.tenantId)).toEqual([tenantB, tenantB]);
    expect((await dbB.template.createMany({ data: [{ name: `Many 3 ${run}` }] as Prisma.TemplateCreateManyInput[] })).count).toBe(1);
    expect(await prisma.template.count({ where: { tenantId: tenantB, name: { startsWith: 'Many' } } })).toBe(3);
    await expect(dbB.template.create({ data: { tenantId: tenantA, name: `Smuggled ${run}` } })).rejects.toThrow(REFUSED);
    await expect(dbB.template.createMany({ data: [{ tenantId: tenantA, name: `Smuggled ${run}` }] })).rejects.toThrow(REFUSED);
    expect(await prisma.template.count({ where: { name: `Smuggled ${run}` } })).toBe(0);
    await prisma.template.deleteMany({ where: { tenantId: tenantB, name: { contains: run } } });
  });

  it('refuses moving a row to another tenant and writes through relations', async () => {
    const before = await rowsOfA();
    await expect(dbB.template.update({ where: { id: templateB }, data: { tenantId: tenantA } })).rejects.toThrow(REFUSED);
    await expect(dbB.template.updateMany({ data: { tenantId: tenantA } })).rejects.toThrow(REFUSED);
    await expect(
      dbB.tenant.update({ where: { id: tenantB }, data: { sessions: { updateMany: { where: {}, data: { revokedAt: new Date() } } } } }),
    ).rejects.toThrow(REFUSED);
    await expect(
      dbB.tenant.update({ where: { id: tenantB }, data: { templates: { connect: { id: templateA } } } }),
    ).rejects.toThrow(REFUSED);
    await expect(
      dbB.authSession.update({
        where: { id: sessionSharedInA },
        data: { refreshTokens: { create: { id: randomUUID(), tokenHash: `h-${run}`, expiresAt: new Date() } } },
      }),
    ).rejects.toThrow(REFUSED);
    await expect(
      dbB.membership.create({ data: { role: 'VIEWER', tenant: { connect: { id: tenantA } }, user: { connect: { id: userA } } } }),
    ).rejects.toThrow(REFUSED);
    expect(await rowsOfA()).toEqual(before);
    expect(await prisma.refreshToken.count({ where: { tokenHash: `h-${run}` } })).toBe(0);
  });

  it('refuses models that are not tenant-owned: refresh tokens, user and plan writes, tenant create/delete', async () => {
    await expect(dbB.refreshToken.findMany()).rejects.toThrow(REFUSED);
    await expect(dbB.refreshToken.count()).rejects.toThrow(REFUSED);
    await expect(
      dbB.refreshToken.create({ data: { id: randomUUID(), sessionId: sessionSharedInA, tokenHash: `t-${run}`, expiresAt: new Date() } }),
    ).rejects.toThrow(REFUSED);
    await expect(dbB.refreshToken.deleteMany()).rejects.toThrow(REFUSED);
    await expect(dbB.user.update({ where: { id: userA }, data: { displayName: 'x' } })).rejects.toThrow(REFUSED);
    await expect(dbB.user.updateMany({ data: { tokenVersion: { increment: 1 } } })).rejects.toThrow(REFUSED);
    await expect(dbB.user.delete({ where: { id: userA } })).rejects.toThrow(REFUSED);
    await expect(dbB.user.create({ data: { email: `new-${run}@scope.test`, passwordHash: 'x' } })).rejects.toThrow(REFUSED);
    await expect(dbB.plan.updateMany({ data: { templates: 0 } })).rejects.toThrow(REFUSED);
    await expect(dbB.plan.create({ data: { name: `plan-${run}`, displayName: 'x' } })).rejects.toThrow(REFUSED);
    await expect(dbB.plan.deleteMany()).rejects.toThrow(REFUSED);
    expect((await dbB.plan.findMany()).length).toBeGreaterThan(0);
    await expect(dbB.tenant.create({ data: { name: `new ${run}` } })).rejects.toThrow(REFUSED);
    await expect(dbB.tenant.delete({ where: { id: tenantA } })).rejects.toThrow(REFUSED);
    await expect(dbB.tenant.deleteMany()).rejects.toThrow(REFUSED);
    await expect(dbB.tenant.updateMany({ data: { name: 'x' } })).rejects.toThrow(REFUSED);
    expect(await prisma.tenant.count({ where: { id: { in: [tenantA, tenantB] } } })).toBe(2);
    expect(await prisma.refreshToken.count({ where: { tokenHash: `t-${run}` } })).toBe(0);
  });
});

describe('scopeToTenant', () => {
  it('narrows the caller’s where with AND, keeping unique fields at the top level', () => {
    expect(scopeToTenant('Template', 'findUnique', { where: { id: 't', AND: { name: 'x' } } }, 'b')).toEqual({
      where: { id: 't', AND: [{ name: 'x' }, { tenantId: 'b' }] },
    });
    expect(scopeToTenant('Tenant', 'update', { where: { id: 'a' }, data: {} }, 'b')).toEqual({ where: { id: 'a', AND: [{ id: 'b' }] }, data: {} });
  });

  it('refuses operations it does not know, so a new Prisma operation is not silently unscoped', () => {
    expect(() => scopeToTenant('Template', 'findRaw', {}, 'b')).toThrow(REFUSED);
    expect(() => scopeToTenant('Template', 'aggregateRaw', {}, 'b')).toThrow(REFUSED);
  });
});
