// The main job of `npm start`: walks through LEAP over its public GraphQL API, as a client would.
// Each step is a small function in `steps`; later stages of the product add theirs to the list.
//
//   LEAP_API_URL        GraphQL endpoint (default: http://127.0.0.1:<PORT>/graphql)
//   LEAP_DEMO_EMAIL     demo account (default: demo@leap.example; registered on first run, then logged in)
//   LEAP_DEMO_PASSWORD  its password (default: leap-demo-password)
import { config } from '../src/config.js';
import { prisma } from '../src/lib/db.js';
import { rowIdOf } from '../src/lib/ids.js';
import { LeapClient, LeapRequestError } from '../sdk/client.js';
import {
  CurrentTenantDocument,
  LoginDocument,
  LogoutDocument,
  MeDocument,
  MySessionsDocument,
  MyTenantsDocument,
  RefreshSessionDocument,
  RegisterDocument,
  TemplatesDocument,
  type SessionTokensFragment,
} from '../sdk/generated/graphql.js';

const localHost = ['0.0.0.0', '::'].includes(config.http.host) ? '127.0.0.1' : config.http.host;
const apiUrl = process.env.LEAP_API_URL ?? `http://${localHost}:${config.http.port}/graphql`;
const demoAccount = {
  email: process.env.LEAP_DEMO_EMAIL ?? 'demo@leap.example',
  password: process.env.LEAP_DEMO_PASSWORD ?? 'leap-demo-password',
};

interface DemoContext {
  api: LeapClient;
  session: SessionTokensFragment | null;
  lecture: LectureState;
}

interface Step {
  title: string;
  run(ctx: DemoContext): Promise<void>;
}

import { bold, dim, done, green, info, red, table } from './demo-output.js';
import { processLecture, showOutputs, uploadLecture, type LectureState } from './demo-lecture.js';

const when = (iso: string) => new Date(iso).toISOString().replace('T', ' ').slice(0, 19) + ' UTC';
const yes = (flag: boolean) => (flag ? 'yes' : '-');

function requireSession(ctx: DemoContext): SessionTokensFragment {
  if (!ctx.session) throw new Error('not signed in');
  return ctx.session;
}

/** Union results: a member with `code` is an expected failure; anything else is the success type. */
function failure(result: { __typename: string; code?: string; message?: string }): string | null {
  return result.code ? `${result.__typename} ${result.code}: ${result.message ?? ''}` : null;
}

// ── steps ──────────────────────────────────────────────────────────────────────────────────────
const checkHealth: Step = {
  title: 'API health',
  async run() {
    const readyUrl = new URL('/readyz', apiUrl);
    const response = await fetch(readyUrl);
    const checks = (await response.json()) as Record<string, string>;
    if (!response.ok) throw new Error(`${readyUrl} answered ${response.status}: ${JSON.stringify(checks)}`);
    done(`${readyUrl.origin} is ready (${Object.entries(checks).map(([k, v]) => `${k} ${v}`).join(', ')})`);
  },
};

const signIn: Step = {
  title: 'Register the demo account, or log in when it exists',
  async run(ctx) {
    const { register } = await ctx.api.request(RegisterDocument, {
      input: { ...demoAccount, displayName: 'Demo Lecturer', tenantName: 'Demo University', timezone: 'Europe/Moscow' },
    });
    if (register.__typename === 'AuthPayload') {
      ctx.session = register;
      done(`registered ${register.user.email}: workspace "${register.tenant.name}" with its Default template`);
    } else if (register.__typename === 'ConflictError') {
      const { login } = await ctx.api.request(LoginDocument, { input: demoAccount });
      if (login.__typename !== 'AuthPayload') {
        throw new Error(`${failure(login)} (set LEAP_DEMO_EMAIL / LEAP_DEMO_PASSWORD for another account)`);
      }
      ctx.session = login;
      done(`${login.user.email} already exists: logged in to "${login.tenant.name}"`);
    } else {
      throw new Error(failure(register) ?? 'register failed');
    }
    const session = requireSession(ctx);
    ctx.api.accessToken = session.accessToken;
    // The demo runs on the installation itself: its workspace is put on the enterprise plan (no
    // monthly recording or storage limit), so running it again and again never hits the free plan's.
    const tenantId = rowIdOf(session.tenant.id, 'Tenant');
    if (tenantId) await prisma.tenant.update({ where: { id: tenantId }, data: { plan: { connect: { name: 'enterprise' } } } });
    info('access', `JWT, expires ${when(session.accessTokenExpiresAt)}`);
    info('refresh', `opaque, single use, expires ${when(session.refreshTokenExpiresAt)}`);
  },
};

const showProfile: Step = {
  title: 'Who am I (query me)',
  async run(ctx) {
    const { me } = await ctx.api.request(MeDocument);
    info('email', me.email);
    info('name', me.displayName ?? '-');
    info('timezone', me.timezone);
    info('since', when(me.createdAt));
    done(`signed in as ${me.email}${me.isSuperadmin ? ' (platform superadmin)' : ''}`);
  },
};

const showWorkspace: Step = {
  title: 'Current workspace and its members (query tenant)',
  async run(ctx) {
    const { tenant } = await ctx.api.request(CurrentTenantDocument);
    info('name', tenant.name);
    info('plan', tenant.planName ?? '-');
    info('timezone', tenant.timezone);
    table(
      tenant.members.edges.map(({ node }) => ({
        member: node.user.email,
        role: node.role,
        transcribe: yes(node.permissions.canTranscribe),
        process: yes(node.permissions.canProcessVideo),
        upload: yes(node.permissions.canUpload),
        templates: yes(node.permissions.canManageTemplates),
        credentials: yes(node.permissions.canManageCredentials),
      })),
    );
    const { myTenants } = await ctx.api.request(MyTenantsDocument);
    done(`member of ${myTenants.edges.length} workspace(s): ${myTenants.edges.map(({ node }) => `${node.tenant.name} (${node.role})`).join(', ')}`);
  },
};

const showTemplates: Step = {
  title: 'Templates of the workspace (query templates)',
  async run(ctx) {
    const { templates } = await ctx.api.request(TemplatesDocument);
    table(
      templates.edges.map(({ node }) => ({
        template: node.name,
        default: yes(node.isDefault),
        active: yes(node.isActive),
        draft: yes(node.isDraft),
        used: String(node.usedCount),
      })),
    );
    done(`${templates.edges.length} template(s)`);
  },
};

const rotateTokens: Step = {
  title: 'Refresh the session (refresh tokens rotate on every use)',
  async run(ctx) {
    const { refreshSession } = await ctx.api.request(RefreshSessionDocument, {
      refreshToken: requireSession(ctx).refreshToken,
    });
    if (refreshSession.__typename !== 'AuthPayload') throw new Error(failure(refreshSession) ?? 'refresh failed');
    ctx.session = refreshSession;
    ctx.api.accessToken = refreshSession.accessToken;
    done(`new token pair; access token valid until ${when(refreshSession.accessTokenExpiresAt)}`);
  },
};

const showSessions: Step = {
  title: 'Signed-in devices (query mySessions)',
  async run(ctx) {
    const { mySessions } = await ctx.api.request(MySessionsDocument);
    table(
      mySessions.edges.map(({ node }) => ({
        device: node.deviceLabel ?? node.userAgent ?? 'unknown',
        current: yes(node.current),
        'signed in': when(node.createdAt),
        'last used': when(node.lastUsedAt),
      })),
    );
    done(`${mySessions.edges.length} active session(s)`);
  },
};

const signOut: Step = {
  title: 'Log out (ends this session)',
  async run(ctx) {
    const { logout } = await ctx.api.request(LogoutDocument);
    if (!logout) throw new Error('logout returned false');
    ctx.session = null;
    ctx.api.accessToken = null;
    done('session ended; its refresh token no longer works');
  },
};

const lectureSteps: Step[] = [
  { title: 'Upload a sample lecture (GraphQL multipart, streamed)', run: (ctx) => uploadLecture(ctx.api, ctx.lecture) },
  { title: 'Process it end to end: trim, transcribe, topics, subtitles, poster, publish', run: (ctx) => processLecture(ctx.api, ctx.lecture) },
  { title: 'What LEAP made of it (query recording)', run: (ctx) => showOutputs(ctx.api, ctx.lecture) },
];

const steps: Step[] = [checkHealth, signIn, showProfile, showWorkspace, showTemplates, ...lectureSteps, rotateTokens, showSessions, signOut];

// ── runner ─────────────────────────────────────────────────────────────────────────────────────
function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (error instanceof LeapRequestError && error.requestId) return `${error.message} (request id ${error.requestId})`;
  // fetch() hides the reason (ECONNREFUSED, …) in `cause`.
  return error.cause instanceof Error ? `${error.message}: ${error.cause.message}` : error.message;
}

async function main(): Promise<number> {
  console.log(bold(`LEAP demo against ${apiUrl}`));
  const ctx: DemoContext = { api: new LeapClient({ url: apiUrl, headers: { 'user-agent': 'leap-demo' } }), session: null, lecture: { recordingId: null } };
  for (const [index, step] of steps.entries()) {
    console.log(`\n${bold(`[${index + 1}/${steps.length}] ${step.title}`)}`);
    const started = performance.now();
    try {
      await step.run(ctx);
    } catch (error) {
      console.error(`  ${red('✗')} ${describe(error)}`);
      return 1;
    }
    console.log(dim(`    ${Math.round(performance.now() - started)} ms`));
  }
  console.log(`\n${green('✓')} ${bold('Demo finished')}: ${steps.length} steps`);
  return 0;
}

process.exitCode = await main();
await prisma.$disconnect();
