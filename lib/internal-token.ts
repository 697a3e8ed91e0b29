import { jwtVerify, SignJWT } from 'jose';

/**
 * The gateway signs every request it sends a subgraph with a short-lived token naming the
 * provider it acts for; subgraphs refuse any request without one (issue #3 §7). The token is
 * HS256 over a secret only the gateway and the subgraphs hold, with the subgraph as audience so
 * a token captured on one subgraph cannot be replayed on another.
 */
export const INTERNAL_HEADER = 'x-qhr-gateway-token';
const ISSUER = 'qhr-gateway';

export interface Caller {
  /** Provider licence id, or the person's own NAM for role `person`. */
  providerId: string;
  role: string;
  facility?: string;
  /** Domains the caller's role may see (decided by the gateway's policy). */
  domains: string[];
  /**
   * The records the gateway's consent rules opened for this request: NAM -> null when the whole
   * record is open, or a date when a partial refusal keeps what sources recorded before it closed.
   * A NAM absent from this map is refused: subgraphs deny by default.
   */
  grants: Record<string, string | null>;
  /**
   * Of the granted NAMs, those whose person refused (the record open to this caller because they
   * consulted it before, or partly): the record's status as the consent decision read it, so the
   * patient index need not read it again.
   */
  refused?: string[];
}

const keyOf = (secret: string) => new TextEncoder().encode(secret);

/**
 * `audience` is the subgraph the token is for. Several (`aud` as an array) make one token valid on
 * each of them: for a caller that forwards the same token to every subgraph (the bench's peer
 * gateways), never for the gateway, which signs per subgraph.
 */
export async function signInternalToken(caller: Caller, audience: string | readonly string[], secret: string): Promise<string> {
  return new SignJWT({ role: caller.role, facility: caller.facility, domains: caller.domains, grants: caller.grants, ...(caller.refused ? { refused: caller.refused } : {}) })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(caller.providerId)
    .setIssuer(ISSUER)
    .setAudience(typeof audience === 'string' ? audience : [...audience])
    .setIssuedAt()
    .setExpirationTime('60s')
    .sign(keyOf(secret));
}

/** Returns the caller, or undefined for a missing, forged, expired or misdirected token. */
export async function verifyInternalToken(token: string | undefined, audience: string, secret: string): Promise<Caller | undefined> {
  if (!token) return undefined;
  try {
    const { payload } = await jwtVerify(token, keyOf(secret), { algorithms: ['HS256'], issuer: ISSUER, audience });
    if (typeof payload.sub !== 'string' || typeof payload.role !== 'string') return undefined;
    return {
      providerId: payload.sub,
      role: payload.role,
      facility: typeof payload.facility === 'string' ? payload.facility : undefined,
      domains: Array.isArray(payload.domains) ? payload.domains.filter((d): d is string => typeof d === 'string') : [],
      grants: grantsOf(payload.grants),
      ...(Array.isArray(payload.refused) ? { refused: payload.refused.filter((nam): nam is string => typeof nam === 'string') } : {}),
    };
  } catch {
    return undefined;
  }
}

function grantsOf(value: unknown): Record<string, string | null> {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return {};
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v === null || typeof v === 'string')) as Record<string, string | null>;
}
