import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prisma } from '../../src/lib/db.js';
import { rawId, registerUser, startTestApp, uniqueEmail, type TestApp } from '../support/app.js';
import {
  CREATE_TENANT,
  expectType,
  field,
  login,
  loginOk,
  LOGOUT,
  LOGOUT_ALL,
  MY_SESSIONS,
  MY_TENANTS,
  refresh,
  REGISTER_FULL,
  REVOKE_SESSION,
  TEMPLATES,
  whoAmI,
  type AuthPayload,
  type UnionResult,
} from '../support/auth.js';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app.close());

async function register(input: Record<string, unknown>) {
  return field(await app.gql<{ register: UnionResult }>(REGISTER_FULL, { input }), 'register');
}

async function sessions(accessToken: string) {
  const res = await app.gql<{ mySessions: { edges: Array<{ node: { id: string; current: boolean; deviceLabel: string | null } }> } }>(
    MY_SESSIONS,
    {},
    accessToken,
  );
  return field(res, 'mySessions').edges.map((e) => e.node);
}

describe('register', () => {
  it('creates the user, an owned workspace and its Default template, and signs in', async () => {
    const email = uniqueEmail('reg');
    const payload = expectType<AuthPayload>(
      await register({ email: `  ${email.toUpperCase()} `, password: 'long enough pw', tenantName: 'Physics Dept', timezone: 'Europe/Moscow' }),
      'AuthPayload',
    );
    expect(payload.user.email).toBe(email);
    expect(payload.tenant.name).toBe('Physics Dept');
    expect(new Date(payload.accessTokenExpiresAt).getTime()).toBeGreaterThan(Date.now());
    expect(new Date(payload.refreshTokenExpiresAt).getTime()).toBeGreaterThan(new Date(payload.accessTokenExpiresAt).getTime());
    expect(await whoAmI(app, payload.accessToken)).toBe(email);

    const tenants = field(await app.gql<{ myTenants: { edges: Array<{ node: { role: string; tenant: { id: string } } }> } }>(MY_TENANTS, {}, payload.accessToken), 'myTenants');
    expect(tenants.edges.map((e) => [e.node.role, e.node.tenant.id])).toEqual([['OWNER', payload.tenant.id]]);

    const templates = field(await app.gql<{ templates: { edges: Array<{ node: { name: string; isDefault: boolean } }> } }>(TEMPLATES, {}, payload.accessToken), 'templates');
    expect(templates.edges.map((e) => e.node)).toEqual([{ id: expect.any(String), name: 'Default', isDefault: true }]);

    const tenant = await prisma.tenant.findUniqueOrThrow({ where: { id: rawId(payload.tenant.id) } });
    expect(tenant.timezone).toBe('Europe/Moscow');
  });

  it('names the workspace after the user when no name is given', async () => {
    const payload = expectType<AuthPayload>(await register({ email: uniqueEmail('noname'), password: 'long enough pw', displayName: 'Ada' }), 'AuthPayload');
    expect(payload.tenant.name).toBe("Ada's workspace");
  });

  it('answers ConflictError for an email that is taken, in any letter case', async () => {
    const user = await registerUser(app);
    const again = expectType(await register({ email: user.email.toUpperCase(), password: 'another password' }), 'ConflictError');
    expect(again.code).toBe('CONFLICT');
    expect(again.message).toBe('An account with this email already exists');
    expect(await prisma.user.count({ where: { email: user.email } })).toBe(1);
  });

  it.each([
    ['an invalid email', { email: 'not-an-email', password: 'long enough pw' }, 'input.email', 'Enter a valid email address'],
    ['a 7-character password', { email: uniqueEmail(), password: '1234567' }, 'input.password', 'Password must be at least 8 characters'],
    ['a 129-character password', { email: uniqueEmail(), password: 'x'.repeat(129) }, 'input.password', 'Password must be at most 128 characters'],
    ['an unknown time zone', { email: uniqueEmail(), password: 'long enough pw', timezone: 'Mars/Olympus' }, 'input.timezone', 'Unknown IANA time zone'],
  ])('answers ValidationError for %s and creates nothing', async (_label, input, path, message) => {
    const result = expectType(await register(input), 'ValidationError');
    expect(result.code).toBe('VALIDATION_FAILED');
    expect(result.issues).toEqual([{ path, message }]);
    expect(await prisma.user.count({ where: { email: input.email } })).toBe(0);
  });

  it('accepts a password of exactly 8 and exactly 128 characters', async () => {
    for (const password of ['12345678', 'y'.repeat(128)]) {
      const email = uniqueEmail('edge');
      expectType(await register({ email, password }), 'AuthPayload');
      expectType(await login(app, email, password), 'AuthPayload');
    }
  });
});

describe('login', () => {
  it('signs in with the right password, whatever the email case', async () => {
    const user = await registerUser(app);
    const payload = await loginOk(app, { email: user.email.toUpperCase(), password: user.password });
    expect(payload.user.id).toBe(user.userId);
    expect(payload.tenant.id).toBe(user.tenantId);
    expect(await whoAmI(app, payload.accessToken)).toBe(user.email);
  });

  it('answers the same AuthenticationError for a wrong password and an unknown email', async () => {
    const user = await registerUser(app);
    const wrong = expectType(await login(app, user.email, 'wrong password'), 'AuthenticationError');
    const unknown = expectType(await login(app, uniqueEmail('ghost'), user.password), 'AuthenticationError');
    expect(wrong.code).toBe('UNAUTHENTICATED');
    expect(wrong.message).toBe('Wrong email or password');
    expect(unknown).toEqual(wrong);
  });

  it('signs in to the workspace named by tenantId, and refuses one the user is not a member of', async () => {
    const user = await registerUser(app);
    const second = field(await app.gql<{ createTenant: { id: string } }>(CREATE_TENANT, { name: 'Second' }, user.accessToken), 'createTenant');
    const payload = await loginOk(app, user, second.id);
    expect(payload.tenant).toEqual({ id: second.id, name: 'Second' });
    expect((await loginOk(app, user)).tenant.id).toBe(user.tenantId);

    const stranger = await registerUser(app);
    const refused = expectType(await login(app, user.email, user.password, stranger.tenantId), 'AuthenticationError');
    expect(refused.message).toBe('You are not a member of that workspace');
  });
});

describe('refreshSession', () => {
  it('rotates the pair: the new tokens work and the new refresh token rotates again', async () => {
    const user = await registerUser(app);
    const first = expectType<AuthPayload>(await refresh(app, user.refreshToken), 'AuthPayload');
    expect(first.refreshToken).not.toBe(user.refreshToken);
    expect(first.tenant.id).toBe(user.tenantId);
    expect(await whoAmI(app, first.accessToken)).toBe(user.email);
    const second = expectType<AuthPayload>(await refresh(app, first.refreshToken), 'AuthPayload');
    expect(await whoAmI(app, second.accessToken)).toBe(user.email);
  });

  it('treats reuse of a rotated refresh token as theft and revokes the whole session', async () => {
    const user = await registerUser(app);
    const other = await loginOk(app, user); // a second device must survive
    const rotated = expectType<AuthPayload>(await refresh(app, user.refreshToken), 'AuthPayload');

    const reuse = expectType(await refresh(app, user.refreshToken), 'AuthenticationError');
    expect(reuse.message).toMatch(/reuse/i);
    expect(expectType(await refresh(app, rotated.refreshToken), 'AuthenticationError').code).toBe('UNAUTHENTICATED');
    expect(await whoAmI(app, rotated.accessToken)).toBeNull();
    expect(await whoAmI(app, user.accessToken)).toBeNull();

    expect(await whoAmI(app, other.accessToken)).toBe(user.email);
    expectType(await refresh(app, other.refreshToken), 'AuthPayload');
  });

  it('refuses a refresh token it never issued', async () => {
    const user = await registerUser(app);
    const forged = `${user.refreshToken.split('.')[0]}.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA`;
    for (const token of [forged, 'garbage', '']) {
      expect(expectType(await refresh(app, token), 'AuthenticationError').code).toBe('UNAUTHENTICATED');
    }
    expectType(await refresh(app, user.refreshToken), 'AuthPayload');
  });
});

describe('logout and logoutAll', () => {
  it('logout ends only the current session', async () => {
    const user = await registerUser(app);
    const other = await loginOk(app, user);
    expect((await app.gql<{ logout: boolean }>(LOGOUT, {}, user.accessToken)).data).toEqual({ logout: true });
    expect(await whoAmI(app, user.accessToken)).toBeNull();
    expectType(await refresh(app, user.refreshToken), 'AuthenticationError');
    expect(await whoAmI(app, other.accessToken)).toBe(user.email);
  });

  it('logoutAll kills every session and every access token already issued', async () => {
    const user = await registerUser(app);
    const laptop = await loginOk(app, user);
    const phone = await loginOk(app, user);
    const rotated = expectType<AuthPayload>(await refresh(app, phone.refreshToken), 'AuthPayload');
    expect((await app.gql<{ logoutAll: boolean }>(LOGOUT_ALL, {}, laptop.accessToken)).data).toEqual({ logoutAll: true });

    for (const token of [user.accessToken, laptop.accessToken, phone.accessToken, rotated.accessToken]) {
      expect(await whoAmI(app, token)).toBeNull();
    }
    for (const token of [user.refreshToken, laptop.refreshToken, rotated.refreshToken]) {
      expectType(await refresh(app, token), 'AuthenticationError');
    }
    const fresh = await loginOk(app, user);
    expect(await whoAmI(app, fresh.accessToken)).toBe(user.email);
  });
});

describe('sessions', () => {
  it('lists the active sessions with the current one flagged and a device label', async () => {
    const user = await registerUser(app);
    const chrome = expectType<AuthPayload>(
      await login(app, user.email, user.password, undefined, {
        'user-agent': 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36',
      }),
      'AuthPayload',
    );
    const listed = await sessions(chrome.accessToken);
    expect(listed).toHaveLength(2);
    const current = listed.filter((s) => s.current);
    expect(current).toHaveLength(1);
    expect(current[0]?.deviceLabel).toBe('Chrome · macOS');

    await app.gql(LOGOUT, {}, user.accessToken);
    expect((await sessions(chrome.accessToken)).map((s) => s.id)).toEqual(current.map((s) => s.id));
  });

  it('revokes one of the user’s own sessions', async () => {
    const user = await registerUser(app);
    const other = await loginOk(app, user);
    const target = (await sessions(user.accessToken)).find((s) => !s.current);
    if (!target) throw new Error('second session missing');
    const res = await app.gql<{ revokeSession: UnionResult }>(REVOKE_SESSION, { id: target.id }, user.accessToken);
    expect(field(res, 'revokeSession')).toEqual({ __typename: 'MutationRevokeSessionSuccess', data: true });
    expect(await whoAmI(app, other.accessToken)).toBeNull();
    expectType(await refresh(app, other.refreshToken), 'AuthenticationError');
    expect(await whoAmI(app, user.accessToken)).toBe(user.email);
    expect(await sessions(user.accessToken)).toHaveLength(1);
  });

  it('answers NotFoundError for another user’s session and leaves it alone', async () => {
    const owner = await registerUser(app);
    const attacker = await registerUser(app);
    const [victimSession] = await sessions(owner.accessToken);
    if (!victimSession) throw new Error('no session');
    const res = await app.gql<{ revokeSession: UnionResult }>(REVOKE_SESSION, { id: victimSession.id }, attacker.accessToken);
    const result = expectType(field(res, 'revokeSession'), 'NotFoundError');
    expect(result.code).toBe('NOT_FOUND');
    expect(await whoAmI(app, owner.accessToken)).toBe(owner.email);

    const bogus = Buffer.from('Session:not-a-uuid').toString('base64');
    expectType(field(await app.gql<{ revokeSession: UnionResult }>(REVOKE_SESSION, { id: bogus }, attacker.accessToken), 'revokeSession'), 'NotFoundError');

    const peek = await app.gql<{ node: unknown }>('query ($id: ID!) { node(id: $id) { id } }', { id: victimSession.id }, attacker.accessToken);
    expect(peek.data?.node ?? null).toBeNull();
  });
});
