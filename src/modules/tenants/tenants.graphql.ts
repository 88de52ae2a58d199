import { builder } from '../../graphql/builder.js';
import { viewerOf } from '../../graphql/context.js';
import { Role } from '../../generated/prisma/enums.js';
import { prisma } from '../../lib/db.js';
import { ConflictError, ForbiddenError, NotFoundError } from '../../lib/errors.js';
import { timezoneSchema } from '../auth/auth.service.js';
import { PERMISSIONS, type Permission } from '../auth/viewer.js';
import { tenantNameSchema } from './tenants.service.js';

export const RoleEnum = builder.enumType(Role, {
  name: 'Role',
  description: 'OWNER and ADMIN manage members; EDITOR works with content; VIEWER reads only.',
});

export const TenantNode = builder.prismaNode('Tenant', {
  id: { field: 'id' },
  // node(id) of a missing or other tenant's row answers null, not an error.
  nullable: true,
  description: 'A workspace: a university department, a school, a content team.',
  fields: (t) => ({
    name: t.exposeString('name'),
    timezone: t.exposeString('timezone', { description: 'Dates in rendered metadata use this zone' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    planName: t.string({
      nullable: true,
      select: { plan: { select: { name: true } } },
      resolve: (tenant) => tenant.plan?.name ?? null,
    }),
    members: t.relatedConnection('memberships', {
      cursor: 'id',
      query: { orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] },
    }),
  }),
});

const MemberPermissions = builder.objectRef<Record<Permission, boolean>>('MemberPermissions').implement({
  fields: (t) => Object.fromEntries(PERMISSIONS.map((p) => [p, t.exposeBoolean(p)])) as Record<Permission, ReturnType<typeof t.exposeBoolean>>,
});

const MembershipNode = builder.prismaNode('Membership', {
  id: { field: 'id' },
  // node(id) of a missing or other tenant's row answers null, not an error.
  nullable: true,
  fields: (t) => ({
    role: t.expose('role', { type: RoleEnum }),
    permissions: t.field({
      type: MemberPermissions,
      description: 'Feature flags; a VIEWER cannot use any of them whatever they say.',
      resolve: (m) => Object.fromEntries(PERMISSIONS.map((p) => [p, m[p]])) as Record<Permission, boolean>,
    }),
    user: t.relation('user'),
    tenant: t.relation('tenant'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

const PermissionsInput = builder.inputType('MemberPermissionsInput', {
  fields: (t) => Object.fromEntries(PERMISSIONS.map((p) => [p, t.boolean()])) as Record<Permission, ReturnType<typeof t.boolean>>,
});

builder.queryFields((t) => ({
  tenant: t.prismaField({
    type: 'Tenant',
    description: 'The workspace the access token is for.',
    authScopes: { authenticated: true },
    resolve: (query, _root, _args, ctx) =>
      ctx.db.tenant.findUniqueOrThrow({ ...query, where: { id: viewerOf(ctx).tenantId } }),
  }),
  myTenants: t.prismaConnection({
    type: 'Membership',
    cursor: 'id',
    description: 'Every workspace the signed-in user belongs to, with their role in it.',
    authScopes: { authenticated: true },
    resolve: (query, _root, _args, ctx) =>
      prisma.membership.findMany({
        ...query,
        where: { userId: viewerOf(ctx).userId },
        orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
      }),
  }),
}));

builder.mutationFields((t) => ({
  createTenant: t.prismaField({
    type: 'Tenant',
    authScopes: { authenticated: true },
    description: 'A new workspace owned by the caller; use switchTenant to work in it.',
    args: {
      name: t.arg.string({ required: true, validate: tenantNameSchema }),
      timezone: t.arg.string({ validate: timezoneSchema }),
    },
    resolve: async (query, _root, args, ctx) => {
      const tenant = await ctx.services.tenants.createTenant(viewerOf(ctx), args);
      return prisma.tenant.findUniqueOrThrow({ ...query, where: { id: tenant.id } });
    },
  }),
  updateTenant: t.prismaField({
    type: 'Tenant',
    authScopes: { minRole: 'ADMIN' },
    args: {
      name: t.arg.string({ validate: tenantNameSchema }),
      timezone: t.arg.string({ validate: timezoneSchema }),
    },
    errors: { types: [ForbiddenError] },
    resolve: async (query, _root, args, ctx) => {
      const tenant = await ctx.services.tenants.updateTenant(ctx.db, viewerOf(ctx), args);
      return ctx.db.tenant.findUniqueOrThrow({ ...query, where: { id: tenant.id } });
    },
  }),
  addMember: t.prismaField({
    type: 'Membership',
    authScopes: { minRole: 'ADMIN' },
    description: 'Adds an existing LEAP user (by email) to the current workspace.',
    args: {
      email: t.arg.string({ required: true }),
      role: t.arg({ type: RoleEnum, required: true }),
    },
    errors: { types: [NotFoundError, ConflictError, ForbiddenError] },
    resolve: async (query, _root, args, ctx) => {
      const membership = await ctx.services.tenants.addMember(ctx.db, viewerOf(ctx), args);
      return ctx.db.membership.findUniqueOrThrow({ ...query, where: { id: membership.id } });
    },
  }),
  removeMember: t.globalID({
    authScopes: { authenticated: true },
    description: 'Removes a member (or yourself: leaving). Returns the removed membership id.',
    args: { membershipId: t.arg.globalID({ for: MembershipNode, required: true }) },
    errors: { types: [NotFoundError, ConflictError, ForbiddenError] , directResult: false },
    resolve: async (_root, { membershipId }, ctx) => {
      const removed = await ctx.services.tenants.removeMember(ctx.db, viewerOf(ctx), membershipId.id);
      return { type: 'Membership', id: removed.id };
    },
  }),
  changeMemberRole: t.prismaField({
    type: 'Membership',
    authScopes: { minRole: 'ADMIN' },
    args: {
      membershipId: t.arg.globalID({ for: MembershipNode, required: true }),
      role: t.arg({ type: RoleEnum, required: true }),
    },
    errors: { types: [NotFoundError, ConflictError, ForbiddenError] },
    resolve: async (query, _root, { membershipId, role }, ctx) => {
      await ctx.services.tenants.changeRole(ctx.db, viewerOf(ctx), membershipId.id, role);
      return ctx.db.membership.findUniqueOrThrow({ ...query, where: { id: membershipId.id } });
    },
  }),
  setMemberPermissions: t.prismaField({
    type: 'Membership',
    authScopes: { minRole: 'ADMIN' },
    args: {
      membershipId: t.arg.globalID({ for: MembershipNode, required: true }),
      permissions: t.arg({ type: PermissionsInput, required: true }),
    },
    errors: { types: [NotFoundError, ForbiddenError] },
    resolve: async (query, _root, { membershipId, permissions }, ctx) => {
      await ctx.services.tenants.setPermissions(ctx.db, viewerOf(ctx), membershipId.id, permissions);
      return ctx.db.membership.findUniqueOrThrow({ ...query, where: { id: membershipId.id } });
    },
  }),
}));
