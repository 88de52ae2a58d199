import type { ClientInfo } from '../modules/auth/auth.service.js';
import type { Viewer } from '../modules/auth/viewer.js';
import type { TenantDb } from '../lib/db.js';
import { AuthenticationError } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import type { StagedFile } from '../modules/uploads/staged-file.js';
import type { Services } from '../services.js';

export interface Context {
  requestId: string;
  log: Logger;
  client: ClientInfo;
  /** Null for anonymous callers and for callers whose token was refused (see authFailure). */
  viewer: Viewer | null;
  authFailure: string | null;
  /** Tenant-scoped data access; for anonymous callers it is scoped to a tenant that cannot exist. */
  db: TenantDb;
  services: Services;
  /** Files of a multipart request, by the token that replaced them in the variables (empty otherwise). */
  uploads: ReadonlyMap<string, StagedFile>;
  /** Scheme, host and port the caller reached the API at, for links the API serves itself. */
  origin: string | null;
}

/** The viewer of a field that scope-auth already restricted to authenticated callers. */
export function viewerOf(ctx: Context): Viewer {
  if (!ctx.viewer) throw new AuthenticationError(ctx.authFailure ?? 'Authentication required');
  return ctx.viewer;
}
