import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** How a broken source answers every request. */
export type Fault = 'error-status' | 'garbage' | 'silent';

export interface FaultServer {
  url: string;
  /** Resolves at the first request the server receives (the adapter is waiting on it). */
  firstRequest: Promise<void>;
  close(): Promise<void>;
}

/**
 * A local HTTP server that fails the way real sources do: a 500 whose body is an error page, a 200
 * whose body is not the protocol's (an HTML maintenance page from a proxy), or a connection that never
 * answers. `bait` goes in every body and header: words an adapter must never copy into its errors or logs.
 */
export async function startFaultServer(fault: Fault, bait: string): Promise<FaultServer> {
  let arrived!: () => void;
  const firstRequest = new Promise<void>((resolve) => (arrived = resolve));
  const server = http.createServer((request, response) => {
    request.resume();
    arrived();
    if (fault === 'silent') return;
    const status = fault === 'error-status' ? 500 : 200;
    response.writeHead(status, { 'content-type': 'text/html', 'x-debug': bait.replace(/[^\x20-\x7e]/g, '?') });
    response.end(`<html><body><h1>${fault === 'error-status' ? 'Internal error' : 'Maintenance'}</h1><p>${bait}</p></body></html>`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    firstRequest,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
