import type { Reference, Resource } from '@medplum/fhirtypes';
import { DateTime } from 'luxon';
import { DEMO_ZONE } from './clock';

/** A search parameter the server cannot read: answered 400 with an OperationOutcome. */
export class SearchParameterError extends Error {}

/** The matches of a search, whether the Patients they reference go along (_include), and which elements to keep (_elements). */
export interface SearchResult {
  matches: Resource[];
  includePatients: boolean;
  /** Every `_include` asked (`Type:param`), the Patient's among them. */
  includes: readonly string[];
  elements?: readonly string[];
}

/**
 * How a server treats a chained parameter: `chaining` false is a server without chained search
 * (Medplum's engine as it ships) that, handling search leniently, ignores `patient.identifier`
 * and answers as if it were not there.
 */
export interface SearchOptions {
  chaining: boolean;
}

/** Parameters about the result rather than the criteria, and others we let pass (lenient handling). */
const RESULT_PARAMETERS = new Set(['_count', '_include', '_format', '_pretty', '_summary', '_elements', '_sort', '_total']);

/** An element name in _elements, bare or prefixed by its type (`identifier`, `Patient.identifier`). */
const ELEMENT = /^([A-Z][A-Za-z]+\.)?[a-z][A-Za-z0-9]*$/;

/** Each type's date search parameter, and the element it searches. */
const DATE_PARAMETERS: Record<string, { name: string; valueOf(resource: Resource): string | undefined }> = {
  MedicationDispense: { name: 'whenhandedover', valueOf: (r) => (r.resourceType === 'MedicationDispense' ? r.whenHandedOver : undefined) },
  Encounter: { name: 'date', valueOf: (r) => (r.resourceType === 'Encounter' ? r.period?.start : undefined) },
  DiagnosticReport: { name: 'date', valueOf: (r) => (r.resourceType === 'DiagnosticReport' ? r.effectiveDateTime : undefined) },
};

/** A type's date search parameter (MedicationDispense `whenhandedover`, Encounter `date`), if it has one. */
export const dateParameterOf = (type: string): string | undefined => (Object.hasOwn(DATE_PARAMETERS, type) ? DATE_PARAMETERS[type].name : undefined);

/**
 * Evaluates a search on one tenant's resources: the few parameters the demo sources are read
 * with, with FHIR's rules (http://hl7.org/fhir/R4/search.html): a repeated parameter is AND, a
 * comma within a value is OR, `\,` escapes a comma. Unknown parameters are ignored, as a
 * server handling search leniently does.
 */
export function searchResources(type: string, resources: readonly Resource[], patients: ReadonlyMap<string, Resource>, params: URLSearchParams, options: SearchOptions = { chaining: true }): SearchResult {
  const filters: ((resource: Resource) => boolean)[] = [];
  for (const [name, value] of params) {
    if (RESULT_PARAMETERS.has(name)) continue;
    if (name === '_lastUpdated') {
      // Every resource's meta.lastUpdated (http://hl7.org/fhir/R4/search.html#lastUpdated), with the date prefixes.
      const tests = orList(value).map((v) => dateTest(name, v));
      filters.push((r) => tests.some((test) => test(r.meta?.lastUpdated)));
    } else if (name === '_id') filters.push((r) => orList(value).includes(r.id ?? ''));
    else if (type === 'Patient' && name === 'identifier') filters.push((r) => orList(value).some((token) => hasIdentifier(r, token)));
    else if (type !== 'Patient' && name === 'patient') filters.push((r) => orList(value).map(patientIdOf).includes(patientIdOf(referenceOf(r)?.reference ?? '')));
    else if (type !== 'Patient' && name === 'patient.identifier' && options.chaining) {
      filters.push((r) => {
        const patient = patients.get(patientIdOf(referenceOf(r)?.reference ?? ''));
        return !!patient && orList(value).some((token) => hasIdentifier(patient, token));
      });
    } else if (DATE_PARAMETERS[type]?.name === name) {
      const tests = orList(value).map((v) => dateTest(name, v));
      filters.push((r) => tests.some((test) => test(DATE_PARAMETERS[type].valueOf(r))));
    }
  }
  const includes = params.getAll('_include');
  for (const include of includes) {
    if (!/^[A-Za-z]+:[A-Za-z-]+(:[A-Za-z]+)?$/.test(include) && include !== '*') throw new SearchParameterError('_include must be Type:parameter');
  }
  const elements = params.getAll('_elements').flatMap((value) => value.split(',')).map((element) => element.trim());
  if (elements.some((element) => !ELEMENT.test(element))) throw new SearchParameterError('_elements must list element names');
  return {
    matches: resources.filter((resource) => filters.every((filter) => filter(resource))),
    includePatients: type !== 'Patient' && includes.includes(`${type}:patient`),
    includes,
    ...(elements.length ? { elements: elements.map((element) => element.replace(/^[A-Za-z]+\./, '')) } : {}),
  };
}

/** The patient reference of a resource (subject on some types, patient on others). */
export function referenceOf(resource: Resource): Reference | undefined {
  const holder = resource as { subject?: Reference; patient?: Reference };
  return holder.subject ?? holder.patient;
}

/** "x" for "Patient/x", "x", or an absolute URL ending in Patient/x. */
export function patientIdOf(reference: string): string {
  const match = /(?:^|\/)Patient\/([^/]+)(?:\/_history\/.*)?$/.exec(reference);
  return match ? match[1] : reference;
}

/** Splits on unescaped commas, then unescapes (http://hl7.org/fhir/R4/search.html#escaping). */
function orList(value: string): string[] {
  return value.split(/(?<!\\),/).map((part) => part.replace(/\\([\\,$|])/g, '$1'));
}

/**
 * token search (http://hl7.org/fhir/R4/search.html#token): `system|value`, `|value` (no system),
 * `value` (any system), `system|` (any value in that system).
 */
function hasIdentifier(resource: Resource, token: string): boolean {
  const bar = token.search(/(?<!\\)\|/);
  const system = bar < 0 ? undefined : token.slice(0, bar);
  const value = bar < 0 ? token : token.slice(bar + 1);
  const identifiers = (resource as { identifier?: { system?: string; value?: string }[] }).identifier ?? [];
  const anyValue = value === '' && !!system;
  return identifiers.some((identifier) => (anyValue ? typeof identifier.value === 'string' : identifier.value === value) && (system === undefined || (system === '' ? !identifier.system : identifier.system === system)));
}

const PREFIXES = ['eq', 'gt', 'lt', 'ge', 'le'] as const;

/**
 * A date parameter with its prefix (http://hl7.org/fhir/R4/search.html#prefix) as a test on a
 * resource's date-time. The parameter stands for the whole span of its precision (a day, a
 * month); values without an offset are the server's local time.
 */
function dateTest(name: string, raw: string): (value: string | undefined) => boolean {
  const prefix = PREFIXES.find((p) => raw.startsWith(p));
  const text = (prefix ? raw.slice(2) : raw).replace(/ /g, '+'); // a `+` offset sent unencoded arrives as a space
  const match = /^\d{4}(-\d{2}(-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/.exec(text);
  const unit = !match ? undefined : match[5] ? 'millisecond' : match[3] ? 'second' : match[2] ? 'day' : match[1] ? 'month' : 'year';
  const parsed = DateTime.fromISO(text, { zone: DEMO_ZONE, setZone: true });
  if (!unit || !parsed.isValid) throw new SearchParameterError(`${name} must be a date with an optional prefix (${PREFIXES.join(', ')})`);
  const low = parsed.startOf(unit).toMillis();
  const high = parsed.startOf(unit).plus({ [unit]: 1 }).toMillis();
  return (value) => {
    if (!value) return false;
    const at = DateTime.fromISO(value, { zone: DEMO_ZONE }).toMillis();
    if (Number.isNaN(at)) return false;
    switch (prefix ?? 'eq') {
      case 'gt':
        return at >= high;
      case 'ge':
        return at >= low;
      case 'lt':
        return at < low;
      case 'le':
        return at < high;
      default:
        return at >= low && at < high;
    }
  };
}
