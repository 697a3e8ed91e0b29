import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { listen } from './listen';
import type { DemoPerson } from './people';
import { demoStudies, type DemoStudy } from './pacs-studies';
import { acceptsDicomJson } from './qido/dicom-json-accept';
import { studyJson } from './qido/study-json';
import { inStudyDateRange, patientIdMatcher } from './qido/study-matching';
import { parseStudyQuery, StudyQueryError, type StudyQuery } from './qido/study-query';

export { demoStudies, type DemoStudy } from './pacs-studies';

/**
 * The demo PACS: a QIDO-RS "Search for Studies" endpoint (DICOM PS3.18 §10.6) on node:http, the
 * way Orthanc's DICOMweb plugin answers it: `GET {base}/studies`, DICOM JSON (PS3.18 Annex F),
 * `[]` when nothing matches. It is deliberately strict about its query (400 for what it does not
 * understand), so a client that misspells a key finds out here rather than against a hospital.
 * Its query reading and DICOM JSON live in demo/qido (the bench's imaging centres answer with the
 * same); its tags are spelled out there, not borrowed from the adapter, so the two can catch each
 * other.
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

function send(res: ServerResponse, status: number, body: unknown, type = 'application/json', head = false): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(text) });
  res.end(head ? undefined : text);
}

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
    query = parseStudyQuery(url.searchParams);
  } catch (error) {
    if (error instanceof StudyQueryError) return send(res, 400, { error: error.message });
    throw error;
  }
  const patientIdMatches = patientIdMatcher(query.patientId);
  const found = studies.filter((study) => patientIdMatches(study.person.nam) && inStudyDateRange(query.studyDate, study.studyDate));
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
  await listen(server, options.port, host);
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
