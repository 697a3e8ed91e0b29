import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeServer {
  url: string;
  /** Requests seen, as "METHOD /path". */
  requests: string[];
  close(): Promise<void>;
}

async function listen(handler: http.RequestListener): Promise<FakeServer> {
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    requests.push(`${req.method} ${new URL(req.url ?? '/', 'http://x').pathname}`);
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/** A source that answers an HTML error page with status 200, as a misconfigured proxy does. */
export const garbageSource = () =>
  listen((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<html><body>Maintenance: patient TREM75561212 Tremblay</body></html>');
  });

/** A source that accepts the connection and never answers. */
export const silentSource = () => listen(() => undefined);

/** Forwards everything to `target` and records each request: counts what the adapters really send. */
export const countingProxy = (target: string) =>
  listen((req, res) => {
    // Host is kept, so the server builds its next links through the proxy too.
    const upstream = http.request(new URL(req.url ?? '/', target), { method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
