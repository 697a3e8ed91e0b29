import type { LatencyOption } from './latency';

/** What a world is made of. Everything in it follows from these, the seed above all. */
export interface WorldOptions {
  /** People in the registry (e.g. 100_000). */
  people: number;
  pharmacies: number;
  clinics: number;
  pacs: number;
  /** How long each source takes to answer (default 0 ms); see LatencyRule. Changeable later with World.setLatency. */
  latency?: LatencyOption;
  /** Default 1. */
  seed?: number;
  /** Where the sources, registry and people files go (default: a new temporary directory). */
  dir?: string;
  /** Default 127.0.0.1, on a free port unless `port` is given. */
  host?: string;
  port?: number;
}

const isCount = (value: unknown, max: number) => Number.isInteger(value) && (value as number) >= 0 && (value as number) <= max;

/** Throws, naming the option, on anything the world cannot be built from. */
export function checkWorldOptions(options: WorldOptions): void {
  if (!isCount(options.people, 5_000_000) || options.people < 1) throw new Error('world: people must be a whole number from 1 to 5,000,000');
  for (const key of ['pharmacies', 'clinics', 'pacs'] as const) {
    if (!isCount(options[key], 9_999)) throw new Error(`world: ${key} must be a whole number from 0 to 9,999`);
  }
  if (options.pharmacies + options.clinics + options.pacs === 0) throw new Error('world: it needs at least one source');
  if (options.seed !== undefined && !Number.isInteger(options.seed)) throw new Error('world: seed must be an integer');
  if (options.port !== undefined && !isCount(options.port, 65_535)) throw new Error('world: port must be a TCP port');
}
