import type { Encounter, Organization } from '@medplum/fhirtypes';
import type { EncounterRecord, Facility } from '../../schema/records';
import { facilityOf } from '../port';
import { dateTimeOf, nonBlank, textOf } from './datatypes';
import type { MappingContext } from './mapping';
import { referenceKeyOf } from './references';

/**
 * Encounter (http://hl7.org/fhir/R4/encounter.html) -> an encounter record. The class is the
 * v3 ActCode (AMB, EMER, IMP...), its display when a source sends no code.
 */
export function toEncounterRecord(encounter: Encounter, context: MappingContext): EncounterRecord | undefined {
  const { source } = context;
  if (!encounter.id || encounter.status === 'entered-in-error') return undefined;
  return {
    id: `${source.id}/${encounter.id}`,
    class: nonBlank(encounter.class?.code) ?? nonBlank(encounter.class?.display),
    start: dateTimeOf(encounter.period?.start, source),
    end: dateTimeOf(encounter.period?.end, source),
    reason: textOf(encounter.reasonCode?.[0]),
    facility: facilityOfEncounter(encounter, context),
  };
}

/**
 * Where the visit took place: Encounter.serviceProvider, "the organization (facility) responsible
 * for this encounter" (an ER visit at the hospital, recorded in the clinic's chart), named by the
 * Organization the answer included (`_include=Encounter:service-provider`, or read by `_id`) or
 * by the reference's display. Its id is the source's id and the Organization's, so two sources'
 * organizations never share one; its region and area are not known (the sources file says where
 * the source is, not where each organization it names is). Without a serviceProvider that names
 * anything, the source itself.
 */
function facilityOfEncounter(encounter: Encounter, context: MappingContext): Facility {
  const reference = encounter.serviceProvider;
  if (!reference) return facilityOf(context.source);
  const organization = context.included.resolve<Organization>(reference, 'Organization', encounter);
  const name = nonBlank(organization?.name) ?? nonBlank(reference.display);
  if (!name) {
    context.problem('Encounter.serviceProvider', 'organization not resolvable: the source is shown instead');
    return facilityOf(context.source);
  }
  const key = organization?.id ? `Organization/${organization.id}` : (referenceKeyOf(reference.reference, 'Organization') ?? `Organization?name=${encodeURIComponent(name)}`);
  return { id: `${context.source.id}/${key}`, name };
}
