import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prisma } from '../../src/lib/db.js';
import { rawId, registerUser, startTestApp, type RegisteredUser, type TestApp } from '../support/app.js';
import {
  ADD_MEMBER,
  CHANGE_PASSWORD,
  CHANGE_ROLE,
  CREATE_TENANT,
  DELETE_ACCOUNT,
  expectType,
  field,
  login,
  loginOk,
  MY_SESSIONS,
  REMOVE_MEMBER,
  refresh,
  SWITCH_TENANT,
  TENANT,
  whoAmI,
  type AuthPayload,
  type MembershipResult,
  type UnionResult,
} from '../support/auth.js';

// Account-level mutations of the signed-in user: changePassword, deleteAccount, switchTenant.

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app.close());

async function changePassword(token: string, current: string, next: string) {
  return field(await app.gql<{ changePassword: UnionResult }>(CHANGE_PASSWORD, { current, next }, token), 'changePassword');
}

async function deleteAccount(token: string, password: string) {
  return field(await app.gql<{ deleteAccount: UnionResult }>(DELETE_ACCOUNT, { password }, token), 'deleteAccount');
}

async function createTenant(token: string, name: string): Promise<string> {
  return field(await app.gql<{ createTenant: { id: string } }>(CREATE_TENANT, { name }, token), 'createTenant').id;
}

async function addMember(token: string, email: string, role: string): Promise<MembershipResult> {
  const res = await app.gql<{ addMember: UnionResult }>(ADD_MEMBER, { email, role }, token);
  return expectType<MembershipResult>(field(res, 'addMember'), 'Membership');
}

async function tenantRowCounts(tenantGlobalId: string) {
  const tenantId = rawId(tenantGlobalId);
  const [tenants, memberships, templates, sessions, audit] = await Promise.all([
    prisma.tenant.count({ where: { id: tenantId } }),
    prisma.membership.count({ where: { tenantId } }),
    prisma.template.count({ where: { tenantId } }),
    prisma.authSession.count({ where: { tenantId } }),
    prisma.auditEvent.count({ where: { tenantId } }),
  ]);
  return { tenants, memberships, templates, sessions, audit };
}

describe('changePassword', () => {
  it('refuses a wrong current password and changes nothing', async () => {
    const user = await registerUser(app);
    const result = expectType(await changePassword(user.accessToken, 'not my password', 'brand new password'), 'AuthenticationError');
    expect(result).toMatchObject({ code: 'UNAUTHENTICATED', message: 'Current password is wrong' });
    expect(await whoAmI(app, user.accessToken)).toBe(user.email);
    await loginOk(app, user);
  });

  it('refuses a new password outside 8–128 characters', async () => {
    const user = await registerUser(app);
    for (const next of ['short', 'z'.repeat(129)]) {
      const result = expectType(await changePassword(user.accessToken, user.password, next), 'ValidationError');
      expect(result.issues?.[0]?.path).toBe('newPassword');
    }
    await loginOk(app, user);
  });

  it('signs this client in again and kills every older token and session', async () => {
    const user = await registerUser(app);
    const phone = await loginOk(app, user);
    const payload = expectType<AuthPayload>(await changePassword(user.accessToken, user.password, 'brand new password'), 'AuthPayload');
    expect(payload.user.id).toBe(user.userId);
    expect(payload.tenant.id).toBe(user.tenantId);
    expect(await whoAmI(app, payload.accessToken)).toBe(user.email);

    for (const token of [user.accessToken, phone.accessToken]) expect(await whoAmI(app, token)).toBeNull();
    for (const token of [user.refreshToken, phone.refreshToken]) expectType(await refresh(app, token), 'AuthenticationError');
    expectType(await refresh(app, payload.refreshToken), 'AuthPayload');

    const sessions = field(await app.gql<{ mySessions: { edges: unknown[] } }>(MY_SESSIONS, {}, payload.accessToken), 'mySessions');
    expect(sessions.edges).toHaveLength(1);

    expect(expectType(await login(app, user.email, user.password), 'AuthenticationError').message).toBe('Wrong email or password');
    await loginOk(app, { email: user.email, password: 'brand new password' });
  });
});

describe('deleteAccount', () => {
  it('refuses a wrong password and keeps the account', async () => {
    const user = await registerUser(app);
    const result = expectType(await deleteAccount(user.accessToken, 'not my password'), 'AuthenticationError');
    expect(result.code).toBe('UNAUTHENTICATED');
    expect(await whoAmI(app, user.accessToken)).toBe(user.email);
    expect((await tenantRowCounts(user.tenantId)).tenants).toBe(1);
  });

  it('deletes the user with every workspace only they belong to, its rows and its files', async () => {
    const user = await registerUser(app);
    const second = await createTenant(user.accessToken, 'Side project');
    const fileKey = `tenants/${rawId(user.tenantId)}/recordings/r1/source.mp4`;
    await app.services.storage.put(fileKey, Readable.from([Buffer.from('not really a video')]));
    expect(await app.services.storage.exists(fileKey)).toBe(true);
    expect(await tenantRowCounts(user.tenantId)).toMatchObject({ tenants: 1, memberships: 1, templates: 1, sessions: 1 });

    const result = await deleteAccount(user.accessToken, user.password);
    expect(result).toEqual({ __typename: 'MutationDeleteAccountSuccess', data: true });

    for (const tenantId of [user.tenantId, second]) {
      expect(await tenantRowCounts(tenantId)).toEqual({ tenants: 0, memberships: 0, templates: 0, sessions: 0, audit: 0 });
    }
    expect(await app.services.storage.exists(fileKey)).toBe(false);
    expect(await prisma.user.count({ where: { id: rawId(user.userId) } })).toBe(0);
    expect(await whoAmI(app, user.accessToken)).toBeNull();
    expectType(await refresh(app, user.refreshToken), 'AuthenticationError');
    expectType(await login(app, user.email, user.password), 'AuthenticationError');
  });

  it('refuses while the user is the only owner of a workspace with other members, deleting nothing', async () => {
    const owner = await registerUser(app);
    const member = await registerUser(app);
    const side = await createTenant(owner.accessToken, 'Only mine');
    const membership = await addMember(owner.accessToken, member.email, 'EDITOR');

    const refused = expectType(await deleteAccount(owner.accessToken, owner.password), 'ConflictError');
    expect(refused.code).toBe('CONFLICT');
    expect(refused.message).toContain(`Tenant of ${owner.email}`);
    expect(await whoAmI(app, owner.accessToken)).toBe(owner.email);
    expect(await tenantRowCounts(owner.tenantId)).toMatchObject({ tenants: 1, memberships: 2 });
    expect((await tenantRowCounts(side)).tenants).toBe(1);

    // Once someone else owns the shared workspace, the account can go; the shared workspace stays.
    expectType(field(await app.gql<{ changeMemberRole: UnionResult }>(CHANGE_ROLE, { id: membership.id, role: 'OWNER' }, owner.accessToken), 'changeMemberRole'), 'Membership');
    expect((await deleteAccount(owner.accessToken, owner.password)).__typename).toBe('MutationDeleteAccountSuccess');
    expect(await tenantRowCounts(owner.tenantId)).toMatchObject({ tenants: 1, memberships: 1, templates: 1 });
    expect((await tenantRowCounts(side)).tenants).toBe(0);
    const asMember = await loginOk(app, member, owner.tenantId);
    const tenant = field(await app.gql<{ tenant: { members: { edges: Array<{ node: { role: string; user: { email: string } } }> } } }>(TENANT, {}, asMember.accessToken), 'tenant');
    expect(tenant.members.edges.map((e) => [e.node.user.email, e.node.role])).toEqual([[member.email, 'OWNER']]);
  });

  it('removes a plain member from other workspaces and leaves those workspaces alone', async () => {
    const owner = await registerUser(app);
    const member = await registerUser(app);
    await addMember(owner.accessToken, member.email, 'ADMIN');
    expect((await deleteAccount(member.accessToken, member.password)).__typename).toBe('MutationDeleteAccountSuccess');
    expect(await tenantRowCounts(owner.tenantId)).toMatchObject({ tenants: 1, memberships: 1 });
    expect((await tenantRowCounts(member.tenantId)).tenants).toBe(0);
    expect(await whoAmI(app, owner.accessToken)).toBe(owner.email);
  });
});

describe('switchTenant', () => {
  async function switchTo(user: Pick<RegisteredUser, 'accessToken'>, tenantId: string) {
    return field(await app.gql<{ switchTenant: UnionResult }>(SWITCH_TENANT, { tenantId }, user.accessToken), 'switchTenant');
  }

  it('moves the session to another workspace of the user', async () => {
    const user = await registerUser(app);
    const second = await createTenant(user.accessToken, 'Second workspace');
    const payload = expectType<AuthPayload>(await switchTo(user, second), 'AuthPayload');
    expect(payload.tenant).toEqual({ id: second, name: 'Second workspace' });

    const tenant = field(await app.gql<{ tenant: { id: string; name: string } }>(TENANT, {}, payload.accessToken), 'tenant');
    expect(tenant).toMatchObject({ id: second, name: 'Second workspace' });
    // Same session, so the rotated refresh token stays in the new workspace.
    const refreshed = expectType<AuthPayload>(await refresh(app, payload.refreshToken), 'AuthPayload');
    expect(refreshed.tenant.id).toBe(second);
    const sessions = field(await app.gql<{ mySessions: { edges: unknown[] } }>(MY_SESSIONS, {}, refreshed.accessToken), 'mySessions');
    expect(sessions.edges).toHaveLength(1);
  });

  it('refuses a workspace the user does not belong to', async () => {
    const user = await registerUser(app);
    const stranger = await registerUser(app);
    const bogus = Buffer.from('Tenant:not-a-uuid').toString('base64');
    for (const tenantId of [stranger.tenantId, bogus]) {
      const refused = expectType(await switchTo(user, tenantId), 'AuthenticationError');
      expect(refused).toMatchObject({ code: 'UNAUTHENTICATED', message: 'You are not a member of that workspace' });
    }
    const tenant = field(await app.gql<{ tenant: { id: string } }>(TENANT, {}, user.accessToken), 'tenant');
    expect(tenant.id).toBe(user.tenantId);
    expectType(await refresh(app, user.refreshToken), 'AuthPayload');
  });
});

describe('signing in without any workspace', () => {
  it('gives a user who was removed from every workspace a fresh workspace of their own', async () => {
    const loner = await registerUser(app, { tenantName: 'Loner HQ' });
    const heir = await registerUser(app);
    const heirMembership = await addMember(loner.accessToken, heir.email, 'OWNER');
    expect(heirMembership.role).toBe('OWNER');
    const heirInLoner = await loginOk(app, heir, loner.tenantId);
    const members = await app.gql<{ tenant: { members: { edges: Array<{ node: { id: string; user: { email: string } } }> } } }>(
      TENANT, {}, heirInLoner.accessToken);
    const lonerMembership = members.data?.tenant.members.edges.find((e) => e.node.user.email === loner.email);
    const removed = await app.gql<{ removeMember: UnionResult }>(REMOVE_MEMBER, { id: lonerMembership?.node.id }, heirInLoner.accessToken);
    expect(field(removed, 'removeMember').__typename).toBe('MutationRemoveMemberSuccess');

    const again = await loginOk(app, loner);
    expect(again.tenant.id).not.toBe(loner.tenantId);
    expect(again.tenant.name).toMatch(/workspace$/);
    expect(await whoAmI(app, again.accessToken)).toBe(loner.email);
    expect(expectType<AuthPayload>(await login(app, loner.email, loner.password, loner.tenantId), 'AuthenticationError')).toBeTruthy();
  });
});
