import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerUser, startTestApp, type RegisteredUser, type TestApp } from './support/app.js';
import { freshLoopbackAddress, gqlFrom, ME, whoAmI, type GraphQLBody } from './support/auth.js';

// API rate limits. Budgets live in Redis under keys shared by every app instance of the run, so the
// users are fresh, they register through an unlimited instance, and anonymous traffic is sent from
// loopback addresses no other test uses.

let open: TestApp;
let limited: TestApp;
beforeAll(async () => {
  [open, limited] = await Promise.all([startTestApp(), startTestApp({ rateLimits: { perMinute: 5, perHour: 1000 } })]);
});
afterAll(async () => {
  await Promise.all([open.close(), limited.close()]);
});

function expectLimited(status: number, retryAfterHeader: string | null | undefined, body: GraphQLBody, maxWait = 60): number {
  expect(status).toBe(429);
  expect(body.data ?? null).toBeNull();
  expect(body.errors).toHaveLength(1);
  const extensions = body.errors?.[0]?.extensions ?? {};
  expect(extensions.code).toBe('RATE_LIMITED');
  const wait = extensions.retryAfterSeconds;
  if (typeof wait !== 'number') throw new Error(`retryAfterSeconds missing: ${JSON.stringify(body)}`);
  expect(wait).toBeGreaterThan(0);
  expect(wait).toBeLessThanOrEqual(maxWait);
  expect(retryAfterHeader).toBe(String(wait));
  return wait;
}

async function spend(app: TestApp, user: RegisteredUser, operations: number): Promise<void> {
  for (let i = 0; i < operations; i++) {
    const res = await app.gql<{ me: { id: string } }>(ME, {}, user.accessToken);
    expect(res.status).toBe(200);
    expect(res.data?.me.id).toBe(user.userId);
  }
}

describe('per-user budget', () => {
  it('answers the 6th operation in a minute with 429, Retry-After and RATE_LIMITED', async () => {
    const user = await registerUser(open);
    await spend(limited, user, 5);
    const res = await limited.gql(ME, {}, user.accessToken);
    expectLimited(res.status, res.headers.get('retry-after'), res);
  });

  it('does not affect another user', async () => {
    const [busy, quiet] = await Promise.all([registerUser(open), registerUser(open)]);
    await spend(limited, busy, 5);
    expect((await limited.gql(ME, {}, busy.accessToken)).status).toBe(429);
    await spend(limited, quiet, 5);
  });

  it('follows the user, not the address they call from', async () => {
    const user = await registerUser(open);
    await spend(limited, user, 5);
    const elsewhere = await gqlFrom(limited, freshLoopbackAddress(), ME, {}, user.accessToken);
    expectLimited(elsewhere.status, elsewhere.headers['retry-after'] as string | undefined, elsewhere.body);
  });

  it('does not run an operation it refuses', async () => {
    const user = await registerUser(open);
    await spend(limited, user, 5);
    const res = await limited.gql<{ logout: boolean }>('mutation { logout }', {}, user.accessToken);
    expectLimited(res.status, res.headers.get('retry-after'), res);
    // The unlimited instance shares the database: the session is still alive.
    expect(await whoAmI(open, user.accessToken)).toBe(user.email);
  });

  it('applies to graphql-ws operations too', async () => {
    const user = await registerUser(open);
    await spend(limited, user, 5);
    const client = limited.ws(user.accessToken);
    const result = await new Promise<GraphQLBody>((resolve, reject) => {
      client.subscribe({ query: ME }, { next: (r) => resolve(r as GraphQLBody), error: reject, complete: () => {} });
    });
    expect(result.data ?? null).toBeNull();
    expect(result.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
  });

  it('has an hourly budget as well', async () => {
    const hourly = await startTestApp({ rateLimits: { perMinute: 100, perHour: 3 } });
    try {
      const user = await registerUser(open);
      await spend(hourly, user, 3);
      const res = await hourly.gql(ME, {}, user.accessToken);
      const wait = expectLimited(res.status, res.headers.get('retry-after'), res, 3600);
      expect(wait).toBeGreaterThan(60);
    } finally {
      await hourly.close();
    }
  });
});

describe('anonymous callers', () => {
  it('are limited per IP address', async () => {
    const ip = freshLoopbackAddress();
    for (let i = 0; i < 5; i++) {
      const ok = await gqlFrom(limited, ip, '{ __typename }');
      expect(ok.status).toBe(200);
      expect(ok.body.data).toEqual({ __typename: 'Query' });
    }
    const refused = await gqlFrom(limited, ip, '{ __typename }');
    expectLimited(refused.status, refused.headers['retry-after'] as string | undefined, refused.body);

    // Another address still has its budget, and so does a signed-in user at the spent address.
    expect((await gqlFrom(limited, freshLoopbackAddress(), '{ __typename }')).status).toBe(200);
    const user = await registerUser(open);
    const signedIn = await gqlFrom(limited, ip, ME, {}, user.accessToken);
    expect(signedIn.status).toBe(200);
    expect(signedIn.body.data).toEqual({ me: { id: user.userId, email: user.email } });
  });

  it('spend the address budget on login attempts too', async () => {
    const ip = freshLoopbackAddress();
    const login = 'mutation ($input: LoginInput!) { login(input: $input) { __typename } }';
    for (let i = 0; i < 5; i++) {
      const res = await gqlFrom(limited, ip, login, { input: { email: 'nobody@example.test', password: 'whatever1' } });
      expect(res.status).toBe(200);
    }
    const refused = await gqlFrom(limited, ip, login, { input: { email: 'nobody@example.test', password: 'whatever1' } });
    expectLimited(refused.status, refused.headers['retry-after'] as string | undefined, refused.body);
  });
});
