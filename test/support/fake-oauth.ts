import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { OAuthSettings } from '../../src/config.js';
import { config } from '../../src/config.js';

// A local OAuth 2.0 authorization server speaking the token endpoint protocol (RFC 6749/7636):
// authorization_code (with redirect_uri and PKCE checks), refresh_token (rotating on request,
// invalid_grant for unknown tokens), Zoom's account_credentials grant, and userinfo endpoints.
// `consent(authorizationUrl)` plays the user clicking "Allow" and returns the redirect.

interface IssuedCode {
  clientId: string;
  redirectUri: string;
  challenge: string | null;
  account: string;
}

interface Client {
  secret: string | null;
}

export interface FakeOAuthServer {
  url: string;
  settings: OAuthSettings;
  clients: Map<string, Client>;
  /** Access tokens currently valid, with the account they belong to. */
  accessTokens: Map<string, string>;
  refreshTokens: Map<string, string>;
  /** Seconds new access tokens live. */
  expiresIn: number;
  rotateRefreshTokens: boolean;
  requests: Array<{ path: string; grantType: string | null }>;
  consent(authorizationUrl: string, account?: string): { code: string; state: string; redirectUri: string; deviceId: string };
  /** Mints a token pair for an account as if it had been granted earlier. */
  grant(account: string): { accessToken: string; refreshToken: string };
  revoke(token: string): void;
  close(): Promise<void>;
}

export async function startFakeOAuth(): Promise<FakeOAuthServer> {
  const codes = new Map<string, IssuedCode>();
  const fake: Omit<FakeOAuthServer, 'url' | 'settings' | 'close'> = {
    clients: new Map([
      ['google-client', { secret: 'google-client-secret-value' }],
      ['zoom-client', { secret: 'zoom-client-secret-value' }],
      ['yandex-client', { secret: 'yandex-client-secret-value' }],
      ['vk-client', { secret: null }],
    ]),
    accessTokens: new Map(),
    refreshTokens: new Map(),
    expiresIn: 3600,
    rotateRefreshTokens: false,
    requests: [],
    consent(authorizationUrl, account = 'lecturer@example.test') {
      const url = new URL(authorizationUrl);
      const clientId = url.searchParams.get('client_id') ?? '';
      const redirectUri = url.searchParams.get('redirect_uri') ?? '';
      if (!fake.clients.has(clientId)) throw new Error(`unknown client ${clientId}`);
      const code = `code-${randomBytes(12).toString('hex')}`;
      const challenge = url.searchParams.get('code_challenge');
      if (challenge && url.searchParams.get('code_challenge_method') !== 'S256') throw new Error('only S256 is accepted');
      codes.set(code, { clientId, redirectUri, challenge, account });
      return { code, state: url.searchParams.get('state') ?? '', redirectUri, deviceId: `device-${randomBytes(4).toString('hex')}` };
    },
    grant(account) {
      return mint(account);
    },
    revoke(token) {
      fake.accessTokens.delete(token);
      fake.refreshTokens.delete(token);
    },
  };

  function mint(account: string) {
    const accessToken = `at-${randomBytes(16).toString('hex')}`;
    const refreshToken = `rt-${randomBytes(16).toString('hex')}`;
    fake.accessTokens.set(accessToken, account);
    fake.refreshTokens.set(refreshToken, account);
    return { accessToken, refreshToken };
  }

  const server: Server = createServer((req, res) => {
    void handle(req, res).catch((error: unknown) => send(res, 500, { error: 'server_error', message: String(error) }));
  });

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://fake');
    const form = new URLSearchParams(await body(req));
    fake.requests.push({ path: url.pathname, grantType: form.get('grant_type') });
    if (url.pathname === '/token' && req.method === 'POST') return token(req, res, form);
    if (url.pathname === '/userinfo') {
      const bearer = /^(?:Bearer|OAuth) (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
      const account = fake.accessTokens.get(bearer);
      return account ? send(res, 200, { email: account, login: account }) : send(res, 401, { error: 'invalid_token' });
    }
    if (url.pathname === '/vk/user_info') {
      const account = fake.accessTokens.get(form.get('access_token') ?? '');
      return account ? send(res, 200, { user: { first_name: 'Vera', last_name: account } }) : send(res, 401, { error: 'invalid_token' });
    }
    send(res, 404, { error: 'not_found' });
  }

  function clientOf(req: IncomingMessage, form: URLSearchParams): { id: string; ok: boolean } {
    const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const [id, secret] = basic ? Buffer.from(basic, 'base64').toString().split(':') : [form.get('client_id') ?? '', form.get('client_secret')];
    const client = fake.clients.get(id ?? '');
    if (!client) return { id: id ?? '', ok: false };
    return { id: id ?? '', ok: client.secret === null || client.secret === (secret ?? null) };
  }

  function token(req: IncomingMessage, res: ServerResponse, form: URLSearchParams) {
    const client = clientOf(req, form);
    if (!client.ok) return send(res, 401, { error: 'invalid_client', error_description: 'client authentication failed' });
    const issue = (account: string, refresh: string | null) => {
      const pair = mint(account);
      if (refresh && !fake.rotateRefreshTokens) {
        fake.refreshTokens.delete(pair.refreshToken);
        return send(res, 200, { access_token: pair.accessToken, token_type: 'Bearer', expires_in: fake.expiresIn, scope: 'granted' });
      }
      if (refresh) fake.refreshTokens.delete(refresh);
      return send(res, 200, { access_token: pair.accessToken, refresh_token: pair.refreshToken, token_type: 'Bearer', expires_in: fake.expiresIn, user_id: 42 });
    };
    switch (form.get('grant_type')) {
      case 'authorization_code': {
        const code = codes.get(form.get('code') ?? '');
        codes.delete(form.get('code') ?? '');
        if (!code || code.clientId !== client.id || code.redirectUri !== form.get('redirect_uri')) return send(res, 400, { error: 'invalid_grant' });
        if (code.challenge) {
          const verifier = form.get('code_verifier') ?? '';
          if (createHash('sha256').update(verifier).digest('base64url') !== code.challenge) return send(res, 400, { error: 'invalid_grant', error_description: 'PKCE verification failed' });
        }
        return issue(code.account, null);
      }
      case 'refresh_token': {
        const refresh = form.get('refresh_token') ?? '';
        const account = fake.refreshTokens.get(refresh);
        if (!account) return send(res, 400, { error: 'invalid_grant', error_description: 'Token has been expired or revoked.' });
        return issue(account, refresh);
      }
      case 'account_credentials': {
        const account = form.get('account_id');
        if (!account) return send(res, 400, { error: 'invalid_request' });
        const pair = mint(`zoom-account-${account}`);
        return send(res, 200, { access_token: pair.accessToken, token_type: 'bearer', expires_in: fake.expiresIn, scope: 'recording:read' });
      }
      default:
        return send(res, 400, { error: 'unsupported_grant_type' });
    }
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const endpoint = (clientId: string, clientSecret: string | null, userinfo = '/userinfo') => ({
    clientId,
    clientSecret,
    authUrl: `${url}/authorize`,
    tokenUrl: `${url}/token`,
    userinfoUrl: `${url}${userinfo}`,
  });
  const settings: OAuthSettings = {
    ...config.oauth,
    google: endpoint('google-client', 'google-client-secret-value'),
    vk: endpoint('vk-client', null, '/vk/user_info'),
    zoom: endpoint('zoom-client', 'zoom-client-secret-value'),
    yandex: endpoint('yandex-client', 'yandex-client-secret-value'),
  };
  return {
    ...fake,
    get expiresIn() {
      return fake.expiresIn;
    },
    set expiresIn(value: number) {
      fake.expiresIn = value;
    },
    get rotateRefreshTokens() {
      return fake.rotateRefreshTokens;
    },
    set rotateRefreshTokens(value: boolean) {
      fake.rotateRefreshTokens = value;
    },
    url,
    settings,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

async function body(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function send(res: ServerResponse, status: number, payload: unknown) {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(payload));
}
