import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { ErrorCode } from '../lib/errors';
import { oneOf, operationLabels } from './labels';

/** Seconds, from a fast in-process step (a cache read) to a source at its timeout. */
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Error codes a GraphQL answer may carry: ours (lib/errors.ts) and the ones Apollo adds. */
const OUTCOMES = new Set<string>(['ok', ...Object.values(ErrorCode), 'GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'PERSISTED_QUERY_NOT_FOUND', 'PERSISTED_QUERY_NOT_SUPPORTED', 'OPERATION_RESOLUTION_FAILURE']);
/** Why a source gave nothing (adapters/port.ts SourceFailure, and the guard's own two). */
const SOURCE_FAILURES = new Set(['timeout', 'network', 'http-status', 'malformed', 'unattributable', 'store', 'circuit-open']);
/** MSA-1 codes of the original acknowledgment mode (HL7 v2.5.1 table 0008). */
const ACK_CODES = new Set(['AA', 'AE', 'AR']);

export type ConsentOutcome = 'granted' | 'denied' | 'refused';
/** When a source last had its roster read, per source id: how fresh the locator's knowledge is. */
export type RosterFreshness = () => Iterable<readonly [sourceId: string, readAt: Date | undefined]>;

export interface MetricsOptions {
  /** The `service` label of every series (gateway, pharmacy, lab-listener, stack…). */
  service: string;
  /** Process metrics (CPU, memory, event loop lag, GC): for a service's own process, not a test's. */
  processMetrics?: boolean;
}

/**
 * One service's Prometheus metrics, in a registry of its own (never prom-client's global one: two
 * services in one process, or two tests, must not count into each other). Created once at start
 * and passed down; each method is the one thing a part of the system tells it. Labels hold
 * operation names (bounded), source ids, record kinds and fixed codes, never anything about a person.
 */
export class Metrics {
  readonly registry = new Registry();
  private readonly operationOf = operationLabels();
  private readonly freshness: RosterFreshness[] = [];
  private readonly requests: Counter<'operation' | 'outcome'>;
  private readonly requestSeconds: Histogram<'operation'>;
  private readonly sourceSeconds: Histogram<'source' | 'kind' | 'state'>;
  private readonly sourceAnswers: Counter<'source' | 'kind' | 'state' | 'failure'>;
  private readonly circuits: Gauge<'source'>;
  private readonly consent: Counter<'outcome'>;
  private readonly accessLogSeconds: Histogram<'outcome'>;
  private readonly cacheLookups: Counter<'kind' | 'result'>;
  private readonly hl7: Counter<'source' | 'ack'>;
  private readonly rosterReads: Counter<'source' | 'outcome'>;

  constructor(options: MetricsOptions) {
    const registers = [this.registry];
    this.registry.setDefaultLabels({ service: options.service });
    if (options.processMetrics) collectDefaultMetrics({ register: this.registry });
    this.requests = new Counter({ name: 'qhr_graphql_requests_total', help: 'GraphQL requests by operation name and outcome (ok, or the first error code)', labelNames: ['operation', 'outcome'], registers });
    this.requestSeconds = new Histogram({ name: 'qhr_graphql_request_duration_seconds', help: 'GraphQL request latency, from the request read to the answer sent', labelNames: ['operation'], buckets: LATENCY_BUCKETS, registers });
    this.sourceSeconds = new Histogram({ name: 'qhr_source_request_duration_seconds', help: 'Time a connected source took to answer (or to fail) one batched request', labelNames: ['source', 'kind', 'state'], buckets: LATENCY_BUCKETS, registers });
    this.sourceAnswers = new Counter({ name: 'qhr_source_answers_total', help: 'Requests to connected sources by state (OK, UNAVAILABLE) and failure (timeout, network, http-status, malformed, unattributable, store, circuit-open)', labelNames: ['source', 'kind', 'state', 'failure'], registers });
    // Across a cluster's workers (ops/cluster-metrics.ts): open in any worker is open.
    this.circuits = new Gauge({ name: 'qhr_source_circuit_open', help: '1 while the circuit breaker of a source is open (the source is not asked), else 0', labelNames: ['source'], registers, aggregator: 'max' });
    this.consent = new Counter({ name: 'qhr_consent_outcomes_total', help: 'Consent outcomes: a record opened (granted), refused by the person (refused), a root field denied by the rules (denied)', labelNames: ['outcome'], registers });
    this.accessLogSeconds = new Histogram({ name: 'qhr_access_log_write_duration_seconds', help: 'Time from handing entries to the access log to their commit (group commit included)', labelNames: ['outcome'], buckets: LATENCY_BUCKETS, registers });
    this.cacheLookups = new Counter({ name: 'qhr_answer_cache_lookups_total', help: 'Answer-cache lookups, one per person and source asked, by result (hit, miss)', labelNames: ['kind', 'result'], registers });
    this.hl7 = new Counter({ name: 'qhr_hl7_messages_total', help: 'HL7 v2 messages answered by the lab listeners, by ACK code (AA, AE, AR)', labelNames: ['source', 'ack'], registers });
    this.rosterReads = new Counter({ name: 'qhr_roster_reads_total', help: 'Roster reads of the record locator by outcome (ok, failed)', labelNames: ['source', 'outcome'], registers });
    const freshness = this.freshness;
    new Gauge({
      name: 'qhr_locator_roster_age_seconds',
      help: 'Seconds since the last successful roster read of each pull source, as this process knows it (the freshest of its views)',
      labelNames: ['source'],
      registers,
      // Across a cluster's workers: the freshest knowledge any of them has.
      aggregator: 'min',
      collect() {
        this.reset();
        const now = Date.now();
        for (const [sourceId, readAt] of newestReads(freshness)) this.set({ source: sourceId }, Math.max(0, (now - readAt) / 1000));
      },
    });
  }

  /** One GraphQL request answered. `code` is the first error's extensions.code, undefined when none. */
  graphqlRequest(operationName: string | null | undefined, code: string | undefined, seconds?: number): void {
    const operation = this.operationOf(operationName);
    this.requests.inc({ operation, outcome: code === undefined ? 'ok' : oneOf(OUTCOMES, code) });
    if (seconds !== undefined) this.requestSeconds.observe({ operation }, seconds);
  }

  /** One request to a source, answered or not; `failure` says why not. */
  sourceAnswered(sourceId: string, kind: string, failure: string | undefined, seconds?: number): void {
    const state = failure === undefined ? 'OK' : 'UNAVAILABLE';
    this.sourceAnswers.inc({ source: sourceId, kind, state, failure: failure === undefined ? '' : oneOf(SOURCE_FAILURES, failure) });
    if (seconds !== undefined) this.sourceSeconds.observe({ source: sourceId, kind, state }, seconds);
  }

  /** A source's circuit breaker opened (its requests fail at once) or closed again. */
  circuitChanged(sourceId: string, open: boolean): void {
    this.circuits.set({ source: sourceId }, open ? 1 : 0);
  }

  consentOutcome(outcome: ConsentOutcome, count = 1): void {
    if (count > 0) this.consent.inc({ outcome }, count);
  }

  accessLogWritten(seconds: number, ok: boolean): void {
    this.accessLogSeconds.observe({ outcome: ok ? 'ok' : 'failed' }, seconds);
  }

  cacheRead(kind: string, hits: number, misses: number): void {
    if (hits > 0) this.cacheLookups.inc({ kind, result: 'hit' }, hits);
    if (misses > 0) this.cacheLookups.inc({ kind, result: 'miss' }, misses);
  }

  hl7Answered(sourceId: string, ackCode: string): void {
    this.hl7.inc({ source: sourceId, ack: oneOf(ACK_CODES, ackCode) });
  }

  rosterRead(sourceId: string, ok: boolean): void {
    this.rosterReads.inc({ source: sourceId, outcome: ok ? 'ok' : 'failed' });
  }

  /** Adds a view of when sources were last read (a roster reader, a subgraph's coverage); read at each scrape. */
  watchRosterFreshness(view: RosterFreshness): void {
    this.freshness.push(view);
  }

  /** The scrape: Prometheus text format, and its content type. */
  async scrape(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}

/** Per source, the newest read any view knows of (ms since the epoch). */
function newestReads(views: readonly RosterFreshness[]): Map<string, number> {
  const newest = new Map<string, number>();
  for (const view of views) {
    for (const [sourceId, readAt] of view()) {
      if (readAt && readAt.getTime() > (newest.get(sourceId) ?? -Infinity)) newest.set(sourceId, readAt.getTime());
    }
  }
  return newest;
}
