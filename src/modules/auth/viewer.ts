import type { PrismaClient } from '../../generated/prisma/client.js';
import type { Role } from '../../generated/prisma/enums.js';
import { AuthenticationError } from '../../lib/errors.js';
import { verifyAccessToken } from './tokens.js';

export const PERMISSIONS = [
  'canTranscribe',
  'canProcessVideo',
  'canUpload',
  'canManageTemplates',
  'canDeleteRecordings',
  'canManageCredentials',
  'canExportData',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

/** Who is calling: the verified token joined with the live membership. */
export interface Viewer {
  userId: string;
  email: string;
  tenantId: string;
  sessionId: string;
  role: Role;
  permissions: Record<Permission, boolean>;
  isSuperadmin: boolean;
}

const ROLE_RANK: Record<Role, number> = { VIEWER: 0, EDITOR: 1, ADMIN: 2, OWNER: 3 };

export function hasRole(viewer: Viewer, minimum: Role): boolean {
  return ROLE_RANK[viewer.role] >= ROLE_RANK[minimum];
}

/** VIEWER reads only, whatever its flags say. */
export function hasPermission(viewer: Viewer, permission: Permission): boolean {
  return viewer.role !== 'VIEWER' && viewer.permissions[permission];
}

/**
 * Verifies an access token and checks it is still live: the session not revoked, tokenVersion not
 * bumped (logoutAll, password change), and the membership in the token's tenant still there.
 */
export async function resolveViewer(prisma: PrismaClient, accessToken: string): Promise<Viewer> {
  const claims = await verifyAccessToken(accessToken);
  const [membership, session] = await Promise.all([
    prisma.membership.findUnique({
      where: { userId_tenantId: { userId: claims.userId, tenantId: claims.tenantId } },
      include: { user: { select: { email: true, tokenVersion: true, isSuperadmin: true } }, tenant: { select: { suspendedAt: true } } },
    }),
    prisma.authSession.findUnique({ where: { id: claims.sessionId }, select: { userId: true, revokedAt: true } }),
  ]);
  if (!membership || membership.user.tokenVersion !== claims.tokenVersion) {
    throw new AuthenticationError('Access token is no longer valid');
  }
  if (!session || session.userId !== claims.userId || session.revokedAt) {
    throw new AuthenticationError('Session has been revoked');
  }
  // Platform admins keep access so they can look into (and reactivate) a suspended workspace.
  if (membership.tenant.suspendedAt && !membership.user.isSuperadmin) {
    throw new AuthenticationError('This workspace is suspended; contact the platform administrators');
  }
  const permissions = Object.fromEntries(PERMISSIONS.map((p) => [p, membership[p]])) as Record<Permission, boolean>;
  return {
    userId: claims.userId,
    email: membership.user.email,
    tenantId: claims.tenantId,
    sessionId: claims.sessionId,
    role: membership.role,
    permissions,
    isSuperadmin: membership.user.isSuperadmin,
  };
}
