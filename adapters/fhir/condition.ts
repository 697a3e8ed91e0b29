import type { Condition } from '@medplum/fhirtypes';
import type { ConditionRecord } from '../../schema/records';
import { codeOf, dateOf, displayOf, nonBlank } from './datatypes';
import type { MappingContext } from './mapping';

/** verificationStatus (http://terminology.hl7.org/CodeSystem/condition-ver-status). */
const isEnteredInError = (condition: Condition) => condition.verificationStatus?.coding?.some((coding) => coding.code === 'entered-in-error') ?? false;

/**
 * Condition (http://hl7.org/fhir/R4/condition.html) -> a condition record. The display goes with
 * the first coding (the code shown next to it); the clinician's own words (CodeableConcept.text,
 * "the concept as entered or chosen by the user") are kept beside it as `text`. A condition with
 * neither display nor text shows its code rather than disappear from the problem list.
 */
export function toConditionRecord(condition: Condition, context: MappingContext): ConditionRecord | undefined {
  if (!condition.id || isEnteredInError(condition)) return undefined;
  const code = codeOf(condition.code);
  const display = displayOf(condition.code) ?? code;
  if (!display) {
    context.problem('Condition.code', 'no code, display or text');
    return undefined;
  }
  return {
    id: `${context.source.id}/${condition.id}`,
    code,
    display,
    text: nonBlank(condition.code?.text),
    clinicalStatus: codeOf(condition.clinicalStatus),
    // onset[x]: the date as the source wrote it (a year, a month or a day); a calendar date carries no time zone to convert.
    onset: dateOf(condition.onsetDateTime) ?? dateOf(condition.onsetPeriod?.start),
  };
}
