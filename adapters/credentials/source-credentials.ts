import { rootCertificates, type SecureContextOptions } from 'node:tls';
import type { SourceConfig } from '../../lib/sources';
import type { Authorizer } from './authorizer';
import { bearerAuthorizer } from './bearer';
import { clientCredentialsAuthorizer } from './client-credentials';
import { readClientTls } from './client-tls';
import { smartBackendAuthorizer } from './smart-backend';
import type { TokenCacheOptions } from './token-cache';

/** How long one request to a token endpoint may take. */
export const TOKEN_TIMEOUT_MS = 10_000;

/**
 * What every request to one HTTP source carries (adapters/http.ts applies it): its Authorization
 * header and its client TLS, for the source's origin only.
 */
export interface SourceCredentials {
  readonly sourceId: string;
  /** The origin of the source's URL (RFC 6454 §4): the only one its credentials are sent to. */
  readonly origin: string;
  /** Our client certificate and key, and the CA of the source's server certificate, when `tls` is set. */
  readonly tls?: SecureContextOptions;
  /** Present when `auth` is set. */
  readonly authorizer?: Authorizer;
}

/** Whether a source has credentials of its own (an `auth` or a client `tls` in the sources file). */
export const hasCredentials = (source: SourceConfig) => source.auth !== undefined || source.clientTls !== undefined;

/**
 * Reads a source's secrets and files (once, when the adapters start) and makes what its requests
 * carry. A variable that is not set, or a file that cannot be read or is not what it should be,
 * throws a SourcesFileError naming the source and the variable or file: the start stops there.
 */
export function openSourceCredentials(source: SourceConfig, options: Partial<TokenCacheOptions> = {}): SourceCredentials {
  if (!source.url) throw new Error(`source ${source.id} has no URL: only HTTP sources have credentials`);
  const tls = source.clientTls ? readClientTls(source.id, source.clientTls) : undefined;
  const grant = { tls: tls && tokenEndpointTls(tls), timeoutMs: TOKEN_TIMEOUT_MS, ...options };
  const auth = source.auth;
  const authorizer =
    auth?.type === 'bearer'
      ? bearerAuthorizer(source.id, auth)
      : auth?.type === 'client-credentials'
        ? clientCredentialsAuthorizer(source.id, auth, grant)
        : auth?.type === 'smart-backend'
          ? smartBackendAuthorizer(source.id, auth, grant)
          : undefined;
  return { sourceId: source.id, origin: new URL(source.url).origin, ...(tls ? { tls } : {}), ...(authorizer ? { authorizer } : {}) };
}

/**
 * The token endpoint is reached with our client certificate (it is sent only to a server that
 * asks for one: mutual-TLS client authentication, RFC 8705 §2), and trusted if either the
 * source's CA or a system CA issued its certificate: it may sit in the source's PKI or be a
 * public authorization server.
 */
function tokenEndpointTls(tls: SecureContextOptions): SecureContextOptions {
  return tls.ca ? { ...tls, ca: [...rootCertificates, tls.ca as Buffer] } : tls;
}
