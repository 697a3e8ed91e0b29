import { isConnected, kindOf, SOURCE_KINDS, type SourceConfig, type SourceKind } from '../lib/sources';
import { coverageOf } from './coverage';
import type { RosterState } from './record-locator';

/**
 * The roll-out by area (issue #9 §7) as the coverage query shows it: Montréal's six areas and
 * Mauricie connect pharmacies first, then clinics, then emergency rooms; operators and the people
 * planning the next wave read how far each area has come. Built from the sources file (what is
 * listed, of what kind, connected since when) and the record locator (whether it vouches for each
 * connected source). No personal data: sources and counts only.
 */
export interface SourceRollout {
  source: SourceConfig;
  kind: SourceKind;
  /** CONNECTED once its `connectedSince` day has come (views ask it), PLANNED before. */
  state: 'CONNECTED' | 'PLANNED';
  /** Whether the record locator vouches for its list of people (else every view asks it). */
  locatorCovered: boolean;
  locatorReadAt?: Date;
}

export interface AreaRollout {
  region?: string;
  area?: string;
  kind: SourceKind;
  connected: number;
  planned: number;
  covered: number;
  /** The earliest `connectedSince` among the connected sources that give one. */
  connectedSince?: string;
  sources: SourceRollout[];
}

export interface RolloutFilter {
  region?: string | null;
  area?: string | null;
  kind?: SourceKind | null;
}

/** Groups by region, area and kind (in the roll-out's order of kinds), filtered as asked. */
export function rolloutByArea(sources: readonly SourceConfig[], states: ReadonlyMap<string, RosterState>, options: { now: Date; defaultIntervalMs: number; filter?: RolloutFilter }): AreaRollout[] {
  const { now, filter = {} } = options;
  const groups = new Map<string, AreaRollout>();
  for (const source of sources) {
    const kind = kindOf(source);
    if ((filter.region && source.region !== filter.region) || (filter.area && source.area !== filter.area) || (filter.kind && kind !== filter.kind)) continue;
    const key = JSON.stringify([source.region ?? null, source.area ?? null, kind]);
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { region: source.region, area: source.area, kind, connected: 0, planned: 0, covered: 0, sources: [] }));
    const connected = isConnected(source, now);
    const coverage = coverageOf(source, states.get(source.id), options.defaultIntervalMs, now.getTime());
    const locatorCovered = connected && coverage.covered;
    group.sources.push({ source, kind, state: connected ? 'CONNECTED' : 'PLANNED', locatorCovered, locatorReadAt: coverage.readAt });
    if (!connected) {
      group.planned++;
      continue;
    }
    group.connected++;
    if (locatorCovered) group.covered++;
    if (source.connectedSince && (!group.connectedSince || source.connectedSince < group.connectedSince)) group.connectedSince = source.connectedSince;
  }
  const text = (value?: string) => value ?? '\uffff';
  return [...groups.values()].sort(
    (a, b) => text(a.region).localeCompare(text(b.region), 'fr') || text(a.area).localeCompare(text(b.area), 'fr') || SOURCE_KINDS.indexOf(a.kind) - SOURCE_KINDS.indexOf(b.kind),
  );
}
