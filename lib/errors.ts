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
  /** The access log could not be written, so nothing was returned (issue #4 §5). Retry. */
  ACCESS_LOG_UNAVAILABLE: 'ACCESS_LOG_UNAVAILABLE',
  /** Whether the person refused could not be checked (the consent register did not answer), so nothing was returned. Retry. */
  CONSENT_UNAVAILABLE: 'CONSENT_UNAVAILABLE',
  /** A service of the graph (its database, a subgraph) did not answer; nothing of what it holds was returned. Retry. */
  SERVICE_UNAVAILABLE: 'SERVICE_UNAVAILABLE',
  /** The query is too large or too costly (depth, aliases, tokens, cost, people asked): split it. */
  QUERY_TOO_COMPLEX: 'QUERY_TOO_COMPLEX',
  /** The HTTP request is not a GraphQL request the gateway can read (malformed body, unknown operation). */
  BAD_REQUEST: 'BAD_REQUEST',
  INTERNAL: 'INTERNAL_SERVER_ERROR',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/**
 * HTTP statuses of the errors that are the whole answer. CONSENT_UNAVAILABLE refuses the request
 * before anything runs: without a status Apollo answered it 400, which tells a client its request
 * is wrong and not to send it again, when it should retry (issue #8 §8, found by the soak).
 * ACCESS_LOG_UNAVAILABLE withholds the whole answer too: retry.
 */
const httpStatus: Partial<Record<ErrorCode, number>> = { UNAUTHENTICATED: 401, BAD_REQUEST: 400, QUERY_TOO_COMPLEX: 400, CONSENT_UNAVAILABLE: 503, ACCESS_LOG_UNAVAILABLE: 503 };

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
/** A limit on the request's size was passed (issue #8 §4); the message names the limit, never what was asked. */
export const queryTooComplex = (why: string) => graphError(ErrorCode.QUERY_TOO_COMPLEX, why);
export const badRequest = (why: string) => graphError(ErrorCode.BAD_REQUEST, why);
export const accessLogUnavailable = () => graphError(ErrorCode.ACCESS_LOG_UNAVAILABLE, 'The access could not be recorded, so no record is returned. Try again.');
export const serviceUnavailable = () =>
  graphError(ErrorCode.SERVICE_UNAVAILABLE, 'A service of the graph did not answer, so what it holds is not returned. Try again.');
export const sourceUnavailable = (sourceIds: string[]) =>
  graphError(ErrorCode.SOURCE_UNAVAILABLE, 'A connected source did not answer; the field carries what the others sent.', {
    sources: sourceIds,
  });

/** Messages that may reach a caller as they are; anything else is replaced (see maskError). */
const callerSafeCodes = new Set<string>(Object.values(ErrorCode));

interface FormattedError {
  message: string;
  extensions?: Record<string, unknown>;
  path?: readonly (string | number)[];
  locations?: readonly unknown[];
}

/**
 * Apollo `formatError` hook: keeps our registered errors, replaces anything else (a thrown
 * library error, a database message) with a generic one, and never lets a stack trace out.
 * `error` is the error before formatting: when it is ours, or Apollo wrapped one of ours (a
 * validation rule's QUERY_TOO_COMPLEX becomes its GRAPHQL_VALIDATION_FAILED), ours is what the
 * caller gets.
 */
export function maskError(formatted: FormattedError, error?: unknown) {
  const ours = registeredIn(error);
  if (ours) formatted = { ...formatted, message: ours.message, extensions: { ...formatted.extensions, code: ours.extensions.code } };
  const code = formatted.extensions?.code;
  if (typeof code === 'string' && callerSafeCodes.has(code) && code !== ErrorCode.INTERNAL) {
    // Only our own extension keys go out: not a subgraph's serviceName, not a stack, not an upstream body.
    const extensions: Record<string, unknown> = { code };
    for (const key of SAFE_EXTENSION_KEYS) if (formatted.extensions?.[key] !== undefined) extensions[key] = formatted.extensions[key];
    return { message: withoutNams(formatted.message), path: formatted.path, locations: formatted.locations, extensions };
  }
  if (typeof code === 'string' && QUERY_ERROR_CODES.has(code)) {
    // Locations point at the fault; the words must not quote it: a NAM typed into a query is
    // personal information, and graphql-js quotes the token it stumbled on.
    return { message: withoutNams(queryErrorMessage(code, formatted.message)), locations: formatted.locations, extensions: { code } };
  }
  return { message: 'Internal error.', path: formatted.path, locations: formatted.locations, extensions: { code: ErrorCode.INTERNAL } };
}

/** Our registered error: the one given, or the one Apollo wrapped in its own as `originalError` (ValidationError...). */
function registeredIn(error: unknown): GraphQLError | undefined {
  for (const candidate of [error, error instanceof GraphQLError ? error.originalError : undefined]) {
    if (candidate instanceof GraphQLError && callerSafeCodes.has(String(candidate.extensions.code))) return candidate;
  }
  return undefined;
}

function queryErrorMessage(code: string, message: string): string {
  if (code === 'GRAPHQL_PARSE_FAILED') return 'The query is not valid GraphQL (see locations).';
  if (code === 'GRAPHQL_VALIDATION_FAILED') return withoutValues(message);
  return message;
}

/**
 * graphql-js validation messages name the query's fields, types and variables (useful to an
 * integrator) and print the values given (`found "TREM75561212"`, `non boolean value: …`): the
 * printed value always ends the message, so it is cut, and a quoted word that is not a GraphQL
 * name (a string value) is blanked.
 */
export function withoutValues(message: string): string {
  return message.replace(/\b(found|value:)\s[\s\S]*$/, '$1 …').replace(/"((?:[^"\\]|\\.)*)"/g, (quoted, inner: string) => (/^\$?[[\]!_A-Za-z0-9.]+$/.test(inner) ? quoted : '"…"'));
}

/** Last line of defence: whatever path a message took, a NAM-shaped word never leaves in it. */
function withoutNams(message: string): string {
  return message.replace(/\b[A-Za-z]{4}\s?\d{4}\s?\d{4}\b/g, '…');
}

const SAFE_EXTENSION_KEYS = ['sources', 'argumentName', 'http'];
const QUERY_ERROR_CODES = new Set(['GRAPHQL_VALIDATION_FAILED', 'GRAPHQL_PARSE_FAILED', 'BAD_REQUEST', 'OPERATION_RESOLUTION_FAILURE', 'PERSISTED_QUERY_NOT_FOUND']);
