import type { Encounter } from '@medplum/fhirtypes';
import type { SourceConfig } from '../../lib/sources';
import type { EncounterRecord } from '../../schema/records';
import { facilityOf } from '../port';
import { dateTimeOf, nonBlank, textOf } from './datatypes';

/**
 * Encounter (http://hl7.org/fhir/R4/encounter.html) -> an encounter record. The class is the
 * v3 ActCode (AMB, EMER, IMP...), its display when a source sends no code.
 */
export function toEncounterRecord(encounter: Encounter, source: SourceConfig): EncounterRecord | undefined {
  if (!encounter.id || encounter.status === 'entered-in-error') return undefined;
  return {
    id: `${source.id}/${encounter.id}`,
    class: nonBlank(encounter.class?.code) ?? nonBlank(encounter.class?.display),
    start: dateTimeOf(encounter.period?.start, source),
    end: dateTimeOf(encounter.period?.end, source),
    reason: textOf(encounter.reasonCode?.[0]),
    facility: facilityOf(source),
  };
}
