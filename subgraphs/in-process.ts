import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper';
import { execute, parse, validate, type DocumentNode, type GraphQLError, type GraphQLFormattedError } from 'graphql';
import { maskError } from '../lib/errors';
import type { Caller } from '../lib/internal-token';
import type { Logger } from '../lib/logger';
import type { BaseContext, SubgraphDefinition } from './serve';
import { formatSubgraphError } from './service-unavailable';

/** A subgraph's answer, as it would have crossed HTTP: plain data, masked errors, extensions. */
export interface SubgraphAnswer {
  data?: Record<string, unknown> | null;
  errors?: GraphQLFormattedError[];
  extensions?: Record<string, unknown>;
}

export interface InProcessSubgraph {
  name: string;
  answer(request: { query: string; variables?: Record<string, unknown>; operationName?: string }, caller: Caller): Promise<SubgraphAnswer>;
}

const masked = (error: Parameters<typeof maskError>[0]) => maskError(error) as GraphQLFormattedError;
const maskedAs = (error: GraphQLError, logger: Logger) => formatSubgraphError(error.toJSON(), error, logger) as GraphQLFormattedError;

/** Distinct operations the planner sends a subgraph: a handful per shape of client query. */
const MAX_DOCUMENTS = 500;

/**
 * A subgraph run inside the gateway's process (issue #7 §4: "in process where services share
 * one"): the same definition, schema, resolvers, per-request context and error masking as over
 * HTTP (subgraphs/serve.ts), without the HTTP request, the JSON both ways and the token the
 * gateway would sign and the subgraph verify: in one process the caller is handed over as is.
 * The planner's operations are parsed and validated once each.
 */
export function inProcessSubgraph<Context extends BaseContext>(definition: SubgraphDefinition<Context>, logger: Logger): InProcessSubgraph {
  const schema = buildSubgraphSchema({ typeDefs: definition.typeDefs, resolvers: definition.resolvers as GraphQLResolverMap<unknown> });
  const documents = new Map<string, DocumentNode | readonly GraphQLFormattedError[]>();
  const documentOf = (query: string): DocumentNode | readonly GraphQLFormattedError[] => {
    let document = documents.get(query);
    if (!document) {
      try {
        const parsed = parse(query);
        const invalid = validate(schema, parsed);
        document = invalid.length > 0 ? invalid.map((error) => masked(error.toJSON())) : parsed;
      } catch (error) {
        document = [masked({ message: (error as Error).message, extensions: { code: 'GRAPHQL_PARSE_FAILED' } })];
      }
      if (documents.size >= MAX_DOCUMENTS) documents.delete(documents.keys().next().value!);
      documents.set(query, document);
    }
    return document;
  };
  const subgraphLogger = logger.child({ subgraph: definition.name });
  return {
    name: definition.name,
    async answer(request, caller) {
      const document = documentOf(request.query);
      if (Array.isArray(document)) return { errors: [...document] };
      const context = definition.context({ caller, logger: subgraphLogger });
      const result = await execute({ schema, document: document as DocumentNode, variableValues: request.variables, operationName: request.operationName, contextValue: context });
      // As over HTTP (subgraphs/serve.ts): a database that did not answer is SERVICE_UNAVAILABLE, the rest masked.
      const answer: SubgraphAnswer = { data: result.data as Record<string, unknown> | null | undefined, ...(result.errors ? { errors: result.errors.map((error) => maskedAs(error, subgraphLogger)) } : {}) };
      definition.finish?.(context, answer);
      return answer;
    },
  };
}
