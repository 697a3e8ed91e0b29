import nock from 'nock';
import { patientKeyOf } from '../../../adapters/fhir/patients';
import { MAX_PAGES } from '../../../adapters/fhir/paging';
import { SourceError } from '../../../adapters/port';
import { DEFAULT_NAM_SYSTEM } from '../../../lib/sources';
import { byNam, dispense, fixture, forges, GAGNON, namPatient, plateau, PLATEAU_ORIGIN, query, searchset, sourceOf, TREMBLAY, statesCapabilities } from './support';

// nock patches Node's http module, which a jest worker shares with the next test file: undo it.
afterAll(() => nock.restore());

const medications = (source = plateau) => sourceOf(source, 'medications');
const FHIR_HEADERS = { 'content-type': 'application/fhir+json' };

beforeAll(() => nock.disableNetConnect());
beforeEach(() => [plateau, forges].forEach((source) => statesCapabilities(source)));
afterEach(() => nock.cleanAll());
afterAll(() => nock.enableNetConnect());

describe('one search per resource type for a whole batch of patients', () => {
  test('fifty people cost one search per resource type', async () => {
    const nams = Array.from({ length: 50 }, (_, i) => `TEST${String(500101 + i).padStart(6, '0')}${String(10 + i)}`);
    let form: Record<string, unknown> = {};
    const scope = nock(PLATEAU_ORIGIN, { reqheaders: { accept: 'application/fhir+json', 'content-type': /application\/x-www-form-urlencoded/ } })
      .post('/fhir/MedicationDispense/_search', (body) => {
        form = body;
        return true;
      })
      .once()
      .reply(200, searchset([dispense('d1', 'p17')], undefined, [namPatient('p17', nams[17])]), FHIR_HEADERS);

    const records = await medications().fetch(query(byNam(...nams)));

    expect(scope.isDone()).toBe(true);
    expect(String(form['patient.identifier']).split(',')).toEqual(nams.map((nam) => `${DEFAULT_NAM_SYSTEM}|${nam}`));
    // The Patients say who each dispense is about; a referenced Medication says what was dispensed.
    expect(form._include).toEqual(['MedicationDispense:patient', 'MedicationDispense:medication']);
    expect(form._count).toBe('100');
    expect([...records.keys()]).toEqual([nams[17]]);
  });

  test('a pharmacy that pages its answer through Bundle.link next is read to the last page', async () => {
    const first = nock(PLATEAU_ORIGIN).post('/fhir/MedicationDispense/_search').reply(200, fixture('medication-dispense-page-1.json'), FHIR_HEADERS);
    // The next link is absolute and opaque: it is followed with GET exactly as the server gave it.
    const second = nock(PLATEAU_ORIGIN, { reqheaders: { accept: 'application/fhir+json' } })
      .get('/fhir')
      .query({ _getpages: '7c2b3e0a-5f1d-4b8e-9a43-2d1f0c6e8b91', _getpagesoffset: '2', _count: '2', _pretty: 'true', _bundletype: 'searchset' })
      .reply(200, fixture('medication-dispense-page-2.json'), FHIR_HEADERS);

    const records = await medications().fetch(query(byNam(TREMBLAY, GAGNON)));

    expect(first.isDone() && second.isDone()).toBe(true);
    expect(records.get(TREMBLAY)?.map((r) => r.id)).toEqual(['pharmacy-mtl-centre/4501', 'pharmacy-mtl-centre/4502']);
    expect(records.get(GAGNON)?.map((r) => r.id)).toEqual(['pharmacy-mtl-centre/4517']);
  });

  test('a dispense repeated on two pages (data shifting under offset paging) counts once', async () => {
    nock(PLATEAU_ORIGIN)
      .post('/fhir/MedicationDispense/_search')
      .reply(200, searchset([dispense('d1', 'p1')], `${PLATEAU_ORIGIN}/fhir?page=2`, [namPatient('p1', TREMBLAY)]), FHIR_HEADERS);
    nock(PLATEAU_ORIGIN)
      .get('/fhir')
      .query({ page: '2' })
      .reply(200, searchset([dispense('d1', 'p1'), dispense('d2', 'p1')], undefined, [namPatient('p1', TREMBLAY)]), FHIR_HEADERS);

    const records = await medications().fetch(query(byNam(TREMBLAY)));

    expect(records.get(TREMBLAY)?.map((r) => r.id)).toEqual(['pharmacy-mtl-centre/d1', 'pharmacy-mtl-centre/d2']);
  });
});

describe('paging that would not end, or would leave the source', () => {
  test(`a server that keeps answering "next" is cut off after ${MAX_PAGES} pages`, async () => {
    let gets = 0;
    nock(PLATEAU_ORIGIN).post('/fhir/MedicationDispense/_search').reply(200, searchset([], `${PLATEAU_ORIGIN}/fhir?offset=1`), FHIR_HEADERS);
    nock(PLATEAU_ORIGIN)
      .get('/fhir')
      .query(true)
      .times(100)
      .reply(200, () => {
        gets += 1;
        return searchset([], `${PLATEAU_ORIGIN}/fhir?offset=${gets + 1}`);
      });

    await expect(medications().fetch(query(byNam(TREMBLAY)))).rejects.toMatchObject({ failure: 'malformed' });
    expect(gets).toBe(MAX_PAGES - 1);
  });

  test('a next link back to a page already read is malformed, not a loop', async () => {
    nock(PLATEAU_ORIGIN).post('/fhir/MedicationDispense/_search').reply(200, searchset([], `${PLATEAU_ORIGIN}/fhir?page=2`), FHIR_HEADERS);
    const again = nock(PLATEAU_ORIGIN).get('/fhir').query({ page: '2' }).once().reply(200, searchset([], `${PLATEAU_ORIGIN}/fhir?page=2`), FHIR_HEADERS);

    await expect(medications().fetch(query(byNam(TREMBLAY)))).rejects.toMatchObject({ failure: 'malformed' });
    expect(again.isDone()).toBe(true);
  });

  test("a next link to another host is not followed (it would carry the search away from the source)", async () => {
    nock(PLATEAU_ORIGIN).post('/fhir/MedicationDispense/_search').reply(200, searchset([], 'https://ailleurs.example/fhir?_getpages=abc'), FHIR_HEADERS);
    const elsewhere = nock('https://ailleurs.example').get('/fhir').query(true).reply(200, searchset([]));

    await expect(medications().fetch(query(byNam(TREMBLAY)))).rejects.toMatchObject({ failure: 'malformed' });
    expect(elsewhere.isDone()).toBe(false);
  });
});

describe('answers that are not a searchset', () => {
  test('a source answering an HTML error page is reported malformed without echoing it', async () => {
    const page = `<html><head><title>Erreur interne</title></head><body>Dossier de ${TREMBLAY} (Tremblay, Michel) indisponible</body></html>`;
    nock(PLATEAU_ORIGIN).post('/fhir/MedicationDispense/_search').reply(200, page, { 'content-type': 'text/html; charset=utf-8' });

    const error = await medications().fetch(query(byNam(TREMBLAY))).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(SourceError);
    expect(error).toMatchObject({ failure: 'malformed' });
    expect((error as Error).message).not.toMatch(/html|Erreur|Tremblay|TREM/i);
  });

  test('an HTTP error is reported by its status alone, never by the OperationOutcome it carries', async () => {
    const outcome = { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'exception', diagnostics: `HAPI-0389: no Patient with identifier ${TREMBLAY}` }] };
    nock(PLATEAU_ORIGIN).post('/fhir/MedicationDispense/_search').reply(500, outcome, FHIR_HEADERS);

    const error = await medications().fetch(query(byNam(TREMBLAY))).catch((e: unknown) => e);

    expect(error).toMatchObject({ failure: 'http-status', message: 'http-status: HTTP 500' });
  });

  test.each([
    ['an OperationOutcome answered with 200', { resourceType: 'OperationOutcome', issue: [] }],
    ['a Bundle of another type', { resourceType: 'Bundle', type: 'collection', entry: [] }],
    ['a searchset whose entry is not a list', { resourceType: 'Bundle', type: 'searchset', entry: { resource: {} } }],
    ['a searchset with an entry that is not an object', { resourceType: 'Bundle', type: 'searchset', entry: [42] }],
    ['a searchset with a resource that is not a resource', { resourceType: 'Bundle', type: 'searchset', entry: [{ resource: 'MedicationDispense/1' }] }],
    ['an empty body', ''],
  ])('%s is malformed, not "no records"', async (_, body) => {
    nock(PLATEAU_ORIGIN).post('/fhir/MedicationDispense/_search').reply(200, body as object, FHIR_HEADERS);

    await expect(medications().fetch(query(byNam(TREMBLAY)))).rejects.toMatchObject({ name: 'SourceError', failure: 'malformed' });
  });
});

describe('from resources back to NAMs', () => {
  const answer = (resources: object[], included: object[]) =>
    nock(PLATEAU_ORIGIN).post('/fhir/MedicationDispense/_search').reply(200, searchset(resources, undefined, included), FHIR_HEADERS);

  test('an answer that also holds people nobody asked about (the server ignored the chained search) makes the source unavailable, not a shorter list', async () => {
    answer([dispense('d1', 'p1'), dispense('d2', 'p2')], [namPatient('p1', TREMBLAY), namPatient('p2', GAGNON)]);

    const error = await medications().fetch(query(byNam(TREMBLAY))).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(SourceError);
    expect(error).toMatchObject({ failure: 'unattributable' });
    expect((error as Error).message).not.toMatch(/TREM|GAGN|p1|p2|d1|d2/);
  });

  test('a dispense whose Patient was not included cannot be attributed: the source is unavailable rather than guessed or empty', async () => {
    answer([dispense('d1', 'p9')], [namPatient('p1', TREMBLAY)]);

    await expect(medications().fetch(query(byNam(TREMBLAY)))).rejects.toMatchObject({ failure: 'unattributable' });
  });

  test("a NAM typed in lower case with the card's spaces still matches the NAM asked", async () => {
    answer([dispense('d1', 'p1')], [namPatient('p1', 'trem 6203 1512')]);

    expect([...(await medications().fetch(query(byNam(TREMBLAY)))).keys()]).toEqual([TREMBLAY]);
  });

  test('an identifier of another system is not taken for a NAM, even with the same value', async () => {
    answer([dispense('d1', 'p1')], [{ resourceType: 'Patient', id: 'p1', identifier: [{ system: 'https://pharmacie-plateau.example/dossier', value: TREMBLAY }] }]);

    await expect(medications().fetch(query(byNam(TREMBLAY)))).rejects.toMatchObject({ failure: 'unattributable' });
  });

  test('a reference by identifier names the person without an included Patient', async () => {
    answer([{ ...dispense('d1', 'x'), subject: { identifier: { system: DEFAULT_NAM_SYSTEM, value: GAGNON } } }], []);

    expect([...(await medications().fetch(query(byNam(GAGNON)))).keys()]).toEqual([GAGNON]);
  });

  test('patient references resolve whether relative, absolute or versioned, and nothing else does', () => {
    expect(patientKeyOf('Patient/1203')).toBe('Patient/1203');
    expect(patientKeyOf('https://fhir.pharmacie-plateau.example/fhir/Patient/1203')).toBe('Patient/1203');
    expect(patientKeyOf('Patient/1203/_history/3')).toBe('Patient/1203');
    expect(patientKeyOf('Group/1203')).toBeUndefined();
    expect(patientKeyOf('#p1')).toBeUndefined();
    expect(patientKeyOf(undefined)).toBeUndefined();
  });
});

describe('a pharmacy that files people under its own ids', () => {
  test('is asked by Patient id, and its answers come back under the NAMs of the cross-reference', async () => {
    let form: Record<string, unknown> = {};
    nock('https://fhir.pharmaciedesforges.example')
      .post('/r4/MedicationDispense/_search', (body) => {
        form = body;
        return true;
      })
      .reply(200, searchset([dispense('70001', 'TR-4028'), { ...dispense('70002', 'x'), subject: { reference: 'Patient/TR-4063' } }]), FHIR_HEADERS);
    const patients = [{ nam: TREMBLAY, localId: 'TR-4028' }, { nam: GAGNON, localId: 'TR-4063' }, { nam: 'ROYM45112810' }];

    const records = await medications(forges).fetch(query(patients));

    expect(form.patient).toBe('TR-4028,TR-4063');
    expect(form).not.toHaveProperty(['patient.identifier']);
    expect([form._include].flat()).not.toContain('MedicationDispense:patient');
    expect(records.get(TREMBLAY)?.map((r) => r.id)).toEqual(['pharmacy-trois-rivieres/70001']);
    expect(records.get(GAGNON)?.map((r) => r.id)).toEqual(['pharmacy-trois-rivieres/70002']);
    expect(records.get(TREMBLAY)?.[0].pharmacy).toEqual({ id: 'pharmacy-trois-rivieres', name: 'Pharmacie des Forges', region: 'Mauricie', area: 'Trois-Rivières' });
  });

  test('costs no request when nobody asked has a local id there', async () => {
    // No interceptor: with the network disabled, any request would fail the fetch.
    await expect(medications(forges).fetch(query(byNam(TREMBLAY, GAGNON)))).resolves.toEqual(new Map());
  });
});
