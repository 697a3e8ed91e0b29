import { SignJWT } from 'jose';
import { DEV_JWT_SECRET } from './config';

/**
 * A development bearer token for a role, signed HS256 with the development secret (or the one
 * given): what `npm run token` prints and the pages' development sign-in issues. `iat` and `exp`
 * are set, as the gateway requires (gateway/authenticate.ts).
 */
export async function developmentToken(claims: { sub: string; role: string; facility?: string }, secret = DEV_JWT_SECRET, ttl = '8h'): Promise<string> {
  return new SignJWT({ role: claims.role, ...(claims.facility ? { facility: claims.facility } : {}) })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(claims.sub)
    .setIssuedAt()
    .setExpirationTime(ttl)
    .sign(new TextEncoder().encode(secret));
}
