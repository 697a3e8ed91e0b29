import type { CodeableConcept, DiagnosticReport, Observation, ObservationReferenceRange, Quantity, Reference } from '@medplum/fhirtypes';
import type { LabResultRecord } from '../../schema/records';
import { facilityOf } from '../port';
import { codingOf, dateTimeOf, nonBlank, textOf } from './datatypes';
import { decimalText } from './json';
import type { MappingContext } from './mapping';
import { patientKeyOf } from './references';

export const LOINC = 'http://loinc.org';

/**
 * Observation.status (http://hl7.org/fhir/R4/valueset-observation-status.html) as the HL7 v2 result
 * status (OBX-11, table 0085) the contract's LabResult.status speaks, after FHIR's own v2 mapping
 * of the element (http://hl7.org/fhir/R4/observation-mappings.html): a result reads the same
 * whichever protocol its laboratory uses.
 */
const OBX_11: Record<string, string> = {
  registered: 'I',
  preliminary: 'P',
  final: 'F',
  amended: 'C',
  corrected: 'C',
  cancelled: 'X',
};

/** How deep panels within panels (Observation.hasMember) are followed; results sit one or two levels down. */
const MAX_DEPTH = 3;

/**
 * DiagnosticReport (http://hl7.org/fhir/R4/diagnosticreport.html) with its results -> one lab
 * result per Observation it references (DiagnosticReport.result), read from what the answer
 * included (`_include=DiagnosticReport:result`, read by `_id` where a server has no `_include`)
 * or contained. A panel Observation (hasMember) stands for its members. An Observation that cannot
 * be found, names another patient than the report, or has no code is a mapping problem of that
 * result; the report's other results still come through.
 */
export function toLabResultRecords(report: DiagnosticReport, context: MappingContext): LabResultRecord[] {
  if (!report.id || report.status === 'entered-in-error' || report.status === 'cancelled') return [];
  const records: LabResultRecord[] = [];
  const visit = (reference: Reference | undefined, depth: number) => {
    const observation = context.included.resolve<Observation>(reference, 'Observation', report);
    if (!observation) return context.problem('DiagnosticReport.result', 'observation not resolvable');
    if (!samePatient(report.subject, observation.subject)) return context.problem('DiagnosticReport.result', 'observation of another patient than the report');
    if (observation.hasMember?.length && !hasValue(observation)) {
      if (depth >= MAX_DEPTH) return context.problem('Observation.hasMember', 'panels nested too deep');
      for (const member of observation.hasMember) visit(member, depth + 1);
      return;
    }
    const record = toLabResultRecord(observation, report, context);
    if (record) records.push(record);
  };
  for (const reference of report.result ?? []) visit(reference, 1);
  return records;
}

function toLabResultRecord(observation: Observation, report: DiagnosticReport, context: MappingContext): LabResultRecord | undefined {
  const { source } = context;
  if (!observation.id || observation.status === 'entered-in-error') return undefined;
  const loinc = codingOf(observation.code, [LOINC]);
  const coding = loinc ?? codingOf(observation.code);
  const code = nonBlank(coding?.code);
  if (!code) {
    context.problem('Observation.code', 'no code');
    return undefined;
  }
  const value = valueOf(observation, context);
  return {
    // A contained Observation's id is only unique inside its report.
    id: `${source.id}/${report.contained?.includes(observation) ? `${report.id}/` : ''}${observation.id}`,
    code,
    display: nonBlank(coding?.display) ?? textOf(observation.code),
    value: value?.text,
    unit: value?.unit,
    referenceRange: rangeOf(observation.referenceRange?.[0]),
    abnormalFlag: nonBlank(codingOf(observation.interpretation?.[0])?.code),
    status: OBX_11[observation.status ?? ''],
    observedAt: effectiveOf(observation, context) ?? effectiveOf(report, context),
    laboratory: facilityOf(source),
  };
}

const hasValue = (observation: Observation) =>
  Object.keys(observation).some((key) => key.startsWith('value') && (observation as unknown as Record<string, unknown>)[key] !== undefined);

/**
 * value[x] as text, the way the laboratory wrote it: a Quantity's decimal with its precision
 * (5.0 stays "5.0", adapters/fhir/json.ts) and comparator (`<0.5`), with its unit; a string, an
 * integer, a coded answer's text, a yes/no.
 */
function valueOf(observation: Observation, context: MappingContext): { text: string; unit?: string } | undefined {
  if (observation.valueQuantity) {
    const text = quantityText(observation.valueQuantity);
    if (text === undefined) {
      context.problem('Observation.valueQuantity', 'no numeric value');
      return undefined;
    }
    return { text, unit: nonBlank(observation.valueQuantity.unit) ?? nonBlank(observation.valueQuantity.code) };
  }
  if (typeof observation.valueString === 'string') return nonBlank(observation.valueString) ? { text: observation.valueString.trim() } : undefined;
  if (Number.isInteger(observation.valueInteger)) return { text: decimalText(observation, 'valueInteger')! };
  if (observation.valueCodeableConcept) {
    const text = textOf(observation.valueCodeableConcept as CodeableConcept);
    return text ? { text } : undefined;
  }
  if (typeof observation.valueBoolean === 'boolean') return { text: observation.valueBoolean ? 'true' : 'false' };
  if (Object.keys(observation).some((key) => key.startsWith('value'))) context.problem('Observation.value[x]', 'a kind of value the contract does not carry');
  return undefined;
}

/** A Quantity's value as sent, after its comparator (<, <=, >=, >). */
function quantityText(quantity: Quantity): string | undefined {
  const text = decimalText(quantity, 'value');
  return text === undefined ? undefined : `${quantity.comparator ?? ''}${text}`;
}

/**
 * ObservationReferenceRange as OBX-7 writes a range: its text, else `low-high`, `>=low` or
 * `<=high` (both bounds are inclusive, http://hl7.org/fhir/R4/observation-definitions.html#Observation.referenceRange.low).
 */
function rangeOf(range: ObservationReferenceRange | undefined): string | undefined {
  if (!range) return undefined;
  const text = nonBlank(range.text);
  if (text) return text;
  const low = range.low && decimalText(range.low, 'value');
  const high = range.high && decimalText(range.high, 'value');
  if (low !== undefined && high !== undefined) return `${low}-${high}`;
  if (low !== undefined) return `>=${low}`;
  if (high !== undefined) return `<=${high}`;
  return undefined;
}

/** effective[x] as a date-time: the specimen's collection time, or the report's when the result has none. */
function effectiveOf(resource: Observation | DiagnosticReport, context: MappingContext): string | undefined {
  return dateTimeOf(resource.effectiveDateTime ?? resource.effectivePeriod?.start ?? (resource as Observation).effectiveInstant, context.source);
}

/** The Observation names no patient, or the same one as its report (an answer read by `_id` might not). */
function samePatient(report: Reference | undefined, observation: Reference | undefined): boolean {
  if (!observation?.reference && !observation?.identifier) return true;
  const a = patientKeyOf(report?.reference);
  const b = patientKeyOf(observation.reference);
  if (a && b) return a === b;
  const x = report?.identifier;
  const y = observation.identifier;
  return !!x && !!y && x.system === y.system && x.value === y.value;
}
