import type { CorsOrigins } from '../lib/config';

/**
 * CORS from the configured allow-list (Fetch standard §3.2, CORS protocol; `CORS_ORIGINS`): the
 * headers that let a page from `origin` read the answer. `any` keeps what the gateway always did
 * in development (`*`: tokens travel in `authorization`, never in cookies, so no credentials mode).
 * With a list, a listed origin is echoed and `Vary: Origin` tells caches the answer depends on it;
 * any other origin gets no `access-control-allow-origin`, so its browser withholds the answer.
 * An allowed page may read `x-request-id` (not a CORS-safelisted response header), to quote it
 * when it reports a problem.
 */
const EXPOSED = { 'access-control-expose-headers': 'x-request-id' };

export function corsHeaders(allowed: CorsOrigins, origin: string | undefined): Record<string, string> {
  if (allowed === 'any') return { 'access-control-allow-origin': '*', ...EXPOSED };
  if (origin !== undefined && allowed.includes(origin)) return { 'access-control-allow-origin': origin, vary: 'Origin', ...EXPOSED };
  return { vary: 'Origin' };
}
