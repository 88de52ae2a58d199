import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { isObjectType, type GraphQLSchema } from 'graphql';
import { getDatamodel } from '../../src/generated/pothos-types.js';
import { prisma } from '../../src/lib/db.js';
import { REGISTER, type TestApp } from './app.js';

// Tenant A of the isolation sweep: a rich workspace, its rows snapshotted straight from the database,
// and a scanner that finds A's ids and distinctive strings in what another tenant gets back.

type Row = Record<string, unknown>;
type Delegate = { findMany(args: object): Promise<Row[]> };

const models = getDatamodel().datamodel.models;
export const tenantOwnedModels = Object.keys(models).filter((name) => models[name]?.fields.some((f) => f.name === 'tenantId'));

function delegate(model: string): Delegate {
  const found = (prisma as unknown as Record<string, Delegate | undefined>)[model.charAt(0).toLowerCase() + model.slice(1)];
  if (!found) throw new Error(`no Prisma delegate for ${model}`);
  return found;
}

function idField(model: string): string {
  return models[model]?.fields.find((f) => f.isId)?.name ?? 'id';
}

export interface Person {
  email: string;
  password: string;
  displayName: string;
  accessToken: string;
  refreshToken: string;
  userId: string;
  tenantId: string;
}

export interface TenantA {
  /** Lower-case token inside every distinctive string of A (names, emails, texts). */
  marker: string;
  owner: Person;
  member: Person;
  /** A's workspace, and the member's own workspace: everything B must not reach. */
  tenantIds: string[];
  userIds: string[];
  file: { key: string; body: string };
}

/** Raw UUID inside a Relay global id. */
export const rawOf = (globalId: string) => Buffer.from(globalId, 'base64').toString('utf8').split(':').slice(1).join(':');
export const globalIdOf = (typename: string, id: string) => Buffer.from(`${typename}:${id}`).toString('base64');

async function register(app: TestApp, marker: string, role: string, tenantName: string): Promise<Person> {
  const person = { email: `${role}-${marker}@alpha.test`, password: `alpha-${role}-${marker}-secret`, displayName: `Alpha ${role} ${marker}` };
  const res = await app.gql<{ register: { __typename: string; accessToken: string; refreshToken: string; user: { id: string }; tenant: { id: string } } }>(
    REGISTER,
    { input: { ...person, tenantName } },
  );
  const payload = res.data?.register;
  if (payload?.__typename !== 'AuthPayload') throw new Error(`register failed: ${JSON.stringify(res)}`);
  return { ...person, ...payload, userId: rawOf(payload.user.id), tenantId: rawOf(payload.tenant.id) };
}

/** Registers A's owner and a second member (through the API), then fills every tenant-owned table. */
export async function setUpTenantA(app: TestApp): Promise<TenantA> {
  const marker = `zq${randomBytes(5).toString('hex')}`;
  const owner = await register(app, marker, 'owner', `Alpha ${marker} Department`);
  const member = await register(app, marker, 'member', `Alpha ${marker} Member Space`);
  const added = await app.gql<{ addMember: { __typename: string } }>(
    'mutation($email: String!) { addMember(email: $email, role: EDITOR) { __typename } }',
    { email: member.email },
    owner.accessToken,
  );
  if (added.data?.addMember.__typename !== 'Membership') throw new Error(`addMember failed: ${JSON.stringify(added)}`);
  // The member also works in A, so A has two users with sessions there.
  const switched = await app.gql<{ switchTenant: { accessToken: string; refreshToken: string } }>(
    'mutation($id: ID!) { switchTenant(tenantId: $id) { ... on AuthPayload { accessToken refreshToken } } }',
    { id: globalIdOf('Tenant', owner.tenantId) },
    member.accessToken,
  );
  const memberInA = { ...member, ...switched.data?.switchTenant, tenantId: owner.tenantId };
  const recordingId = await seedRows(owner.tenantId, owner.userId, `Alpha ${marker}`);
  const file = { key: `tenants/${owner.tenantId}/recordings/${recordingId}/source.mp4`, body: `A's lecture ${marker}` };
  await app.services.storage.put(file.key, Readable.from([file.body]));
  return { marker, owner, member: memberInA, tenantIds: [owner.tenantId, member.tenantId], userIds: [owner.userId, member.userId], file };
}

/** One row in every tenant-owned table the API does not fill by itself. */
async function seedRows(tenantId: string, userId: string, tag: string): Promise<string> {
  const credential = await prisma.credential.create({
    data: { tenantId, platform: 'YOUTUBE', accountName: `${tag} channel`, secret: Buffer.from('sealed'), keyVersion: 1 },
  });
  const source = await prisma.inputSource.create({ data: { tenantId, name: `${tag} zoom`, type: 'ZOOM', credentialId: credential.id } });
  const preset = await prisma.outputPreset.create({ data: { tenantId, name: `${tag} preset`, platform: 'YOUTUBE', credentialId: credential.id } });
  const template = await prisma.template.create({ data: { tenantId, name: `${tag} template`, matchingRules: { keywords: [`${tag} keyword`] } } });
  const recording = await prisma.recording.create({
    data: { tenantId, inputSourceId: source.id, templateId: template.id, displayName: `${tag} lecture`, sourceType: 'ZOOM', sourceKey: `${tag} meeting`, startTime: new Date('2024-01-01'),
      // A live public link: B must be able neither to revoke it nor to replace it.
      shareToken: createHash('sha256').update(`${tag} share token`).digest('hex'), shareExpiresAt: new Date(Date.now() + 86_400_000) },
  });
  const run = await prisma.pipelineRun.create({ data: { tenantId, recordingId: recording.id, createdById: userId } });
  await prisma.pipelineStep.create({ data: { tenantId, runId: run.id, stage: 'DOWNLOAD', message: `${tag} step` } });
  await prisma.outputTarget.create({ data: { tenantId, recordingId: recording.id, presetId: preset.id, platform: 'YOUTUBE', url: `https://example.test/${tag}` } });
  await prisma.topicVersion.create({ data: { tenantId, recordingId: recording.id, version: 1, provider: 'local', summary: `${tag} summary` } });
  await prisma.thumbnail.create({
    data: { tenantId, name: `${tag.replaceAll(' ', '_')}_thumbnail`, storageKey: `tenants/${tenantId}/thumbnails/poster.jpg`, contentType: 'image/jpeg', sizeBytes: 1, width: 1, height: 1 },
  });
  const job = await prisma.automationJob.create({ data: { tenantId, name: `${tag} nightly`, templateIds: [template.id], schedule: { type: 'hours', hours: 24 } } });
  await prisma.automationRun.create({ data: { tenantId, jobId: job.id, trigger: 'MANUAL' } });
  await prisma.usageCounter.create({ data: { tenantId, period: 202401, recordings: 1 } });
  await prisma.usageEvent.create({ data: { tenantId, type: 'RECORDING_CREATED', recordingId: recording.id } });
  await prisma.quotaOverride.create({ data: { tenantId, recordingsPerMonth: 7, notes: `${tag} override` } });
  return recording.id;
}

// ───────────────────────────── snapshot ─────────────────────────────

export type Snapshot = Record<string, Row[]>;

/**
 * Every row of A: all tenant-owned tables, the tenants, their plans, A's users with all their
 * sessions, refresh tokens and memberships (wherever they are).
 */
export async function snapshotOf(a: TenantA): Promise<Snapshot> {
  const inTenants = { in: a.tenantIds };
  const ofUsers = { in: a.userIds };
  const snapshot: Snapshot = {};
  for (const model of tenantOwnedModels) {
    snapshot[model] = await delegate(model).findMany({ where: { tenantId: inTenants }, orderBy: { [idField(model)]: 'asc' } });
  }
  snapshot.Tenant = await prisma.tenant.findMany({ where: { id: inTenants }, orderBy: { id: 'asc' } });
  const planIds = snapshot.Tenant.flatMap((t) => (typeof t.planId === 'string' ? [t.planId] : []));
  snapshot.Plan = await prisma.plan.findMany({ where: { id: { in: planIds } }, orderBy: { id: 'asc' } });
  snapshot.User = await prisma.user.findMany({ where: { id: ofUsers }, orderBy: { id: 'asc' } });
  snapshot['AuthSession of A users'] = await prisma.authSession.findMany({ where: { userId: ofUsers }, orderBy: { id: 'asc' } });
  snapshot['Membership of A users'] = await prisma.membership.findMany({ where: { userId: ofUsers }, orderBy: { id: 'asc' } });
  snapshot.RefreshToken = await prisma.refreshToken.findMany({
    where: { session: { OR: [{ userId: ofUsers }, { tenantId: inTenants }] } },
    orderBy: { id: 'asc' },
  });
  return snapshot;
}

/** Prisma model name → GraphQL type name, from the prisma plugin's type extensions. */
export function graphqlTypesByModel(schema: GraphQLSchema): Map<string, string> {
  const map = new Map<string, string>();
  for (const type of Object.values(schema.getTypeMap())) {
    const model = isObjectType(type) ? type.extensions.pothosPrismaModel : undefined;
    if (typeof model === 'string') map.set(model, type.name);
  }
  return map;
}

/** Raw ids of every snapshot row, and the global ids of those whose model is a GraphQL type. */
export function idsOf(snapshot: Snapshot, typesByModel: Map<string, string>): { rawIds: string[]; globalIds: string[] } {
  const raw = new Set<string>();
  const global = new Set<string>();
  for (const [key, rows] of Object.entries(snapshot)) {
    const model = key.split(' ')[0] ?? key;
    for (const row of rows) {
      const id = row[idField(model)];
      if (typeof id !== 'string') continue;
      raw.add(id.toLowerCase());
      const typename = typesByModel.get(model);
      if (typename) global.add(globalIdOf(typename, id));
    }
  }
  return { rawIds: [...raw], globalIds: [...global] };
}

/** Every string in the snapshot that contains the marker (names, emails, texts, JSON leaves). */
export function distinctiveStrings(snapshot: Snapshot, marker: string): string[] {
  const found = new Set<string>();
  const visit = (value: unknown): void => {
    if (typeof value === 'string') {
      if (value.toLowerCase().includes(marker)) found.add(value);
    } else if (Array.isArray(value)) value.forEach(visit);
    else if (value && typeof value === 'object' && !(value instanceof Date) && !(value instanceof Uint8Array)) {
      Object.values(value).forEach(visit);
    }
  };
  visit(snapshot);
  return [...found].sort((x, y) => y.length - x.length);
}

// ───────────────────────────── leak scanner ─────────────────────────────

export interface Exposure {
  rawIds: string[];
  /** A's access and refresh tokens. */
  tokens: string[];
  marker: string;
  /** From `distinctiveStrings`. */
  strings: string[];
}

export interface Allowance {
  /** Strings B itself supplied (a name it chose may come back in its own objects and messages). */
  supplied: Set<string>;
  /** A's users who now share a workspace with B: their user ids and emails/names may appear as data. */
  coMemberIds: Set<string>;
  coMemberStrings: Set<string>;
}

/** Runs that may be base64 (Relay global ids, cursors), also inside longer texts. */
const BASE64_RUN = /[A-Za-z0-9+/_-]{12,}={0,2}/g;

function decodedRuns(value: string): string {
  return (value.match(BASE64_RUN) ?? []).map((run) => Buffer.from(run, 'base64').toString('utf8').toLowerCase()).join(' ');
}

/** Paths and values where A's data shows up. Error texts (`errors`, `message`) get no allowance for co-members. */
export function findLeaks(response: unknown, exposure: Exposure, allowance: Allowance): string[] {
  const leaks: string[] = [];
  const visit = (value: unknown, path: string, strict: boolean): void => {
    if (typeof value === 'string') {
      const problem = leakIn(value, strict, exposure, allowance);
      if (problem) leaks.push(`${path} = ${JSON.stringify(value)} (${problem})`);
    } else if (Array.isArray(value)) value.forEach((item, i) => visit(item, `${path}[${i}]`, strict));
    else if (value && typeof value === 'object') {
      for (const [key, item] of Object.entries(value)) visit(item, `${path}.${key}`, strict || key === 'errors' || key === 'message');
    }
  };
  visit(response, '$', false);
  return leaks;
}

function leakIn(value: string, strict: boolean, exposure: Exposure, allowance: Allowance): string | null {
  if (exposure.tokens.some((token) => value.includes(token))) return "A's token";
  const lower = value.toLowerCase();
  const decoded = decodedRuns(value);
  for (const id of exposure.rawIds) {
    if ((lower.includes(id) || decoded.includes(id)) && (strict || !allowance.coMemberIds.has(id))) return `A's id ${id}`;
  }
  const allowed = (s: string) => allowance.supplied.has(s) || (!strict && allowance.coMemberStrings.has(s));
  const whole = exposure.strings.find((s) => value.includes(s) && !allowed(s));
  if (whole) return `A's string ${JSON.stringify(whole)}`;
  let rest = lower;
  for (const s of [...allowance.supplied, ...(strict ? [] : allowance.coMemberStrings)]) rest = rest.split(s.toLowerCase()).join('');
  return rest.includes(exposure.marker) || decoded.includes(exposure.marker) ? "A's marker" : null;
}
