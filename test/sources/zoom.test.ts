import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ConflictError, CredentialError, DomainError, NotFoundError } from '../../src/lib/errors.js';
import { TransientHttpError } from '../../src/platforms/http.js';
import type { SourceAuth } from '../../src/platforms/source-adapter.js';
import { ZoomServerToServerAuth, ZoomUserOAuth } from '../../src/platforms/zoom/auth.js';
import { bestRecordingFile, dateWindows } from '../../src/platforms/zoom/recordings.js';
import { ZoomAdapter } from '../../src/platforms/zoom/zoom-adapter.js';
import { startFakeZoom, type FakeZoom, type ZoomMeetingJson } from '../support/fake-zoom.js';
import { makeLecture } from '../support/ingest.js';

let zoom: FakeZoom;
let dir: string;
let lecture: string;

beforeAll(async () => {
  zoom = await startFakeZoom();
  dir = await mkdtemp(path.join(tmpdir(), 'leap-zoom-'));
  lecture = await makeLecture(dir);
});
afterAll(async () => {
  await zoom.close();
  await rm(dir, { recursive: true, force: true });
});
beforeEach(() => {
  zoom.meetings = [];
  zoom.requests = [];
  zoom.pageSizeCap = 300;
});

const adapterWith = (auth: SourceAuth = new ZoomServerToServerAuth(zoom.app, zoom.oauthBaseUrl, 'cred-1')) =>
  new ZoomAdapter(auth, { apiBaseUrl: zoom.apiBaseUrl, userId: 'me', credentialId: 'cred-1', idleTimeoutMs: 5000, maxBytes: 1024 ** 3 });

function meeting(n: number, start: string, files: ZoomMeetingJson['recording_files'] = []): ZoomMeetingJson {
  return { uuid: `uuid-${n}==`, id: 8000 + n, topic: `Lecture ${n}`, start_time: start, duration: 90, recording_files: files };
}
const mp4 = (id: string, type: string, size: number, status: 'completed' | 'processing' = 'completed') => ({
  id,
  file_type: 'MP4',
  file_extension: 'MP4',
  file_size: size,
  recording_type: type,
  status,
  ...(status === 'completed' ? { download_url: `${zoom.origin}/rec/download/${id}` } : {}),
});

describe('Zoom OAuth', () => {
  it('server-to-server: one account_credentials token, cached, renewed on demand', async () => {
    const auth = new ZoomServerToServerAuth(zoom.app, zoom.oauthBaseUrl);
    const before = zoom.tokensIssued;
    const [a, b] = await Promise.all([auth.accessToken(), auth.accessToken()]);
    expect(a).toBe(b);
    expect(await auth.accessToken()).toBe(a);
    expect(zoom.tokensIssued).toBe(before + 1);
    const tokenCall = zoom.requests.find((r) => r.path === '/oauth/token');
    expect(tokenCall?.query.get('grant_type')).toBe('account_credentials');
    expect(tokenCall?.query.get('account_id')).toBe(zoom.app.accountId);
    expect(await auth.refresh()).not.toBe(a);
  });

  it('a wrong client secret is a CredentialError that does not repeat the secret', async () => {
    const wrong = { ...zoom.app, clientSecret: 'definitely-wrong-secret' };
    const error = await new ZoomServerToServerAuth(wrong, zoom.oauthBaseUrl, 'cred-x').accessToken().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CredentialError);
    expect((error as CredentialError).message).toMatch(/Invalid client_id or client_secret/);
    expect((error as CredentialError).message).not.toContain('definitely-wrong-secret');
    expect((error as CredentialError).credentialId).toBe('cred-x');
  });

  it('user OAuth: the refresh_token grant rotates the pair and hands it over', async () => {
    zoom.addRefreshToken('first-refresh-token');
    const saved: string[] = [];
    const auth = new ZoomUserOAuth(
      { accessToken: 'expired-user-token', refreshToken: 'first-refresh-token', expiresAt: new Date(Date.now() - 1000) },
      { clientId: zoom.app.clientId, clientSecret: zoom.app.clientSecret },
      zoom.oauthBaseUrl,
      async (tokens) => void saved.push(tokens.refreshToken ?? ''),
    );
    const token = await auth.accessToken();
    expect(token).toMatch(/^zat-/);
    expect(saved).toHaveLength(1);
    expect(saved[0]).toMatch(/^zrt-/);
    // The old refresh token was single use; the rotated one works.
    expect(await auth.refresh()).not.toBe(token);
    zoom.meetings = [meeting(1, '2024-03-04T10:00:00Z', [mp4('u1', 'shared_screen', 30e6)])];
    expect(await adapterWith(auth).list({ from: new Date('2024-03-01'), to: new Date('2024-03-10') })).toHaveLength(1);
  });
});

describe('Zoom recordings listing', () => {
  it('walks ≤ 30-day windows and every next_page_token page', async () => {
    zoom.pageSizeCap = 2;
    const starts = ['2024-01-02T09:00:00Z', '2024-01-05T09:00:00Z', '2024-01-20T09:00:00Z', '2024-02-10T09:00:00Z', '2024-02-11T09:00:00Z', '2024-03-14T09:00:00Z', '2024-03-15T09:00:00Z'];
    zoom.meetings = starts.map((start, i) => meeting(i, start, [mp4(`f${i}`, 'shared_screen_with_speaker_view', 40e6)]));
    const found = await adapterWith().list({ from: new Date('2024-01-01T00:00:00Z'), to: new Date('2024-03-15T23:00:00Z') });
    expect(found.map((r) => r.displayName).sort()).toEqual(starts.map((_s, i) => `Lecture ${i}`).sort());
    const listings = zoom.requests.filter((r) => r.path === '/v2/users/me/recordings');
    const ranges = [...new Set(listings.map((r) => `${r.query.get('from')}..${r.query.get('to')}`))];
    expect(ranges).toEqual(['2024-01-01..2024-01-30', '2024-01-31..2024-02-29', '2024-03-01..2024-03-15']);
    expect(listings.some((r) => r.query.get('next_page_token'))).toBe(true);
    expect(listings.every((r) => /^Bearer zat-/.test(r.authorization ?? ''))).toBe(true);
  });

  it('keys by meeting uuid + start time, picks the best MP4 and marks files still processing', async () => {
    zoom.meetings = [
      meeting(1, '2024-04-01T08:00:00Z', [mp4('a1', 'active_speaker', 90e6), mp4('a2', 'shared_screen', 50e6), mp4('a3', 'shared_screen_with_speaker_view', 40e6), { id: 'a4', file_type: 'M4A', file_size: 5e6, recording_type: 'audio_only', status: 'completed' }]),
      meeting(2, '2024-04-02T08:00:00Z', [mp4('b1', 'active_speaker', 10e6), mp4('b2', 'active_speaker', 20e6)]),
      meeting(3, '2024-04-03T08:00:00Z', [mp4('c1', 'shared_screen_with_speaker_view', 0, 'processing')]),
      meeting(4, '2024-04-04T08:00:00Z', [{ id: 'd1', file_type: 'TRANSCRIPT', recording_type: 'audio_transcript', status: 'completed' }]),
    ];
    const found = await adapterWith().list({ from: new Date('2024-04-01'), to: new Date('2024-04-05') });
    const byName = Object.fromEntries(found.map((r) => [r.displayName, r]));
    expect(Object.keys(byName).sort()).toEqual(['Lecture 1', 'Lecture 2', 'Lecture 3']);
    expect(byName['Lecture 1']).toMatchObject({ sourceKey: 'uuid-1==@2024-04-01T08:00:00Z', processing: false, durationSec: 5400, sizeBytes: 40e6 });
    expect(byName['Lecture 1']?.meta).toMatchObject({ fileId: 'a3', recordingType: 'shared_screen_with_speaker_view', extension: 'mp4' });
    expect(byName['Lecture 2']?.meta.fileId).toBe('b2');
    expect(byName['Lecture 3']).toMatchObject({ processing: true });
    expect(byName['Lecture 3']?.meta.downloadUrl).toBeNull();
    expect(bestRecordingFile([{ file_type: 'M4A', recording_type: 'audio_only', file_size: 1 }])?.recording_type).toBe('audio_only');
  });

  it('renews a rejected token once; a second rejection is a CredentialError', async () => {
    const auth = new ZoomServerToServerAuth(zoom.app, zoom.oauthBaseUrl);
    const adapter = adapterWith(auth);
    zoom.meetings = [meeting(1, '2024-05-01T08:00:00Z', [mp4('e1', 'shared_screen', 30e6)])];
    await adapter.list({ from: new Date('2024-05-01'), to: new Date('2024-05-02') });
    zoom.revokeTokens();
    expect(await adapter.list({ from: new Date('2024-05-01'), to: new Date('2024-05-02') })).toHaveLength(1);
    const stuck = { accessToken: async () => 'zat-revoked', refresh: async () => 'zat-still-revoked' };
    const error = await adapterWith(stuck).list({ from: new Date('2024-05-01'), to: new Date('2024-05-02') }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CredentialError);
    expect((error as Error).message).toMatch(/Invalid access token/);
  });

  it('5xx is transient (a plain Error), an unknown user is NotFound', async () => {
    zoom.failNextListing(503);
    const transient = await adapterWith().list({ from: new Date('2024-05-01'), to: new Date('2024-05-02') }).catch((e: unknown) => e);
    expect(transient).toBeInstanceOf(TransientHttpError);
    expect(transient).not.toBeInstanceOf(DomainError);
    const other = new ZoomAdapter(new ZoomServerToServerAuth(zoom.app, zoom.oauthBaseUrl), { apiBaseUrl: zoom.apiBaseUrl, userId: 'ghost@example.test', credentialId: null, idleTimeoutMs: 5000, maxBytes: 1e9 });
    await expect(other.list({ from: new Date('2024-05-01'), to: new Date('2024-05-02') })).rejects.toBeInstanceOf(NotFoundError);
  });

  it('splits windows by UTC date', () => {
    expect(dateWindows(new Date('2024-01-01T12:00:00Z'), new Date('2024-01-01T13:00:00Z'))).toEqual([{ from: '2024-01-01', to: '2024-01-01' }]);
    expect(dateWindows(new Date('2024-01-01T00:00:00Z'), new Date('2024-01-31T00:00:00Z'))).toEqual([
      { from: '2024-01-01', to: '2024-01-30' },
      { from: '2024-01-31', to: '2024-01-31' },
    ]);
  });
});

describe('Zoom download', () => {
  it('downloads with the bearer token and resumes an interrupted transfer with Range', async () => {
    const size = (await readFile(lecture)).length;
    const url = zoom.addFile('dl-1', lecture);
    zoom.cutNextDownload('dl-1', Math.floor(size / 3));
    const work = await mkdtemp(path.join(dir, 'work-'));
    const meta = { downloadUrl: url, extension: 'mp4', fileSize: size };
    const adapter = adapterWith();
    const progress: number[] = [];
    const first = await adapter.download(meta, work, (f) => progress.push(f)).catch((e: unknown) => e);
    expect(first).toBeInstanceOf(TransientHttpError);
    const second = await adapter.download(meta, work, (f) => progress.push(f));
    expect(await readFile(second.path)).toEqual(await readFile(lecture));
    const downloads = zoom.requests.filter((r) => r.path === '/rec/download/dl-1');
    expect(downloads.map((r) => r.range)).toEqual([null, `bytes=${Math.floor(size / 3)}-`]);
    expect(downloads.every((r) => /^Bearer zat-/.test(r.authorization ?? ''))).toBe(true);
    expect(progress.at(-1)).toBe(1);
  });

  it('a file Zoom does not have is NotFound; one still processing is a Conflict', async () => {
    const work = await mkdtemp(path.join(dir, 'work-'));
    await expect(adapterWith().download({ downloadUrl: `${zoom.origin}/rec/download/missing`, extension: 'mp4' }, work)).rejects.toBeInstanceOf(NotFoundError);
    await expect(adapterWith().download({ downloadUrl: null, extension: 'mp4' }, work)).rejects.toBeInstanceOf(ConflictError);
  });
});
