import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper';
import type { DocumentNode } from 'graphql';
import { unauthenticated } from '../lib/errors';
import { INTERNAL_HEADER, verifyInternalToken, type Caller } from '../lib/internal-token';
import type { Logger } from '../lib/logger';
import { formatSubgraphError } from './service-unavailable';
import { listenSubgraphHttp } from './http-server';
import type { ReadinessCheck } from '../ops/health';
import { ROOT_CONTEXT, SpanKind, trace, type Tracer } from '@opentelemetry/api';
import { attachRequestTrace, requestTraceOf, resolversInTrace } from '../ops/resolvers-in-trace';
import { contextFromHeaders } from '../ops/trace-context';
import { Metrics } from '../ops/metrics';
import { opsRoutes } from '../ops/ops-routes';
import { useGraphqlMetrics } from '../ops/use-graphql-metrics';

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
  options: { host: string; port: number; internalSecret: string; logger: Logger; metrics?: Metrics; readiness?: readonly ReadinessCheck[]; tracer?: Tracer },
): Promise<RunningSubgraph> {
  const logger = options.logger.child({ subgraph: definition.name });
  // Tracing on: each request is a server span continuing the gateway's trace (its traceparent,
  // W3C Trace Context §3.2), active in every resolver (ops/resolvers-in-trace.ts), ended with the answer.
  const { tracer } = options;
  const resolvers = tracer ? resolversInTrace(definition.resolvers) : definition.resolvers;
  const metrics = options.metrics ?? new Metrics({ service: definition.name });
  const server = new ApolloServer<Context>({
    schema: buildSubgraphSchema({ typeDefs: definition.typeDefs, resolvers: resolvers as GraphQLResolverMap<unknown> }),
    // No federated traces: they would carry timings and paths of patient data to the gateway for nothing.
    plugins: [
      ApolloServerPluginInlineTraceDisabled(),
      useGraphqlMetrics(metrics),
      ...(definition.finish ? [useFinish(definition.finish)] : []),
      ...(tracer ? [useFinish<Context>((context) => requestTraceOf(context)?.span.end())] : []),
    ],
    formatError: (formatted, error) => formatSubgraphError(formatted, error, logger) as never,
    includeStacktraceInErrorResponses: false,
    // bin/start.ts owns SIGINT/SIGTERM and stops every part in order; Apollo must not race it.
    stopOnTerminationSignals: false,
    introspection: false,
  });
  const { url } = await listenSubgraphHttp(server, {
    listen: { host: options.host, port: options.port },
    routes: opsRoutes({ metrics, checks: options.readiness ?? [] }),
    context: async ({ req }) => {
      const header = req.headers[INTERNAL_HEADER];
      const caller = await verifyInternalToken(Array.isArray(header) ? header[0] : header, definition.name, options.internalSecret);
      if (!caller) throw unauthenticated('Subgraphs answer the gateway only.');
      const context = definition.context({ caller, logger });
      if (!tracer) return context;
      const parent = contextFromHeaders(req.headers, ROOT_CONTEXT);
      const span = tracer.startSpan(`subgraph ${definition.name}`, { kind: SpanKind.SERVER, attributes: { 'qhr.subgraph': definition.name } }, parent);
      return attachRequestTrace(context, { span, context: trace.setSpan(parent, span) });
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
