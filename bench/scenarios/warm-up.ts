import { runLoad, type LoadItem } from '../load';
import { checkClean, type LoadShape } from './shape';

/**
 * Unmeasured load on a system before its first measured round, the same for every subject: V8
 * optimises the request path, connection pools fill, the database's caches hold the tables. A
 * process just started answers its first thousands of views several milliseconds slower than it
 * will for the rest of its life; a figure taken then would measure the start, not the service.
 */
export async function warmUp(what: string, url: string, items: readonly LoadItem[], shape: LoadShape, progress: (line: string) => void): Promise<void> {
  progress(`warming up ${what}: ${shape.systemWarmUpMs / 1000} s of views, not measured`);
  const result = await runLoad({ url, items, concurrency: shape.load.concurrency, warmupMs: shape.systemWarmUpMs, durationMs: 500 });
  checkClean(result, `warm-up of ${what}`);
}

/** How many fresh people a warm-up may use up (a view each, at a generous rate). */
export const warmUpPeople = (shape: LoadShape) => Math.ceil(((shape.systemWarmUpMs + 500) / 1000) * 400);
