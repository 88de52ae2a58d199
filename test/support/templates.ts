import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import type { Prisma } from '../../src/generated/prisma/client.js';
import { prisma } from '../../src/lib/db.js';
import { rawId, registerUser, type RegisteredUser, type TestApp } from './app.js';

// Helpers of the template, preset, configuration and metadata tests.

export const ERROR_FIELDS = '__typename ... on Error { code message } ... on ValidationError { issues { path message } }';
/** For fields whose result union has QuotaExceededError. */
export const QUOTA_FIELDS = '... on QuotaExceededError { quota limit used }';

export interface ErrorResult {
  __typename: string;
  code?: string;
  message?: string;
  issues?: Array<{ path: string; message: string }>;
  quota?: string;
  limit?: number;
  used?: number;
}

/** Runs an operation that must not fail at the GraphQL level and returns its data. */
export async function ok<T>(app: TestApp, query: string, variables: Record<string, unknown>, token: string): Promise<T> {
  const res = await app.gql<T>(query, variables, token);
  expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
  return res.data as T;
}

export const globalId = (type: string, id: string) => Buffer.from(`${type}:${id}`).toString('base64');

export async function recordingOf(user: RegisteredUser, data: Partial<Prisma.RecordingUncheckedCreateInput> & { displayName: string }) {
  return prisma.recording.create({ data: { tenantId: rawId(user.tenantId), sourceType: 'ZOOM', status: 'SKIPPED', ...data } });
}

export async function credentialOf(user: RegisteredUser, platform: Prisma.CredentialUncheckedCreateInput['platform'], accountName = `acc-${randomUUID().slice(0, 6)}`) {
  return prisma.credential.create({
    data: { tenantId: rawId(user.tenantId), platform, accountName, secret: Buffer.from('not a real secret'), keyVersion: 1 },
  });
}

export async function sourceOf(user: RegisteredUser, name = `source-${randomUUID().slice(0, 6)}`) {
  return prisma.inputSource.create({ data: { tenantId: rawId(user.tenantId), name, type: 'ZOOM' } });
}

/** A second member of `owner`'s workspace with the given role and permissions, signed in there. */
export async function memberOf(app: TestApp, owner: RegisteredUser, membership: Partial<Prisma.MembershipUncheckedCreateInput>): Promise<RegisteredUser> {
  const user = await registerUser(app);
  await prisma.membership.create({ data: { tenantId: rawId(owner.tenantId), userId: rawId(user.userId), role: 'EDITOR', ...membership } });
  const res = await app.gql<{ login: { accessToken: string } }>(
    'mutation($input: LoginInput!) { login(input: $input) { ... on AuthPayload { accessToken } } }',
    { input: { email: user.email, password: user.password, tenantId: owner.tenantId } },
  );
  const accessToken = res.data?.login.accessToken;
  if (!accessToken) throw new Error(`login failed: ${JSON.stringify(res)}`);
  return { ...user, accessToken, tenantId: owner.tenantId };
}

/** Every template, preset and recording row of a tenant, to show that nothing changed. */
export async function tenantRows(user: RegisteredUser) {
  const tenantId = rawId(user.tenantId);
  const [templates, presets, recordings, jobs] = await Promise.all([
    prisma.template.findMany({ where: { tenantId }, orderBy: { id: 'asc' } }),
    prisma.outputPreset.findMany({ where: { tenantId }, orderBy: { id: 'asc' } }),
    prisma.recording.findMany({ where: { tenantId }, orderBy: { id: 'asc' } }),
    prisma.automationJob.findMany({ where: { tenantId }, orderBy: { id: 'asc' } }),
  ]);
  return { templates, presets, recordings, jobs };
}
