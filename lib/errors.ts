import { GraphQLError } from 'graphql';

/**
 * The one registry of error codes the graph speaks (see the header of the public contract).
 * Messages are fixed phrases: they never carry an argument's value, a source's answer or a stack,
 * because any of those may hold personal health information.
 */
export const ErrorCode = {
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  RECORD_REFUSED: 'RECORD_REFUSED',
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  SOURCE_UNAVAILABLE: 'SOURCE_UNAVAILABLE',
  INTERNAL: 'INTERNAL_SERVER_ERROR',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

const httpStatus: Partial<Record<ErrorCode, number>> = { UNAUTHENTICATED: 401 };

export function graphError(code: ErrorCode, message: string, extensions: Record<string, unknown> = {}): GraphQLError {
  const status = httpStatus[code];
  return new GraphQLError(message, {
    extensions: { code, ...extensions, ...(status ? { http: { status } } : {}) },
  });
}

export const unauthenticated = (why = 'A valid provider token is required.') => graphError(ErrorCode.UNAUTHENTICATED, why);
export const forbidden = (why = 'Your role may not see this.') => graphError(ErrorCode.FORBIDDEN, why);
export const recordRefused = () =>
  graphError(ErrorCode.RECORD_REFUSED, 'This person refused to have a shared health record.');
export const badUserInput = (why: string, argumentName?: string) =>
  graphError(ErrorCode.BAD_USER_INPUT, why, argumentName ? { argumentName } : {});
export const sourceUnavailable = (sourceIds: string[]) =>
  graphError(ErrorCode.SOURCE_UNAVAILABLE, 'A connected source did not answer; the field carries what the others sent.', {
    sources: sourceIds,
  });

/** Messages that may reach a caller as they are; anything else is replaced (see maskError). */
const callerSafeCodes = new Set<string>(Object.values(ErrorCode));

/**
 * Apollo `formatError` hook: keeps our registered errors, replaces anything else (a thrown
 * library error, a database message) with a generic one, and never lets a stack trace out.
 */
export function maskError(formatted: { message: string; extensions?: Record<string, unknown>; path?: readonly (string | number)[]; locations?: readonly unknown[] }) {
  const code = formatted.extensions?.code;
  const { stacktrace: _stack, exception: _exception, ...extensions } = formatted.extensions ?? {};
  if (typeof code === 'string' && callerSafeCodes.has(code) && code !== ErrorCode.INTERNAL) {
    return { ...formatted, extensions };
  }
  if (code === 'GRAPHQL_VALIDATION_FAILED' || code === 'GRAPHQL_PARSE_FAILED' || code === 'BAD_REQUEST' || code === 'OPERATION_RESOLUTION_FAILURE' || code === 'PERSISTED_QUERY_NOT_FOUND') {
    // Validation messages quote the query, not data: safe to return, and needed by integrators.
    return { ...formatted, extensions: { code } };
  }
  return { message: 'Internal error.', path: formatted.path, locations: formatted.locations, extensions: { code: ErrorCode.INTERNAL } };
}
