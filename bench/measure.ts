import { performance } from 'node:perf_hooks';

/** Progress goes to stderr; only the result lines go to stdout. */
export const progress = (line: string) => process.stderr.write(`bench: ${line}\n`);

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of nothing');
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Runs `work` and returns how long it took in milliseconds, with its result. */
export async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const start = performance.now();
  const value = await work();
  return { ms: performance.now() - start, value };
}

const x = (ratio: number) => `${ratio.toFixed(1)}×`;

/** "7.9× faster" when ours took less time than the reference, "1.3× slower" otherwise. */
export function speed(oursMs: number, referenceMs: number): string {
  return oursMs <= referenceMs ? `${x(referenceMs / oursMs)} faster` : `${x(oursMs / referenceMs)} slower`;
}

/** "48.0× fewer FHIR requests", "as many PACS requests", "2.0× more …". */
export function fewer(ours: number, reference: number, what: string): string {
  if (ours === reference) return `as many ${what}`;
  if (ours === 0) return `no ${what} (reference: ${reference})`;
  return ours < reference ? `${x(reference / ours)} fewer ${what}` : `${x(ours / reference)} more ${what}`;
}

export const ms = (value: number) => `${value.toFixed(1)} ms`;

/** Fails the bench: a ratio over wrong or partial answers would mean nothing. The message names no value. */
export function check(condition: unknown, what: string): asserts condition {
  if (!condition) throw new Error(`check failed: ${what}`);
}
