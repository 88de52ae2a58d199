import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';

// Where the CLI keeps its sessions: $XDG_CONFIG_HOME/leap/session.json (~/.config/leap on most
// systems, %APPDATA%\leap on Windows), readable by the user only. One session per API URL, so
// a local and a staging API can both be signed in; the last one used is the default.

export interface StoredSession {
  email: string;
  accessToken: string;
  accessTokenExpiresAt: string;
  refreshToken: string;
  refreshTokenExpiresAt: string;
  tenant: { id: string; name: string };
}

interface StoreFile {
  currentApi: string | null;
  sessions: Record<string, StoredSession>;
}

export function configDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.XDG_CONFIG_HOME) return path.join(env.XDG_CONFIG_HOME, 'leap');
  if (process.platform === 'win32' && env.APPDATA) return path.join(env.APPDATA, 'leap');
  return path.join(homedir(), '.config', 'leap');
}

export const sessionFile = () => path.join(configDir(), 'session.json');

async function load(): Promise<StoreFile> {
  try {
    const parsed = JSON.parse(await readFile(sessionFile(), 'utf8')) as Partial<StoreFile>;
    return { currentApi: parsed.currentApi ?? null, sessions: parsed.sessions ?? {} };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { currentApi: null, sessions: {} };
    throw new Error(`cannot read ${sessionFile()}: ${(error as Error).message} (delete it and log in again)`);
  }
}

async function save(store: StoreFile): Promise<void> {
  const file = sessionFile();
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  // Written whole and renamed into place: a refresh token is single-use, so a torn write would lose the session.
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, JSON.stringify(store, null, 2) + '\n', { mode: 0o600 });
  await chmod(temp, 0o600);
  await rename(temp, file);
}

export async function currentApi(): Promise<string | null> {
  return (await load()).currentApi;
}

export async function readSession(api: string): Promise<StoredSession | null> {
  return (await load()).sessions[api] ?? null;
}

export async function writeSession(api: string, session: StoredSession): Promise<void> {
  const store = await load();
  store.sessions[api] = session;
  store.currentApi = api;
  await save(store);
}

export async function deleteSession(api: string): Promise<void> {
  const store = await load();
  delete store.sessions[api];
  if (store.currentApi === api) store.currentApi = Object.keys(store.sessions)[0] ?? null;
  if (Object.keys(store.sessions).length === 0) await rm(sessionFile(), { force: true });
  else await save(store);
}
