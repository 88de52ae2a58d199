import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import { config } from '../../config.js';
import { AuthenticationError } from '../../lib/errors.js';

const AUDIENCE = 'leap-api';

export interface AccessClaims {
  userId: string;
  tenantId: string;
  sessionId: string;
  tokenVersion: number;
}

export interface SignedAccessToken {
  token: string;
  expiresAt: Date;
}

export async function signAccessToken(claims: AccessClaims, now = new Date()): Promise<SignedAccessToken> {
  const issuedAt = Math.floor(now.getTime() / 1000);
  const exp = issuedAt + config.auth.accessTtlSeconds;
  const token = await new SignJWT({ tid: claims.tenantId, sid: claims.sessionId, tv: claims.tokenVersion, typ: 'access' })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(claims.userId)
    .setIssuer(config.auth.issuer)
    .setAudience(AUDIENCE)
    .setIssuedAt(issuedAt)
    .setExpirationTime(exp)
    .setJti(randomUUID())
    .sign(config.auth.jwtSecret);
  return { token, expiresAt: new Date(exp * 1000) };
}

/** Verifies signature (HS256 only: `alg: none` and algorithm swaps are rejected), issuer, audience, expiry. */
export async function verifyAccessToken(token: string): Promise<AccessClaims> {
  try {
    const { payload } = await jwtVerify(token, config.auth.jwtSecret, {
      algorithms: ['HS256'],
      issuer: config.auth.issuer,
      audience: AUDIENCE,
      requiredClaims: ['sub', 'exp', 'iat'],
    });
    const { sub, tid, sid, tv, typ } = payload;
    if (typ !== 'access' || typeof sub !== 'string' || typeof tid !== 'string' || typeof sid !== 'string' || typeof tv !== 'number') {
      throw new AuthenticationError('Malformed access token');
    }
    return { userId: sub, tenantId: tid, sessionId: sid, tokenVersion: tv };
  } catch (error) {
    if (error instanceof AuthenticationError) throw error;
    if (error instanceof joseErrors.JWTExpired) throw new AuthenticationError('Access token expired');
    throw new AuthenticationError('Invalid access token');
  }
}

/** Refresh tokens are opaque: `<tokenId>.<secret>`. Only the SHA-256 of the whole string is stored. */
export function newRefreshToken(): { id: string; token: string; hash: string } {
  const id = randomUUID();
  const token = `${id}.${randomBytes(32).toString('base64url')}`;
  return { id, token, hash: hashRefreshToken(token) };
}

export function hashRefreshToken(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

/** A keyed hash of the client IP: sessions show where they came from without storing the address. */
export function hashIp(ip: string | null): string | null {
  if (!ip) return null;
  return createHash('sha256').update(config.auth.jwtSecret).update(ip).digest('base64url').slice(0, 32);
}
