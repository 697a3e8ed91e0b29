/**
 * The reference a patient view is compared against: point-to-point integration, in a process of
 * its own (spawned by runPointToPoint, bench/load/index.ts, as `node --import tsx
 * bench/load/point-to-point.ts <config.json>`). The same closed loop as the load generator:
 * `concurrency` clients, each reading its next person's record as soon as the previous one is
 * read, source after source (point-to-point-view.ts), or every search at once (`allAtOnce`). One request of its LoadResult is one
 * person's whole view. Prints one result line (see program-io.ts).
 */
import { Agent, request } from 'undici';
import { runClosedLoop } from './closed-loop';
import { failureOf } from './failure';
import { pointToPointView, type Exchange, type PointToPointSource } from './point-to-point-view';
import { readConfig, runProgram, type PointToPointConfig } from './program-io';

async function main() {
  const config = readConfig<PointToPointConfig>(process.argv[2]);
  const sources = config.sources as PointToPointSource[];
  // One keep-alive pool per source origin, a connection per call a client may have in flight.
  const agent = new Agent({ connections: config.concurrency * (config.allAtOnce ? 16 : 1), pipelining: 1, keepAliveTimeout: 60_000, keepAliveMaxTimeout: 600_000, headersTimeout: config.timeoutMs, bodyTimeout: config.timeoutMs });
  const exchange: Exchange = async (url, init) => {
    const answer = await request(url, { dispatcher: agent, ...init });
    return { status: answer.statusCode, text: await answer.body.text() };
  };
  const result = await runClosedLoop({
    concurrency: config.concurrency,
    warmupMs: config.warmupMs,
    durationMs: config.durationMs,
    items: config.people.length,
    startAt: config.startAt,
    async task(index) {
      const [nam, held] = config.people[index];
      try {
        return await pointToPointView(exchange, nam, held.map((i) => sources[i]), config.since, config.allAtOnce);
      } catch (error) {
        return failureOf(error);
      }
    },
  });
  await agent.close();
  return result;
}

if (require.main === module) runProgram('point-to-point', main);
