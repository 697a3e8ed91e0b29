import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import { INTERNAL_HEADER, signInternalToken } from '../lib/internal-token';
import type { SourceReport } from '../subgraphs/ask-sources';
import type { GatewayContext } from './context';

/**
 * How the gateway calls a subgraph: signs each request for that subgraph (subgraphs refuse
 * unsigned calls), and collects the source reports the subgraph returns in its extensions.
 * The reports are removed from the response so they never reach the caller as such.
 */
export class SignedSubgraph extends RemoteGraphQLDataSource<GatewayContext> {
  constructor(
    private readonly subgraph: { name: string; url: string },
    private readonly internalSecret: string,
  ) {
    super({ url: subgraph.url });
  }

  override async willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<void> {
    if (!('caller' in context) || !context.caller) throw new Error('subgraph call without an authenticated caller');
    request.http?.headers.set(INTERNAL_HEADER, await signInternalToken(context.caller, this.subgraph.name, this.internalSecret));
  }

  override async didReceiveResponse({ response, context }: Required<Pick<GraphQLDataSourceProcessOptions<GatewayContext>, 'request' | 'context'>> & { response: GatewayGraphQLResponse }): Promise<GatewayGraphQLResponse> {
    const reports = response.extensions?.sourceReports;
    if (Array.isArray(reports) && 'sourceReports' in context) context.sourceReports.push(...(reports as SourceReport[]));
    if (response.extensions) delete response.extensions.sourceReports;
    return response;
  }
}
