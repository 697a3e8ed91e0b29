import type { MedicationDispense } from '@medplum/fhirtypes';
import { toMedicationDispenseRecord } from '../../../adapters/fhir/medication-dispense';
import { mappingContext } from '../../../adapters/fhir/mapping';
import { fixture, plateau } from './support';

/** The first dispense of the HAPI-style fixture: a complete one, with an offset. */
const lipitor = (fixture('medication-dispense-page-1.json').entry as { resource: MedicationDispense }[])[0].resource;
const ventolin = (fixture('medication-dispense-page-2.json').entry as { resource: MedicationDispense }[])[0].resource;
const map = (changes: Partial<MedicationDispense>, base: MedicationDispense = lipitor) => toMedicationDispenseRecord({ ...base, ...changes }, mappingContext(plateau));

describe('a MedicationDispense read as a dispense record', () => {
  test('a complete dispense keeps its DIN, label, directions, quantity, days supplied and pharmacy', () => {
    expect(map({})).toEqual({
      id: 'pharmacy-mtl-centre/4501',
      din: '02230711',
      name: 'Atorvastatine 10 mg (Lipitor)',
      dosageInstruction: '1 comprimé par jour au coucher',
      quantity: 90,
      daysSupply: 90,
      dispensedAt: '2025-03-14T16:42:00-04:00',
      pharmacy: { id: 'pharmacy-mtl-centre', name: 'Pharmacie du Plateau', region: 'Montréal', area: 'Centre' },
    });
  });

  test('a dispense sent without an offset is read as Montréal local time (EST in January)', () => {
    expect(toMedicationDispenseRecord(ventolin, mappingContext(plateau))?.dispensedAt).toBe('2025-01-20T20:15:00-05:00');
  });

  test('a dispense sent without an offset in summer is read as EDT', () => {
    expect(map({ whenHandedOver: '2025-07-02T09:30:00' })?.dispensedAt).toBe('2025-07-02T09:30:00-04:00');
  });

  test('a dispense sent in UTC keeps its instant and offset', () => {
    expect(map({ whenHandedOver: '2025-01-21T01:15:00Z' })?.dispensedAt).toBe('2025-01-21T01:15:00Z');
  });

  test("the source's own time zone applies to times without an offset", () => {
    const vancouver = { ...plateau, timeZone: 'America/Vancouver' };
    expect(toMedicationDispenseRecord({ ...lipitor, whenHandedOver: '2025-01-20T20:15:00' }, mappingContext(vancouver))?.dispensedAt).toBe('2025-01-20T20:15:00-08:00');
  });

  test('the DIN is read from the Infoway DIN system as well as the HL7 one', () => {
    expect(toMedicationDispenseRecord(ventolin, mappingContext(plateau))?.din).toBe('02241497');
  });

  test('a code from another system is not taken for a DIN, and the label still shows', () => {
    const record = map({ medicationCodeableConcept: { coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '617312', display: 'atorvastatin 10 MG Oral Tablet' }] } });
    expect(record?.din).toBeUndefined();
    expect(record?.name).toBe('atorvastatin 10 MG Oral Tablet');
  });

  test('a DIN that is not eight digits is dropped, not passed on', () => {
    expect(map({ medicationCodeableConcept: { coding: [{ system: 'http://hl7.org/fhir/NamingSystem/ca-hc-din', code: '2230711', display: 'LIPITOR' }] } })?.din).toBeUndefined();
  });

  test("without text, the name is the DIN coding's display", () => {
    const record = map({ medicationCodeableConcept: { coding: [{ system: 'https://example.org/local', code: 'X1', display: 'Code maison' }, { system: 'http://hl7.org/fhir/NamingSystem/ca-hc-din', code: '02099233', display: 'GLUCOPHAGE 500MG' }] } });
    expect(record).toMatchObject({ din: '02099233', name: 'GLUCOPHAGE 500MG' });
  });

  test('a drug given by reference to a contained Medication is read from it', () => {
    const record = map({
      medicationCodeableConcept: undefined,
      contained: [{ resourceType: 'Medication', id: 'med', code: { coding: [{ system: 'http://hl7.org/fhir/NamingSystem/ca-hc-din', code: '02247162' }], text: 'Rosuvastatine 10 mg (Crestor)' } }],
      medicationReference: { reference: '#med' },
    });
    expect(record).toMatchObject({ din: '02247162', name: 'Rosuvastatine 10 mg (Crestor)' });
  });

  test('a dispense not yet handed over is dated when it was prepared', () => {
    expect(map({ whenHandedOver: undefined, whenPrepared: '2025-04-02T09:51:00-04:00' })?.dispensedAt).toBe('2025-04-02T09:51:00-04:00');
  });

  test('a dispense with no date is skipped rather than dated by guess', () => {
    expect(map({ whenHandedOver: undefined, whenPrepared: undefined })).toBeUndefined();
    expect(map({ whenHandedOver: '2025-03' , whenPrepared: undefined })).toBeUndefined();
    expect(map({ whenHandedOver: 'demain', whenPrepared: undefined })).toBeUndefined();
  });

  test('a dispense that names no drug is skipped rather than named by guess', () => {
    expect(map({ medicationCodeableConcept: { coding: [{ system: 'http://hl7.org/fhir/NamingSystem/ca-hc-din', code: '02230711' }] } })).toBeUndefined();
    expect(map({ medicationCodeableConcept: undefined })).toBeUndefined();
  });

  test('a dispense entered in error is not a dispense', () => {
    expect(map({ status: 'entered-in-error' })).toBeUndefined();
  });

  test('ids are prefixed by the source, so two pharmacies numbering alike never collide', () => {
    expect(toMedicationDispenseRecord(lipitor, mappingContext({ ...plateau, id: 'pharmacy-trois-rivieres' }))?.id).toBe('pharmacy-trois-rivieres/4501');
  });

  test('missing amounts stay missing', () => {
    expect(map({ quantity: undefined, daysSupply: undefined, dosageInstruction: undefined })).toMatchObject({ quantity: undefined, daysSupply: undefined, dosageInstruction: undefined });
  });
});
