import { readFile, stat, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prisma } from '../../src/lib/db.js';
import { rawId } from '../support/app.js';
import { cliRunner, type CliResult } from '../support/cli.js';
import { startPipelineFixture, type PipelineFixture } from '../support/pipeline-fixture.js';

// The `leap` binary as a user runs it: a child process against the API (in this process) and a
// worker process, with its own config dir.

let fixture: PipelineFixture;
let cli: Awaited<ReturnType<typeof cliRunner>>;
let recordingId: string;

beforeAll(async () => {
  fixture = await startPipelineFixture('cli');
  cli = await cliRunner(fixture.app.url);
}, 120_000);

afterAll(async () => {
  await cli?.cleanup();
  await fixture?.close();
});

const leap = (...args: string[]) => cli.run(args);
const json = <T>(result: CliResult): T => {
  expect(result.stderr, result.stderr).toBe('');
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout) as T;
};
const sessionFile = () => path.join(cli.configHome, 'leap', 'session.json');
const storedSession = async () => (JSON.parse(await readFile(sessionFile(), 'utf8')) as { sessions: Record<string, { accessToken: string; accessTokenExpiresAt: string; refreshToken: string }> }).sessions[fixture.app.url]!;

/** A port nothing listens on (taken from the OS, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** SubRip blocks: index, `hh:mm:ss,mmm --> hh:mm:ss,mmm`, text. */
function parseSrt(text: string): Array<{ start: string; end: string; text: string }> {
  return text.trim().split(/\r?\n\r?\n/).map((block) => {
    const [index, timing, ...lines] = block.split(/\r?\n/);
    expect(index).toMatch(/^\d+$/);
    const match = /^(\d\d:\d\d:\d\d,\d{3}) --> (\d\d:\d\d:\d\d,\d{3})$/.exec(timing ?? '');
    expect(match, `bad SRT timing line "${timing}"`).not.toBeNull();
    return { start: match![1]!, end: match![2]!, text: lines.join('\n') };
  });
}

// Each CLI start compiles TypeScript through tsx: seconds apiece on a busy machine.
describe('leap CLI', { timeout: 120_000 }, () => {
  it('refuses a wrong password with one clear line and exit code 1, and stores nothing', async () => {
    const result = await cli.run(['login', '--email', fixture.owner.email, '--password-stdin'], { stdin: 'not the password\n' });
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/^leap: \w+Error [A-Z_]+: /);
    await expect(stat(sessionFile())).rejects.toThrow();
  });

  it('logs in and keeps the session in $XDG_CONFIG_HOME/leap, readable by the user only', async () => {
    const result = await cli.run(['login', '--email', fixture.owner.email, '--password-stdin'], { stdin: `${fixture.owner.password}\n` });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`as ${fixture.owner.email}`);
    expect((await stat(sessionFile())).mode & 0o777).toBe(0o600);
    const whoami = json<{ user: { email: string }; tenant: { id: string } }>(await leap('whoami', '--json'));
    expect(whoami.user.email).toBe(fixture.owner.email);
    expect(whoami.tenant.id).toBe(fixture.owner.tenantId);
    const tenants = json<Array<{ id: string; active: boolean; role: string }>>(await leap('--json', 'tenants', 'list'));
    expect(tenants).toEqual([expect.objectContaining({ id: fixture.owner.tenantId, active: true, role: 'OWNER' })]);
  });

  it('refreshes an expired access token with the refresh token, and stores the rotated pair', async () => {
    const before = await storedSession();
    const store = JSON.parse(await readFile(sessionFile(), 'utf8')) as { sessions: Record<string, Record<string, string>> };
    store.sessions[fixture.app.url]!.accessTokenExpiresAt = new Date(Date.now() - 1000).toISOString();
    await writeFile(sessionFile(), JSON.stringify(store));
    expect(json<{ user: { email: string } }>(await leap('whoami', '--json')).user.email).toBe(fixture.owner.email);
    const after = await storedSession();
    expect(after.refreshToken).not.toBe(before.refreshToken);
    expect(Date.parse(after.accessTokenExpiresAt)).toBeGreaterThan(Date.now());

    // A token the API no longer accepts (not yet expired by the clock): refreshed on UNAUTHENTICATED.
    store.sessions[fixture.app.url] = { ...after, accessToken: `${after.accessToken.slice(0, -4)}AAAA` };
    await writeFile(sessionFile(), JSON.stringify(store));
    expect(json<{ user: { email: string } }>(await leap('whoami', '--json')).user.email).toBe(fixture.owner.email);
    expect((await storedSession()).refreshToken).not.toBe(after.refreshToken);
  });

  it('uploads the lecture, processes it with live progress to the end, and lists and shows it', async () => {
    const uploaded = json<{ __typename: string; id: string; durationSec: number }>(await leap('upload', path.join(fixture.scratch.dir, 'lecture.mp4'), '--name', 'CLI lecture', '--json'));
    expect(uploaded.__typename).toBe('Recording');
    expect(uploaded.durationSec).toBeCloseTo(50, 0);
    recordingId = uploaded.id;

    const processed = await cli.run(['process', recordingId, '--watch', '--timeout', '240'], { timeoutMs: 250_000 });
    expect(processed.stderr).toBe('');
    expect(processed.code).toBe(0);
    const lines = processed.stdout.trim().split('\n');
    // Not a terminal: plain lines, one per change of status (or quarter of progress).
    expect(lines[0]).toMatch(/^run \S+ started$/);
    for (const stage of ['TRIM', 'TRANSCRIBE', 'TOPICS', 'SUBTITLES', 'POSTER']) {
      expect(lines.some((l) => new RegExp(`^${stage}\\s+COMPLETED\\s+100%`).test(l)), `${stage} completed in:\n${processed.stdout}`).toBe(true);
    }
    expect(lines.some((l) => /^PUBLISH\s+SKIPPED/.test(l))).toBe(true);
    expect(lines.at(-1)).toMatch(/^run \S+ completed: recording is PROCESSED$/);

    const list = json<Array<{ id: string; displayName: string; status: string; latestRun: { status: string } }>>(await leap('recordings', 'list', '--json'));
    expect(list.find((r) => r.id === recordingId)).toMatchObject({ displayName: 'CLI lecture', status: 'PROCESSED', latestRun: { status: 'COMPLETED' } });
    const shown = json<{ id: string; latestRun: { steps: Array<{ stage: string; status: string }> }; files: Array<{ kind: string }> }>(await leap('recordings', 'show', recordingId, '--json'));
    expect(shown.latestRun.steps.find((s) => s.stage === 'TRANSCRIBE')?.status).toBe('COMPLETED');
    expect(shown.files.map((f) => f.kind)).toEqual(expect.arrayContaining(['SUBTITLES_SRT', 'SUBTITLES_VTT', 'TRANSCRIPT', 'POSTER']));
    const table = await leap('recordings', 'show', recordingId);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/TRANSCRIBE\s+COMPLETED\s+100%/);
  }, 300_000);

  it('downloads subtitles, transcript, topics and description to a folder', async () => {
    const out = path.join(cli.configHome, 'outputs');
    const result = json<{ written: Array<{ output: string; path: string }>; missing: string[] }>(await leap('download', recordingId, '--out', out, '--json'));
    expect(result.missing).toEqual([]);
    expect(result.written.map((w) => w.output)).toEqual(['srt', 'vtt', 'transcript', 'topics', 'description']);

    const transcript = JSON.parse(await readFile(path.join(out, 'transcript.json'), 'utf8')) as { segments: Array<{ text: string }> };
    expect(transcript.segments.length).toBeGreaterThan(0);
    const cues = parseSrt(await readFile(path.join(out, 'subtitles.srt'), 'utf8'));
    expect(cues.length).toBeGreaterThan(0);
    expect(cues.every((c) => c.start < c.end && c.text.trim().length > 0)).toBe(true);
    const vtt = await readFile(path.join(out, 'subtitles.vtt'), 'utf8');
    expect(vtt.startsWith('WEBVTT')).toBe(true);
    expect(vtt).toContain(cues[0]!.text.split('\n')[0]);
    const topics = JSON.parse(await readFile(path.join(out, 'topics.json'), 'utf8')) as { mainTopic: string; topics: unknown[] };
    expect(topics.topics.length).toBeGreaterThan(0);
    const description = await readFile(path.join(out, 'description.txt'), 'utf8');
    expect(description.split('\n')[0]).toBe('CLI lecture');
    expect(description.length).toBeGreaterThan('CLI lecture\n\n'.length);
  });

  it('creates a template from YAML, updates it by name, and lists it', async () => {
    const file = path.join(cli.configHome, 'template.yaml');
    await writeFile(file, ['name: Physics lectures', 'description: first version', 'matchingRules:', '  keywords: [physics, mechanics]', 'processingConfig:', '  transcription:', '    enabled: true', ''].join('\n'));
    const created = await leap('templates', 'create', file);
    expect(created.stderr).toBe('');
    expect(created.stdout).toMatch(/^created template "Physics lectures" \(\S+\)$/m);
    await writeFile(file, ['name: Physics lectures', 'description: second version', ''].join('\n'));
    expect((await leap('templates', 'apply', file)).stdout).toMatch(/^updated template "Physics lectures"/m);
    const templates = json<Array<{ name: string; description: string | null }>>(await leap('templates', 'list', '--json'));
    expect(templates.filter((t) => t.name === 'Physics lectures')).toEqual([expect.objectContaining({ description: 'second version' })]);
    const row = await prisma.template.findFirstOrThrow({ where: { tenantId: rawId(fixture.owner.tenantId), name: 'Physics lectures' } });
    expect(row.matchingRules).toMatchObject({ keywords: ['physics', 'mechanics'] });
  });

  it('creates an output preset from YAML and updates it by name', async () => {
    const file = path.join(cli.configHome, 'preset.yaml');
    await writeFile(file, 'name: Archive\nplatform: S3_EXPORT\ndescription: first\n');
    expect((await leap('presets', 'apply', file)).stdout).toMatch(/^created preset "Archive" \(\S+\)$/m);
    await writeFile(file, 'name: Archive\nplatform: S3_EXPORT\ndescription: second\n');
    expect((await leap('presets', 'apply', file)).stdout).toMatch(/^updated preset "Archive"/m);
    const presets = json<Array<{ name: string; platform: string; description: string | null }>>(await leap('presets', 'list', '--json'));
    expect(presets.filter((p) => p.name === 'Archive')).toEqual([{ id: expect.any(String), name: 'Archive', platform: 'S3_EXPORT', isActive: true, description: 'second' }]);
  });

  it('answers bad input with one clear line and a distinct exit code', async () => {
    const file = path.join(cli.configHome, 'bad.yaml');
    await writeFile(file, 'name: Broken\nmatchingRules:\n  patterns: ["(unclosed"]\n');
    const invalid = await leap('templates', 'create', file);
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toMatch(/^leap: ValidationError VALIDATION_FAILED: .+\n$/);

    await writeFile(file, 'name: [unterminated\n');
    const yaml = await leap('templates', 'create', file);
    expect(yaml.code).toBe(2);
    expect(yaml.stderr).toMatch(/^leap: .*bad\.yaml: invalid YAML at line \d+/);

    const nobody = Buffer.from('Recording:00000000-0000-4000-8000-000000000000').toString('base64');
    const missing = await leap('recordings', 'show', nobody);
    expect(missing.stderr).toBe(`leap: NotFoundError NOT_FOUND: recording ${nobody} not found\n`);
    expect(missing.code).toBe(4);

    const unknown = await leap('frobnicate');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown command 'frobnicate'");

    const closed = await closedPort();
    const down = await cli.run(['login', '--email', fixture.owner.email, '--password-stdin'], { stdin: 'x\n', env: { LEAP_API_URL: `http://127.0.0.1:${closed}/graphql` } });
    expect(down.stderr).toBe(`leap: cannot reach the LEAP API at http://127.0.0.1:${closed}/graphql (ECONNREFUSED); set --api or LEAP_API_URL\n`);
    expect(down.code).toBe(1);
  });

  it('switches workspace: new tokens are stored and later commands work in it', async () => {
    const created = await fixture.app.gql<{ createTenant: { id: string } }>('mutation { createTenant(name: "CLI second") { id } }', {}, (await storedSession()).accessToken);
    const secondId = created.data!.createTenant.id;
    const switched = await leap('tenants', 'switch', 'CLI second');
    expect(switched.stdout).toBe(`now working in "CLI second" (${secondId})\n`);
    expect(json<{ tenant: { id: string } }>(await leap('whoami', '--json')).tenant.id).toBe(secondId);
    expect(json<unknown[]>(await leap('recordings', 'list', '--json'))).toEqual([]);
    const unknown = await leap('tenants', 'switch', 'No such workspace');
    expect(unknown.code).toBe(4);
    expect(unknown.stderr).toMatch(/^leap: NotFoundError NOT_FOUND: no workspace "No such workspace"/);
  });

  it('logs out: the session ends on the server and is forgotten here', async () => {
    const { refreshToken } = await storedSession();
    const result = await leap('logout');
    expect(result.code).toBe(0);
    await expect(stat(sessionFile())).rejects.toThrow();
    const after = await leap('whoami');
    expect(after.code).toBe(3);
    expect(after.stderr).toMatch(/^leap: not logged in to .+: run `leap login`\n$/);
    const res = await fixture.app.gql<{ refreshSession: { __typename: string } }>('mutation ($t: String!) { refreshSession(refreshToken: $t) { __typename } }', { t: refreshToken });
    expect(res.data?.refreshSession.__typename).not.toBe('AuthPayload');
  });
});
