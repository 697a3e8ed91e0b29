/**
 * The HL7 v2 listeners as a service: one MLLP listener per `hl7v2-mllp` source of the sources
 * file (`npm run lab-listener`, its own process on PostgreSQL), or started in process by
 * services/stack.ts. A laboratory's listener takes ORU^R01, a pharmacy's RDS^O13, both ADT^A08 and
 * ADT^A40 (adapters/hl7v2/handlers). The listeners share one lab store and one dispense store, so
 * messages arriving together on any of them are stored in one transaction, with PID-3's
 * cross-reference links and the record locator's entries; each is acknowledged only after that
 * commit and after the answer cache was told.
 */
import type { Tracer } from '@opentelemetry/api';
import { DispenseStore, LabStore, PatientEvents, startMllpReceiver } from '../adapters/hl7v2';
import type { AnswerInvalidation } from '../adapters/port';
import type { Config } from '../lib/config';
import type { Db } from '../lib/db';
import type { Logger } from '../lib/logger';
import { fixedCatalog, type SourceCatalog } from '../lib/source-catalog';
import type { SourceConfig } from '../lib/sources';
import { XrefStore } from '../locator/cross-reference';
import { RecordLocator } from '../locator/record-locator';
import { listeningCheck } from '../ops/checks';
import type { ReadinessCheck } from '../ops/health';
import type { Metrics } from '../ops/metrics';

export interface LabListeners {
  /** The port each lab source's listener opened (kept current as the sources file is reloaded). */
  ports: Map<string, number>;
  /** For /ready: each MLLP source's listener (a laboratory's or a pharmacy's) still accepts connections (`mllp:<source id>`), as of now. */
  checks(): ReadinessCheck[];
  stop(): Promise<void>;
}

export interface LabListenerDeps {
  config: Config;
  logger: Logger;
  db: Db;
  /** The source-answer cache (cache/answer-cache.ts); without it nothing is invalidated. */
  invalidation?: AnswerInvalidation;
  progress?: (line: string) => void;
  /** The process's metrics (ops/metrics.ts): messages by ACK code. */
  metrics?: Metrics;
  /** OpenTelemetry tracer of the process (ops/tracing.ts) when tracing is on. */
  tracer?: Tracer;
  /** The live sources (reloaded from the sources file); without it, config.sources, fixed. */
  catalog?: SourceCatalog;
}

type Receiver = Awaited<ReturnType<typeof startMllpReceiver>>;

export async function startLabListeners(deps: LabListenerDeps): Promise<LabListeners> {
  const { config, logger, db } = deps;
  const xref = new XrefStore(db);
  const locator = new RecordLocator(db);
  const store = new LabStore(db, { xref, locator, invalidation: deps.invalidation, logger });
  const dispenses = new DispenseStore(db, { xref, locator, invalidation: deps.invalidation, logger });
  const patients = new PatientEvents(db, { xref, locator, invalidation: deps.invalidation, logger });
  // Both record stores exist on every listener: a merge (ADT^A40) refiles the rows of either.
  await store.migrate();
  await dispenses.migrate();
  await patients.migrate();
  await xref.migrate();
  await locator.migrate();
  const catalog = deps.catalog ?? fixedCatalog(config.sources);
  const ports = new Map<string, number>();
  const open = new Map<string, { source: SourceConfig; receiver: Receiver }>();
  const onAck = deps.metrics && ((sourceId: string, ackCode: string) => deps.metrics!.hl7Answered(sourceId, ackCode));

  const openListener = async (source: SourceConfig) => {
    // Records stored before the locator existed are located once per source; later ones as they are stored.
    const stored = source.domain === 'MEDICATIONS' ? dispenses : store;
    await locator.backfillOnce(source.id, (tx) => stored.locateStored(tx, source.id));
    // MLLP_* limits (idle time, connection cap, message size, time to finish a message); TLS and allowedSenders come with the source.
    const receiver = await startMllpReceiver({ source, store, dispenses, patients, xref, logger, host: config.host, ...config.mllp, onAck, tracer: deps.tracer });
    open.set(source.id, { source, receiver });
    ports.set(source.id, receiver.port);
    deps.progress?.(`lab listener ${source.id}: MLLP on ${config.host}:${receiver.port}`);
  };
  const closeListener = async (sourceId: string) => {
    const listener = open.get(sourceId);
    open.delete(sourceId);
    ports.delete(sourceId);
    // In-flight messages finish (stored and acknowledged) before the listener closes.
    await listener?.receiver.close();
  };
  const stop = async () => {
    await Promise.all([...open.keys()].map(closeListener));
  };
  /**
   * Makes the open listeners those of the connected MLLP sources: a source added to the sources file
   * gets its listener, a removed one's closes (its messages in flight acknowledged first), a changed
   * one's reopens with its new settings.
   */
  const follow = async (connected: readonly SourceConfig[]) => {
    const wanted = new Map(connected.filter((s) => s.protocol === 'hl7v2-mllp').map((s) => [s.id, s] as const));
    for (const [id, { source }] of open) {
      const next = wanted.get(id);
      if (!next || JSON.stringify(next) !== JSON.stringify(source)) await closeListener(id);
    }
    for (const source of wanted.values()) {
      if (open.has(source.id)) continue;
      try {
        await openListener(source);
      } catch (error) {
        // One laboratory's port taken must not keep the others from their listeners.
        logger.error({ sourceId: source.id, error: (error as Error).message }, 'lab listener could not open');
      }
    }
  };
  try {
    for (const source of catalog.connected.filter((s) => s.protocol === 'hl7v2-mllp')) await openListener(source);
  } catch (error) {
    await stop();
    throw error;
  }
  // Reloads are taken one after the other, in the order they came.
  let following = Promise.resolve();
  const stopWatching = catalog.onChange((connected) => {
    following = following.then(() => follow(connected));
  });
  return {
    ports,
    checks: () => [...open.entries()].map(([id, { receiver }]) => listeningCheck(`mllp:${id}`, () => receiver.listening)),
    stop: async () => {
      stopWatching();
      // The listeners close at once (synchronously: nobody connects after "stopping" is said), then
      // whatever a reload in progress opened meanwhile closes too.
      const closing = stop();
      await following;
      await Promise.all([closing, stop()]);
    },
  };
}

/** `npm run lab-listener`: every lab source's MLLP listener in this process, on PostgreSQL. */
if (require.main === module) {
  void (async () => {
    const { runService, requireSharedDatabase } = await import('./run');
    const { openDb } = await import('../lib/db');
    const { openAnswerCacheFor } = await import('./answer-cache');
    const { Metrics } = await import('../ops/metrics');
    const { databaseCheck, redisCheck } = await import('../ops/checks');
    const { startOpsListener } = await import('./ops-listener');
    runService('lab listener', async ({ config, logger, say, tracer, catalog }) => {
      const db = await openDb({ url: requireSharedDatabase(config, 'the lab listener'), schema: config.dbSchema, settings: config.db, service: 'lab-listener', logger });
      // The subgraphs' cache (Redis with CACHE_KEY): a stored result makes their cached answers stale at once.
      const cache = await openAnswerCacheFor(config, logger, { oneProcess: false, prefix: config.dbSchema ? `${config.dbSchema}:` : '', say });
      const metrics = new Metrics({ service: 'lab-listener', processMetrics: true });
      const listeners = await startLabListeners({ config, logger, db, invalidation: cache, progress: say, metrics, tracer, catalog });
      const checks = () => [databaseCheck(db), ...(cache.kind === 'redis' ? [redisCheck(cache)] : []), ...listeners.checks()];
      const ops = await startOpsListener(config, { metrics, checks, say });
      return {
        describe: [`${listeners.ports.size} lab listener(s) ready`],
        stop: async () => {
          // The MLLP listeners close first, at once (no new laboratory connection), while the
          // messages in flight are stored and acknowledged; the probes go with them.
          const drained = listeners.stop();
          await ops.stop();
          await drained;
          await cache.close();
          await db.close();
        },
      };
    });
  })();
}
