import { performance } from 'node:perf_hooks';
import { Tally, type LoadResult, type Outcome } from './result';

export interface ClosedLoop {
  /** Clients, each with one request in flight: it sends its next as soon as the previous one answered. */
  concurrency: number;
  /** Requests completing in the warm-up are not counted (JIT, connection set-up, caches). */
  warmupMs: number;
  durationMs: number;
  /** How many items to cycle through, and where to start (rounds can start where the last stopped). */
  items: number;
  startAt?: number;
  /** One request (or one point-to-point view) with item `index`. Throwing counts as a `network` failure. */
  task(index: number): Promise<Outcome>;
}

/**
 * Closed-loop load: `concurrency` clients cycling through the items for warmupMs + durationMs.
 * Counted: the requests that complete inside the window (as wrk does), so one starting in the
 * warm-up and ending in the window counts, and one still in flight at the end does not; clients
 * finish their request in flight before the loop returns. Throughput is over the window itself.
 */
export async function runClosedLoop(loop: ClosedLoop): Promise<LoadResult> {
  if (!Number.isInteger(loop.concurrency) || loop.concurrency < 1) throw new Error('load: concurrency must be a whole number of at least 1');
  if (loop.items < 1) throw new Error('load: nothing to send');
  const tally = new Tally();
  const started = performance.now();
  const windowStart = started + loop.warmupMs;
  const windowEnd = windowStart + loop.durationMs;
  let next = loop.startAt ?? 0;
  let cpuAtStart: NodeJS.CpuUsage | undefined;
  let cpuMs = 0;
  const startTimer = setTimeout(() => (cpuAtStart = process.cpuUsage()), loop.warmupMs);
  const endTimer = setTimeout(() => {
    const used = process.cpuUsage(cpuAtStart);
    cpuMs = (used.user + used.system) / 1000;
  }, loop.warmupMs + loop.durationMs);

  const client = async () => {
    while (performance.now() < windowEnd) {
      const index = next++ % loop.items;
      const sent = performance.now();
      let outcome: Outcome;
      try {
        outcome = await loop.task(index);
      } catch {
        outcome = { status: 'network' };
      }
      const answered = performance.now();
      if (answered >= windowStart && answered <= windowEnd) tally.record(answered - sent, outcome);
    }
  };
  await Promise.all(Array.from({ length: loop.concurrency }, client));
  clearTimeout(startTimer);
  clearTimeout(endTimer);
  return tally.result({ ms: loop.durationMs, concurrency: loop.concurrency, cpuMs });
}
