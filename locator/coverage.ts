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
export class CoverageView {
  private states = new Map<string, RosterState>();
  private timer?: NodeJS.Timeout;

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

  private async refresh(): Promise<void> {
    try {
      this.states = await this.deps.locator.rosterStates();
    } catch (error) {
      this.deps.logger.warn({ failure: (error as { code?: string }).code ?? (error as Error).name }, 'record locator coverage could not be read; keeping the last snapshot');
    }
  }
}
