import type { IncomingMessage, ServerResponse } from 'node:http';
import { readAppAssets } from './assets';
import { DEV_SIGN_IN_PATH, issueDevToken } from './dev-sign-in';
import { APP_ASSET_PATH, APP_CSP, appPage } from './page';

/** Answers a pages request and says true, or says false and leaves the request to the next route (GraphQL's). */
export type AppRoutes = (req: IncomingMessage, res: ServerResponse) => boolean;

export interface AppRoutesOptions {
  /** Whether the development sign-in is offered (devSignInAllowed): its page, its script and its endpoint exist only then. */
  devSignIn: boolean;
  /** The roles the policy names: the development sign-in issues tokens for these only. */
  roles: readonly string[];
}

/**
 * The page paths (issue #11): the NAM search and the provider's patient view, the person's own page,
 * the consent clerk's desk, the sign-in. One NAM-shaped segment at most after /app/patients/.
 */
const PAGE_PATHS = [/^\/app\/?$/, /^\/app\/patients\/[A-Za-z0-9]{1,20}$/, /^\/app\/me$/, /^\/app\/clerk$/, /^\/app\/sign-in$/];

/**
 * Headers of every page: nothing of it is kept by the browser or a proxy (no-store), the address
 * (which may hold a NAM) is never sent to anyone as a Referer, no framing, the CSP above.
 */
const PAGE_HEADERS = {
  'cache-control': 'no-store',
  'referrer-policy': 'no-referrer',
  'content-security-policy': APP_CSP,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
};

/**
 * The people's pages, served by the gateway from its own files. The routes log nothing: a page
 * address may hold a NAM (/app/patients/<NAM>), so it never reaches a log line, a metric or a span.
 */
export function appRoutes(options: AppRoutesOptions): AppRoutes {
  const assets = readAppAssets({ development: options.devSignIn });
  const page = Buffer.from(appPage({ devSignIn: options.devSignIn }), 'utf8');
  return (req, res) => {
    const { pathname } = new URL(req.url ?? '/', 'http://gateway');
    if (pathname === '/favicon.ico') return answer(req, res, 204);
    if (pathname !== '/app' && !pathname.startsWith('/app/')) return false;
    if (pathname === DEV_SIGN_IN_PATH && options.devSignIn) {
      if (req.method === 'POST') {
        issueDevToken(req, res, options.roles);
        return true;
      }
      if (req.method === 'GET' || req.method === 'HEAD') return answer(req, res, 200, 'text/html; charset=utf-8', page, PAGE_HEADERS);
      return methodNotAllowed(res, 'GET, HEAD, POST');
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return methodNotAllowed(res, 'GET, HEAD');
    if (pathname.startsWith(APP_ASSET_PATH)) {
      const asset = assets.get(pathname.slice(APP_ASSET_PATH.length));
      if (!asset) return notFound(res);
      // The same bytes for everyone, nothing personal: a browser may keep them a little while.
      return answer(req, res, 200, asset.type, asset.body, { 'cache-control': 'public, max-age=300', 'x-content-type-options': 'nosniff' });
    }
    if (PAGE_PATHS.some((path) => path.test(pathname))) return answer(req, res, 200, 'text/html; charset=utf-8', page, PAGE_HEADERS);
    return notFound(res);
  };
}

function answer(req: IncomingMessage, res: ServerResponse, status: number, type?: string, body?: Buffer, headers: Record<string, string> = {}): true {
  res.writeHead(status, { ...(type ? { 'content-type': type } : {}), 'content-length': String(body?.length ?? 0), ...headers });
  res.end(req.method === 'HEAD' ? undefined : body);
  return true;
}

function notFound(res: ServerResponse): true {
  res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' }).end('Not found.');
  return true;
}

function methodNotAllowed(res: ServerResponse, allow: string): true {
  res.writeHead(405, { allow, 'content-type': 'text/plain; charset=utf-8' }).end('Method not allowed.');
  return true;
}
