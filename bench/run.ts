/**
 * `npm run bench [-- --quick] [--out FILE]`: the performance claims of issue #7, measured side by
 * side in one run. The sources (bench/world), the load generator (bench/load), our services and
 * each peer gateway run in processes of their own, on PostgreSQL and Redis (DATABASE_URL and
 * REDIS_URL, the machine's by default). Progress goes to stderr; the table of figures to stdout;
 * bench/results.json and bench/results.svg are written. No NAM, name or response body is printed.
 * See bench/README.md.
 */
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openDb } from '../lib/db';
import { maskNams } from '../lib/nam';
import { benchLabIngestion } from './lab/ingestion';
import { p50BySourcesSvg } from './chart';
import { describe, figure, type Figures } from './figures';
import { FreshPeople } from './people';
import { benchPanel } from './scenarios/panel';
import { benchScale, SCALE_LATENCY_MS, type Province } from './scenarios/scale';
import type { LoadShape } from './scenarios/shape';
import { benchThroughput } from './scenarios/throughput';
import { benchViewLatency, VIEW_LATENCIES } from './scenarios/view-latency';
import { startOurSystem, startPeerSubgraphs, type OurSystem } from './system';
import { startWorld } from './world';

interface Size {
  people: number;
  /** Pharmacies, clinics and PACS of each province, fewest sources first; the middle one serves scenarios 1-3. */
  provinces: { pharmacies: number; clinics: number; pacs: number }[];
  shape: LoadShape;
  lab: { rounds: number; messages: number; connections: number };
}

const FULL: Size = {
  people: 100_000,
  provinces: [
    { pharmacies: 6, clinics: 3, pacs: 1 },
    { pharmacies: 60, clinics: 30, pacs: 10 },
    { pharmacies: 500, clinics: 250, pacs: 50 },
  ],
  shape: { rounds: 3, peoplePerRound: 4000, warmSet: 1000, load: { concurrency: 10, durationMs: 8000, warmupMs: 2000 }, systemWarmUpMs: 20_000 },
  lab: { rounds: 3, messages: 20_000, connections: 16 },
};

/** What test/bench/bench-run.test.ts runs: every scenario, reduced. Its figures prove the plumbing, not the claims. */
const QUICK: Size = {
  people: 3000,
  provinces: [
    { pharmacies: 6, clinics: 3, pacs: 1 },
    { pharmacies: 12, clinics: 6, pacs: 2 },
    { pharmacies: 40, clinics: 20, pacs: 4 },
  ],
  shape: { rounds: 1, peoplePerRound: 400, warmSet: 100, load: { concurrency: 4, durationMs: 1500, warmupMs: 300 }, systemWarmUpMs: 500 },
  lab: { rounds: 1, messages: 1000, connections: 4 },
};

const progress = (line: string) => process.stderr.write(`[bench] ${line}\n`);

/**
 * How our system runs: two gateway processes, each with the five subgraphs inside it
 * (GATEWAY_SUBGRAPHS=in-process), plus the roster reader. BENCH_SUBGRAPHS=remote measures the
 * subgraphs as services of their own instead.
 */
const OUR_SUBGRAPHS = process.env.BENCH_SUBGRAPHS === 'remote' ? 'remote' : 'in-process';

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false }, out: { type: 'string', default: join(__dirname, 'results.json') } } });
  const size = values.quick ? QUICK : FULL;
  const databaseUrl = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
  const redisUrl = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
  const started = Date.now();
  const machine = await describeMachine(databaseUrl);
  progress(`${values.quick ? 'quick run' : 'full run'} on ${machine.cpus} × ${machine.cpu}, ${machine.memoryGb} GB; PostgreSQL ${machine.postgres}; Redis at ${redisUrl}`);

  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch((error: Error) => progress(`stop failed: ${error.name}`));
    stops.length = 0;
  };
  /** A province's sources and our system over them, each in processes of their own. */
  const startProvince = async (index: number): Promise<Province> => {
    const shape = size.provinces[index];
    const sources = shape.pharmacies + shape.clinics + shape.pacs;
    progress(`province of ${sources} sources and ${size.people} people: starting its sources`);
    const world = await startWorld({ people: size.people, ...shape, latency: { ms: VIEW_LATENCIES, jitterMs: 0 }, seed: 100 + index });
    stops.push(() => world.stop());
    const ours = await startOurSystem({ name: `s${sources}`, sourcesFile: world.sourcesFile, registryFile: world.registryFile, databaseUrl, redisUrl, gatewayInstances: 2, subgraphs: OUR_SUBGRAPHS, progress });
    stops.push(() => ours.stop());
    return { sources, world, ours, fresh: new FreshPeople(world, 7 + index) };
  };
  try {
    // Scenarios 1-3 measure the middle province with nothing else running: the other provinces'
    // roster readers and sources would take CPU from the system under test on this 2-core machine.
    const provinces: Province[] = new Array(size.provinces.length);
    const middleIndex = 1;
    const middle = (provinces[middleIndex] = await startProvince(middleIndex));
    await waitForRosters([middle.ours]);
    const peerSubgraphs = await startPeerSubgraphs(middle.ours, { name: 'peers', sourcesFile: middle.world.sourcesFile, registryFile: middle.world.registryFile, databaseUrl, redisUrl, gatewayInstances: 1, subgraphs: 'remote', progress });
    stops.push(peerSubgraphs.stop);

    const figures: Figures = {};
    progress(`scenario 1/5: a patient view against sources of ${VIEW_LATENCIES.join(', ')} ms (${middle.sources} sources)`);
    Object.assign(figures, await benchViewLatency(middle.world, middle.ours, middle.fresh, size.shape, progress));
    progress('scenario 2/5: requests per second against plain @apollo/gateway and Hive Gateway; memory');
    Object.assign(figures, await benchThroughput(middle.world, middle.ours, peerSubgraphs, middle.fresh, size.shape, progress));
    progress('scenario 3/5: a panel of 50 people');
    Object.assign(figures, await benchPanel(middle.world, middle.ours, middle.fresh, size.shape.rounds, progress));
    await peerSubgraphs.stop();
    for (const index of size.provinces.keys()) if (!provinces[index]) provinces[index] = await startProvince(index);
    await waitForRosters(provinces.map((p) => p.ours));
    progress(`scenario 4/5: ${provinces.map((p) => p.sources).join(', ')} sources, ${size.people} people, every source ${SCALE_LATENCY_MS} ms`);
    const scale = await benchScale(provinces, size.shape, progress);
    Object.assign(figures, scale.figures);
    // The lab listener is measured alone too.
    await stopAll();
    progress('scenario 5/5: lab ingestion, each message durable before its ACK');
    const lab = await benchLabIngestion({ databaseUrl, ...size.lab, progress: (line) => progress(`lab ${line}`) });
    figures.lab_ingestion = figure(lab.perSecond, 'messages/s', { atLeast: 2000 }, `ORU^R01 over ${size.lab.connections} MLLP connections, each sender waiting for its ACK; every AA stored exactly once: ${lab.storedEqualsAcked}`);
    if (!lab.storedEqualsAcked) figures.lab_ingestion.ok = false;

    const results = { date: new Date().toISOString(), run: values.quick ? 'quick' : 'full', machine, minutes: Math.round((Date.now() - started) / 6000) / 10, figures };
    writeFileSync(values.out!, `${JSON.stringify(results, null, 2)}\n`);
    writeFileSync(values.out!.replace(/\.json$/, '.svg'), p50BySourcesSvg(scale.p50BySources, { floorMs: SCALE_LATENCY_MS, title: `Patient view p50, ${size.people.toLocaleString('en')} people, ${size.shape.load.concurrency} clients` }));
    for (const [name, f] of Object.entries(figures)) console.log(describe(name, f));
    progress(`done in ${results.minutes} min; wrote ${values.out}`);
    return Object.values(figures).every((f) => f.ok) ? 0 : 1;
  } finally {
    await stopAll();
  }
}

/** The record locator must know every source before views are measured; then the subgraphs' coverage snapshots refresh (5 s). */
async function waitForRosters(systems: readonly OurSystem[]): Promise<void> {
  const deadline = Date.now() + 10 * 60_000;
  for (;;) {
    const states = await Promise.all(systems.map((s) => s.rosters()));
    progress(`record locator: ${states.map((s, i) => `${systems[i].name} ${s.complete}/${s.of}`).join(', ')} rosters read`);
    if (states.every((s) => s.complete >= s.of)) break;
    if (Date.now() > deadline) throw new Error('the roster reads did not finish within 10 minutes');
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
  await new Promise((resolve) => setTimeout(resolve, 6000));
}

async function describeMachine(databaseUrl: string) {
  const db = await openDb({ url: databaseUrl }).catch(() => {
    throw new Error('npm run bench needs PostgreSQL (DATABASE_URL; the services run in processes of their own, which the embedded database cannot serve) and Redis (REDIS_URL)');
  });
  try {
    const { rows } = await db.query<{ server_version: string }>('SHOW server_version');
    return { cpu: os.cpus()[0]?.model ?? 'unknown', cpus: os.cpus().length, memoryGb: Math.round(os.totalmem() / 2 ** 30), node: process.version, postgres: rows[0].server_version };
  } finally {
    await db.close();
  }
}

// A bench that hangs is a failure, not a slow result.
setTimeout(() => {
  progress('failed: not done within 45 minutes');
  process.exit(1);
}, 45 * 60_000).unref();

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    // The bench's own messages name no value; anything shaped like a NAM is masked in the others all the same.
    const message = error instanceof Error ? `${error.name}: ${error.message}` : 'unknown error';
    progress(`failed: ${maskNams(message)}`);
    process.exit(1);
  },
);
