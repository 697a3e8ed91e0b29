/**
 * "The database did not answer", told apart from "the statement was wrong" (issue #8 §1). The
 * database port (./db.ts) turns the first kind of driver error into a DatabaseUnavailable, so the
 * services can answer CONSENT_UNAVAILABLE or SERVICE_UNAVAILABLE instead of an internal error,
 * and operators read why in the logs without a message that might quote a row.
 */
export class DatabaseUnavailable extends Error {
  override readonly name = 'DatabaseUnavailable';

  /** `code`: the SQLSTATE, the socket's error code, or CONNECT_TIMEOUT, QUERY_TIMEOUT, CONNECTION_LOST, POOL_CLOSED. */
  constructor(readonly code: string) {
    // A fixed phrase: the driver's message is dropped (a server message's detail may quote a row).
    super('the database did not answer');
  }
}

/**
 * SQLSTATE classes and codes where the server could not serve the statement, however right it was:
 * connection exception (08), insufficient resources (53: too many connections…), operator
 * intervention (57: statement_timeout's query_canceled, pg_terminate_backend's or a restart's
 * admin_shutdown, cannot_connect_now while it starts), system error (58), and the session ended by
 * idle_in_transaction_session_timeout (25P03).
 */
const UNAVAILABLE_CLASSES = new Set(['08', '53', '57', '58']);
const UNAVAILABLE_STATES = new Set(['25P03']);

/** What pg and pg-pool throw themselves when no answer came (messages stable across pg 8). */
const CLIENT_FAILURES: [RegExp, string][] = [
  [/^Connection terminated due to connection timeout|^timeout exceeded when trying to connect|^timeout expired/, 'CONNECT_TIMEOUT'],
  [/^Query read timeout/, 'QUERY_TIMEOUT'],
  [/^Connection terminated|not queryable$/, 'CONNECTION_LOST'],
  [/^Cannot use a pool after calling end/, 'POOL_CLOSED'],
];

const isServerError = (error: { severity?: unknown; code?: unknown }) => typeof error.severity === 'string' && typeof error.code === 'string';
const isSocketError = (error: { syscall?: unknown; code?: unknown }) => typeof error.syscall === 'string' && typeof error.code === 'string';

/** Why the database did not answer, or undefined when this error is not that (a constraint, a syntax error, a bug). */
export function unavailabilityOf(error: unknown): string | undefined {
  if (error instanceof DatabaseUnavailable) return error.code;
  // Duck-typed, not instanceof Error: a socket's error may come from another realm (a vm context).
  if (typeof error !== 'object' || error === null) return undefined;
  const fields = error as { severity?: unknown; code?: unknown; syscall?: unknown; message?: unknown };
  if (isServerError(fields)) {
    const state = fields.code as string;
    return UNAVAILABLE_CLASSES.has(state.slice(0, 2)) || UNAVAILABLE_STATES.has(state) ? state : undefined;
  }
  if (isSocketError(fields)) return fields.code as string;
  const message = typeof fields.message === 'string' ? fields.message : '';
  return CLIENT_FAILURES.find(([pattern]) => pattern.test(message))?.[1];
}

/** The error a caller of the database port sees: a DatabaseUnavailable, or the driver's own error when the statement itself failed. */
export function translated(error: unknown): unknown {
  const why = unavailabilityOf(error);
  return why === undefined || error instanceof DatabaseUnavailable ? error : new DatabaseUnavailable(why);
}

export const isDatabaseUnavailable = (error: unknown): error is DatabaseUnavailable => error instanceof DatabaseUnavailable;

/** A loggable name for a database failure: its SQLSTATE or code, else its class; never its message. */
export const dbFailureOf = (error: unknown): string =>
  unavailabilityOf(error) ?? ((error as { code?: unknown })?.code as string | undefined) ?? (error as Error)?.name ?? 'Error';
