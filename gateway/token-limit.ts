import type { ApolloServerPlugin } from '@apollo/server';
import { MaxTokensParserWLexer } from '@escape.tech/graphql-armor-max-tokens';
import { GraphQLError, type ParseOptions } from 'graphql';
import { queryTooComplex } from '../lib/errors';

/**
 * The token limit, applied while parsing: a document must not have to be parsed whole to be
 * refused. graphql-js stops parsing at `maxTokens` (Apollo's `parseOptions`); when a parse fails,
 * graphql-armor's counting parser tells the limit from a plain syntax error, and the limit is
 * answered QUERY_TOO_COMPLEX (see `refusalFor`, used by formatError). armor's own Apollo plugin
 * throws from parsingDidStart instead, which Apollo 5 answers with a 500 (graphql-armor#751).
 */
export function tokenLimit(maxTokens: number) {
  // Apollo wraps the parser's error in its own (GRAPHQL_PARSE_FAILED), keeping it as originalError.
  const refusals = new WeakMap<Error, GraphQLError>();
  const plugin: ApolloServerPlugin = {
    async requestDidStart() {
      return {
        async parsingDidStart({ source }) {
          return async (error?: Error) => {
            if (error && exceeds(source, maxTokens)) {
              refusals.set(error, queryTooComplex(`The query is longer than ${maxTokens} tokens; split it into several requests.`));
            }
          };
        },
      };
    },
  };
  return {
    parseOptions: { maxTokens } satisfies ParseOptions,
    plugin,
    /** Our refusal for a parse failure that was the token limit, in place of Apollo's error. */
    refusalFor(error: unknown): GraphQLError | undefined {
      const original = error instanceof GraphQLError ? error.originalError : undefined;
      return original ? refusals.get(original) : undefined;
    },
  };
}

/** armor's parser counts as it lexes and stops one token past the limit. */
function exceeds(source: string, n: number): boolean {
  let over = false;
  try {
    new MaxTokensParserWLexer(source, { n, onReject: [() => (over = true)] }).parseDocument();
  } catch {
    // A syntax error, or armor stopping at the limit: `over` tells which.
  }
  return over;
}
