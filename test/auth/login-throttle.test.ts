import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerUser, startTestApp, uniqueEmail, type TestApp } from '../support/app.js';
import { expectType, field, freshLoopbackAddress, gqlFrom, LOGIN, login, loginOk, type GraphQLBody, type UnionResult } from '../support/auth.js';

// Brute-force protection of login. Budgets live in Redis, so each test uses fresh accounts, and the
// per-IP tests send from a loopback address of their own.

const WRONG = 'definitely not it';

function expectRateLimited(result: UnionResult): void {
  const limited = expectType(result, 'RateLimitedError');
  expect(limited.code).toBe('RATE_LIMITED');
  expect(limited.retryAfterSeconds).toBeGreaterThan(0);
  expect(limited.retryAfterSeconds).toBeLessThanOrEqual(60);
}

/** A login sent from the given loopback address. */
async function loginFrom(app: TestApp, ip: string, email: string, password: string): Promise<UnionResult> {
  const res = await gqlFrom(app, ip, LOGIN, { input: { email, password } });
  return field(res.body as GraphQLBody<Record<string, UnionResult>>, 'login');
}

describe('per-account budget', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ loginThrottle: { maxFailuresPerAccount: 3, maxFailuresPerIp: 1000, windowSeconds: 60 } });
  });
  afterAll(() => app.close());

  it('blocks the account after 3 failures, even with the right password', async () => {
    const user = await registerUser(app);
    for (let i = 0; i < 3; i++) expectType(await login(app, user.email, WRONG), 'AuthenticationError');
    expectRateLimited(await login(app, user.email, user.password));
    expectRateLimited(await login(app, user.email, WRONG));
    // Tokens issued before the attack keep working: the throttle guards login only.
    const me = await app.gql<{ me: { email: string } }>('{ me { email } }', {}, user.accessToken);
    expect(me.data?.me.email).toBe(user.email);
  });

  it('counts the email case-insensitively', async () => {
    const user = await registerUser(app);
    for (const email of [user.email.toUpperCase(), ` ${user.email} `, user.email]) {
      expectType(await login(app, email, WRONG), 'AuthenticationError');
    }
    expectRateLimited(await login(app, user.email, user.password));
  });

  it('leaves other accounts alone', async () => {
    const victim = await registerUser(app);
    const bystander = await registerUser(app);
    for (let i = 0; i < 3; i++) await login(app, victim.email, WRONG);
    expectRateLimited(await login(app, victim.email, victim.password));
    await loginOk(app, bystander);
  });

  it('forgets earlier failures after a successful login', async () => {
    const user = await registerUser(app);
    for (let i = 0; i < 2; i++) expectType(await login(app, user.email, WRONG), 'AuthenticationError');
    await loginOk(app, user);
    for (let i = 0; i < 2; i++) expectType(await login(app, user.email, WRONG), 'AuthenticationError');
    await loginOk(app, user);
  });

  it('throttles unknown emails the same way (no account oracle)', async () => {
    const ghost = uniqueEmail('ghost');
    for (let i = 0; i < 3; i++) expectType(await login(app, ghost, WRONG), 'AuthenticationError');
    expectRateLimited(await login(app, ghost, WRONG));
  });

  it('does not let parallel guesses slip past the budget', async () => {
    const user = await registerUser(app);
    const results = await Promise.all(Array.from({ length: 12 }, () => login(app, user.email, WRONG)));
    const checked = results.filter((r) => r.__typename === 'AuthenticationError').length;
    const limited = results.filter((r) => r.__typename === 'RateLimitedError').length;
    expect(checked + limited).toBe(12);
    expect(checked).toBeLessThanOrEqual(3);
    expectRateLimited(await login(app, user.email, user.password));
  });
});

describe('per-IP budget', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ loginThrottle: { maxFailuresPerAccount: 1000, maxFailuresPerIp: 3, windowSeconds: 60 } });
  });
  afterAll(() => app.close());

  it('blocks an address after 3 failures across accounts, and only that address', async () => {
    const attacker = freshLoopbackAddress();
    const target = await registerUser(app);
    for (const email of [uniqueEmail('a'), uniqueEmail('b'), target.email]) {
      expectType(await loginFrom(app, attacker, email, WRONG), 'AuthenticationError');
    }
    expectRateLimited(await loginFrom(app, attacker, target.email, target.password));
    expectRateLimited(await loginFrom(app, attacker, uniqueEmail('c'), WRONG));

    // The account itself is not blocked: its owner signs in from elsewhere.
    const home = freshLoopbackAddress();
    expectType(await loginFrom(app, home, target.email, target.password), 'AuthPayload');
  });

  it('does not count successful logins against the address', async () => {
    const ip = freshLoopbackAddress();
    const user = await registerUser(app);
    for (let i = 0; i < 5; i++) expectType(await loginFrom(app, ip, user.email, user.password), 'AuthPayload');
    for (let i = 0; i < 3; i++) expectType(await loginFrom(app, ip, user.email, WRONG), 'AuthenticationError');
    expectRateLimited(await loginFrom(app, ip, user.email, user.password));
  });
});

describe('both budgets together', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ loginThrottle: { maxFailuresPerAccount: 2, maxFailuresPerIp: 4, windowSeconds: 60 } });
  });
  afterAll(() => app.close());

  it('charges nothing for attempts it refuses', async () => {
    const ip = freshLoopbackAddress();
    const attempt = (email: string) => loginFrom(app, ip, email, WRONG);
    const [first, second] = [uniqueEmail('first'), uniqueEmail('second')];
    for (let i = 0; i < 2; i++) expectType(await attempt(first), 'AuthenticationError');
    // Hammering the blocked account must not use up the address's budget...
    for (let i = 0; i < 5; i++) expectRateLimited(await attempt(first));
    // ...so two more real guesses on another account are still checked, and then the address is spent.
    for (let i = 0; i < 2; i++) expectType(await attempt(second), 'AuthenticationError');
    expectRateLimited(await attempt(uniqueEmail('third')));
  });
});
