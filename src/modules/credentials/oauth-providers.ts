import { config, type OAuthSettings } from '../../config.js';
import type { CredentialPlatform } from '../../generated/prisma/enums.js';

// The OAuth 2.0 providers LEAP connects accounts with (inventory §10). Endpoints come from config,
// so tests point them at a local server speaking the token endpoint protocol.

export type OAuthPlatform = Extract<CredentialPlatform, 'YOUTUBE' | 'VK_VIDEO' | 'ZOOM' | 'YANDEX_DISK' | 'GOOGLE_DRIVE'>;
export const OAUTH_PLATFORMS: readonly OAuthPlatform[] = ['YOUTUBE', 'VK_VIDEO', 'ZOOM', 'YANDEX_DISK', 'GOOGLE_DRIVE'];

/** Google offline access: a refresh token is only issued with it, and again only when consent is shown. */
const GOOGLE_OFFLINE = { access_type: 'offline', prompt: 'consent', include_granted_scopes: 'true' };
const GOOGLE_CLIENT_ID = /^[\w-]{1,200}\.apps\.googleusercontent\.com$/;

export interface OAuthProvider {
  platform: OAuthPlatform;
  authUrl: string;
  tokenUrl: string;
  userinfoUrl: string;
  scopes: string[];
  /** How the client authenticates at the token endpoint. */
  clientAuth: 'body' | 'basic' | 'public';
  /** OAuth 2.1 public client with PKCE (VK ID); the others use a client secret. */
  pkce: boolean;
  /** Extra query parameters of the authorization request. */
  authParams: Record<string, string>;
  defaultClient: { clientId: string | null; clientSecret: string | null };
  /** Shape of the provider's client ids, checked when a workspace brings its own app. */
  clientIdPattern: RegExp;
}

export function oauthProvider(platform: OAuthPlatform, settings: OAuthSettings = config.oauth): OAuthProvider {
  switch (platform) {
    case 'YOUTUBE':
      return {
        platform,
        ...endpoints(settings.google),
        scopes: ['https://www.googleapis.com/auth/youtube.upload', 'https://www.googleapis.com/auth/youtube.force-ssl', 'openid', 'email'],
        clientAuth: 'body',
        pkce: false,
        authParams: GOOGLE_OFFLINE,
        defaultClient: { clientId: settings.google.clientId, clientSecret: settings.google.clientSecret },
        clientIdPattern: GOOGLE_CLIENT_ID,
      };
    case 'GOOGLE_DRIVE':
      return {
        platform,
        ...endpoints(settings.google),
        // Sources read folders the user already has and publishing writes into them (found by name or
        // given by id): drive.file only reaches files LEAP created, and drive.readonly is as restricted
        // a scope as drive, so the full scope is what these features need.
        scopes: ['https://www.googleapis.com/auth/drive', 'openid', 'email'],
        clientAuth: 'body',
        pkce: false,
        authParams: GOOGLE_OFFLINE,
        defaultClient: { clientId: settings.google.clientId, clientSecret: settings.google.clientSecret },
        clientIdPattern: GOOGLE_CLIENT_ID,
      };
    case 'VK_VIDEO':
      return {
        platform,
        ...endpoints(settings.vk),
        scopes: ['vkid.personal_info', 'video', 'groups', 'wall'],
        clientAuth: 'public',
        pkce: true,
        authParams: {},
        defaultClient: { clientId: settings.vk.clientId, clientSecret: null },
        // VK app ids are numbers.
        clientIdPattern: /^\d{1,15}$/,
      };
    case 'ZOOM':
      return {
        platform,
        ...endpoints(settings.zoom),
        scopes: [],
        clientAuth: 'basic',
        pkce: false,
        authParams: {},
        defaultClient: { clientId: settings.zoom.clientId, clientSecret: settings.zoom.clientSecret },
        clientIdPattern: /^[A-Za-z0-9_]{10,40}$/,
      };
    case 'YANDEX_DISK':
      return {
        platform,
        ...endpoints(settings.yandex),
        scopes: [],
        clientAuth: 'body',
        pkce: false,
        authParams: { force_confirm: 'yes' },
        defaultClient: { clientId: settings.yandex.clientId, clientSecret: settings.yandex.clientSecret },
        clientIdPattern: /^[0-9a-f]{32}$/,
      };
  }
}

function endpoints(provider: { authUrl: string; tokenUrl: string; userinfoUrl: string }) {
  return { authUrl: provider.authUrl, tokenUrl: provider.tokenUrl, userinfoUrl: provider.userinfoUrl };
}

export function isOAuthPlatform(platform: CredentialPlatform): platform is OAuthPlatform {
  return (OAUTH_PLATFORMS as readonly string[]).includes(platform);
}
