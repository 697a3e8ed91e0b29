import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PointToPointSource } from './point-to-point-view';
import { RESULT_PREFIX, type GeneratorConfig, type PointToPointConfig, type RunConfig } from './program-io';
import type { LoadResult } from './result';
import { lineFrom, spawnTsx, stopChild } from './spawn-tsx';

export type { PointToPointSource } from './point-to-point-view';
export type { LoadResult } from './result';

/** One request of a load run. */
export interface LoadItem {
  body: string;
  headers: Record<string, string>;
}

/** The interface both load programs share: closed-loop clients, a warm-up, a measurement window. */
export interface RunOptions {
  /** Clients, each with one request in flight (10 or more for the bench's claims). */
  concurrency: number;
  durationMs: number;
  warmupMs: number;
  /** Where in the list the first client starts (default 0), so successive rounds need not resend the same items. */
  startAt?: number;
  /** Per request (per source call for point-to-point); default 30 s. */
  timeoutMs?: number;
}

export interface LoadOptions extends RunOptions {
  url: string;
  /** Cycled through in order by all clients together. */
  items: readonly LoadItem[];
  /** Default POST. */
  method?: 'GET' | 'POST';
}

export interface PointToPointOptions extends RunOptions {
  /** Cycled through in order; a person held by no source costs no call (and still counts as a view). */
  people: readonly { nam: string; sources: readonly PointToPointSource[] }[];
  /** Only records on or after this date (YYYY-MM-DD), sent as our adapters send it. */
  since?: string;
  /** Every search of a view at once (the fastest any client can read it), not one after another. */
  allAtOnce?: boolean;
}

const GENERATOR = join(__dirname, 'generator.ts');
const POINT_TO_POINT = join(__dirname, 'point-to-point.ts');
/** Beyond warm-up and window: starting the program, reading its config, the requests in flight at the end. */
const SLACK_MS = 120_000;

/** Runs the load generator (bench/load/generator.ts) in its own process against `url`. */
export function runLoad(options: LoadOptions): Promise<LoadResult> {
  if (options.items.length === 0) throw new Error('runLoad: no items to send');
  const headerSets: Record<string, string>[] = [];
  const seen = new Map<string, number>();
  const items = options.items.map((item): [string, number] => {
    const key = JSON.stringify(item.headers);
    let index = seen.get(key);
    if (index === undefined) seen.set(key, (index = headerSets.push(item.headers) - 1));
    return [item.body, index];
  });
  const config: GeneratorConfig = { ...runConfig(options), url: options.url, method: options.method ?? 'POST', headerSets, items };
  return runProgram(GENERATOR, config, 'the load generator');
}

/** Runs the point-to-point reference (bench/load/point-to-point.ts) in its own process over `people`. */
export function runPointToPoint(options: PointToPointOptions): Promise<LoadResult> {
  if (options.people.length === 0) throw new Error('runPointToPoint: no people to read');
  const sources: PointToPointSource[] = [];
  const seen = new Map<string, number>();
  const people = options.people.map((person): [string, number[]] => [
    person.nam,
    person.sources.map((source) => {
      let index = seen.get(source.id);
      if (index === undefined) seen.set(source.id, (index = sources.push({ id: source.id, domain: source.domain, protocol: source.protocol, url: source.url }) - 1));
      return index;
    }),
  ]);
  const config: PointToPointConfig = { ...runConfig(options), sources, people, ...(options.since ? { since: options.since } : {}), ...(options.allAtOnce ? { allAtOnce: true } : {}) };
  return runProgram(POINT_TO_POINT, config, 'the point-to-point client');
}

function runConfig(options: RunOptions): RunConfig {
  if (!Number.isInteger(options.concurrency) || options.concurrency < 1) throw new Error('load: concurrency must be a whole number of at least 1');
  if (!(options.durationMs > 0) || !(options.warmupMs >= 0)) throw new Error('load: durationMs must be positive and warmupMs not negative');
  return { concurrency: options.concurrency, warmupMs: options.warmupMs, durationMs: options.durationMs, startAt: options.startAt ?? 0, timeoutMs: options.timeoutMs ?? 30_000 };
}

/** Writes the config to a temporary file (it can hold 100,000 requests), runs the program, reads its result line. */
async function runProgram(script: string, config: RunConfig, what: string): Promise<LoadResult> {
  const dir = mkdtempSync(join(tmpdir(), 'qhr-load-'));
  try {
    const file = join(dir, 'config.json');
    writeFileSync(file, JSON.stringify(config));
    const child = spawnTsx(script, [file]);
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const result = JSON.parse(await lineFrom(child, RESULT_PREFIX, config.warmupMs + config.durationMs + SLACK_MS, what)) as LoadResult;
      await exited;
      return result;
    } finally {
      await stopChild(child);
    }
  } finally {
    // The config holds NAMs (point-to-point) and tokens: it does not outlive the run.
    rmSync(dir, { recursive: true, force: true });
  }
}
