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
import { XrefStore } from '../locator/cross-reference';
import { RecordLocator } from '../locator/record-locator';
import { listeningCheck } from '../ops/checks';
import type { ReadinessCheck } from '../ops/health';
import type { Metrics } from '../ops/metrics';

export interface LabListeners {
  /** The port each lab source's listener opened. */
  ports: Map<string, number>;
  /** For /ready: each lab source's listener still accepts connections (`lab:<source id>`). */
  checks: ReadinessCheck[];
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
}

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
  const labSources = config.sources.filter((s) => s.protocol === 'hl7v2-mllp');
  // Records stored before the locator existed are located once per source; later ones as they are stored.
  for (const source of labSources) {
    const stored = source.domain === 'MEDICATIONS' ? dispenses : store;
    await locator.backfillOnce(source.id, (tx) => stored.locateStored(tx, source.id));
  }
  const ports = new Map<string, number>();
  const receivers: { close(): Promise<void> }[] = [];
  const checks: ReadinessCheck[] = [];
  const onAck = deps.metrics && ((sourceId: string, ackCode: string) => deps.metrics!.hl7Answered(sourceId, ackCode));
  const stop = async () => {
    // In-flight messages finish (stored and acknowledged) before the listeners close.
    await Promise.all(receivers.map((receiver) => receiver.close()));
  };
  try {
    for (const source of labSources) {
      // MLLP_* limits (idle time, connection cap, message size, time to finish a message); TLS and allowedSenders come with the source.
      const receiver = await startMllpReceiver({ source, store, dispenses, patients, xref, logger, host: config.host, ...config.mllp, onAck, tracer: deps.tracer });
      receivers.push(receiver);
      checks.push(listeningCheck(`lab:${source.id}`, () => receiver.listening));
      ports.set(source.id, receiver.port);
      deps.progress?.(`lab listener ${source.id}: MLLP on ${config.host}:${receiver.port}`);
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { ports, checks, stop };
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
    runService('lab listener', async ({ config, logger, say, tracer }) => {
      const db = await openDb({ url: requireSharedDatabase(config, 'the lab listener'), schema: config.dbSchema, settings: config.db, service: 'lab-listener', logger });
      // The subgraphs' cache (Redis with CACHE_KEY): a stored result makes their cached answers stale at once.
      const cache = await openAnswerCacheFor(config, logger, { oneProcess: false, prefix: config.dbSchema ? `${config.dbSchema}:` : '', say });
      const metrics = new Metrics({ service: 'lab-listener', processMetrics: true });
      const listeners = await startLabListeners({ config, logger, db, invalidation: cache, progress: say, metrics, tracer });
      const checks = [databaseCheck(db), ...(cache.kind === 'redis' ? [redisCheck(cache)] : []), ...listeners.checks];
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
