import type { Db } from '../lib/db';
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
  /**
   * Optional: learns what the adapter must know of the source before it can search (a FHIR
   * server's CapabilityStatement), when the source connects, so that no view waits for it. Never
   * throws: what could not be learnt now is learnt by the first view, as without it.
   */
  prepare?(signal: AbortSignal): Promise<void>;
}

/**
 * Why a source failed, in words safe to log: never the source's body, headers or patient data.
 * `unattributable`: the source answered, but not about the people asked (a FHIR server that ignored
 * a chained or `patient` parameter and answered for others, or records whose patient cannot be
 * resolved): the answer cannot be shown as theirs, nor as "nothing on file".
 */
export type SourceFailure = 'timeout' | 'network' | 'http-status' | 'malformed' | 'store' | 'unattributable';

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
  link(sourceId: string, localId: string, nam: string, via: CrossReferenceVia): Promise<void>;
  namFor(sourceId: string, localId: string): Promise<string | undefined>;
}

/** A NAM <-> local id link of one source. */
export interface XrefLink {
  sourceId: string;
  localId: string;
  nam: string;
}

/**
 * The cross-reference as patient administration feeds correct it (HL7 v2 ADT^A08 update, ADT^A40
 * merge), each call in the caller's transaction so an event's links and record moves commit
 * together. Implemented by locator/cross-reference.ts.
 */
export interface CrossReferenceUpdates {
  /** Upserts links (a local id already linked to another NAM is relinked); says how many were new and how many changed person. */
  linkMany(links: XrefLink[], via: 'hl7', tx: Pick<Db, 'query'>): Promise<{ added: number; relinked: number }>;
  /** The NAM each of these local ids of one source is linked to (ids nobody linked are absent). */
  namsFor(sourceId: string, localIds: readonly string[], tx?: Pick<Db, 'query'>): Promise<Map<string, string>>;
  /** Removes the links of these local ids of one source (a merged-away id); returns what each was linked to. */
  unlinkMany(sourceId: string, localIds: readonly string[], tx: Pick<Db, 'query'>): Promise<Map<string, string>>;
}

/** The cross-reference as a pull adapter feeds it: several links learnt from one answer, in one statement. */
export interface CrossReferenceFeed {
  /** A (source, local id) appears once in `links`. */
  linkMany(links: { sourceId: string; localId: string; nam: string }[], via: CrossReferenceVia): Promise<unknown>;
}

/**
 * How an adapter learnt a link: an HL7 v2 message (PID-3), an import, or a FHIR server's own
 * Patient search by NAM (the two-step search, adapters/fhir/strategy.ts).
 */
export type CrossReferenceVia = 'hl7' | 'import' | 'fhir-search';

/**
 * The record locator as the adapters feed it (IHE XDS registry-like: which sources hold data for
 * which person). The HL7 v2 listener tells it at each message; the roster reads tell it on a
 * schedule. Implemented by locator/record-locator.ts.
 */
export interface LocatorFeed {
  /**
   * These people (NAMs) have data at this source. Idempotent. With `tx`, written in that
   * transaction: a lab result and the locator entry that makes views ask for it commit together.
   */
  holds(sourceId: string, nams: readonly string[], via: 'hl7' | 'xref' | 'roster', tx?: Pick<Db, 'query'>): Promise<void>;
}

/**
 * The record locator as a push source corrects it: after an HL7 v2 merge (ADT^A40) moved every
 * record of a prior patient to the survivor, the source no longer holds the prior person.
 */
export interface LocatorCorrections extends LocatorFeed {
  /** These people no longer have data at this source (their entries are removed). With `tx`, in that transaction. */
  forget(sourceId: string, nams: readonly string[], tx?: Pick<Db, 'query'>): Promise<void>;
}

/**
 * The cache of source answers as writers of a source's data see it: a lab result ingested, or a
 * roster change at a source, makes the cached answers of those people from that source stale at
 * once. Implemented by cache/answer-cache.ts.
 */
export interface AnswerInvalidation {
  invalidate(sourceId: string, nams: readonly string[]): Promise<void>;
}

/** One person on a source's roster: by NAM, by the source's own id, or both when the source says both. */
export interface RosterEntry {
  nam?: string;
  localId?: string;
}

export interface RosterRequest {
  /**
   * Where the previous read of this source ended (opaque to the caller: what `read` returned);
   * absent for the first, full read.
   */
  cursor?: string;
  signal: AbortSignal;
  /** Each request of the read (one page) may take this long: a roster is many pages, none may hang. */
  requestTimeoutMs: number;
  /** Called with each page of people as it is read, so a roster of any size never sits in memory whole. */
  onPage(entries: RosterEntry[]): Promise<void>;
}

/**
 * Who a pull source holds: everyone the first time, then who changed since the last read
 * (FHIR `Patient?_lastUpdated=gt…`, QIDO-RS `StudyDate=…-`). Read by the record locator on a
 * schedule; never on a clinician's request.
 */
export interface RosterSource {
  readonly source: SourceConfig;
  /** Reads the roster (every page) and returns the cursor the next read starts from. Throws SourceError. */
  read(request: RosterRequest): Promise<{ cursor: string; people: number; pages: number }>;
}
