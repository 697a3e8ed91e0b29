/**
 * The load generator: a closed loop of `concurrency` clients sending the config's items to one
 * URL over a keep-alive undici Pool, in a process of its own (spawned by runLoad,
 * bench/load/index.ts, as `node --import tsx bench/load/generator.ts <config.json>`). Latencies go
 * to an HDR histogram; answers are read whole (the time includes the body) and looked at only
 * for a status and GraphQL error codes. Prints one result line (see program-io.ts).
 */
import { Pool } from 'undici';
import { runClosedLoop } from './closed-loop';
import { failureOf } from './failure';
import { graphqlErrorCodesOf } from './graphql-errors';
import { readConfig, runProgram, type GeneratorConfig } from './program-io';

async function main() {
  const config = readConfig<GeneratorConfig>(process.argv[2]);
  const target = new URL(config.url);
  const path = `${target.pathname}${target.search}`;
  const pool = new Pool(target.origin, {
    connections: config.concurrency,
    pipelining: 1,
    keepAliveTimeout: 60_000,
    keepAliveMaxTimeout: 600_000,
    headersTimeout: config.timeoutMs,
    bodyTimeout: config.timeoutMs,
  });
  const result = await runClosedLoop({
    concurrency: config.concurrency,
    warmupMs: config.warmupMs,
    durationMs: config.durationMs,
    items: config.items.length,
    startAt: config.startAt,
    async task(index) {
      const [body, headers] = config.items[index];
      try {
        const answer = await pool.request({ path, method: config.method, headers: config.headerSets[headers], body: config.method === 'GET' ? undefined : body });
        const text = await answer.body.text();
        return { status: answer.statusCode, errorCodes: graphqlErrorCodesOf(text) };
      } catch (error) {
        return failureOf(error);
      }
    },
  });
  await pool.close();
  return result;
}

if (require.main === module) runProgram('load generator', main);
