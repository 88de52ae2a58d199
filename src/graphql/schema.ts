import { builder } from './builder.js';
import './errors.js';
import '../modules/auth/auth.graphql.js';
import '../modules/tenants/tenants.graphql.js';
import '../modules/templates/templates.graphql.js';
import '../modules/recordings/recordings.graphql.js';
import '../modules/transcripts/transcripts.graphql.js';
import '../modules/presets/presets.graphql.js';
import '../modules/templates/matching.graphql.js';
import '../modules/config/config.graphql.js';
import '../modules/metadata/metadata.graphql.js';
import '../modules/pipeline/pipeline.graphql.js';
import '../modules/admin/queues.graphql.js';
import '../modules/sources/sources.graphql.js';
import '../modules/credentials/credentials.graphql.js';
import '../modules/credentials/oauth.graphql.js';
import '../modules/publishing/publishing.graphql.js';

export const schema = builder.toSchema({ sortSchema: true });
