/**
 * Credentials of HTTP sources (sources file `auth` and `tls`, parsed by lib/source-auth.ts): one
 * module per kind of auth, and source-credentials.ts that makes what one source's requests
 * carry. adapters/http.ts applies them; nothing else needs to.
 */
export { hasCredentials, openSourceCredentials, TOKEN_TIMEOUT_MS, type SourceCredentials } from './source-credentials';
export type { Authorizer } from './authorizer';
