import type { Resource } from '@medplum/fhirtypes';
import type { Logger } from '../../lib/logger';
import { isValidNam, normalizeNam } from '../../lib/nam';
import type { SourceConfig } from '../../lib/sources';
import type { SourceRoute } from '../http';
import type { RosterEntry, RosterRequest, RosterSource } from '../port';
import { parseInstant, serverStartOf, ROSTER_CLOCK_DEFAULTS, type RosterClockOptions } from '../server-clock';
import { searchesByPost, type CapabilityCaches } from './capability-cache';
import { forEachSearchsetPage } from './paging';
import { escapeSearchValue } from './patients';

export interface FhirRosterOptions extends RosterClockOptions {
  /** `_count` asked per page (http://hl7.org/fhir/R4/search.html#count); servers may give fewer. */
  pageSize: number;
  /**
   * Pages one read may take. A roster is the source's whole panel, so far more than a patient
   * batch's pages (adapters/fhir/paging.ts MAX_PAGES); still bounded, so a server that keeps
   * answering "next" fails the read rather than running it forever.
   */
  maxPages: number;
  /** Where the count of Patients without a usable id goes (never which ones). */
  logger?: Logger;
  /** The service's source credentials (adapters/source-connections.ts). */
  connections?: SourceRoute['connections'];
  /**
   * The service's CapabilityStatement caches: a server whose statement says it takes search by GET
   * only is read by GET. A roster search names nobody (a system, a date), so nothing personal goes
   * in its URL. Unset, or the statement unreadable, the roster is read by POST.
   */
  capabilities?: CapabilityCaches;
}

export const FHIR_ROSTER_DEFAULTS: FhirRosterOptions = {
  pageSize: 200,
  maxPages: 10_000,
  ...ROSTER_CLOCK_DEFAULTS,
};

/** A FHIR id (http://hl7.org/fhir/R4/datatypes.html#id). */
const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/;

/**
 * The NAMs a Patient carries in the source's NAM system: well-formed ones, normalized, once each.
 * An identifier whose use is `old` no longer stands for the person
 * (http://hl7.org/fhir/R4/valueset-identifier-use.html).
 */
export function namsOf(patient: Resource, namSystem: string): string[] {
  const identifiers: unknown = (patient as { identifier?: unknown }).identifier;
  const nams = new Set<string>();
  for (const identifier of Array.isArray(identifiers) ? identifiers : []) {
    const { system, value, use } = (identifier ?? {}) as { system?: unknown; value?: unknown; use?: unknown };
    if (system !== namSystem || typeof value !== 'string' || use === 'old') continue;
    const nam = normalizeNam(value);
    if (isValidNam(nam)) nams.add(nam);
  }
  return [...nams];
}

/**
 * One page of Patients as roster entries. A `nam` source: one entry per NAM (a Patient without
 * one cannot be located and is skipped). A `local` source: the Patient's id, with its NAM when it
 * carries exactly one (two would leave the link to the NAM a guess). Skipped Patients are counted.
 */
export function rosterEntriesOf(patients: readonly Resource[], source: SourceConfig): { entries: RosterEntry[]; skipped: number } {
  const entries = new Map<string, RosterEntry>();
  let skipped = 0;
  for (const patient of patients) {
    const nams = namsOf(patient, source.namSystem);
    if (source.patientId === 'nam') {
      if (nams.length === 0) skipped++;
      for (const nam of nams) entries.set(nam, { nam });
    } else if (typeof patient.id === 'string' && FHIR_ID.test(patient.id)) {
      entries.set(patient.id, nams.length === 1 ? { localId: patient.id, nam: nams[0] } : { localId: patient.id });
    } else {
      skipped++;
    }
  }
  return { entries: [...entries.values()], skipped };
}

/**
 * The search for a roster: Patients with an identifier in the NAM system (`identifier=<system>|`,
 * a token with a system and no code matches any code of that system,
 * http://hl7.org/fhir/R4/search.html#token) for a `nam` source, every Patient for a `local` one;
 * only what is needed comes back (`_elements`, http://hl7.org/fhir/R4/search.html#elements); after
 * the first read, only Patients changed since (`_lastUpdated`, http://hl7.org/fhir/R4/search.html#lastUpdated).
 * A server that ignores a parameter answers more Patients, never fewer: the entries are still
 * read from each Patient's own identifiers.
 */
export function rosterSearchForm(source: SourceConfig, since: string | undefined, pageSize: number): URLSearchParams {
  const form = new URLSearchParams();
  if (source.patientId === 'nam') form.append('identifier', `${escapeSearchValue(source.namSystem)}|`);
  if (since) form.append('_lastUpdated', `gt${since}`);
  form.append('_elements', 'identifier');
  form.append('_count', String(pageSize));
  return form;
}

/**
 * Who a FHIR R4 server holds, by a Patient search read page by page. The cursor is the instant
 * the read began by the server's clock (adapters/server-clock.ts), ISO 8601 in UTC; a cursor that
 * is not one (an older format, a hand edit) starts a full read, which is always safe.
 */
export function createFhirRoster(source: SourceConfig, overrides: Partial<FhirRosterOptions> = {}): RosterSource {
  if (source.protocol !== 'fhir-r4' || !source.url) throw new Error(`source ${source.id} is not a FHIR R4 source with a base URL`);
  const options = { ...FHIR_ROSTER_DEFAULTS, ...overrides };
  const base = source.url.replace(/\/+$/, '');
  const statement = options.capabilities?.for({ ...source, url: base });
  return {
    source,
    async read(request: RosterRequest) {
      const capabilities = await statement?.get(request.signal).catch(() => undefined);
      const post = !capabilities || searchesByPost(capabilities, 'Patient');
      const url = post ? `${base}/Patient/_search` : `${base}/Patient`;
      const since = parseInstant(request.cursor)?.minus({ milliseconds: options.overlapMs }).toISO() ?? undefined;
      const startedAt = options.now();
      let cursor: string | undefined;
      let people = 0;
      let skipped = 0;
      const form = rosterSearchForm(source, since, options.pageSize);
      const pages = await forEachSearchsetPage({ url, method: post ? 'POST' : 'GET', resourceType: 'Patient', form, signal: request.signal, requestTimeoutMs: request.requestTimeoutMs, maxPages: options.maxPages, sourceId: source.id, connections: options.connections }, async (page) => {
        cursor ??= serverStartOf({ stated: page.lastUpdated, date: page.date }, startedAt, options.clockMarginMs).toISO()!;
        const { entries, skipped: without } = rosterEntriesOf(page.matches, source);
        skipped += without;
        people += entries.length;
        if (entries.length) await request.onPage(entries);
      });
      if (skipped) options.logger?.warn({ source: source.id, skipped }, 'roster read skipped patients without a usable id');
      return { cursor: cursor!, people, pages };
    },
  };
}
