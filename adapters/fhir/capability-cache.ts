import type { Logger } from '../../lib/logger';
import type { SourceConfig } from '../../lib/sources';
import { fetchJsonAnswer, type SourceRoute } from '../http';
import { SourceError } from '../port';
import { BASELINE_CAPABILITIES, capabilitiesOf, readCapabilityStatement, type ServerCapabilities } from './capabilities';
import { parseFhirJson } from './json';
import { FHIR_JSON } from './paging';
import { untilAborted } from '../until-aborted';

export interface CapabilityCacheOptions {
  /** How long a statement read is trusted before it is read again. */
  refreshMs: number;
  /** The request for `metadata` alone may take this long. */
  timeoutMs: number;
  now(): number;
  logger?: Logger;
  /** The service's source credentials (adapters/source-connections.ts). */
  connections?: SourceRoute['connections'];
}

export const CAPABILITY_CACHE_DEFAULTS: CapabilityCacheOptions = { refreshMs: 60 * 60_000, timeoutMs: 5_000, now: Date.now };

/**
 * One source's CapabilityStatement (`GET [base]/metadata`, http://hl7.org/fhir/R4/http.html#capabilities),
 * read once and shared by every kind of record the source serves: read again after `refreshMs`, or
 * at the next search once a search was rejected (`refresh()`). A server that cannot be reached
 * fails the search that asked (it would fail it anyway); a server whose statement cannot be read
 * (404, not a CapabilityStatement) is searched on the baseline, the two-step path, until the next
 * read. Chains a server was found to ignore stay refused for the life of the process, whatever
 * its statement says again.
 */
export class CapabilityCache {
  private current?: { capabilities: ServerCapabilities; readAt: number };
  private reading?: Promise<ServerCapabilities>;
  private readonly refusedChains = new Set<string>();
  private readonly options: CapabilityCacheOptions;

  constructor(
    private readonly source: SourceConfig & { url: string },
    overrides: Partial<CapabilityCacheOptions> = {},
  ) {
    this.options = { ...CAPABILITY_CACHE_DEFAULTS, ...overrides };
  }

  /**
   * The statement as last read. Only a search with none to go on waits for a read: a statement that
   * is due is used once more while it is read again in the background, so no view pays a round
   * trip to `metadata` that a statement already read could spare it.
   */
  async get(signal: AbortSignal): Promise<ServerCapabilities> {
    const { current, options } = this;
    if (current) {
      if (options.now() - current.readAt >= options.refreshMs) void this.readOnce();
      return current.capabilities;
    }
    return untilAborted(this.readOnce(), signal);
  }

  /**
   * Reads the statement ahead of any search (a source just connected); a failure is left to the
   * first search to meet. The read is bounded by its own timeout; `signal` (the service stopping)
   * only stops a read from starting.
   */
  async prepare(signal: AbortSignal): Promise<void> {
    if (!this.current && !signal.aborted) await this.readOnce().catch(() => undefined);
  }

  /** The read under way, or a new one: one at a time for everyone who asks meanwhile. */
  private readOnce(): Promise<ServerCapabilities> {
    if (!this.reading) {
      this.reading = this.read().finally(() => (this.reading = undefined));
      // Whoever asked may have given up (its time up) before the read ends, and a background read
      // has nobody waiting: a failed read is never an unhandled rejection of the process.
      this.reading.catch(() => undefined);
    }
    return this.reading;
  }

  /** The next search waits for the statement to be read again (a search was rejected: the server may have changed). */
  refresh(): void {
    this.current = undefined;
  }

  /** This type's chained search was ignored or refused by the server: it is asked in two steps from now on. */
  refuseChain(type: string): void {
    this.refusedChains.add(type);
  }

  chainRefused(type: string): boolean {
    return this.refusedChains.has(type);
  }

  private async read(): Promise<ServerCapabilities> {
    const { source, options } = this;
    let capabilities: ServerCapabilities;
    try {
      const answer = await fetchJsonAnswer({ url: `${source.url}/metadata`, accept: FHIR_JSON, signal: AbortSignal.timeout(options.timeoutMs), sourceId: source.id, connections: options.connections, parse: parseFhirJson });
      capabilities = readCapabilityStatement(answer.body);
    } catch (error) {
      const failure = error instanceof SourceError ? error.failure : 'network';
      if (failure === 'timeout' || failure === 'network') throw error;
      options.logger?.warn({ source: source.id, failure }, 'FHIR server has no readable CapabilityStatement: searching in two steps (Patient by identifier, then by patient id)');
      capabilities = BASELINE_CAPABILITIES;
    }
    for (const [type, own] of capabilities.types) {
      // GET puts the search (NAMs, patient ids) in URLs that proxies and access logs keep: said once per read.
      if (own.search && !own.post) options.logger?.warn({ source: source.id, resourceType: type }, 'FHIR server takes search by GET only: search parameters travel in the URL');
    }
    this.current = { capabilities, readAt: options.now() };
    return capabilities;
  }
}

/** Whether to search a type by POST (NAMs out of URLs) or GET (the server says it takes no POST). */
export const searchesByPost = (capabilities: ServerCapabilities, type: string) => capabilitiesOf(capabilities, type).post;

/**
 * The CapabilityStatement caches of one service's FHIR sources, kept across reloads of the sources
 * file (lib/source-catalog.ts): a source whose base URL and timeout did not change keeps the
 * statement already read, so a reload does not send every view of every server back to `metadata`.
 * One per service, passed down (adapters/index.ts AdapterDeps), never module state.
 */
export class CapabilityCaches {
  private readonly bySource = new Map<string, { key: string; cache: CapabilityCache }>();

  constructor(private readonly overrides: Partial<CapabilityCacheOptions> = {}) {}

  /** The cache of this source as it is now configured. */
  for(source: SourceConfig & { url: string }): CapabilityCache {
    const key = `${source.url} ${source.timeoutMs ?? ''}`;
    const known = this.bySource.get(source.id);
    if (known?.key === key) return known.cache;
    const cache = new CapabilityCache(source, { ...(source.timeoutMs ? { timeoutMs: source.timeoutMs } : {}), ...this.overrides });
    this.bySource.set(source.id, { key, cache });
    return cache;
  }

  /** Forgets the sources no longer connected. */
  retain(connected: readonly SourceConfig[]): void {
    const kept = new Set(connected.map((source) => source.id));
    for (const id of this.bySource.keys()) if (!kept.has(id)) this.bySource.delete(id);
  }
}
