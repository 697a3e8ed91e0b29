import type { LoadResult } from '../load';

/** How long and how hard each measurement runs (the full bench, or the test's reduced size). */
export interface LoadShape {
  rounds: number;
  /** Fresh people a round may use (more than it can send in its window). */
  peoplePerRound: number;
  /** People read once before the warm-cache rounds, then cycled. */
  warmSet: number;
  load: { concurrency: number; durationMs: number; warmupMs: number };
  /** Unmeasured load on each system before its first measured round (./warm-up.ts). */
  systemWarmUpMs: number;
}

/** A figure measured over failing requests would be a lie: a round with errors fails the bench. */
export function checkClean(result: LoadResult, what: string): void {
  if (result.requests === 0) throw new Error(`${what}: no request completed`);
  if (result.httpErrors > 0 || result.graphqlErrors > 0) {
    const codes = Object.entries({ ...result.httpStatuses, ...result.errorCodes }).map(([code, n]) => `${code} ×${n}`).join(', ');
    throw new Error(`${what}: ${result.httpErrors} HTTP errors and ${result.graphqlErrors} answers with errors (${codes})`);
  }
}

/** A "cold" round that ran out of people would start over its list and find them cached: then its figure means nothing. */
export function checkStayedCold(result: LoadResult, people: number, shape: LoadShape, what: string): void {
  const sent = Math.ceil((result.perSecond * (shape.load.warmupMs + shape.load.durationMs)) / 1000);
  if (sent > people) throw new Error(`${what}: about ${sent} views sent for ${people} people not asked before; raise peoplePerRound`);
}
