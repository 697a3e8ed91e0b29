/**
 * Bench peer: plain @apollo/gateway + @apollo/server, as anyone would deploy them, over our
 * supergraph and our running subgraphs. No authentication, no consent, no access log: the cost
 * of an off-the-shelf gateway. The only addition is forwarding the caller's x-qhr-gateway-token
 * to every subgraph, since our subgraphs refuse any unsigned call.
 *
 *   tsx bench/peers/apollo-gateway.ts --port 0 --subgraph-urls '{"patient-index":"http://…",…}'
 */
import { ApolloGateway, RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { startStandaloneServer } from '@apollo/server/standalone';
import type { SubgraphName } from '../../lib/config';
import { INTERNAL_HEADER } from '../../lib/internal-token';
import { createLogger } from '../../lib/logger';
import { peerProgram, type PeerSettings, type ServingPeer } from './peer-program';

interface PeerContext {
  gatewayToken?: string;
}

/** Passes the client's token through unchanged; a request without one reaches the subgraph without one. */
class ForwardingSubgraph extends RemoteGraphQLDataSource<PeerContext> {
  override willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<PeerContext>): void {
    if ('gatewayToken' in context && context.gatewayToken) request.http?.headers.set(INTERNAL_HEADER, context.gatewayToken);
  }
}

async function serveApolloPeer(options: PeerSettings): Promise<ServingPeer> {
  // Warnings and errors only, through the project's redacting logger: no request is ever logged.
  const logger = createLogger('warn', process.stderr);
  const gateway = new ApolloGateway({
    // The composed supergraph from the file: no subgraph introspection at run time.
    supergraphSdl: options.supergraphSdl,
    buildService: ({ name }) => new ForwardingSubgraph({ url: options.subgraphUrls[name as SubgraphName] }),
    logger,
  });
  const server = new ApolloServer<PeerContext>({
    gateway,
    // Production-like: no landing page, no inline traces, no introspection, no stack traces.
    plugins: [ApolloServerPluginLandingPageDisabled(), ApolloServerPluginInlineTraceDisabled()],
    introspection: false,
    includeStacktraceInErrorResponses: false,
    // peerProgram owns the signals, as for the Hive peer.
    stopOnTerminationSignals: false,
    logger,
  });
  const { url } = await startStandaloneServer(server, {
    listen: { host: '127.0.0.1', port: options.port },
    context: async ({ req }) => {
      const header = req.headers[INTERNAL_HEADER];
      return { gatewayToken: Array.isArray(header) ? header[0] : header };
    },
  });
  return { url: new URL('/graphql', url).toString(), stop: () => server.stop() };
}

peerProgram('apollo', serveApolloPeer);
