import nock from 'nock';
import { createFhirSources } from '../../../adapters/fhir';
import { byNam, dispense, hochelaga, HOCHELAGA_ORIGIN, namPatient, plateau, PLATEAU_ORIGIN, query, searchset, sourceOf, TREMBLAY, statesCapabilities } from './support';

// nock patches Node's http module, which a jest worker shares with the next test file: undo it.
afterAll(() => nock.restore());

const FHIR_HEADERS = { 'content-type': 'application/fhir+json' };

beforeAll(() => nock.disableNetConnect());
beforeEach(() => [plateau, hochelaga].forEach((source) => statesCapabilities(source)));
afterEach(() => nock.cleanAll());
afterAll(() => nock.enableNetConnect());

describe('createFhirSources', () => {
  test('a pharmacy is one source of medications; a clinic is four sources of clinical records', () => {
    expect(createFhirSources(plateau).map((s) => s.kind)).toEqual(['medications']);
    expect(createFhirSources(hochelaga).map((s) => s.kind)).toEqual(['encounters', 'conditions', 'allergies', 'immunizations']);
    expect(createFhirSources(hochelaga).every((s) => s.source.id === 'clinic-mtl-east')).toBe(true);
  });

  test('each clinical kind searches its own resource type, on the base URL even when configured with a trailing slash', async () => {
    const asked: string[] = [];
    nock(HOCHELAGA_ORIGIN)
      .post(/\/fhir\/\w+\/_search$/)
      .times(4)
      .reply(200, function () {
        asked.push(this.req.path);
        return searchset([]);
      });

    for (const source of createFhirSources({ ...hochelaga, url: `${hochelaga.url}/` })) await source.fetch(query(byNam(TREMBLAY)));

    expect(asked).toEqual(['/fhir/Encounter/_search', '/fhir/Condition/_search', '/fhir/AllergyIntolerance/_search', '/fhir/Immunization/_search']);
  });

  test('a source of a domain FHIR does not serve here, or without a URL, is refused at start', () => {
    expect(() => createFhirSources({ ...plateau, domain: 'IMAGING' })).toThrow(/MEDICATIONS, LAB_RESULTS and CLINICAL/);
    expect(() => createFhirSources({ ...plateau, url: undefined })).toThrow(/url/);
  });
});

describe('since', () => {
  test('is sent as whenhandedover=ge<date> and applied again to what a server that ignores it returns', async () => {
    let form: Record<string, unknown> = {};
    nock(PLATEAU_ORIGIN)
      .post('/fhir/MedicationDispense/_search', (body) => {
        form = body;
        return true;
      })
      .reply(
        200,
        searchset(
          [
            dispense('old', 'p1', '2023-12-31T23:30:00-05:00'),
            // Sent without an offset: 00:30 on January 1st, Montréal time, is on that day.
            dispense('new-year', 'p1', '2024-01-01T00:30:00'),
            // January 1st in UTC but 23:30 on December 31st in Montréal: before.
            dispense('utc-trap', 'p1', '2024-01-01T04:30:00Z'),
            dispense('recent', 'p1', '2025-06-01T10:00:00-04:00'),
          ],
          undefined,
          [namPatient('p1', TREMBLAY)],
        ),
        FHIR_HEADERS,
      );

    const records = await sourceOf(plateau, 'medications').fetch(query(byNam(TREMBLAY), '2024-01-01'));

    expect(form.whenhandedover).toBe('ge2024-01-01');
    expect(records.get(TREMBLAY)?.map((r) => r.id)).toEqual(['pharmacy-mtl-centre/new-year', 'pharmacy-mtl-centre/recent']);
  });

  test('is sent to encounters as date=ge<date> and filters on the start', async () => {
    let form: Record<string, unknown> = {};
    nock(HOCHELAGA_ORIGIN)
      .post('/fhir/Encounter/_search', (body) => {
        form = body;
        return true;
      })
      .reply(
        200,
        searchset(
          [
            { resourceType: 'Encounter', id: 'e1', status: 'finished', subject: { reference: 'Patient/p1' }, period: { start: '2023-05-01T10:00:00-04:00' } },
            { resourceType: 'Encounter', id: 'e2', status: 'finished', subject: { reference: 'Patient/p1' }, period: { start: '2024-05-01T10:00:00-04:00' } },
            { resourceType: 'Encounter', id: 'e3', status: 'planned', subject: { reference: 'Patient/p1' } },
          ],
          undefined,
          [namPatient('p1', TREMBLAY)],
        ),
        FHIR_HEADERS,
      );

    const records = await sourceOf(hochelaga, 'encounters').fetch(query(byNam(TREMBLAY), '2024-01-01'));

    expect(form.date).toBe('ge2024-01-01');
    expect(records.get(TREMBLAY)?.map((r) => r.id)).toEqual(['clinic-mtl-east/e2']);
  });

  test('does not narrow conditions, allergies or immunizations (a 2015 allergy is still an allergy)', async () => {
    let form: Record<string, unknown> = {};
    nock(HOCHELAGA_ORIGIN)
      .post('/fhir/AllergyIntolerance/_search', (body) => {
        form = body;
        return true;
      })
      .reply(200, searchset([{ resourceType: 'AllergyIntolerance', id: 'a1', patient: { reference: 'Patient/p1' }, code: { text: 'Pénicilline' }, recordedDate: '2015-03-02' }], undefined, [namPatient('p1', TREMBLAY)]), FHIR_HEADERS);

    const records = await sourceOf(hochelaga, 'allergies').fetch(query(byNam(TREMBLAY), '2024-01-01'));

    expect(Object.keys(form).sort()).toEqual(['_count', '_include', 'patient.identifier']);
    expect(records.get(TREMBLAY)).toHaveLength(1);
  });
});
