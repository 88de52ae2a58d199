import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prisma } from '../../src/lib/db.js';
import { rawId, registerUser, startTestApp, type RegisteredUser, type TestApp } from '../support/app.js';

let app: TestApp;
let admin: RegisteredUser;
let member: RegisteredUser;

beforeAll(async () => {
  app = await startTestApp();
  [admin, member] = [await registerUser(app), await registerUser(app)];
  await prisma.user.update({ where: { id: rawId(admin.userId) }, data: { isSuperadmin: true } });
});
afterAll(() => app.close());

const QUEUES = '{ jobQueues { name isPaused counts { waiting active delayed prioritized completed failed } } }';
const PAUSE = 'mutation($name: QueueName!) { pauseJobQueue(name: $name) { name isPaused } }';
const RESUME = 'mutation($name: QueueName!) { resumeJobQueue(name: $name) { name isPaused } }';

describe('job queues (platform admins)', () => {
  it('lists every queue with its counts', async () => {
    const res = await app.gql<{ jobQueues: Array<{ name: string; isPaused: boolean; counts: Record<string, number> }> }>(QUEUES, {}, admin.accessToken);
    expect(res.errors).toBeUndefined();
    expect(res.data?.jobQueues.map((q) => q.name)).toEqual(['ingest', 'media', 'ai', 'publish', 'maintenance', 'automation']);
    for (const queue of res.data!.jobQueues) expect(Object.values(queue.counts).every((n) => Number.isInteger(n) && n >= 0)).toBe(true);
  });

  it('pauses and resumes a queue', async () => {
    const paused = await app.gql<{ pauseJobQueue: { isPaused: boolean } }>(PAUSE, { name: 'publish' }, admin.accessToken);
    expect(paused.data?.pauseJobQueue).toEqual({ name: 'publish', isPaused: true });
    expect(await app.services.queues.queue('publish').isPaused()).toBe(true);
    const resumed = await app.gql<{ resumeJobQueue: { isPaused: boolean } }>(RESUME, { name: 'publish' }, admin.accessToken);
    expect(resumed.data?.resumeJobQueue).toEqual({ name: 'publish', isPaused: false });
  });

  it('is closed to everyone else, workspace owners included', async () => {
    for (const [query, variables] of [[QUEUES, {}], [PAUSE, { name: 'ai' }]] as const) {
      const res = await app.gql(query, variables, member.accessToken);
      expect(res.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    }
    expect(await app.services.queues.queue('ai').isPaused()).toBe(false);
  });
});

describe('queue dashboard (bull-board) at /admin/queues', () => {
  const base = () => new URL('/admin/queues', app.url).toString();

  it('asks for a token, refuses non-admins, and lets a platform admin in with a cookie scoped to it', async () => {
    expect((await fetch(base())).status).toBe(401);
    expect((await fetch(`${base()}?access_token=${member.accessToken}`, { redirect: 'manual' })).status).toBe(403);
    expect((await fetch(`${base()}?access_token=not-a-token`, { redirect: 'manual' })).status).toBe(401);

    const entry = await fetch(`${base()}?access_token=${admin.accessToken}`, { redirect: 'manual' });
    expect(entry.status).toBe(303);
    expect(entry.headers.get('location')).toBe('/admin/queues/');
    const cookie = entry.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^leap_admin_token=.+; Max-Age=900; Path=\/admin\/queues; .*HttpOnly; SameSite=Strict/);

    const page = await fetch(`${base()}/`, { headers: { cookie: cookie.split(';')[0]! } });
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/<html/i);
    const api = await fetch(`${base()}/api/queues`, { headers: { cookie: cookie.split(';')[0]! } });
    expect(api.status).toBe(200);
    const body = (await api.json()) as { queues: Array<{ name: string }> };
    expect(body.queues.map((q) => q.name).sort()).toEqual(['ai', 'automation', 'ingest', 'maintenance', 'media', 'publish']);
  });
});
