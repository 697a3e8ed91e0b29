import type { SourceConfig } from '../lib/sources';
import type { Facility, RecordKind, RecordsByKind } from '../schema/records';

/** A person as one source knows them: by NAM, or by the source's own id from the cross-reference. */
export interface PatientRef {
  nam: string;
  /** The id this source files the person under, when the source uses local ids. */
  localId?: string;
}

export interface RecordQuery {
  /** Everyone asked in this batch; a source answers them in as few round trips as it can. */
  patients: readonly PatientRef[];
  /** Only records on or after this calendar date (YYYY-MM-DD), when given. */
  since?: string;
  /** Aborted when the source's time is up. */
  signal: AbortSignal;
}

/**
 * The port every source sits behind: one kind of record from one source system. A new source
 * system is a new adapter folder that returns these; the subgraphs never see its format.
 */
export interface RecordSource<K extends RecordKind = RecordKind> {
  readonly source: SourceConfig;
  readonly kind: K;
  /** Records per NAM for the patients asked (a NAM with none may be absent). Throws SourceError. */
  fetch(query: RecordQuery): Promise<Map<string, RecordsByKind[K][]>>;
}

/** Why a source failed, in words safe to log: never the source's body, headers or patient data. */
export type SourceFailure = 'timeout' | 'network' | 'http-status' | 'malformed' | 'store';

export class SourceError extends Error {
  constructor(
    readonly failure: SourceFailure,
    detail: string,
  ) {
    super(`${failure}: ${detail}`);
    this.name = 'SourceError';
  }
}

export function facilityOf(source: SourceConfig): Facility {
  return { id: source.id, name: source.name, region: source.region, area: source.area };
}

/**
 * The IHE PIX-like cross-reference between a NAM and each source's local patient id. The patient
 * index owns it; adapters that learn a link (HL7 PID-3 with both a JHN and an MR) feed it.
 */
export interface CrossReference {
  link(sourceId: string, localId: string, nam: string, via: 'hl7' | 'import'): Promise<void>;
  namFor(sourceId: string, localId: string): Promise<string | undefined>;
}
