import { randomUUID } from 'node:crypto';
import { config, type OAuthSettings } from '../../config.js';
import type { Credential, PrismaClient } from '../../generated/prisma/client.js';
import type { CredentialPlatform } from '../../generated/prisma/enums.js';
import { forTenant, type TenantDb } from '../../lib/db.js';
import { ConflictError, CredentialError, NotFoundError, QuotaExceededError, ValidationError } from '../../lib/errors.js';
import { logger } from '../../lib/logger.js';
import { isRowId, isUniqueViolation } from '../auth/auth.service.js';
import { currentToken, isRenewable, isStale, renewSecret } from './access-tokens.js';
import { credentialAad, KeyRing, SealBrokenError } from './key-ring.js';
import {
  isSupportedCredentialPlatform,
  parseSecret,
  tokenExpiry,
  type CredentialSecret,
  type SecretByPlatform,
  type SupportedCredentialPlatform,
} from './secret-schemas.js';

// The credentials vault (SPEC §4): third-party secrets sealed with AES-256-GCM, bound to their
// row. Only this service ever sees plaintext; it returns rows whose `secret` stays opaque bytes.

export const CREDENTIAL_QUOTA = 'credentials';
const REAUTH_MESSAGE = 'The saved secret of this account cannot be read; reconnect this account';

export interface CredentialInput {
  platform: CredentialPlatform;
  accountName: string;
  secret?: unknown;
}

export interface CredentialPatch {
  accountName?: string | null;
  /** Replaces the whole secret (validated for the platform) and clears needsReauth. */
  secret?: unknown;
  isActive?: boolean | null;
}

export interface RotationResult {
  activeKeyVersion: number;
  rotated: number;
  /** Rows that could not be opened with any configured key (they keep their old ciphertext). */
  failed: number;
}

export interface CredentialsStatus {
  total: number;
  needsReauth: number;
  limit: number | null;
  platforms: Array<{ platform: CredentialPlatform; count: number; needsReauth: number }>;
}

export class CredentialsService {
  private readonly keyRing: KeyRing;
  private readonly oauth: OAuthSettings;
  private readonly now: () => Date;

  constructor(
    private readonly prisma: PrismaClient,
    options: { keyRing?: KeyRing; oauth?: OAuthSettings; now?: () => Date } = {},
  ) {
    this.keyRing = options.keyRing ?? KeyRing.fromConfig();
    this.oauth = options.oauth ?? config.oauth;
    this.now = options.now ?? (() => new Date());
  }

  private db(tenantId: string): TenantDb {
    return forTenant(tenantId, this.prisma);
  }

  async find(tenantId: string, id: string): Promise<Credential> {
    const row = isRowId(id) ? await this.db(tenantId).credential.findUnique({ where: { id } }) : null;
    if (!row) throw new NotFoundError('Credential');
    return row;
  }

  async create(tenantId: string, input: CredentialInput): Promise<Credential> {
    const platform = this.supported(input.platform);
    const accountName = accountNameOf(input.accountName);
    const secret = parseSecret(platform, input.secret);
    return this.insertWithinQuota(tenantId, platform, accountName, secret);
  }

  async update(tenantId: string, id: string, patch: CredentialPatch): Promise<Credential> {
    const row = await this.find(tenantId, id);
    const platform = this.supported(row.platform);
    const accountName = patch.accountName != null ? accountNameOf(patch.accountName) : undefined;
    const sealed = patch.secret != null ? this.sealFor(row, parseSecret(platform, patch.secret)) : undefined;
    return this.unique(() =>
      this.db(tenantId).credential.update({
        where: { id: row.id },
        data: {
          ...(accountName ? { accountName } : {}),
          ...(patch.isActive != null ? { isActive: patch.isActive } : {}),
          ...(sealed ? { ...sealed.columns, needsReauth: false } : {}),
        },
      }),
    );
  }

  async delete(tenantId: string, id: string): Promise<Credential> {
    const row = await this.find(tenantId, id);
    await this.db(tenantId).credential.delete({ where: { id: row.id } });
    return row;
  }

  /** Stores tokens of a finished OAuth flow: a new account, or the same account reconnected. */
  async saveConnected<P extends SupportedCredentialPlatform>(tenantId: string, platform: P, accountName: string, secret: SecretByPlatform[P]): Promise<Credential> {
    const name = accountNameOf(accountName);
    const valid = parseSecret(platform, secret);
    const existing = await this.db(tenantId).credential.findFirst({ where: { platform, accountName: name } });
    if (!existing) return this.insertWithinQuota(tenantId, platform, name, valid);
    const sealed = this.sealFor(existing, valid);
    return this.db(tenantId).credential.update({ where: { id: existing.id }, data: { ...sealed.columns, needsReauth: false, isActive: true } });
  }

  /** The decrypted secret; marks the credential used. Throws CredentialError when it cannot be read. */
  async getSecret<P extends SupportedCredentialPlatform>(tenantId: string, credentialId: string, platform?: P): Promise<SecretByPlatform[P]> {
    const row = await this.find(tenantId, credentialId);
    if (platform && row.platform !== platform) throw new CredentialError(`This is not a ${platform} credential`, row.id);
    const secret = await this.open(row);
    await this.db(tenantId).credential.update({ where: { id: row.id }, data: { lastUsedAt: this.now() } });
    return secret as SecretByPlatform[P];
  }

  async markNeedsReauth(tenantId: string, credentialId: string, reason: string): Promise<void> {
    if (!isRowId(credentialId)) return;
    const { count } = await this.db(tenantId).credential.updateMany({ where: { id: credentialId }, data: { needsReauth: true } });
    if (count > 0) logger.warn({ tenantId, credentialId, reason }, 'credential needs re-authorisation');
  }

  /**
   * A bearer token for API calls, renewed when it expires within the margin. `forceRefresh` renews
   * it regardless (after a 401); if another worker renewed it meanwhile, that token is used.
   */
  async accessToken(tenantId: string, credentialId: string, options: { forceRefresh?: boolean } = {}): Promise<string> {
    const row = await this.find(tenantId, credentialId);
    const platform = this.supported(row.platform);
    const secret = await this.open(row);
    const token = currentToken(platform, secret);
    if (token && (!options.forceRefresh || platform === 'OPENAI_COMPATIBLE') && !isStale(platform, secret, this.now(), this.oauth.refreshMarginSeconds)) {
      await this.db(tenantId).credential.update({ where: { id: row.id }, data: { lastUsedAt: this.now() } });
      return token;
    }
    if (!isRenewable(platform, secret)) {
      await this.markNeedsReauth(tenantId, row.id, options.forceRefresh ? 'token refused by the platform' : 'token expired');
      throw new CredentialError('The access token of this account has expired; reconnect this account', row.id);
    }
    try {
      return await this.renew(tenantId, row, platform, options.forceRefresh === true);
    } catch (error) {
      if (error instanceof CredentialError) await this.markNeedsReauth(tenantId, row.id, error.message);
      throw error;
    }
  }

  /** One renewal at a time per credential (providers rotate refresh tokens: two racing renewals would lose one). */
  private async renew(tenantId: string, seen: Credential, platform: SupportedCredentialPlatform, force: boolean): Promise<string> {
    return this.db(tenantId).$transaction(
      async (tx) => {
        await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`credential-renew:${seen.id}`}))`;
        const row = await tx.credential.findUnique({ where: { id: seen.id } });
        if (!row) throw new NotFoundError('Credential');
        const secret = await this.open(row);
        const renewedMeanwhile = row.updatedAt.getTime() !== seen.updatedAt.getTime();
        const token = currentToken(platform, secret);
        if (token && !isStale(platform, secret, this.now(), this.oauth.refreshMarginSeconds) && (!force || renewedMeanwhile)) return token;
        const renewed = await renewSecret(platform, secret, row.id, this.now(), this.oauth);
        const sealed = this.sealFor(row, renewed);
        await tx.credential.update({ where: { id: row.id }, data: { ...sealed.columns, needsReauth: false, lastUsedAt: this.now() } });
        return currentToken(platform, renewed) ?? '';
      },
      { timeout: 60_000, maxWait: 30_000 },
    );
  }

  /** Re-seals every credential of every tenant with the active key, in batches. Platform superadmins only. */
  async rotateEncryptionKey(batchSize = 100): Promise<RotationResult> {
    const active = this.keyRing.activeVersion;
    let rotated = 0;
    let failed = 0;
    let after: string | undefined;
    for (;;) {
      const batch = await this.prisma.credential.findMany({
        where: { keyVersion: { not: active }, ...(after ? { id: { gt: after } } : {}) },
        orderBy: { id: 'asc' },
        take: batchSize,
      });
      if (batch.length === 0) break;
      after = batch.at(-1)?.id;
      for (const row of batch) {
        let plaintext: Buffer;
        try {
          plaintext = this.keyRing.open(row, credentialAad(row));
        } catch (error) {
          if (!(error instanceof SealBrokenError)) throw error;
          failed += 1;
          continue;
        }
        const sealed = this.keyRing.seal(plaintext, credentialAad(row));
        // Only if nobody re-sealed it meanwhile (a token renewal already uses the active key).
        const { count } = await this.prisma.credential.updateMany({
          where: { id: row.id, keyVersion: row.keyVersion, updatedAt: row.updatedAt },
          data: { secret: sealed.secret, keyVersion: sealed.keyVersion },
        });
        rotated += count;
      }
    }
    logger.info({ activeKeyVersion: active, rotated, failed }, 'credential encryption key rotated');
    return { activeKeyVersion: active, rotated, failed };
  }

  async status(tenantId: string): Promise<CredentialsStatus> {
    const db = this.db(tenantId);
    const [groups, tenant] = await Promise.all([
      db.credential.groupBy({ by: ['platform', 'needsReauth'], _count: { _all: true } }),
      db.tenant.findFirst({ select: { plan: { select: { credentials: true } }, quotaOverride: { select: { credentials: true } } } }),
    ]);
    const platforms = new Map<CredentialPlatform, { platform: CredentialPlatform; count: number; needsReauth: number }>();
    for (const group of groups) {
      const entry = platforms.get(group.platform) ?? { platform: group.platform, count: 0, needsReauth: 0 };
      entry.count += group._count._all;
      if (group.needsReauth) entry.needsReauth += group._count._all;
      platforms.set(group.platform, entry);
    }
    const list = [...platforms.values()].sort((a, b) => a.platform.localeCompare(b.platform));
    return {
      total: list.reduce((sum, p) => sum + p.count, 0),
      needsReauth: list.reduce((sum, p) => sum + p.needsReauth, 0),
      limit: tenant?.quotaOverride?.credentials ?? tenant?.plan?.credentials ?? null,
      platforms: list,
    };
  }

  private async insertWithinQuota(tenantId: string, platform: SupportedCredentialPlatform, accountName: string, secret: CredentialSecret): Promise<Credential> {
    const id = randomUUID();
    const sealed = this.sealFor({ id, tenantId, platform }, secret);
    return this.unique(() =>
      this.db(tenantId).$transaction(async (tx) => {
        // Serialises creations per tenant so two requests cannot both take the last slot.
        await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`credentials:${tenantId}`}))`;
        const tenant = await tx.tenant.findFirst({ select: { plan: { select: { credentials: true } }, quotaOverride: { select: { credentials: true } } } });
        const limit = tenant?.quotaOverride?.credentials ?? tenant?.plan?.credentials ?? null;
        if (limit !== null) {
          const used = await tx.credential.count();
          if (used >= limit) throw new QuotaExceededError(CREDENTIAL_QUOTA, limit, used);
        }
        return tx.credential.create({ data: { id, tenantId, platform, accountName, ...sealed.columns } });
      }),
    );
  }

  private sealFor(row: { id: string; tenantId: string; platform: CredentialPlatform }, secret: CredentialSecret) {
    const sealed = this.keyRing.seal(Buffer.from(JSON.stringify(secret), 'utf8'), credentialAad(row));
    return { columns: { secret: sealed.secret, keyVersion: sealed.keyVersion, expiresAt: tokenExpiry(secret) } };
  }

  private async open(row: Credential): Promise<CredentialSecret> {
    const platform = this.supported(row.platform);
    try {
      const plaintext = this.keyRing.open(row, credentialAad(row));
      return parseSecret(platform, JSON.parse(plaintext.toString('utf8')));
    } catch (error) {
      if (!(error instanceof SealBrokenError || error instanceof SyntaxError || error instanceof ValidationError)) throw error;
      await this.markNeedsReauth(row.tenantId, row.id, 'secret cannot be decrypted');
      throw new CredentialError(REAUTH_MESSAGE, row.id);
    }
  }

  private supported(platform: CredentialPlatform): SupportedCredentialPlatform {
    if (!isSupportedCredentialPlatform(platform)) throw ValidationError.field('platform', 'Credentials for this platform are not supported yet');
    return platform;
  }

  private async unique<T>(write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (error) {
      if (isUniqueViolation(error)) throw new ConflictError('An account with this name is already connected for this platform');
      throw error;
    }
  }
}

function accountNameOf(value: string): string {
  const name = value.trim();
  if (!name || name.length > 255) throw ValidationError.field('accountName', 'Account name must be 1–255 characters');
  return name;
}
