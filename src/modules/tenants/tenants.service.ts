import { z } from 'zod';
import type { Membership, PrismaClient } from '../../generated/prisma/client.js';
import type { Role } from '../../generated/prisma/enums.js';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../../lib/errors.js';
import type { TenantDb } from '../../lib/db.js';
import { recordAudit } from '../audit/audit.service.js';
import { isRowId, isTimeZone } from '../auth/auth.service.js';
import { hasRole, type Permission, type Viewer } from '../auth/viewer.js';
import { createTenantWithOwner } from './tenant-factory.js';

export const tenantNameSchema = z.string().trim().min(2, 'Name must be at least 2 characters').max(120);

export type PermissionPatch = Partial<Record<Permission, boolean | null>>;

/**
 * Workspaces and their members. Membership changes follow two rules: only an OWNER grants, removes or
 * changes OWNER, and a workspace always keeps at least one OWNER.
 */
export class TenantsService {
  constructor(private readonly prisma: PrismaClient) {}

  myMemberships(userId: string) {
    return this.prisma.membership.findMany({ where: { userId }, orderBy: { createdAt: 'asc' } });
  }

  async createTenant(viewer: Viewer, input: { name: string; timezone?: string | null }) {
    const timezone = input.timezone ?? 'UTC';
    if (!isTimeZone(timezone)) throw ValidationError.field('timezone', 'Unknown IANA time zone');
    const name = tenantNameSchema.parse(input.name);
    return this.prisma.$transaction(async (tx) => {
      const tenant = await createTenantWithOwner(tx, { name, timezone, ownerId: viewer.userId });
      await recordAudit(tx, { tenantId: tenant.id, actorId: viewer.userId, action: 'tenant.created' });
      return tenant;
    });
  }

  async updateTenant(db: TenantDb, viewer: Viewer, input: { name?: string | null; timezone?: string | null }) {
    this.requireRole(viewer, 'ADMIN');
    if (input.timezone != null && !isTimeZone(input.timezone)) {
      throw ValidationError.field('timezone', 'Unknown IANA time zone');
    }
    return db.tenant.update({
      where: { id: viewer.tenantId },
      data: {
        ...(input.name != null ? { name: tenantNameSchema.parse(input.name) } : {}),
        ...(input.timezone != null ? { timezone: input.timezone } : {}),
      },
    });
  }

  async addMember(db: TenantDb, viewer: Viewer, input: { email: string; role: Role }): Promise<Membership> {
    this.requireRole(viewer, 'ADMIN');
    this.requireCanAssign(viewer, input.role);
    // Looked up unscoped: the person is not in this tenant yet. Unknown emails and existing members
    // get distinct answers only because the admin already controls who is invited.
    const user = await this.prisma.user.findUnique({ where: { email: input.email.trim().toLowerCase() } });
    if (!user) throw new NotFoundError('User');
    const existing = await db.membership.findFirst({ where: { userId: user.id } });
    if (existing) throw new ConflictError('This user is already a member');
    const membership = await db.membership.create({
      data: { tenantId: viewer.tenantId, userId: user.id, role: input.role },
    });
    await this.audit(db, viewer, 'member.added', membership.id, { userId: user.id, role: input.role });
    return membership;
  }

  async removeMember(db: TenantDb, viewer: Viewer, membershipId: string): Promise<Membership> {
    const target = await this.findMembership(db, membershipId);
    if (target.userId !== viewer.userId) {
      this.requireRole(viewer, 'ADMIN');
      this.requireCanAssign(viewer, target.role);
    }
    await this.assertKeepsAnOwner(db, target, null);
    await db.membership.delete({ where: { id: target.id } });
    await db.authSession.updateMany({
      where: { userId: target.userId, revokedAt: null },
      data: { revokedAt: new Date(), revokeReason: 'membership-removed' },
    });
    await this.audit(db, viewer, 'member.removed', target.id, { userId: target.userId, role: target.role });
    return target;
  }

  async changeRole(db: TenantDb, viewer: Viewer, membershipId: string, role: Role): Promise<Membership> {
    this.requireRole(viewer, 'ADMIN');
    const target = await this.findMembership(db, membershipId);
    this.requireCanAssign(viewer, target.role);
    this.requireCanAssign(viewer, role);
    await this.assertKeepsAnOwner(db, target, role);
    const updated = await db.membership.update({ where: { id: target.id }, data: { role } });
    await this.audit(db, viewer, 'member.role_changed', target.id, { from: target.role, to: role });
    return updated;
  }

  async setPermissions(db: TenantDb, viewer: Viewer, membershipId: string, patch: PermissionPatch): Promise<Membership> {
    this.requireRole(viewer, 'ADMIN');
    const target = await this.findMembership(db, membershipId);
    this.requireCanAssign(viewer, target.role);
    const data = Object.fromEntries(
      Object.entries(patch).filter((entry): entry is [string, boolean] => typeof entry[1] === 'boolean'),
    );
    const updated = await db.membership.update({ where: { id: target.id }, data });
    await this.audit(db, viewer, 'member.permissions_changed', target.id, data);
    return updated;
  }

  private async findMembership(db: TenantDb, id: string): Promise<Membership> {
    const membership = isRowId(id) ? await db.membership.findUnique({ where: { id } }) : null;
    if (!membership) throw new NotFoundError('Membership');
    return membership;
  }

  private requireRole(viewer: Viewer, minimum: Role): void {
    if (!hasRole(viewer, minimum)) throw new ForbiddenError(`This needs the ${minimum} role or higher`);
  }

  /** Only an OWNER may grant OWNER or act on an OWNER. */
  private requireCanAssign(viewer: Viewer, role: Role): void {
    if (role === 'OWNER' && viewer.role !== 'OWNER') throw new ForbiddenError('Only an owner can manage owners');
  }

  private async assertKeepsAnOwner(db: TenantDb, target: Membership, newRole: Role | null): Promise<void> {
    if (target.role !== 'OWNER' || newRole === 'OWNER') return;
    const owners = await db.membership.count({ where: { role: 'OWNER' } });
    if (owners <= 1) throw new ConflictError('A workspace needs at least one owner');
  }

  private audit(db: TenantDb, viewer: Viewer, action: string, targetId: string, details: Record<string, string | boolean>) {
    return recordAudit(db, {
      tenantId: viewer.tenantId,
      actorId: viewer.userId,
      actorEmail: viewer.email,
      action,
      targetType: 'Membership',
      targetId,
      details,
    });
  }
}
