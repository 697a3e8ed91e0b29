import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { OpsRoutes } from './ops-routes';

export interface OpsServer {
  port: number;
  url: string;
  stop(): Promise<void>;
}

/**
 * A small HTTP listener for the ops routes of a service that has no HTTP server of its own (lab
 * listeners, roster reader): OPS_PORT. Anything but an ops path is 404.
 */
export async function startOpsServer(options: { host: string; port: number; routes: OpsRoutes }): Promise<OpsServer> {
  const server = http.createServer((req, res) => {
    if (options.routes(req, res)) return;
    res.writeHead(404, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify({ status: 'not found' }));
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen({ host: options.host, port: options.port }, resolve));
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  return {
    port,
    url: `http://${host}:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Probes keep connections alive; a stopping service must not wait for them.
        server.closeIdleConnections();
      }),
  };
}
