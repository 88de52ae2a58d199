import { builder } from '../../graphql/builder.js';
import { viewerOf } from '../../graphql/context.js';
import { CredentialPlatform } from '../../generated/prisma/enums.js';
import { ConflictError, CredentialError, NotFoundError, QuotaExceededError } from '../../lib/errors.js';
import { isRowId } from '../auth/auth.service.js';
import type { CredentialsStatus, RotationResult } from './credentials.service.js';

// Connected accounts. Secrets go in (create/update) and never come out: the node selects no
// `secret` column, and no field or error text carries one.

export const CredentialPlatformEnum = builder.enumType(CredentialPlatform, {
  name: 'CredentialPlatform',
  description: 'Kind of account.',
});

export const CredentialNode = builder.prismaNode('Credential', {
  id: { field: 'id' },
  nullable: true,
  // Only status columns are ever loaded; the sealed secret stays in the database.
  select: { id: true },
  description: 'A connected third-party account (status only; the secret is write-only).',
  fields: (t) => ({
    platform: t.expose('platform', { type: CredentialPlatformEnum }),
    accountName: t.exposeString('accountName'),
    isActive: t.exposeBoolean('isActive'),
    needsReauth: t.exposeBoolean('needsReauth', { description: 'The platform refused the token or the secret cannot be read: reconnect it' }),
    lastUsedAt: t.expose('lastUsedAt', { type: 'DateTime', nullable: true }),
    expiresAt: t.expose('expiresAt', { type: 'DateTime', nullable: true, description: 'When the current access token expires (renewed automatically when possible)' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

const PlatformStatusRef = builder.objectRef<CredentialsStatus['platforms'][number]>('CredentialPlatformStatus').implement({
  fields: (t) => ({
    platform: t.expose('platform', { type: CredentialPlatformEnum }),
    count: t.exposeInt('count'),
    needsReauth: t.exposeInt('needsReauth'),
  }),
});

const CredentialsStatusRef = builder.objectRef<CredentialsStatus>('CredentialsStatus').implement({
  fields: (t) => ({
    total: t.exposeInt('total'),
    needsReauth: t.exposeInt('needsReauth', { description: 'Accounts that must be reconnected' }),
    limit: t.exposeInt('limit', { nullable: true, description: 'Accounts the plan allows; null is unlimited' }),
    platforms: t.field({ type: [PlatformStatusRef], resolve: (status) => status.platforms }),
  }),
});

const RotationResultRef = builder.objectRef<RotationResult>('CredentialKeyRotation').implement({
  fields: (t) => ({
    activeKeyVersion: t.exposeInt('activeKeyVersion'),
    rotated: t.exposeInt('rotated'),
    failed: t.exposeInt('failed', { description: 'Secrets no configured key opens; their accounts must be reconnected' }),
  }),
});

const CreateCredentialInput = builder.inputType('CreateCredentialInput', {
  fields: (t) => ({
    platform: t.field({ type: CredentialPlatformEnum, required: true }),
    accountName: t.string({ required: true }),
    secret: t.field({ type: 'JSON', required: true, description: 'Platform secret; its shape is in docs/credentials.md' }),
  }),
});

const UpdateCredentialInput = builder.inputType('UpdateCredentialInput', {
  fields: (t) => ({
    accountName: t.string(),
    secret: t.field({ type: 'JSON', description: 'Replaces the whole secret and clears needsReauth' }),
    isActive: t.boolean(),
  }),
});

builder.queryFields((t) => ({
  credential: t.prismaField({
    type: 'Credential',
    nullable: true,
    authScopes: { authenticated: true },
    args: { id: t.arg.globalID({ for: CredentialNode, required: true }) },
    resolve: (query, _root, { id }, ctx) => (isRowId(id.id) ? ctx.db.credential.findUnique({ ...query, where: { id: id.id } }) : null),
  }),
  credentials: t.prismaConnection({
    type: 'Credential',
    cursor: 'id',
    authScopes: { authenticated: true },
    description: 'Connected accounts of the current workspace, by platform then name.',
    args: { platform: t.arg({ type: CredentialPlatformEnum }), needsReauth: t.arg.boolean() },
    resolve: (query, _root, { platform, needsReauth }, ctx) =>
      ctx.db.credential.findMany({
        ...query,
        where: { ...(platform ? { platform } : {}), ...(needsReauth != null ? { needsReauth } : {}) },
        orderBy: [{ platform: 'asc' }, { accountName: 'asc' }, { id: 'asc' }],
      }),
  }),
  credentialsStatus: t.field({
    type: CredentialsStatusRef,
    authScopes: { authenticated: true },
    description: 'Counts per platform, accounts to reconnect and the plan limit.',
    resolve: (_root, _args, ctx) => ctx.services.credentials.status(viewerOf(ctx).tenantId),
  }),
}));

builder.mutationFields((t) => ({
  createCredential: t.prismaField({
    type: 'Credential',
    authScopes: { permission: 'canManageCredentials' },
    args: { input: t.arg({ type: CreateCredentialInput, required: true }) },
    errors: { types: [ConflictError, QuotaExceededError] },
    resolve: async (query, _root, { input }, ctx) => {
      const row = await ctx.services.credentials.create(viewerOf(ctx).tenantId, input);
      return ctx.db.credential.findUniqueOrThrow({ ...query, where: { id: row.id } });
    },
  }),
  updateCredential: t.prismaField({
    type: 'Credential',
    authScopes: { permission: 'canManageCredentials' },
    args: { id: t.arg.globalID({ for: CredentialNode, required: true }), input: t.arg({ type: UpdateCredentialInput, required: true }) },
    errors: { types: [NotFoundError, ConflictError] },
    resolve: async (query, _root, { id, input }, ctx) => {
      const row = await ctx.services.credentials.update(viewerOf(ctx).tenantId, id.id, input);
      return ctx.db.credential.findUniqueOrThrow({ ...query, where: { id: row.id } });
    },
  }),
  deleteCredential: t.globalID({
    authScopes: { permission: 'canManageCredentials' },
    description: 'Disconnects an account; presets and sources that used it keep existing without one. Returns its id.',
    args: { id: t.arg.globalID({ for: CredentialNode, required: true }) },
    errors: { types: [NotFoundError], directResult: false },
    resolve: async (_root, { id }, ctx) => {
      const row = await ctx.services.credentials.delete(viewerOf(ctx).tenantId, id.id);
      return { type: 'Credential', id: row.id };
    },
  }),
  rotateEncryptionKey: t.field({
    type: RotationResultRef,
    authScopes: { superadmin: true },
    description: 'Re-encrypts every stored secret with the active key (platform superadmins).',
    errors: { types: [CredentialError], directResult: false },
    resolve: (_root, _args, ctx) => ctx.services.credentials.rotateEncryptionKey(),
  }),
}));
