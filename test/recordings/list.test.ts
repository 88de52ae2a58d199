import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prisma } from '../../src/lib/db.js';
import { rawId, registerUser, startTestApp, type RegisteredUser, type TestApp } from '../support/app.js';

let app: TestApp;
let owner: RegisteredUser;

const LIST = /* GraphQL */ `
  query List($filter: RecordingFilter, $first: Int, $after: String) {
    recordings(filter: $filter, first: $first, after: $after) {
      edges { node { id displayName status failed template { name } } }
      pageInfo { hasNextPage endCursor }
    }
  }
`;
type ListResult = {
  recordings: {
    edges: Array<{ node: { id: string; displayName: string; status: string; failed: boolean; template: { name: string } | null } }>;
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
  };
};

beforeAll(async () => {
  app = await startTestApp();
  owner = await registerUser(app);
  const tenantId = rawId(owner.tenantId);
  const template = await prisma.template.findFirstOrThrow({ where: { tenantId, isDefault: true } });
  const rows = [
    { displayName: 'Algebra 1', status: 'READY', templateId: template.id, startTime: new Date('2026-03-01T10:00:00Z') },
    { displayName: 'Algebra 2', status: 'PROCESSED', failed: true, startTime: new Date('2026-03-08T10:00:00Z') },
    { displayName: 'Physics', status: 'INITIALIZED', startTime: new Date('2026-04-01T10:00:00Z') },
    { displayName: 'Blank call', status: 'SKIPPED', isBlank: true },
    { displayName: 'Old lecture', status: 'READY', deleteState: 'SOFT', deletedAt: new Date() },
  ] as const;
  for (const [i, row] of rows.entries()) {
    await prisma.recording.create({
      data: { ...row, tenantId, sourceType: 'LOCAL', createdAt: new Date(Date.UTC(2026, 0, 1, 0, i)) },
    });
  }
});
afterAll(() => app.close());

const names = (res: { data?: ListResult }) => res.data?.recordings.edges.map((e) => e.node.displayName);

describe('recordings list', () => {
  it('lists newest first, hiding blank and deleted recordings by default', async () => {
    const res = await app.gql<ListResult>(LIST, {}, owner.accessToken);
    expect(names(res)).toEqual(['Physics', 'Algebra 2', 'Algebra 1']);
  });

  it('filters by search, status, failure, template, time range, blank and deleted', async () => {
    const list = async (filter: Record<string, unknown>) => names(await app.gql<ListResult>(LIST, { filter }, owner.accessToken));
    expect(await list({ search: 'algebra' })).toEqual(['Algebra 2', 'Algebra 1']);
    expect(await list({ statuses: ['READY', 'INITIALIZED'] })).toEqual(['Physics', 'Algebra 1']);
    expect(await list({ failed: true })).toEqual(['Algebra 2']);
    expect(await list({ from: '2026-03-05T00:00:00Z', to: '2026-04-01T10:00:00Z' })).toEqual(['Algebra 2']);
    expect(await list({ includeBlank: true })).toContain('Blank call');
    expect(await list({ includeDeleted: true })).toContain('Old lecture');
    const withTemplate = await app.gql<ListResult>(LIST, {}, owner.accessToken);
    const algebra1 = withTemplate.data?.recordings.edges.find((e) => e.node.displayName === 'Algebra 1');
    expect(algebra1?.node.template?.name).toBe('Default');
  });

  it('pages with Relay cursors', async () => {
    const first = await app.gql<ListResult>(LIST, { first: 2 }, owner.accessToken);
    expect(names(first)).toEqual(['Physics', 'Algebra 2']);
    expect(first.data?.recordings.pageInfo.hasNextPage).toBe(true);
    const next = await app.gql<ListResult>(LIST, { first: 2, after: first.data?.recordings.pageInfo.endCursor }, owner.accessToken);
    expect(names(next)).toEqual(['Algebra 1']);
    expect(next.data?.recordings.pageInfo.hasNextPage).toBe(false);
  });

  it('fetches one recording by global id and answers null for another tenant', async () => {
    const list = await app.gql<ListResult>(LIST, {}, owner.accessToken);
    const id = list.data?.recordings.edges[0]?.node.id;
    const one = await app.gql<{ recording: { displayName: string } | null }>(
      'query One($id: ID!) { recording(id: $id) { displayName } }', { id }, owner.accessToken);
    expect(one.data?.recording?.displayName).toBe('Physics');
    const stranger = await registerUser(app);
    const theirs = await app.gql<{ recording: unknown }>('query One($id: ID!) { recording(id: $id) { displayName } }', { id }, stranger.accessToken);
    expect(theirs.data?.recording).toBeNull();
    const strangerList = await app.gql<ListResult>(LIST, {}, stranger.accessToken);
    expect(names(strangerList)).toEqual([]);
  });
});
