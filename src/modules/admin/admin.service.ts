import type { Prisma, PrismaClient } from '../../generated/prisma/client.js';
import type { RecordingStatus, RunStatus } from '../../generated/prisma/enums.js';
import { ConflictError, NotFoundError } from '../../lib/errors.js';
import { isRowId } from '../auth/auth.service.js';
import { recordAudit } from '../audit/audit.service.js';

// Platform administration (superadmins): stats, tenants and users across the installation, tenant
// suspension, the audit log. Cross-tenant by nature, so it uses the unscoped client; every
// mutation writes an audit event in the same transaction.

export interface AdminActor {
  userId: string;
  email: string;
}

export interface Page {
  limit: number;
  offset: number;
}

export interface PlatformStats {
  tenants: number;
  suspendedTenants: number;
  users: number;
  recordingsByStatus: Array<{ status: RecordingStatus; count: number }>;
  deletedRecordings: number;
  storageBytes: bigint;
  runsLast24h: Array<{ status: RunStatus; count: number }>;
}

export interface AdminTenant {
  id: string;
  name: string;
  createdAt: Date;
  suspendedAt: Date | null;
  suspendReason: string | null;
  storageBytes: bigint;
  planId: string | null;
  planName: string | null;
  members: number;
  recordings: number;
}

export interface AdminUser {
  id: string;
  email: string;
  displayName: string | null;
  isSuperadmin: boolean;
  createdAt: Date;
  lastLoginAt: Date | null;
  tenants: number;
}

export interface AuditFilter {
  action?: string | null;
  tenantId?: string | null;
  from?: Date | null;
  to?: Date | null;
}

const DAY_MS = 24 * 3600 * 1000;

export class AdminService {
  constructor(private readonly prisma: PrismaClient) {}

  async stats(now = new Date()): Promise<PlatformStats> {
    const [tenants, suspendedTenants, users, byStatus, deletedRecordings, storage, runs] = await Promise.all([
      this.prisma.tenant.count(),
      this.prisma.tenant.count({ where: { suspendedAt: { not: null } } }),
      this.prisma.user.count(),
      this.prisma.recording.groupBy({ by: ['status'], where: { deleteState: 'ACTIVE' }, _count: { _all: true }, orderBy: { status: 'asc' } }),
      this.prisma.recording.count({ where: { deleteState: { not: 'ACTIVE' } } }),
      this.prisma.tenant.aggregate({ _sum: { storageBytes: true } }),
      this.prisma.pipelineRun.groupBy({
        by: ['status'],
        where: { createdAt: { gte: new Date(now.getTime() - DAY_MS) } },
        _count: { _all: true },
        orderBy: { status: 'asc' },
      }),
    ]);
    return {
      tenants,
      suspendedTenants,
      users,
      recordingsByStatus: byStatus.map((row) => ({ status: row.status, count: row._count._all })),
      deletedRecordings,
      storageBytes: storage._sum.storageBytes ?? 0n,
      runsLast24h: runs.map((row) => ({ status: row.status, count: row._count._all })),
    };
  }

  /** Tenants by name (case-insensitive substring) or exact id, newest first. */
  async tenants(search: string | null | undefined, page: Page): Promise<{ items: AdminTenant[]; total: number }> {
    const term = search?.trim();
    const where: Prisma.TenantWhereInput = term
      ? { OR: [{ name: { contains: term, mode: 'insensitive' } }, ...(isRowId(term) ? [{ id: term }] : [])] }
      : {};
    const [rows, total] = await Promise.all([
      this.prisma.tenant.findMany({
        where,
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
        skip: page.offset,
        take: page.limit,
        include: { plan: { select: { name: true } }, _count: { select: { memberships: true, recordings: true } } },
      }),
      this.prisma.tenant.count({ where }),
    ]);
    return { items: rows.map(tenantView), total };
  }

  async tenant(id: string): Promise<AdminTenant> {
    const row = isRowId(id)
      ? await this.prisma.tenant.findUnique({ where: { id }, include: { plan: { select: { name: true } }, _count: { select: { memberships: true, recordings: true } } } })
      : null;
    if (!row) throw new NotFoundError('Tenant');
    return tenantView(row);
  }

  /** Users by email or display name (case-insensitive substring), newest first. */
  async users(search: string | null | undefined, page: Page): Promise<{ items: AdminUser[]; total: number }> {
    const term = search?.trim();
    const where: Prisma.UserWhereInput = term
      ? { OR: [{ email: { contains: term, mode: 'insensitive' } }, { displayName: { contains: term, mode: 'insensitive' } }] }
      : {};
    const [rows, total] = await Promise.all([
      this.prisma.user.findMany({
        where,
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
        skip: page.offset,
        take: page.limit,
        include: { _count: { select: { memberships: true } } },
      }),
      this.prisma.user.count({ where }),
    ]);
    return {
      items: rows.map((u) => ({
        id: u.id,
        email: u.email,
        displayName: u.displayName,
        isSuperadmin: u.isSuperadmin,
        createdAt: u.createdAt,
        lastLoginAt: u.lastLoginAt,
        tenants: u._count.memberships,
      })),
      total,
    };
  }

  /** Members can no longer use the workspace (their tokens are refused); its data stays. */
  async suspendTenant(actor: AdminActor, tenantId: string, reason: string | null, now = new Date()): Promise<AdminTenant> {
    const current = await this.tenant(tenantId);
    if (current.suspendedAt) throw new ConflictError('The workspace is already suspended');
    await this.prisma.$transaction(async (tx) => {
      await tx.tenant.update({ where: { id: tenantId }, data: { suspendedAt: now, suspendReason: reason?.trim() || null } });
      await recordAudit(tx, audit(actor, 'tenant.suspended', tenantId, { reason: reason?.trim() || null }));
    });
    return this.tenant(tenantId);
  }

  async activateTenant(actor: AdminActor, tenantId: string): Promise<AdminTenant> {
    const current = await this.tenant(tenantId);
    if (!current.suspendedAt) throw new ConflictError('The workspace is not suspended');
    await this.prisma.$transaction(async (tx) => {
      await tx.tenant.update({ where: { id: tenantId }, data: { suspendedAt: null, suspendReason: null } });
      await recordAudit(tx, audit(actor, 'tenant.activated', tenantId, { suspendedAt: current.suspendedAt?.toISOString() ?? null }));
    });
    return this.tenant(tenantId);
  }

  /** The audit log, newest first. */
  async auditEvents(filter: AuditFilter, page: Page) {
    const where: Prisma.AuditEventWhereInput = {
      ...(filter.action ? { action: filter.action.endsWith('.') ? { startsWith: filter.action } : filter.action } : {}),
      ...(filter.tenantId ? { tenantId: filter.tenantId } : {}),
      ...(filter.from || filter.to ? { createdAt: { ...(filter.from ? { gte: filter.from } : {}), ...(filter.to ? { lt: filter.to } : {}) } } : {}),
    };
    const [items, total] = await Promise.all([
      this.prisma.auditEvent.findMany({ where, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], skip: page.offset, take: page.limit }),
      this.prisma.auditEvent.count({ where }),
    ]);
    return { items, total };
  }
}

/** An audit entry of a platform admin acting on a tenant (tenantId set, so the tenant's log shows it too). */
export function audit(actor: AdminActor, action: string, tenantId: string | null, details: Prisma.InputJsonObject, target?: { type: string; id: string }) {
  return {
    tenantId,
    actorId: actor.userId,
    actorEmail: actor.email,
    action,
    targetType: target?.type ?? (tenantId ? 'Tenant' : undefined),
    targetId: target?.id ?? tenantId ?? undefined,
    details,
  };
}

type TenantRow = Prisma.TenantGetPayload<{ include: { plan: { select: { name: true } }; _count: { select: { memberships: true; recordings: true } } } }>;

function tenantView(row: TenantRow): AdminTenant {
  return {
    id: row.id,
    name: row.name,
    createdAt: row.createdAt,
    suspendedAt: row.suspendedAt,
    suspendReason: row.suspendReason,
    storageBytes: row.storageBytes,
    planId: row.planId,
    planName: row.plan?.name ?? null,
    members: row._count.memberships,
    recordings: row._count.recordings,
  };
}
