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

/** How far ahead of our clock an identity provider's clock may be (its `iat` then looks future). */
export const CLOCK_TOLERANCE_S = 60;

/**
 * Verifies provider tokens with jose: HS256 with AUTH_JWT_SECRET in development, the JWKS at
 * AUTH_JWKS_URL in production. Only the listed algorithms are accepted, so `alg: none` and
 * algorithm-confusion tokens fail like a bad signature. A token must also say when it was issued
 * and live no longer than `maxTokenLifetimeS` (see lifetimeAcceptable). Every failure is the same
 * UNAUTHENTICATED (the reason is not told to the caller: it would help a forger).
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
    if (!lifetimeAcceptable(payload, auth.maxTokenLifetimeS, Math.floor(Date.now() / 1000))) throw unauthenticated();
    if (typeof payload.sub !== 'string' || payload.sub === '' || typeof payload.role !== 'string' || payload.role === '') {
      throw unauthenticated('The token must name the provider (sub) and a role.');
    }
    return { id: payload.sub, role: payload.role, facility: typeof payload.facility === 'string' ? payload.facility : undefined };
  };
}

/**
 * A stolen token is only as dangerous as it is long-lived: `exp` alone lets an issuer (or a forger
 * holding a leaked development secret) mint a token for the year 9999. So `iat` is required, the
 * lifetime it claims (exp - iat) is capped, and a token "issued" in the future (beyond the clock
 * tolerance) is refused: otherwise iat and exp both in 9999 would pass the cap. jose has already
 * checked that exp is not past.
 */
export function lifetimeAcceptable(payload: Pick<JWTPayload, 'iat' | 'exp'>, maxLifetimeS: number, nowS: number): boolean {
  const { iat, exp } = payload;
  if (typeof iat !== 'number' || typeof exp !== 'number' || !Number.isFinite(iat) || !Number.isFinite(exp)) return false;
  return iat <= nowS + CLOCK_TOLERANCE_S && exp - iat <= maxLifetimeS;
}

function keyResolver(auth: Config['auth']): (token: string) => Promise<JWTPayload> {
  const options = { issuer: auth.issuer, audience: auth.audience, requiredClaims: ['exp', 'iat', 'sub'] };
  if (auth.jwksUrl) {
    const jwks: JWTVerifyGetKey = createRemoteJWKSet(new URL(auth.jwksUrl));
    return async (token) => (await jwtVerify(token, jwks, { ...options, algorithms: ['RS256', 'ES256', 'PS256', 'EdDSA'] })).payload;
  }
  if (!auth.jwtSecret) throw new Error('authentication needs AUTH_JWKS_URL or AUTH_JWT_SECRET');
  const secret = new TextEncoder().encode(auth.jwtSecret);
  return async (token) => (await jwtVerify(token, secret, { ...options, algorithms: ['HS256'] })).payload;
}
