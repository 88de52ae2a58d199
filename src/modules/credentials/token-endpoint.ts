import { z } from 'zod';
import { CredentialError } from '../../lib/errors.js';

// Requests to an OAuth 2.0 token endpoint (RFC 6749 §4.1.3, §4.4, §6). A refused grant
// (invalid_grant, invalid_client, unauthorized_client) means the account must be reconnected;
// anything else (5xx, network) is transient and thrown as a plain error so the caller retries.

const tokenResponseSchema = z.object({
  access_token: z.string().min(1),
  token_type: z.string().optional(),
  expires_in: z.coerce.number().positive().optional(),
  refresh_token: z.string().min(1).optional(),
  scope: z.string().optional(),
  /** VK ID echoes the user and device. */
  user_id: z.union([z.string(), z.number()]).optional(),
  device_id: z.string().optional(),
});

export interface TokenSet {
  accessToken: string;
  refreshToken?: string;
  expiresAt?: string;
  scope?: string;
  userId?: string;
}

export interface TokenClient {
  clientId: string;
  clientSecret?: string | null;
  auth: 'body' | 'basic' | 'public';
}

const REAUTH_ERRORS = new Set(['invalid_grant', 'invalid_client', 'unauthorized_client', 'invalid_request', 'access_denied']);

export class TokenEndpointError extends Error {
  constructor(
    readonly status: number,
    readonly oauthError: string | null,
  ) {
    super(`token endpoint answered ${status}${oauthError ? ` (${oauthError})` : ''}`);
    this.name = 'TokenEndpointError';
  }
}

export async function requestToken(
  url: string,
  client: TokenClient,
  params: Record<string, string>,
  options: { credentialId?: string | null; now?: () => Date } = {},
): Promise<TokenSet> {
  const body = new URLSearchParams(params);
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
  if (client.auth === 'basic') {
    headers.authorization = `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret ?? ''}`).toString('base64')}`;
  } else {
    body.set('client_id', client.clientId);
    if (client.auth === 'body' && client.clientSecret) body.set('client_secret', client.clientSecret);
  }
  const res = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(30_000) });
  const payload: unknown = await res.json().catch(() => null);
  const oauthError = typeof payload === 'object' && payload && 'error' in payload && typeof payload.error === 'string' ? payload.error : null;
  if (!res.ok || oauthError) {
    if ((res.status >= 400 && res.status < 500 && res.status !== 429) || (oauthError && REAUTH_ERRORS.has(oauthError))) {
      throw new CredentialError('The provider refused the authorization; reconnect this account', options.credentialId ?? null);
    }
    throw new TokenEndpointError(res.status, oauthError);
  }
  const parsed = tokenResponseSchema.safeParse(payload);
  if (!parsed.success) throw new TokenEndpointError(res.status, 'malformed_response');
  const now = (options.now ?? (() => new Date()))();
  const token = parsed.data;
  return {
    accessToken: token.access_token,
    ...(token.refresh_token ? { refreshToken: token.refresh_token } : {}),
    ...(token.expires_in ? { expiresAt: new Date(now.getTime() + token.expires_in * 1000).toISOString() } : {}),
    ...(token.scope ? { scope: token.scope } : {}),
    ...(token.user_id !== undefined ? { userId: String(token.user_id) } : {}),
  };
}
