import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prisma } from '../../src/lib/db.js';
import { CredentialError, QuotaExceededError, ValidationError } from '../../src/lib/errors.js';
import { CredentialsService } from '../../src/modules/credentials/credentials.service.js';
import { KeyRing } from '../../src/modules/credentials/key-ring.js';
import { startFakeOAuth, type FakeOAuthServer } from '../support/fake-oauth.js';

const k1 = randomBytes(32).toString('base64');
const k2 = randomBytes(32).toString('base64');

let oauth: FakeOAuthServer;
let clock = new Date('2026-03-01T10:00:00Z');
const now = () => clock;
let service: CredentialsService;

async function tenant(): Promise<string> {
  return (await prisma.tenant.create({ data: { name: `vault ${randomBytes(3).toString('hex')}` } })).id;
}

function youtubeSecret(tokens: { accessToken: string; refreshToken: string }, expiresAt: Date) {
  return { kind: 'oauth', ...tokens, expiresAt: expiresAt.toISOString(), clientId: 'google-client', clientSecret: 'google-client-secret-value' };
}

beforeAll(async () => {
  oauth = await startFakeOAuth();
  service = new CredentialsService(prisma, { keyRing: KeyRing.parse(`1:${k1}`), oauth: oauth.settings, now });
});
afterAll(() => oauth.close());

describe('credentials vault', () => {
  it('stores secrets sealed and bound to the row, and reads them back', async () => {
    const tenantId = await tenant();
    const row = await service.create(tenantId, { platform: 'OPENAI_COMPATIBLE', accountName: 'Fireworks', secret: { baseUrl: 'https://api.fireworks.ai/inference/v1', apiKey: 'fw-key-0123456789', defaultModel: 'whisper-v3-turbo' } });
    const stored = await prisma.credential.findUniqueOrThrow({ where: { id: row.id } });
    expect(stored.keyVersion).toBe(1);
    expect(Buffer.from(stored.secret).toString('latin1')).not.toContain('fw-key');
    const secret = await service.getSecret(tenantId, row.id, 'OPENAI_COMPATIBLE');
    expect(secret).toEqual({ baseUrl: 'https://api.fireworks.ai/inference/v1', apiKey: 'fw-key-0123456789', defaultModel: 'whisper-v3-turbo', purpose: 'both' });
    expect((await prisma.credential.findUniqueOrThrow({ where: { id: row.id } })).lastUsedAt).toEqual(clock);
    // An API key is its own bearer token and never "expires".
    expect(await service.accessToken(tenantId, row.id)).toBe('fw-key-0123456789');
    expect(await service.accessToken(tenantId, row.id, { forceRefresh: true })).toBe('fw-key-0123456789');
    // Another tenant cannot read it: same answer as a missing id.
    await expect(service.getSecret(await tenant(), row.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('validates secrets per platform without echoing values', async () => {
    const tenantId = await tenant();
    const attempt = service.create(tenantId, { platform: 'S3', accountName: 'bucket', secret: { bucket: 'Bad_Bucket', accessKeyId: 'AKIA-super-secret', secretAccessKey: 42 } });
    await expect(attempt).rejects.toBeInstanceOf(ValidationError);
    const error = (await attempt.catch((e: unknown) => e)) as ValidationError;
    expect(error.issues.map((i) => i.path).sort()).toEqual(['secret.bucket', 'secret.secretAccessKey']);
    expect(JSON.stringify(error.issues)).not.toContain('AKIA-super-secret');
    await expect(service.create(tenantId, { platform: 'ZOOM', accountName: 'z', secret: { kind: 'server_to_server', accountId: 'acc' } })).rejects.toBeInstanceOf(ValidationError);
    await expect(service.create(tenantId, { platform: 'GOOGLE_DRIVE', accountName: 'g', secret: {} })).rejects.toBeInstanceOf(ValidationError);
    expect(await prisma.credential.count({ where: { tenantId } })).toBe(0);
  });

  it('refuses a secret moved into another row and asks to reconnect', async () => {
    const tenantId = await tenant();
    const a = await service.create(tenantId, { platform: 'VK_VIDEO', accountName: 'a', secret: { kind: 'token', accessToken: 'vk1.a.token-of-account-a' } });
    const b = await service.create(tenantId, { platform: 'VK_VIDEO', accountName: 'b', secret: { kind: 'token', accessToken: 'vk1.a.token-of-account-b' } });
    const stolen = await prisma.credential.findUniqueOrThrow({ where: { id: a.id } });
    await prisma.credential.update({ where: { id: b.id }, data: { secret: stolen.secret } });
    const attempt = service.getSecret(tenantId, b.id);
    await expect(attempt).rejects.toBeInstanceOf(CredentialError);
    await expect(attempt).rejects.toThrow(/reconnect this account/);
    expect((await prisma.credential.findUniqueOrThrow({ where: { id: b.id } })).needsReauth).toBe(true);
    // With a key ring that lacks the row's key the answer is the same.
    const stranger = new CredentialsService(prisma, { keyRing: KeyRing.parse(`1:${k2}`) });
    await expect(stranger.getSecret(tenantId, a.id)).rejects.toThrow(/reconnect this account/);
  });

  it('rotates every row to the active key in batches and keeps them readable', async () => {
    const tenantId = await tenant();
    const rows = [];
    for (let i = 0; i < 5; i += 1) rows.push(await service.create(tenantId, { platform: 'VK_VIDEO', accountName: `rot ${i}`, secret: { kind: 'token', accessToken: `vk1.a.rotation-token-${i}` } }));
    const broken = await prisma.credential.create({ data: { tenantId, platform: 'VK_VIDEO', accountName: 'broken', secret: Buffer.from('garbage bytes here, not sealed'), keyVersion: 1 } });
    const rotating = new CredentialsService(prisma, { keyRing: KeyRing.parse(`1:${k1},2:${k2}`, 2), now });
    const result = await rotating.rotateEncryptionKey(2);
    expect(result.activeKeyVersion).toBe(2);
    expect(result.rotated).toBeGreaterThanOrEqual(5);
    expect(result.failed).toBeGreaterThanOrEqual(1);
    const after = await prisma.credential.findMany({ where: { tenantId }, orderBy: { accountName: 'asc' } });
    expect(after.filter((r) => r.id !== broken.id).every((r) => r.keyVersion === 2)).toBe(true);
    expect(after.find((r) => r.id === broken.id)?.keyVersion).toBe(1);
    // Key 1 can now be retired.
    const onlyNew = new CredentialsService(prisma, { keyRing: KeyRing.parse(`2:${k2}`), now });
    for (const [i, row] of rows.entries()) expect(await onlyNew.getSecret(tenantId, row.id, 'VK_VIDEO')).toMatchObject({ accessToken: `vk1.a.rotation-token-${i}` });
    expect((await rotating.rotateEncryptionKey()).rotated).toBe(0);
  });

  it('enforces the plan’s credentials limit, an override of 0 included', async () => {
    const tenantId = await tenant();
    const plan = await prisma.plan.create({ data: { name: `cred-plan-${randomBytes(3).toString('hex')}`, displayName: 'Two', credentials: 2 } });
    await prisma.tenant.update({ where: { id: tenantId }, data: { planId: plan.id } });
    const make = (name: string) => service.create(tenantId, { platform: 'YANDEX_DISK', accountName: name, secret: { accessToken: `y0_${name}-token` } });
    await make('one');
    await make('two');
    await expect(make('three')).rejects.toEqual(new QuotaExceededError('credentials', 2, 2));
    await prisma.quotaOverride.create({ data: { tenantId, credentials: 0 } });
    await expect(make('four')).rejects.toBeInstanceOf(QuotaExceededError);
    expect(await prisma.credential.count({ where: { tenantId } })).toBe(2);
    expect(await service.status(tenantId)).toMatchObject({ total: 2, limit: 0, needsReauth: 0, platforms: [{ platform: 'YANDEX_DISK', count: 2 }] });
  });
});

describe('access tokens', () => {
  it('uses a fresh token, renews one about to expire and persists the renewal sealed', async () => {
    const tenantId = await tenant();
    const granted = oauth.grant('channel@example.test');
    const row = await service.create(tenantId, { platform: 'YOUTUBE', accountName: 'Channel', secret: youtubeSecret(granted, new Date(clock.getTime() + 3600_000)) });
    expect(await service.accessToken(tenantId, row.id)).toBe(granted.accessToken);
    const refreshesBefore = oauth.requests.filter((r) => r.grantType === 'refresh_token').length;
    clock = new Date(clock.getTime() + 3500_000); // 100 s before expiry: inside the 300 s margin
    const renewed = await service.accessToken(tenantId, row.id);
    expect(renewed).not.toBe(granted.accessToken);
    expect(oauth.accessTokens.has(renewed)).toBe(true);
    expect(oauth.requests.filter((r) => r.grantType === 'refresh_token').length).toBe(refreshesBefore + 1);
    const stored = await prisma.credential.findUniqueOrThrow({ where: { id: row.id } });
    expect(stored.expiresAt?.getTime()).toBe(clock.getTime() + 3600_000);
    expect(Buffer.from(stored.secret).toString('latin1')).not.toContain(renewed);
    // The refresh token was not rotated, so the old one is kept.
    expect(await service.getSecret(tenantId, row.id, 'YOUTUBE')).toMatchObject({ accessToken: renewed, refreshToken: granted.refreshToken });
    expect(await service.accessToken(tenantId, row.id)).toBe(renewed);
  });

  it('forces one renewal after a 401, and keeps rotated refresh tokens', async () => {
    const tenantId = await tenant();
    oauth.rotateRefreshTokens = true;
    try {
      const granted = oauth.grant('zoomer@example.test');
      const row = await service.create(tenantId, {
        platform: 'ZOOM',
        accountName: 'Zoom user',
        secret: { kind: 'oauth', ...granted, expiresAt: new Date(clock.getTime() + 3600_000).toISOString(), clientId: 'zoom-client', clientSecret: 'zoom-client-secret-value' },
      });
      const forced = await service.accessToken(tenantId, row.id, { forceRefresh: true });
      expect(forced).not.toBe(granted.accessToken);
      const secret = await service.getSecret(tenantId, row.id, 'ZOOM');
      expect(secret.kind === 'oauth' && secret.refreshToken).not.toBe(granted.refreshToken);
      expect(oauth.refreshTokens.has(granted.refreshToken)).toBe(false);
    } finally {
      oauth.rotateRefreshTokens = false;
    }
  });

  it('gets Zoom server-to-server tokens with the account_credentials grant', async () => {
    const tenantId = await tenant();
    const row = await service.create(tenantId, { platform: 'ZOOM', accountName: 'S2S', secret: { kind: 'server_to_server', accountId: 'acct-1', clientId: 'zoom-client', clientSecret: 'zoom-client-secret-value' } });
    const token = await service.accessToken(tenantId, row.id);
    expect(oauth.accessTokens.get(token)).toBe('zoom-account-acct-1');
    expect(await service.accessToken(tenantId, row.id)).toBe(token);
  });

  it('marks the credential for re-authorisation when the refresh token is refused', async () => {
    const tenantId = await tenant();
    const granted = oauth.grant('revoked@example.test');
    oauth.revoke(granted.refreshToken);
    const row = await service.create(tenantId, { platform: 'YOUTUBE', accountName: 'Revoked', secret: youtubeSecret(granted, new Date(clock.getTime() - 1000)) });
    const attempt = service.accessToken(tenantId, row.id);
    await expect(attempt).rejects.toBeInstanceOf(CredentialError);
    await expect(attempt).rejects.toThrow(/reconnect this account/);
    expect((await prisma.credential.findUniqueOrThrow({ where: { id: row.id } })).needsReauth).toBe(true);
    // A token that cannot be renewed (VK implicit flow) fails the same way once it has expired.
    const vk = await service.create(tenantId, { platform: 'VK_VIDEO', accountName: 'vk', secret: { kind: 'token', accessToken: 'vk1.a.expired-token-xyz', expiresAt: new Date(clock.getTime() - 1).toISOString() } });
    await expect(service.accessToken(tenantId, vk.id)).rejects.toBeInstanceOf(CredentialError);
    // Replacing the secret clears needsReauth.
    const fresh = oauth.grant('revoked@example.test');
    await service.update(tenantId, row.id, { secret: youtubeSecret(fresh, new Date(clock.getTime() + 3600_000)) });
    expect((await prisma.credential.findUniqueOrThrow({ where: { id: row.id } })).needsReauth).toBe(false);
    expect(await service.accessToken(tenantId, row.id)).toBe(fresh.accessToken);
  });
});
