import { randomBytes } from 'node:crypto';
import { config, type OAuthSettings } from '../../config.js';
import { CredentialError, ValidationError } from '../../lib/errors.js';
import { oauthProvider } from './oauth-providers.js';
import type { CredentialSecret, SecretByPlatform, SupportedCredentialPlatform } from './secret-schemas.js';
import { requestToken, type TokenClient, type TokenSet } from './token-endpoint.js';

// Which token a credential authenticates API calls with, and how each platform renews it.

type Platform = SupportedCredentialPlatform;

/** The bearer token (or API key) to send now; null when none is cached yet (Zoom S2S). */
export function currentToken(platform: Platform, secret: CredentialSecret): string | null {
  if (platform === 'OPENAI_COMPATIBLE') return (secret as SecretByPlatform['OPENAI_COMPATIBLE']).apiKey;
  if (platform === 'S3') throw new ValidationError('S3 credentials authenticate with keys, not an access token');
  return 'accessToken' in secret ? (secret.accessToken ?? null) : null;
}

/** True when the token is missing or expires within the margin (API keys never are). */
export function isStale(platform: Platform, secret: CredentialSecret, now: Date, marginSeconds = config.oauth.refreshMarginSeconds): boolean {
  if (platform === 'OPENAI_COMPATIBLE') return false;
  if (!('accessToken' in secret) || !secret.accessToken) return true;
  if (!('expiresAt' in secret) || !secret.expiresAt) return false;
  return new Date(secret.expiresAt).getTime() - marginSeconds * 1000 <= now.getTime();
}

export function isRenewable(platform: Platform, secret: CredentialSecret): boolean {
  if (platform === 'ZOOM') return true;
  if (platform === 'OPENAI_COMPATIBLE' || platform === 'S3') return false;
  return 'refreshToken' in secret && Boolean(secret.refreshToken) && (platform !== 'VK_VIDEO' || ('kind' in secret && secret.kind === 'oauth'));
}

/** A fresh token from the provider, merged into the secret (a rotated refresh token replaces the old). */
export async function renewSecret(platform: Platform, secret: CredentialSecret, credentialId: string, now: Date, settings: OAuthSettings = config.oauth): Promise<CredentialSecret> {
  const options = { credentialId, now: () => now };
  const noClient = () => new CredentialError('This account has no OAuth client to renew its token; reconnect this account', credentialId);
  switch (platform) {
    case 'ZOOM': {
      const zoom = secret as SecretByPlatform['ZOOM'];
      const client: TokenClient = { clientId: zoom.clientId, clientSecret: zoom.clientSecret, auth: 'basic' };
      const params: Record<string, string> =
        zoom.kind === 'server_to_server'
          ? { grant_type: 'account_credentials', account_id: zoom.accountId }
          : { grant_type: 'refresh_token', refresh_token: zoom.refreshToken };
      return merge(zoom, await requestToken(oauthProvider('ZOOM', settings).tokenUrl, client, params, options));
    }
    case 'YOUTUBE':
    case 'GOOGLE_DRIVE': {
      const google = secret as SecretByPlatform['YOUTUBE' | 'GOOGLE_DRIVE'];
      const client: TokenClient = { clientId: google.clientId, clientSecret: google.clientSecret, auth: 'body' };
      return merge(google, await requestToken(oauthProvider(platform, settings).tokenUrl, client, { grant_type: 'refresh_token', refresh_token: google.refreshToken }, options));
    }
    case 'YANDEX_DISK': {
      const yandex = secret as SecretByPlatform['YANDEX_DISK'];
      const provider = oauthProvider('YANDEX_DISK', settings);
      const clientId = yandex.clientId ?? provider.defaultClient.clientId;
      if (!yandex.refreshToken || !clientId) throw noClient();
      const client: TokenClient = { clientId, clientSecret: yandex.clientSecret ?? provider.defaultClient.clientSecret, auth: 'body' };
      return merge(yandex, await requestToken(provider.tokenUrl, client, { grant_type: 'refresh_token', refresh_token: yandex.refreshToken }, options));
    }
    case 'VK_VIDEO': {
      const vk = secret as SecretByPlatform['VK_VIDEO'];
      if (vk.kind !== 'oauth') throw new CredentialError('This VK token cannot be renewed; paste a new one to reconnect this account', credentialId);
      const client: TokenClient = { clientId: vk.clientId, auth: 'public' };
      const params = { grant_type: 'refresh_token', refresh_token: vk.refreshToken, device_id: vk.deviceId, state: randomBytes(16).toString('hex') };
      return merge(vk, await requestToken(oauthProvider('VK_VIDEO', settings).tokenUrl, client, params, options));
    }
    case 'OPENAI_COMPATIBLE':
    case 'S3':
      throw new ValidationError('This credential has no token to renew');
  }
}

function merge<S extends CredentialSecret>(secret: S, token: TokenSet): S {
  const { expiresAt: _previous, ...rest } = secret as S & { expiresAt?: string };
  return {
    ...rest,
    accessToken: token.accessToken,
    ...(token.expiresAt ? { expiresAt: token.expiresAt } : {}),
    ...(token.refreshToken ? { refreshToken: token.refreshToken } : {}),
    ...(token.scope ? { scope: token.scope } : {}),
  } as S;
}
