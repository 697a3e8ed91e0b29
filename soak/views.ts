import { runLoad, type LoadResult } from '../bench/load';
import { viewsThroughOurs } from '../bench/requests';

/** Counts of every answer, merged over rounds (bench/load's LoadResult, latencies left out). */
export interface Counts {
  requests: number;
  errorCodes: Record<string, number>;
  httpStatuses: Record<string, number>;
}

export const noCounts = (): Counts => ({ requests: 0, errorCodes: {}, httpStatuses: {} });

/** Adds b's counts to a's (pure). */
export function merged(a: Counts, b: Pick<LoadResult, 'requests' | 'errorCodes' | 'httpStatuses'>): Counts {
  const add = (x: Record<string, number>, y: Record<string, number>) => {
    const sum = { ...x };
    for (const [key, n] of Object.entries(y)) sum[key] = (sum[key] ?? 0) + n;
    return sum;
  };
  return { requests: a.requests + b.requests, errorCodes: add(a.errorCodes, b.errorCodes), httpStatuses: add(a.httpStatuses, b.httpStatuses) };
}

/**
 * Steady load of patient views (bench/load: a closed loop of `clients`, in a process of its own)
 * in rounds of `roundMs` until `endsAt`, so progress can be told between rounds. Every answer's
 * status and error codes are counted.
 */
export async function viewLoad(options: { url: string; jwtSecret: string; nams: string[]; clients: number; roundMs: number; endsAt: number; onRound(total: Counts): void }): Promise<Counts> {
  const items = await viewsThroughOurs(options.nams, options.jwtSecret);
  let total = noCounts();
  let startAt = 0;
  for (let left = options.endsAt - Date.now(); left > 1000; left = options.endsAt - Date.now()) {
    const result = await runLoad({ url: options.url, items, concurrency: options.clients, durationMs: Math.min(options.roundMs, left), warmupMs: 0, startAt, timeoutMs: 15_000 });
    startAt += result.requests;
    total = merged(total, result);
    options.onRound(total);
  }
  return total;
}
