import type { CodeableConcept, Medication, MedicationDispense } from '@medplum/fhirtypes';
import type { SourceConfig } from '../../lib/sources';
import type { MedicationDispenseRecord } from '../../schema/records';
import { facilityOf } from '../port';
import { codingOf, dateTimeOf, nonBlank, numberOf, textOf, wholeNumberOf } from './datatypes';

/**
 * The Health Canada Drug Identification Number: the HL7 NamingSystem and the one Canada Health
 * Infoway's baseline (CA Core+) publishes. Sources use either.
 */
export const DIN_SYSTEMS = ['http://hl7.org/fhir/NamingSystem/ca-hc-din', 'https://fhir.infoway-inforoute.ca/NamingSystem/ca-hc-din'] as const;

/** A DIN is eight digits; anything else in that system is a source's typo, not a DIN. */
const DIN = /^\d{8}$/;

/**
 * MedicationDispense (http://hl7.org/fhir/R4/medicationdispense.html) -> a dispense record.
 * A dispense without a date or a drug name is skipped: the record cannot say when or what, and
 * inventing either would put a wrong fact in a patient's history.
 */
export function toMedicationDispenseRecord(dispense: MedicationDispense, source: SourceConfig): MedicationDispenseRecord | undefined {
  // entered-in-error: "the dispense was entered in error and should not be considered".
  if (!dispense.id || dispense.status === 'entered-in-error') return undefined;
  const medication = medicationOf(dispense);
  const dinCoding = codingOf(medication, DIN_SYSTEMS);
  const name = nonBlank(medication?.text) ?? nonBlank(dinCoding?.display) ?? textOf(medication);
  // whenHandedOver is when the patient got it; whenPrepared is the pharmacy's own step before.
  const dispensedAt = dateTimeOf(dispense.whenHandedOver, source) ?? dateTimeOf(dispense.whenPrepared, source);
  if (!name || !dispensedAt) return undefined;
  const din = nonBlank(dinCoding?.code);
  return {
    id: `${source.id}/${dispense.id}`,
    din: din && DIN.test(din) ? din : undefined,
    name,
    dosageInstruction: nonBlank(dispense.dosageInstruction?.[0]?.text),
    quantity: numberOf(dispense.quantity),
    daysSupply: wholeNumberOf(dispense.daysSupply),
    dispensedAt,
    pharmacy: facilityOf(source),
  };
}

/**
 * medication[x]: a CodeableConcept, or a reference, which pharmacy systems often point at a
 * contained Medication ("#id", http://hl7.org/fhir/R4/references.html#contained).
 */
function medicationOf(dispense: MedicationDispense): CodeableConcept | undefined {
  if (dispense.medicationCodeableConcept) return dispense.medicationCodeableConcept;
  const reference = dispense.medicationReference?.reference;
  if (!reference?.startsWith('#')) return undefined;
  const contained = dispense.contained?.find((resource) => resource.resourceType === 'Medication' && resource.id === reference.slice(1));
  return (contained as Medication | undefined)?.code;
}
