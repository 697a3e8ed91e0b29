import type { Immunization } from '@medplum/fhirtypes';
import type { ImmunizationRecord } from '../../schema/records';
import { dateTimeOf, nonBlank, textOf } from './datatypes';
import type { MappingContext } from './mapping';

/**
 * Immunization (http://hl7.org/fhir/R4/immunization.html) -> an immunization record. Only given
 * doses count: entered-in-error was never real and not-done records a dose that was not given
 * (refusal, contraindication). A dose without a date (occurrenceString) cannot be placed.
 */
export function toImmunizationRecord(immunization: Immunization, { source }: MappingContext): ImmunizationRecord | undefined {
  if (!immunization.id || immunization.status === 'entered-in-error' || immunization.status === 'not-done') return undefined;
  const vaccine = textOf(immunization.vaccineCode);
  const occurredAt = dateTimeOf(immunization.occurrenceDateTime, source);
  if (!vaccine || !occurredAt) return undefined;
  return {
    id: `${source.id}/${immunization.id}`,
    vaccine,
    occurredAt,
    lotNumber: nonBlank(immunization.lotNumber),
  };
}
