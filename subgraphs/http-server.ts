import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HeaderMap, type ApolloServer, type BaseContext } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ErrorCode } from '../lib/errors';
import type { OpsRoutes } from '../ops/ops-routes';

/** Far above the largest entity batch the gateway sends (maxBatchSize 200 people), far below what hurts. */
const MAX_BODY_BYTES = 16 * 1024 * 1024;

export interface SubgraphHttpOptions<C> {
  listen: { host: string; port: number };
  context(args: { req: IncomingMessage; res: ServerResponse }): Promise<C>;
  /** Answered first, without the gateway's token: /health, /ready, /metrics (ops/ops-routes.ts). */
  routes?: OpsRoutes;
}

/**
 * A subgraph's HTTP front: what @apollo/server's startStandaloneServer did (same options), plus the
 * ops routes, which the standalone server gives no way to add. Only the gateway calls the GraphQL
 * path, with JSON; a body that is not JSON is a 400 with BAD_REQUEST, never an HTML page quoting it.
 */
export async function listenSubgraphHttp<C extends BaseContext>(server: ApolloServer<C>, options: SubgraphHttpOptions<C>): Promise<{ url: string }> {
  const httpServer = http.createServer((req, res) => {
    if (options.routes?.(req, res)) return;
    void answer(server, options, req, res);
  });
  server.addPlugin(ApolloServerPluginDrainHttpServer({ httpServer }));
  await server.start();
  await new Promise<void>((resolve, reject) => httpServer.once('error', reject).listen(options.listen, resolve));
  const { address, port } = httpServer.address() as AddressInfo;
  const host = address === '' || address === '::' || address === '0.0.0.0' ? 'localhost' : address.includes(':') ? `[${address}]` : address;
  return { url: `http://${host}:${port}/` };
}

async function answer<C extends BaseContext>(server: ApolloServer<C>, options: SubgraphHttpOptions<C>, req: IncomingMessage, res: ServerResponse) {
  try {
    const headers = new HeaderMap();
    for (const [key, value] of Object.entries(req.headers)) if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
    const response = await server.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: req.method!.toUpperCase(), headers, search: new URL(req.url ?? '/', 'http://subgraph').search, body: await jsonBody(req) },
      context: () => options.context({ req, res }),
    });
    for (const [key, value] of response.headers) res.setHeader(key, value);
    res.statusCode = response.status ?? 200;
    if (response.body.kind === 'complete') return void res.end(response.body.string);
    for await (const chunk of response.body.asyncIterator) res.write(chunk);
    res.end();
  } catch {
    if (res.headersSent) return void res.destroy();
    // A body left unread (too large) leaves the connection unusable: the gateway opens another.
    res.writeHead(400, { 'content-type': 'application/json; charset=utf-8', ...(req.complete ? {} : { connection: 'close' }) });
    res.end(JSON.stringify({ errors: [{ message: 'The request body is not JSON this subgraph can read.', extensions: { code: ErrorCode.BAD_REQUEST } }] }));
  }
}

/** The parsed body of a JSON request; undefined for any other (Apollo then says what it expects). */
async function jsonBody(req: IncomingMessage): Promise<unknown> {
  if ((req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase() !== 'application/json') return undefined;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new Error('body too large');
    chunks.push(chunk);
  }
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}
