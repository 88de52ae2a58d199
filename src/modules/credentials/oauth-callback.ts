import type { IncomingMessage, ServerResponse } from 'node:http';
import { config } from '../../config.js';
import { DomainError } from '../../lib/errors.js';
import { logger } from '../../lib/logger.js';
import type { OAuthService } from './oauth.service.js';

// GET /oauth/callback?code&state[&device_id] — where providers send the browser after consent.
// Answers with a redirect to OAUTH_RESULT_URL when configured, else a small JSON document.

export async function handleOAuthCallback(req: IncomingMessage, res: ServerResponse, oauth: OAuthService): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://callback.local');
  const state = url.searchParams.get('state') ?? '';
  const providerError = url.searchParams.get('error');
  if (providerError) return respond(res, { ok: false, error: providerError === 'access_denied' ? 'access_denied' : 'provider_error' });
  try {
    const credential = await oauth.finish(null, {
      state,
      code: url.searchParams.get('code') ?? '',
      deviceId: url.searchParams.get('device_id'),
    });
    respond(res, { ok: true, platform: credential.platform, accountName: credential.accountName });
  } catch (error) {
    if (!(error instanceof DomainError)) logger.error({ err: error }, 'OAuth callback failed');
    const code = error instanceof DomainError ? (error.code === 'VALIDATION_FAILED' ? 'invalid_state' : error.code.toLowerCase()) : 'token_exchange_failed';
    respond(res, { ok: false, error: code });
  }
}

type Outcome = { ok: true; platform: string; accountName: string } | { ok: false; error: string };

function respond(res: ServerResponse, outcome: Outcome): void {
  if (config.oauth.resultUrl) {
    const target = new URL(config.oauth.resultUrl);
    if (outcome.ok) {
      target.searchParams.set('oauth_success', 'true');
      target.searchParams.set('platform', outcome.platform.toLowerCase());
    } else target.searchParams.set('oauth_error', outcome.error);
    res.writeHead(302, { location: target.toString(), 'cache-control': 'no-store' }).end();
    return;
  }
  res.writeHead(outcome.ok ? 200 : 400, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(outcome));
}
