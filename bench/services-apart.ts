import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SUBGRAPH_NAMES } from '../lib/config';
import { openDb } from '../lib/db';
import { startServiceProcess, type ServiceProcess, type ServiceSpec } from './service-process';
import { freePorts, serviceEnv } from './system';

/**
 * Our services for one world as an operator runs them apart (issue #8 §7, §8): the five subgraphs,
 * the roster reader, the lab listener (one MLLP lab source added to the world's sources) and the
 * gateway (GATEWAY_INSTANCES workers behind one address), each a process of its own on one
 * PostgreSQL schema of its own, dropped by stop(). Any of them can be signalled, killed and
 * started again with the same configuration.
 */
export interface ServicesApart {
  gatewayUrl: string;
  /** The lab source's MLLP port, and its id in the sources file. */
  lab: { port: number; sourceId: string };
  dbSchema: string;
  jwtSecret: string;
  /** The running process of each service, by name (`patient-index`, …, `roster-reader`, `lab-listener`, `gateway`). */
  services: Map<ServiceName, ServiceProcess>;
  /** Starts the service again (after it died or was stopped) and waits until it is up. */
  restart(name: ServiceName): Promise<ServiceProcess>;
  /** The gateway's worker processes (node:cluster children of the gateway process). */
  gatewayWorkers(): number[];
  stop(): Promise<void>;
}

export type ServiceName = (typeof SUBGRAPH_NAMES)[number] | 'roster-reader' | 'lab-listener' | 'gateway';

export interface ServicesApartOptions {
  /** A bench world's files (bench/world startWorld). */
  world: { sourcesFile: string; registryFile: string };
  databaseUrl: string;
  redisUrl?: string;
  gatewayInstances: number;
  /** Added to every service's environment (SOURCE_TIMEOUT_MS, SOURCE_CACHE, DB_*, …). */
  env?: Record<string, string>;
  /** Added to the gateway's alone (OPS_PORT of its cluster primary, …). */
  gatewayEnv?: Record<string, string>;
  /** Prefix of the schema name, e.g. `soak`. */
  label: string;
  progress?(line: string): void;
}

const LAB_SOURCE_ID = 'lab-apart';

export async function startServicesApart(options: ServicesApartOptions): Promise<ServicesApart> {
  const progress = options.progress ?? (() => undefined);
  const dir = mkdtempSync(join(tmpdir(), 'qhr-apart-'));
  const dbSchema = `${options.label}_${randomBytes(4).toString('hex')}`;
  const jwtSecret = randomBytes(24).toString('hex');
  const basePort = await freePorts(SUBGRAPH_NAMES.length);
  const gatewayPort = await freePorts(1);
  const labPort = await freePorts(1);
  const sourcesFile = join(dir, 'sources.json');
  writeFileSync(sourcesFile, JSON.stringify(withLabSource(options.world.sourcesFile, labPort)));
  const secrets = { subgraph: randomBytes(24).toString('hex'), jwt: jwtSecret, cacheKey: randomBytes(32).toString('hex'), auditKey: randomBytes(32).toString('hex') };
  const env = serviceEnv(
    { databaseUrl: options.databaseUrl, redisUrl: options.redisUrl, dbSchema, secrets, sourcesFile, registryFile: options.world.registryFile, basePort },
    { PORT: String(gatewayPort), GATEWAY_INSTANCES: String(options.gatewayInstances), DB_POOL_MAX: '4', ...options.env },
  );
  const specs = specsOf(env, options.gatewayEnv);
  const services = new Map<ServiceName, ServiceProcess>();
  const start = async (name: ServiceName) => {
    const service = startServiceProcess(specs[name]);
    services.set(name, service);
    await service.ready;
    return service;
  };
  const stop = async () => {
    // The gateway first (it calls the rest), the patient index last.
    for (const name of [...STARTING_ORDER].reverse()) await services.get(name)?.stop();
    const db = await openDb({ url: options.databaseUrl });
    await db.query(`DROP SCHEMA IF EXISTS ${dbSchema} CASCADE`).catch(() => undefined);
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    // The patient index imports the registry before anyone reads it.
    await start('patient-index');
    await Promise.all(STARTING_ORDER.slice(1, -1).map(start));
    progress(`subgraphs, roster reader and lab listener up (schema ${dbSchema})`);
    await start('gateway');
    const gatewayUrl = `http://127.0.0.1:${gatewayPort}/graphql`;
    await untilAnswering(gatewayUrl);
    progress(`gateway up (${options.gatewayInstances} instance${options.gatewayInstances > 1 ? 's' : ''})`);
    return {
      gatewayUrl,
      lab: { port: labPort, sourceId: LAB_SOURCE_ID },
      dbSchema,
      jwtSecret,
      services,
      restart: start,
      gatewayWorkers: () => childrenOf(services.get('gateway')!.pid),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

const STARTING_ORDER: ServiceName[] = ['patient-index', 'pharmacy', 'lab', 'imaging', 'clinic', 'roster-reader', 'lab-listener', 'gateway'];

function specsOf(env: NodeJS.ProcessEnv, gatewayEnv: Record<string, string> = {}): Record<ServiceName, ServiceSpec> {
  const subgraph = (name: (typeof SUBGRAPH_NAMES)[number]): ServiceSpec => ({ name, script: 'services/subgraph.ts', args: [name], env, readyLine: new RegExp(`\\] subgraph ${name}: (\\S+)`) });
  return {
    'patient-index': subgraph('patient-index'),
    pharmacy: subgraph('pharmacy'),
    lab: subgraph('lab'),
    imaging: subgraph('imaging'),
    clinic: subgraph('clinic'),
    'roster-reader': { name: 'roster-reader', script: 'services/roster-reader.ts', env, readyLine: /\] (reading .*)/ },
    'lab-listener': { name: 'lab-listener', script: 'services/lab-listener.ts', env, readyLine: /\] (\d+ lab listener\(s\) ready)/ },
    gateway: { name: 'gateway', script: 'services/gateway.ts', env: { ...env, ...gatewayEnv }, readyLine: /\] (\d+ instances on one address|gateway: \S+)/ },
  };
}

/** The world's sources and one HL7 v2 laboratory whose listener opens `port`. */
function withLabSource(worldSourcesFile: string, port: number): { sources: unknown[] } {
  const { sources } = JSON.parse(readFileSync(worldSourcesFile, 'utf8')) as { sources: unknown[] };
  return { sources: [...sources, { id: LAB_SOURCE_ID, name: 'Laboratoire (services à part)', domain: 'LAB_RESULTS', protocol: 'hl7v2-mllp', port, region: 'Montréal', area: 'Centre' }] };
}

/** Until the gateway answers HTTP at all (its workers may still be starting behind the primary). */
export async function untilAnswering(url: string, withinMs = 60_000): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (Date.now() < deadline) {
    const status = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{__typename}"}' }).then((r) => r.status, () => 0);
    if (status !== 0) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('the gateway does not answer');
}

/** The pids of a process's children (a cluster primary's workers), from /proc. */
function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}
