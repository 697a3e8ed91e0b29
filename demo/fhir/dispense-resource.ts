import type { MedicationDispense } from '@medplum/fhirtypes';
import type { DemoDrug } from './catalog';

/** One fill as a pharmacy's software records it; date-times arrive already written (with an offset or as bare local time). */
export interface Fill {
  id: string;
  patientId: string;
  drug: DemoDrug;
  /** Days of supply: the drug's usual 30 or 90, or a course's length. */
  days: number;
  /** The DIN system this pharmacy's software writes (both are in use in Canada). */
  dinSystem: string;
  lastUpdated: string;
  whenPrepared: string;
  whenHandedOver: string;
}

/**
 * A completed MedicationDispense (http://hl7.org/fhir/R4/medicationdispense.html), the way the
 * demo pharmacies (dispenses.ts) and the bench's (bench/world/dispenses.ts) write one: the drug by
 * DIN, the quantity for the days supplied in its dose form (v3 orderableDrugForm), the directions
 * in French.
 */
export function dispenseResource(fill: Fill): MedicationDispense {
  const { drug, days } = fill;
  return {
    resourceType: 'MedicationDispense',
    id: fill.id,
    meta: { versionId: '1', lastUpdated: fill.lastUpdated },
    status: 'completed',
    medicationCodeableConcept: { coding: [{ system: fill.dinSystem, code: drug.din, display: drug.name }], text: drug.name },
    subject: { reference: `Patient/${fill.patientId}` },
    quantity: { value: Math.max(1, Math.round(drug.perDay * days)), unit: drug.unit.display, system: 'http://terminology.hl7.org/CodeSystem/v3-orderableDrugForm', code: drug.unit.code },
    daysSupply: { value: days, unit: 'jours', system: 'http://unitsofmeasure.org', code: 'd' },
    whenPrepared: fill.whenPrepared,
    whenHandedOver: fill.whenHandedOver,
    dosageInstruction: [{ text: drug.dosage }],
  };
}
