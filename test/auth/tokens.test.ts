import { decodeJwt, SignJWT, UnsecuredJWT, type JWTPayload } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerUser, startTestApp, type RegisteredUser, type TestApp } from '../support/app.js';
import { loginOk, ME, whoAmI } from '../support/auth.js';

// Attacks on the access token, played against the running API. Each one must answer
// UNAUTHENTICATED for a protected field and never any data.

const SECRET = new TextEncoder().encode('test-secret-that-is-long-enough-0123456789');

interface ForgeOptions {
  secret?: Uint8Array;
  alg?: 'HS256' | 'HS512';
  issuer?: string;
  audience?: string;
  issuedAt?: number;
  expiresAt?: number;
  claims?: Partial<Record<'sub' | 'tid' | 'sid' | 'tv' | 'typ', string | number | undefined>>;
}

let app: TestApp;
let alice: RegisteredUser;
let bob: RegisteredUser;
beforeAll(async () => {
  app = await startTestApp();
  [alice, bob] = await Promise.all([registerUser(app), registerUser(app)]);
});
afterAll(() => app.close());

/** The claims the API put in a real token of this user. */
function claimsOf(user: Pick<RegisteredUser, 'accessToken'>): JWTPayload & { tid: string; sid: string; tv: number } {
  return decodeJwt(user.accessToken) as JWTPayload & { tid: string; sid: string; tv: number };
}

/** A token built like src/modules/auth/tokens.ts does, with any part overridden. */
async function forge(user: Pick<RegisteredUser, 'accessToken'>, options: ForgeOptions = {}): Promise<string> {
  const real = claimsOf(user);
  const now = Math.floor(Date.now() / 1000);
  const claims = { tid: real.tid, sid: real.sid, tv: real.tv, typ: 'access', sub: real.sub, ...options.claims };
  const { sub, ...payload } = claims;
  const jwt = new SignJWT(Object.fromEntries(Object.entries(payload).filter(([, v]) => v !== undefined)))
    .setProtectedHeader({ alg: options.alg ?? 'HS256', typ: 'JWT' })
    .setIssuer(options.issuer ?? 'leap')
    .setAudience(options.audience ?? 'leap-api')
    .setIssuedAt(options.issuedAt ?? now)
    .setExpirationTime(options.expiresAt ?? now + 900)
    .setJti(crypto.randomUUID());
  if (typeof sub === 'string') jwt.setSubject(sub);
  return jwt.sign(options.secret ?? SECRET);
}

async function expectRefused(token: string, header?: string, message?: RegExp): Promise<void> {
  const res = await app.gql<{ me: { id: string } }>(ME, {}, header === undefined ? token : undefined, header === undefined ? {} : { authorization: header });
  expect(res.data ?? null).toBeNull();
  expect(res.errors).toHaveLength(1);
  expect(res.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  if (message) expect(res.errors?.[0]?.message).toMatch(message);
}

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

describe('a correctly forged token (control)', () => {
  it('is accepted, so the refusals below are about the one thing each test changes', async () => {
    expect(await whoAmI(app, await forge(alice))).toBe(alice.email);
  });
});

describe('access-token attacks', () => {
  it('refuses an expired token', async () => {
    const now = Math.floor(Date.now() / 1000);
    await expectRefused(await forge(alice, { issuedAt: now - 3600, expiresAt: now - 60 }), undefined, /expired/i);
  });

  it('refuses a payload edited to another tenant or another user, signature kept', async () => {
    const [header, , signature] = alice.accessToken.split('.');
    const bobClaims = claimsOf(bob);
    for (const change of [{ tid: bobClaims.tid }, { sub: bobClaims.sub }, { sub: bobClaims.sub, tid: bobClaims.tid, sid: bobClaims.sid }]) {
      const payload = base64url({ ...claimsOf(alice), ...change });
      await expectRefused(`${header}.${payload}.${signature}`, undefined, /invalid access token/i);
    }
  });

  it('refuses an unsigned `alg: none` token', async () => {
    const real = claimsOf(alice);
    const unsigned = new UnsecuredJWT({ tid: real.tid, sid: real.sid, tv: real.tv, typ: 'access' })
      .setSubject(alice.userId)
      .setIssuer('leap')
      .setAudience('leap-api')
      .setIssuedAt()
      .setExpirationTime('15m')
      .encode();
    await expectRefused(unsigned);
    // The same with a stray signature segment copied from a real token.
    await expectRefused(`${unsigned}${alice.accessToken.split('.')[2]}`);
  });

  it('refuses a token signed with another secret or another algorithm', async () => {
    await expectRefused(await forge(alice, { secret: new TextEncoder().encode('another-secret-that-is-long-enough-9876543210') }));
    await expectRefused(await forge(alice, { alg: 'HS512' }));
  });

  it('refuses a wrong issuer or audience', async () => {
    await expectRefused(await forge(alice, { issuer: 'someone-else' }));
    await expectRefused(await forge(alice, { audience: 'leap-admin' }));
  });

  it('refuses well-signed tokens whose claims do not match the live session', async () => {
    const bobClaims = claimsOf(bob);
    // A session that belongs to someone else.
    await expectRefused(await forge(alice, { claims: { sid: bobClaims.sid } }));
    // A tenant the user is not a member of.
    await expectRefused(await forge(alice, { claims: { tid: bobClaims.tid } }));
    // A token version from before logoutAll.
    await expectRefused(await forge(alice, { claims: { tv: claimsOf(alice).tv + 1 } }));
    // Not an access token, or one missing its claims.
    await expectRefused(await forge(alice, { claims: { typ: 'refresh' } }), undefined, /malformed/i);
    await expectRefused(await forge(alice, { claims: { typ: undefined } }), undefined, /malformed/i);
    await expectRefused(await forge(alice, { claims: { sub: undefined } }));
  });

  it('refuses a token version from before logoutAll, even naming a live session', async () => {
    const carol = await registerUser(app);
    await app.gql('mutation { logoutAll }', {}, carol.accessToken);
    const fresh = await loginOk(app, carol);
    expect(claimsOf(fresh).tv).toBe(claimsOf(carol).tv + 1);
    await expectRefused(await forge(fresh, { claims: { tv: claimsOf(carol).tv } }), undefined, /no longer valid/i);
    expect(await whoAmI(app, await forge(fresh))).toBe(carol.email);
  });

  it('refuses a refresh token presented as an access token', async () => {
    await expectRefused(alice.refreshToken);
  });

  it.each([
    ['no scheme', () => alice.accessToken],
    ['another scheme', () => `Basic ${Buffer.from('alice:secret').toString('base64')}`],
    ['a bare "Bearer"', () => 'Bearer'],
    ['an empty bearer token', () => 'Bearer    '],
    ['two tokens', () => `Bearer ${alice.accessToken} ${alice.accessToken}`],
    ['a truncated token', () => `Bearer ${alice.accessToken.slice(0, -5)}`],
    ['garbage', () => 'Bearer not.a.jwt'],
  ])('refuses a malformed Authorization header: %s', async (_label, header) => {
    await expectRefused('', header());
  });

  it('refuses bad tokens on mutations too, without running them', async () => {
    const expired = await forge(alice, { expiresAt: Math.floor(Date.now() / 1000) - 60, issuedAt: Math.floor(Date.now() / 1000) - 3600 });
    const res = await app.gql<{ logoutAll: boolean }>('mutation { logoutAll }', {}, expired);
    expect(res.data ?? null).toBeNull();
    expect(res.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(await whoAmI(app, alice.accessToken)).toBe(alice.email);
  });

  it('still serves the real token after all of the above', async () => {
    expect(await whoAmI(app, alice.accessToken)).toBe(alice.email);
    expect(await whoAmI(app, bob.accessToken)).toBe(bob.email);
  });
});
