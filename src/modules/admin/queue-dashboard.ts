import type { IncomingMessage, ServerResponse } from 'node:http';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { PrismaClient } from '../../generated/prisma/client.js';
import { QUEUE_NAMES } from '../../jobs/definitions.js';
import type { JobQueues } from '../../jobs/queues.js';
import { AuthenticationError } from '../../lib/errors.js';
import { resolveViewer } from '../auth/viewer.js';

// The BullMQ dashboard (bull-board) for platform administrators, at /admin/queues. A browser
// cannot send a Bearer header on navigation, so the first visit carries a superadmin's access token
// as `?access_token=`; it is moved into an HttpOnly cookie scoped to the dashboard (and out of the
// URL) and checked again on every request, so it ends when the token expires or is revoked.

export const DASHBOARD_ROUTE = '/admin/queues';
const COOKIE = 'leap_admin_token';

function cookieToken(req: Request): string | null {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === COOKIE) return decodeURIComponent(value.join('='));
  }
  return null;
}

export function queueDashboard(prisma: PrismaClient, queues: JobQueues): (req: IncomingMessage, res: ServerResponse) => void {
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath(DASHBOARD_ROUTE);
  createBullBoard({ queues: QUEUE_NAMES.map((name) => new BullMQAdapter(queues.queue(name))), serverAdapter });

  const onlySuperadmins = async (req: Request, res: Response, next: NextFunction) => {
    const fromQuery = typeof req.query.access_token === 'string' ? req.query.access_token : null;
    const token = fromQuery ?? cookieToken(req);
    try {
      const viewer = token ? await resolveViewer(prisma, token) : null;
      if (!viewer) return void res.status(401).type('text/plain').send(`Open ${DASHBOARD_ROUTE}?access_token=<a platform admin's access token>`);
      if (!viewer.isSuperadmin) return void res.status(403).type('text/plain').send('Platform administrators only');
    } catch (error) {
      if (error instanceof AuthenticationError) return void res.status(401).type('text/plain').send(error.message);
      return next(error);
    }
    if (fromQuery) {
      res.cookie(COOKIE, fromQuery, { httpOnly: true, sameSite: 'strict', path: DASHBOARD_ROUTE, maxAge: 15 * 60_000, secure: req.secure });
      return void res.redirect(303, req.baseUrl + req.path);
    }
    next();
  };

  const app = express();
  app.disable('x-powered-by');
  app.use(DASHBOARD_ROUTE, onlySuperadmins, serverAdapter.getRouter() as express.Router);
  return app;
}
