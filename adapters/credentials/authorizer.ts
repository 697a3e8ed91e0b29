import { TokenCache, type TokenCacheOptions } from './token-cache';
import type { IssuedToken } from './token-endpoint';

/** How the requests to one source are authorized (the Authorization header, RFC 9110 §11.6.2). */
export interface Authorizer {
  /** The header's value for the next request. Throws SourceError when no token can be had. */
  authorization(signal: AbortSignal): Promise<string>;
  /**
   * The source answered 401 to a request sent with `used`: forgets it, and says whether sending
   * the request once more may succeed (a token fetched anew), or not (a fixed token).
   */
  renew(used: string): boolean;
}

/** A fixed bearer token (RFC 6750 §2.1): a 401 will not change by asking again. */
export function fixedBearer(token: string): Authorizer {
  const header = `Bearer ${token}`;
  return { authorization: async () => header, renew: () => false };
}

/** Bearer tokens from a token endpoint, kept in a TokenCache: a 401 fetches a new one (once per request: http.ts). */
export function issuedBearer(fetchToken: () => Promise<IssuedToken>, options?: TokenCacheOptions): Authorizer {
  const cache = new TokenCache(fetchToken, options);
  return {
    authorization: async (signal) => `Bearer ${await cache.get(signal)}`,
    renew: (used) => {
      cache.invalidate(used.slice('Bearer '.length));
      return true;
    },
  };
}
