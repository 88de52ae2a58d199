import { LeapClient } from '../sdk/client.js';
import { RefreshSessionDocument, type SessionTokensFragment } from '../sdk/generated/graphql.js';
import { CliError, EXIT } from './output.js';
import { currentApi, deleteSession, readSession, writeSession, type StoredSession } from './store.js';

export const DEFAULT_API = 'http://127.0.0.1:4000/graphql';

/** Refresh this long before the access token's expiry, so a request never races it. */
const REFRESH_MARGIN_MS = 30_000;

/** --api, then LEAP_API_URL, then the API last logged in to, then the local default. */
export async function resolveApi(option: string | undefined): Promise<string> {
  const api = option ?? process.env.LEAP_API_URL ?? (await currentApi()) ?? DEFAULT_API;
  try {
    const url = new URL(api);
    if (!['http:', 'https:'].includes(url.protocol)) throw new Error('not http(s)');
    if (url.pathname === '/' || url.pathname === '') url.pathname = '/graphql';
    return url.toString();
  } catch {
    throw new CliError(`invalid API URL "${api}": expected e.g. ${DEFAULT_API}`, EXIT.usage);
  }
}

export function toStored(tokens: SessionTokensFragment): StoredSession {
  return {
    email: tokens.user.email,
    accessToken: tokens.accessToken,
    accessTokenExpiresAt: tokens.accessTokenExpiresAt,
    refreshToken: tokens.refreshToken,
    refreshTokenExpiresAt: tokens.refreshTokenExpiresAt,
    tenant: { id: tokens.tenant.id, name: tokens.tenant.name },
  };
}

/** A client for `api` without a session (login, register). */
export const anonymousClient = (api: string) => new LeapClient({ url: api });

/**
 * A client signed in with the stored session: the access token is refreshed (and the rotated
 * refresh token stored) when it is about to expire, or when the API says it is no longer valid.
 */
export async function signedInClient(api: string): Promise<{ client: LeapClient; session: StoredSession }> {
  let session = await readSession(api);
  if (!session) throw new CliError(`not logged in to ${api}: run \`leap login\``, EXIT.auth);
  let refreshing: Promise<string | null> | null = null;
  const refresh = () =>
    (refreshing ??= (async () => {
      const current = session!;
      if (Date.parse(current.refreshTokenExpiresAt) <= Date.now()) throw new CliError('the session expired: run `leap login`', EXIT.auth);
      const { refreshSession } = await anonymousClient(api).request(RefreshSessionDocument, { refreshToken: current.refreshToken });
      if (refreshSession.__typename !== 'AuthPayload') {
        await deleteSession(api);
        throw new CliError(`the session ended (${refreshSession.message}): run \`leap login\``, EXIT.auth);
      }
      session = toStored(refreshSession);
      await writeSession(api, session);
      return session.accessToken;
    })().finally(() => (refreshing = null)));
  const client = new LeapClient({ url: api, accessToken: session.accessToken, refreshAccessToken: refresh });
  if (Date.parse(session.accessTokenExpiresAt) - REFRESH_MARGIN_MS <= Date.now()) client.accessToken = await refresh();
  return { client, get session() { return session!; } };
}
