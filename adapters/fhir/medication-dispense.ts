import type { CodeableConcept, Medication, MedicationDispense } from '@medplum/fhirtypes';
import type { MedicationDispenseRecord } from '../../schema/records';
import { facilityOf } from '../port';
import { codingOf, dateTimeOf, nonBlank, numberOf, textOf, wholeNumberOf } from './datatypes';
import type { MappingContext } from './mapping';

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
 * inventing either would put a wrong fact in a patient's history. Both are reported as mapping
 * problems, as is a days supply that is not a whole number (the field is left out).
 */
export function toMedicationDispenseRecord(dispense: MedicationDispense, context: MappingContext): MedicationDispenseRecord | undefined {
  const { source } = context;
  // entered-in-error: "the dispense was entered in error and should not be considered".
  if (!dispense.id || dispense.status === 'entered-in-error') return undefined;
  const medication = medicationOf(dispense, context);
  const dinCoding = codingOf(medication, DIN_SYSTEMS);
  const name = nonBlank(medication?.text) ?? nonBlank(dinCoding?.display) ?? textOf(medication);
  // whenHandedOver is when the patient got it; whenPrepared is the pharmacy's own step before.
  const dispensedAt = dateTimeOf(dispense.whenHandedOver, source) ?? dateTimeOf(dispense.whenPrepared, source);
  if (!name) context.problem('MedicationDispense.medication', dispense.medicationReference && !medication ? 'medication reference not resolvable' : 'no drug name');
  if (!dispensedAt) context.problem('MedicationDispense.whenHandedOver', 'no date-time to the day');
  if (!name || !dispensedAt) return undefined;
  const din = nonBlank(dinCoding?.code);
  const daysSupply = wholeNumberOf(dispense.daysSupply);
  if (daysSupply === undefined && numberOf(dispense.daysSupply) !== undefined) context.problem('MedicationDispense.daysSupply', 'not a whole number of days');
  return {
    id: `${source.id}/${dispense.id}`,
    din: din && DIN.test(din) ? din : undefined,
    name,
    dosageInstruction: nonBlank(dispense.dosageInstruction?.[0]?.text),
    quantity: numberOf(dispense.quantity),
    daysSupply,
    dispensedAt,
    pharmacy: facilityOf(source),
  };
}

/**
 * medication[x]: a CodeableConcept, or a reference (http://hl7.org/fhir/R4/references.html): to a
 * Medication contained in the dispense ("#id", as pharmacy systems often write it), to one the
 * answer included (`_include=MedicationDispense:medication`, or read by `_id`), or, failing both,
 * the reference's display, which names the drug in words.
 */
function medicationOf(dispense: MedicationDispense, context: MappingContext): CodeableConcept | undefined {
  if (dispense.medicationCodeableConcept) return dispense.medicationCodeableConcept;
  const reference = dispense.medicationReference;
  const medication = context.included.resolve<Medication>(reference, 'Medication', dispense);
  if (medication?.code) return medication.code;
  const display = nonBlank(reference?.display);
  return display ? { text: display } : undefined;
}
