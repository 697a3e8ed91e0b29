import type { Resource } from '@medplum/fhirtypes';

/**
 * Elements a resource cannot go without (cardinality 1..), kept whatever _elements asks, for the
 * types the demo serves (http://hl7.org/fhir/R4/search.html#elements: "mandatory elements").
 */
const MANDATORY: Record<string, readonly string[]> = {
  MedicationDispense: ['status'],
  Encounter: ['status', 'class'],
  Condition: ['subject'],
  AllergyIntolerance: ['patient'],
  Immunization: ['status', 'vaccineCode', 'patient', 'occurrenceDateTime', 'occurrenceString'],
};

/** The tag a server puts on a resource it did not send whole (http://hl7.org/fhir/R4/search.html#elements). */
const SUBSETTED = { system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue', code: 'SUBSETTED', display: 'subsetted' };

/**
 * A resource cut down to what `_elements` asked: the listed top-level elements, its mandatory
 * ones, and resourceType, id and meta, the latter tagged SUBSETTED so no client takes it for the
 * whole resource.
 */
export function withElements(resource: Resource, elements: readonly string[]): Resource {
  const keep = new Set([...elements, ...(MANDATORY[resource.resourceType] ?? []), 'resourceType', 'id']);
  const subset = Object.fromEntries(Object.entries(resource).filter(([key]) => keep.has(key)));
  return { ...subset, meta: { ...resource.meta, tag: [...(resource.meta?.tag ?? []), SUBSETTED] } } as Resource;
}
