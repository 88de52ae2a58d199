import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prisma } from '../../src/lib/db.js';
import { freshLoopbackAddress, gqlFrom } from '../support/auth.js';
import { globalIdOf } from '../support/isolation.js';
import { rawId, registerUser, startTestApp, type RegisteredUser, type TestApp } from '../support/app.js';
import { makePublishMedia, publishableRecording, SUBTITLES_SRT, type PublishMedia } from '../support/publishing.js';

const SHARE = `mutation($id: ID!, $days: Int) { shareRecording(id: $id, expiresInDays: $days) {
  __typename ... on RecordingShare { token expiresAt recording { id shareExpiresAt } } ... on Error { code message } } }`;
const UNSHARE = 'mutation($id: ID!) { unshareRecording(id: $id) { __typename ... on Recording { shareExpiresAt } ... on Error { code } } }';
const SHARED = `query($token: String!) { sharedRecording(token: $token) {
  title recordedAt durationSec summary mainTopic topics { title startSec } questions description expiresAt files { kind name url expiresAt } } }`;

interface ShareResult {
  __typename: string;
  token: string;
  expiresAt: string;
  recording: { id: string; shareExpiresAt: string };
  code?: string;
}
interface SharedView {
  title: string;
  summary: string;
  mainTopic: string;
  topics: Array<{ title: string; startSec: number | null }>;
  questions: string[];
  description: string;
  expiresAt: string;
  files: Array<{ kind: string; name: string; url: string; expiresAt: string }>;
}

let app: TestApp;
let owner: RegisteredUser;
let other: RegisteredUser;
let media: PublishMedia;

beforeAll(async () => {
  media = await makePublishMedia();
  app = await startTestApp();
  [owner, other] = await Promise.all([registerUser(app), registerUser(app)]);
}, 120_000);
afterAll(async () => {
  await app.close();
  await media.cleanup();
});

async function lecture(user = owner) {
  const recording = await publishableRecording(app.services.storage, rawId(user.tenantId), media);
  await prisma.topicVersion.updateMany({ where: { recordingId: recording.id }, data: { questions: ['Что такое ранг?', 'Зачем определитель?'] } });
  return { ...recording, globalId: globalIdOf('Recording', recording.id) };
}
const share = async (id: string, token = owner.accessToken, days?: number) => (await app.gql<{ shareRecording: ShareResult }>(SHARE, { id, days }, token)).data?.shareRecording;
/** Anonymous, as a visitor of the public page. */
const view = async (token: string) => {
  const res = await app.gql<{ sharedRecording: SharedView | null }>(SHARED, { token });
  expect(res.errors).toBeUndefined();
  return res.data?.sharedRecording ?? null;
};
const download = async (url: string) => Buffer.from(await (await fetch(new URL(url, app.url))).arrayBuffer());

describe('public share links', () => {
  it('shares a recording read-only to anyone with the token, with working file links', async () => {
    const recording = await lecture();
    const shared = await share(recording.globalId, owner.accessToken, 7);
    expect(shared?.__typename).toBe('RecordingShare');
    const token = shared!.token;
    // 32 random bytes in base64url; the database keeps only the SHA-256 of it.
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const row = await prisma.recording.findUniqueOrThrow({ where: { id: recording.id } });
    expect(row.shareToken).toBe(createHash('sha256').update(token).digest('hex'));
    expect(row.shareToken).not.toContain(token);
    const days = (new Date(shared!.expiresAt).getTime() - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(6.99);
    expect(days).toBeLessThanOrEqual(7);
    expect(shared!.recording.shareExpiresAt).toBe(shared!.expiresAt);

    const page = await view(token);
    expect(page).toMatchObject({
      title: 'Линейная алгебра: лекция 3',
      summary: 'Матрицы и определители.',
      mainTopic: 'Матрицы',
      questions: ['Что такое ранг?', 'Зачем определитель?'],
      expiresAt: shared!.expiresAt,
    });
    expect(page?.topics.map((t) => t.title)).toEqual(['Введение', 'Определители', 'Слишком близко', 'Ранг матрицы']);
    expect(page?.topics[1]?.startSec).toBe(30);
    // No description template: summary, topics and questions, rendered by the metadata module.
    expect(page?.description).toContain('Матрицы и определители.');
    expect(page?.description).toContain('00:00:30 — Определители');
    expect(page?.files.map((f) => f.kind).sort()).toEqual(['POSTER', 'SUBTITLES_SRT', 'SUBTITLES_VTT', 'VIDEO']);
    const file = (kind: string) => page!.files.find((f) => f.kind === kind)!;
    expect((await download(file('VIDEO').url)).equals(media.video)).toBe(true);
    expect((await download(file('SUBTITLES_SRT').url)).toString('utf8')).toBe(SUBTITLES_SRT);
    expect(new Date(file('VIDEO').expiresAt).getTime()).toBeLessThanOrEqual(new Date(shared!.expiresAt).getTime());
    // Beyond the signed file links (whose storage keys hold ids), the view carries nothing internal.
    const withoutLinks = JSON.stringify({ ...page, files: page?.files.map((f) => f.kind) });
    expect(withoutLinks).not.toContain(recording.id);
    expect(withoutLinks).not.toContain(rawId(owner.tenantId));
  });

  it('answers null alike for unknown, rotated, revoked, expired and deleted links', async () => {
    const recording = await lecture();
    const first = (await share(recording.globalId))!.token;
    const second = (await share(recording.globalId))!.token;
    expect(second).not.toBe(first);
    expect(await view(first)).toBeNull(); // a new link replaces the old one
    expect(await view(second)).not.toBeNull();
    expect(await view('x'.repeat(43))).toBeNull();
    expect(await view('')).toBeNull();
    expect(await view(`${second}=`)).toBeNull();

    const revoked = await app.gql<{ unshareRecording: { __typename: string; shareExpiresAt: string | null } }>(UNSHARE, { id: recording.globalId }, owner.accessToken);
    expect(revoked.data?.unshareRecording).toEqual({ __typename: 'Recording', shareExpiresAt: null });
    expect(await view(second)).toBeNull();

    const third = (await share(recording.globalId))!.token;
    await prisma.recording.update({ where: { id: recording.id }, data: { shareExpiresAt: new Date(Date.now() - 1000) } });
    expect(await view(third)).toBeNull();

    const fourth = (await share(recording.globalId))!.token;
    await prisma.recording.update({ where: { id: recording.id }, data: { deleteState: 'SOFT', deletedAt: new Date() } });
    expect(await view(fourth)).toBeNull();
    expect((await share(recording.globalId))?.__typename).toBe('NotFoundError'); // a deleted recording cannot be shared
  });

  it("refuses other workspaces' recordings and bad lifetimes", async () => {
    const recording = await lecture();
    expect((await share(recording.globalId, other.accessToken))?.__typename).toBe('NotFoundError');
    const revoke = await app.gql<{ unshareRecording: { __typename: string } }>(UNSHARE, { id: recording.globalId }, other.accessToken);
    expect(revoke.data?.unshareRecording.__typename).toBe('NotFoundError');
    for (const days of [0, 366]) expect((await share(recording.globalId, owner.accessToken, days))?.__typename).toBe('ValidationError');
    expect((await prisma.recording.findUniqueOrThrow({ where: { id: recording.id } })).shareToken).toBeNull();
    const anonymous = await app.gql(SHARE, { id: recording.globalId });
    expect(anonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('rate-limits anonymous lookups per IP like every public operation', async () => {
    const limited = await startTestApp({ rateLimits: { perMinute: 3, perHour: 100 } });
    try {
      const ip = freshLoopbackAddress();
      const codes: Array<unknown> = [];
      for (let i = 0; i < 5; i += 1) {
        const res = await gqlFrom(limited, ip, SHARED, { token: 'y'.repeat(43) });
        codes.push(res.status === 429 ? res.body.errors?.[0]?.extensions?.code : 'ok');
      }
      expect(codes).toEqual(['ok', 'ok', 'ok', 'RATE_LIMITED', 'RATE_LIMITED']);
    } finally {
      await limited.close();
    }
  });
});
