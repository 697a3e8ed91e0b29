import { errors } from 'undici';
import type { Outcome } from './result';

/** What a request that got no answer becomes: undici's timeouts are `timeout`, anything else (refused, reset…) `network`. */
export function failureOf(error: unknown): Outcome {
  const timedOut = error instanceof errors.HeadersTimeoutError || error instanceof errors.BodyTimeoutError;
  return { status: timedOut ? 'timeout' : 'network' };
}
