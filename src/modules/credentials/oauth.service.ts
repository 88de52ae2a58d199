import { createHash, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { config, type OAuthSettings } from '../../config.js';
import type { Credential, PrismaClient } from '../../generated/prisma/client.js';
import { redisKey } from '../../lib/redis.js';
import { CredentialError, ValidationError } from '../../lib/errors.js';
import type { CredentialsService } from './credentials.service.js';
import { KeyRing, SealBrokenError } from './key-ring.js';
import { oauthProvider, type OAuthPlatform, type OAuthProvider } from './oauth-providers.js';
import type { SecretByPlatform } from './secret-schemas.js';
import { requestToken, type TokenClient, type TokenSet } from './token-endpoint.js';

// OAuth 2.0 connection flows (SPEC §4, inventory §10): start → provider consent → finish (mutation
// or the HTTP callback). The state lives in Redis for 10 minutes, sealed (it can hold a workspace's
// own client secret), is read once (GETDEL) and names the user and workspace that started it.

export const OAUTH_CALLBACK_PATH = '/oauth/callback';

export interface OAuthStartInput {
  platform: OAuthPlatform;
  /** Name of the account; asked from the provider (email, login) when omitted. */
  accountName?: string | null;
  /** A workspace's own OAuth app instead of the installation's. */
  clientId?: string | null;
  clientSecret?: string | null;
}

export interface OAuthStart {
  authorizationUrl: string;
  state: string;
  expiresAt: Date;
}

export interface OAuthFinishInput {
  state: string;
  code: string;
  /** VK ID sends the device id with the code; refreshes need it. */
  deviceId?: string | null;
}

const stateSchema = z.object({
  userId: z.string(),
  tenantId: z.string(),
  platform: z.enum(['YOUTUBE', 'VK_VIDEO', 'ZOOM', 'YANDEX_DISK', 'GOOGLE_DRIVE']),
  accountName: z.string().nullable(),
  redirectUri: z.string(),
  clientId: z.string(),
  clientSecret: z.string().nullable(),
  codeVerifier: z.string().nullable(),
  createdAt: z.string(),
});
type OAuthState = z.infer<typeof stateSchema>;

const INVALID_STATE = 'The authorization request expired or was already used; start connecting the account again';

export class OAuthService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly redis: Redis,
    private readonly credentials: CredentialsService,
    private readonly keyRing: KeyRing = KeyRing.fromConfig(),
    private readonly settings: OAuthSettings = config.oauth,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async start(viewer: { userId: string; tenantId: string }, input: OAuthStartInput, apiOrigin: string): Promise<OAuthStart> {
    const provider = oauthProvider(input.platform, this.settings);
    const ownClient = input.clientId?.trim();
    if (ownClient && !provider.clientIdPattern.test(ownClient)) throw ValidationError.field('clientId', 'This is not a client id of this platform');
    const clientId = ownClient || provider.defaultClient.clientId;
    const clientSecret = input.clientId ? input.clientSecret?.trim() || null : provider.defaultClient.clientSecret;
    if (!clientId) throw ValidationError.field('clientId', 'No OAuth app is configured for this platform; pass your own clientId');
    if (provider.clientAuth !== 'public' && !clientSecret) throw ValidationError.field('clientSecret', 'This platform needs the OAuth app’s client secret');
    const state = randomBytes(24).toString('base64url');
    const codeVerifier = provider.pkce ? randomBytes(96).toString('base64url') : null; // 128 characters
    const redirectUri = new URL(OAUTH_CALLBACK_PATH, apiOrigin).toString();
    const payload: OAuthState = {
      userId: viewer.userId,
      tenantId: viewer.tenantId,
      platform: input.platform,
      accountName: input.accountName?.trim() || null,
      redirectUri,
      clientId,
      clientSecret,
      codeVerifier,
      createdAt: this.now().toISOString(),
    };
    const sealed = this.keyRing.seal(Buffer.from(JSON.stringify(payload)), Buffer.from(`oauth-state:${state}`));
    const value = `${sealed.keyVersion}.${Buffer.from(sealed.secret).toString('base64')}`;
    await this.redis.set(stateKey(state), value, 'EX', this.settings.stateTtlSeconds);

    const url = new URL(provider.authUrl);
    url.searchParams.set('response_type', 'code');
    url.searchParams.set('client_id', clientId);
    url.searchParams.set('redirect_uri', redirectUri);
    url.searchParams.set('state', state);
    if (provider.scopes.length > 0) url.searchParams.set('scope', provider.scopes.join(' '));
    for (const [key, value] of Object.entries(provider.authParams)) url.searchParams.set(key, value);
    if (codeVerifier) {
      url.searchParams.set('code_challenge', createHash('sha256').update(codeVerifier).digest('base64url'));
      url.searchParams.set('code_challenge_method', 'S256');
    }
    return { authorizationUrl: url.toString(), state, expiresAt: new Date(this.now().getTime() + this.settings.stateTtlSeconds * 1000) };
  }

  /**
   * Exchanges the code and stores the account. `viewer` is the caller of the finish mutation (it must
   * be who started the flow); the browser callback has none and relies on the state alone.
   */
  async finish(viewer: { userId: string; tenantId: string } | null, input: OAuthFinishInput): Promise<Credential> {
    const state = await this.takeState(input.state);
    if (!state || (viewer && (viewer.userId !== state.userId || viewer.tenantId !== state.tenantId))) throw ValidationError.field('state', INVALID_STATE);
    const member = await this.prisma.membership.findUnique({ where: { userId_tenantId: { userId: state.userId, tenantId: state.tenantId } } });
    if (!member || member.role === 'VIEWER' || !member.canManageCredentials) throw ValidationError.field('state', INVALID_STATE);
    if (!input.code.trim()) throw ValidationError.field('code', 'The authorization code is missing');

    const provider = oauthProvider(state.platform, this.settings);
    const client: TokenClient = { clientId: state.clientId, clientSecret: state.clientSecret, auth: provider.clientAuth };
    const params: Record<string, string> = { grant_type: 'authorization_code', code: input.code, redirect_uri: state.redirectUri };
    if (state.codeVerifier) params.code_verifier = state.codeVerifier;
    if (state.platform === 'VK_VIDEO') {
      if (!input.deviceId) throw ValidationError.field('deviceId', 'VK ID sends a device_id with the code; pass it');
      params.device_id = input.deviceId;
      params.state = input.state;
    }
    const token = await requestToken(provider.tokenUrl, client, params, { now: this.now });
    const accountName = state.accountName ?? (await this.accountName(provider, token, state.clientId));
    return this.save(state, token, accountName, input.deviceId ?? null);
  }

  /**
   * VK implicit flow: the token the user copied from `oauth.vk.com/blank.html#access_token=…` (the
   * whole address or just the token). Not refreshable; it lasts as long as VK said (expires_in).
   */
  async connectVkToken(tenantId: string, accountName: string, pasted: string): Promise<Credential> {
    const text = pasted.trim();
    let accessToken = text;
    let expiresIn: number | null = null;
    let userId: string | undefined;
    if (text.includes('access_token=')) {
      const fragment = new URLSearchParams(text.slice(text.search(/[#?]/) + 1).replace(/^[#?]/, ''));
      accessToken = fragment.get('access_token') ?? '';
      const seconds = Number(fragment.get('expires_in'));
      expiresIn = Number.isFinite(seconds) && seconds > 0 ? seconds : null;
      userId = fragment.get('user_id') ?? undefined;
    }
    if (!/^[\w.-]{20,}$/.test(accessToken)) throw ValidationError.field('token', 'Paste the VK address containing access_token=… or the token itself');
    const secret: SecretByPlatform['VK_VIDEO'] = {
      kind: 'token',
      accessToken,
      ...(expiresIn ? { expiresAt: new Date(this.now().getTime() + expiresIn * 1000).toISOString() } : {}),
      ...(userId ? { userId } : {}),
    };
    return this.credentials.saveConnected(tenantId, 'VK_VIDEO', accountName, secret);
  }

  private async save(state: OAuthState, token: TokenSet, accountName: string, deviceId: string | null): Promise<Credential> {
    const missingRefresh = () => new CredentialError('The provider issued no refresh token; revoke LEAP’s access in the account settings and connect again');
    const client = { clientId: state.clientId, ...(state.clientSecret ? { clientSecret: state.clientSecret } : {}) };
    const tokens = { accessToken: token.accessToken, ...(token.expiresAt ? { expiresAt: token.expiresAt } : {}), ...(token.scope ? { scope: token.scope } : {}) };
    switch (state.platform) {
      case 'YOUTUBE':
      case 'GOOGLE_DRIVE':
        if (!token.refreshToken || !state.clientSecret) throw missingRefresh();
        return this.credentials.saveConnected(state.tenantId, state.platform, accountName, { kind: 'oauth', ...tokens, refreshToken: token.refreshToken, clientId: state.clientId, clientSecret: state.clientSecret });
      case 'ZOOM':
        if (!token.refreshToken || !state.clientSecret) throw missingRefresh();
        return this.credentials.saveConnected(state.tenantId, 'ZOOM', accountName, { kind: 'oauth', ...tokens, refreshToken: token.refreshToken, clientId: state.clientId, clientSecret: state.clientSecret });
      case 'VK_VIDEO':
        if (!token.refreshToken || !deviceId) throw missingRefresh();
        return this.credentials.saveConnected(state.tenantId, 'VK_VIDEO', accountName, {
          kind: 'oauth',
          ...tokens,
          refreshToken: token.refreshToken,
          clientId: state.clientId,
          deviceId,
          ...(token.userId ? { userId: token.userId } : {}),
        });
      case 'YANDEX_DISK':
        return this.credentials.saveConnected(state.tenantId, 'YANDEX_DISK', accountName, { kind: 'oauth', ...tokens, ...(token.refreshToken ? { refreshToken: token.refreshToken } : {}), ...client });
    }
  }

  private async takeState(state: string): Promise<OAuthState | null> {
    if (!/^[\w-]{16,64}$/.test(state)) return null;
    const value = await this.redis.getdel(stateKey(state));
    const dot = value?.indexOf('.') ?? -1;
    if (!value || dot < 1) return null;
    try {
      const plaintext = this.keyRing.open({ keyVersion: Number(value.slice(0, dot)), secret: Buffer.from(value.slice(dot + 1), 'base64') }, Buffer.from(`oauth-state:${state}`));
      return stateSchema.parse(JSON.parse(plaintext.toString('utf8')));
    } catch (error) {
      if (error instanceof SealBrokenError || error instanceof SyntaxError || error instanceof z.ZodError) return null;
      throw error;
    }
  }

  /** The account's name as the provider knows it (email, login, full name). */
  private async accountName(provider: OAuthProvider, token: TokenSet, clientId: string): Promise<string> {
    const fallback = `${provider.platform.toLowerCase()} ${this.now().toISOString().slice(0, 16).replace('T', ' ')}`;
    try {
      const res =
        provider.platform === 'VK_VIDEO'
          ? await fetch(provider.userinfoUrl, { method: 'POST', body: new URLSearchParams({ access_token: token.accessToken, client_id: clientId }), signal: AbortSignal.timeout(15_000) })
          : await fetch(provider.userinfoUrl, {
              headers: { authorization: provider.platform === 'YANDEX_DISK' ? `OAuth ${token.accessToken}` : `Bearer ${token.accessToken}`, accept: 'application/json' },
              signal: AbortSignal.timeout(15_000),
            });
      if (!res.ok) return fallback;
      const info = (await res.json()) as Record<string, unknown>;
      const user = (typeof info.user === 'object' && info.user ? info.user : info) as Record<string, unknown>;
      const name = [user.email, user.default_email, user.login, [user.first_name, user.last_name].filter(Boolean).join(' ')].find((v) => typeof v === 'string' && v.trim());
      return typeof name === 'string' ? name.trim().slice(0, 255) : fallback;
    } catch {
      return fallback;
    }
  }
}

const stateKey = (state: string) => redisKey('oauth', 'state', state);
