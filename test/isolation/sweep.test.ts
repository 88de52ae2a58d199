import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { schema } from '../../src/graphql/schema.js';
import { prisma } from '../../src/lib/db.js';
import { registerUser, startTestApp, uniqueEmail, type TestApp } from '../support/app.js';
import {
  distinctiveStrings,
  findLeaks,
  graphqlTypesByModel,
  idsOf,
  rawOf,
  setUpTenantA,
  snapshotOf,
  tenantOwnedModels,
  type Allowance,
  type Exposure,
  type Snapshot,
  type TenantA,
} from '../support/isolation.js';
import { Live, operationsFor, resolveLive, rootFieldNames, splitUploads, type Operation, type RootKind, type ValuePools } from '../support/operations.js';

// The isolation sweep (DESIGN.md "Tenancy"): every query, mutation and subscription of the schema
// is generated from its types and run as tenant B with tenant A's ids and strings. Nothing of A may
// come back (data or error text), and no row or file of A may change. New operations are swept
// without any change here.

interface GqlResult {
  data?: unknown;
  /** A subscription accepted without error that sent nothing within the window (nothing to report yet). */
  stayedOpen?: boolean;
  errors?: Array<{ message: string; path?: unknown; extensions?: Record<string, unknown> }>;
}

/** Tenant B: whoever currently signs in as the attacker. Ids are global, `userId` raw. */
interface Actor {
  email: string;
  password: string;
  accessToken: string;
  refreshToken: string;
  userId: string;
  userGlobalId: string;
  tenantId: string;
  membershipId: string;
  sessionId: string;
}

const B_PASSWORD = 'bravo password 123';
const LOGIN = 'mutation($input: LoginInput!) { login(input: $input) { __typename ... on AuthPayload { accessToken refreshToken } } }';
const B_IDS = '{ me { id } tenant { id } myTenants { edges { node { id tenant { id } } } } mySessions { edges { node { id current } } } }';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app.close());

/** One operation over HTTP; variables holding files go as a GraphQL multipart request. */
async function gql(query: string, variables: Record<string, unknown>, token?: string): Promise<GqlResult> {
  const split = splitUploads(variables);
  if (split.files.length === 0) {
    const { data, errors } = await app.gql(query, variables, token);
    return { data, errors };
  }
  const form = new FormData();
  form.set('operations', JSON.stringify({ query, variables: split.value }));
  form.set('map', JSON.stringify(Object.fromEntries(split.files.map(({ path }, i) => [String(i), [path]]))));
  split.files.forEach(({ file }, i) => form.set(String(i), new Blob([file.content]), file.name));
  const res = await fetch(app.url, { method: 'POST', headers: token ? { authorization: `Bearer ${token}` } : {}, body: form });
  const text = await res.text();
  try {
    return JSON.parse(text) as GqlResult;
  } catch {
    return { errors: [{ message: `HTTP ${res.status}: ${text.slice(0, 200)}` }] };
  }
}

/** Subscriptions over graphql-ws: whatever arrives within `ms`, then unsubscribe. */
function subscribe(query: string, variables: Record<string, unknown>, token: string, ms = 300): Promise<GqlResult[]> {
  const client = app.ws(token);
  return new Promise((resolve) => {
    const results: GqlResult[] = [];
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      void client.dispose();
      resolve(results);
    };
    client.subscribe(
      { query, variables },
      {
        next: (result) => void results.push(result as GqlResult),
        error: (error: unknown) => {
          const errors = Array.isArray(error) ? (error as GqlResult['errors']) : [{ message: String((error as { reason?: string; message?: string }).reason ?? (error as Error).message ?? error) }];
          results.push({ errors });
          finish();
        },
        complete: finish,
      },
    );
    const timer = setTimeout(() => {
      if (results.length === 0) results.push({ stayedOpen: true });
      finish();
    }, ms);
  });
}

const hitLimit = (r: GqlResult) => (r.errors ?? []).some((e) => /exceeds maximum (complexity|depth|breadth)/i.test(e.message));
/** The resolver ran: there is data, or an error raised while executing (it has a path), and no limit refused it; or a subscription stayed open. */
const reachedResolver = (r: GqlResult) => r.stayedOpen === true || (!hitLimit(r) && (r.data != null || (r.errors ?? []).some((e) => e.path !== undefined)));
/** Masked unexpected errors are crashes of the server, not answers. */
const crashed = (r: GqlResult) => (r.errors ?? []).some((e) => e.message === 'Unexpected error.' || e.extensions?.code === 'INTERNAL_SERVER_ERROR');

/** Runs an operation at the deepest selection the server's limits accept. */
async function run(kind: RootKind, op: Operation, variables: Record<string, unknown>, token: string): Promise<GqlResult[]> {
  for (let depth = 3; ; depth -= 1) {
    const document = op.document(depth);
    const results = kind === 'subscription' ? await subscribe(document, variables, token) : [await gql(document, variables, token)];
    if (depth > 0 && results.some(hitLimit)) continue;
    return results;
  }
}

/** Global ids a caller can reach through its own queries (each query field once). */
async function harvestGlobalIds(tokens: string[], pools: ValuePools): Promise<string[]> {
  const found = new Set<string>();
  const firstPerField = operationsFor(schema, 'query', pools).filter(
    (op, i, all) => all.findIndex((o) => o.field === op.field) === i && !JSON.stringify(op.variables).includes('"<'),
  );
  for (const token of tokens) {
    for (const op of firstPerField) {
      const results = await run('query', op, op.variables, token);
      JSON.stringify(results, (_key, value: unknown) => {
        if (typeof value === 'string' && /^[A-Za-z]+:[0-9a-f-]{36}$/.test(Buffer.from(value, 'base64').toString('utf8'))) found.add(value);
        return value;
      });
    }
  }
  return [...found];
}

describe('tenant isolation sweep', () => {
  it("runs every root field as tenant B against tenant A's ids; nothing of A is read or changed", { timeout: 1_200_000 }, async () => {
    const a = await setUpTenantA(app);
    const preliminary = await snapshotOf(a);
    for (const model of tenantOwnedModels) {
      expect(preliminary[model]?.length ?? 0, `tenant A needs a ${model} row: add one in test/support/isolation.ts`).toBeGreaterThan(0);
    }
    const { rawIds, globalIds } = idsOf(preliminary, graphqlTypesByModel(schema));
    const pools: ValuePools = {
      ids: [...globalIds, ...rawIds, new Live('bTenantId'), new Live('bUserId'), new Live('bMembershipId'), new Live('bSessionId')],
      cursors: [
        ...globalIds.map((id) => Buffer.from(`GPC:S:${rawOf(id)}`).toString('base64')),
        ...rawIds.slice(0, 2).flatMap((id) => [Buffer.from(`GPC:Q:${id}`).toString('base64'), `cursor-${id}`]),
      ],
      emails: [a.owner.email, a.member.email, new Live('bEmail'), new Live('freshEmail')],
      passwords: [new Live('bPassword'), 'wrong password 123'],
      tokens: [new Live('bRefreshToken'), 'not-a-refresh-token'],
      timezones: ['Europe/Moscow', 'Mars/Olympus_Mons'],
      strings: ['Bravo sweep value', a.marker],
    };
    const harvested = (await harvestGlobalIds([a.owner.accessToken, a.member.accessToken], pools)).filter((id) => !globalIds.includes(id));
    pools.ids.unshift(...harvested);
    // Everything A did so far is in the snapshot; from here on only B acts.
    const before = await snapshotOf(a);
    const exposure: Exposure = {
      rawIds: idsOf(before, new Map()).rawIds,
      tokens: [a.owner.accessToken, a.owner.refreshToken, a.member.accessToken, a.member.refreshToken],
      marker: a.marker,
      strings: distinctiveStrings(before, a.marker),
    };

    const supplied = new Set<string>();
    const leaks: string[] = [];
    const crashes: string[] = [];
    const coverage = new Map(rootFieldNames(schema).map((name) => [name, { ops: 0, executed: 0, succeeded: 0 }]));
    let opsSharingAWorkspace = 0;
    let b = await newActor();
    let allowance = await allowanceFor(b);

    async function newActor(): Promise<Actor> {
      const user = await registerUser(app, { email: uniqueEmail('bravo'), password: B_PASSWORD });
      return withIds({ ...user, userId: rawOf(user.userId), userGlobalId: user.userId, membershipId: '', sessionId: '' });
    }

    async function withIds(actor: Actor): Promise<Actor> {
      const res = await app.gql<{
        me: { id: string };
        tenant: { id: string };
        myTenants: { edges: Array<{ node: { id: string; tenant: { id: string } } }> };
        mySessions: { edges: Array<{ node: { id: string; current: boolean } }> };
      }>(B_IDS, {}, actor.accessToken);
      if (!res.data) throw new Error(`B cannot read its own ids: ${JSON.stringify(res.errors)}`);
      const { tenant, myTenants, mySessions } = res.data;
      return {
        ...actor,
        tenantId: tenant.id,
        membershipId: myTenants.edges.find((e) => e.node.tenant.id === tenant.id)?.node.id ?? '',
        sessionId: mySessions.edges.find((e) => e.node.current)?.node.id ?? '',
      };
    }

    /**
     * B's token stopped working (logout, password change, deleted account …): sign in again with any
     * password the sweep may have set, or become a new B.
     */
    async function ensureSignedIn(): Promise<void> {
      const me = await gql('{ me { id } }', {}, b.accessToken);
      if (me.data) return;
      const passwords = [b.password, ...pools.passwords.filter((p): p is string => typeof p === 'string')];
      for (const password of passwords) {
        const login = await app.gql<{ login: { __typename: string; accessToken: string; refreshToken: string } }>(LOGIN, {
          input: { email: b.email, password },
        });
        const payload = login.data?.login;
        if (payload?.__typename === 'AuthPayload') {
          b = await withIds({ ...b, ...payload, password });
          return;
        }
      }
      b = await newActor();
    }

    /** Which of A's users now share a workspace with B (B may add existing users by email). */
    async function allowanceFor(actor: Actor): Promise<Allowance> {
      const shared = await prisma.membership.findMany({
        where: { userId: { in: a.userIds }, tenant: { memberships: { some: { userId: actor.userId } } } },
        include: { user: true },
      });
      return {
        supplied,
        coMemberIds: new Set(shared.map((m) => m.userId)),
        coMemberStrings: new Set(shared.flatMap((m) => [m.user.email, m.user.displayName ?? ''].filter(Boolean))),
      };
    }

    const live = (key: string): unknown => {
      const values: Record<string, unknown> = {
        bTenantId: b.tenantId,
        bUserId: b.userGlobalId,
        bMembershipId: b.membershipId,
        bSessionId: b.sessionId,
        bEmail: b.email,
        bPassword: b.password,
        bRefreshToken: b.refreshToken,
        freshEmail: uniqueEmail('fresh'),
      };
      if (!(key in values)) throw new Error(`unknown live value ${key}`);
      return values[key];
    };

    /** One operation as B: run it, scan what came back, make sure B can go on. */
    async function sweepOne(kind: RootKind, op: Operation): Promise<void> {
      const previous = allowance;
      const variables = resolveLive(op.variables, live) as Record<string, unknown>;
      JSON.stringify(variables, (_key, value: unknown) => {
        if (typeof value === 'string' && value.toLowerCase().includes(a.marker) && !exposure.strings.includes(value)) supplied.add(value);
        return value;
      });
      const actor = b;
      const results = await run(kind, op, variables, actor.accessToken);
      const [after] = await Promise.all([allowanceFor(actor), ensureSignedIn()]);
      const merged: Allowance = {
        supplied,
        coMemberIds: new Set([...previous.coMemberIds, ...after.coMemberIds]),
        coMemberStrings: new Set([...previous.coMemberStrings, ...after.coMemberStrings]),
      };
      if (merged.coMemberIds.size > 0) opsSharingAWorkspace += 1;
      const stats = coverage.get(`${kind}.${op.field}`);
      if (stats) {
        stats.ops += 1;
        if (results.some(reachedResolver)) stats.executed += 1;
        if (results.some((r) => r.data != null && !r.errors && !/Error"/.test(JSON.stringify(r.data)))) stats.succeeded += 1;
      }
      for (const result of results) {
        for (const leak of findLeaks(result, exposure, merged)) leaks.push(`${op.label} as B leaked ${leak}`);
        if (crashed(result)) crashes.push(`${op.label} crashed: ${JSON.stringify(result.errors)}`);
      }
      allowance = b === actor ? after : await allowanceFor(b);
    }

    // Queries twice: before the mutations, and after them, when B has objects (and maybe A's users) of its own.
    for (const kind of ['query', 'subscription', 'mutation', 'query', 'subscription'] as const) {
      // B's own objects too, so operations also succeed (and must still not touch A).
      const own = (await harvestGlobalIds([b.accessToken], pools)).filter((id) => !pools.ids.includes(id) && !exposure.rawIds.includes(rawOf(id)));
      const ops = operationsFor(schema, kind, { ...pools, ids: [...pools.ids, ...own] });
      // Mutations one at a time: each may change what B is and owns.
      const parallel = kind === 'mutation' ? 1 : 4;
      for (let i = 0; i < ops.length; i += parallel) await Promise.all(ops.slice(i, i + parallel).map((op) => sweepOne(kind, op)));
    }

    if (process.env.SWEEP_REPORT) {
      const total = [...coverage.values()].reduce((sum, s) => sum + s.ops, 0);
      console.log(`sweep: ${coverage.size} root fields, ${total} operations (${opsSharingAWorkspace} while B shared a workspace with A's users)`, Object.fromEntries(coverage));
    }

    expect(leaks.length, `${leaks.length} leaks, e.g.:\n${leaks.slice(0, 15).join('\n')}`).toBe(0);
    expect(crashes.length, `${crashes.length} crashes, e.g.:\n${crashes.slice(0, 15).join('\n')}`).toBe(0);
    const unreached = [...coverage].filter(([, s]) => s.executed === 0).map(([name]) => name);
    expect(unreached, 'root fields whose resolver never ran in the sweep').toEqual([]);
    const succeeded = [...coverage.values()].filter((s) => s.succeeded > 0).length;
    expect(succeeded, 'root fields that B used successfully at least once').toBeGreaterThan(coverage.size / 3);
    expect((await gql('{ me { id } }', {}, b.accessToken)).data).toEqual({ me: { id: b.userGlobalId } });

    const afterSweep = await snapshotOf(a);
    // B may add A's users to B's own workspaces by email: memberships outside A's workspaces are B's.
    afterSweep['Membership of A users'] = (afterSweep['Membership of A users'] ?? []).filter((m) => a.tenantIds.includes(String(m.tenantId)));
    for (const key of Object.keys(before)) expect(afterSweep[key], `rows of ${key} for tenant A`).toEqual(before[key]);
    expect(Object.keys(afterSweep).sort()).toEqual(Object.keys(before).sort());
    const file = await app.services.storage.get(a.file.key);
    let body = '';
    for await (const chunk of file) body += String(chunk);
    expect(body).toBe(a.file.body);
    expectSnapshotIsRich(before);
  });
});

function expectSnapshotIsRich(snapshot: Snapshot): void {
  expect(snapshot.Membership?.length).toBeGreaterThanOrEqual(3);
  expect(snapshot.User?.length).toBe(2);
  expect(snapshot.RefreshToken?.length).toBeGreaterThan(0);
  expect(snapshot.AuditEvent?.length).toBeGreaterThan(0);
}
