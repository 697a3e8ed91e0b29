import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createAuthenticator } from '../gateway/authenticate';
import { domainsFor, loadPolicy } from '../gateway/consent/policy';
import type { GatewayContext } from '../gateway/context';
import { depthLimit } from '../gateway/limits';
import { SignedSubgraph } from '../gateway/subgraph-client';
import type { Config, SubgraphName } from '../lib/config';
import { maskError } from '../lib/errors';
import type { Logger } from '../lib/logger';

/**
 * The reference for the cost of enforcement: the same @apollo/gateway over the same supergraph
 * and the same running subgraphs, with the same token check, depth limit, error masking and
 * signed subgraph calls, but without our execution plugins (no root rules, no consent decision,
 * no result phase, no access-log write). The grants the rules would have signed for the bench's
 * people (everyone open: nobody in the demo refused) are fixed up front, so the subgraphs answer
 * exactly as they do for the real gateway.
 */
export async function startPlainGateway(options: {
  config: Config;
  logger: Logger;
  subgraphUrls: Record<SubgraphName, string>;
  grantedNams: readonly string[];
}): Promise<{ url: string; stop(): Promise<void> }> {
  const { config, logger } = options;
  const authenticate = createAuthenticator(config.auth);
  const policy = loadPolicy(config.policyFile);
  const grants: Record<string, string | null> = Object.fromEntries(options.grantedNams.map((nam) => [nam, null]));
  const gateway = new ApolloGateway({
    supergraphSdl: readFileSync(join(__dirname, '..', 'schema', 'supergraph.graphql'), 'utf8'),
    buildService: ({ name }) => new SignedSubgraph({ name, url: options.subgraphUrls[name as SubgraphName] }, config.internalSecret),
    logger,
  });
  const server = new ApolloServer<GatewayContext>({
    gateway,
    validationRules: [depthLimit(8)],
    formatError: (formatted) => maskError(formatted) as never,
    includeStacktraceInErrorResponses: false,
    logger,
  });
  const { url } = await startStandaloneServer(server, {
    listen: { host: '127.0.0.1', port: 0 },
    context: async ({ req }): Promise<GatewayContext> => {
      const provider = await authenticate(req.headers.authorization);
      return {
        provider,
        caller: { providerId: provider.id, role: provider.role, facility: provider.facility, domains: [...domainsFor(policy, provider.role)], grants },
        decisions: new Map(),
        sourceReports: [],
        planErrors: new Map(),
      };
    },
  });
  return { url: new URL('/graphql', url).toString(), stop: () => server.stop() };
}
