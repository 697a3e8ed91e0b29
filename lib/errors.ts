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
  /** An automatic persisted query (Apollo APQ) whose sha256Hash is not the hash of the query sent with it. */
  PERSISTED_QUERY_HASH_MISMATCH: 'PERSISTED_QUERY_HASH_MISMATCH',
  /** APQ: the hash is not known yet; send it again with the query text (Apollo APQ protocol, unchanged). */
  PERSISTED_QUERY_NOT_FOUND: 'PERSISTED_QUERY_NOT_FOUND',
  /** APQ in a version this gateway does not speak (only version 1 exists). */
  PERSISTED_QUERY_NOT_SUPPORTED: 'PERSISTED_QUERY_NOT_SUPPORTED',
  /** Safelist mode (SAFELIST_FILE): the operation is not one of the registered operations. */
  OPERATION_NOT_REGISTERED: 'OPERATION_NOT_REGISTERED',
  INTERNAL: 'INTERNAL_SERVER_ERROR',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** A code a client can receive: its HTTP status and what it means (docs/errors.md is generated from these). */
export interface ErrorEntry {
  code: string;
  /** The HTTP status as documented: a number, or the cases (`400/200`). */
  http: string;
  meaning: string;
  /** Whether sending the same request again may succeed. */
  retry: boolean;
  /** The status graphError sets when this error is the whole answer (see httpStatus). */
  status?: number;
}

/**
 * Every code a client can receive, ours and the few of Apollo's that reach callers unmasked (the
 * query-error codes below), in the order docs/errors.md lists them (`npm run docs:errors`).
 */
export const ERROR_REGISTRY: readonly ErrorEntry[] = [
  { code: ErrorCode.UNAUTHENTICATED, http: '401', status: 401, retry: false, meaning: 'No valid provider token: missing, bad signature, wrong issuer or audience, no `iat`, or a lifetime longer than allowed. Get a new token.' },
  { code: ErrorCode.FORBIDDEN, http: '200', retry: false, meaning: 'The role may not see that domain or run that operation. The field is `null` with this error at its path; the rest of the record is returned.' },
  { code: ErrorCode.RECORD_REFUSED, http: '200', retry: false, meaning: 'The person refused to have a shared record and the caller did not consult it before the refusal. No source was asked.' },
  { code: ErrorCode.BAD_USER_INPUT, http: '400/200', retry: false, meaning: 'A malformed argument or variable (a NAM that is not 4 letters + 8 digits with a real date, a Date that is not a calendar day, …). `argumentName` names the argument when known.' },
  { code: ErrorCode.QUERY_TOO_COMPLEX, http: '400', status: 400, retry: false, meaning: 'The query passes a limit: depth, aliases, tokens, cost, or more people than `MAX_PATIENTS_PER_REQUEST` in one request. Split it.' },
  { code: ErrorCode.BAD_REQUEST, http: '400/405/413/415', status: 400, retry: false, meaning: 'Not a GraphQL request the gateway can read: a body that is not JSON (400), a GET or form post without the CSRF-prevention header (400), no query (400), a mutation sent by GET (405), a body too large (413), compressed or not UTF-8 (415).' },
  { code: 'GRAPHQL_PARSE_FAILED', http: '400', retry: false, meaning: 'The query is not valid GraphQL syntax; `locations` points at the fault.' },
  { code: 'GRAPHQL_VALIDATION_FAILED', http: '400', retry: false, meaning: 'The query does not fit the schema (unknown field, wrong argument type, …); the message names the fields and types, never the values.' },
  { code: 'OPERATION_RESOLUTION_FAILURE', http: '400', retry: false, meaning: 'The document has several operations and `operationName` names none of them (or is missing).' },
  { code: ErrorCode.PERSISTED_QUERY_NOT_FOUND, http: '200', retry: true, meaning: 'Automatic persisted queries (APQ): the gateway does not know this hash yet. Send the same request again with the `query` text; the message is `PersistedQueryNotFound`, as Apollo clients expect.' },
  { code: ErrorCode.PERSISTED_QUERY_NOT_SUPPORTED, http: '200', retry: false, meaning: 'APQ in a version other than 1 (`extensions.persistedQuery.version`). Send the query text without the extension.' },
  { code: ErrorCode.PERSISTED_QUERY_HASH_MISMATCH, http: '400', status: 400, retry: false, meaning: 'APQ: `extensions.persistedQuery.sha256Hash` is not the SHA-256 (hex) of the `query` sent with it. Fix the client’s hashing.' },
  { code: ErrorCode.OPERATION_NOT_REGISTERED, http: '403', status: 403, retry: false, meaning: 'Safelist mode (`SAFELIST_FILE`): only registered operations run, and this one (its id, hash or text) is not registered. Register it with the gateway’s operator.' },
  { code: ErrorCode.SOURCE_UNAVAILABLE, http: '200', retry: true, meaning: 'A connected source did not answer in time (or its circuit is open). `sources` lists their ids; the field carries what the other sources sent, `null` if none answered.' },
  { code: ErrorCode.SERVICE_UNAVAILABLE, http: '200', retry: true, meaning: 'A service of the graph (a subgraph process or its database) did not answer: nothing of what it holds is returned, the rest is.' },
  { code: ErrorCode.CONSENT_UNAVAILABLE, http: '503', status: 503, retry: true, meaning: 'Consent could not be checked (the consent register did not answer in time): nothing is returned and no source was asked.' },
  { code: ErrorCode.ACCESS_LOG_UNAVAILABLE, http: '503', status: 503, retry: true, meaning: 'The access could not be written to the access log, so nothing is returned.' },
  { code: ErrorCode.INTERNAL, http: '500/200', retry: true, meaning: 'Anything else, masked: the message never carries the cause (it may hold personal information); the gateway logs it.' },
];

/**
 * HTTP statuses of the errors that are the whole answer. CONSENT_UNAVAILABLE refuses the request
 * before anything runs: without a status Apollo answered it 400, which tells a client its request
 * is wrong and not to send it again, when it should retry (issue #8 §8, found by the soak).
 * ACCESS_LOG_UNAVAILABLE withholds the whole answer too: retry.
 */
const httpStatus: Partial<Record<string, number>> = Object.fromEntries(ERROR_REGISTRY.filter((entry) => entry.status).map((entry) => [entry.code, entry.status]));

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
/** Safelist mode refuses an operation that is not registered (gateway/safelist.ts). */
export const operationNotRegistered = () =>
  graphError(ErrorCode.OPERATION_NOT_REGISTERED, 'Only registered operations run on this gateway, and this one is not registered.');
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
  const ours = registeredIn(error) ?? persistedQueryErrorOf(error);
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

/**
 * Apollo's automatic persisted queries (APQ) answer a hash that is not the query's and a version
 * other than 1 with errors that carry no code, so they were masked as INTERNAL_SERVER_ERROR
 * (issue #10 §5). They are known by their fixed messages (@apollo/server requestPipeline) and
 * given codes of the registry; Apollo clients look for `PersistedQuery…` messages, kept as such.
 */
const APQ_ERRORS: Record<string, () => GraphQLError> = {
  'provided sha does not match query': () => graphError(ErrorCode.PERSISTED_QUERY_HASH_MISMATCH, 'The persisted query hash is not the SHA-256 of the query sent with it.'),
  'Unsupported persisted query version': () => graphError(ErrorCode.PERSISTED_QUERY_NOT_SUPPORTED, 'PersistedQueryNotSupported'),
};

function persistedQueryErrorOf(error: unknown): GraphQLError | undefined {
  if (!(error instanceof GraphQLError) || error.extensions.code !== undefined) return undefined;
  return Object.hasOwn(APQ_ERRORS, error.message) ? APQ_ERRORS[error.message]() : undefined;
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
