import { builder } from './builder.js';
import './errors.js';
import '../modules/auth/auth.graphql.js';
import '../modules/tenants/tenants.graphql.js';
import '../modules/templates/templates.graphql.js';
import '../modules/recordings/recordings.graphql.js';

export const schema = builder.toSchema({ sortSchema: true });
