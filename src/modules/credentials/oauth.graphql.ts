import { builder } from '../../graphql/builder.js';
import { viewerOf } from '../../graphql/context.js';
import { ConflictError, CredentialError, QuotaExceededError, ValidationError } from '../../lib/errors.js';
import { OAUTH_PLATFORMS } from './oauth-providers.js';
import type { OAuthStart } from './oauth.service.js';

const OAuthPlatformEnum = builder.enumType('OAuthPlatform', {
  values: OAUTH_PLATFORMS,
  description: 'Platforms whose accounts connect through an OAuth consent screen.',
});

const OAuthStartRef = builder.objectRef<OAuthStart>('OAuthStart').implement({
  fields: (t) => ({
    authorizationUrl: t.exposeString('authorizationUrl', { description: 'Open this in the browser; the provider redirects to /oauth/callback' }),
    state: t.exposeString('state', { description: 'Single use, bound to you and this workspace' }),
    expiresAt: t.expose('expiresAt', { type: 'DateTime' }),
  }),
});

const StartOAuthInput = builder.inputType('StartOAuthInput', {
  fields: (t) => ({
    platform: t.field({ type: OAuthPlatformEnum, required: true }),
    accountName: t.string({ description: 'Defaults to the name the provider reports (email, login)' }),
    clientId: t.string({ description: 'Your own OAuth app; the installation’s app otherwise' }),
    clientSecret: t.string(),
  }),
});

const FinishOAuthInput = builder.inputType('FinishOAuthInput', {
  fields: (t) => ({
    state: t.string({ required: true }),
    code: t.string({ required: true }),
    deviceId: t.string({ description: 'VK ID: the device_id sent with the code' }),
  }),
});

builder.mutationFields((t) => ({
  startOAuth: t.field({
    type: OAuthStartRef,
    authScopes: { permission: 'canManageCredentials' },
    description: 'Begins connecting an account (Google code flow with offline access, VK ID with PKCE, Zoom, Yandex).',
    args: { input: t.arg({ type: StartOAuthInput, required: true }) },
    errors: { types: [ValidationError] },
    resolve: (_root, { input }, ctx) => ctx.services.oauth.start(viewerOf(ctx), input, ctx.origin ?? 'http://localhost'),
  }),
  finishOAuth: t.prismaField({
    type: 'Credential',
    authScopes: { permission: 'canManageCredentials' },
    description: 'Completes a flow started by you with the code the provider returned (instead of the browser callback).',
    args: { input: t.arg({ type: FinishOAuthInput, required: true }) },
    errors: { types: [ValidationError, CredentialError, ConflictError, QuotaExceededError] },
    resolve: async (query, _root, { input }, ctx) => {
      const row = await ctx.services.oauth.finish(viewerOf(ctx), input);
      return ctx.db.credential.findUniqueOrThrow({ ...query, where: { id: row.id } });
    },
  }),
  connectVkToken: t.prismaField({
    type: 'Credential',
    authScopes: { permission: 'canManageCredentials' },
    description: 'Stores a VK token from the implicit flow: the blank.html address with #access_token=… or the token itself.',
    args: { accountName: t.arg.string({ required: true }), token: t.arg.string({ required: true }) },
    errors: { types: [ValidationError, ConflictError, QuotaExceededError] },
    resolve: async (query, _root, { accountName, token }, ctx) => {
      const row = await ctx.services.oauth.connectVkToken(viewerOf(ctx).tenantId, accountName, token);
      return ctx.db.credential.findUniqueOrThrow({ ...query, where: { id: row.id } });
    },
  }),
}));
