import { randomUUID } from 'node:crypto';
import type { AnswerInvalidation, RosterEntry, RosterSource } from '../adapters/port';
import type { Logger } from '../lib/logger';
import type { XrefStore } from './cross-reference';
import type { RecordLocator } from './record-locator';

export interface RosterReadsOptions {
  rosters: readonly RosterSource[];
  locator: Pick<RecordLocator, 'claim' | 'finish' | 'fail' | 'holds'>;
  xref: Pick<XrefStore, 'linkMany' | 'namsFor'>;
  /** Told who changed at a source on an incremental read, so their cached answers from it go. */
  invalidation?: AnswerInvalidation;
  logger: Logger;
  /** ROSTER_INTERVAL_MS, for sources that do not set rosterIntervalMs. */
  defaultIntervalMs: number;
  /** SOURCE_TIMEOUT_MS: each page request of a read, for sources that do not set timeoutMs. */
  defaultTimeoutMs: number;
  /** Roster reads in flight at once (ROSTER_CONCURRENCY; each is a handful of sequential page requests to one source). */
  concurrency?: number;
  /** How often due sources are looked for. */
  tickMs?: number;
  /** Told each read's end, and when it began (ops/metrics.ts: reads by outcome, freshness). Source ids only. */
  onRead?: (sourceId: string, ok: boolean, startedAt: Date) => void;
}

/** 800 sources read every minute at a few hundred ms each need about a dozen reads at a time. */
const DEFAULT_CONCURRENCY = 16;

/** A reader that died mid-read holds its lease this long at most; then another reader takes the source. */
const MIN_LEASE_MS = 5 * 60_000;

/**
 * Reads the roster of every pull source on its schedule (README, "Record locator"): the first read
 * is complete, the next ones incremental from the cursor the last one returned. Several readers
 * (processes) may run: each read is claimed in the database first, so a source is read by one at a
 * time and no more often than its interval. What a read finds goes to the locator page by page:
 * NAMs directly, local ids through the cross-reference (and a NAM the source gives beside its own id
 * links them). Progress is logged with source ids and counts only: who a source holds is health
 * information.
 */
export class RosterReads {
  private readonly owner = `roster-${randomUUID()}`;
  private readonly nextDue = new Map<string, number>();
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly stopping = new AbortController();
  private timer?: NodeJS.Timeout;

  private rosters: readonly RosterSource[];

  constructor(private readonly options: RosterReadsOptions) {
    this.rosters = options.rosters;
  }

  /**
   * The sources to read from now on (the sources file was reloaded): a new source is read at the
   * next tick, a removed one is no longer scheduled (a read of it in flight finishes).
   */
  setRosters(rosters: readonly RosterSource[]): void {
    this.rosters = rosters;
    const ids = new Set(rosters.map((roster) => roster.source.id));
    for (const id of this.nextDue.keys()) if (!ids.has(id)) this.nextDue.delete(id);
  }

  start(): void {
    void this.tick();
    this.timer = setInterval(() => void this.tick(), this.options.tickMs ?? 1_000);
    this.timer.unref();
  }

  /** Stops scheduling and aborts reads in progress (their cursors stay where they were: the next reader redoes them). */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.stopping.abort();
    await Promise.allSettled(this.inFlight.values());
  }

  /**
   * Starts the most overdue reads (never-read sources first) the concurrency allows, and resolves
   * once those are done. A read that ends starts the next due one at once rather than on the next
   * tick, and the oldest go first, so a province with more sources than one interval's worth of
   * reads stretches every source's interval evenly instead of never reaching the last ones.
   */
  async tick(now = Date.now()): Promise<void> {
    if (this.stopping.signal.aborted) return;
    const capacity = (this.options.concurrency ?? DEFAULT_CONCURRENCY) - this.inFlight.size;
    if (capacity <= 0) return;
    const dueAt = (roster: RosterSource) => this.nextDue.get(roster.source.id) ?? 0;
    const due = this.rosters
      .filter((roster) => !this.inFlight.has(roster.source.id) && dueAt(roster) <= now)
      .sort((a, b) => dueAt(a) - dueAt(b))
      .slice(0, capacity);
    await Promise.all(
      due.map((roster) => {
        const read = this.readOnce(roster).finally(() => {
          this.inFlight.delete(roster.source.id);
          void this.tick();
        });
        this.inFlight.set(roster.source.id, read);
        return read;
      }),
    );
  }

  private intervalOf(roster: RosterSource): number {
    return roster.source.rosterIntervalMs ?? this.options.defaultIntervalMs;
  }

  /** One read of one source, if the database agrees it is due and nobody else is reading it. */
  async readOnce(roster: RosterSource): Promise<void> {
    const { locator, logger } = this.options;
    const sourceId = roster.source.id;
    const interval = this.intervalOf(roster);
    this.nextDue.set(sourceId, Date.now() + interval);
    let claim: { cursor?: string } | undefined;
    try {
      claim = await locator.claim(sourceId, this.owner, interval, Math.max(MIN_LEASE_MS, 2 * interval));
    } catch (error) {
      logger.warn({ source: sourceId, failure: categoryOf(error) }, 'roster read could not be claimed');
      return;
    }
    if (!claim) return;
    const startedAt = new Date();
    const full = claim.cursor === undefined;
    try {
      const read = await roster.read({
        cursor: claim.cursor,
        signal: this.stopping.signal,
        requestTimeoutMs: roster.source.timeoutMs ?? this.options.defaultTimeoutMs,
        onPage: (entries) => this.locate(roster, entries, !full),
      });
      await locator.finish(sourceId, this.owner, { cursor: read.cursor, startedAt });
      this.options.onRead?.(sourceId, true, startedAt);
      logger.info({ source: sourceId, full, people: read.people, pages: read.pages, ms: Date.now() - startedAt.getTime() }, 'roster read');
    } catch (error) {
      const failure = categoryOf(error);
      await locator.fail(sourceId, this.owner, failure).catch(() => undefined);
      this.options.onRead?.(sourceId, false, startedAt);
      logger.warn({ source: sourceId, full, failure, ms: Date.now() - startedAt.getTime() }, 'roster read failed');
    }
  }

  /** One page of a roster into the locator (and the cross-reference); changed people's cached answers go. */
  private async locate(roster: RosterSource, entries: RosterEntry[], changed: boolean): Promise<void> {
    const sourceId = roster.source.id;
    const links = entries.filter((e): e is Required<RosterEntry> => !!e.nam && !!e.localId).map((e) => ({ sourceId, localId: e.localId, nam: e.nam }));
    if (links.length > 0) await this.options.xref.linkMany(links, 'roster');
    const localOnly = entries.filter((e) => !e.nam && e.localId).map((e) => e.localId!);
    const linked = localOnly.length > 0 ? await this.options.xref.namsFor(sourceId, localOnly) : new Map<string, string>();
    const nams = [...new Set([...entries.flatMap((e) => (e.nam ? [e.nam] : [])), ...linked.values()])];
    await this.options.locator.holds(sourceId, nams, 'roster');
    if (changed && nams.length > 0) {
      await this.options.invalidation?.invalidate(sourceId, nams).catch((error) => this.options.logger.warn({ source: sourceId, failure: categoryOf(error) }, 'cached answers could not be invalidated'));
    }
  }
}

/** A loggable category: a SourceError's failure, a driver's code, or the class; never a message. */
function categoryOf(error: unknown): string {
  return (error as { failure?: string }).failure ?? (error as { code?: string }).code ?? (error as Error)?.name ?? 'Error';
}
