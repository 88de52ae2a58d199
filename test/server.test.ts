import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerUser, startTestApp, type TestApp } from './support/app.js';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app.close());

describe('HTTP surface', () => {
  it('answers /healthz and /readyz with the state of Postgres and Redis', async () => {
    const base = app.url.replace('/graphql', '');
    const live = await fetch(`${base}/healthz`);
    expect(live.status).toBe(200);
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ postgres: 'ok', redis: 'ok' });
  });

  it('serves GraphiQL to browsers', async () => {
    const res = await fetch(app.url, { headers: { accept: 'text/html' } });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('LEAP GraphQL');
  });

  it('echoes a sane X-Request-Id and makes one up otherwise', async () => {
    const given = await app.gql('{ __typename }', {}, undefined, { 'x-request-id': 'trace-123' });
    expect(given.headers.get('x-request-id')).toBe('trace-123');
    const hostile = await app.gql('{ __typename }', {}, undefined, { 'x-request-id': 'bad id <script>' });
    expect(hostile.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('query limits', () => {
  it('refuses queries nested deeper than the configured depth', async () => {
    const deep = `{ tenant { members { edges { node { tenant { members { edges { node { tenant { members { edges { node { id } } } } } } } } } } } } }`;
    const user = await registerUser(app);
    const res = await app.gql(deep, {}, user.accessToken);
    expect(res.data ?? null).toBeNull();
    expect(res.errors?.[0]?.message).toMatch(/depth/i);
  });

  it('refuses documents with too many aliases', async () => {
    // __typename aliases are free; aliases of real fields count.
    const aliases = Array.from({ length: 40 }, (_, i) => `a${i}: templates { edges { cursor } }`).join(' ');
    const res = await app.gql(`{ ${aliases} }`);
    expect(res.errors?.[0]?.message).toMatch(/aliases/i);
  });
});

describe('graphql-ws on the same port', () => {
  it('runs an authenticated operation over the socket with the token in connectionParams', async () => {
    const user = await registerUser(app);
    const client = app.ws(user.accessToken);
    const result = await new Promise<unknown>((resolve, reject) => {
      client.subscribe({ query: '{ me { email } }' }, { next: resolve, error: reject, complete: () => {} });
    });
    expect(result).toEqual({ data: { me: { email: user.email } } });
  });

  it('treats a socket without a token as anonymous', async () => {
    const client = app.ws();
    const result = await new Promise<{ errors?: Array<{ extensions?: { code?: string } }> }>((resolve, reject) => {
      client.subscribe({ query: '{ me { email } }' }, { next: (r) => resolve(r as never), error: reject, complete: () => {} });
    });
    expect(result.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});

describe('error masking', () => {
  it('hides unexpected errors and keeps domain errors with their code', async () => {
    const { GraphQLError } = await import('graphql');
    const { maskError } = await import('../src/graphql/plugins.js');
    const { NotFoundError } = await import('../src/lib/errors.js');

    const leaky = new GraphQLError('connection to 10.0.0.5 refused', { originalError: new Error('password=hunter2') });
    const masked = maskError(leaky, 'Unexpected error.', false);
    expect(masked.message).toBe('Unexpected error.');
    expect(JSON.stringify(masked)).not.toMatch(/hunter2|10\.0\.0\.5/);

    const domain = new GraphQLError('Template not found', { originalError: new NotFoundError('Template') });
    const kept = maskError(domain, 'Unexpected error.', false) as InstanceType<typeof GraphQLError>;
    expect(kept.message).toBe('Template not found');
    expect(kept.extensions.code).toBe('NOT_FOUND');
  });
});
