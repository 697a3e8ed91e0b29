import type { SecureContextOptions } from 'node:tls';
import type { ClientCredentialsAuth } from '../../lib/source-auth';
import { issuedBearer, type Authorizer } from './authorizer';
import { readSecret } from './secret';
import type { TokenCacheOptions } from './token-cache';
import { requestToken, type IssuedToken } from './token-endpoint';

export interface GrantOptions extends Partial<TokenCacheOptions> {
  /** The source's client TLS, used for the token endpoint too. */
  tls?: SecureContextOptions;
  /** How long one token request may take (its own limit: the requests waiting for it each have theirs). */
  timeoutMs: number;
}

/**
 * `"auth": { "type": "client-credentials", … }`: OAuth 2.0 client credentials grant (RFC 6749
 * §4.4). The secret is read once, at start, and sent with HTTP Basic (§2.3.1), never in the form.
 */
export function clientCredentialsAuthorizer(sourceId: string, auth: ClientCredentialsAuth, options: GrantOptions): Authorizer {
  const key = auth.clientSecretEnv !== undefined ? 'auth.clientSecretEnv' : 'auth.clientSecretFile';
  const secret = readSecret(sourceId, { key, env: auth.clientSecretEnv, file: auth.clientSecretFile });
  const authorization = basicCredentials(auth.clientId, secret);
  const fetchToken = (): Promise<IssuedToken> =>
    requestToken({
      tokenUrl: auth.tokenUrl,
      // §4.4.2: grant_type, and scope when the source asks for one.
      form: new URLSearchParams({ grant_type: 'client_credentials', ...(auth.scope !== undefined ? { scope: auth.scope } : {}) }),
      authorization,
      tls: options.tls,
      timeoutMs: options.timeoutMs,
      sourceId,
    });
  return issuedBearer(fetchToken, options.now ? { now: options.now } : undefined);
}

/**
 * The Basic credentials of RFC 6749 §2.3.1: the client id and the secret each encoded with
 * application/x-www-form-urlencoded (Appendix B) before they are joined with ":" and encoded in
 * base64 (RFC 7617 §2), so that a ":" in either survives.
 */
export function basicCredentials(clientId: string, secret: string): string {
  const formEncoded = (value: string) => new URLSearchParams([['', value]]).toString().slice(1);
  return `Basic ${Buffer.from(`${formEncoded(clientId)}:${formEncoded(secret)}`).toString('base64')}`;
}
