import type { GraphQLDataSource, GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import type { Tracer } from '@opentelemetry/api';
import { inSpan } from '../ops/spans';
import type { InProcessSubgraph } from '../subgraphs/in-process';
import type { GatewayContext } from './context';
import { takeSourceReports } from './subgraph-client';

/**
 * How the gateway calls a subgraph that runs in its own process (GATEWAY_SUBGRAPHS=in-process):
 * hands the request and the caller (with the grants the consent rules gave) straight to it. The
 * answer is what the subgraph would have sent over HTTP, so the plan, the source reports and the
 * error handling downstream are the same either way.
 */
export class LocalSubgraph implements GraphQLDataSource<GatewayContext> {
  constructor(
    private readonly subgraph: InProcessSubgraph,
    /** When tracing is on: each call is a child span of the plan, as a remote subgraph's server span would be. */
    private readonly tracer?: Tracer,
  ) {}

  async process({ request, context }: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<GatewayGraphQLResponse> {
    if (!('caller' in context) || !context.caller) throw new Error('subgraph call without an authenticated caller');
    const call = { query: request.query!, variables: request.variables, operationName: request.operationName };
    const answer = await inSpan(this.tracer, `subgraph ${this.subgraph.name}`, { 'qhr.subgraph': this.subgraph.name }, () => this.subgraph.answer(call, (context as GatewayContext).caller));
    return takeSourceReports(answer as GatewayGraphQLResponse, context as GatewayContext);
  }
}
