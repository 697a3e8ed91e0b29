import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_NAM_SYSTEM, type SourceConfig } from '../../../lib/sources';
import { recordingServer } from '../../support/recording-server';

/**
 * A pharmacy (FHIR R4) and a PACS (QIDO-RS) whose next answer the corpus spec chooses: every
 * FHIR request (the search and any page) gets the FHIR answer of the moment, every study search
 * the DICOM JSON one. `{{BASE}}` in an answer is the pharmacy's FHIR base, for next links that
 * must point back at it. Between cases both answer as a healthy source with nothing to say.
 */
export interface ScriptedSources {
  /** The two sources as the stack's sources file lists them: asked on every view (no roster), never cached. */
  configs(template: SourceConfig): SourceConfig[];
  answerFhir(body: Buffer, contentType?: string): void;
  answerDicom(body: Buffer): void;
  reset(): void;
  close(): Promise<void>;
}

export const PHARMACY_ID = 'corpus-pharmacy';
export const PACS_ID = 'corpus-pacs';

const EMPTY_SEARCHSET = Buffer.from(JSON.stringify({ resourceType: 'Bundle', type: 'searchset', total: 0, entry: [] }));
/** The pharmacy states what HAPI FHIR does (chained search, `_include`): the corpus is about its answers, not its statement. */
const CORPUS_NAM = 'TREM75561212';
const CORPUS_PATIENTS = {
  resourceType: 'Bundle',
  type: 'searchset',
  entry: [{ resource: { resourceType: 'Patient', id: 'p-1', identifier: [{ system: DEFAULT_NAM_SYSTEM, value: CORPUS_NAM }] }, search: { mode: 'match' } }],
};
const CAPABILITY_STATEMENT = readFileSync(join(__dirname, '..', '..', 'fixtures', 'fhir', 'capability-statement-hapi.json'));
const NO_STUDY = Buffer.from('[]');

export async function scriptedSources(): Promise<ScriptedSources> {
  let fhir: { body: Buffer; type: string } = { body: EMPTY_SEARCHSET, type: 'application/fhir+json' };
  let dicom: Buffer = NO_STUDY;
  const server = await recordingServer((request, response, origin) => {
    const path = request.url.pathname;
    if (path === '/fhir/metadata') {
      response.writeHead(200, { 'content-type': 'application/fhir+json' });
      return void response.end(CAPABILITY_STATEMENT);
    }
    if (path === '/fhir/Patient/_search') {
      // The first of the two steps (a server found to ignore the chained search is asked so): the corpus person is filed as p-1, nobody else is on file.
      const asked = new URLSearchParams(request.body).get('identifier') ?? '';
      response.writeHead(200, { 'content-type': 'application/fhir+json' });
      return void response.end(asked.includes(CORPUS_NAM) ? JSON.stringify(CORPUS_PATIENTS) : EMPTY_SEARCHSET);
    }
    if (path.startsWith('/fhir/')) {
      response.writeHead(200, { 'content-type': fhir.type });
      return void response.end(Buffer.from(fhir.body.toString('utf8').replaceAll('{{BASE}}', `${origin}/fhir`), 'utf8'));
    }
    if (path === '/dicom-web/studies') {
      response.writeHead(200, { 'content-type': 'application/dicom+json' });
      return void response.end(dicom);
    }
    response.writeHead(404).end();
  });
  return {
    configs: (template) => [
      { ...template, id: PHARMACY_ID, name: 'Pharmacie du corpus', domain: 'MEDICATIONS', protocol: 'fhir-r4', url: `${server.url}/fhir`, patientId: 'nam', rosterIntervalMs: 0, cacheTtlMs: 0 },
      { ...template, id: PACS_ID, name: 'Imagerie du corpus', domain: 'IMAGING', protocol: 'dicomweb', url: `${server.url}/dicom-web`, patientId: 'nam', rosterIntervalMs: 0, cacheTtlMs: 0 },
    ],
    answerFhir: (body, type = 'application/fhir+json') => void (fhir = { body, type }),
    answerDicom: (body) => void (dicom = body),
    reset() {
      fhir = { body: EMPTY_SEARCHSET, type: 'application/fhir+json' };
      dicom = NO_STUDY;
    },
    close: () => server.close(),
  };
}
