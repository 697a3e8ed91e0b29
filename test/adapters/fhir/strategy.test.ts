import nock from 'nock';
import { Writable } from 'node:stream';
import { CapabilityCaches, createFhirSources } from '../../../adapters/fhir';
import type { CrossReferenceFeed, CrossReferenceVia } from '../../../adapters/port';
import { createLogger } from '../../../lib/logger';
import { DEFAULT_NAM_SYSTEM } from '../../../lib/sources';
import { byNam, dispense, fixture, GAGNON, namPatient, plateau, PLATEAU_ORIGIN, query, ROY, searchset, sourceOf, TREMBLAY } from './support';

// nock patches Node's http module, which a jest worker shares with the next test file: undo it.
afterAll(() => nock.restore());

const FHIR_HEADERS = { 'content-type': 'application/fhir+json' };

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());
afterAll(() => nock.enableNetConnect());

/** The pharmacy's server states its capabilities with this fixture (read once per test's sources). */
const states = (statement: string | object) =>
  nock(PLATEAU_ORIGIN)
    .get('/fhir/metadata')
    .reply(200, typeof statement === 'string' ? fixture(statement) : statement, FHIR_HEADERS);
const MEDPLUM = 'capability-statement-medplum.json';
const HAPI = 'capability-statement-hapi.json';

/** The cross-reference as the adapter feeds it, in memory. */
function memoryXref(): CrossReferenceFeed & { links: { sourceId: string; localId: string; nam: string; via: CrossReferenceVia }[] } {
  const links: { sourceId: string; localId: string; nam: string; via: CrossReferenceVia }[] = [];
  return { links, linkMany: async (batch, via) => void links.push(...batch.map((link) => ({ ...link, via }))) };
}

/** A logger whose lines the test reads. */
function capturedLogger() {
  const lines: string[] = [];
  return { lines, logger: createLogger('info', new Writable({ write: (chunk, _, done) => (lines.push(String(chunk)), done()) })) };
}

/** Records what each search of a type was asked (its form), and answers it. */
function answers(path: string, reply: (form: Record<string, string>) => object, forms: Record<string, string>[] = []) {
  nock(PLATEAU_ORIGIN)
    .post(path, (body) => (forms.push(body), true))
    .reply(200, () => reply(forms[forms.length - 1]), FHIR_HEADERS);
  return forms;
}

describe('a server that offers no chained search (Medplum as it ships)', () => {
  test('is asked in two steps, and the people it names are kept in the cross-reference', async () => {
    states(MEDPLUM);
    const patientForms = answers('/fhir/Patient/_search', () => searchset([namPatient('p1', TREMBLAY), namPatient('p2', GAGNON)]));
    const dispenseForms = answers('/fhir/MedicationDispense/_search', () => searchset([dispense('d1', 'p1'), dispense('d2', 'p2'), dispense('d3', 'p1')]));
    const xref = memoryXref();

    const records = await sourceOf(plateau, 'medications', { xref }).fetch(query(byNam(TREMBLAY, GAGNON, ROY)));

    expect(patientForms[0].identifier.split(',')).toEqual([TREMBLAY, GAGNON, ROY].map((nam) => `${DEFAULT_NAM_SYSTEM}|${nam}`));
    expect(dispenseForms[0]).toMatchObject({ patient: 'p1,p2', _count: '100' });
    expect(dispenseForms[0]).not.toHaveProperty(['patient.identifier']);
    expect(dispenseForms[0]).not.toHaveProperty('_include');
    expect(Object.fromEntries([...records].map(([nam, list]) => [nam, list.map((r) => r.id)]))).toEqual({
      [TREMBLAY]: ['pharmacy-mtl-centre/d1', 'pharmacy-mtl-centre/d3'],
      [GAGNON]: ['pharmacy-mtl-centre/d2'],
    });
    expect(xref.links).toEqual([
      { sourceId: 'pharmacy-mtl-centre', localId: 'p1', nam: TREMBLAY, via: 'fhir-search' },
      { sourceId: 'pharmacy-mtl-centre', localId: 'p2', nam: GAGNON, via: 'fhir-search' },
    ]);
  });

  test('people the cross-reference already links are asked by their id at once, without a Patient search', async () => {
    states(MEDPLUM);
    const patientSearch = nock(PLATEAU_ORIGIN).post('/fhir/Patient/_search').reply(200, searchset([]), FHIR_HEADERS);
    const forms = answers('/fhir/MedicationDispense/_search', () => searchset([dispense('d1', 'p1')]));

    const records = await sourceOf(plateau, 'medications').fetch(query([{ nam: TREMBLAY, localId: 'p1' }]));

    expect(patientSearch.isDone()).toBe(false);
    expect(forms[0].patient).toBe('p1');
    expect(records.get(TREMBLAY)?.map((r) => r.id)).toEqual(['pharmacy-mtl-centre/d1']);
  });

  test('nobody on file there is an answer, not a failure: no records and no second search', async () => {
    states(MEDPLUM);
    answers('/fhir/Patient/_search', () => searchset([]));
    const dispenses = nock(PLATEAU_ORIGIN).post('/fhir/MedicationDispense/_search').reply(200, searchset([]), FHIR_HEADERS);

    await expect(sourceOf(plateau, 'medications').fetch(query(byNam(TREMBLAY)))).resolves.toEqual(new Map());
    expect(dispenses.isDone()).toBe(false);
  });

  test('a Patient search answered with people not asked (the identifier ignored) makes the source unavailable', async () => {
    states(MEDPLUM);
    answers('/fhir/Patient/_search', () => searchset([namPatient('p1', TREMBLAY), namPatient('p2', GAGNON)]));

    await expect(sourceOf(plateau, 'medications').fetch(query(byNam(TREMBLAY)))).rejects.toMatchObject({ name: 'SourceError', failure: 'unattributable' });
  });

  test('records of a patient id not asked (the patient parameter ignored) make the source unavailable', async () => {
    states(MEDPLUM);
    answers('/fhir/Patient/_search', () => searchset([namPatient('p1', TREMBLAY)]));
    answers('/fhir/MedicationDispense/_search', () => searchset([dispense('d1', 'p1'), dispense('d2', 'p7')]));

    await expect(sourceOf(plateau, 'medications').fetch(query(byNam(TREMBLAY)))).rejects.toMatchObject({ failure: 'unattributable' });
  });

  test('a dispense whose Medication is referenced and not included is completed by reading the Medication by _id', async () => {
    states(MEDPLUM);
    answers('/fhir/Patient/_search', () => searchset([namPatient('p1', TREMBLAY)]));
    const { medicationCodeableConcept, ...withoutDrug } = dispense('d1', 'p1');
    answers('/fhir/MedicationDispense/_search', () => searchset([{ ...withoutDrug, medicationReference: { reference: 'Medication/m-02247162' } }]));
    const medicationForms = answers('/fhir/Medication/_search', () =>
      searchset([{ resourceType: 'Medication', id: 'm-02247162', code: { coding: [{ system: 'http://hl7.org/fhir/NamingSystem/ca-hc-din', code: '02247162' }], text: 'Rosuvastatine 10 mg (Crestor)' } }]),
    );

    const records = await sourceOf(plateau, 'medications').fetch(query(byNam(TREMBLAY)));

    expect(medicationCodeableConcept).toBeDefined();
    expect(medicationForms[0]._id).toBe('m-02247162');
    expect(records.get(TREMBLAY)?.[0]).toMatchObject({ din: '02247162', name: 'Rosuvastatine 10 mg (Crestor)' });
  });
});

describe('a server whose CapabilityStatement offers chained search and _include (HAPI FHIR)', () => {
  test('is asked once, by NAM, and its statement is read once for every kind and view', async () => {
    const metadata = states(HAPI);
    const forms = answers('/fhir/MedicationDispense/_search', () => searchset([dispense('d1', 'p1')], undefined, [namPatient('p1', TREMBLAY)]));
    answers('/fhir/MedicationDispense/_search', () => searchset([dispense('d2', 'p1')], undefined, [namPatient('p1', TREMBLAY)]), forms);
    const source = sourceOf(plateau, 'medications');

    await source.fetch(query(byNam(TREMBLAY)));
    await source.fetch(query(byNam(TREMBLAY)));

    expect(metadata.isDone()).toBe(true);
    expect(forms.map((form) => form['patient.identifier'])).toEqual([`${DEFAULT_NAM_SYSTEM}|${TREMBLAY}`, `${DEFAULT_NAM_SYSTEM}|${TREMBLAY}`]);
  });

  test('that answers for everyone despite stating the chain is unavailable once, then asked in two steps', async () => {
    states(HAPI);
    answers('/fhir/MedicationDispense/_search', () => searchset([dispense('d1', 'p1'), dispense('d2', 'p2')], undefined, [namPatient('p1', TREMBLAY), namPatient('p2', GAGNON)]));
    answers('/fhir/Patient/_search', () => searchset([namPatient('p1', TREMBLAY)]));
    const second = answers('/fhir/MedicationDispense/_search', () => searchset([dispense('d1', 'p1')], undefined, [namPatient('p1', TREMBLAY)]));
    const { lines, logger } = capturedLogger();
    const source = sourceOf(plateau, 'medications', { logger });

    await expect(source.fetch(query(byNam(TREMBLAY)))).rejects.toMatchObject({ failure: 'unattributable' });
    const records = await source.fetch(query(byNam(TREMBLAY)));

    expect(second[0].patient).toBe('p1');
    expect(records.get(TREMBLAY)?.map((r) => r.id)).toEqual(['pharmacy-mtl-centre/d1']);
    expect(lines.join('')).toContain('did not honour the chained search');
    expect(lines.join('')).not.toMatch(/TREM|GAGN/);
  });

  test('that refuses the chained search (400) is asked in two steps in the same request, and its statement is read again', async () => {
    const metadata = nock(PLATEAU_ORIGIN).get('/fhir/metadata').times(2).reply(200, fixture(HAPI), FHIR_HEADERS);
    nock(PLATEAU_ORIGIN)
      .post('/fhir/MedicationDispense/_search', (form) => 'patient.identifier' in form)
      .reply(400, { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'not-supported', diagnostics: 'Chained parameters are not supported' }] }, FHIR_HEADERS);
    answers('/fhir/Patient/_search', () => searchset([namPatient('p1', TREMBLAY)]));
    answers('/fhir/MedicationDispense/_search', () => searchset([dispense('d1', 'p1')]));
    answers('/fhir/Patient/_search', () => searchset([namPatient('p1', TREMBLAY)]));
    answers('/fhir/MedicationDispense/_search', () => searchset([dispense('d1', 'p1')]));
    const source = sourceOf(plateau, 'medications');

    const records = await source.fetch(query(byNam(TREMBLAY)));
    await source.fetch(query(byNam(TREMBLAY)));

    expect(records.get(TREMBLAY)?.map((r) => r.id)).toEqual(['pharmacy-mtl-centre/d1']);
    expect(metadata.isDone()).toBe(true);
  });

  test('an Organization it includes names where an encounter took place (an ER visit at the hospital, not the clinic)', async () => {
    const clinic = { ...plateau, id: 'clinic-mtl-east', name: 'GMF Hochelaga-Maisonneuve', domain: 'CLINICAL' as const };
    states(HAPI);
    const hospital = { resourceType: 'Organization', id: 'hmr', name: 'Hôpital Maisonneuve-Rosemont' };
    const visit = { resourceType: 'Encounter', id: 'e1', status: 'finished', class: { code: 'EMER' }, subject: { reference: 'Patient/p1' }, serviceProvider: { reference: 'Organization/hmr' } };
    const forms = answers('/fhir/Encounter/_search', () => searchset([visit], undefined, [namPatient('p1', TREMBLAY), hospital]));

    const records = await sourceOf(clinic, 'encounters').fetch(query(byNam(TREMBLAY)));

    expect([forms[0]._include].flat()).toContain('Encounter:service-provider');
    expect(records.get(TREMBLAY)?.[0].facility).toEqual({ id: 'clinic-mtl-east/Organization/hmr', name: 'Hôpital Maisonneuve-Rosemont' });
  });
});

describe('a server that states no capabilities it can be held to', () => {
  test('without a readable CapabilityStatement (404) is searched in two steps', async () => {
    nock(PLATEAU_ORIGIN).get('/fhir/metadata').reply(404, { resourceType: 'OperationOutcome', issue: [] }, FHIR_HEADERS);
    answers('/fhir/Patient/_search', () => searchset([namPatient('p1', TREMBLAY)]));
    const forms = answers('/fhir/MedicationDispense/_search', () => searchset([dispense('d1', 'p1')]));

    const records = await sourceOf(plateau, 'medications').fetch(query(byNam(TREMBLAY)));

    expect(forms[0].patient).toBe('p1');
    expect(records.get(TREMBLAY)).toHaveLength(1);
  });

  test('that cannot be reached for its statement is unavailable, by the network failure alone', async () => {
    // No server answers at all (the network is closed to this test).
    await expect(sourceOf(plateau, 'medications').fetch(query(byNam(TREMBLAY)))).rejects.toMatchObject({ failure: 'network' });
  });

  test('is read again once the refresh interval has passed, in the background: no search waits for the new reading', async () => {
    let now = 0;
    const metadata = states(HAPI);
    let answerSecondReading: () => void = () => undefined;
    const secondReading = nock(PLATEAU_ORIGIN)
      .get('/fhir/metadata')
      .reply(200, (_uri, _body, callback) => (answerSecondReading = () => callback(null, fixture(HAPI) as nock.Body)), FHIR_HEADERS as never);
    nock(PLATEAU_ORIGIN).post('/fhir/MedicationDispense/_search').times(3).reply(200, searchset([]), FHIR_HEADERS);
    const [source] = createFhirSources(plateau, { capabilities: new CapabilityCaches({ refreshMs: 60_000, now: () => now }) });

    await source.fetch(query(byNam(TREMBLAY)));
    now = 30_000;
    await source.fetch(query(byNam(TREMBLAY)));
    expect(secondReading.isDone()).toBe(false);
    now = 61_000;
    // The new reading is not answered until after this search has finished.
    await source.fetch(query(byNam(TREMBLAY)));
    expect(metadata.isDone()).toBe(true);
    expect(secondReading.isDone()).toBe(true);
    answerSecondReading();
  });
});

describe('a server read before any view asks', () => {
  test('once prepared, a first search goes straight to the records, without reading the statement', async () => {
    const [source] = createFhirSources(plateau);
    states(HAPI);
    await source.prepare!(new AbortController().signal);
    expect(nock.isDone()).toBe(true);

    const search = nock(PLATEAU_ORIGIN).post('/fhir/MedicationDispense/_search').reply(200, searchset([dispense('d1', 'p1')], undefined, [namPatient('p1', TREMBLAY)]), FHIR_HEADERS);
    const records = await source.fetch(query(byNam(TREMBLAY)));

    expect(search.isDone()).toBe(true);
    expect(records.get(TREMBLAY)).toHaveLength(1);
  });

  test('that cannot be reached while being prepared is not a failure: the first view reads its statement', async () => {
    const [source] = createFhirSources(plateau);
    // No server answers at all (the network is closed to this test).
    await expect(source.prepare!(new AbortController().signal)).resolves.toBeUndefined();

    states(HAPI);
    nock(PLATEAU_ORIGIN).post('/fhir/MedicationDispense/_search').reply(200, searchset([]), FHIR_HEADERS);
    await source.fetch(query(byNam(TREMBLAY)));
    expect(nock.isDone()).toBe(true);
  });

  test('keeps what it read across a reload of the sources file, unless its address changed', async () => {
    const caches = new CapabilityCaches();
    states(HAPI);
    await createFhirSources(plateau, { capabilities: caches })[0].prepare!(new AbortController().signal);

    // Reloaded unchanged: the new sources use the statement already read (no metadata request is set up).
    nock(PLATEAU_ORIGIN).post('/fhir/MedicationDispense/_search').reply(200, searchset([]), FHIR_HEADERS);
    await createFhirSources(plateau, { capabilities: caches })[0].fetch(query(byNam(TREMBLAY)));
    expect(nock.isDone()).toBe(true);

    // Moved to a new base URL: its statement is read again there.
    const moved = { ...plateau, url: `${PLATEAU_ORIGIN}/r4` };
    const metadataThere = nock(PLATEAU_ORIGIN).get('/r4/metadata').reply(200, fixture(HAPI), FHIR_HEADERS);
    nock(PLATEAU_ORIGIN).post('/r4/MedicationDispense/_search').reply(200, searchset([]), FHIR_HEADERS);
    await createFhirSources(moved, { capabilities: caches })[0].fetch(query(byNam(TREMBLAY)));
    expect(metadataThere.isDone()).toBe(true);
  });
});

describe('a server that takes search by GET only', () => {
  const getOnly = () => {
    const statement = fixture(HAPI) as { rest: { resource: { interaction: { code: string; extension?: object[] }[] }[] }[] };
    for (const resource of statement.rest[0].resource) {
      for (const interaction of resource.interaction) if (interaction.code === 'search-type') interaction.extension = [{ url: 'http://hl7.org/fhir/StructureDefinition/capabilitystatement-search-mode', valueCode: 'GET' }];
    }
    return statement;
  };

  test('is searched by GET, and a log line says the search parameters travel in the URL, without any NAM', async () => {
    states(getOnly());
    const search = nock(PLATEAU_ORIGIN)
      .get('/fhir/MedicationDispense')
      .query((q) => q['patient.identifier'] === `${DEFAULT_NAM_SYSTEM}|${TREMBLAY}`)
      .reply(200, searchset([dispense('d1', 'p1')], undefined, [namPatient('p1', TREMBLAY)]), FHIR_HEADERS);
    const { lines, logger } = capturedLogger();

    const records = await sourceOf(plateau, 'medications', { logger }).fetch(query(byNam(TREMBLAY)));

    expect(search.isDone()).toBe(true);
    expect(records.get(TREMBLAY)).toHaveLength(1);
    expect(lines.some((line) => line.includes('GET only') && line.includes('MedicationDispense'))).toBe(true);
    expect(lines.join('')).not.toContain('TREM');
  });
});

describe('paging by whatever next link a server gives', () => {
  test('a relative _offset link is followed on the same server', async () => {
    states(HAPI);
    answers('/fhir/MedicationDispense/_search', () => searchset([dispense('d1', 'p1')], 'MedicationDispense?_offset=100&_count=100', [namPatient('p1', TREMBLAY)]));
    const next = nock(PLATEAU_ORIGIN).get('/fhir/MedicationDispense').query({ _offset: '100', _count: '100' }).reply(200, searchset([dispense('d2', 'p1')], undefined, [namPatient('p1', TREMBLAY)]), FHIR_HEADERS);

    const records = await sourceOf(plateau, 'medications').fetch(query(byNam(TREMBLAY)));

    expect(next.isDone()).toBe(true);
    expect(records.get(TREMBLAY)?.map((r) => r.id)).toEqual(['pharmacy-mtl-centre/d1', 'pharmacy-mtl-centre/d2']);
  });

  test('an opaque cursor link is followed as given', async () => {
    states(HAPI);
    answers('/fhir/MedicationDispense/_search', () => searchset([dispense('d1', 'p1')], `${PLATEAU_ORIGIN}/fhir/MedicationDispense?_cursor=eyJvZmZzZXQiOjEwMH0`, [namPatient('p1', TREMBLAY)]));
    const next = nock(PLATEAU_ORIGIN).get('/fhir/MedicationDispense').query({ _cursor: 'eyJvZmZzZXQiOjEwMH0' }).reply(200, searchset([], undefined, []), FHIR_HEADERS);

    await sourceOf(plateau, 'medications').fetch(query(byNam(TREMBLAY)));

    expect(next.isDone()).toBe(true);
  });
});
