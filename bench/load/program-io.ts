import { readFileSync } from 'node:fs';
import { maskNams } from '../../lib/nam';
import type { LoadResult } from './result';

/**
 * How a load program and its launcher talk: the launcher writes the run's config to a JSON file
 * (the item list can be 100,000 requests long) and passes its path; the program prints one line,
 * RESULT_PREFIX and the LoadResult as JSON, then exits. It never prints a request or an answer.
 */
export const RESULT_PREFIX = 'load:result ';

/** What both programs share. */
export interface RunConfig {
  concurrency: number;
  warmupMs: number;
  durationMs: number;
  startAt?: number;
  /** Per request (per source call for point-to-point): after this the request counts as `timeout`. */
  timeoutMs: number;
}

/** bench/load/generator.ts: requests to one URL, items interned (headers are mostly the same for all). */
export interface GeneratorConfig extends RunConfig {
  url: string;
  method: 'GET' | 'POST';
  headerSets: Record<string, string>[];
  /** [body, index in headerSets]. */
  items: [string, number][];
}

/** bench/load/point-to-point.ts: people and the sources they are held by, sources interned. */
export interface PointToPointConfig extends RunConfig {
  sources: { id: string; domain: string; protocol: string; url: string }[];
  /** [NAM, indices in sources]. */
  people: [string, number[]][];
  since?: string;
  /** Every search of a view at once, not one after another (point-to-point-view.ts). */
  allAtOnce?: boolean;
}

export const readConfig = <T>(path: string): T => JSON.parse(readFileSync(path, 'utf8')) as T;

/** Prints the result line and exits once stdout has taken it. */
export function finish(result: LoadResult): void {
  process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(result)}\n`, () => process.exit(0));
}

/**
 * A failure as one line safe to print: our messages name no value, but a parser's may quote the
 * config (which holds NAMs and tokens), so anything shaped like a NAM is masked and the line cut.
 */
export const safeMessage = (error: unknown) => maskNams(error instanceof Error ? `${error.name}: ${error.message}` : 'unknown error').slice(0, 200);

/** Stops the program when its launcher goes (stdin closes), and reports a failure without data. */
export function runProgram(name: string, main: () => Promise<LoadResult>): void {
  process.stdin.once('end', () => process.exit(2)).resume();
  main().then(finish, (error: unknown) => {
    process.stderr.write(`${name}: failed: ${safeMessage(error)}\n`);
    process.exit(1);
  });
}
