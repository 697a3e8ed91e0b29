import type { Encounter, MedicationDispense } from '@medplum/fhirtypes';
import nock from 'nock';
import { Writable } from 'node:stream';
import { fitToContract } from '../../../adapters/fhir/contract-fit';
import { toEncounterRecord } from '../../../adapters/fhir/encounter';
import { decimalText, parseFhirJson } from '../../../adapters/fhir/json';
import { mappingContext, MappingProblems } from '../../../adapters/fhir/mapping';
import { toMedicationDispenseRecord } from '../../../adapters/fhir/medication-dispense';
import { createLogger } from '../../../lib/logger';
import { byNam, dispense, hochelaga, namPatient, plateau, PLATEAU_ORIGIN, query, searchset, sourceOf, statesCapabilities, TREMBLAY } from './support';

// nock patches Node's http module, which a jest worker shares with the next test file: undo it.
afterAll(() => nock.restore());

const FHIR_HEADERS = { 'content-type': 'application/fhir+json' };
const DIN_SYSTEM = 'http://hl7.org/fhir/NamingSystem/ca-hc-din';

/** A dispense mapped alone, with what the answer included, and the problems it reported. */
function mapDispense(resource: object, included: object[] = []) {
  const problems = new MappingProblems();
  const record = toMedicationDispenseRecord(resource as MedicationDispense, mappingContext(plateau, included as never[], problems));
  return { record, problems: problems.list() };
}

const withoutDrug = (() => {
  const { medicationCodeableConcept, ...rest } = dispense('d1', 'p1');
  return rest;
})();

describe('a dispense whose drug is a Medication of its own', () => {
  test('a Medication the answer included (_include=MedicationDispense:medication) names the drug', () => {
    const crestor = { resourceType: 'Medication', id: 'm1', code: { coding: [{ system: DIN_SYSTEM, code: '02247162', display: 'CRESTOR 10MG' }], text: 'Rosuvastatine 10 mg (Crestor)' } };

    const { record } = mapDispense({ ...withoutDrug, medicationReference: { reference: 'Medication/m1' } }, [crestor]);

    expect(record).toMatchObject({ din: '02247162', name: 'Rosuvastatine 10 mg (Crestor)' });
  });

  test('an absolute reference to the Medication on the same server resolves too', () => {
    const crestor = { resourceType: 'Medication', id: 'm1', code: { text: 'Rosuvastatine 10 mg (Crestor)' } };

    const { record } = mapDispense({ ...withoutDrug, medicationReference: { reference: `${plateau.url}/Medication/m1/_history/2` } }, [crestor]);

    expect(record?.name).toBe('Rosuvastatine 10 mg (Crestor)');
  });

  test("a reference the answer did not carry still names the drug by its display", () => {
    const { record } = mapDispense({ ...withoutDrug, medicationReference: { reference: 'Medication/m9', display: 'Amoxicilline 500 mg' } });

    expect(record?.name).toBe('Amoxicilline 500 mg');
  });

  test('a dispense whose drug cannot be found at all is reported as a mapping problem, not dropped in silence', () => {
    const { record, problems } = mapDispense({ ...withoutDrug, medicationReference: { reference: 'Medication/m9' } });

    expect(record).toBeUndefined();
    expect(problems).toEqual([{ path: 'MedicationDispense.medication', issue: 'medication reference not resolvable', records: 1 }]);
  });
});

describe('values that do not fit the contract', () => {
  test('a days supply of 2.5 leaves that field out and reports it; the dispense is still shown', () => {
    const { record, problems } = mapDispense({ ...dispense('d1', 'p1'), daysSupply: { value: 2.5, unit: 'jours' } });

    expect(record).toMatchObject({ id: 'pharmacy-mtl-centre/d1', name: 'PMS-AMLODIPINE 5MG' });
    expect(record?.daysSupply).toBeUndefined();
    expect(problems).toEqual([{ path: 'MedicationDispense.daysSupply', issue: 'not a whole number of days', records: 1 }]);
  });

  test('a record missing a field the contract requires is left out whole; an optional field that does not fit is left out alone', () => {
    const reported: string[] = [];
    const problem = (field: string) => reported.push(field);
    const dispensed = { id: 'x/1', name: 'Amlodipine', dispensedAt: '2025-05-01T10:00:00-04:00', pharmacy: { id: 'x', name: 'X' } };

    expect(fitToContract('medications', { ...dispensed, name: ' ' }, problem)).toBeUndefined();
    expect(fitToContract('medications', { ...dispensed, daysSupply: 2.5, quantity: Number.NaN }, problem)).toEqual(dispensed);
    expect(fitToContract('immunizations', { id: 'x/2', vaccine: 'Influenza', occurredAt: '2024-10' }, problem)).toBeUndefined();
    expect(reported).toEqual(['name', 'quantity', 'daysSupply', 'occurredAt']);
  });

  describe('read from a server', () => {
    beforeAll(() => nock.disableNetConnect());
    beforeEach(() => statesCapabilities(plateau));
    afterEach(() => nock.cleanAll());
    afterAll(() => nock.enableNetConnect());

    test('a dispense the mapper cannot read costs that dispense only: the others are served, and a warning names the source, element and issue but no one', async () => {
      const lines: string[] = [];
      const logger = createLogger('info', new Writable({ write: (chunk, _, done) => (lines.push(String(chunk)), done()) }));
      const broken = { ...dispense('d2', 'p1'), medicationCodeableConcept: { coding: 'PMS-AMLODIPINE' } };
      const odd = { ...dispense('d3', 'p1'), daysSupply: { value: 2.5 } };
      nock(PLATEAU_ORIGIN).post('/fhir/MedicationDispense/_search').reply(200, searchset([dispense('d1', 'p1'), broken, odd], undefined, [namPatient('p1', TREMBLAY)]), FHIR_HEADERS);

      const records = await sourceOf(plateau, 'medications', { logger }).fetch(query(byNam(TREMBLAY)));

      expect(records.get(TREMBLAY)?.map((r) => r.id)).toEqual(['pharmacy-mtl-centre/d1', 'pharmacy-mtl-centre/d3']);
      const warnings = lines.map((line) => JSON.parse(line)).filter((entry) => entry.msg === 'FHIR record does not fit the contract');
      expect(warnings).toEqual([
        expect.objectContaining({ source: 'pharmacy-mtl-centre', path: 'MedicationDispense', issue: 'could not be mapped', records: 1 }),
        expect.objectContaining({ source: 'pharmacy-mtl-centre', path: 'MedicationDispense.daysSupply', issue: 'not a whole number of days', records: 1 }),
      ]);
      expect(lines.join('')).not.toMatch(/TREM|d2|d3|p1|AMLODIPINE/);
    });
  });
});

describe('where an encounter took place', () => {
  const visit = (changes: Partial<Encounter>): Encounter => ({ resourceType: 'Encounter', id: 'e1', status: 'finished', class: { code: 'EMER' }, subject: { reference: 'Patient/p1' }, ...changes });
  const map = (encounter: Encounter, included: object[] = []) => {
    const problems = new MappingProblems();
    return { record: toEncounterRecord(encounter, mappingContext(hochelaga, included as never[], problems)), problems: problems.list() };
  };

  test("the serviceProvider's display names the facility when its Organization was not sent", () => {
    expect(map(visit({ serviceProvider: { reference: 'Organization/hmr', display: 'Hôpital Maisonneuve-Rosemont' } })).record?.facility).toEqual({ id: 'clinic-mtl-east/Organization/hmr', name: 'Hôpital Maisonneuve-Rosemont' });
  });

  test('a visit without a serviceProvider took place at the source itself', () => {
    expect(map(visit({})).record?.facility).toEqual({ id: 'clinic-mtl-east', name: 'GMF Hochelaga-Maisonneuve', region: 'Montréal', area: 'East' });
  });

  test('a serviceProvider that names nothing is reported, and the source is shown rather than an empty facility', () => {
    const { record, problems } = map(visit({ serviceProvider: { reference: 'Organization/gone' } }));

    expect(record?.facility.id).toBe('clinic-mtl-east');
    expect(problems).toEqual([{ path: 'Encounter.serviceProvider', issue: 'organization not resolvable: the source is shown instead', records: 1 }]);
  });
});

describe('FHIR decimals as the source wrote them', () => {
  test('5.0, 0.10 and 1e3 keep their text; the numbers stay numbers', () => {
    const body = parseFhirJson('{"resourceType":"Observation","valueQuantity":{"value":5.0},"referenceRange":[{"low":{"value":0.10},"high":{"value":1e3}}]}') as {
      valueQuantity: { value: number };
      referenceRange: { low: { value: number }; high: { value: number } }[];
    };

    expect(body.valueQuantity.value).toBe(5);
    expect(decimalText(body.valueQuantity, 'value')).toBe('5.0');
    expect(decimalText(body.referenceRange[0].low, 'value')).toBe('0.10');
    expect(decimalText(body.referenceRange[0].high, 'value')).toBe('1e3');
  });

  test('a decimal keeps its text however the server lays out its JSON: spaced, negative, in an array, beside identifiers full of dotted numbers', () => {
    const body = parseFhirJson(`{
      "identifier": [{ "system": "urn:oid:2.16.840.1.113883.4.330.10", "value": "1.0.3" }],
      "component": [ { "valueQuantity": { "value" : -2.50 } }, { "valueQuantity": {"value":12345678901234567890} } ],
      "values": [1.5,2.0, 7]
    }`) as { identifier: { system: string; value: string }[]; component: { valueQuantity: { value: number } }[]; values: number[] };

    expect(body.identifier[0]).toEqual({ system: 'urn:oid:2.16.840.1.113883.4.330.10', value: '1.0.3' });
    expect(decimalText(body.component[0].valueQuantity, 'value')).toBe('-2.50');
    expect(decimalText(body.component[1].valueQuantity, 'value')).toBe('12345678901234567890');
    expect(decimalText(body.values, '1')).toBe('2.0');
    expect(body.values).toEqual([1.5, 2, 7]);
  });

  test('a body that is not JSON fails as JSON.parse does', () => {
    expect(() => parseFhirJson('{"value": 5.0,')).toThrow(SyntaxError);
  });
});
