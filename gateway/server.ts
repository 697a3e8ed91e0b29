import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import type { Config, SubgraphName } from '../lib/config';
import { maskError } from '../lib/errors';
import type { Logger } from '../lib/logger';
import { createAuthenticator } from './authenticate';
import { domainsFor, type Policy } from './consent/policy';
import type { GatewayContext } from './context';
import { depthLimit } from './limits';
import { SignedSubgraph } from './subgraph-client';
import { useSourceStatus } from './use-source-status';

export interface GatewayOptions {
  config: Config;
  logger: Logger;
  /** The composed supergraph (schema/supergraph.graphql): loaded, never introspected at run time. */
  supergraphSdl: string;
  /** Where each subgraph runs now (overrides the URLs written in the supergraph). */
  subgraphUrls: Record<SubgraphName, string>;
  policy: Policy;
  /** Cross-cutting behaviours (consent, audit, cache...), each a plugin. */
  plugins?: ApolloServerPlugin<GatewayContext>[];
}

export interface RunningGateway {
  url: string;
  stop(): Promise<void>;
}

export async function startGateway(options: GatewayOptions): Promise<RunningGateway> {
  const { config, logger } = options;
  const authenticate = createAuthenticator(config.auth);
  const gateway = new ApolloGateway({
    supergraphSdl: options.supergraphSdl,
    buildService: ({ name }) => new SignedSubgraph({ name, url: options.subgraphUrls[name as SubgraphName] }, config.internalSecret),
    logger: logger.child({ component: 'apollo-gateway' }),
  });
  const server = new ApolloServer<GatewayContext>({
    gateway,
    plugins: [...(options.plugins ?? []), useSourceStatus({ sources: config.sources })],
    validationRules: [depthLimit(8)],
    formatError: (formatted) => maskError(formatted) as never,
    includeStacktraceInErrorResponses: false,
    // Introspection needs a valid token like everything else (the context below runs first).
    introspection: true,
    logger: logger.child({ component: 'apollo-server' }),
  });
  const { url } = await startStandaloneServer(server, {
    listen: { host: config.host, port: config.port },
    context: async ({ req }): Promise<GatewayContext> => {
      const provider = await authenticate(req.headers.authorization);
      return {
        provider,
        caller: { providerId: provider.id, role: provider.role, facility: provider.facility, domains: [...domainsFor(options.policy, provider.role)] },
        sourceReports: [],
      };
    },
  });
  const graphqlUrl = new URL('/graphql', url).toString();
  return { url: graphqlUrl, stop: () => server.stop() };
}
