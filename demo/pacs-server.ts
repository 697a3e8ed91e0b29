import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DemoPerson } from './people';
import { demoStudies, type DemoStudy } from './pacs-studies';

export { demoStudies, type DemoStudy } from './pacs-studies';

/**
 * The demo PACS: a QIDO-RS "Search for Studies" endpoint (DICOM PS3.18 §10.6) on node:http, the
 * way Orthanc's DICOMweb plugin answers it: `GET {base}/studies`, DICOM JSON (PS3.18 Annex F),
 * `[]` when nothing matches. It is deliberately strict about its query (400 for what it does not
 * understand), so a client that misspells a key finds out here rather than against a hospital.
 * Its tags are spelled out here, not borrowed from the adapter, so the two can catch each other.
 */
export interface DemoPacs {
  /** The DICOMweb base URL, ending in /dicom-web. */
  url: string;
  /**
   * Stores one more study, as if a modality had just sent it (a STOW-RS or C-STORE would):
   * searches find it from then on. For tests and demos; over HTTP the PACS only answers searches.
   */
  add(study: DemoStudy): void;
  close(): Promise<void>;
}

/** Matching keys this PACS supports (a subset of the study-level keys of PS3.18 §10.6), by keyword or tag. */
const MATCHING_KEYS: Record<string, string> = { PatientID: '00100020', StudyDate: '00080020' };
/** Attributes returned only when asked with includefield (PS3.18 §8.3.4.3), as Orthanc does. */
const ON_REQUEST: Record<string, string> = {
  StudyDescription: '00081030',
  NumberOfStudyRelatedSeries: '00201206',
  NumberOfStudyRelatedInstances: '00201208',
};

interface StudyQuery {
  patientId?: string;
  studyDate?: { from?: string; to?: string };
  include: Set<string>;
  limit?: number;
  offset: number;
}

class BadQuery extends Error {}

const tagOf = (key: string, keywords: Record<string, string>) =>
  keywords[key] ?? (/^[0-9a-f]{8}$/i.test(key) ? key.toUpperCase() : undefined);

function isRealDate(da: string): boolean {
  const [year, month, day] = [da.slice(0, 4), da.slice(4, 6), da.slice(6)].map(Number);
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/** DA range matching (PS3.4 §C.2.2.2.5): "a", "a-b", "a-" or "-b", dates as YYYYMMDD. */
function parseDateRange(value: string): StudyQuery['studyDate'] {
  const match = /^(\d{8})?(-)?(\d{8})?$/.exec(value);
  if (!match || (!match[1] && !match[3])) throw new BadQuery('StudyDate must be a date or a date range');
  for (const date of [match[1], match[3]]) {
    if (date && !isRealDate(date)) throw new BadQuery('StudyDate holds an impossible date');
  }
  return match[2] ? { from: match[1], to: match[3] } : { from: match[1], to: match[1] };
}

function parseCount(values: string[], name: string, min: number): number {
  if (values.length !== 1 || !/^\d+$/.test(values[0]) || Number(values[0]) < min) {
    throw new BadQuery(`${name} must be given once, as an integer of at least ${min}`);
  }
  return Number(values[0]);
}

function parseQuery(params: URLSearchParams): StudyQuery {
  const query: StudyQuery = { include: new Set(), offset: 0 };
  for (const key of new Set(params.keys())) {
    const values = params.getAll(key);
    if (key === 'includefield') {
      for (const field of values.flatMap((v) => v.split(','))) {
        if (field === 'all') Object.values(ON_REQUEST).forEach((tag) => query.include.add(tag));
        else {
          const tag = tagOf(field, ON_REQUEST);
          if (!tag) throw new BadQuery('includefield must name attributes by tag or keyword');
          query.include.add(tag);
        }
      }
    } else if (key === 'limit') query.limit = parseCount(values, 'limit', 1);
    else if (key === 'offset') query.offset = parseCount(values, 'offset', 0);
    else if (key === 'fuzzymatching') {
      if (values.some((v) => v !== 'true' && v !== 'false')) throw new BadQuery('fuzzymatching must be true or false');
    } else {
      const tag = tagOf(key, MATCHING_KEYS);
      if (tag !== '00100020' && tag !== '00080020') throw new BadQuery('unsupported query parameter');
      if (values.length !== 1) throw new BadQuery('a matching key may be given once');
      if (tag === '00100020') query.patientId = values[0];
      else query.studyDate = values[0] === '' ? undefined : parseDateRange(values[0]);
    }
  }
  return query;
}

/**
 * Patient ID matching: empty is universal (PS3.4 §C.2.2.2.3), `*` and `?` are wildcards
 * (§C.2.2.2.4), anything else is single value matching, exact and case-sensitive (§C.2.2.2.1).
 */
function patientIdMatches(pattern: string | undefined, value: string): boolean {
  if (!pattern) return true;
  if (!/[*?]/.test(pattern)) return pattern === value;
  const regex = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${regex}$`, 's').test(value);
}

const matches = (study: DemoStudy, query: StudyQuery) =>
  patientIdMatches(query.patientId, study.person.nam) &&
  (!query.studyDate?.from || study.studyDate >= query.studyDate.from) &&
  (!query.studyDate?.to || study.studyDate <= query.studyDate.to);

/** One study in the DICOM JSON model (PS3.18 §F.2): keys are tags, in ascending order. */
function studyJson(study: DemoStudy, base: string, include: Set<string>): Record<string, unknown> {
  const element = (vr: string, ...Value: unknown[]) => ({ vr, Value });
  const { person } = study;
  const all: Record<string, unknown> = {
    '00080005': element('CS', 'ISO_IR 192'),
    '00080020': element('DA', study.studyDate),
    '00080030': element('TM', study.studyTime),
    '00080050': element('SH', study.accessionNumber),
    '00080061': element('CS', ...study.modalities),
    '00081030': element('LO', study.description),
    '00081190': element('UR', `${base}/studies/${study.studyInstanceUid}`),
    '00100010': element('PN', { Alphabetic: `${person.familyName}^${person.givenName}` }),
    '00100020': element('LO', person.nam),
    '00100030': element('DA', person.birthDate.replace(/-/g, '')),
    '00100040': element('CS', person.sex),
    '0020000D': element('UI', study.studyInstanceUid),
    '00201206': element('IS', study.seriesCount),
    '00201208': element('IS', study.instanceCount),
  };
  const onRequest = new Set(Object.values(ON_REQUEST));
  return Object.fromEntries(Object.entries(all).filter(([tag]) => !onRequest.has(tag) || include.has(tag)));
}

function send(res: ServerResponse, status: number, body: unknown, type = 'application/json', head = false): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(text) });
  res.end(head ? undefined : text);
}

/** This PACS only answers in DICOM JSON, QIDO-RS's default media type (PS3.18 §10.6); JSON and anything also do. */
const acceptsDicomJson = (accept: string | undefined) =>
  !accept || /(^|,)\s*(application\/(dicom\+)?json|application\/\*|\*\/\*)\s*(;|,|$)/i.test(accept);

function handle(req: IncomingMessage, res: ServerResponse, studies: readonly DemoStudy[], base: string): void {
  const url = new URL(req.url ?? '/', 'http://pacs.invalid');
  if (url.pathname.replace(/\/+$/, '') !== '/dicom-web/studies') return send(res, 404, { error: 'not found' });
  const head = req.method === 'HEAD';
  if (req.method !== 'GET' && !head) {
    res.setHeader('allow', 'GET, HEAD');
    return send(res, 405, { error: 'method not allowed' });
  }
  if (!acceptsDicomJson(req.headers.accept)) return send(res, 406, { error: 'only application/dicom+json is offered' });
  let query: StudyQuery;
  try {
    query = parseQuery(url.searchParams);
  } catch (error) {
    if (error instanceof BadQuery) return send(res, 400, { error: error.message });
    throw error;
  }
  const found = studies.filter((study) => matches(study, query));
  const page = found.slice(query.offset, query.limit === undefined ? undefined : query.offset + query.limit);
  send(res, 200, page.map((study) => studyJson(study, base, query.include)), 'application/dicom+json', head);
}

/** Starts the demo PACS; port 0 picks a free port. Nothing is logged: requests name patients. */
export async function startDemoPacs(options: { port: number; host?: string; people: DemoPerson[] }): Promise<DemoPacs> {
  const host = options.host ?? '127.0.0.1';
  const studies = [...demoStudies(options.people)];
  let base = '';
  const server = createServer((req, res) => {
    try {
      handle(req, res, studies, base);
    } catch {
      if (!res.headersSent) send(res, 500, { error: 'internal error' });
      else res.destroy();
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const shown = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  base = `http://${shown}:${port}/dicom-web`;
  return {
    url: base,
    add: (study) => {
      studies.push(study);
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // fetch keeps connections alive; without this, close() would wait for them to time out.
        server.closeAllConnections();
      }),
  };
}
