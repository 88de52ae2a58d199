import { request } from 'node:http';
import { expect } from 'vitest';
import type { GraphQLResponse, RegisteredUser, TestApp } from './app.js';

// GraphQL documents and small helpers shared by the auth, rate-limit and tenant tests.

const AUTH_PAYLOAD = /* GraphQL */ `
  __typename
  ... on AuthPayload {
    accessToken
    refreshToken
    accessTokenExpiresAt
    refreshTokenExpiresAt
    user { id email }
    tenant { id name }
  }
  ... on Error { code message }
  ... on ValidationError { issues { path message } }
`;

const MEMBERSHIP_RESULT = /* GraphQL */ `
  __typename
  ... on Membership {
    id
    role
    user { id email }
    permissions { canTranscribe canProcessVideo canUpload canManageTemplates canDeleteRecordings canManageCredentials canExportData }
  }
  ... on Error { code message }
`;

/** register asking for every AuthPayload field (support/app.ts REGISTER asks for fewer). */
export const REGISTER_FULL = `mutation Register($input: RegisterInput!) { register(input: $input) { ${AUTH_PAYLOAD} } }`;
export const LOGIN = /* GraphQL */ `
  mutation Login($input: LoginInput!) {
    login(input: $input) {
      ${AUTH_PAYLOAD}
      ... on RateLimitedError { retryAfterSeconds }
    }
  }
`;
export const REFRESH = `mutation Refresh($token: String!) { refreshSession(refreshToken: $token) { ${AUTH_PAYLOAD} } }`;
export const SWITCH_TENANT = `mutation Switch($tenantId: ID!) { switchTenant(tenantId: $tenantId) { ${AUTH_PAYLOAD} } }`;
export const CHANGE_PASSWORD = /* GraphQL */ `
  mutation ChangePassword($current: String!, $next: String!) {
    changePassword(currentPassword: $current, newPassword: $next) { ${AUTH_PAYLOAD} }
  }
`;
export const DELETE_ACCOUNT = /* GraphQL */ `
  mutation DeleteAccount($password: String!) {
    deleteAccount(password: $password) {
      __typename
      ... on MutationDeleteAccountSuccess { data }
      ... on Error { code message }
    }
  }
`;
export const LOGOUT = 'mutation { logout }';
export const LOGOUT_ALL = 'mutation { logoutAll }';
export const MY_SESSIONS = '{ mySessions { edges { node { id current deviceLabel userAgent } } } }';
export const REVOKE_SESSION = /* GraphQL */ `
  mutation Revoke($id: ID!) {
    revokeSession(id: $id) {
      __typename
      ... on MutationRevokeSessionSuccess { data }
      ... on Error { code message }
    }
  }
`;
export const ME = '{ me { id email } }';
export const TENANT = '{ tenant { id name timezone members { edges { node { id role user { email } } } } } }';
export const MY_TENANTS = '{ myTenants { edges { node { id role tenant { id name } } } } }';
export const TEMPLATES = '{ templates { edges { node { id name isDefault } } } }';
export const CREATE_TENANT = /* GraphQL */ `
  mutation CreateTenant($name: String!, $timezone: String) {
    createTenant(name: $name, timezone: $timezone) { id name timezone }
  }
`;
export const UPDATE_TENANT = /* GraphQL */ `
  mutation UpdateTenant($name: String, $timezone: String) {
    updateTenant(name: $name, timezone: $timezone) {
      __typename
      ... on Tenant { id name timezone }
      ... on Error { code message }
    }
  }
`;
export const ADD_MEMBER = `mutation Add($email: String!, $role: Role!) { addMember(email: $email, role: $role) { ${MEMBERSHIP_RESULT} } }`;
export const CHANGE_ROLE = /* GraphQL */ `
  mutation ChangeRole($id: ID!, $role: Role!) { changeMemberRole(membershipId: $id, role: $role) { ${MEMBERSHIP_RESULT} } }
`;
export const SET_PERMISSIONS = /* GraphQL */ `
  mutation SetPermissions($id: ID!, $permissions: MemberPermissionsInput!) {
    setMemberPermissions(membershipId: $id, permissions: $permissions) { ${MEMBERSHIP_RESULT} }
  }
`;
export const REMOVE_MEMBER = /* GraphQL */ `
  mutation Remove($id: ID!) {
    removeMember(membershipId: $id) {
      __typename
      ... on MutationRemoveMemberSuccess { data }
      ... on Error { code message }
    }
  }
`;

/** Every field any of the result unions above can carry; which ones are set depends on __typename. */
export interface UnionResult {
  __typename: string;
  code?: string;
  message?: string;
  issues?: Array<{ path: string; message: string }>;
  retryAfterSeconds?: number;
  data?: boolean | string;
}

export interface AuthPayload extends UnionResult {
  accessToken: string;
  refreshToken: string;
  accessTokenExpiresAt: string;
  refreshTokenExpiresAt: string;
  user: { id: string; email: string };
  tenant: { id: string; name: string };
}

export interface MembershipResult extends UnionResult {
  id: string;
  role: string;
  user: { id: string; email: string };
  permissions: Record<string, boolean>;
}

/** One root field of an answer, failing loudly when it is missing. */
export function field<T>(res: { data?: Record<string, T> | null }, name: string): T {
  const value = res.data?.[name];
  if (value === undefined || value === null) throw new Error(`no ${name} in ${JSON.stringify(res)}`);
  return value;
}

/** Asserts the union member and narrows to it. */
export function expectType<T extends UnionResult>(result: UnionResult, typename: string): T {
  expect(result.__typename, JSON.stringify(result)).toBe(typename);
  return result as T;
}

export async function login(app: TestApp, email: string, password: string, tenantId?: string, headers?: Record<string, string>) {
  const res = await app.gql<{ login: UnionResult }>(LOGIN, { input: { email, password, tenantId } }, undefined, headers);
  return field(res, 'login');
}

/** Signs in and returns the payload, failing the test unless the login succeeded. */
export async function loginOk(app: TestApp, user: Pick<RegisteredUser, 'email' | 'password'>, tenantId?: string): Promise<AuthPayload> {
  return expectType<AuthPayload>(await login(app, user.email, user.password, tenantId), 'AuthPayload');
}

export async function refresh(app: TestApp, refreshToken: string) {
  return field(await app.gql<{ refreshSession: UnionResult }>(REFRESH, { token: refreshToken }), 'refreshSession');
}

/** The signed-in user's email, or null when the token is refused (and then the code must be UNAUTHENTICATED). */
export async function whoAmI(app: TestApp, accessToken: string): Promise<string | null> {
  const res = await app.gql<{ me: { email: string } }>(ME, {}, accessToken);
  if (res.data?.me) return res.data.me.email;
  expect(res.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  return null;
}

export function errorCode(res: GraphQLBody): unknown {
  return res.errors?.[0]?.extensions?.code;
}

export type GraphQLBody<T = Record<string, unknown>> = Pick<GraphQLResponse<T>, 'data' | 'errors'>;

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: GraphQLBody;
}

/**
 * POSTs one operation from a chosen loopback address (any 127.x.y.z reaches the test server), so a
 * test gets per-IP budgets of its own although every test talks to the API from this machine.
 */
export function gqlFrom(app: TestApp, localAddress: string, query: string, variables: Record<string, unknown> = {}, token?: string): Promise<RawResponse> {
  const url = new URL(app.url);
  const body = JSON.stringify({ query, variables });
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        localAddress,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => {
          try {
            const parsed = JSON.parse(text) as GraphQLBody;
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body: parsed });
          } catch (error) {
            reject(error instanceof Error ? error : new Error(String(error)));
          }
        });
      },
    );
    req.on('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRNOTAVAIL'
          ? new Error(`cannot send from ${localAddress}: these tests need the whole 127.0.0.0/8 loopback range (as on Linux)`)
          : error,
      ),
    );
    req.end(body);
  });
}

/** A loopback address no other test uses, e.g. 127.23.5.201. */
export function freshLoopbackAddress(): string {
  const octet = () => 1 + Math.floor(Math.random() * 254);
  return `127.${octet()}.${octet()}.${octet()}`;
}
