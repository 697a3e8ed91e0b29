import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { lineFrom, spawnTsx, stopChild } from '../load/spawn-tsx';
import type { ExpectedRecords } from './expected';
import { baseLatencyOf, latencyRule, type LatencyOption } from './latency';
import { checkWorldOptions, type WorldOptions } from './options';
import { READY_PREFIX, type WorldReady } from './server';
import { readWorldPeople, type WorldPerson, type WorldSourceRef } from './world-files';

export type { ExpectedRecords } from './expected';
export type { LatencyOption, LatencyRule } from './latency';
export type { WorldOptions } from './options';
export type { WorldPerson, WorldSourceRef } from './world-files';

/** The world's process as the bench sees it: its CPU is the sources', not the system under test's. */
export interface WorldUsage {
  pid: number;
  rssBytes: number;
  heapUsedBytes: number;
  cpuUserMs: number;
  cpuSystemMs: number;
  uptimeMs: number;
}

/** A running world (bench/world/server.ts in its own process). */
export interface World {
  /** http://127.0.0.1:port; a source's base is `<url>/<source id>/fhir` or `<url>/<source id>/dicom-web`. */
  url: string;
  /** A SOURCES_FILE for the platform (lib/sources.ts format). */
  sourcesFile: string;
  /** A REGISTRY_FILE for the patient index (nam,family_name,given_name,birth_date,sex). */
  registryFile: string;
  /** Where its files are; a directory startWorld made is removed by stop(). */
  dir: string;
  pid: number;
  /** From spawning the process to its ready line. */
  startMs: number;
  /** Of which building the people, sources and holdings and writing the files. */
  buildMs: number;
  /** Every source, in sources-file order (the order latency lists are handed out in). */
  sources(): readonly WorldSourceRef[];
  /** Every person of the registry with the sources holding their data (none for an empty record). Read from the world's people file at the first call (so before stop), then kept. */
  people(): readonly WorldPerson[];
  /** The latency a source answers with, before jitter, under the current rule. */
  latencyMsOf(sourceId: string): number;
  setLatency(latency: LatencyOption): Promise<void>;
  /** The searches a view sends, received per source id since the last reset (pages included; zeros listed; not roster or CapabilityStatement reads). */
  stats(): Promise<Record<string, number>>;
  resetStats(): Promise<void>;
  /** What a correct reader finds for a person: per holding source and kind, the record ids. */
  expected(nam: string): Promise<ExpectedRecords[]>;
  usage(): Promise<WorldUsage>;
  stop(): Promise<void>;
}

const SERVER = join(__dirname, 'server.ts');
/** Generous: 100,000 people at 800 sources are ready in a few seconds on the 2-core machine. */
const READY_TIMEOUT_MS = 120_000;

/**
 * Starts a world in its own process and resolves once it listens and its files are written. The
 * files go to `options.dir`, or a new temporary directory.
 */
export async function startWorld(options: WorldOptions): Promise<World> {
  checkWorldOptions(options);
  let rule = latencyRule(options.latency);
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'qhr-world-'));
  const cleanUp = () => {
    if (!options.dir) rmSync(dir, { recursive: true, force: true });
  };
  const spawned = performance.now();
  const child = spawnTsx(SERVER, [JSON.stringify({ ...options, dir })]);
  let ready: WorldReady;
  try {
    ready = JSON.parse(await lineFrom(child, READY_PREFIX, READY_TIMEOUT_MS, 'the world')) as WorldReady;
  } catch (error) {
    await stopChild(child);
    cleanUp();
    throw error;
  }
  const startMs = Math.round(performance.now() - spawned);
  let read: ReturnType<typeof readWorldPeople> | undefined;
  const file = () => (read ??= readWorldPeople(ready.peopleFile));
  const call = async (method: 'GET' | 'POST', path: string, body?: unknown) => {
    const response = await fetch(`${ready.url}${path}`, { method, ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }) });
    if (!response.ok) throw new Error(`the world answered HTTP ${response.status} to ${method} ${path}`);
    return response.status === 204 ? undefined : response.json();
  };
  return {
    url: ready.url,
    sourcesFile: ready.sourcesFile,
    registryFile: ready.registryFile,
    dir,
    pid: child.pid!,
    startMs,
    buildMs: ready.buildMs,
    sources: () => file().sources,
    people: () => file().people,
    latencyMsOf(sourceId) {
      const index = file().sources.findIndex((s) => s.id === sourceId);
      if (index < 0) throw new Error('latencyMsOf: no such source');
      return baseLatencyOf(rule, index);
    },
    async setLatency(latency) {
      const next = latencyRule(latency);
      await call('POST', '/_latency', next);
      rule = next;
    },
    stats: async () => ((await call('GET', '/_stats')) as { requests: Record<string, number> }).requests,
    resetStats: async () => {
      await call('POST', '/_stats/reset');
    },
    // POSTed: a NAM never goes in a URL.
    expected: async (nam) => ((await call('POST', '/_expected', { nam })) as { sources: ExpectedRecords[] }).sources,
    usage: async () => (await call('GET', '/_process')) as WorldUsage,
    async stop() {
      await stopChild(child);
      cleanUp();
    },
  };
}
