import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import { serviceUnavailable } from '../lib/errors';
import { INTERNAL_HEADER, signInternalToken } from '../lib/internal-token';
import type { SourceReport } from '../subgraphs/ask-sources';
import type { GatewayContext } from './context';
import { subgraphFetcher } from './subgraph-http';
import { traceHeaders } from '../ops/trace-context';

/**
 * How the gateway calls a subgraph: over a keep-alive undici pool, signing each request for that
 * subgraph (subgraphs refuse unsigned calls), and collecting the source reports the subgraph
 * returns in its extensions. The reports are removed from the response so they never reach the
 * caller as such. The token is signed once per request and subgraph, however many calls the plan
 * makes to it: by then the consent rules have fixed the grants it carries.
 */
export class SignedSubgraph extends RemoteGraphQLDataSource<GatewayContext> {
  private readonly tokens = new WeakMap<GatewayContext, Promise<string>>();
  private readonly http: ReturnType<typeof subgraphFetcher>;

  constructor(
    private readonly subgraph: { name: string; url: string },
    private readonly internalSecret: string,
  ) {
    const http = subgraphFetcher(subgraph.url);
    super({ url: subgraph.url, fetcher: http.fetcher as never });
    this.http = http;
  }

  /**
   * A subgraph that cannot be reached (its process gone, restarting, its connection reset) is
   * SERVICE_UNAVAILABLE for what it holds, as a subgraph whose database is down says itself; the
   * rest of the record still comes back. Anything else is an error of ours and stays one.
   */
  override async process(options: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<GatewayGraphQLResponse> {
    try {
      return await super.process(options);
    } catch (error) {
      if (!unreachable(error)) throw error;
      return { errors: [serviceUnavailable().toJSON()] } as GatewayGraphQLResponse;
    }
  }

  override async willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<void> {
    if (!('caller' in context) || !context.caller) throw new Error('subgraph call without an authenticated caller');
    const requestContext = context as GatewayContext;
    let token = this.tokens.get(requestContext);
    if (!token) this.tokens.set(requestContext, (token = signInternalToken(requestContext.caller, this.subgraph.name, this.internalSecret)));
    request.http?.headers.set(INTERNAL_HEADER, await token);
    // W3C Trace Context (§3.2 traceparent): the subgraph continues this request's trace (subgraphs/serve.ts); nothing when tracing is off.
    for (const [name, value] of Object.entries(traceHeaders())) request.http?.headers.set(name, value);
  }

  close(): Promise<void> {
    return this.http.close();
  }

  override async didReceiveResponse({ response, context }: Required<Pick<GraphQLDataSourceProcessOptions<GatewayContext>, 'request' | 'context'>> & { response: GatewayGraphQLResponse }): Promise<GatewayGraphQLResponse> {
    return takeSourceReports(response, context as GatewayContext);
  }
}

/**
 * Moves the source reports a domain subgraph returns in its extensions into the request's context
 * (for Patient.sources), so they never reach the caller as such.
 */
export function takeSourceReports(response: GatewayGraphQLResponse, context: GatewayContext): GatewayGraphQLResponse {
  const reports = response.extensions?.sourceReports;
  if (Array.isArray(reports) && 'sourceReports' in context) context.sourceReports.push(...(reports as SourceReport[]));
  if (response.extensions) delete response.extensions.sourceReports;
  return response;
}

/** Network failures of a call (Node's and undici's codes), on the error or its cause. */
const NETWORK_CODES = /^(ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|EAI_AGAIN|UND_ERR_[A-Z_]+)$/;
function unreachable(error: unknown): boolean {
  for (let current = error as { code?: unknown; cause?: unknown } | undefined, depth = 0; current && depth < 3; current = current.cause as typeof current, depth++) {
    if (typeof current.code === 'string' && NETWORK_CODES.test(current.code)) return true;
  }
  return false;
}
