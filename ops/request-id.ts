import { randomUUID } from 'node:crypto';
import { containsNamShape } from '../lib/nam';

/**
 * The request id (issue #10 §6): one value that ties a request's log lines, its trace (span
 * attribute `qhr.request_id`) and its access-log entries together, and that the client gets back
 * in the `x-request-id` response header to quote when it reports a problem.
 */
export const REQUEST_ID_HEADER = 'x-request-id';

/** What an incoming id may look like: a UUID, a load balancer's or a client's token; nothing that forges a log line. */
const SAFE_REQUEST_ID = /^[A-Za-z0-9._-]{8,64}$/;


/**
 * Whether a value may be used as a request id as it is. A NAM fits the safe pattern: a client that
 * sent one as its request id would put a person's identifier into every log line, span and
 * access-log entry of the request.
 */
export function isSafeRequestId(value: unknown): value is string {
  return typeof value === 'string' && SAFE_REQUEST_ID.test(value) && !containsNamShape(value);
}

/**
 * The request id of an incoming request: the `x-request-id` header when it is one safe value
 * (so a load balancer's id carries through), a fresh random UUID otherwise, never an error: a
 * request is not refused for its id.
 */
export function requestIdOf(header: string | readonly string[] | undefined, generate: () => string = randomUUID): string {
  return isSafeRequestId(header) ? header : freshId(generate);
}

/**
 * A random UUID is NAM-shaped about once in 2,000 (its last group can be 4 hex letters and 8
 * digits), and the access log refuses such an id like any other unsafe value: that request would
 * answer ACCESS_LOG_UNAVAILABLE (found by the bench). Draw again; twice in a row is one in millions.
 */
function freshId(generate: () => string): string {
  for (let attempt = 0; attempt < 32; attempt++) {
    const id = generate();
    if (isSafeRequestId(id)) return id;
  }
  throw new Error('the request id generator gives no safe id');
}
