import { createHash, randomBytes } from 'node:crypto';
import type { Tracer } from '@opentelemetry/api';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { SourceCatalog } from '../../lib/source-catalog';
import { Writable } from 'node:stream';
import { developmentToken } from '../../bin/token';
import { startDemoLabSystem } from '../../demo/lab-system';
import { startDemoPharmacySystem } from '../../demo/pharmacy-system';
import { demoPeople, type DemoPerson } from '../../demo/people';
import { relocateDemoSources, startDemoHttpSystems, type DemoHttpSystems } from '../../demo/systems';
import { loadConfig, type Config } from '../../lib/config';
import { createLogger } from '../../lib/logger';
import { startStack, type Stack } from '../../services/stack';
import type { SourceConfig } from '../../lib/sources';
import { importXref } from '../../locator/xref-import';

export const TEST_JWT_SECRET = 'test-secret-for-the-whole-stack-suite';

export interface TestStack {
  config: Config;
  dbSchema: string;
  platform: Stack;
  systems: DemoHttpSystems;
  people: DemoPerson[];
  /** Every log line the platform wrote during the suite. */
  logs: string[];
  /** The watched sources file, with watchSourcesFile. */
  sourcesFile?: string;
  token(claims?: { role?: string; sub?: string; facility?: string }): Promise<string>;
  /** POSTs a GraphQL operation to the gateway as a physician unless told otherwise. */
  query(query: string, variables?: Record<string, unknown>, as?: { role?: string; sub?: string; facility?: string; token?: string | null }): Promise<{ status: number; body: any }>;
  stop(): Promise<void>;
}

export interface TestStackOptions {
  /** Changes the demo sources (add a broken pharmacy, put a proxy in front...) once they point at the demo systems. */
  sources?: (sources: SourceConfig[], systems: DemoHttpSystems) => SourceConfig[] | Promise<SourceConfig[]>;
  env?: Record<string, string>;
  /** Share another instance's database schema (and cache prefix): a second gateway instance. */
  dbSchema?: string;
  /** OpenTelemetry tracer for every service of the stack (test/ops/tracing.test.ts). */
  tracer?: Tracer;
  /**
   * Writes the sources to a file of the test's own and has the stack watch it, as `npm start`
   * does: the test changes the file (TestStack.sourcesFile) and the stack reloads it.
   */
  watchSourcesFile?: boolean;
}

/**
 * The whole stack as `npm start` runs it, on free ports: demo FHIR server and PACS, the platform
 * (on the machine's PostgreSQL when DATABASE_URL is set, in a schema of its own), the demo
 * cross-reference, and the demo laboratory pushing its results over MLLP (the demo HL7 pharmacy its
 * dispenses, to an MLLP source of domain MEDICATIONS a suite adds).
 */
export async function startTestStack(options: TestStackOptions = {}): Promise<TestStack> {
  const people = demoPeople();
  const systems = await startDemoHttpSystems({ host: '127.0.0.1', fhirPort: 0, pacsPort: 0, people });
  const logs: string[] = [];
  const capture = new Writable({
    write(chunk, _encoding, done) {
      logs.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  const config = loadConfig({
    ...process.env,
    PORT: '0',
    SUBGRAPH_BASE_PORT: '0',
    AUTH_JWT_SECRET: TEST_JWT_SECRET,
    SUBGRAPH_SECRET: randomBytes(24).toString('hex'),
    SOURCE_TIMEOUT_MS: '1500',
    LOG_LEVEL: 'debug',
    ...options.env,
  });
  config.sources = await (options.sources ?? ((s) => s))(relocateDemoSources(config.sources, systems), systems);
  const dbSchema = options.dbSchema ?? `stack_${randomBytes(4).toString('hex')}`;
  // Instances sharing a database share the answer cache too (same Redis prefix and key).
  config.answerCache.key ??= createHash('sha256').update(`test-cache-key:${dbSchema}`).digest();
  let catalog: SourceCatalog | undefined;
  let sourcesFile: string | undefined;
  if (options.watchSourcesFile) {
    sourcesFile = join(mkdtempSync(join(tmpdir(), 'qhr-sources-')), 'sources.json');
    writeFileSync(sourcesFile, JSON.stringify({ sources: config.sources }, null, 2));
    catalog = new SourceCatalog({ file: sourcesFile, timeZone: config.timeZone, initial: config.sources, logger: createLogger('debug', capture) });
    catalog.watch();
  }
  const platform = await startStack({ config, logger: createLogger('debug', capture), dbSchema, tracer: options.tracer, catalog });
  await importXref(join(__dirname, '../../demo/xref.csv'), platform.xref, new Set(config.sources.map((s) => s.id)));
  // Each MLLP source gets its demo system: the laboratory's results, or the HL7 pharmacy's dispenses.
  for (const [sourceId, port] of platform.labPorts) {
    const pharmacy = config.sources.find((s) => s.id === sourceId)?.domain === 'MEDICATIONS';
    const system = pharmacy ? await startDemoPharmacySystem({ host: '127.0.0.1', port, people }) : await startDemoLabSystem({ host: '127.0.0.1', port, people });
    await system.close();
  }
  const token = (claims: { role?: string; sub?: string; facility?: string } = {}) =>
    developmentToken({ sub: claims.sub ?? 'MD-100001', role: claims.role ?? 'physician', facility: claims.facility ?? 'clinic-mtl-east' }, TEST_JWT_SECRET, '10m');
  return {
    config,
    dbSchema,
    platform,
    systems,
    people,
    logs,
    sourcesFile,
    token,
    async query(query, variables, as = {}) {
      const bearer = as.token === null ? undefined : (as.token ?? (await token({ role: as.role, sub: as.sub, facility: as.facility })));
      const response = await fetch(platform.gatewayUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) },
        body: JSON.stringify({ query, variables }),
      });
      return { status: response.status, body: await response.json() };
    },
    async stop() {
      // The instance that made the schema drops it.
      if (!options.dbSchema && platform.db.kind === 'postgres') await platform.db.query(`DROP SCHEMA IF EXISTS ${dbSchema} CASCADE`).catch(() => undefined);
      await platform.stop();
      catalog?.close();
      if (sourcesFile) rmSync(dirname(sourcesFile), { recursive: true, force: true });
      await systems.stop();
    },
  };
}
