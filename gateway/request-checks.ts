import type { ApolloServerPlugin } from '@apollo/server';
import { badRequest } from '../lib/errors';
import { fragmentsOf } from './operation-view';
import { capPeople } from './people-cap';
import { variableValues } from './variable-values';

/**
 * Checks a request once its operation is resolved and before anything executes; each failure is
 * a 4xx with a registered code. `didResolveOperation` is the last hook before execution whose
 * errors Apollo answers with their own status (a throw from earlier hooks is a 500).
 *
 * - No operation: an unknown operationName, or several operations without one. Apollo went on
 *   to execute anyway and the executor wrapper, which needs the operation, threw: HTTP 500.
 * - Variables are coerced (gateway/variable-values.ts) and the request carries the coerced values
 *   from here on, so the gateway reads what execution will read.
 * - The people cap, over the whole request.
 */
export function requestChecks(options: { maxPeople: number }): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, document, schema, request }) {
          if (!operation) {
            throw badRequest(
              request.operationName
                ? 'The document has no operation of the name given in operationName.'
                : 'The document has several operations: name the one to run in operationName.',
            );
          }
          request.variables = variableValues(schema, operation, request.variables ?? {});
          capPeople({ schema, operation, fragments: fragmentsOf(document), variables: request.variables }, options.maxPeople);
        },
      };
    },
  };
}
