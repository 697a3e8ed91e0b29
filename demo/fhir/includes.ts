import type { DiagnosticReport, Encounter, MedicationDispense, Reference, Resource } from '@medplum/fhirtypes';
import { referenceOf } from './search';

/**
 * The `_include`s the demo server answers (http://hl7.org/fhir/R4/search.html#include), each with
 * the references it follows in a match. `<Type>:patient` is every type's.
 */
const INCLUDES: Record<string, (resource: Resource) => (Reference | undefined)[]> = {
  'MedicationDispense:medication': (r) => [(r as MedicationDispense).medicationReference],
  'Encounter:service-provider': (r) => [(r as Encounter).serviceProvider],
  'DiagnosticReport:result': (r) => (r as DiagnosticReport).result ?? [],
};

/** The includes a type offers besides its Patient's, for the CapabilityStatement. */
export const includesOf = (type: string): string[] => [`${type}:patient`, ...Object.keys(INCLUDES).filter((include) => include.startsWith(`${type}:`))];

/** "Type/id" of a relative literal reference. */
const keyOf = (reference: Reference | undefined) => (reference?.reference && /^[A-Z][A-Za-z]+\/[^/]+$/.test(reference.reference) ? reference.reference : undefined);

/**
 * What a page's matches bring along for the `_include`s asked: each referenced resource the tenant
 * holds, once per page (search.mode "include"), in the order first referenced.
 */
export function includedResources(type: string, matches: readonly Resource[], asked: readonly string[], find: (key: string) => Resource | undefined): Resource[] {
  const follow = asked.flatMap((include) => (include === `${type}:patient` && type !== 'Patient' ? [(r: Resource) => [referenceOf(r)]] : INCLUDES[include] && include.startsWith(`${type}:`) ? [INCLUDES[include]] : []));
  const included = new Map<string, Resource>();
  for (const match of matches) {
    for (const references of follow) {
      for (const reference of references(match)) {
        const key = keyOf(reference);
        const resource = key && !included.has(key) ? find(key) : undefined;
        if (resource) included.set(key!, resource);
      }
    }
  }
  return [...included.values()];
}
