/**
 * The bench's world: a simulated province of source systems (pharmacies and clinics over FHIR R4,
 * imaging centres over DICOMweb QIDO-RS) in a process of its own, started by startWorld
 * (bench/world/index.ts) as `node --import tsx bench/world/server.ts '<WorldOptions JSON>'`.
 *
 * It builds the world from the options, listens, writes the sources, registry and people files
 * into options.dir, then prints one line on stdout: `world:ready {…}`. Nothing else is printed,
 * and never a request: they name people. It stops on SIGTERM, SIGINT, or when its parent goes
 * (stdin closes).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { listen } from '../../demo/listen';
import { safeMessage } from '../load/program-io';
import { latencyRule } from './latency';
import { buildWorld } from './model';
import { checkWorldOptions, type WorldOptions } from './options';
import { worldHandler } from './router';
import { RequestStats } from './stats';
import { writeWorldFiles } from './world-files';

export const READY_PREFIX = 'world:ready ';

/** What the ready line says. */
export interface WorldReady {
  url: string;
  sourcesFile: string;
  registryFile: string;
  peopleFile: string;
  people: number;
  sources: number;
  /** Building the people, sources and holdings, and writing the files. */
  buildMs: number;
  rssBytes: number;
}

async function main(): Promise<void> {
  const options = JSON.parse(process.argv[2] ?? '{}') as WorldOptions & { dir: string };
  checkWorldOptions(options);
  if (!options.dir) throw new Error('world: the server needs options.dir');
  const started = performance.now();
  const model = buildWorld({ ...options, seed: options.seed ?? 1 });
  const state = { latency: latencyRule(options.latency), stats: new RequestStats(model.sources.map((s) => s.id)) };
  let url = '';
  const server = createServer(worldHandler(model, state, () => url));
  // The gateway's and the load generator's pools keep their connections: never drop one under them.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  const host = options.host ?? '127.0.0.1';
  await listen(server, options.port ?? 0, host);
  url = `http://${host.includes(':') ? `[${host}]` : host}:${(server.address() as AddressInfo).port}`;
  const files = writeWorldFiles(model, url, options.dir);
  const ready: WorldReady = { url, ...files, people: model.people.length, sources: model.sources.length, buildMs: Math.round(performance.now() - started), rssBytes: process.memoryUsage().rss };
  process.stdout.write(`${READY_PREFIX}${JSON.stringify(ready)}\n`);

  const stop = () => {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  process.stdin.once('end', stop).resume();
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`world: failed to start: ${safeMessage(error)}\n`);
    process.exit(1);
  });
}
