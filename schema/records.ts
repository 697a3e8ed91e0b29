/**
 * The records the graph serves, one interface per contract type (../shared/contract/contract.graphql).
 * Adapters map each source's own format (FHIR resources, DICOM JSON, HL7 segments) into these at
 * their edge; nothing past an adapter sees a source's format. Date-times are ISO 8601 with offset.
 */
export interface Facility {
  /** The source's id in the sources file. */
  id: string;
  name: string;
  region?: string;
  area?: string;
}

export interface MedicationDispenseRecord {
  id: string;
  din?: string;
  name: string;
  dosageInstruction?: string;
  quantity?: number;
  daysSupply?: number;
  dispensedAt: string;
  pharmacy: Facility;
}

export interface LabResultRecord {
  id: string;
  code: string;
  display?: string;
  value?: string;
  unit?: string;
  referenceRange?: string;
  abnormalFlag?: string;
  status?: string;
  observedAt?: string;
  laboratory: Facility;
}

export interface ImagingStudyRecord {
  studyInstanceUid: string;
  modalities: string[];
  description?: string;
  startedAt?: string;
  accessionNumber?: string;
  seriesCount?: number;
  instanceCount?: number;
  facility: Facility;
}

export interface EncounterRecord {
  id: string;
  class?: string;
  start?: string;
  end?: string;
  reason?: string;
  facility: Facility;
}

export interface ConditionRecord {
  id: string;
  code?: string;
  display: string;
  /** The clinician's own words (FHIR CodeableConcept.text), beside the code's display. */
  text?: string;
  clinicalStatus?: string;
  /** YYYY, YYYY-MM or YYYY-MM-DD: the precision the source wrote. */
  onset?: string;
}

export interface AllergyRecord {
  id: string;
  substance: string;
  criticality?: string;
  reaction?: string;
  recordedAt?: string;
}

export interface ImmunizationRecord {
  id: string;
  vaccine: string;
  occurredAt: string;
  lotNumber?: string;
}

/** Each list field of Patient that sources fill, with the record it holds. */
export interface RecordsByKind {
  medications: MedicationDispenseRecord;
  labResults: LabResultRecord;
  imagingStudies: ImagingStudyRecord;
  encounters: EncounterRecord;
  conditions: ConditionRecord;
  allergies: AllergyRecord;
  immunizations: ImmunizationRecord;
}
export type RecordKind = keyof RecordsByKind;

/** The contract's Domain each Patient list field belongs to: what the role policy and consent speak of. */
export const DOMAIN_OF_KIND = {
  medications: 'MEDICATIONS',
  labResults: 'LAB_RESULTS',
  imagingStudies: 'IMAGING',
  encounters: 'CLINICAL',
  conditions: 'CLINICAL',
  allergies: 'CLINICAL',
  immunizations: 'CLINICAL',
} as const satisfies Record<RecordKind, 'MEDICATIONS' | 'LAB_RESULTS' | 'IMAGING' | 'CLINICAL'>;

export const RECORD_KINDS = Object.keys(DOMAIN_OF_KIND) as RecordKind[];

/** The date a clinician sorts each kind of record by (most recent first). */
export const DATE_OF: { [K in RecordKind]: (record: RecordsByKind[K]) => string | undefined } = {
  medications: (r) => r.dispensedAt,
  labResults: (r) => r.observedAt,
  imagingStudies: (r) => r.startedAt,
  encounters: (r) => r.start,
  conditions: (r) => r.onset,
  allergies: (r) => r.recordedAt,
  immunizations: (r) => r.occurredAt,
};
