import { facilityOf } from '../adapters/port';
import type { SourceConfig } from '../lib/sources';
import type { SourceReport } from '../subgraphs/ask-sources';

/**
 * `Patient.sources`: each source asked for this person in this request, per domain, and how it
 * answered. Only the gateway sees every subgraph a request touched, so it joins the reports the
 * domain subgraphs return. A source that failed for any kind of record (a clinic's Condition
 * search, say) is UNAVAILABLE for its domain.
 */
export function sourceStatusesOf(nam: string, reports: readonly SourceReport[], sources: readonly SourceConfig[]) {
  const byKey = new Map<string, { sourceId: string; domain: string; state: 'OK' | 'UNAVAILABLE' }>();
  for (const report of reports) {
    if (report.nam !== nam) continue;
    const key = `${report.sourceId}|${report.domain}`;
    const previous = byKey.get(key);
    byKey.set(key, { sourceId: report.sourceId, domain: report.domain, state: previous?.state === 'UNAVAILABLE' ? 'UNAVAILABLE' : report.state });
  }
  const byId = new Map(sources.map((source, index) => [source.id, { source, index }]));
  return [...byKey.values()]
    .filter((status) => byId.has(status.sourceId))
    .sort((a, b) => byId.get(a.sourceId)!.index - byId.get(b.sourceId)!.index || a.domain.localeCompare(b.domain))
    .map((status) => ({ source: facilityOf(byId.get(status.sourceId)!.source), domain: status.domain, state: status.state }));
}
