import { loadConfig, type Config } from '../lib/config';
import { createLogger, type Logger } from '../lib/logger';
import { SourceCatalog } from '../lib/source-catalog';
import type { Tracing } from '../ops/tracing';
import type { Tracer } from '@opentelemetry/api';

/** A service as its entry point sees it once started. */
export interface RunningService {
  /** What to print once it is up ("gateway: http://…"). */
  describe: string[];
  /** Stops taking work, finishes what is in flight, releases what it opened. */
  stop(): Promise<void>;
}

/**
 * The life of one service process: reads the configuration once, starts the service, prints a
 * line for each part, and on SIGTERM or SIGINT stops it (in-flight work first) and exits.
 * A second signal exits at once. Progress goes to stderr; logs are pino JSON on stdout.
 */
export function runService(name: string, start: (context: { config: Config; logger: Logger; say(line: string): void; tracer?: Tracer; catalog: SourceCatalog }) => Promise<RunningService>): void {
  const say = (line: string) => process.stderr.write(`[${name}] ${line}\n`);
  let running: RunningService | undefined;
  let tracing: Tracing | undefined;
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) process.exit(code || 1);
    stopping = true;
    // Stopping starts first (listeners close at once, synchronously), then it is said: whoever
    // reads "stopping" and connects finds the port closed (test/shutdown/).
    const stopped = (async () => running?.stop())();
    say('stopping…');
    try {
      await stopped;
      // The spans of the last requests are exported before the process exits.
      await tracing?.shutdown();
      say('stopped');
    } catch (error) {
      say(`stop failed: ${(error as Error).name}`);
      code = code || 1;
    }
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));
  void (async () => {
    try {
      const config = loadConfig();
      const logger = createLogger(config.logLevel).child({ service: name });
      // Off by default: the SDK is not even loaded (ops/tracing.ts).
      tracing = config.tracing.exporter === 'none' ? undefined : (await import('../ops/tracing')).startTracing(config.tracing, `qhr-${name.replace(/\s+\d+$/, '').replace(/\s+/g, '-')}`);
      // The sources file is watched and reloaded without a restart (SIGHUP too): lib/source-catalog.ts.
      const catalog = openSourceCatalog(config, logger);
      const started = await start({ config, logger, say, tracer: tracing?.tracer, catalog });
      running = { ...started, stop: async () => (await started.stop(), catalog.close()) };
      for (const line of running.describe) say(line);
    } catch (error) {
      say(`could not start: ${(error as Error).message}`);
      await stop(1);
    }
  })();
}

/** The sources of the configuration, kept current with the sources file (watched, SIGHUP, connectedSince days). */
export function openSourceCatalog(config: Config, logger: Logger): SourceCatalog {
  const catalog = new SourceCatalog({ file: config.sourcesFile, timeZone: config.timeZone, initial: config.sources, logger });
  catalog.watch();
  return catalog;
}

/** Services that run apart share state only through PostgreSQL (and Redis): refuse the embedded database. */
export function requireSharedDatabase(config: Config, service: string): string {
  if (!config.databaseUrl) throw new Error(`${service} runs apart only on a PostgreSQL server: set DATABASE_URL (npm start runs everything in one process on the embedded database)`);
  return config.databaseUrl;
}

/** Services that run apart must agree on the key the gateway signs subgraph calls with. */
export function requireSubgraphSecret(env: NodeJS.ProcessEnv, service: string): void {
  if (!env.SUBGRAPH_SECRET) throw new Error(`${service} runs apart: set SUBGRAPH_SECRET to the same value for the gateway and every subgraph`);
}
