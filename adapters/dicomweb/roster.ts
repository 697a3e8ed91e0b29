import { DateTime } from 'luxon';
import type { Logger } from '../../lib/logger';
import { isValidNam } from '../../lib/nam';
import type { SourceConfig } from '../../lib/sources';
import { fetchJsonAnswer, type SourceRoute } from '../http';
import { SourceError, type RosterEntry, type RosterRequest, type RosterSource } from '../port';
import { serverStartOf, ROSTER_CLOCK_DEFAULTS, type RosterClockOptions } from '../server-clock';
import { firstString, isDicomJsonDataset, type DicomJsonDataset } from './dicomJson';
import { DICOM_JSON, QIDO_DEFAULTS } from './qido';
import { StudyTag } from './study';

export interface QidoRosterOptions extends RosterClockOptions {
  /** `limit` per page (PS3.18 §8.3.4.4), as for a patient's studies (adapters/dicomweb/qido.ts). */
  pageSize: number;
  /**
   * Pages one read may take: a roster walks the whole archive's studies, far more than one
   * patient's. A read that has not ended by then fails, rather than pass for complete.
   */
  maxPages: number;
  /** Where the count of studies without a usable Patient ID goes (never which ones). */
  logger?: Logger;
  /** The service's source credentials (adapters/source-connections.ts). */
  connections?: SourceRoute['connections'];
}

export const QIDO_ROSTER_DEFAULTS: QidoRosterOptions = {
  pageSize: QIDO_DEFAULTS.pageSize,
  maxPages: 10_000,
  ...ROSTER_CLOCK_DEFAULTS,
};

/**
 * The roster search: every study (no Patient ID key: an absent key is universal matching, PS3.4
 * §C.2.2.2.3), with its Patient ID (0010,0020) asked by includefield (PS3.18 §8.3.4.3) though it is
 * a default return attribute, since some servers trim the defaults. After the first read, only
 * studies dated from the cursor's day: `StudyDate=YYYYMMDD-` (range matching, PS3.4 §C.2.2.2.5).
 *
 * What QIDO-RS cannot say: when a study was *stored*. Matching is on the study's own date, so a
 * study stored today with an older StudyDate (a film digitized, a late-sent exam, an import from
 * another archive) is not in an incremental read; the next full read finds it. Until then a view
 * relying on the locator does not ask this PACS for that person.
 */
export function rosterSearchUrl(base: string, page: { since?: string; limit: number; offset: number }): string {
  const params: [string, string][] = [['includefield', StudyTag.PatientID]];
  if (page.since) params.push(['StudyDate', `${page.since.replace(/-/g, '')}-`]);
  params.push(['limit', String(page.limit)]);
  if (page.offset) params.push(['offset', String(page.offset)]);
  return `${base.replace(/\/+$/, '')}/studies?${params.map(([key, value]) => `${key}=${encodeURIComponent(value)}`).join('&')}`;
}

/** A QIDO-RS answer: 204 or an empty body is no study; otherwise an array of datasets (PS3.18 §F.2). */
function datasetsOf(body: unknown): DicomJsonDataset[] {
  if (body === undefined) return [];
  if (!Array.isArray(body)) throw new SourceError('malformed', 'study search answer is not a JSON array');
  if (!body.every(isDicomJsonDataset)) throw new SourceError('malformed', 'study search answer holds a non-object');
  return body;
}

/**
 * A Patient ID usable to find the person's studies again (adapters/dicomweb/qido.ts sends it as
 * is): LO, at most 64 characters, no `\` (PS3.5 §6.2), no wildcard (PS3.4 §C.2.2.2.4). For a `nam`
 * source it must be a NAM as written: Patient ID matching is exact (PS3.4 §C.2.2.2.1).
 */
function entryOf(patientId: string | undefined, source: SourceConfig): RosterEntry | undefined {
  if (!patientId || patientId.length > 64 || /[*?\\]/.test(patientId)) return undefined;
  if (source.patientId === 'local') return { localId: patientId };
  return isValidNam(patientId) ? { nam: patientId } : undefined;
}

/** One page of studies as roster entries, each person once; studies without a usable Patient ID counted. */
export function rosterEntriesOfStudies(datasets: readonly DicomJsonDataset[], source: SourceConfig): { entries: RosterEntry[]; skipped: number } {
  const entries = new Map<string, RosterEntry>();
  let skipped = 0;
  for (const dataset of datasets) {
    const patientId = firstString(dataset, StudyTag.PatientID);
    const entry = entryOf(patientId, source);
    if (entry) entries.set(patientId!, entry);
    else skipped++;
  }
  return { entries: [...entries.values()], skipped };
}

/** A cursor is a calendar date, YYYY-MM-DD; anything else starts a full read, which is always safe. */
const dateOfCursor = (cursor: string | undefined) =>
  cursor && /^\d{4}-\d{2}-\d{2}$/.test(cursor) && DateTime.fromISO(cursor).isValid ? cursor : undefined;

/**
 * Who a DICOMweb archive holds: the patients of its studies, found by a QIDO-RS study search
 * (PS3.18 §10.6) walked with limit and offset. A page shorter than the limit ends the walk; a full
 * page with no study the page before did not have means the server ignores offset, and fails the
 * read (only keeping the last page's UIDs: an archive's every UID would not fit in memory). The
 * cursor is the day the read began in the source's time zone, by the server's clock when it sends
 * a Date header: StudyDate is a local date (PS3.5 §6.2), and that day is read again next time.
 */
export function createDicomwebRoster(source: SourceConfig, overrides: Partial<QidoRosterOptions> = {}): RosterSource {
  if (source.protocol !== 'dicomweb' || !source.url) throw new Error(`source ${source.id} is not a DICOMweb source with a base URL`);
  const base = source.url;
  const options = { ...QIDO_ROSTER_DEFAULTS, ...overrides };
  return {
    source,
    async read(request: RosterRequest) {
      const since = dateOfCursor(request.cursor);
      const startedAt = options.now();
      let cursor: string | undefined;
      let people = 0;
      let skipped = 0;
      let previous = new Set<string>();
      let offset = 0;
      for (let page = 1; ; page++) {
        const url = rosterSearchUrl(base, { since, limit: options.pageSize, offset });
        const answer = await fetchJsonAnswer({ url, accept: DICOM_JSON, signal: request.signal, timeoutMs: request.requestTimeoutMs, sourceId: source.id, connections: options.connections });
        cursor ??= serverStartOf({ date: answer.date }, startedAt, options.clockMarginMs).minus({ milliseconds: options.overlapMs }).setZone(source.timeZone).toISODate()!;
        const datasets = datasetsOf(answer.body);
        const read = rosterEntriesOfStudies(datasets, source);
        skipped += read.skipped;
        people += read.entries.length;
        if (read.entries.length) await request.onPage(read.entries);
        if (datasets.length < options.pageSize) {
          if (skipped) options.logger?.warn({ source: source.id, skipped }, 'roster read skipped studies without a usable patient id');
          return { cursor, people, pages: page };
        }
        const uids = new Set(datasets.map((dataset) => firstString(dataset, StudyTag.StudyInstanceUID)).filter((uid) => uid !== undefined));
        if (page > 1 && ![...uids].some((uid) => !previous.has(uid))) throw new SourceError('malformed', 'study search brought nothing new on a full page (offset ignored?)');
        if (page >= options.maxPages) throw new SourceError('malformed', `study search did not end within ${options.maxPages} pages`);
        previous = uids;
        offset += datasets.length;
      }
    },
  };
}
