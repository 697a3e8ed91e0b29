import type { Reference, Resource } from '@medplum/fhirtypes';

/**
 * Literal references (http://hl7.org/fhir/R4/references.html#literal): relative `Type/id`, absolute
 * `[base]/Type/id`, either with `/_history/[vid]`. The id is a FHIR id (datatypes.html#id).
 */
const LITERAL = /(?:^|\/)([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[^/]*)?$/;

/** "Type/id" for a literal reference of that type (any type when none is given). */
export function referenceKeyOf(reference: string | undefined, type?: string): string | undefined {
  const match = reference ? LITERAL.exec(reference) : null;
  if (!match || (type && match[1] !== type)) return undefined;
  return `${match[1]}/${match[2]}`;
}

/** "Patient/<id>" for a relative, absolute or versioned literal reference to a Patient. */
export const patientKeyOf = (reference: string | undefined) => referenceKeyOf(reference, 'Patient');

export const keyOf = (resource: Resource) => `${resource.resourceType}/${resource.id}`;

/**
 * What an answer brought besides its matches (`_include`, or fetched by `_id` where a server has
 * no `_include`), by "Type/id", for the mappers to follow references into.
 */
export class IncludedResources {
  private readonly byKey = new Map<string, Resource>();

  constructor(resources: Iterable<Resource> = []) {
    for (const resource of resources) this.add(resource);
  }

  add(resource: Resource): void {
    if (typeof resource.id === 'string') this.byKey.set(keyOf(resource), resource);
  }

  has(key: string): boolean {
    return this.byKey.has(key);
  }

  /**
   * The resource a reference points to: a contained one (`#id`, http://hl7.org/fhir/R4/references.html#contained)
   * inside `holder`, or one the answer included. Undefined for anything else, never guessed.
   */
  resolve<T extends Resource>(reference: Reference | undefined, type: T['resourceType'], holder?: Resource): T | undefined {
    const literal = reference?.reference;
    if (typeof literal !== 'string') return undefined;
    if (literal.startsWith('#')) {
      const contained = (holder as { contained?: Resource[] } | undefined)?.contained;
      const found = Array.isArray(contained) ? contained.find((r) => r?.resourceType === type && r.id === literal.slice(1)) : undefined;
      return found as T | undefined;
    }
    const key = referenceKeyOf(literal, type);
    return key ? (this.byKey.get(key) as T | undefined) : undefined;
  }
}
