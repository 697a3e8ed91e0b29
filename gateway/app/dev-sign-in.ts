import type { IncomingMessage, ServerResponse } from 'node:http';
import { DEV_JWT_SECRET, type Config } from '../../lib/config';
import { developmentToken } from '../../lib/development-token';
import { isValidNam, normalizeNam } from '../../lib/nam';

/** Where the development sign-in page is, and where its form posts. */
export const DEV_SIGN_IN_PATH = '/app/dev-sign-in';

/** How long a token it issues lives: a working session, well under AUTH_MAX_TOKEN_LIFETIME_S. */
const TTL = '2h';

/** Largest request body it reads: three short identifiers. */
const MAX_BODY_BYTES = 1024;

/** An identifier a token may carry: a licence number, a clerk's id, a facility id. */
const IDENTIFIER = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * Whether the development sign-in may exist (issue #11 §4): only while the gateway verifies tokens
 * with the development secret, never in production. Anyone can sign tokens with that secret (it is
 * in the source), so issuing them here gives nobody more than `npm run token` does; with a real
 * secret or an identity provider (AUTH_JWKS_URL) the page and its endpoint are not served at all.
 */
export function devSignInAllowed(config: Pick<Config, 'auth' | 'production'>): boolean {
  return !config.production && !config.auth.jwksUrl && config.auth.jwtSecret === DEV_JWT_SECRET;
}

export interface DevSignInRequest {
  role: string;
  sub: string;
  facility?: string;
}

/**
 * Why a sign-in request cannot be granted, if it cannot: a role the policy names, a person's own
 * NAM (normalised), identifiers otherwise. The reason is a fixed phrase, never the value.
 */
export function devSignInFlaw(body: unknown, roles: readonly string[]): string | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return 'expected { role, sub, facility? }';
  const { role, sub, facility } = body as Record<string, unknown>;
  if (typeof role !== 'string' || !roles.includes(role)) return 'role must be one of the policy\'s roles';
  if (typeof sub !== 'string') return 'sub is required';
  if (role === 'person' ? !isValidNam(normalizeNam(sub)) : !IDENTIFIER.test(sub)) return role === 'person' ? 'a person signs in with their own NAM' : 'sub must be 1 to 64 letters, digits, dots, dashes or underscores';
  if (facility !== undefined && facility !== '' && (typeof facility !== 'string' || !IDENTIFIER.test(facility))) return 'facility must be 1 to 64 letters, digits, dots, dashes or underscores';
  return undefined;
}

/**
 * POST /app/dev-sign-in with `{ role, sub, facility? }` as JSON: answers `{ token }`. JSON only, so
 * a page of another origin cannot post it without a CORS preflight, which this path never answers.
 */
export function issueDevToken(req: IncomingMessage, res: ServerResponse, roles: readonly string[]): void {
  const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (type !== 'application/json') return void json(res, 415, { error: 'send JSON' });
  const chunks: Buffer[] = [];
  let size = 0;
  req.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) {
      json(res, 413, { error: 'request too large' }, true);
      req.destroy();
      return;
    }
    chunks.push(chunk);
  });
  req.on('end', () => {
    if (res.headersSent) return;
    let body: unknown;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      return void json(res, 400, { error: 'not JSON' });
    }
    const flaw = devSignInFlaw(body, roles);
    if (flaw) return void json(res, 400, { error: flaw });
    const { role, sub, facility } = body as DevSignInRequest;
    developmentToken({ role, sub: role === 'person' ? normalizeNam(sub) : sub, facility: facility || undefined }, DEV_JWT_SECRET, TTL).then(
      (token) => json(res, 200, { token }),
      () => json(res, 500, { error: 'internal error' }),
    );
  });
  req.on('error', () => res.destroy());
}

function json(res: ServerResponse, status: number, body: unknown, close = false): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', ...(close ? { connection: 'close' } : {}) });
  res.end(JSON.stringify(body));
}
