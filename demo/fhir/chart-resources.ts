import type { AllergyIntolerance, Condition, Encounter, Immunization } from '@medplum/fhirtypes';
import type { DemoAllergy, DemoProblem, DemoVaccine } from './catalog';

/**
 * The FHIR R4 resources of a clinic's chart (a GMF's EMR), built from what was drawn for them:
 * the demo clinic (clinic-records.ts) and the bench's clinics (bench/world/clinic-chart.ts) draw
 * with their own clocks and streams and write their records the same way. Date-times arrive
 * already written (with an offset or as bare local time, as the EMR does).
 */

const ICD10CA = 'https://fhir.infoway-inforoute.ca/CodeSystem/icd10ca';
const SNOMED = 'http://snomed.info/sct';
const ACT_CODE = 'http://terminology.hl7.org/CodeSystem/v3-ActCode';
const CVX = 'http://hl7.org/fhir/sid/cvx';

const concept = (system: string, code: string, display: string) => ({ coding: [{ system, code, display }], text: display });
const status = (system: string, code: string) => ({ coding: [{ system: `http://terminology.hl7.org/CodeSystem/${system}`, code }] });
const reference = (patientId: string) => ({ reference: `Patient/${patientId}` });

/** What every chart record carries: its id, its Patient's id, and meta.lastUpdated (an instant). */
export interface ChartEntry {
  id: string;
  patientId: string;
  lastUpdated: string;
}

/** A problem-list Condition (http://hl7.org/fhir/R4/condition.html): chronic problems stay active, the others are resolved. */
export function conditionResource(problem: DemoProblem, entry: ChartEntry & { onsetDate: string; recordedDate: string }): Condition {
  return {
    resourceType: 'Condition',
    id: entry.id,
    meta: { versionId: '1', lastUpdated: entry.lastUpdated },
    clinicalStatus: status('condition-clinical', problem.chronic ? 'active' : 'resolved'),
    verificationStatus: status('condition-ver-status', 'confirmed'),
    category: [status('condition-category', 'problem-list-item')],
    code: { coding: [{ system: ICD10CA, code: problem.icd10ca, display: problem.display }, { system: SNOMED, code: problem.snomed }], text: problem.display },
    subject: reference(entry.patientId),
    onsetDateTime: entry.onsetDate,
    recordedDate: entry.recordedDate,
  };
}

/** A finished visit (http://hl7.org/fhir/R4/encounter.html), ambulatory or emergency (v3 ActCode), with its reason as free text. */
export function encounterResource(entry: ChartEntry & { emergency: boolean; start: string; end: string; reason: string }): Encounter {
  return {
    resourceType: 'Encounter',
    id: entry.id,
    meta: { versionId: '1', lastUpdated: entry.lastUpdated },
    status: 'finished',
    class: entry.emergency ? { system: ACT_CODE, code: 'EMER', display: 'emergency' } : { system: ACT_CODE, code: 'AMB', display: 'ambulatory' },
    subject: reference(entry.patientId),
    period: { start: entry.start, end: entry.end },
    reasonCode: [{ text: entry.reason }],
  };
}

/** A confirmed, active allergy (http://hl7.org/fhir/R4/allergyintolerance.html) with its known reaction. */
export function allergyResource(allergy: DemoAllergy, entry: ChartEntry & { recordedDate: string }): AllergyIntolerance {
  return {
    resourceType: 'AllergyIntolerance',
    id: entry.id,
    meta: { versionId: '1', lastUpdated: entry.lastUpdated },
    clinicalStatus: status('allergyintolerance-clinical', 'active'),
    verificationStatus: status('allergyintolerance-verification', 'confirmed'),
    type: 'allergy',
    category: [allergy.category],
    criticality: allergy.criticality,
    code: concept(SNOMED, allergy.snomed, allergy.substance),
    patient: reference(entry.patientId),
    recordedDate: entry.recordedDate,
    reaction: [{ manifestation: [concept(SNOMED, allergy.reaction.snomed, allergy.reaction.display)] }],
  };
}

/** A dose given at the clinic (http://hl7.org/fhir/R4/immunization.html): 0.5 mL, recorded by who gave it (primarySource). */
export function immunizationResource(vaccine: DemoVaccine, entry: ChartEntry & { occurrence: string; lotNumber: string }): Immunization {
  return {
    resourceType: 'Immunization',
    id: entry.id,
    meta: { versionId: '1', lastUpdated: entry.lastUpdated },
    status: 'completed',
    vaccineCode: concept(CVX, vaccine.cvx, vaccine.text),
    patient: reference(entry.patientId),
    occurrenceDateTime: entry.occurrence,
    primarySource: true,
    lotNumber: entry.lotNumber,
    doseQuantity: { value: 0.5, unit: 'mL', system: 'http://unitsofmeasure.org', code: 'mL' },
  };
}
