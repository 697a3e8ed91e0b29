import { join } from 'node:path';
import { DEFAULT_NAM_SYSTEM, parseSources, readSourcesFile } from '../../lib/sources';

const defaults = { timeZone: 'America/Montreal' };
const pharmacy = { id: 'pharm-1', name: 'Pharmacie A', domain: 'MEDICATIONS', protocol: 'fhir-r4', url: 'http://pharm.example/fhir/', region: 'Montréal', area: 'Centre', patientId: 'nam' };

describe('the sources file', () => {
  test('the demo sources file lists two pharmacies, a clinic, a PACS and a laboratory', () => {
    const sources = readSourcesFile(join(__dirname, '../../demo/sources.json'), defaults);
    expect(sources.filter((s) => s.domain === 'MEDICATIONS')).toHaveLength(2);
    expect(sources.map((s) => s.protocol).sort()).toEqual(['dicomweb', 'fhir-r4', 'fhir-r4', 'fhir-r4', 'hl7v2-mllp']);
  });

  test('a FHIR source without namSystem uses the Canadian baseline system for the Québec health card', () => {
    const [source] = parseSources({ sources: [pharmacy] }, defaults);
    expect(source.namSystem).toBe(DEFAULT_NAM_SYSTEM);
    expect(source.url).toBe('http://pharm.example/fhir');
    expect(source.timeZone).toBe('America/Montreal');
  });

  test('hundreds of sources are accepted', () => {
    const many = Array.from({ length: 428 }, (_, i) => ({ ...pharmacy, id: `pharm-${i}` }));
    expect(parseSources({ sources: many }, defaults)).toHaveLength(428);
  });

  test('the same id twice is refused, naming the entry', () => {
    expect(() => parseSources({ sources: [pharmacy, pharmacy] }, defaults)).toThrow('sources[1].id "pharm-1" is listed twice');
  });

  test('an unknown domain or protocol is refused', () => {
    expect(() => parseSources({ sources: [{ ...pharmacy, domain: 'BILLING' }] }, defaults)).toThrow(/domain must be one of/);
    expect(() => parseSources({ sources: [{ ...pharmacy, protocol: 'soap' }] }, defaults)).toThrow(/protocol must be one of/);
  });

  test('a protocol that cannot serve the domain is refused (a pharmacy over DICOMweb)', () => {
    expect(() => parseSources({ sources: [{ ...pharmacy, protocol: 'dicomweb' }] }, defaults)).toThrow(/cannot serve domain MEDICATIONS/);
  });

  test('an MLLP source needs a port; an HTTP source needs a URL', () => {
    expect(() => parseSources({ sources: [{ ...pharmacy, domain: 'LAB_RESULTS', protocol: 'hl7v2-mllp', url: undefined }] }, defaults)).toThrow(/port must be a TCP port/);
    expect(() => parseSources({ sources: [{ ...pharmacy, url: undefined }] }, defaults)).toThrow(/url must be a non-empty string/);
  });

  test('patientId is nam or local', () => {
    expect(() => parseSources({ sources: [{ ...pharmacy, patientId: 'mrn' }] }, defaults)).toThrow(/patientId must be/);
  });
});
