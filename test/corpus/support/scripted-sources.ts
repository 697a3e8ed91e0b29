import type { SourceConfig } from '../../../lib/sources';
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
const NO_STUDY = Buffer.from('[]');

export async function scriptedSources(): Promise<ScriptedSources> {
  let fhir: { body: Buffer; type: string } = { body: EMPTY_SEARCHSET, type: 'application/fhir+json' };
  let dicom: Buffer = NO_STUDY;
  const server = await recordingServer((request, response, origin) => {
    const path = request.url.pathname;
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
