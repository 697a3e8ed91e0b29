import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { developmentToken } from '../bin/token';
import { startDemoLabSystem } from '../demo/lab-system';
import { demoPeople, type DemoPerson } from '../demo/people';
import { relocateDemoSources, startDemoHttpSystems, type DemoHttpSystems } from '../demo/systems';
import { loadConfig, type Config } from '../lib/config';
import { createLogger, type Logger } from '../lib/logger';
import { startStack, type Stack } from '../services/stack';
import { importXref } from '../locator/xref-import';
import { countingProxy, type CountingProxy } from './counting';

/** The whole stack as `npm start` runs it, on free ports of 127.0.0.1, with the FHIR server and the PACS behind counting proxies. */
export interface BenchStack {
  config: Config;
  platform: Stack;
  people: DemoPerson[];
  /** Every request that reached the demo FHIR server (both pharmacies and the clinic). */
  fhir: CountingProxy;
  /** Every request that reached the demo PACS. */
  pacs: CountingProxy;
  /** A logger that writes nowhere (the bench prints only its own lines). */
  logger: Logger;
  jwtSecret: string;
  token(role?: string): Promise<string>;
  /** POSTs an operation to `url` (the gateway unless told) and returns the parsed body; throws on a non-200. */
  query(query: string, variables: Record<string, unknown>, options?: { url?: string; token?: string }): Promise<any>;
  stop(): Promise<void>;
}

const nowhere = () =>
  new Writable({
    write(_chunk, _encoding, done) {
      done();
    },
  });

/**
 * Starts it on embedded defaults, or on the PostgreSQL / Redis of DATABASE_URL / REDIS_URL (in a
 * schema and a key prefix of its own). Nothing else is read from the environment: the demo
 * sources, registry and QHR policy always, so the ratios mean the same on every machine.
 */
export async function startBenchStack(progress: (line: string) => void): Promise<BenchStack> {
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  };
  try {
    const people = demoPeople();
    const systems: DemoHttpSystems = await startDemoHttpSystems({ host: '127.0.0.1', fhirPort: 0, pacsPort: 0, people });
    stops.push(() => systems.stop());
    const fhir = await countingProxy(systems.fhirUrl);
    stops.push(() => fhir.close());
    const pacs = await countingProxy(systems.pacsUrl);
    stops.push(() => pacs.close());
    progress('demo FHIR server and PACS up, behind counting proxies');

    const jwtSecret = randomBytes(24).toString('hex');
    const config = loadConfig({
      ...(process.env.DATABASE_URL ? { DATABASE_URL: process.env.DATABASE_URL } : {}),
      ...(process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL } : {}),
      HOST: '127.0.0.1',
      PORT: '0',
      SUBGRAPH_BASE_PORT: '0',
      AUTH_JWT_SECRET: jwtSecret,
      SUBGRAPH_SECRET: randomBytes(24).toString('hex'),
      LOG_LEVEL: 'silent',
    });
    config.sources = relocateDemoSources(config.sources, { fhirUrl: fhir.url, pacsUrl: pacs.url });
    const logger = createLogger('silent', nowhere());
    const dbSchema = `bench_${randomBytes(4).toString('hex')}`;
    // Of the platform's own steps, only which database and cache it runs on.
    const platform = await startStack({ config, logger, dbSchema, progress: (line) => /^(database|cache):/.test(line) && progress(line) });
    stops.push(async () => {
      if (platform.db.kind === 'postgres') await platform.db.query(`DROP SCHEMA IF EXISTS ${dbSchema} CASCADE`).catch(() => undefined);
      await platform.stop();
    });
    await importXref(join(__dirname, '..', 'demo', 'xref.csv'), platform.xref, new Set(config.sources.map((s) => s.id)));
    for (const [, port] of platform.labPorts) {
      const lab = await startDemoLabSystem({ host: '127.0.0.1', port, people });
      await lab.close();
    }
    progress('cross-reference imported, demo laboratory results received');

    const token = (role = 'physician') => developmentToken({ sub: 'MD-100001', role, facility: 'clinic-mtl-east' }, jwtSecret, '10m');
    // One token for every timed request: signing is the client's cost, not the gateway's.
    const physician = await token();
    return {
      config,
      platform,
      people,
      fhir,
      pacs,
      logger,
      jwtSecret,
      token,
      async query(query, variables, options = {}) {
        const response = await fetch(options.url ?? platform.gatewayUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${options.token ?? physician}` },
          body: JSON.stringify({ query, variables }),
        });
        // The status only: a body may hold patient data, and the bench never prints any.
        if (response.status !== 200) throw new Error(`the gateway answered HTTP ${response.status}`);
        return response.json();
      },
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
