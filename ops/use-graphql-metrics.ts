import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { GraphQLError } from 'graphql';
import type { Metrics } from './metrics';

/**
 * Counts and times every GraphQL request an Apollo server answers (gateway and subgraphs alike),
 * by operation name (bounded, see ./labels.ts) and outcome: `ok`, or the first error's code.
 * A request refused before it had a context (no valid token) has no operation yet: it is counted
 * under "anonymous" with its code, untimed.
 */
export function useGraphqlMetrics<C extends BaseContext>(metrics: Pick<Metrics, 'graphqlRequest'>): ApolloServerPlugin<C> {
  return {
    async contextCreationDidFail({ error }) {
      metrics.graphqlRequest(undefined, codeOf(error) ?? 'INTERNAL_SERVER_ERROR');
    },
    async requestDidStart({ request }) {
      const started = performance.now();
      return {
        async willSendResponse({ response, operationName }) {
          const errors = response.body.kind === 'single' ? response.body.singleResult.errors : undefined;
          const code = errors?.length ? (codeOf(errors[0]) ?? 'INTERNAL_SERVER_ERROR') : undefined;
          metrics.graphqlRequest(operationName ?? request.operationName, code, (performance.now() - started) / 1000);
        },
      };
    },
  };
}

function codeOf(error: unknown): string | undefined {
  const code = error instanceof GraphQLError ? error.extensions.code : (error as { extensions?: { code?: unknown } })?.extensions?.code;
  return typeof code === 'string' ? code : undefined;
}
