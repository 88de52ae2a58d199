import { z } from 'zod';
import { config } from '../../config.js';
import type { Prisma, PrismaClient } from '../../generated/prisma/client.js';
import { AuthenticationError, ConflictError, ValidationError } from '../../lib/errors.js';
import { recordAudit } from '../audit/audit.service.js';
import type { StorageBackend } from '../storage/storage.js';
import { tenantPrefix } from '../storage/storage.js';
import { createTenantWithOwner } from '../tenants/tenant-factory.js';
import { deviceLabel } from './device-label.js';
import type { LoginThrottle } from './login-throttle.js';
import { decoyPasswordHash, hashPassword, verifyPassword } from './passwords.js';
import { hashIp, hashRefreshToken, newRefreshToken, signAccessToken } from './tokens.js';

export const emailSchema = z.string().trim().toLowerCase().pipe(z.email('Enter a valid email address').max(254));
export const passwordSchema = z
  .string()
  .min(8, 'Password must be at least 8 characters')
  .max(128, 'Password must be at most 128 characters');
export const timezoneSchema = z.string().refine(isTimeZone, 'Unknown IANA time zone');

/** Row ids are UUIDs. A global id wrapping anything else names no row, and must not reach Postgres as one. */
export function isRowId(value: string): boolean {
  return z.guid().safeParse(value).success;
}

export function isTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

export interface ClientInfo {
  ip: string | null;
  userAgent: string | null;
  requestId?: string | null;
}

export interface AuthTokens {
  accessToken: string;
  accessTokenExpiresAt: Date;
  refreshToken: string;
  refreshTokenExpiresAt: Date;
  userId: string;
  tenantId: string;
  sessionId: string;
}

export interface RegisterInput {
  email: string;
  password: string;
  displayName?: string | null;
  tenantName?: string | null;
  timezone?: string | null;
}

type Tx = Prisma.TransactionClient;

/** Accounts and sessions. Uses the unscoped client: a user is authenticated before a tenant is chosen. */
export class AuthService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly throttle: LoginThrottle,
    private readonly storage: StorageBackend,
  ) {}

  async register(input: RegisterInput, client: ClientInfo): Promise<AuthTokens> {
    const email = emailSchema.parse(input.email);
    const passwordHash = await hashPassword(passwordSchema.parse(input.password));
    const timezone = input.timezone ?? 'UTC';
    if (!isTimeZone(timezone)) throw ValidationError.field('timezone', 'Unknown IANA time zone');
    try {
      return await this.prisma.$transaction(async (tx) => {
        const user = await tx.user.create({
          data: { email, passwordHash, displayName: input.displayName ?? null, timezone },
        });
        const tenantName = input.tenantName?.trim() || personalWorkspaceName(user);
        const tenant = await createTenantWithOwner(tx, { name: tenantName, timezone, ownerId: user.id });
        await recordAudit(tx, { tenantId: tenant.id, actorId: user.id, actorEmail: email, action: 'user.registered' });
        return this.startSession(tx, user, tenant.id, client);
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw new ConflictError('An account with this email already exists');
      throw error;
    }
  }

  async login(input: { email: string; password: string; tenantId?: string | null }, client: ClientInfo): Promise<AuthTokens> {
    const email = input.email.trim().toLowerCase();
    await this.throttle.beginAttempt(email, client.ip);
    const user = await this.prisma.user.findUnique({
      where: { email },
      include: { memberships: { orderBy: { createdAt: 'asc' } } },
    });
    const valid = await verifyPassword(input.password, user?.passwordHash ?? (await decoyPasswordHash()));
    if (!user || !valid) throw new AuthenticationError('Wrong email or password');
    await this.throttle.recordSuccess(email, client.ip);
    const membership = input.tenantId
      ? user.memberships.find((m) => m.tenantId === input.tenantId)
      : user.memberships[0];
    if (input.tenantId && !membership) throw new AuthenticationError('You are not a member of that workspace');
    return this.prisma.$transaction(async (tx) => {
      await tx.user.update({ where: { id: user.id }, data: { lastLoginAt: new Date() } });
      // Someone who left every workspace still signs in, into a fresh one of their own.
      const tenantId =
        membership?.tenantId ??
        (await createTenantWithOwner(tx, { name: personalWorkspaceName(user), timezone: user.timezone, ownerId: user.id })).id;
      return this.startSession(tx, user, tenantId, client);
    });
  }

  /** Rotates the refresh token. Presenting a token that was already rotated revokes its whole session. */
  async refresh(refreshToken: string, client: ClientInfo): Promise<AuthTokens> {
    const now = new Date();
    const row = await this.prisma.refreshToken.findUnique({
      where: { tokenHash: hashRefreshToken(refreshToken) },
      include: { session: { include: { user: true } } },
    });
    if (!row) throw new AuthenticationError('Invalid refresh token');
    const { session } = row;
    if (session.revokedAt) throw new AuthenticationError('Session has been revoked');
    if (row.expiresAt <= now || session.expiresAt <= now) throw new AuthenticationError('Session expired; log in again');

    const claimed = row.usedAt
      ? 0
      : (await this.prisma.refreshToken.updateMany({ where: { id: row.id, usedAt: null }, data: { usedAt: now } })).count;
    if (claimed === 0) {
      await this.revokeSessions({ id: session.id }, 'refresh-token-reuse');
      await recordAudit(this.prisma, {
        tenantId: session.tenantId,
        actorId: session.userId,
        action: 'session.refresh_reuse_detected',
        targetType: 'AuthSession',
        targetId: session.id,
        requestId: client.requestId,
      });
      throw new AuthenticationError('Refresh token reuse detected; the session has been revoked');
    }

    const member = await this.prisma.membership.findUnique({
      where: { userId_tenantId: { userId: session.userId, tenantId: session.tenantId } },
    });
    if (!member) throw new AuthenticationError('You are no longer a member of this workspace');
    return this.prisma.$transaction((tx) => this.issueTokens(tx, session.user, session.id, session.tenantId, client));
  }

  /** Points the session at another tenant the user belongs to and issues tokens for it. */
  async switchTenant(userId: string, sessionId: string, tenantId: string, client: ClientInfo): Promise<AuthTokens> {
    const member = isRowId(tenantId)
      ? await this.prisma.membership.findUnique({ where: { userId_tenantId: { userId, tenantId } } })
      : null;
    if (!member) throw new AuthenticationError('You are not a member of that workspace');
    return this.prisma.$transaction(async (tx) => {
      const user = await tx.user.findUniqueOrThrow({ where: { id: userId } });
      await tx.refreshToken.updateMany({ where: { sessionId, usedAt: null }, data: { usedAt: new Date() } });
      await tx.authSession.update({ where: { id: sessionId }, data: { tenantId } });
      return this.issueTokens(tx, user, sessionId, tenantId, client);
    });
  }

  async logout(sessionId: string): Promise<void> {
    await this.revokeSessions({ id: sessionId }, 'logout');
  }

  /** Revokes every session and invalidates every access token already issued (tokenVersion). */
  async logoutAll(userId: string): Promise<void> {
    await this.prisma.$transaction([
      this.prisma.user.update({ where: { id: userId }, data: { tokenVersion: { increment: 1 } } }),
      this.revokeSessions({ userId }, 'logout-all'),
    ]);
  }

  listSessions(userId: string) {
    return this.prisma.authSession.findMany({
      where: { userId, revokedAt: null, expiresAt: { gt: new Date() } },
      orderBy: { lastUsedAt: 'desc' },
    });
  }

  /** Returns false when the session is not the user's (or already gone): no existence oracle. */
  async revokeSession(userId: string, sessionId: string): Promise<boolean> {
    if (!isRowId(sessionId)) return false;
    const { count } = await this.revokeSessions({ id: sessionId, userId }, 'revoked');
    return count > 0;
  }

  async changePassword(
    userId: string,
    input: { currentPassword: string; newPassword: string; tenantId: string },
    client: ClientInfo,
  ): Promise<AuthTokens> {
    const user = await this.prisma.user.findUniqueOrThrow({ where: { id: userId } });
    if (!(await verifyPassword(input.currentPassword, user.passwordHash))) {
      throw new AuthenticationError('Current password is wrong');
    }
    const passwordHash = await hashPassword(passwordSchema.parse(input.newPassword));
    return this.prisma.$transaction(async (tx) => {
      const updated = await tx.user.update({
        where: { id: userId },
        data: { passwordHash, tokenVersion: { increment: 1 } },
      });
      await tx.authSession.updateMany({
        where: { userId, revokedAt: null },
        data: { revokedAt: new Date(), revokeReason: 'password-changed' },
      });
      await recordAudit(tx, { tenantId: input.tenantId, actorId: userId, action: 'user.password_changed', requestId: client.requestId });
      return this.startSession(tx, updated, input.tenantId, client);
    });
  }

  /**
   * Deletes the user, every workspace they alone belong to (rows and files), and their memberships
   * elsewhere. Refuses while they are the only owner of a workspace that has other members.
   */
  async deleteAccount(userId: string, password: string): Promise<{ deletedTenantIds: string[] }> {
    const user = await this.prisma.user.findUniqueOrThrow({
      where: { id: userId },
      include: { memberships: { include: { tenant: { include: { memberships: true } } } } },
    });
    if (!(await verifyPassword(password, user.passwordHash))) throw new AuthenticationError('Password is wrong');

    const soleTenantIds: string[] = [];
    for (const { role, tenant } of user.memberships) {
      const others = tenant.memberships.filter((m) => m.userId !== userId);
      if (others.length === 0) soleTenantIds.push(tenant.id);
      else if (role === 'OWNER' && !others.some((m) => m.role === 'OWNER')) {
        throw new ConflictError(`Make another member an owner of "${tenant.name}" before deleting your account`);
      }
    }
    await this.prisma.$transaction([
      this.prisma.tenant.deleteMany({ where: { id: { in: soleTenantIds } } }),
      this.prisma.user.delete({ where: { id: userId } }),
    ]);
    for (const tenantId of soleTenantIds) await this.storage.deletePrefix(tenantPrefix(tenantId));
    return { deletedTenantIds: soleTenantIds };
  }

  private async startSession(
    tx: Tx,
    user: { id: string; tokenVersion: number },
    tenantId: string,
    client: ClientInfo,
  ): Promise<AuthTokens> {
    const session = await tx.authSession.create({
      data: {
        userId: user.id,
        tenantId,
        userAgent: client.userAgent?.slice(0, 500) ?? null,
        deviceLabel: deviceLabel(client.userAgent),
        ipHash: hashIp(client.ip),
        expiresAt: new Date(Date.now() + config.auth.refreshTtlSeconds * 1000),
      },
    });
    return this.issueTokens(tx, user, session.id, tenantId, client);
  }

  private async issueTokens(
    tx: Tx,
    user: { id: string; tokenVersion: number },
    sessionId: string,
    tenantId: string,
    client: ClientInfo,
  ): Promise<AuthTokens> {
    const refresh = newRefreshToken();
    const refreshTokenExpiresAt = new Date(Date.now() + config.auth.refreshTtlSeconds * 1000);
    await tx.refreshToken.create({
      data: { id: refresh.id, sessionId, tokenHash: refresh.hash, expiresAt: refreshTokenExpiresAt },
    });
    await tx.authSession.update({
      where: { id: sessionId },
      data: { lastUsedAt: new Date(), expiresAt: refreshTokenExpiresAt, ipHash: hashIp(client.ip) },
    });
    const access = await signAccessToken({ userId: user.id, tenantId, sessionId, tokenVersion: user.tokenVersion });
    return {
      accessToken: access.token,
      accessTokenExpiresAt: access.expiresAt,
      refreshToken: refresh.token,
      refreshTokenExpiresAt,
      userId: user.id,
      tenantId,
      sessionId,
    };
  }

  /** A Prisma promise, so it can be awaited alone or batched into a transaction. */
  private revokeSessions(where: Prisma.AuthSessionWhereInput, reason: string) {
    return this.prisma.authSession.updateMany({
      where: { ...where, revokedAt: null },
      data: { revokedAt: new Date(), revokeReason: reason },
    });
  }
}

function personalWorkspaceName(user: { email: string; displayName: string | null }): string {
  return `${user.displayName?.trim() || user.email.split('@')[0]}'s workspace`;
}

export function isUniqueViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && 'code' in error && error.code === 'P2002';
}
