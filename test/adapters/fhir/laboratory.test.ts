import type { DiagnosticReport, Observation } from '@medplum/fhirtypes';
import nock from 'nock';
import { toLabResultRecords } from '../../../adapters/fhir/diagnostic-report';
import { mappingContext, MappingProblems } from '../../../adapters/fhir/mapping';
import { parseSources } from '../../../lib/sources';
import { byNam, fixtureText, plateau, query, ROY, sourceOf, statesCapabilities } from './support';

// nock patches Node's http module, which a jest worker shares with the next test file: undo it.
afterAll(() => nock.restore());

const FHIR_HEADERS = { 'content-type': 'application/fhir+json' };
const LAB_ORIGIN = 'https://fhir.labo-sacrecoeur.example';

/** A hospital laboratory that serves its results over FHIR R4, as the sources file gives it. */
const sacreCoeur = { ...plateau, id: 'lab-mtl-north', name: 'Laboratoire Sacré-Cœur', domain: 'LAB_RESULTS' as const, url: `${LAB_ORIGIN}/fhir`, area: 'North' };
const laboratory = { id: 'lab-mtl-north', name: 'Laboratoire Sacré-Cœur', region: 'Montréal', area: 'North' };

beforeAll(() => nock.disableNetConnect());
beforeEach(() => statesCapabilities(sacreCoeur));
afterEach(() => nock.cleanAll());
afterAll(() => nock.enableNetConnect());

/** The laboratory answers the DiagnosticReport search with the fixture (as HAPI FHIR writes it, decimals included). */
async function readResults() {
  let form: Record<string, unknown> = {};
  nock(LAB_ORIGIN)
    .post('/fhir/DiagnosticReport/_search', (body) => ((form = body), true))
    .reply(200, fixtureText('diagnostic-report-searchset.json'), FHIR_HEADERS);
  const records = await sourceOf(sacreCoeur, 'labResults').fetch(query(byNam(ROY)));
  return { form, results: records.get(ROY) ?? [] };
}

describe('a laboratory that serves its results over FHIR R4', () => {
  test('is a LAB_RESULTS source the sources file accepts over fhir-r4', () => {
    const [source] = parseSources({ sources: [{ id: 'lab-mtl-north', name: 'Laboratoire Sacré-Cœur', domain: 'LAB_RESULTS', protocol: 'fhir-r4', url: `${LAB_ORIGIN}/fhir` }] }, { timeZone: 'America/Montreal' });
    expect(source).toMatchObject({ domain: 'LAB_RESULTS', protocol: 'fhir-r4' });
  });

  test('is searched for DiagnosticReports with their results included', async () => {
    const { form } = await readResults();

    expect(form._include).toEqual(['DiagnosticReport:patient', 'DiagnosticReport:result']);
  });

  test('one report gives one lab result per Observation it included, each with its LOINC code, value, unit, range, flag, status and time', async () => {
    const { results } = await readResults();

    expect(results).toEqual([
      { id: 'lab-mtl-north/81231', code: '2823-3', display: 'Potassium [Moles/volume] in Serum or Plasma', value: '5.0', unit: 'mmol/L', referenceRange: '3.5-5.0', abnormalFlag: 'N', status: 'F', observedAt: '2025-05-28T08:05:00-04:00', laboratory },
      { id: 'lab-mtl-north/81232', code: '2951-2', display: 'Sodium [Moles/volume] in Serum or Plasma', value: '131', unit: 'mmol/L', referenceRange: '135-145 mmol/L', abnormalFlag: 'L', status: 'C', observedAt: '2025-05-28T08:05:00-04:00', laboratory },
      // No effective time of its own: the report's collection time.
      { id: 'lab-mtl-north/81233', code: '2075-0', display: 'Chloride [Moles/volume] in Serum or Plasma', value: '98', unit: 'mmol/L', referenceRange: undefined, abnormalFlag: undefined, status: 'F', observedAt: '2025-05-28T08:05:00-04:00', laboratory },
    ]);
  });

  test('a potassium sent as 5.0 mmol/L is shown as 5.0, not 5: the decimal keeps the precision the laboratory gave', async () => {
    const { results } = await readResults();

    expect(results.find((r) => r.code === '2823-3')).toMatchObject({ value: '5.0', referenceRange: '3.5-5.0' });
  });
});

describe('what a report holds, result by result', () => {
  const report = (result: DiagnosticReport['result'], changes: Partial<DiagnosticReport> = {}): DiagnosticReport => ({
    resourceType: 'DiagnosticReport',
    id: 'r1',
    status: 'final',
    code: { coding: [{ system: 'http://loinc.org', code: '58410-2' }] },
    subject: { reference: 'Patient/p1' },
    effectiveDateTime: '2025-03-03T07:40:00-05:00',
    result,
    ...changes,
  });
  const hemoglobin = (changes: Partial<Observation> = {}): Observation => ({
    resourceType: 'Observation',
    id: 'o1',
    status: 'final',
    code: { coding: [{ system: 'http://loinc.org', code: '718-7', display: 'Hemoglobin [Mass/volume] in Blood' }] },
    subject: { reference: 'Patient/p1' },
    valueQuantity: { value: 128, unit: 'g/L' },
    ...changes,
  });
  const map = (resource: DiagnosticReport, included: Observation[] = []) => {
    const problems = new MappingProblems();
    return { records: toLabResultRecords(resource, mappingContext(sacreCoeur, included, problems)), problems: problems.list() };
  };

  test('a result contained in the report is read from it', () => {
    const { records } = map(report([{ reference: '#hb' }], { contained: [hemoglobin({ id: 'hb' })] }));

    expect(records).toMatchObject([{ id: 'lab-mtl-north/r1/hb', code: '718-7', value: '128', unit: 'g/L' }]);
  });

  test('a panel Observation stands for its members', () => {
    const panel = hemoglobin({ id: 'cbc', code: { coding: [{ system: 'http://loinc.org', code: '58410-2' }] }, valueQuantity: undefined, hasMember: [{ reference: 'Observation/o1' }, { reference: 'Observation/o2' }] });
    const { records } = map(report([{ reference: 'Observation/cbc' }]), [panel, hemoglobin(), hemoglobin({ id: 'o2', code: { coding: [{ system: 'http://loinc.org', code: '777-3' }] }, valueQuantity: { value: 210, unit: '10*9/L' } })]);

    expect(records.map((r) => r.code)).toEqual(['718-7', '777-3']);
  });

  test('a result that names another patient than its report is left out and reported, never shown as this person’s', () => {
    const { records, problems } = map(report([{ reference: 'Observation/o1' }]), [hemoglobin({ subject: { reference: 'Patient/p2' } })]);

    expect(records).toEqual([]);
    expect(problems).toEqual([{ path: 'DiagnosticReport.result', issue: 'observation of another patient than the report', records: 1 }]);
  });

  test('a result the answer did not carry is reported, and the report’s other results still come through', () => {
    const { records, problems } = map(report([{ reference: 'Observation/o1' }, { reference: 'Observation/gone' }]), [hemoglobin()]);

    expect(records.map((r) => r.id)).toEqual(['lab-mtl-north/o1']);
    expect(problems).toEqual([{ path: 'DiagnosticReport.result', issue: 'observation not resolvable', records: 1 }]);
  });

  test('a result with no code is a mapping problem of that result', () => {
    const { records, problems } = map(report([{ reference: 'Observation/o1' }]), [hemoglobin({ code: { text: 'Hb' } })]);

    expect(records).toEqual([]);
    expect(problems).toEqual([{ path: 'Observation.code', issue: 'no code', records: 1 }]);
  });

  test('a coded or textual answer is shown as its text, and a value below detection keeps its comparator', () => {
    const { records } = map(report([{ reference: 'Observation/o1' }, { reference: 'Observation/o2' }]), [
      hemoglobin({ valueQuantity: undefined, valueCodeableConcept: { coding: [{ system: 'http://snomed.info/sct', code: '260385009', display: 'Negative' }], text: 'Négatif' } }),
      hemoglobin({ id: 'o2', valueQuantity: { value: 0.5, comparator: '<', unit: 'mg/L' } }),
    ]);

    expect(records.map((r) => r.value)).toEqual(['Négatif', '<0.5']);
  });

  test('a report or result entered in error gives no result', () => {
    expect(map(report([{ reference: 'Observation/o1' }], { status: 'entered-in-error' }), [hemoglobin()]).records).toEqual([]);
    expect(map(report([{ reference: 'Observation/o1' }]), [hemoglobin({ status: 'entered-in-error' })]).records).toEqual([]);
  });
});
