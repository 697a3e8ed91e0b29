import type { Condition } from '@medplum/fhirtypes';
import type { SourceConfig } from '../../lib/sources';
import type { ConditionRecord } from '../../schema/records';
import { codeOf, dateOf, displayOf } from './datatypes';

/** verificationStatus (http://terminology.hl7.org/CodeSystem/condition-ver-status). */
const isEnteredInError = (condition: Condition) => condition.verificationStatus?.coding?.some((coding) => coding.code === 'entered-in-error') ?? false;

/**
 * Condition (http://hl7.org/fhir/R4/condition.html) -> a condition record. The display goes with
 * the first coding (the code shown next to it); a condition with neither display nor text shows
 * its code rather than disappear from the problem list.
 */
export function toConditionRecord(condition: Condition, source: SourceConfig): ConditionRecord | undefined {
  if (!condition.id || isEnteredInError(condition)) return undefined;
  const code = codeOf(condition.code);
  const display = displayOf(condition.code) ?? code;
  if (!display) return undefined;
  return {
    id: `${source.id}/${condition.id}`,
    code,
    display,
    clinicalStatus: codeOf(condition.clinicalStatus),
    // onset[x]: the day as the source wrote it; a calendar date carries no time zone to convert.
    onset: dateOf(condition.onsetDateTime) ?? dateOf(condition.onsetPeriod?.start),
  };
}
