import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prisma } from '../../src/lib/db.js';
import { rawId, registerUser, startTestApp, type RegisteredUser, type TestApp } from '../support/app.js';
import { startFakeOAuth, type FakeOAuthServer } from '../support/fake-oauth.js';
import { captureLogs } from '../support/log-capture.js';
import { ERROR_FIELDS, memberOf, QUOTA_FIELDS } from '../support/templates.js';

const CREDENTIAL_FIELDS = 'id platform accountName isActive needsReauth lastUsedAt expiresAt';
const CREATE = `mutation($input: CreateCredentialInput!) { createCredential(input: $input) { ${ERROR_FIELDS} ${QUOTA_FIELDS} ... on Credential { ${CREDENTIAL_FIELDS} } } }`;
const UPDATE = `mutation($id: ID!, $input: UpdateCredentialInput!) { updateCredential(id: $id, input: $input) { ${ERROR_FIELDS} ... on Credential { ${CREDENTIAL_FIELDS} } } }`;
const DELETE = `mutation($id: ID!) { deleteCredential(id: $id) { ${ERROR_FIELDS} ... on MutationDeleteCredentialSuccess { data } } }`;
const LIST = `query($platform: CredentialPlatform) { credentials(platform: $platform) { edges { node { ${CREDENTIAL_FIELDS} } } } credentialsStatus { total needsReauth limit platforms { platform count needsReauth } } }`;
const START = `mutation($input: StartOAuthInput!) { startOAuth(input: $input) { ${ERROR_FIELDS} ... on OAuthStart { authorizationUrl state expiresAt } } }`;
const FINISH = `mutation($input: FinishOAuthInput!) { finishOAuth(input: $input) { ${ERROR_FIELDS} ... on Credential { ${CREDENTIAL_FIELDS} } } }`;
const VK_TOKEN = `mutation($name: String!, $token: String!) { connectVkToken(accountName: $name, token: $token) { ${ERROR_FIELDS} ... on Credential { ${CREDENTIAL_FIELDS} } } }`;
const ROTATE = `mutation { rotateEncryptionKey { ${ERROR_FIELDS} ... on MutationRotateEncryptionKeySuccess { data { activeKeyVersion rotated failed } } } }`;

type Row = Record<string, unknown> & { __typename: string; id: string };

let app: TestApp;
let oauth: FakeOAuthServer;
let owner: RegisteredUser;
const responses: string[] = [];
const secrets = new Set<string>();
let logs: ReturnType<typeof captureLogs>;

type Results = Record<'createCredential' | 'updateCredential' | 'startOAuth' | 'finishOAuth' | 'connectVkToken', Row>;

async function call<T = Results>(query: string, variables: Record<string, unknown>, token: string): Promise<T> {
  const res = await app.gql<T>(query, variables, token);
  responses.push(JSON.stringify(res));
  expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
  return res.data as T;
}

beforeAll(async () => {
  logs = captureLogs();
  oauth = await startFakeOAuth();
  app = await startTestApp({ services: { oauth: oauth.settings } });
  owner = await registerUser(app);
  // The free plan allows 3 accounts; this workspace connects more.
  await prisma.quotaOverride.create({ data: { tenantId: rawId(owner.tenantId), credentials: 10 } });
});
afterAll(async () => {
  logs.restore();
  await app.close();
  await oauth.close();
});

describe('credentials API', () => {
  it('creates, lists, updates and deletes accounts without ever returning a secret', async () => {
    const secret = { baseUrl: 'https://api.deepseek.com/v1', apiKey: 'sk-deepseek-very-secret-1', defaultModel: 'deepseek-chat', purpose: 'llm' };
    secrets.add(secret.apiKey);
    const created = (await call(CREATE, { input: { platform: 'OPENAI_COMPATIBLE', accountName: 'DeepSeek', secret } }, owner.accessToken)).createCredential;
    expect(created).toMatchObject({ __typename: 'Credential', platform: 'OPENAI_COMPATIBLE', accountName: 'DeepSeek', needsReauth: false });
    const duplicate = (await call(CREATE, { input: { platform: 'OPENAI_COMPATIBLE', accountName: 'DeepSeek', secret } }, owner.accessToken)).createCredential;
    expect(duplicate).toMatchObject({ __typename: 'ConflictError' });
    const invalid = (await call(CREATE, { input: { platform: 'S3', accountName: 'S3', secret: { bucket: 'b', accessKeyId: 'AKIA-secret-in-error' } } }, owner.accessToken)).createCredential;
    expect(invalid).toMatchObject({ __typename: 'ValidationError' });
    secrets.add('AKIA-secret-in-error');

    const replaced = 'sk-deepseek-replaced-secret-2';
    secrets.add(replaced);
    const updated = (await call(UPDATE, { id: created.id, input: { accountName: 'DeepSeek main', secret: { ...secret, apiKey: replaced } } }, owner.accessToken)).updateCredential;
    expect(updated).toMatchObject({ accountName: 'DeepSeek main' });
    expect(await app.services.credentials.getSecret(rawId(owner.tenantId), rawId(created.id), 'OPENAI_COMPATIBLE')).toMatchObject({ apiKey: replaced });

    const listed = await call<{ credentials: { edges: Array<{ node: Row }> }; credentialsStatus: Record<string, unknown> }>(LIST, {}, owner.accessToken);
    expect(listed.credentials.edges.map((e) => e.node.accountName)).toEqual(['DeepSeek main']);
    expect(listed.credentialsStatus).toMatchObject({ total: 1, needsReauth: 0, limit: 10, platforms: [{ platform: 'OPENAI_COMPATIBLE', count: 1, needsReauth: 0 }] });

    const deleted = (await call<{ deleteCredential: Record<string, unknown> }>(DELETE, { id: created.id }, owner.accessToken)).deleteCredential;
    expect(deleted).toMatchObject({ data: created.id });
    expect(await prisma.credential.count({ where: { tenantId: rawId(owner.tenantId) } })).toBe(0);
  });

  it('needs canManageCredentials to change accounts; viewers only read', async () => {
    const viewer = await memberOf(app, owner, { role: 'VIEWER' });
    const editor = await memberOf(app, owner, { role: 'EDITOR', canManageCredentials: false });
    for (const member of [viewer, editor]) {
      const res = await app.gql(CREATE, { input: { platform: 'YANDEX_DISK', accountName: 'x', secret: { accessToken: 'y0_forbidden-token' } } }, member.accessToken);
      expect(res.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      const start = await app.gql(START, { input: { platform: 'YOUTUBE' } }, member.accessToken);
      expect(start.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    }
    expect((await call<{ credentials: { edges: unknown[] } }>(LIST, {}, viewer.accessToken)).credentials.edges).toBeInstanceOf(Array);
    const rotate = await app.gql(ROTATE, {}, owner.accessToken);
    expect(rotate.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('connects YouTube through the Google code flow and the browser callback', async () => {
    const started = (await call(START, { input: { platform: 'YOUTUBE' } }, owner.accessToken)).startOAuth as unknown as { authorizationUrl: string; state: string };
    const auth = new URL(started.authorizationUrl);
    expect(auth.origin + auth.pathname).toBe(`${oauth.url}/authorize`);
    expect(Object.fromEntries(auth.searchParams)).toMatchObject({ response_type: 'code', client_id: 'google-client', access_type: 'offline', prompt: 'consent', state: started.state });
    expect(auth.searchParams.get('scope')).toContain('https://www.googleapis.com/auth/youtube.upload');
    const consent = oauth.consent(started.authorizationUrl, 'channel-owner@example.test');
    expect(consent.redirectUri).toBe(new URL('/oauth/callback', app.url).toString());

    const callback = `${consent.redirectUri}?code=${consent.code}&state=${consent.state}`;
    const res = await fetch(callback);
    const body = await res.text();
    responses.push(body);
    expect(res.status, body).toBe(200);
    expect(JSON.parse(body)).toEqual({ ok: true, platform: 'YOUTUBE', accountName: 'channel-owner@example.test' });
    const row = await prisma.credential.findFirstOrThrow({ where: { tenantId: rawId(owner.tenantId), platform: 'YOUTUBE' } });
    const secret = await app.services.credentials.getSecret(rawId(owner.tenantId), row.id, 'YOUTUBE');
    expect(secret).toMatchObject({ clientId: 'google-client', refreshToken: expect.stringMatching(/^rt-/) });
    secrets.add(secret.accessToken).add(secret.refreshToken).add('google-client-secret-value');

    // The state is single use.
    const replay = await fetch(callback);
    expect(replay.status).toBe(400);
    expect(await replay.json()).toEqual({ ok: false, error: 'invalid_state' });
  });

  it('connects Google Drive with offline access and the Drive scopes; the refresh token renews it', async () => {
    const started = (await call(START, { input: { platform: 'GOOGLE_DRIVE' } }, owner.accessToken)).startOAuth as unknown as { authorizationUrl: string };
    const auth = new URL(started.authorizationUrl);
    expect(Object.fromEntries(auth.searchParams)).toMatchObject({ client_id: 'google-client', access_type: 'offline', prompt: 'consent' });
    expect(auth.searchParams.get('scope')?.split(' ')).toEqual(['https://www.googleapis.com/auth/drive', 'openid', 'email']);
    const consent = oauth.consent(started.authorizationUrl, 'drive-owner@example.test');
    const created = (await call(FINISH, { input: { state: consent.state, code: consent.code } }, owner.accessToken)).finishOAuth;
    expect(created).toMatchObject({ __typename: 'Credential', platform: 'GOOGLE_DRIVE', accountName: 'drive-owner@example.test' });
    const secret = await app.services.credentials.getSecret(rawId(owner.tenantId), rawId(created.id), 'GOOGLE_DRIVE');
    expect(secret).toMatchObject({ kind: 'oauth', clientId: 'google-client', refreshToken: expect.stringMatching(/^rt-/) });
    const renewed = await app.services.credentials.accessToken(rawId(owner.tenantId), rawId(created.id), { forceRefresh: true });
    expect(renewed).not.toBe(secret.accessToken);
    expect(oauth.accessTokens.get(renewed)).toBe('drive-owner@example.test');
    secrets.add(secret.accessToken).add(secret.refreshToken).add(renewed);
  });

  it('connects VK ID with PKCE through finishOAuth, bound to the user who started it', async () => {
    const colleague = await memberOf(app, owner, { role: 'ADMIN' });
    const started = (await call(START, { input: { platform: 'VK_VIDEO', accountName: 'Faculty VK' } }, owner.accessToken)).startOAuth as unknown as { authorizationUrl: string; state: string };
    const auth = new URL(started.authorizationUrl);
    expect(auth.searchParams.get('code_challenge_method')).toBe('S256');
    expect(auth.searchParams.get('code_challenge')).toMatch(/^[\w-]{43}$/);
    const consent = oauth.consent(started.authorizationUrl);
    const stolen = (await call(FINISH, { input: { state: consent.state, code: consent.code, deviceId: consent.deviceId } }, colleague.accessToken)).finishOAuth;
    expect(stolen).toMatchObject({ __typename: 'ValidationError', message: expect.stringMatching(/expired or was already used/) });

    const again = (await call(START, { input: { platform: 'VK_VIDEO', accountName: 'Faculty VK' } }, owner.accessToken)).startOAuth as unknown as { authorizationUrl: string };
    const consent2 = oauth.consent(again.authorizationUrl);
    const finished = (await call(FINISH, { input: { state: consent2.state, code: consent2.code, deviceId: consent2.deviceId } }, owner.accessToken)).finishOAuth;
    expect(finished).toMatchObject({ __typename: 'Credential', platform: 'VK_VIDEO', accountName: 'Faculty VK', needsReauth: false });
    const secret = await app.services.credentials.getSecret(rawId(owner.tenantId), rawId(finished.id), 'VK_VIDEO');
    expect(secret).toMatchObject({ kind: 'oauth', deviceId: consent2.deviceId, clientId: 'vk-client' });
    secrets.add(secret.accessToken);

    // A wrong code is refused by the token endpoint and surfaces as a credential error.
    const third = (await call(START, { input: { platform: 'VK_VIDEO' } }, owner.accessToken)).startOAuth as unknown as { authorizationUrl: string };
    const consent3 = oauth.consent(third.authorizationUrl);
    const refused = (await call(FINISH, { input: { state: consent3.state, code: 'code-made-up', deviceId: consent3.deviceId } }, owner.accessToken)).finishOAuth;
    expect(refused).toMatchObject({ __typename: 'CredentialError' });
  });

  it('connects Zoom (client secret over HTTP Basic) and Yandex accounts, reconnecting the same account in place', async () => {
    for (const [platform, account] of [['ZOOM', 'host@zoom.example'], ['YANDEX_DISK', 'disk-login']] as const) {
      const first = (await call(START, { input: { platform } }, owner.accessToken)).startOAuth as unknown as { authorizationUrl: string };
      const consent = oauth.consent(first.authorizationUrl, account);
      const created = (await call(FINISH, { input: { state: consent.state, code: consent.code } }, owner.accessToken)).finishOAuth;
      expect(created).toMatchObject({ __typename: 'Credential', platform, accountName: account });
      await prisma.credential.update({ where: { id: rawId(created.id) }, data: { needsReauth: true } });
      const again = (await call(START, { input: { platform } }, owner.accessToken)).startOAuth as unknown as { authorizationUrl: string };
      const consent2 = oauth.consent(again.authorizationUrl, account);
      const reconnected = (await call(FINISH, { input: { state: consent2.state, code: consent2.code } }, owner.accessToken)).finishOAuth;
      expect(reconnected).toMatchObject({ id: created.id, needsReauth: false });
      const secret = await app.services.credentials.getSecret(rawId(owner.tenantId), rawId(created.id));
      if ('accessToken' in secret && secret.accessToken) secrets.add(secret.accessToken);
    }
    const ownClient = (await call(START, { input: { platform: 'YANDEX_DISK', clientId: 'not-a-yandex-client-id' } }, owner.accessToken)).startOAuth;
    expect(ownClient).toMatchObject({ __typename: 'ValidationError' });
  });

  it('stores a pasted VK implicit-flow token with its expiry', async () => {
    const token = 'vk1.a.implicit-flow-token-0123456789abcdef';
    secrets.add(token);
    const before = Date.now();
    const row = (await call(VK_TOKEN, { name: 'Pasted VK', token: `https://oauth.vk.com/blank.html#access_token=${token}&expires_in=86400&user_id=777` }, owner.accessToken)).connectVkToken;
    expect(row).toMatchObject({ __typename: 'Credential', platform: 'VK_VIDEO', accountName: 'Pasted VK' });
    expect(new Date(String(row.expiresAt)).getTime()).toBeGreaterThanOrEqual(before + 86_399_000);
    expect(await app.services.credentials.getSecret(rawId(owner.tenantId), rawId(row.id), 'VK_VIDEO')).toEqual({ kind: 'token', accessToken: token, expiresAt: expect.any(String), userId: '777' });
    const bad = (await call(VK_TOKEN, { name: 'Bad', token: 'https://oauth.vk.com/blank.html#error=access_denied' }, owner.accessToken)).connectVkToken;
    expect(bad).toMatchObject({ __typename: 'ValidationError' });
  });

  it('lets a platform superadmin rotate the encryption key', async () => {
    await prisma.user.update({ where: { id: rawId(owner.userId) }, data: { isSuperadmin: true } });
    try {
      const result = (await call<{ rotateEncryptionKey: { data: Record<string, number> } }>(ROTATE, {}, owner.accessToken)).rotateEncryptionKey;
      expect(result.data).toMatchObject({ activeKeyVersion: 1, rotated: 0 });
    } finally {
      await prisma.user.update({ where: { id: rawId(owner.userId) }, data: { isSuperadmin: false } });
    }
  });

  it('never put a secret into a response or a log line', () => {
    expect(logs.lines.length).toBeGreaterThan(10);
    const everything = [...responses, ...logs.lines].join('\n');
    for (const secret of secrets) expect(everything, `leaked ${secret.slice(0, 6)}…`).not.toContain(secret);
  });
});
