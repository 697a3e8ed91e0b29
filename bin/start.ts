/**
 * `npm start`: the whole stack on embedded defaults. With the demo sources file (the default) it
 * first starts the demo source systems, then our platform, then lets the demo laboratory push its
 * results over MLLP. DATABASE_URL / REDIS_URL switch to servers (the embedded database otherwise
 * keeps its files in .data/pglite, or DATA_DIR); PORT moves the gateway.
 * Ctrl-C stops everything in reverse order.
 */
import { join } from 'node:path';
import { startDemoLabSystem } from '../demo/lab-system';
import { startDemoPharmacySystem } from '../demo/pharmacy-system';
import { demoPeople } from '../demo/people';
import { demoPortOf, startDemoHttpSystems } from '../demo/systems';
import { loadConfig } from '../lib/config';
import { createLogger } from '../lib/logger';
import { startStack } from '../services/stack';
import { openSourceCatalog } from '../services/run';
import { importXref } from '../locator/xref-import';
import { Metrics } from '../ops/metrics';

const DEMO_SOURCES = join(__dirname, '..', 'demo', 'sources.json');
/** Without DATABASE_URL, the embedded database lives here, so refusals and the access log survive a restart. */
const DEFAULT_DATA_DIR = join(__dirname, '..', '.data', 'pglite');

async function main() {
  const config = loadConfig({ ...process.env, DATA_DIR: process.env.DATA_DIR || (process.env.DATABASE_URL ? '' : DEFAULT_DATA_DIR) });
  const logger = createLogger(config.logLevel);
  const say = (line: string) => process.stderr.write(`[start] ${line}\n`);
  const stops: (() => Promise<void>)[] = [];
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    say('stopping…');
    for (const step of stops.reverse()) await step().catch(() => undefined);
    say('stopped');
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));

  try {
    const demo = config.sourcesFile === DEMO_SOURCES;
    const people = demoPeople();
    if (demo) {
      const systems = await startDemoHttpSystems({ host: config.host, fhirPort: demoPortOf(config.sources, 'fhir-r4'), pacsPort: demoPortOf(config.sources, 'dicomweb'), people });
      stops.push(systems.stop);
      say(`demo FHIR R4 server (pharmacies, clinic): ${systems.fhirUrl}`);
      say(`demo DICOMweb PACS: ${systems.pacsUrl}`);
    }
    // Off by default: the SDK is not even loaded (ops/tracing.ts). Stopped last, so the last spans are exported.
    const tracing = config.tracing.exporter === 'none' ? undefined : (await import('../ops/tracing')).startTracing(config.tracing, 'qhr-stack');
    if (tracing) stops.push(() => tracing.shutdown());
    // One registry for the process: the gateway's /metrics shows every service of the stack.
    // The sources file is watched: an entry added (or SIGHUP) reaches every part without a restart.
    const catalog = openSourceCatalog(config, logger);
    stops.push(async () => catalog.close());
    const platform = await startStack({ config, logger, progress: say, metrics: new Metrics({ service: 'stack', processMetrics: true }), tracer: tracing?.tracer, catalog });
    stops.push(platform.stop);
    if (demo) {
      const known = new Set(config.sources.map((s) => s.id));
      const report = await importXref(join(__dirname, '..', 'demo', 'xref.csv'), platform.xref, known);
      say(`cross-reference: ${report.added} demo links imported (${report.rows} rows, ${report.rejected.length} rejected)`);
      for (const source of config.sources.filter((s) => s.protocol === 'hl7v2-mllp')) {
        const port = platform.labPorts.get(source.id)!;
        if (source.domain === 'MEDICATIONS') {
          const pharmacy = await startDemoPharmacySystem({ host: config.host, port, people, source });
          stops.push(pharmacy.close);
          say(`demo pharmacy ${source.id}: sent ${pharmacy.sent} RDS^O13 messages over MLLP, ${pharmacy.acked} acknowledged`);
          continue;
        }
        const lab = await startDemoLabSystem({ host: config.host, port, people });
        stops.push(lab.close);
        say(`demo laboratory ${source.id}: sent ${lab.sent} ORU^R01 messages over MLLP, ${lab.acked} acknowledged`);
      }
    }
    say(`ready: ${platform.gatewayUrl}  (token: npm run token -- --role physician)`);
    if (config.clients.pages) say(`people's pages: ${new URL('/app/', platform.gatewayUrl)}  (patient view, /app/me, /app/clerk)`);
  } catch (error) {
    say(`could not start: ${(error as Error).message}`);
    await stop(1);
  }
}

void main();
