/**
 * `npm run soak [-- --minutes N]` (issue #8 §8): a few minutes (5 by default) of everything at
 * once against our services as separate processes on PostgreSQL (DATABASE_URL, a schema of its
 * own dropped at the end) and a redis-server of its own (the machine's Redis is never touched),
 * over a bench world as sources: steady patient views, a consent clerk toggling refusals while
 * physicians read those people, a laboratory streaming results over MLLP, bad input from
 * test/corpus at random, and faults on a schedule (soak/faults.ts). Progress (counts only) goes
 * to stderr, the closing report to stdout; the exit code is 1 when anything that must be 0 is not.
 */
import { auditAcks } from '../bench/lab/ack-audit';
import { startServicesApart } from '../bench/services-apart';
import { startWorld } from '../bench/world';
import { seeded } from '../demo/people';
import { openDb } from '../lib/db';
import { ownRedis } from '../test/cache/support/own-redis';
import { badInput, newBadInputReport } from './bad-input';
import { consentActivity, newConsentReport } from './consent';
import { faultSchedule } from './faults';
import { labStream } from './lab';
import { soakOptions } from './options';
import { reportLines } from './report';
import { noCounts, viewLoad, type Counts } from './views';

const say = (line: string) => process.stderr.write(`[soak] ${line}\n`);
/** The sources' latencies when healthy, handed out round robin; the timeout is far above them. */
const LATENCIES_MS = [5, 10, 20, 40];
const SOURCE_TIMEOUT_MS = 2000;

async function main(): Promise<number> {
  const options = soakOptions(process.argv.slice(2), process.env);
  const random = seeded(options.seed);
  const stops: (() => Promise<unknown>)[] = [];
  try {
    const redis = await ownRedis();
    stops.push(() => redis.dispose());
    await redis.start();
    const world = await startWorld({ people: 3000, pharmacies: 6, clinics: 3, pacs: 1, seed: options.seed });
    stops.push(() => world.stop());
    const latencies = world.sources().map((_, i) => LATENCIES_MS[i % LATENCIES_MS.length]);
    await world.setLatency({ ms: latencies });
    say(`world: ${world.people().length} people, ${world.sources().length} sources; redis-server of our own at ${redis.url}`);
    const system = await startServicesApart({
      world,
      databaseUrl: options.databaseUrl,
      redisUrl: redis.url,
      gatewayInstances: 2,
      label: 'soak',
      // MLLP_MAX_FRAME_BYTES as test/corpus's stack has it, so the corpus's oversized message is one here too.
      // Cached answers live 5 s, less than a hung source hangs (soak/faults.ts), so views do meet it.
      env: { SOURCE_TIMEOUT_MS: String(SOURCE_TIMEOUT_MS), SOURCE_CACHE_TTL_MS: '5000', DB_CONNECT_TIMEOUT_MS: '2000', DB_STATEMENT_TIMEOUT_MS: '4000', MLLP_MAX_FRAME_BYTES: '65536' },
      progress: say,
    });
    stops.push(() => system.stop());
    const admin = await openDb({ url: options.databaseUrl, schema: system.dbSchema });
    stops.push(() => admin.close());

    const holders = world.people().filter((p) => p.sources.length > 0).map((p) => p.nam);
    const consentPeople = holders.slice(0, 12);
    const viewed = holders.slice(12, 1012);
    const endsAt = Date.now() + options.minutes * 60_000;
    const running = () => Date.now() < endsAt;
    const started = Date.now();
    const live = { views: noCounts(), acks: 0, aa: 0 };
    const consent = newConsentReport();
    const bad = newBadInputReport();
    const progress = setInterval(() => {
      const minutes = ((Date.now() - started) / 60_000).toFixed(1);
      say(`${minutes}/${options.minutes} min: views ${live.views.requests}, consent reads ${consent.refusedReads} of refused records (${consent.refusedServed} served), lab ACKs ${live.acks} (AA ${live.aa}), bad input ${bad.sent}`);
    }, 30_000);
    say(`running ${options.minutes} min`);
    const [views, , lab, , faults] = await Promise.all([
      viewLoad({ url: system.gatewayUrl, jwtSecret: system.jwtSecret, nams: viewed, clients: 4, roundMs: 30_000, endsAt, onRound: (total) => (live.views = total) }),
      consentActivity(consent, { url: system.gatewayUrl, jwtSecret: system.jwtSecret, people: consentPeople, readers: 2, running, random }),
      labStream({ port: system.lab.port, connections: 2, perSecond: 20, minutes: options.minutes, running, onAck: (_id, code) => (live.acks++, code === 'AA' && live.aa++) }),
      badInput(bad, { url: system.gatewayUrl, labPort: system.lab.port, jwtSecret: system.jwtSecret, everyMs: 2000, running, random }),
      faultSchedule({ system, world, redis, admin, latencies, sourceTimeoutMs: SOURCE_TIMEOUT_MS, say }, { everyMs: 20_000, running }),
    ]);
    clearInterval(progress);
    const reads = consent.reads.result({ ms: Date.now() - started, concurrency: 2, cpuMs: 0 });
    const { lines, held } = reportLines({
      minutes: options.minutes,
      views,
      consent: { ...(reads as Counts), changes: consent.changes, changesFailed: consent.changesFailed, refusedReads: consent.refusedReads, refusedServed: consent.refusedServed },
      lab: await auditAcks(admin, system.lab.sourceId, lab),
      badInput: bad,
      faults,
    });
    process.stdout.write(`${lines.join('\n')}\n`);
    return held ? 0 : 1;
  } finally {
    say('stopping our services, the world and our redis-server; dropping the schema');
    for (const stop of stops.reverse()) await stop().catch((error: Error) => say(`stop failed: ${error.name}`));
  }
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    // Our messages name services, ports and counts; never a record.
    say(`failed: ${error.message.slice(0, 300)}`);
    process.exit(2);
  },
);
