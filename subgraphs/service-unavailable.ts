import { unwrapResolverError } from '@apollo/server/errors';
import type { GraphQLFormattedError } from 'graphql';
import { unavailabilityOf } from '../lib/db-unavailable';
import { maskError, serviceUnavailable } from '../lib/errors';
import type { Logger } from '../lib/logger';

/**
 * A subgraph's formatError (issue #8 §1): a resolver that failed because the database did not
 * answer (down, restarting, too slow) says SERVICE_UNAVAILABLE, so the caller knows to retry
 * (and a consent clerk that a refusal was not recorded); anything else is masked as before. The
 * log line names the SQLSTATE or class only: a database message may quote a row.
 */
export function formatSubgraphError(formatted: GraphQLFormattedError, error: unknown, logger: Pick<Logger, 'warn'>) {
  const why = unavailabilityOf(unwrapResolverError(error));
  if (why === undefined) return maskError(formatted, error);
  logger.warn({ failure: why }, 'database did not answer; SERVICE_UNAVAILABLE');
  const { message, extensions } = serviceUnavailable();
  return maskError({ message, extensions, path: formatted.path, locations: formatted.locations });
}
