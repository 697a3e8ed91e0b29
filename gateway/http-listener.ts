import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { Tracer } from '@opentelemetry/api';
import type { AddressInfo } from 'node:net';
import { HeaderMap, type ApolloServer, type BaseContext, type HTTPGraphQLResponse } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ErrorCode } from '../lib/errors';
import type { CorsOrigins } from '../lib/config';
import type { Logger } from '../lib/logger';
import { corsHeaders } from './cors';
import type { OpsRoutes } from '../ops/ops-routes';
import { REQUEST_ID_HEADER, requestIdOf } from '../ops/request-id';
import { inSpan, SpanKind } from '../ops/spans';
import { contextFromHeaders } from '../ops/trace-context';

/** Far above any request the limits let through (1,000 tokens, 100 NAMs), far below what hurts. */
export const MAX_BODY_BYTES = 1024 * 1024;

/** A request refused before it reaches Apollo: its HTTP status and fixed words. */
class Refusal extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The gateway's HTTP front, doing what @apollo/server's startStandaloneServer does except for the
 * body: the standalone server hands it to body-parser, whose failures finalhandler answers with an
 * HTML page quoting the body (a NAM sent as the body came back), not a GraphQL error. Here a body
 * that cannot be read as JSON is a 4xx with BAD_REQUEST in an errors array, like every other bad
 * request; the rest is Apollo's (CSRF prevention, the context, the request pipeline).
 */
export async function listenHttp<C extends BaseContext>(
  server: ApolloServer<C>,
  options: { host: string; port: number; context: (req: IncomingMessage, requestId: string) => Promise<C>; logger: Pick<Logger, 'error'>; cors: CorsOrigins; tracer?: Tracer },
  /** Answered first, without a token and outside GraphQL: /health, /ready, /metrics (ops/ops-routes.ts). */
  routes?: OpsRoutes,
): Promise<{ url: string }> {
  const httpServer = http.createServer((req, res) => {
    if (routes?.(req, res)) return;
    void handle(server, options, req, res);
  });
  server.addPlugin(ApolloServerPluginDrainHttpServer({ httpServer }));
  await server.start();
  await new Promise<void>((resolve, reject) => httpServer.once('error', reject).listen({ host: options.host, port: options.port }, resolve));
  const { address, port } = httpServer.address() as AddressInfo;
  const host = address === '' || address === '::' || address === '0.0.0.0' ? 'localhost' : address.includes(':') ? `[${address}]` : address;
  return { url: `http://${host}:${port}/` };
}

async function handle<C extends BaseContext>(
  server: ApolloServer<C>,
  { context, logger, cors, tracer }: { context: (req: IncomingMessage, requestId: string) => Promise<C>; logger: Pick<Logger, 'error'>; cors: CorsOrigins; tracer?: Tracer },
  req: IncomingMessage,
  res: ServerResponse,
) {
  // Set first, so every answer carries it, refusals included (ops/request-id.ts).
  const requestId = requestIdOf(req.headers[REQUEST_ID_HEADER]);
  res.setHeader(REQUEST_ID_HEADER, requestId);
  try {
    // CORS from the configured allow-list (CORS_ORIGINS; any origin in development, as before).
    for (const [name, value] of Object.entries(corsHeaders(cors, req.headers.origin))) res.setHeader(name, value);
    if (req.method === 'OPTIONS') return preflight(req, res);
    const headers = new HeaderMap();
    for (const [key, value] of Object.entries(req.headers)) if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
    // One span per GraphQL request (issue #10 §3), continuing the caller's trace when it sent a traceparent (W3C Trace Context §3.2).
    await inSpan(tracer, 'graphql request', { 'qhr.request_id': requestId }, async (span) => {
      const response = await server.executeHTTPGraphQLRequest({
        httpGraphQLRequest: { method: req.method!.toUpperCase(), headers, search: new URL(req.url ?? '/', 'http://gateway').search, body: await jsonBody(req) },
        context: () => context(req, requestId),
      });
      span?.setAttribute('http.response.status_code', response.status ?? 200);
      await send(res, response);
    }, tracer && { kind: SpanKind.SERVER, parent: contextFromHeaders(req.headers) });
  } catch (error) {
    // Only the failure's name is logged: a message may quote the request.
    if (!(error instanceof Refusal)) logger.error({ failure: (error as Error).name, requestId }, 'HTTP request failed');
    const refusal = error instanceof Refusal ? error : new Refusal(500, 'Internal error.');
    const code = refusal.status === 500 ? ErrorCode.INTERNAL : ErrorCode.BAD_REQUEST;
    if (res.headersSent) return void res.destroy();
    // A body left half-read (too large) leaves the connection unusable: the client must open another.
    res.writeHead(refusal.status, { 'content-type': 'application/json; charset=utf-8', ...(req.complete ? {} : { connection: 'close' }) });
    res.end(JSON.stringify({ errors: [{ message: refusal.message, extensions: { code } }] }));
  }
}

/** The parsed body of a JSON request; undefined for any other (Apollo then says what it expects). */
async function jsonBody(req: IncomingMessage): Promise<unknown> {
  const [type, ...parameters] = (req.headers['content-type'] ?? '').split(';').map((part) => part.trim().toLowerCase());
  if (type !== 'application/json') return undefined;
  const charset = parameters.find((p) => p.startsWith('charset='))?.slice('charset='.length).replace(/"/g, '');
  if (charset && charset !== 'utf-8' && charset !== 'utf8') throw new Refusal(415, 'The request body must be JSON in UTF-8.');
  if ((req.headers['content-encoding'] ?? 'identity') !== 'identity') throw new Refusal(415, 'The request body must not be compressed.');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new Refusal(413, `The request body is larger than ${MAX_BODY_BYTES} bytes.`);
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    // JSON.parse's message quotes the body: never passed on.
    throw new Refusal(400, 'The request body is not valid JSON.');
  }
}

function preflight(req: IncomingMessage, res: ServerResponse) {
  res.setHeader('access-control-allow-methods', 'GET,HEAD,PUT,PATCH,POST,DELETE');
  const asked = req.headers['access-control-request-headers'];
  const vary = [res.getHeader('vary'), 'Access-Control-Request-Headers'].filter(Boolean).join(', ');
  if (asked) res.setHeader('access-control-allow-headers', asked).setHeader('vary', vary);
  res.writeHead(204, { 'content-length': '0' }).end();
}

async function send(res: ServerResponse, response: HTTPGraphQLResponse) {
  for (const [key, value] of response.headers) res.setHeader(key, value);
  res.statusCode = response.status ?? 200;
  if (response.body.kind === 'complete') return void res.end(response.body.string);
  for await (const chunk of response.body.asyncIterator) res.write(chunk);
  res.end();
}
