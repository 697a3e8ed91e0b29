import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { startStandaloneServer } from '@apollo/server/standalone';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper';
import type { DocumentNode } from 'graphql';
import { unauthenticated } from '../lib/errors';
import { INTERNAL_HEADER, verifyInternalToken, type Caller } from '../lib/internal-token';
import type { Logger } from '../lib/logger';
import { formatSubgraphError } from './service-unavailable';

/** What every subgraph resolver receives: who the gateway acts for, and per-request state. */
export interface BaseContext {
  caller: Caller;
  logger: Logger;
}

export interface SubgraphDefinition<Context extends BaseContext> {
  name: string;
  typeDefs: DocumentNode;
  resolvers: GraphQLResolverMap<Context>;
  /** Builds the per-request context (fresh DataLoaders) once the caller is known. */
  context(base: BaseContext): Context;
  /**
   * Adds to an answer before it leaves (a domain subgraph's source reports and partial-failure
   * errors), whether it leaves over HTTP or in process (subgraphs/in-process.ts).
   */
  finish?(context: Context, answer: { errors?: readonly unknown[]; extensions?: Record<string, unknown> }): void;
}

export interface RunningSubgraph {
  name: string;
  url: string;
  stop(): Promise<void>;
}

/**
 * Serves one subgraph over HTTP. Every request must carry the gateway's signed token for this
 * subgraph; anything else (a direct call, a token for another subgraph) is UNAUTHENTICATED.
 */
export async function serveSubgraph<Context extends BaseContext>(
  definition: SubgraphDefinition<Context>,
  options: { host: string; port: number; internalSecret: string; logger: Logger },
): Promise<RunningSubgraph> {
  const logger = options.logger.child({ subgraph: definition.name });
  const server = new ApolloServer<Context>({
    schema: buildSubgraphSchema({ typeDefs: definition.typeDefs, resolvers: definition.resolvers as GraphQLResolverMap<unknown> }),
    // No federated traces: they would carry timings and paths of patient data to the gateway for nothing.
    plugins: [ApolloServerPluginInlineTraceDisabled(), ...(definition.finish ? [useFinish(definition.finish)] : [])],
    formatError: (formatted, error) => formatSubgraphError(formatted, error, logger) as never,
    includeStacktraceInErrorResponses: false,
    // bin/start.ts owns SIGINT/SIGTERM and stops every part in order; Apollo must not race it.
    stopOnTerminationSignals: false,
    introspection: false,
  });
  const { url } = await startStandaloneServer(server, {
    listen: { host: options.host, port: options.port },
    context: async ({ req }) => {
      const header = req.headers[INTERNAL_HEADER];
      const caller = await verifyInternalToken(Array.isArray(header) ? header[0] : header, definition.name, options.internalSecret);
      if (!caller) throw unauthenticated('Subgraphs answer the gateway only.');
      return definition.context({ caller, logger });
    },
  });
  const graphqlUrl = new URL('/graphql', url).toString();
  logger.info({ url: graphqlUrl }, 'subgraph listening');
  return { name: definition.name, url: graphqlUrl, stop: () => server.stop() };
}

/** The definition's finish hook, run on the single result Apollo is about to send. */
function useFinish<Context extends BaseContext>(finish: NonNullable<SubgraphDefinition<Context>['finish']>): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response, contextValue }) {
          if (response.body.kind === 'single') finish(contextValue, response.body.singleResult as Parameters<typeof finish>[1]);
        },
      };
    },
  };
}
