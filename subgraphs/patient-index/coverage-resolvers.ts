import type { CatalogState } from '../../lib/source-catalog';
import type { SourceConfig, SourceKind } from '../../lib/sources';
import type { RosterState } from '../../locator/record-locator';
import { rolloutByArea, type AreaRollout, type RolloutFilter } from '../../locator/rollout';
import { facilityOf } from '../../adapters/port';

/** What Query.coverage reads: the running sources file and the record locator's roster states. */
export interface CoverageSources {
  all(): readonly SourceConfig[];
  status(): CatalogState;
  rosterStates(): Promise<ReadonlyMap<string, RosterState>>;
  defaultIntervalMs: number;
}

/** SourceKind values on the API: `emergency-room` is EMERGENCY_ROOM. */
const API_KIND = (kind: SourceKind) => kind.toUpperCase().replace('-', '_');
const kindOfApi = (kind: string | null | undefined): SourceKind | undefined => (kind ? (kind.toLowerCase().replace('_', '-') as SourceKind) : undefined);

/** Query.coverage (issue #9 §7): the roll-out by region, area and kind. */
export function coverageResolvers(sources: CoverageSources) {
  return {
    Query: {
      coverage: async (_: unknown, args: { region?: string | null; area?: string | null; kind?: string | null }) => {
        const filter: RolloutFilter = { region: args.region, area: args.area, kind: kindOfApi(args.kind) };
        const areas = rolloutByArea(sources.all(), await sources.rosterStates(), { now: new Date(), defaultIntervalMs: sources.defaultIntervalMs, filter });
        const status = sources.status();
        return {
          sourcesFileLoadedAt: status.loadedAt.toISOString(),
          sourcesFileError: status.error ? { at: status.error.at.toISOString(), message: status.error.message } : null,
          areas: areas.map(toApi),
        };
      },
    },
  };
}

function toApi(area: AreaRollout) {
  return {
    region: area.region ?? null,
    area: area.area ?? null,
    kind: API_KIND(area.kind),
    connected: area.connected,
    planned: area.planned,
    covered: area.covered,
    connectedSince: area.connectedSince ?? null,
    sources: area.sources.map((s) => ({
      source: facilityOf(s.source),
      kind: API_KIND(s.kind),
      domain: s.source.domain,
      protocol: s.source.protocol,
      connectedSince: s.source.connectedSince ?? null,
      state: s.state,
      locatorCovered: s.locatorCovered,
      locatorReadAt: s.locatorReadAt?.toISOString() ?? null,
    })),
  };
}
