import { SourceError } from './port';

/**
 * A shared promise (one token request, one CapabilityStatement read) as one caller waits for it:
 * no longer than that caller's own signal allows, a timeout SourceError when it gives up. The
 * promise itself goes on for whoever else waits; it must have a rejection handler of its own.
 */
export function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new SourceError('timeout', 'no answer in time'));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new SourceError('timeout', 'no answer in time'));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
