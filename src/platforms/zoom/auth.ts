import { CredentialError } from '../../lib/errors.js';
import { fetchJson, TransientHttpError } from '../http.js';
import type { SourceAuth } from '../source-adapter.js';

// Zoom OAuth (POST {oauthBase}/oauth/token, client id and secret as HTTP Basic): server-to-server
// apps take an account's token with grant_type=account_credentials; user apps renew theirs with
// grant_type=refresh_token (Zoom rotates the refresh token each time).

const TOKEN_TIMEOUT_MS = 30_000;
/** A cached token is renewed this long before it expires. */
const EXPIRY_MARGIN_MS = 60_000;

export interface ZoomTokenSet {
  accessToken: string;
  refreshToken: string | null;
  expiresAt: Date;
}

interface TokenAnswer {
  access_token?: unknown;
  refresh_token?: unknown;
  expires_in?: unknown;
  reason?: unknown;
  error?: unknown;
}

async function requestToken(oauthBaseUrl: string, clientId: string, clientSecret: string, params: Record<string, string>, credentialId: string | null): Promise<ZoomTokenSet> {
  const { status, body } = await fetchJson(`${oauthBaseUrl.replace(/\/$/, '')}/oauth/token?${new URLSearchParams(params)}`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
    timeoutMs: TOKEN_TIMEOUT_MS,
  });
  const answer = (body ?? {}) as TokenAnswer;
  if (status === 429 || status >= 500) throw new TransientHttpError(`Zoom token endpoint answered HTTP ${status}`);
  if (status !== 200 || typeof answer.access_token !== 'string') {
    // Zoom's reason ("Invalid client_id or client_secret") never contains the secret itself.
    const reason = typeof answer.reason === 'string' ? answer.reason : typeof answer.error === 'string' ? answer.error : `HTTP ${status}`;
    throw new CredentialError(`Zoom refused the account's credentials (${reason}); reconnect the account`, credentialId);
  }
  const expiresIn = typeof answer.expires_in === 'number' ? answer.expires_in : 3600;
  return {
    accessToken: answer.access_token,
    refreshToken: typeof answer.refresh_token === 'string' ? answer.refresh_token : null,
    expiresAt: new Date(Date.now() + expiresIn * 1000),
  };
}

const fresh = (tokens: ZoomTokenSet | null): tokens is ZoomTokenSet => tokens !== null && tokens.expiresAt.getTime() - EXPIRY_MARGIN_MS > Date.now();

export interface ZoomAppCredentials {
  accountId: string;
  clientId: string;
  clientSecret: string;
}

/** A server-to-server app's account token, cached until shortly before it expires. */
export class ZoomServerToServerAuth implements SourceAuth {
  private tokens: ZoomTokenSet | null = null;
  private pending: Promise<ZoomTokenSet> | null = null;

  constructor(
    private readonly app: ZoomAppCredentials,
    private readonly oauthBaseUrl: string,
    private readonly credentialId: string | null = null,
  ) {}

  async accessToken(): Promise<string> {
    return fresh(this.tokens) ? this.tokens.accessToken : this.refresh();
  }

  /** One token request at a time, however many callers need a new token. */
  async refresh(): Promise<string> {
    this.pending ??= requestToken(this.oauthBaseUrl, this.app.clientId, this.app.clientSecret, { grant_type: 'account_credentials', account_id: this.app.accountId }, this.credentialId).finally(() => {
      this.pending = null;
    });
    this.tokens = await this.pending;
    return this.tokens.accessToken;
  }
}

/** A user-authorised token; renewed with its refresh token, and the rotated pair handed to `onRefreshed`. */
export class ZoomUserOAuth implements SourceAuth {
  constructor(
    private tokens: ZoomTokenSet,
    private readonly client: { clientId: string; clientSecret: string },
    private readonly oauthBaseUrl: string,
    private readonly onRefreshed: (tokens: ZoomTokenSet) => Promise<void> = async () => {},
    private readonly credentialId: string | null = null,
  ) {}

  async accessToken(): Promise<string> {
    return fresh(this.tokens) ? this.tokens.accessToken : this.refresh();
  }

  async refresh(): Promise<string> {
    if (!this.tokens.refreshToken) throw new CredentialError('The Zoom authorisation expired; reconnect the account', this.credentialId);
    const next = await requestToken(this.oauthBaseUrl, this.client.clientId, this.client.clientSecret, { grant_type: 'refresh_token', refresh_token: this.tokens.refreshToken }, this.credentialId);
    this.tokens = { ...next, refreshToken: next.refreshToken ?? this.tokens.refreshToken };
    await this.onRefreshed(this.tokens);
    return this.tokens.accessToken;
  }
}
