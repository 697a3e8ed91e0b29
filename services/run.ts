import { loadConfig, type Config } from '../lib/config';
import { createLogger, type Logger } from '../lib/logger';

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
export function runService(name: string, start: (context: { config: Config; logger: Logger; say(line: string): void }) => Promise<RunningService>): void {
  const say = (line: string) => process.stderr.write(`[${name}] ${line}\n`);
  let running: RunningService | undefined;
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) process.exit(code || 1);
    stopping = true;
    say('stopping…');
    try {
      await running?.stop();
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
      running = await start({ config, logger, say });
      for (const line of running.describe) say(line);
    } catch (error) {
      say(`could not start: ${(error as Error).message}`);
      await stop(1);
    }
  })();
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
