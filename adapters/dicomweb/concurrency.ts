import { SourceError } from '../port';

/**
 * Runs `task` over `items` with at most `limit` running at once, keeping the input order in the
 * result. Everything runs under `signal`; the first failure aborts the tasks still running (their
 * answers could no longer be used) and is the one thrown. A source answers whole or not at all:
 * a partial answer would show "no studies" for the people whose request did not finish.
 */
export async function mapWithConcurrency<T, R>(
  items: readonly T[],
  limit: number,
  signal: AbortSignal,
  task: (item: T, signal: AbortSignal) => Promise<R>,
): Promise<R[]> {
  const stop = new AbortController();
  const combined = AbortSignal.any([signal, stop.signal]);
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      if (combined.aborted) throw new SourceError('timeout', 'no answer in time');
      const index = next++;
      results[index] = await task(items[index], combined);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(Math.max(1, limit), items.length) }, worker));
  } catch (error) {
    stop.abort();
    throw error;
  }
  return results;
}
