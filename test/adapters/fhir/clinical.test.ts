import nock from 'nock';
import { toAllergyRecord } from '../../../adapters/fhir/allergy-intolerance';
import { toConditionRecord } from '../../../adapters/fhir/condition';
import { toImmunizationRecord } from '../../../adapters/fhir/immunization';
import { mappingContext } from '../../../adapters/fhir/mapping';
import { byNam, fixture, hochelaga, HOCHELAGA_ORIGIN, query, ROY, sourceOf, statesCapabilities } from './support';

// nock patches Node's http module, which a jest worker shares with the next test file: undo it.
afterAll(() => nock.restore());

const FHIR_HEADERS = { 'content-type': 'application/fhir+json' };
const facility = { id: 'clinic-mtl-east', name: 'GMF Hochelaga-Maisonneuve', region: 'Montréal', area: 'East' };

beforeAll(() => nock.disableNetConnect());
beforeEach(() => [hochelaga].forEach((source) => statesCapabilities(source)));
afterEach(() => nock.cleanAll());
afterAll(() => nock.enableNetConnect());

/** Reads one kind from the clinic, the server answering with the fixture for that type. */
async function read(kind: 'encounters' | 'conditions' | 'allergies' | 'immunizations', resourceType: string, file: string) {
  const source = sourceOf(hochelaga, kind);
  const scope = nock(HOCHELAGA_ORIGIN)
    .post(`/fhir/${resourceType}/_search`, (form) => [form._include].flat().includes(`${resourceType}:patient`))
    .reply(200, fixture(file), FHIR_HEADERS);
  const records = await source.fetch(query(byNam(ROY)));
  expect(scope.isDone()).toBe(true);
  return records.get(ROY) ?? [];
}

describe('a clinic read through its four kinds of record', () => {
  test('encounters keep their class, period and reason; times without an offset are the clinic’s local time', async () => {
    expect(await read('encounters', 'Encounter', 'encounter-searchset.json')).toEqual([
      { id: 'clinic-mtl-east/9001', class: 'AMB', start: '2024-10-03T10:15:00-04:00', end: '2024-10-03T10:40:00-04:00', reason: 'Suivi du diabète', facility },
      // A reason coded without text shows the coding's display. The entered-in-error visit (9003) is gone.
      { id: 'clinic-mtl-east/9002', class: 'EMER', start: '2025-01-11T23:20:00-05:00', end: '2025-01-12T04:55:00-05:00', reason: 'Douleur thoracique', facility },
    ]);
  });

  test("conditions keep their code, label, the clinician's own words, status and onset day; one entered in error is dropped", async () => {
    expect(await read('conditions', 'Condition', 'condition-searchset.json')).toEqual([
      // The display of the first coding goes with its code; the clinician's shorthand text is kept beside it.
      { id: 'clinic-mtl-east/9101', code: 'E11.9', display: 'Diabète de type 2', text: 'DB2', clinicalStatus: 'active', onset: '2019-05-14' },
      { id: 'clinic-mtl-east/9102', code: undefined, display: 'Entorse de la cheville gauche', text: 'Entorse de la cheville gauche', clinicalStatus: 'resolved', onset: '2021-02-27' },
    ]);
  });

  test('allergies keep their substance, criticality, reaction and recording time', async () => {
    expect(await read('allergies', 'AllergyIntolerance', 'allergy-intolerance-searchset.json')).toEqual([
      { id: 'clinic-mtl-east/9201', substance: 'Pénicilline', criticality: 'high', reaction: 'Urticaire', recordedAt: '2020-02-11T14:03:00-05:00' },
      { id: 'clinic-mtl-east/9202', substance: 'Arachides', criticality: 'low', reaction: undefined, recordedAt: '2023-06-20T00:00:00-04:00' },
    ]);
  });

  test('immunizations keep only doses given: entered-in-error and not-done are left out', async () => {
    expect(await read('immunizations', 'Immunization', 'immunization-searchset.json')).toEqual([
      { id: 'clinic-mtl-east/9301', vaccine: 'Influenza quadrivalent (Flulaval Tetra)', occurredAt: '2024-10-22T13:35:00-04:00', lotNumber: 'KT7284' },
      { id: 'clinic-mtl-east/9302', vaccine: 'COVID-19 ARNm Moderna (Spikevax)', occurredAt: '2021-05-18T09:50:00-04:00', lotNumber: '3002183' },
    ]);
  });
});

describe('clinical resources that say too little', () => {
  test('a condition with only a code shows the code rather than disappear from the problem list', () => {
    expect(toConditionRecord({ resourceType: 'Condition', id: 'c', subject: {}, code: { coding: [{ system: 'https://fhir.infoway-inforoute.ca/CodeSystem/icd10ca', code: 'I10' }] } }, mappingContext(hochelaga))).toMatchObject({
      code: 'I10',
      display: 'I10',
    });
  });

  test('a condition whose onset the clinician knew to the month keeps that month, and no day is invented', () => {
    expect(toConditionRecord({ resourceType: 'Condition', id: 'c', subject: {}, code: { text: 'Asthme' }, onsetDateTime: '2022-08' }, mappingContext(hochelaga))?.onset).toBe('2022-08');
  });

  test('a condition whose onset is known to the year keeps the year', () => {
    expect(toConditionRecord({ resourceType: 'Condition', id: 'c', subject: {}, code: { text: 'Asthme' }, onsetDateTime: '1998' }, mappingContext(hochelaga))?.onset).toBe('1998');
  });

  test('an onset that is no date at all (month 13) is left out rather than guessed', () => {
    expect(toConditionRecord({ resourceType: 'Condition', id: 'c', subject: {}, code: { text: 'Asthme' }, onsetDateTime: '2022-13' }, mappingContext(hochelaga))?.onset).toBeUndefined();
  });

  test('an allergy to no named substance is skipped', () => {
    expect(toAllergyRecord({ resourceType: 'AllergyIntolerance', id: 'a', patient: {}, criticality: 'high' }, mappingContext(hochelaga))).toBeUndefined();
  });

  test('a dose with no date it can be placed at is skipped', () => {
    expect(toImmunizationRecord({ resourceType: 'Immunization', id: 'i', status: 'completed', patient: {}, vaccineCode: { text: 'Influenza' }, occurrenceString: 'automne 2023' }, mappingContext(hochelaga))).toBeUndefined();
  });
});
