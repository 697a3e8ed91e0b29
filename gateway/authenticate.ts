import { createRemoteJWKSet, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { unauthenticated } from '../lib/errors';
import type { Config } from '../lib/config';

/** The authenticated caller, from the bearer token's claims (issue #3 §7). */
export interface Provider {
  /** `sub`: the provider's licence id (or, for role `person`, the person's own NAM). */
  id: string;
  role: string;
  facility?: string;
}

export type Authenticator = (authorization: string | undefined) => Promise<Provider>;

/**
 * Verifies provider tokens with jose: HS256 with AUTH_JWT_SECRET in development, the JWKS at
 * AUTH_JWKS_URL in production. Only the listed algorithms are accepted, so `alg: none` and
 * algorithm-confusion tokens fail like a bad signature. Every failure is the same UNAUTHENTICATED
 * (the reason is not told to the caller: it would help a forger).
 */
export function createAuthenticator(auth: Config['auth']): Authenticator {
  const verifyWith = keyResolver(auth);
  return async (authorization) => {
    const token = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
    if (!token) throw unauthenticated();
    let payload: JWTPayload;
    try {
      payload = await verifyWith(token);
    } catch {
      throw unauthenticated();
    }
    if (typeof payload.sub !== 'string' || payload.sub === '' || typeof payload.role !== 'string' || payload.role === '') {
      throw unauthenticated('The token must name the provider (sub) and a role.');
    }
    return { id: payload.sub, role: payload.role, facility: typeof payload.facility === 'string' ? payload.facility : undefined };
  };
}

function keyResolver(auth: Config['auth']): (token: string) => Promise<JWTPayload> {
  const options = { issuer: auth.issuer, audience: auth.audience, requiredClaims: ['exp', 'sub'] };
  if (auth.jwksUrl) {
    const jwks: JWTVerifyGetKey = createRemoteJWKSet(new URL(auth.jwksUrl));
    return async (token) => (await jwtVerify(token, jwks, { ...options, algorithms: ['RS256', 'ES256', 'PS256', 'EdDSA'] })).payload;
  }
  if (!auth.jwtSecret) throw new Error('authentication needs AUTH_JWKS_URL or AUTH_JWT_SECRET');
  const secret = new TextEncoder().encode(auth.jwtSecret);
  return async (token) => (await jwtVerify(token, secret, { ...options, algorithms: ['HS256'] })).payload;
}
