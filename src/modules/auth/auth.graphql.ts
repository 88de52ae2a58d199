import { z } from 'zod';
import { builder } from '../../graphql/builder.js';
import { viewerOf } from '../../graphql/context.js';
import { prisma } from '../../lib/db.js';
import { AuthenticationError, ConflictError, NotFoundError, RateLimitedError } from '../../lib/errors.js';
import { TenantNode } from '../tenants/tenants.graphql.js';
import { emailSchema, passwordSchema, timezoneSchema, type AuthTokens } from './auth.service.js';

builder.prismaNode('User', {
  id: { field: 'id' },
  // node(id) of a missing or other tenant's row answers null, not an error.
  nullable: true,
  fields: (t) => ({
    email: t.exposeString('email'),
    displayName: t.exposeString('displayName', { nullable: true }),
    timezone: t.exposeString('timezone'),
    isSuperadmin: t.exposeBoolean('isSuperadmin'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

const SessionNode = builder.prismaNode('AuthSession', {
  name: 'Session',
  id: { field: 'id' },
  nullable: true,
  description: 'A signed-in device: one refresh-token family.',
  // Sessions are private to their user, even from other members of the same tenant.
  authScopes: (session, ctx) => session.userId === ctx.viewer?.userId,
  fields: (t) => ({
    deviceLabel: t.exposeString('deviceLabel', { nullable: true }),
    userAgent: t.exposeString('userAgent', { nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    lastUsedAt: t.expose('lastUsedAt', { type: 'DateTime' }),
    expiresAt: t.expose('expiresAt', { type: 'DateTime' }),
    current: t.boolean({ resolve: (session, _args, ctx) => session.id === ctx.viewer?.sessionId }),
  }),
});

const AuthPayload = builder.objectRef<AuthTokens>('AuthPayload').implement({
  description: 'Tokens of a new or refreshed session. Send the access token as `Authorization: Bearer …`.',
  fields: (t) => ({
    accessToken: t.exposeString('accessToken'),
    accessTokenExpiresAt: t.expose('accessTokenExpiresAt', { type: 'DateTime' }),
    refreshToken: t.exposeString('refreshToken'),
    refreshTokenExpiresAt: t.expose('refreshTokenExpiresAt', { type: 'DateTime' }),
    // The caller is not authenticated by the request itself yet, so these load unscoped by the ids
    // the service has just verified.
    user: t.prismaField({
      type: 'User',
      resolve: (query, tokens) => prisma.user.findUniqueOrThrow({ ...query, where: { id: tokens.userId } }),
    }),
    tenant: t.prismaField({
      type: 'Tenant',
      resolve: (query, tokens) => prisma.tenant.findUniqueOrThrow({ ...query, where: { id: tokens.tenantId } }),
    }),
  }),
});

const RegisterInput = builder.inputType('RegisterInput', {
  fields: (t) => ({
    email: t.string({ required: true, validate: emailSchema }),
    password: t.string({ required: true, validate: passwordSchema }),
    displayName: t.string({ validate: z.string().trim().max(120) }),
    tenantName: t.string({ description: 'Name of the workspace created with the account' }),
    timezone: t.string({ description: 'IANA time zone, e.g. Europe/Moscow', validate: timezoneSchema }),
  }),
});

const LoginInput = builder.inputType('LoginInput', {
  fields: (t) => ({
    email: t.string({ required: true }),
    password: t.string({ required: true }),
    tenantId: t.globalID({ for: TenantNode, description: 'Workspace to sign in to; the first one if omitted' }),
  }),
});

builder.queryFields((t) => ({
  me: t.prismaField({
    type: 'User',
    authScopes: { authenticated: true },
    resolve: (query, _root, _args, ctx) =>
      ctx.db.user.findUniqueOrThrow({ ...query, where: { id: viewerOf(ctx).userId } }),
  }),
  mySessions: t.prismaConnection({
    type: 'AuthSession',
    cursor: 'id',
    authScopes: { authenticated: true },
    description: 'Active sessions of the signed-in user, across all workspaces.',
    resolve: (query, _root, _args, ctx) =>
      prisma.authSession.findMany({
        ...query,
        where: { userId: viewerOf(ctx).userId, revokedAt: null, expiresAt: { gt: new Date() } },
        orderBy: [{ lastUsedAt: 'desc' }, { id: 'asc' }],
      }),
  }),
}));

builder.mutationFields((t) => ({
  register: t.field({
    type: AuthPayload,
    description: 'Creates a user, their workspace (as OWNER) and its Default template, and signs in.',
    args: { input: t.arg({ type: RegisterInput, required: true }) },
    errors: { types: [ConflictError] },
    resolve: (_root, { input }, ctx) => ctx.services.auth.register(input, ctx.client),
  }),
  login: t.field({
    type: AuthPayload,
    args: { input: t.arg({ type: LoginInput, required: true }) },
    errors: { types: [AuthenticationError, RateLimitedError] },
    resolve: (_root, { input }, ctx) =>
      ctx.services.auth.login({ ...input, tenantId: input.tenantId?.id ?? null }, ctx.client),
  }),
  refreshSession: t.field({
    type: AuthPayload,
    description: 'Exchanges a refresh token for a new pair. Each refresh token works once.',
    args: { refreshToken: t.arg.string({ required: true }) },
    errors: { types: [AuthenticationError] },
    resolve: (_root, { refreshToken }, ctx) => ctx.services.auth.refresh(refreshToken, ctx.client),
  }),
  switchTenant: t.field({
    type: AuthPayload,
    authScopes: { authenticated: true },
    args: { tenantId: t.arg.globalID({ for: TenantNode, required: true }) },
    errors: { types: [AuthenticationError] },
    resolve: (_root, { tenantId }, ctx) => {
      const viewer = viewerOf(ctx);
      return ctx.services.auth.switchTenant(viewer.userId, viewer.sessionId, tenantId.id, ctx.client);
    },
  }),
  logout: t.boolean({
    authScopes: { authenticated: true },
    description: 'Ends the current session.',
    resolve: async (_root, _args, ctx) => {
      await ctx.services.auth.logout(viewerOf(ctx).sessionId);
      return true;
    },
  }),
  logoutAll: t.boolean({
    authScopes: { authenticated: true },
    description: 'Ends every session of the user and invalidates every access token already issued.',
    resolve: async (_root, _args, ctx) => {
      await ctx.services.auth.logoutAll(viewerOf(ctx).userId);
      return true;
    },
  }),
  revokeSession: t.boolean({
    authScopes: { authenticated: true },
    args: { id: t.arg.globalID({ for: SessionNode, required: true }) },
    errors: { types: [NotFoundError], directResult: false },
    resolve: async (_root, { id }, ctx) => {
      if (!(await ctx.services.auth.revokeSession(viewerOf(ctx).userId, id.id))) throw new NotFoundError('Session');
      return true;
    },
  }),
  changePassword: t.field({
    type: AuthPayload,
    authScopes: { authenticated: true },
    description: 'Sets a new password, ends every session and signs this client in again.',
    args: {
      currentPassword: t.arg.string({ required: true }),
      newPassword: t.arg.string({ required: true, validate: passwordSchema }),
    },
    errors: { types: [AuthenticationError] },
    resolve: (_root, args, ctx) => {
      const viewer = viewerOf(ctx);
      return ctx.services.auth.changePassword(viewer.userId, { ...args, tenantId: viewer.tenantId }, ctx.client);
    },
  }),
  deleteAccount: t.boolean({
    authScopes: { authenticated: true },
    description: 'Deletes the account, and every workspace only this user belongs to, with its files.',
    args: { password: t.arg.string({ required: true }) },
    errors: { types: [AuthenticationError, ConflictError], directResult: false },
    resolve: async (_root, { password }, ctx) => {
      await ctx.services.auth.deleteAccount(viewerOf(ctx).userId, password);
      return true;
    },
  }),
}));
