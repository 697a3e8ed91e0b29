import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { SUBGRAPH_NAMES, type SubgraphName } from '../lib/config';
import { openDb, type Db } from '../lib/db';
import { startServiceProcess, type ServiceProcess } from './service-process';


/** Our services for one world, each in its own process, sharing one PostgreSQL schema (and Redis). */
export interface OurSystem {
  name: string;
  gatewayUrl: string;
  subgraphUrls: Record<SubgraphName, string>;
  dbSchema: string;
  subgraphSecret: string;
  jwtSecret: string;
  /** The gateway processes (the cluster's workers), whose memory the bench reports. */
  gatewayPids(): number[];
  /** Every process of the system, named, for CPU accounting. */
  processes(): { name: string; pid: number }[];
  /** Pull sources whose first roster read finished, out of `of`. */
  rosters(): Promise<{ complete: number; of: number }>;
  stop(): Promise<void>;
}

export interface SystemOptions {
  name: string;
  sourcesFile: string;
  registryFile: string;
  databaseUrl: string;
  redisUrl?: string;
  gatewayInstances: number;
  /** `in-process`: the subgraphs run inside each gateway process (GATEWAY_SUBGRAPHS); `remote`: each its own service. */
  subgraphs: 'remote' | 'in-process';
  progress(line: string): void;
}

// BENCH_CPU_PROF=<dir>: every service writes a V8 CPU profile there when it stops (for finding where the time goes).
const profiling = () => (process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : []);

function startService(script: string, args: string[], env: NodeJS.ProcessEnv, readyLine: RegExp): ServiceProcess {
  return startServiceProcess({ name: args[0] ?? script.replace(/^services\/|\.ts$/g, ''), script, args, env, readyLine, readyWithinMs: 180_000, nodeArgs: profiling() });
}

/**
 * A free TCP port, or `count` consecutive ones (the subgraphs take SUBGRAPH_BASE_PORT … +4).
 * Drawn below Linux's ephemeral range (32768+), where the kernel picks the local ports of outgoing
 * connections: a port found free there can be taken by a database connection before our service
 * binds it. Ports handed out before in this process are never handed out again.
 */
export async function freePorts(count: number): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const base = 12_000 + Math.floor(Math.random() * 20_000);
    const range = Array.from({ length: count }, (_, i) => base + i);
    if (range.some((port) => handedOut.has(port))) continue;
    let ok = true;
    for (const port of range) if (ok) ok = await isFree(port);
    if (!ok) continue;
    for (const port of range) handedOut.add(port);
    return base;
  }
  throw new Error('no free ports');
}

const handedOut = new Set<number>();

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** What every one of our services needs to run on the bench's world, PostgreSQL schema and Redis. */
export interface ServiceBase {
  databaseUrl: string;
  redisUrl?: string;
  dbSchema: string;
  secrets: { subgraph: string; jwt: string; cacheKey: string; auditKey: string };
  sourcesFile: string;
  registryFile: string;
  /** The subgraphs' ports: base … base+4. */
  basePort: number;
}

/** The environment of one of our services, as production would set it; `extra` on top. */
export function serviceEnv(base: ServiceBase, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    // A gateway worker's heap cap, when the bench's caller sets one (diagnosis: GC against the cap).
    ...(process.env.GATEWAY_HEAP_MB ? { GATEWAY_HEAP_MB: process.env.GATEWAY_HEAP_MB } : {}),
    // BENCH_OTLP=<url>: every service sends its spans there (diagnosis: where a view's time goes).
    ...(process.env.BENCH_OTLP ? { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: process.env.BENCH_OTLP } : {}),
    DATABASE_URL: base.databaseUrl,
    DB_SCHEMA: base.dbSchema,
    ...(base.redisUrl ? { REDIS_URL: base.redisUrl } : {}),
    CACHE_KEY: base.secrets.cacheKey,
    AUDIT_KEY: base.secrets.auditKey,
    SUBGRAPH_SECRET: base.secrets.subgraph,
    AUTH_JWT_SECRET: base.secrets.jwt,
    SOURCES_FILE: base.sourcesFile,
    REGISTRY_FILE: base.registryFile,
    SUBGRAPH_BASE_PORT: String(base.basePort),
    LOG_LEVEL: 'warn',
    ...extra,
  };
}

function baseEnv(options: SystemOptions, dbSchema: string, secrets: ServiceBase['secrets'], basePort: number, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return serviceEnv(
    { databaseUrl: options.databaseUrl, redisUrl: options.redisUrl, dbSchema, secrets, sourcesFile: options.sourcesFile, registryFile: options.registryFile, basePort },
    {
      // Long enough that a warmed set stays warm for the whole throughput scenario.
      SOURCE_CACHE_TTL_MS: '600000',
      SOURCE_TIMEOUT_MS: '5000',
      // Three systems and the peers' subgraphs share one PostgreSQL (100 connections by default).
      DB_POOL_MAX: '6',
      ...extra,
    },
  );
}

const urlsFrom = (host: string, basePort: number) =>
  Object.fromEntries(SUBGRAPH_NAMES.map((name, index) => [name, `http://${host}:${basePort + index}/graphql`])) as Record<SubgraphName, string>;

/** Starts the patient index first (it imports the registry), then the domain subgraphs and the roster reader, then the gateway. */
export async function startOurSystem(options: SystemOptions): Promise<OurSystem> {
  const dbSchema = `bench_${options.name}_${randomBytes(3).toString('hex')}`;
  const secrets = { subgraph: randomBytes(24).toString('hex'), jwt: randomBytes(24).toString('hex'), cacheKey: randomBytes(32).toString('hex'), auditKey: randomBytes(32).toString('hex') };
  const basePort = await freePorts(SUBGRAPH_NAMES.length);
  const gatewayPort = await freePorts(1);
  const env = baseEnv(options, dbSchema, secrets, basePort);
  const services: ServiceProcess[] = [];
  const stop = async () => {
    await Promise.all(services.reverse().map((service) => service.stop(10_000)));
    const db = await openDb({ url: options.databaseUrl });
    await db.query(`DROP SCHEMA IF EXISTS ${dbSchema} CASCADE`).catch(() => undefined);
    await db.close();
  };
  try {
    if (options.subgraphs === 'remote') {
      const index = startService('services/subgraph.ts', ['patient-index'], env, /\] subgraph patient-index: (\S+)/);
      services.push(index);
      await index.ready;
      options.progress(`${options.name}: patient index up (registry imported)`);
      const domain = (['pharmacy', 'lab', 'imaging', 'clinic'] as const).map((name) => startService('services/subgraph.ts', [name], env, new RegExp(`\\] subgraph ${name}: (\\S+)`)));
      services.push(...domain);
      await Promise.all(domain.map((service) => service.ready));
    }
    const roster = startService('services/roster-reader.ts', [], env, /\] (reading .*)/);
    services.push(roster);
    await roster.ready;
    const gateway = startService('services/gateway.ts', [], { ...env, PORT: String(gatewayPort), GATEWAY_INSTANCES: String(options.gatewayInstances), GATEWAY_SUBGRAPHS: options.subgraphs }, /\] (\d+ instances on one address|gateway: \S+)/);
    services.push(gateway);
    await gateway.ready;
    await waitForGateway(`http://127.0.0.1:${gatewayPort}/graphql`);
    options.progress(`${options.name}: gateway up (${options.gatewayInstances} instances)`);
    const db = await openDb({ url: options.databaseUrl, schema: dbSchema });
    const pullSources = countPullSources(options.sourcesFile);
    return {
      name: options.name,
      gatewayUrl: `http://127.0.0.1:${gatewayPort}/graphql`,
      subgraphUrls: urlsFrom('127.0.0.1', basePort),
      dbSchema,
      subgraphSecret: secrets.subgraph,
      jwtSecret: secrets.jwt,
      gatewayPids: () => (options.gatewayInstances > 1 ? childrenOf(gateway.pid) : [gateway.pid]),
      processes: () => {
        const workers = childrenOf(gateway.pid);
        return [
          ...services.filter((s) => s !== gateway).map((s) => ({ name: s.name, pid: s.pid })),
          ...(workers.length > 0 ? workers : [gateway.pid]).map((pid, i) => ({ name: `gateway ${i + 1}`, pid })),
        ];
      },
      rosters: async () => ({ complete: await completeRosters(db), of: pullSources }),
      stop: async () => {
        await db.close();
        await stop();
      },
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** The subgraphs again, on the same schema (locator, registry) but with the answer cache off: what the peers run over. */
export async function startPeerSubgraphs(system: OurSystem, options: SystemOptions): Promise<{ subgraphUrls: Record<SubgraphName, string>; stop(): Promise<void> }> {
  const basePort = await freePorts(SUBGRAPH_NAMES.length);
  const env = baseEnv(options, system.dbSchema, { subgraph: system.subgraphSecret, jwt: system.jwtSecret, cacheKey: randomBytes(32).toString('hex'), auditKey: randomBytes(32).toString('hex') }, basePort, { SOURCE_CACHE: 'off' });
  // The registry is already imported by our patient index: no second import.
  delete env.REGISTRY_FILE;
  const services = SUBGRAPH_NAMES.map((name) => startService('services/subgraph.ts', [name], env, new RegExp(`\\] subgraph ${name}: (\\S+)`)));
  const stop = () => Promise.all(services.map((service) => service.stop(10_000))).then(() => undefined);
  try {
    await Promise.all(services.map((service) => service.ready));
  } catch (error) {
    await stop();
    throw error;
  }
  return { subgraphUrls: urlsFrom('127.0.0.1', basePort), stop };
}

async function waitForGateway(url: string): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const status = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{__typename}"}' }).then((r) => r.status, () => 0);
    if (status !== 0) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('the gateway does not answer');
}

function countPullSources(sourcesFile: string): number {
  const { sources } = JSON.parse(readFileSync(sourcesFile, 'utf8')) as { sources: { protocol: string; rosterIntervalMs?: number }[] };
  return sources.filter((s) => s.protocol !== 'hl7v2-mllp' && s.rosterIntervalMs !== 0).length;
}

async function completeRosters(db: Db): Promise<number> {
  const { rows } = await db.query<{ n: string }>('SELECT count(*) AS n FROM locator_rosters WHERE complete_at IS NOT NULL').catch(() => ({ rows: [{ n: '0' }] }));
  return Number(rows[0].n);
}

/** The pids of a process's children (a cluster primary's workers), from /proc. */
function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** CPU time a process has used so far (user + system), in ms, from /proc/<pid>/stat. */
export function cpuMs(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return 0;
  }
}

/** Peak resident memory (VmHWM) of a process, in MB; undefined when it cannot be read. */
export function peakRssMb(pid: number): number | undefined {
  try {
    const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb ? Number(kb) / 1024 : undefined;
  } catch {
    return undefined;
  }
}
