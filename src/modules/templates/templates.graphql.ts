import { builder } from '../../graphql/builder.js';

// Read side of templates. Creating, matching and rendering arrive with the templates issue; every
// tenant already has its Default template from registration.

export const TemplateNode = builder.prismaNode('Template', {
  id: { field: 'id' },
  fields: (t) => ({
    name: t.exposeString('name'),
    description: t.exposeString('description', { nullable: true }),
    isDefault: t.exposeBoolean('isDefault'),
    isDraft: t.exposeBoolean('isDraft'),
    isActive: t.exposeBoolean('isActive'),
    matchingRules: t.expose('matchingRules', { type: 'JSON' }),
    processingConfig: t.expose('processingConfig', { type: 'JSON' }),
    metadataConfig: t.expose('metadataConfig', { type: 'JSON' }),
    outputConfig: t.expose('outputConfig', { type: 'JSON' }),
    usedCount: t.exposeInt('usedCount'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

builder.queryFields((t) => ({
  templates: t.prismaConnection({
    type: 'Template',
    cursor: 'id',
    authScopes: { authenticated: true },
    description: 'Templates of the current workspace in matching order (creation order).',
    resolve: (query, _root, _args, ctx) =>
      ctx.db.template.findMany({ ...query, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] }),
  }),
}));
