import { builder } from '../../graphql/builder.js';
import { QUOTAS, type QuotaUsage, type TenantUsage } from './quotas.service.js';

// The workspace's usage of its plan this month (SPEC §3), for every member.

export const QuotaEnum = builder.enumType('Quota', { values: QUOTAS });

const QuotaUsageRef = builder.objectRef<QuotaUsage>('QuotaUsage').implement({
  fields: (t) => ({
    quota: t.field({ type: QuotaEnum, resolve: (q) => q.quota }),
    used: t.exposeFloat('used', { description: 'storageGb: GiB stored (fractional); transcription in whole minutes' }),
    limit: t.exposeInt('limit', { nullable: true, description: 'null: unlimited' }),
    remaining: t.float({ nullable: true, resolve: (q) => (q.limit === null ? null : Math.max(0, q.limit - q.used)) }),
  }),
});

const UsageRef = builder.objectRef<TenantUsage>('Usage').implement({
  fields: (t) => ({
    period: t.exposeInt('period', { description: 'YYYYMM (UTC) of the counters' }),
    planName: t.exposeString('planName', { nullable: true, description: 'null: no plan (unlimited)' }),
    planDisplayName: t.exposeString('planDisplayName', { nullable: true }),
    storageBytes: t.float({ description: 'Exact bytes stored', resolve: (u) => Number(u.storageBytes) }),
    storageLimitBytes: t.float({ nullable: true, resolve: (u) => (u.storageLimitBytes === null ? null : Number(u.storageLimitBytes)) }),
    quotas: t.field({ type: [QuotaUsageRef], resolve: (u) => u.quotas }),
  }),
});

builder.queryFields((t) => ({
  usage: t.field({
    type: UsageRef,
    authScopes: { authenticated: true },
    description: "This workspace's current period: used against the limit of each quota.",
    resolve: (_root, _args, ctx) => ctx.services.quotas.usage(ctx.db),
  }),
}));
