import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRecordSources } from '../adapters';
import { LabStore, startMllpReceiver } from '../adapters/hl7v2';
import { AccessLog } from '../gateway/audit/access-log';
import { ConsentStates } from '../gateway/consent/consent-states';
import { loadPolicy } from '../gateway/consent/policy';
import { RefusalRegister } from '../gateway/consent/refusal-register';
import { startGateway } from '../gateway/server';
import { domainSubgraph } from '../subgraphs/domain-subgraph';
import { patientIndexSubgraph } from '../subgraphs/patient-index';
import { loadRegistry } from '../subgraphs/patient-index/registry';
import { XrefStore } from '../subgraphs/patient-index/xref-store';
import { serveSubgraph, type BaseContext, type RunningSubgraph, type SubgraphDefinition } from '../subgraphs/serve';
import { SourceGuards } from '../subgraphs/source-guard';
import { subgraphSdl } from '../schema/compose';
import type { RecordKind } from '../schema/records';
import { openCache, type Cache } from './cache';
import type { Config, SubgraphName } from './config';
import { openDb, type Db } from './db';
import type { Logger } from './logger';

export interface PlatformOptions {
  config: Config;
  logger: Logger;
  /** Keeps this instance's tables in their own schema (tests); overrides DB_SCHEMA. */
  dbSchema?: string;
  /** Told each step as it happens ("lab listener: port 4130"). */
  progress?: (line: string) => void;
}

export interface Platform {
  gatewayUrl: string;
  subgraphUrls: Record<SubgraphName, string>;
  /** The port each HL7 v2 lab source's MLLP listener opened. */
  labPorts: Map<string, number>;
  db: Db;
  cache: Cache;
  xref: XrefStore;
  accessLog: AccessLog;
  stop(): Promise<void>;
}

const DOMAIN_SUBGRAPHS: { name: Exclude<SubgraphName, 'patient-index'>; kinds: RecordKind[] }[] = [
  { name: 'pharmacy', kinds: ['medications'] },
  { name: 'lab', kinds: ['labResults'] },
  { name: 'imaging', kinds: ['imagingStudies'] },
  { name: 'clinic', kinds: ['encounters', 'conditions', 'allergies', 'immunizations'] },
];

/**
 * Starts our side of the stack: the database, the HL7 listeners, the five subgraphs and the
 * gateway, in that order (each needs the one before), and stops them in reverse. The demo source
 * systems are not part of it: they stand for the outside world (see bin/start.ts).
 */
export async function startPlatform(options: PlatformOptions): Promise<Platform> {
  const { config, logger } = options;
  const progress = options.progress ?? (() => undefined);
  const stops: { what: string; stop: () => Promise<void> }[] = [];
  const stopAll = async () => {
    for (const { what, stop } of stops.reverse()) {
      progress(`stopping ${what}`);
      await stop().catch((error) => logger.error({ what, failure: (error as Error).name }, 'stop failed'));
    }
  };
  try {
    const dbSchema = options.dbSchema ?? config.dbSchema;
    const db = await openDb({ url: config.databaseUrl, dataDir: config.dataDir, schema: dbSchema });
    stops.push({ what: 'database', stop: () => db.close() });
    progress(`database: ${db.kind === 'postgres' ? 'PostgreSQL (DATABASE_URL)' : `embedded PGlite (${config.dataDir ?? 'in memory'})`}`);
    const cache = await openCache({ url: config.redisUrl, prefix: dbSchema ? `${dbSchema}:` : '' });
    stops.push({ what: 'cache', stop: () => cache.close() });
    progress(`cache: ${cache.kind === 'redis' ? 'Redis (REDIS_URL)' : 'in-process (one instance only)'}`);
    const xref = new XrefStore(db);
    const labStore = new LabStore(db);
    const register = new RefusalRegister(db);
    const accessLog = new AccessLog(db);
    for (const store of [xref, labStore, register, accessLog]) await store.migrate();
    const consentStates = new ConsentStates(register, cache);

    const registry = loadRegistry(config.registryFile);
    progress(`registry: ${registry.size} insured people`);

    const labPorts = new Map<string, number>();
    for (const source of config.sources.filter((s) => s.protocol === 'hl7v2-mllp')) {
      const receiver = await startMllpReceiver({ source, store: labStore, xref, logger, host: config.host });
      stops.push({ what: `lab listener ${source.id}`, stop: () => receiver.close() });
      labPorts.set(source.id, receiver.port);
      progress(`lab listener ${source.id}: MLLP on ${config.host}:${receiver.port}`);
    }

    const recordSources = createRecordSources(config.sources, { labStore });
    const guards = new SourceGuards({ timeoutMs: config.sourceTimeoutMs });
    const serve = async <Context extends BaseContext>(definition: SubgraphDefinition<Context>, name: SubgraphName): Promise<RunningSubgraph> => {
      const running = await serveSubgraph(definition, { host: config.host, port: config.subgraphPorts[name], internalSecret: config.internalSecret, logger });
      stops.push({ what: `subgraph ${name}`, stop: running.stop });
      progress(`subgraph ${name}: ${running.url}`);
      return running;
    };
    const subgraphUrls = {} as Record<SubgraphName, string>;
    subgraphUrls['patient-index'] = (await serve(patientIndexSubgraph({ registry, xref, consentStates, accessLog, maxPatientsPerRequest: config.maxPatientsPerRequest }), 'patient-index')).url;
    for (const { name, kinds } of DOMAIN_SUBGRAPHS) {
      const sources = recordSources.filter((s) => kinds.includes(s.kind));
      const definition = domainSubgraph({ name, sdl: subgraphSdl(name), kinds, sources, guards });
      subgraphUrls[name] = (await serve(definition, name)).url;
    }

    const gateway = await startGateway({
      config,
      logger,
      supergraphSdl: readFileSync(join(__dirname, '..', 'schema', 'supergraph.graphql'), 'utf8'),
      subgraphUrls,
      policy: loadPolicy(config.policyFile),
      consentStates,
      accessLog,
    });
    stops.push({ what: 'gateway', stop: gateway.stop });
    progress(`gateway: ${gateway.url}`);
    return { gatewayUrl: gateway.url, subgraphUrls, labPorts, db, cache, xref, accessLog, stop: stopAll };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
