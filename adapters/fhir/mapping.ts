import type { Resource } from '@medplum/fhirtypes';
import type { Logger } from '../../lib/logger';
import type { SourceConfig } from '../../lib/sources';
import { IncludedResources } from './references';

/**
 * What a mapper has besides the resource it maps: the source, what the answer included (to follow
 * references into), and where to say that a value does not fit the contract.
 */
export interface MappingContext {
  source: SourceConfig;
  included: IncludedResources;
  /**
   * A value of this record that does not fit the contract (daysSupply 2.5, a result with no code):
   * the mapper leaves the field out, or the record when it cannot stand without it. `path` is the
   * FHIR element path (`MedicationDispense.daysSupply`); neither says anything of the person.
   */
  problem(path: string, issue: string): void;
}

/**
 * The mapping problems of one answer, counted by element path and issue and logged once per answer
 * (README, "FHIR sources"): the source's id, the resource type's element path, the issue and a
 * count, never a value, an id or a person. An integrator reads them to fix a source's data or ask
 * its vendor; the records that fit are still served.
 */
export class MappingProblems {
  private readonly counts = new Map<string, { path: string; issue: string; records: number }>();

  report(path: string, issue: string): void {
    const key = `${path}\u0000${issue}`;
    const entry = this.counts.get(key);
    if (entry) entry.records++;
    else this.counts.set(key, { path, issue, records: 1 });
  }

  get size(): number {
    return this.counts.size;
  }

  /** Each problem once, with how many records had it. */
  list(): { path: string; issue: string; records: number }[] {
    return [...this.counts.values()];
  }

  log(logger: Logger | undefined, sourceId: string): void {
    for (const { path, issue, records } of this.counts.values()) logger?.warn({ source: sourceId, path, issue, records }, 'FHIR record does not fit the contract');
  }
}

/** A context for mapping one answer (tests build one for a lone resource). */
export function mappingContext(source: SourceConfig, included: Iterable<Resource> | IncludedResources = [], problems = new MappingProblems()): MappingContext {
  return {
    source,
    included: included instanceof IncludedResources ? included : new IncludedResources(included),
    problem: (path, issue) => problems.report(path, issue),
  };
}
