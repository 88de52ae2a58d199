import { PrismaPg } from '@prisma/adapter-pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { config } from '../../src/config.js';
import { PrismaClient } from '../../src/generated/prisma/client.js';
import { rawId, registerUser, startTestApp, type RegisteredUser, type TestApp } from '../support/app.js';

// SPEC §11: listing 50 recordings with their nested steps, targets and template takes at most four
// SQL statements, however many recordings there are (no N+1). Counted from Prisma's query events.

const LIST = /* GraphQL */ `
  query List($first: Int) {
    recordings(first: $first) {
      edges { node { id displayName status template { name } latestRun { status steps { stage status progress } } outputTargets { status url preset { name } } } }
      pageInfo { hasNextPage }
    }
  }
`;
type ListResult = { recordings: { edges: Array<{ node: { latestRun: { steps: unknown[] } | null; outputTargets: unknown[]; template: { name: string } | null } }> } };

const statements: string[] = [];
const counted = new PrismaClient({ adapter: new PrismaPg({ connectionString: config.databaseUrl }), log: [{ emit: 'event', level: 'query' }] });
counted.$on('query', (event) => statements.push(event.query));

let app: TestApp;
let owner: RegisteredUser;

async function statementsOf(query: string, variables: Record<string, unknown> = {}) {
  statements.length = 0;
  const res = await app.gql<ListResult>(query, variables, owner.accessToken);
  expect(res.errors).toBeUndefined();
  return { res, statements: [...statements] };
}

beforeAll(async () => {
  app = await startTestApp({ prisma: counted });
  owner = await registerUser(app);
  const tenantId = rawId(owner.tenantId);
  const template = await counted.template.findFirstOrThrow({ where: { tenantId, isDefault: true } });
  const preset = await counted.outputPreset.create({ data: { tenantId, name: 'Archive', platform: 'S3_EXPORT' } });
  for (let i = 0; i < 60; i += 1) {
    const recording = await counted.recording.create({ data: { tenantId, displayName: `Lecture ${i}`, sourceType: 'LOCAL', status: 'PROCESSING', templateId: template.id } });
    await counted.pipelineRun.create({
      data: {
        tenantId,
        recordingId: recording.id,
        status: 'RUNNING',
        steps: { create: ['TRIM', 'TRANSCRIBE', 'TOPICS'].map((stage) => ({ tenantId, stage: stage as 'TRIM', status: 'PENDING' })) },
      },
    });
    await counted.outputTarget.create({ data: { tenantId, recordingId: recording.id, presetId: preset.id, platform: 'S3_EXPORT' } });
  }
});
afterAll(async () => {
  await app.close();
  await counted.$disconnect();
});

describe('listing recordings', () => {
  it('takes at most four statements for 50 recordings with steps, targets and template, beyond authentication', async () => {
    const auth = await statementsOf('{ __typename }');
    const { res, statements: listing } = await statementsOf(LIST, { first: 50 });
    const nodes = res.data?.recordings.edges.map((e) => e.node) ?? [];
    expect(nodes).toHaveLength(50);
    expect(nodes.every((n) => n.latestRun?.steps.length === 3 && n.outputTargets.length === 1 && n.template?.name)).toBe(true);
    // The viewer lookup (and any other per-request statement) is what an empty query costs.
    expect(listing.length - auth.statements.length, listing.join('\n')).toBeLessThanOrEqual(4);
  });

  it('costs the same for 10 recordings as for 50', async () => {
    const ten = await statementsOf(LIST, { first: 10 });
    const fifty = await statementsOf(LIST, { first: 50 });
    expect(fifty.statements.length).toBe(ten.statements.length);
  });
});
