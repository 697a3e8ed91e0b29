import type { Resource } from '@medplum/fhirtypes';
import type { RecordKind } from '../../schema/records';
import type { WorldModel } from './model';
import { resourcesAt, studiesAt } from './records';

/** The records one source holds for a person, by the ids our adapters give them. */
export interface ExpectedRecords {
  source: string;
  kind: RecordKind;
  /** `<source id>/<resource id>` for FHIR, the Study Instance UID for DICOMweb; sorted. */
  ids: string[];
}

const KIND_OF_TYPE: Record<string, RecordKind> = {
  MedicationDispense: 'medications',
  Encounter: 'encounters',
  Condition: 'conditions',
  AllergyIntolerance: 'allergies',
  Immunization: 'immunizations',
};
const TYPES = { pharmacy: ['MedicationDispense'], clinic: ['Encounter', 'Condition', 'AllergyIntolerance', 'Immunization'] };

/** A dose struck out is not a fact about the person: a correct reader shows none of those. */
const isStruckOut = (resource: Resource) => (resource as { status?: string }).status === 'entered-in-error';

/**
 * What a correct reader finds for a person: every kind each holding source serves (an empty list
 * included), without the resources the source marked entered-in-error. A person no source holds
 * has none.
 */
export function expectedOf(model: WorldModel, personIndex: number): ExpectedRecords[] {
  const person = model.people[personIndex];
  return model.holdings.sourcesOf(personIndex).flatMap((index): ExpectedRecords[] => {
    const source = model.sources[index];
    if (source.kind === 'pacs') return [{ source: source.id, kind: 'imagingStudies', ids: studiesAt(model.seed, source, person).map((s) => s.studyInstanceUid).sort() }];
    return TYPES[source.kind].map((type) => ({
      source: source.id,
      kind: KIND_OF_TYPE[type],
      ids: resourcesAt(model.seed, source, person, type)
        .filter((resource) => !isStruckOut(resource))
        .map((resource) => `${source.id}/${resource.id}`)
        .sort(),
    }));
  });
}
