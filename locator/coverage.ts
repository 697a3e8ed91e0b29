import type { Logger } from '../lib/logger';
import type { SourceConfig } from '../lib/sources';
import type { RecordLocator, RosterState } from './record-locator';

/** What the locator can say about one source right now. */
export interface SourceCoverage {
  /**
   * Whether the locator's list of who this source holds can be trusted: if not, every view asks
   * the source (NOT_COVERED), since a person it holds may be missing from the list.
   */
  covered: boolean;
  /** When the locator last read the source's roster (pull sources): how fresh its knowledge is. */
  readAt?: Date;
}

/**
 * A pull source's list goes stale when its roster reads keep failing: after this many intervals
 * without a successful read (and at least STALE_FLOOR_MS), the source is asked again by every view.
 */
const STALE_AFTER_INTERVALS = 5;
const STALE_FLOOR_MS = 5 * 60_000;

/**
 * The coverage rule (README, "Record locator"):
 * - a source configured with `rosterIntervalMs: 0` is never covered (the locator does not read it);
 * - a push source (HL7 v2) is covered once what it sent before the locator existed was located
 *   (back-fill); from then on the locator learns at each message, in the same transaction;
 * - a pull source is covered once its first complete roster read finished, and as long as its last
 *   successful read is recent (STALE_AFTER_INTERVALS intervals, STALE_FLOOR_MS at least).
 */
export function coverageOf(source: SourceConfig, state: RosterState | undefined, defaultIntervalMs: number, now: number): SourceCoverage {
  if (source.protocol === 'hl7v2-mllp') return { covered: !!state?.completeAt };
  const intervalMs = source.rosterIntervalMs ?? defaultIntervalMs;
  const readAt = state?.readAt;
  if (intervalMs === 0 || !state?.completeAt || !readAt) return readAt ? { covered: false, readAt } : { covered: false };
  const staleAfter = Math.max(STALE_AFTER_INTERVALS * intervalMs, STALE_FLOOR_MS);
  return { covered: now - readAt.getTime() <= staleAfter, readAt };
}

/**
 * A snapshot of every source's coverage, refreshed from the locator every few seconds: the
 * domain subgraphs consult it on every view without a query. Until the first snapshot, and when the
 * locator cannot be read, what it last knew keeps ageing by the rule above, so a source whose
 * knowledge is too old is asked: the locator's failure costs requests, never records.
 */
/** A list of sources as a view plans its asks: by id, and those the locator cannot vouch for now. */
export interface SourcesAtAGlance<S extends { source: SourceConfig }> {
  byId: ReadonlyMap<string, S>;
  uncovered: readonly S[];
}

export class CoverageView {
  private states = new Map<string, RosterState>();
  private timer?: NodeJS.Timeout;
  /**
   * `among` per list of sources (a subgraph's sources of one kind: the same array until the sources
   * file changes), for this snapshot. A view asks a handful of holders among hundreds of sources:
   * it must not pay a pass over all of them (issue #7 §1: p50 at 800 sources within 10% of 10).
   */
  private glances = new WeakMap<object, SourcesAtAGlance<{ source: SourceConfig }>>();

  constructor(
    private readonly deps: { locator: Pick<RecordLocator, 'rosterStates'>; defaultIntervalMs: number; logger: Logger },
    private readonly refreshMs = 5_000,
  ) {}

  /** Reads the first snapshot (a failure is logged and leaves every source not covered), then keeps refreshing. */
  async start(): Promise<void> {
    await this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.refreshMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  of(source: SourceConfig, now = Date.now()): SourceCoverage {
    return coverageOf(source, this.states.get(source.id), this.deps.defaultIntervalMs, now);
  }

  /**
   * These sources by id, and those not covered, as of this snapshot: worked out once per list and
   * snapshot, then shared by every view until the next refresh (a source going stale is noticed
   * within one refresh, a few seconds).
   */
  among<S extends { source: SourceConfig }>(sources: readonly S[]): SourcesAtAGlance<S> {
    let glance = this.glances.get(sources) as SourcesAtAGlance<S> | undefined;
    if (!glance) {
      const now = Date.now();
      glance = { byId: new Map(sources.map((s) => [s.source.id, s] as const)), uncovered: sources.filter((s) => !this.of(s.source, now).covered) };
      this.glances.set(sources, glance);
    }
    return glance;
  }

  private async refresh(): Promise<void> {
    try {
      this.states = await this.deps.locator.rosterStates();
    } catch (error) {
      this.deps.logger.warn({ failure: (error as { code?: string }).code ?? (error as Error).name }, 'record locator coverage could not be read; keeping the last snapshot');
    } finally {
      // Worked out again at each tick, read or not: a snapshot that could not be refreshed keeps ageing.
      this.glances = new WeakMap();
    }
  }
}
