import { facilityOf } from '../adapters/port';
import type { SourceConfig } from '../lib/sources';
import type { Facility } from '../schema/records';
import type { SourceFailureCode, SourceReport, SourceSelection } from '../subgraphs/ask-sources';

/** One entry of `Patient.sources` (contract type SourceStatus, with its additive fields). */
export interface SourceStatus {
  source: Facility;
  domain: string;
  state: 'OK' | 'UNAVAILABLE';
  asked: boolean;
  answeredAt: string | null;
  selectedBy: SourceSelection;
  locatorReadAt: string | null;
  failure: SourceFailureCode | null;
}

/**
 * `Patient.sources`: each source asked for this person in this request, per domain, how it
 * answered, why it was asked and how fresh the record locator's knowledge of it is. Only the
 * gateway sees every subgraph a request touched, so it joins the reports the domain subgraphs
 * return. A source that failed for any kind of record (a clinic's Condition search, say) is
 * UNAVAILABLE for its domain. Built once per configuration: a view costs its reports, not a pass
 * over every connected source.
 */
export function sourceStatuses(sources: readonly SourceConfig[]) {
  const index = new Map(sources.map((source, order) => [source.id, { facility: facilityOf(source), order }]));
  // A panel of 100 people reads its reports once, not once per person (they are complete by the result phase).
  const byNam = new WeakMap<readonly SourceReport[], Map<string, SourceReport[]>>();
  const reportsOf = (nam: string, reports: readonly SourceReport[]) => {
    let grouped = byNam.get(reports);
    if (!grouped) {
      grouped = new Map();
      for (const report of reports) {
        const list = grouped.get(report.nam);
        if (list) list.push(report);
        else grouped.set(report.nam, [report]);
      }
      byNam.set(reports, grouped);
    }
    return grouped.get(nam) ?? [];
  };
  return (nam: string, reports: readonly SourceReport[]): SourceStatus[] => {
    const byKey = new Map<string, SourceStatus & { order: number }>();
    for (const report of reportsOf(nam, reports)) {
      const known = index.get(report.sourceId);
      if (!known) continue;
      const key = `${report.sourceId}|${report.domain}`;
      const previous = byKey.get(key);
      byKey.set(key, {
        source: known.facility,
        domain: report.domain,
        state: previous?.state === 'UNAVAILABLE' ? 'UNAVAILABLE' : report.state,
        asked: (previous?.asked ?? false) || report.asked,
        // The oldest answer of the domain's kinds is what the clinician must know about.
        answeredAt: oldest(previous?.answeredAt ?? null, report.answeredAt ?? null),
        selectedBy: report.selectedBy,
        locatorReadAt: report.locatorReadAt ?? null,
        // The first kind's failure stands for the domain's (a clinic's Condition search timing out, say).
        failure: previous?.failure ?? report.failure ?? null,
        order: known.order,
      });
    }
    return [...byKey.values()]
      .sort((a, b) => a.order - b.order || a.domain.localeCompare(b.domain))
      .map(({ order: _order, ...status }) => status);
  };
}

const oldest = (a: string | null, b: string | null) => (a === null ? b : b === null ? a : Date.parse(a) <= Date.parse(b) ? a : b);
