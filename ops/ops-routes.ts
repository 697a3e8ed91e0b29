import type { IncomingMessage, ServerResponse } from 'node:http';
import { LIVENESS, checksNow, readiness, readinessStatus, type ReadinessChecks } from './health';
import type { Metrics } from './metrics';

/** The paths probes and scrapers use, answered before authentication and before GraphQL. */
export const OPS_PATHS = ['/health', '/ready', '/metrics', '/.well-known/apollo/server-health'] as const;

export interface OpsRoutesOptions {
  metrics: Pick<Metrics, 'scrape'>;
  /** The readiness checks, or how to list them now (a service whose parts come and go on a sources-file reload). */
  checks: ReadinessChecks;
}

/** Answers an ops path and says true, or says false and leaves the request to the service. */
export type OpsRoutes = (req: IncomingMessage, res: ServerResponse) => boolean;

/**
 * The ops routes of one service. They need no token, like any probe, so they say only what a
 * probe needs (statuses, dependency names, counters without personal labels). GET and HEAD only:
 * they change nothing.
 */
export function opsRoutes(options: OpsRoutesOptions): OpsRoutes {
  return (req, res) => {
    const path = pathOf(req.url);
    if (!(OPS_PATHS as readonly string[]).includes(path)) return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify({ status: 'method not allowed' }));
      return true;
    }
    void answer(path, options).then(
      ({ status, type, body }) => send(req, res, status, type, body),
      () => send(req, res, 500, JSON_TYPE, JSON.stringify({ status: 'error' })),
    );
    return true;
  };
}

const JSON_TYPE = 'application/json; charset=utf-8';

async function answer(path: string, options: OpsRoutesOptions): Promise<{ status: number; type: string; body: string }> {
  if (path === '/metrics') {
    const { contentType, body } = await options.metrics.scrape();
    return { status: 200, type: contentType, body };
  }
  if (path === '/ready') {
    const ready = await readiness(checksNow(options.checks));
    return { status: readinessStatus(ready), type: JSON_TYPE, body: JSON.stringify(ready) };
  }
  return { status: 200, type: JSON_TYPE, body: JSON.stringify(LIVENESS) };
}

function send(req: IncomingMessage, res: ServerResponse, status: number, type: string, body: string) {
  // A probe's answer is about now: never cached by a proxy in between.
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', 'content-length': Buffer.byteLength(body) });
  res.end(req.method === 'HEAD' ? undefined : body);
}

/** The path alone: a query string (`/ready?verbose`) changes nothing. */
function pathOf(url: string | undefined): string {
  const end = url?.search(/[?#]/) ?? -1;
  return (end >= 0 ? url!.slice(0, end) : (url ?? '/')).replace(/(.)\/+$/, '$1');
}
