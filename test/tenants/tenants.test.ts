import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prisma } from '../../src/lib/db.js';
import { rawId, registerUser, startTestApp, uniqueEmail, type RegisteredUser, type TestApp } from '../support/app.js';
import {
  ADD_MEMBER,
  CHANGE_ROLE,
  CREATE_TENANT,
  errorCode,
  expectType,
  field,
  login,
  loginOk,
  MY_TENANTS,
  refresh,
  REMOVE_MEMBER,
  SET_PERMISSIONS,
  SWITCH_TENANT,
  TEMPLATES,
  TENANT,
  UPDATE_TENANT,
  whoAmI,
  type AuthPayload,
  type MembershipResult,
  type UnionResult,
} from '../support/auth.js';

// Workspaces, members, roles and permissions, acted out by real users signed in to the workspace.

interface Member {
  user: RegisteredUser;
  /** Access token for the shared workspace. */
  token: string;
  refreshToken: string;
  membershipId: string;
}

interface Team {
  tenantId: string;
  owner: Member;
  admin: Member;
  editor: Member;
  viewer: Member;
}

interface TenantView {
  id: string;
  name: string;
  timezone: string;
  members: { edges: Array<{ node: { id: string; role: string; user: { email: string } } }> };
}

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app.close());

async function mutate(name: string, document: string, variables: Record<string, unknown>, token: string): Promise<UnionResult> {
  return field(await app.gql<Record<string, UnionResult>>(document, variables, token), name);
}

const addMember = (token: string, email: string, role: string) => mutate('addMember', ADD_MEMBER, { email, role }, token);
const changeRole = (token: string, id: string, role: string) => mutate('changeMemberRole', CHANGE_ROLE, { id, role }, token);
const removeMember = (token: string, id: string) => mutate('removeMember', REMOVE_MEMBER, { id }, token);
const setPermissions = (token: string, id: string, permissions: Record<string, boolean | null>) =>
  mutate('setMemberPermissions', SET_PERMISSIONS, { id, permissions }, token);

const globalId = (type: string, id: string) => Buffer.from(`${type}:${id}`).toString('base64');

async function readTenant(token: string): Promise<TenantView> {
  return field(await app.gql<{ tenant: TenantView }>(TENANT, {}, token), 'tenant');
}

/** An owner's workspace with an ADMIN, an EDITOR and a VIEWER, each signed in to it. */
async function team(): Promise<Team> {
  const [owner, admin, editor, viewer] = await Promise.all([registerUser(app), registerUser(app), registerUser(app), registerUser(app)]);
  const join = async (user: RegisteredUser, role: string): Promise<Member> => {
    const membership = expectType<MembershipResult>(await addMember(owner.accessToken, user.email, role), 'Membership');
    const session = await loginOk(app, user, owner.tenantId);
    return { user, token: session.accessToken, refreshToken: session.refreshToken, membershipId: membership.id };
  };
  const members = await readTenant(owner.accessToken);
  const ownerMembership = members.members.edges[0]?.node.id ?? '';
  return {
    tenantId: owner.tenantId,
    owner: { user: owner, token: owner.accessToken, refreshToken: owner.refreshToken, membershipId: ownerMembership },
    admin: await join(admin, 'ADMIN'),
    editor: await join(editor, 'EDITOR'),
    viewer: await join(viewer, 'VIEWER'),
  };
}

/** A refusal by role scope: a GraphQL error FORBIDDEN and no data. */
async function expectForbidden(document: string, variables: Record<string, unknown>, token: string): Promise<void> {
  const res = await app.gql(document, variables, token);
  expect(res.data ?? null).toBeNull();
  expect(errorCode(res)).toBe('FORBIDDEN');
}

describe('workspaces', () => {
  it('myTenants lists every workspace of the user with their role, oldest first', async () => {
    const { admin, tenantId } = await team();
    const res = await app.gql<{ myTenants: { edges: Array<{ node: { role: string; tenant: { id: string } } }> } }>(MY_TENANTS, {}, admin.token);
    expect(field(res, 'myTenants').edges.map((e) => [e.node.tenant.id, e.node.role])).toEqual([
      [admin.user.tenantId, 'OWNER'],
      [tenantId, 'ADMIN'],
    ]);
  });

  it('createTenant makes the caller OWNER of a new workspace with its Default template', async () => {
    const user = await registerUser(app);
    const created = field(
      await app.gql<{ createTenant: { id: string; name: string; timezone: string } }>(CREATE_TENANT, { name: '  Chemistry  ', timezone: 'Asia/Tokyo' }, user.accessToken),
      'createTenant',
    );
    expect(created).toMatchObject({ name: 'Chemistry', timezone: 'Asia/Tokyo' });
    const switched = expectType<AuthPayload>(field(await app.gql<Record<string, UnionResult>>(SWITCH_TENANT, { tenantId: created.id }, user.accessToken), 'switchTenant'), 'AuthPayload');
    const view = await readTenant(switched.accessToken);
    expect(view.members.edges.map((e) => [e.node.user.email, e.node.role])).toEqual([[user.email, 'OWNER']]);
    const templates = field(await app.gql<{ templates: { edges: Array<{ node: { name: string; isDefault: boolean } }> } }>(TEMPLATES, {}, switched.accessToken), 'templates');
    expect(templates.edges.map((e) => [e.node.name, e.node.isDefault])).toEqual([['Default', true]]);
  });

  it('createTenant refuses a too-short name or an unknown time zone', async () => {
    const user = await registerUser(app);
    for (const variables of [{ name: 'x' }, { name: 'Fine name', timezone: 'Nowhere/Land' }]) {
      const res = await app.gql(CREATE_TENANT, variables, user.accessToken);
      expect(res.data ?? null).toBeNull();
      expect(errorCode(res)).toBe('VALIDATION_FAILED');
    }
    expect(await prisma.membership.count({ where: { userId: rawId(user.userId) } })).toBe(1);
  });

  it('updateTenant is for ADMIN and above', async () => {
    const { owner, admin, editor, viewer } = await team();
    const renamed = await mutate('updateTenant', UPDATE_TENANT, { name: 'Renamed by admin', timezone: 'Europe/Berlin' }, admin.token);
    expect(expectType(renamed, 'Tenant')).toMatchObject({ name: 'Renamed by admin', timezone: 'Europe/Berlin' });
    expectType(await mutate('updateTenant', UPDATE_TENANT, { name: 'Renamed by owner' }, owner.token), 'Tenant');
    for (const member of [editor, viewer]) await expectForbidden(UPDATE_TENANT, { name: 'Hijacked' }, member.token);
    expect(await readTenant(viewer.token)).toMatchObject({ name: 'Renamed by owner', timezone: 'Europe/Berlin' });
    // The owner's other workspaces are untouched.
    expect((await readTenant(admin.user.accessToken)).name).toBe(`Tenant of ${admin.user.email}`);
  });
});

describe('addMember', () => {
  it('adds an existing user by email with the given role', async () => {
    const owner = await registerUser(app);
    const newcomer = await registerUser(app);
    const added = expectType<MembershipResult>(await addMember(owner.accessToken, ` ${newcomer.email.toUpperCase()} `, 'EDITOR'), 'Membership');
    expect(added).toMatchObject({ role: 'EDITOR', user: { id: newcomer.userId, email: newcomer.email } });
    const session = await loginOk(app, newcomer, owner.tenantId);
    const view = await readTenant(session.accessToken);
    expect(view.id).toBe(owner.tenantId);
    expect(view.members.edges.map((e) => [e.node.user.email, e.node.role])).toEqual([
      [owner.email, 'OWNER'],
      [newcomer.email, 'EDITOR'],
    ]);
  });

  it('answers NotFoundError for an unknown email and ConflictError for an existing member', async () => {
    const { owner, editor } = await team();
    const unknown = expectType(await addMember(owner.token, uniqueEmail('nobody'), 'EDITOR'), 'NotFoundError');
    expect(unknown.code).toBe('NOT_FOUND');
    for (const email of [editor.user.email, owner.user.email]) {
      expect(expectType(await addMember(owner.token, email, 'VIEWER'), 'ConflictError').code).toBe('CONFLICT');
    }
    expect((await readTenant(owner.token)).members.edges.find((e) => e.node.user.email === editor.user.email)?.node.role).toBe('EDITOR');
  });

  it('lets only an OWNER add an OWNER', async () => {
    const { owner, admin } = await team();
    const [first, second] = await Promise.all([registerUser(app), registerUser(app)]);
    expect(expectType(await addMember(admin.token, first.email, 'OWNER'), 'ForbiddenError').code).toBe('FORBIDDEN');
    expectType(await addMember(admin.token, first.email, 'ADMIN'), 'Membership');
    expect(expectType<MembershipResult>(await addMember(owner.token, second.email, 'OWNER'), 'Membership').role).toBe('OWNER');
  });

  it('is refused to EDITOR and VIEWER', async () => {
    const { editor, viewer, tenantId } = await team();
    const outsider = await registerUser(app);
    for (const member of [editor, viewer]) await expectForbidden(ADD_MEMBER, { email: outsider.email, role: 'VIEWER' }, member.token);
    expectType(await login(app, outsider.email, outsider.password, tenantId), 'AuthenticationError');
  });
});

describe('changeMemberRole', () => {
  it('never demotes the last OWNER', async () => {
    const { owner, admin } = await team();
    const refused = expectType(await changeRole(owner.token, owner.membershipId, 'ADMIN'), 'ConflictError');
    expect(refused.message).toBe('A workspace needs at least one owner');
    expectType(await changeRole(owner.token, admin.membershipId, 'OWNER'), 'Membership');
    expect(expectType<MembershipResult>(await changeRole(owner.token, owner.membershipId, 'ADMIN'), 'Membership').role).toBe('ADMIN');
  });

  it('keeps an ADMIN away from owners and from granting OWNER', async () => {
    const { owner, admin, editor } = await team();
    expectType(await changeRole(admin.token, owner.membershipId, 'VIEWER'), 'ForbiddenError');
    expectType(await changeRole(admin.token, editor.membershipId, 'OWNER'), 'ForbiddenError');
    expectType(await changeRole(admin.token, admin.membershipId, 'OWNER'), 'ForbiddenError');
    const roles = (await readTenant(owner.token)).members.edges.map((e) => e.node.role);
    expect(roles).toEqual(['OWNER', 'ADMIN', 'EDITOR', 'VIEWER']);
  });

  it('takes effect on the member’s very next request', async () => {
    const { admin, editor, viewer } = await team();
    await expectForbidden(UPDATE_TENANT, { name: 'Viewer rename' }, viewer.token);
    expect(expectType<MembershipResult>(await changeRole(admin.token, viewer.membershipId, 'ADMIN'), 'Membership').role).toBe('ADMIN');
    expectType(await mutate('updateTenant', UPDATE_TENANT, { name: 'Viewer rename' }, viewer.token), 'Tenant');
    expectType(await changeRole(admin.token, editor.membershipId, 'VIEWER'), 'Membership');
    await expectForbidden(ADD_MEMBER, { email: uniqueEmail(), role: 'VIEWER' }, editor.token);
  });

  it('answers NotFoundError for a membership of another workspace', async () => {
    const mine = await team();
    const theirs = await team();
    expectType(await changeRole(mine.owner.token, theirs.editor.membershipId, 'VIEWER'), 'NotFoundError');
    expect((await readTenant(theirs.owner.token)).members.edges[2]?.node.role).toBe('EDITOR');
    await expectForbidden(CHANGE_ROLE, { id: mine.viewer.membershipId, role: 'ADMIN' }, mine.editor.token);
  });
});

describe('removeMember', () => {
  it('lets a member leave, and their tokens for that workspace stop working', async () => {
    const { viewer, owner } = await team();
    const left = await removeMember(viewer.token, viewer.membershipId);
    expect(left).toEqual({ __typename: 'MutationRemoveMemberSuccess', data: viewer.membershipId });
    expect(await whoAmI(app, viewer.token)).toBeNull();
    expectType(await refresh(app, viewer.refreshToken), 'AuthenticationError');
    expectType(await login(app, viewer.user.email, viewer.user.password, owner.user.tenantId), 'AuthenticationError');
    // Their own workspace is unaffected.
    expect(await whoAmI(app, viewer.user.accessToken)).toBe(viewer.user.email);
    expect((await readTenant(owner.token)).members.edges).toHaveLength(3);
  });

  it('keeps the last OWNER from leaving, but not an owner with a co-owner', async () => {
    const { owner, admin } = await team();
    expect(expectType(await removeMember(owner.token, owner.membershipId), 'ConflictError').code).toBe('CONFLICT');
    expectType(await changeRole(owner.token, admin.membershipId, 'OWNER'), 'Membership');
    expect((await removeMember(owner.token, owner.membershipId)).__typename).toBe('MutationRemoveMemberSuccess');
    expect(await whoAmI(app, owner.token)).toBeNull();
    expect((await readTenant(admin.token)).members.edges.map((e) => e.node.role)).toEqual(['OWNER', 'EDITOR', 'VIEWER']);
  });

  it('lets an ADMIN remove an EDITOR, whose access to the workspace ends at once', async () => {
    const { admin, editor } = await team();
    expect((await removeMember(admin.token, editor.membershipId)).__typename).toBe('MutationRemoveMemberSuccess');
    const res = await app.gql(TENANT, {}, editor.token);
    expect(res.data ?? null).toBeNull();
    expect(errorCode(res)).toBe('UNAUTHENTICATED');
    expectType(await refresh(app, editor.refreshToken), 'AuthenticationError');
    expect(await whoAmI(app, editor.user.accessToken)).toBe(editor.user.email);
  });

  it('refuses an ADMIN removing an OWNER and an EDITOR removing anyone', async () => {
    const { owner, admin, editor, viewer } = await team();
    expectType(await removeMember(admin.token, owner.membershipId), 'ForbiddenError');
    for (const target of [viewer, admin]) expectType(await removeMember(editor.token, target.membershipId), 'ForbiddenError');
    expect((await readTenant(owner.token)).members.edges).toHaveLength(4);
    const stranger = await team();
    expectType(await removeMember(owner.token, stranger.viewer.membershipId), 'NotFoundError');
    expect(await whoAmI(app, stranger.viewer.token)).toBe(stranger.viewer.user.email);
  });

  it('answers NotFoundError for a membership id that cannot exist', async () => {
    const { owner } = await team();
    for (const id of [globalId('Membership', 'not-a-uuid'), globalId('Membership', '00000000-0000-0000-0000-000000000000')]) {
      expectType(await removeMember(owner.token, id), 'NotFoundError');
      expectType(await changeRole(owner.token, id, 'VIEWER'), 'NotFoundError');
      expectType(await setPermissions(owner.token, id, { canUpload: false }), 'NotFoundError');
    }
  });
});

describe('setMemberPermissions', () => {
  it('changes only the flags given', async () => {
    const { admin, editor } = await team();
    const result = expectType<MembershipResult>(
      await setPermissions(admin.token, editor.membershipId, { canUpload: false, canExportData: false, canTranscribe: null }),
      'Membership',
    );
    expect(result.permissions).toEqual({
      canTranscribe: true,
      canProcessVideo: true,
      canUpload: false,
      canManageTemplates: true,
      canDeleteRecordings: true,
      canManageCredentials: true,
      canExportData: false,
    });
    const stored = await prisma.membership.findUniqueOrThrow({ where: { id: rawId(editor.membershipId) } });
    expect([stored.canUpload, stored.canExportData, stored.canTranscribe]).toEqual([false, false, true]);
  });

  it('keeps an ADMIN off owners and refuses EDITOR and VIEWER', async () => {
    const { owner, admin, editor, viewer } = await team();
    expectType(await setPermissions(admin.token, owner.membershipId, { canUpload: false }), 'ForbiddenError');
    for (const member of [editor, viewer]) {
      await expectForbidden(SET_PERMISSIONS, { id: editor.membershipId, permissions: { canUpload: false } }, member.token);
    }
    const stored = await prisma.membership.findMany({ where: { tenantId: rawId(owner.user.tenantId) } });
    expect(stored.every((m) => m.canUpload)).toBe(true);
  });
});

describe('VIEWER', () => {
  it('reads the workspace but changes nothing in it', async () => {
    const { viewer, editor, tenantId } = await team();
    const view = await readTenant(viewer.token);
    expect(view.id).toBe(tenantId);
    expect(view.members.edges).toHaveLength(4);
    const templates = await app.gql<{ templates: { edges: unknown[] } }>(TEMPLATES, {}, viewer.token);
    expect(field(templates, 'templates').edges).toHaveLength(1);

    await expectForbidden(UPDATE_TENANT, { name: 'Viewer was here' }, viewer.token);
    await expectForbidden(ADD_MEMBER, { email: uniqueEmail(), role: 'VIEWER' }, viewer.token);
    await expectForbidden(CHANGE_ROLE, { id: viewer.membershipId, role: 'ADMIN' }, viewer.token);
    await expectForbidden(SET_PERMISSIONS, { id: viewer.membershipId, permissions: { canUpload: true } }, viewer.token);
    expectType(await removeMember(viewer.token, editor.membershipId), 'ForbiddenError');
    expect((await readTenant(viewer.token)).name).toBe(view.name);
  });
});
