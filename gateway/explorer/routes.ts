import type { IncomingMessage, ServerResponse } from 'node:http';
import { readExplorerAssets } from './assets';
import { ASSET_PATH, EXPLORER_CSP, explorerPage } from './page';

/** Answers an explorer request and says true, or says false and leaves the request to GraphQL. */
export type ExplorerRoutes = (req: IncomingMessage, res: ServerResponse) => boolean;

/** The addresses a browser opens the explorer at: the gateway's root and its GraphQL path. */
const PAGE_PATHS = new Set(['/', '/graphql', '/explorer', ASSET_PATH]);

/**
 * The offline explorer (issue #10 §4), replacing Apollo's landing page (which loads its scripts
 * from a CDN and is blank without internet). A browser opening the gateway asks for text/html with
 * GET: it gets the page; the page's assets are under /explorer/. Anything else, GET queries
 * included (they carry `query`), is GraphQL's.
 */
export function explorerRoutes({ endpoint }: { endpoint: string }): ExplorerRoutes {
  const assets = readExplorerAssets();
  const page = Buffer.from(explorerPage({ endpoint }), 'utf8');
  return (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    const url = new URL(req.url ?? '/', 'http://gateway');
    // Browsers ask for it with every page; no icon, rather than a GraphQL error.
    if (url.pathname === '/favicon.ico') {
      res.writeHead(204).end();
      return true;
    }
    if (url.pathname.startsWith(ASSET_PATH) && url.pathname.length > ASSET_PATH.length) {
      const asset = assets.get(url.pathname.slice(ASSET_PATH.length));
      if (!asset) return notFound(res);
      return answer(req, res, asset.type, asset.body, { 'cache-control': 'public, max-age=3600', 'x-content-type-options': 'nosniff' });
    }
    if (!PAGE_PATHS.has(url.pathname) || !asksForHtml(req) || url.searchParams.has('query') || url.searchParams.has('extensions')) return false;
    return answer(req, res, 'text/html; charset=utf-8', page, {
      'cache-control': 'no-cache',
      'content-security-policy': EXPLORER_CSP,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
    });
  };
}

/** A browser navigating asks `text/html` before any JSON type; API clients ask JSON (or nothing). */
function asksForHtml(req: IncomingMessage): boolean {
  const accept = (req.headers.accept ?? '').toLowerCase();
  const html = accept.indexOf('text/html');
  const json = accept.search(/application\/(graphql-response\+)?json/);
  return html >= 0 && (json < 0 || html < json);
}

function answer(req: IncomingMessage, res: ServerResponse, type: string, body: Buffer, headers: Record<string, string>): true {
  res.writeHead(200, { 'content-type': type, 'content-length': String(body.length), ...headers });
  res.end(req.method === 'HEAD' ? undefined : body);
  return true;
}

function notFound(res: ServerResponse): true {
  res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not found.');
  return true;
}
