import diagnostics from 'node:diagnostics_channel';
import http, { type ClientRequest } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A reverse proxy in front of a demo source system that counts what reaches it. */
export interface CountingProxy {
  url: string;
  /** Requests forwarded since the last reset. */
  readonly count: number;
  reset(): void;
  close(): Promise<void>;
}

/**
 * Forwards every request to `target` and counts it. The Host header is kept, so the demo FHIR
 * server builds its paging links through the proxy and every page is counted too. Nothing of a
 * request is kept: its URL and body may hold NAMs.
 */
export async function countingProxy(target: string): Promise<CountingProxy> {
  let count = 0;
  const server = http.createServer((req, res) => {
    count++;
    const upstream = http.request(new URL(req.url ?? '/', target), { method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get count() {
      return count;
    },
    reset: () => {
      count = 0;
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Counts the HTTP requests this process sends to the given URLs' host:port (the gateway's subgraph calls). */
export interface RequestCounter {
  readonly count: number;
  reset(): void;
  stop(): void;
}

/**
 * The gateway calls its subgraphs over node:http (make-fetch-happen), which announces every
 * request on the `http.client.request.start` diagnostics channel: counting there needs no change
 * to the gateway and sees exactly what leaves it.
 */
export function countRequestsTo(urls: readonly string[]): RequestCounter {
  const hosts = new Set(urls.map((url) => new URL(url).host));
  let count = 0;
  const onStart = (message: unknown) => {
    const request = (message as { request?: ClientRequest }).request;
    const host = request?.getHeader('host');
    if (typeof host === 'string' && hosts.has(host)) count++;
  };
  diagnostics.subscribe('http.client.request.start', onStart);
  return {
    get count() {
      return count;
    },
    reset: () => {
      count = 0;
    },
    stop: () => {
      diagnostics.unsubscribe('http.client.request.start', onStart);
    },
  };
}
