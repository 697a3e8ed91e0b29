import type { AllergyIntolerance } from '@medplum/fhirtypes';
import type { AllergyRecord } from '../../schema/records';
import { dateTimeOf, nonBlank, textOf } from './datatypes';
import type { MappingContext } from './mapping';

/** verificationStatus (http://terminology.hl7.org/CodeSystem/allergyintolerance-verification). */
const isEnteredInError = (allergy: AllergyIntolerance) => allergy.verificationStatus?.coding?.some((coding) => coding.code === 'entered-in-error') ?? false;

/**
 * AllergyIntolerance (http://hl7.org/fhir/R4/allergyintolerance.html) -> an allergy record. An
 * allergy that names no substance is skipped: "allergic to something" is not a fact to act on.
 */
export function toAllergyRecord(allergy: AllergyIntolerance, { source }: MappingContext): AllergyRecord | undefined {
  if (!allergy.id || isEnteredInError(allergy)) return undefined;
  const substance = textOf(allergy.code);
  if (!substance) return undefined;
  return {
    id: `${source.id}/${allergy.id}`,
    substance,
    criticality: nonBlank(allergy.criticality),
    reaction: textOf(allergy.reaction?.[0]?.manifestation?.[0]),
    recordedAt: dateTimeOf(allergy.recordedDate, source),
  };
}
