import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request a recording server saw: method, path with its query, and the body as text. */
export interface RecordedRequest {
  method: string;
  url: URL;
  body: string;
}

export interface RecordingServer {
  url: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

/**
 * A small HTTP server for edge cases the demo systems do not have: it records every request
 * (query and body included, which test/support/fake-sources.ts does not) and answers with `handler`.
 */
export async function recordingServer(
  handler: (request: RecordedRequest, response: http.ServerResponse, origin: string) => void,
): Promise<RecordingServer> {
  const requests: RecordedRequest[] = [];
  let origin = '';
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request = { method: req.method ?? 'GET', url: new URL(req.url ?? '/', origin), body: Buffer.concat(chunks).toString('utf8') };
      requests.push(request);
      handler(request, res, origin);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: origin,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Sends a JSON body with a content type, and optionally a Date header of the server's choosing. */
export function sendJson(response: http.ServerResponse, body: unknown, options: { type?: string; date?: Date | null } = {}): void {
  if (options.date === null) response.sendDate = false;
  else if (options.date) response.setHeader('date', options.date.toUTCString());
  response.writeHead(200, { 'content-type': options.type ?? 'application/json' });
  response.end(JSON.stringify(body));
}
