import { resolveOffsetConnection } from '@pothos/plugin-relay';
import { builder } from '../../graphql/builder.js';
import { viewerOf } from '../../graphql/context.js';
import type { AuditEvent } from '../../generated/prisma/client.js';
import { RecordingStatus, RunStatus } from '../../generated/prisma/enums.js';
import { ConflictError, NotFoundError } from '../../lib/errors.js';
import { TenantNode } from '../tenants/tenants.graphql.js';
import type { AdminTenant, AdminUser, Page, PlatformStats } from './admin.service.js';

// Platform administration (superadmins only): stats, tenants, users, suspension, audit log.

const RecordingStatusRef = builder.enumType(RecordingStatus, { name: 'AdminRecordingStatus' });
const RunStatusRef = builder.enumType(RunStatus, { name: 'AdminRunStatus' });

const RecordingStatusCount = builder.objectRef<PlatformStats['recordingsByStatus'][number]>('RecordingStatusCount').implement({
  fields: (t) => ({ status: t.field({ type: RecordingStatusRef, resolve: (c) => c.status }), count: t.exposeInt('count') }),
});
const RunStatusCount = builder.objectRef<PlatformStats['runsLast24h'][number]>('RunStatusCount').implement({
  fields: (t) => ({ status: t.field({ type: RunStatusRef, resolve: (c) => c.status }), count: t.exposeInt('count') }),
});

const PlatformStatsRef = builder.objectRef<PlatformStats>('PlatformStats').implement({
  fields: (t) => ({
    tenants: t.exposeInt('tenants'),
    suspendedTenants: t.exposeInt('suspendedTenants'),
    users: t.exposeInt('users'),
    recordingsByStatus: t.field({ type: [RecordingStatusCount], description: 'Recordings not deleted', resolve: (s) => s.recordingsByStatus }),
    deletedRecordings: t.exposeInt('deletedRecordings', { description: 'Soft-deleted, waiting for the hard delete' }),
    storageBytes: t.float({ resolve: (s) => Number(s.storageBytes) }),
    runsLast24h: t.field({ type: [RunStatusCount], description: 'Pipeline runs created in the last 24 hours, by status', resolve: (s) => s.runsLast24h }),
  }),
});

export const AdminTenantRef = builder.objectRef<AdminTenant>('AdminTenant').implement({
  description: 'A workspace as platform administrators see it.',
  fields: (t) => ({
    id: t.globalID({ resolve: (x) => ({ type: 'Tenant', id: x.id }) }),
    name: t.exposeString('name'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    suspendedAt: t.expose('suspendedAt', { type: 'DateTime', nullable: true }),
    suspendReason: t.exposeString('suspendReason', { nullable: true }),
    storageBytes: t.float({ resolve: (x) => Number(x.storageBytes) }),
    planId: t.globalID({ nullable: true, resolve: (x) => (x.planId ? { type: 'Plan', id: x.planId } : null) }),
    planName: t.exposeString('planName', { nullable: true }),
    members: t.exposeInt('members'),
    recordings: t.exposeInt('recordings'),
  }),
});

const AdminUserRef = builder.objectRef<AdminUser>('AdminUser').implement({
  fields: (t) => ({
    id: t.globalID({ resolve: (u) => ({ type: 'User', id: u.id }) }),
    email: t.exposeString('email'),
    displayName: t.exposeString('displayName', { nullable: true }),
    isSuperadmin: t.exposeBoolean('isSuperadmin'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    lastLoginAt: t.expose('lastLoginAt', { type: 'DateTime', nullable: true }),
    tenants: t.exposeInt('tenants', { description: 'Workspaces the user belongs to' }),
  }),
});

const AuditEventRef = builder.objectRef<AuditEvent>('AuditEvent').implement({
  fields: (t) => ({
    id: t.exposeID('id'),
    action: t.exposeString('action'),
    tenantId: t.globalID({ nullable: true, resolve: (e) => (e.tenantId ? { type: 'Tenant', id: e.tenantId } : null) }),
    actorId: t.globalID({ nullable: true, resolve: (e) => (e.actorId ? { type: 'User', id: e.actorId } : null) }),
    actorEmail: t.exposeString('actorEmail', { nullable: true }),
    targetType: t.exposeString('targetType', { nullable: true }),
    targetId: t.exposeString('targetId', { nullable: true }),
    details: t.expose('details', { type: 'JSON' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

const AuditFilterInput = builder.inputType('AuditEventFilter', {
  fields: (t) => ({
    action: t.string({ description: 'Exact action, or a prefix ending in "." (e.g. "plan.")' }),
    tenantId: t.globalID({ for: TenantNode }),
    from: t.field({ type: 'DateTime', description: 'At or after' }),
    to: t.field({ type: 'DateTime', description: 'Before' }),
  }),
});

// The connection object carries the total next to edges and pageInfo (see `paged`).
const withTotal = {
  fields: (t: { int: (options: { resolve: (connection: object) => number }) => unknown }) => ({
    totalCount: t.int({ resolve: (connection) => (connection as { totalCount: number }).totalCount }),
  }),
};

/** An offset-paginated Relay connection with the total count of matches. */
async function paged<T>(args: { first?: number | null; after?: string | null; last?: number | null; before?: string | null }, fetch: (page: Page) => Promise<{ items: T[]; total: number }>) {
  let totalCount = 0;
  const connection = await resolveOffsetConnection({ args, defaultSize: 50, maxSize: 200 }, async (page) => {
    const result = await fetch(page);
    totalCount = result.total;
    return result.items;
  });
  return { ...connection, totalCount };
}

builder.queryFields((t) => ({
  platformStats: t.field({
    type: PlatformStatsRef,
    authScopes: { superadmin: true },
    description: 'Platform administrators only.',
    resolve: (_root, _args, ctx) => ctx.services.admin.stats(),
  }),
  adminTenants: t.connection(
    {
      type: AdminTenantRef,
      authScopes: { superadmin: true },
      description: 'Every workspace, newest first; search matches the name (or an exact id).',
      args: { search: t.arg.string() },
      resolve: (_root, args, ctx) => paged(args, (page) => ctx.services.admin.tenants(args.search, page)),
    },
    withTotal as never,
  ),
  adminUsers: t.connection(
    {
      type: AdminUserRef,
      authScopes: { superadmin: true },
      description: 'Every user, newest first; search matches email or display name.',
      args: { search: t.arg.string() },
      resolve: (_root, args, ctx) => paged(args, (page) => ctx.services.admin.users(args.search, page)),
    },
    withTotal as never,
  ),
  auditEvents: t.connection(
    {
      type: AuditEventRef,
      authScopes: { superadmin: true },
      description: 'The audit log, newest first.',
      args: { filter: t.arg({ type: AuditFilterInput }) },
      resolve: (_root, args, ctx) =>
        paged(args, (page) =>
          ctx.services.admin.auditEvents(
            { action: args.filter?.action, tenantId: args.filter?.tenantId?.id, from: args.filter?.from, to: args.filter?.to },
            page,
          ),
        ),
    },
    withTotal as never,
  ),
}));

const actorOf = (ctx: Parameters<typeof viewerOf>[0]) => {
  const viewer = viewerOf(ctx);
  return { userId: viewer.userId, email: viewer.email };
};

builder.mutationFields((t) => ({
  suspendTenant: t.field({
    type: AdminTenantRef,
    authScopes: { superadmin: true },
    description: "Members can no longer use the workspace (their tokens are refused); its data is kept.",
    args: { tenantId: t.arg.globalID({ for: TenantNode, required: true }), reason: t.arg.string() },
    errors: { types: [NotFoundError, ConflictError] },
    resolve: (_root, { tenantId, reason }, ctx) => ctx.services.admin.suspendTenant(actorOf(ctx), tenantId.id, reason ?? null),
  }),
  activateTenant: t.field({
    type: AdminTenantRef,
    authScopes: { superadmin: true },
    args: { tenantId: t.arg.globalID({ for: TenantNode, required: true }) },
    errors: { types: [NotFoundError, ConflictError] },
    resolve: (_root, { tenantId }, ctx) => ctx.services.admin.activateTenant(actorOf(ctx), tenantId.id),
  }),
}));

export { actorOf };
